//! Downloads.

use super::peer::*;

fn attachment(download_link: &str, file_size: Option<u64>) -> Attachment {
    serde_json::from_value(json!({
        "id": "att1", "title": "export.csv", "pageId": "65538", "fileSize": file_size,
        "downloadLink": download_link
    }))
    .unwrap()
}

#[tokio::test]
async fn download_follows_the_redirect_without_sending_credentials_to_the_media_host() {
    let media = Peer::spawn(|req, _| {
        if req.path == "/file/abc/binary" && req.param("token").as_deref() == Some("signed") {
            (StatusCode::OK, "id,ssn\n1,078-05-1120\n").into_response()
        } else {
            status(403)
        }
    })
    .await;
    let location = format!("{}/file/abc/binary?token=signed", media.url());
    let site = Peer::spawn(move |req, _| {
        if req.path == "/wiki/download/attachments/65538/export.csv" {
            with_header(StatusCode::FOUND.into_response(), "location", &location)
        } else {
            status(404)
        }
    })
    .await;
    let mut cfg = config(&site.url());
    cfg.auth = Auth::Basic {
        email: "bot@example.com".into(),
        api_token: "tok3n".into(),
    };
    let client = client(cfg);

    let bytes = client
        .download(&attachment(
            "/download/attachments/65538/export.csv?version=1&api=v2",
            Some(23),
        ))
        .await
        .unwrap();
    assert_eq!(bytes, b"id,ssn\n1,078-05-1120\n");
    let site_requests = site.requests();
    assert_eq!(site_requests.len(), 1);
    assert_eq!(site_requests[0].query.as_deref(), Some("version=1&api=v2"));
    assert!(
        site_requests[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    );
    let media_requests = media.requests();
    assert_eq!(media_requests.len(), 1);
    assert_eq!(
        media_requests[0].authorization, None,
        "credentials must not reach the media host"
    );
    assert_eq!(client.request_count(), 1, "only requests to the site count");
}

#[tokio::test]
async fn download_link_to_a_foreign_origin_is_refused_without_a_request() {
    let foreign = Peer::spawn(|_, _| (StatusCode::OK, "stolen").into_response()).await;
    let site = Peer::spawn(|_, _| status(500)).await;
    let mut cfg = config(&site.url());
    cfg.auth = Auth::Bearer {
        token: "pat".into(),
    };
    let client = client(cfg);
    let link = format!("{}/wiki/download/attachments/1/a.pdf", foreign.url());
    let err = client.download(&attachment(&link, None)).await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::ForeignHost { .. }),
        "{err:?}"
    );
    assert!(foreign.requests().is_empty() && site.requests().is_empty());
    assert_eq!(client.request_count(), 0);
}

#[tokio::test]
async fn download_size_limit_holds_with_and_without_content_length() {
    let peer = Peer::spawn(|req, _| match req.path.as_str() {
        "/wiki/download/declared" => (StatusCode::OK, vec![b'x'; 2000]).into_response(),
        "/wiki/download/streamed" => {
            let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'y'; 300])));
            Response::new(Body::from_stream(futures::stream::iter(chunks)))
        }
        "/wiki/download/small" => (StatusCode::OK, vec![b'z'; 1000]).into_response(),
        _ => status(404),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_download_bytes = 1000;
    let client = client(cfg);

    let declared = client
        .download_link("/download/declared")
        .await
        .unwrap_err();
    assert!(
        matches!(declared, ConfluenceError::TooLarge { limit: 1000 }),
        "{declared:?}"
    );
    let streamed = client
        .download_link("/download/streamed")
        .await
        .unwrap_err();
    assert!(
        matches!(streamed, ConfluenceError::TooLarge { limit: 1000 }),
        "{streamed:?}"
    );
    assert_eq!(
        client.download_link("/download/small").await.unwrap().len(),
        1000,
        "the limit is inclusive"
    );
    assert_eq!(client.request_count(), 3, "too large is not retried");

    let err = client
        .download(&attachment("/download/small", Some(5000)))
        .await
        .unwrap_err();
    assert!(matches!(err, ConfluenceError::TooLarge { .. }));
    assert_eq!(
        client.request_count(),
        3,
        "a declared size over the limit costs no request"
    );
}

#[tokio::test]
async fn download_redirect_chains_are_bounded() {
    let peer = Peer::spawn(|req, _| {
        let hop: u32 = req
            .path
            .trim_start_matches("/wiki/hop/")
            .parse()
            .unwrap_or(0);
        with_header(
            StatusCode::FOUND.into_response(),
            "location",
            &format!("/wiki/hop/{}", hop + 1),
        )
    })
    .await;
    let client = client(config(&peer.url()));
    let err = client.download_link("/hop/0").await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::TooManyRedirects { limit: 5 }),
        "{err:?}"
    );
    assert_eq!(peer.requests().len(), 6, "the first request and five hops");
}

#[tokio::test]
async fn errors_and_debug_output_carry_no_secrets() {
    let secret_body = "AKIAIOSFODNN7EXAMPLE";
    let peer = Peer::spawn(move |req, _| match req.path.as_str() {
        "/wiki/api/v2/pages/1" => json_response(page_json("1", secret_body)),
        _ => (
            StatusCode::OK,
            format!("{{\"id\": 1, \"version\": {{\"number\": \"{secret_body}\"}}}}"),
        )
            .into_response(),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.auth = Auth::Basic {
        email: "bot@example.com".into(),
        api_token: "tok3n-secret".into(),
    };
    let client = client(cfg);

    let page = client.page("1").await.unwrap();
    let err = client.page("2").await.unwrap_err();
    assert!(matches!(err, ConfluenceError::Decode { .. }), "{err:?}");
    for text in [
        format!("{page:?}"),
        format!("{client:?}"),
        format!("{err}"),
        format!("{err:?}"),
    ] {
        assert!(
            !text.contains(secret_body) && !text.contains("tok3n-secret"),
            "{text}"
        );
    }
}
