//! Pagination.

use super::peer::*;

/// Three batches. The server issues an opaque cursor per batch and answers 400 to any cursor
/// it did not issue, so the client passes only if it follows `_links.next` as written.
#[tokio::test]
async fn pagination_follows_next_links_exactly() {
    let peer = Peer::spawn(|req, _| {
        if req.path != "/wiki/api/v2/spaces/98306/pages" {
            return status(404);
        }
        if req.param("limit").as_deref() != Some("250")
            || req.param("body-format").as_deref() != Some("storage")
        {
            return status(400);
        }
        let next = |cursor: &str| {
            format!("/wiki/api/v2/spaces/98306/pages?body-format=storage&limit=250&cursor={cursor}")
        };
        let (ids, next_link) = match req.param("cursor").as_deref() {
            None => (["1", "2"], Some(next("eyJpZCI6Mn0%3D"))),
            Some("eyJpZCI6Mn0=") => (["3", "4"], Some(next("b3BhcXVl-2"))),
            Some("b3BhcXVl-2") => (["5", "6"], None),
            Some(_) => return status(400),
        };
        let results: Vec<Value> = ids
            .iter()
            .map(|id| page_json(id, &format!("<p>body {id}</p>")))
            .collect();
        let mut links = json!({"base": "https://acme.atlassian.net/wiki"});
        if let Some(next) = &next_link {
            links["next"] = json!(next);
        }
        let response = json_response(json!({"results": results, "_links": links}));
        match next_link {
            Some(next) => with_header(response, "link", &format!("<{next}>; rel=\"next\"")),
            None => response,
        }
    })
    .await;
    let client = client(config(&peer.url()));

    let mut pages = client.pages_in_space("98306");
    let mut ids = Vec::new();
    while let Some(batch) = pages.next_page().await.unwrap() {
        assert_eq!(batch.len(), 2, "one batch per call");
        for page in batch {
            assert_eq!(
                page.body.storage(),
                Some(format!("<p>body {}</p>", page.id).as_str())
            );
            assert_eq!(page.version.as_ref().map(|v| v.number), Some(3));
            ids.push(page.id);
        }
    }
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    assert!(pages.is_done() && pages.next_link().is_none());
    assert_eq!(client.request_count(), 3);
    let requests = peer.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].query.as_deref(),
        Some("body-format=storage&limit=250&cursor=b3BhcXVl-2")
    );

    // The same listing as a stream.
    let batches: Vec<_> = client
        .pages_in_space("98306")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 6);
    assert_eq!(client.request_count(), 6);
}

#[tokio::test]
async fn link_header_is_the_fallback_and_a_listing_resumes_from_a_saved_link() {
    let peer = Peer::spawn(|req, _| match req.param("cursor").as_deref() {
        // `next` only in the Link header, as some proxies strip nothing but rewrite bodies.
        None => with_header(
            json_response(json!({"results": [{"id": "10", "pageId": "5"}], "_links": {}})),
            "link",
            "</wiki/api/v2/pages/5/footer-comments?cursor=two>; rel=\"next\", <http://x/wiki>; rel=\"base\"",
        ),
        Some("two") => json_response(json!({"results": [{"id": 11, "pageId": 5}], "_links": {}})),
        Some(_) => status(400),
    })
    .await;
    let client = client(config(&peer.url()));
    let mut comments = client.footer_comments(Container::Page, "5");
    let first = comments.next_page().await.unwrap().unwrap();
    assert_eq!(first[0].id, "10");
    let saved = comments.next_link().unwrap().to_owned();
    assert_eq!(saved, "/wiki/api/v2/pages/5/footer-comments?cursor=two");

    let resumed = client
        .resume::<dlp_confluence::Comment>(&saved)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].id, "11", "numeric ids are read as strings");
    assert_eq!(resumed[0].container_id(), Some("5"));
}

#[tokio::test]
async fn a_transient_failure_mid_listing_retries_the_same_batch() {
    let peer = Peer::spawn(|req, n| match (req.param("cursor").as_deref(), n) {
        (None, _) => json_response(json!({"results": [{"id": "1"}], "_links": {"next": "/wiki/api/v2/spaces/1/blogposts?cursor=c2"}})),
        (Some("c2"), 1) => status(502),
        (Some("c2"), _) => json_response(json!({"results": [{"id": "2"}], "_links": {}})),
        _ => status(400),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 0;
    let client = client(cfg);
    let mut posts = client.blog_posts_in_space("1");
    assert_eq!(posts.next_page().await.unwrap().unwrap()[0].id, "1");
    let err = posts.next_page().await.unwrap_err();
    assert!(
        matches!(
            err,
            ConfluenceError::Server {
                status: 502,
                attempts: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(posts.next_page().await.unwrap().unwrap()[0].id, "2");
    assert!(posts.next_page().await.unwrap().is_none());
    let cursors: Vec<_> = peer.requests().iter().map(|r| r.param("cursor")).collect();
    assert_eq!(cursors, [None, Some("c2".into()), Some("c2".into())]);
}

#[tokio::test]
async fn next_links_off_the_site_and_loops_are_refused() {
    let elsewhere = Peer::spawn(|_, _| json_response(json!({"results": [{"id": "666"}]}))).await;
    let foreign_next = format!("{}/wiki/api/v2/spaces/1/pages?cursor=x", elsewhere.url());
    let peer = Peer::spawn(move |req, _| match req.path.as_str() {
        "/wiki/api/v2/spaces/1/pages" => {
            json_response(json!({"results": [{"id": "1"}], "_links": {"next": foreign_next}}))
        }
        "/wiki/api/v2/spaces/2/pages" => json_response(
            json!({"results": [{"id": "1"}], "_links": {"next": "/wiki/api/v2/spaces/2/pages?body-format=storage&limit=250"}}),
        ),
        _ => status(404),
    })
    .await;
    let client = client(config(&peer.url()));

    let mut pages = client.pages_in_space("1");
    assert_eq!(
        pages.next_page().await.unwrap().unwrap().len(),
        1,
        "the batch itself is kept"
    );
    let err = pages.next_page().await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::ForeignHost { .. }),
        "{err:?}"
    );
    assert!(elsewhere.requests().is_empty());

    let mut looping = client.pages_in_space("2");
    assert!(looping.next_page().await.unwrap().is_some());
    assert!(matches!(
        looping.next_page().await,
        Err(ConfluenceError::PaginationLoop)
    ));
}

#[tokio::test]
async fn a_record_without_an_id_is_skipped_not_fatal() {
    let peer = Peer::spawn(|_, _| {
        json_response(json!({"results": [{"id": "1", "title": "a"}, {"title": "no id"}, {"id": "3"}], "_links": {}}))
    })
    .await;
    let client = client(config(&peer.url()));
    let mut attachments = client.attachments(Container::BlogPost, "9");
    let batch = attachments.next_page().await.unwrap().unwrap();
    assert_eq!(
        batch.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["1", "3"]
    );
    assert_eq!(attachments.skipped(), 1);
    let requests = peer.requests();
    assert_eq!(requests[0].path, "/wiki/api/v2/blogposts/9/attachments");
    assert_eq!(requests[0].param("body-format"), None);
}
