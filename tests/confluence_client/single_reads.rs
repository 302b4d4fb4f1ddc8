//! Single reads.

use super::peer::*;

#[tokio::test]
async fn single_reads_and_space_lookup_use_the_documented_paths() {
    let peer = Peer::spawn(|req, _| match req.path.as_str() {
        "/wiki/api/v2/spaces" if req.param("keys").as_deref() == Some("ENG") => json_response(json!({
            "results": [{"id": "98306", "key": "ENG", "name": "Engineering", "type": "global",
                         "status": "current", "homepageId": "65537", "icon": null}],
            "_links": {"base": "https://acme.atlassian.net/wiki"}
        })),
        "/wiki/api/v2/spaces" => json_response(json!({"results": [], "_links": {}})),
        "/wiki/api/v2/pages/65538" if req.param("body-format").as_deref() == Some("storage") => {
            json_response(page_json("65538", "<p>big</p>"))
        }
        "/wiki/api/v2/blogposts/77" if req.param("body-format").as_deref() == Some("storage") => {
            json_response(json!({"id": "77", "title": "News", "spaceId": 98306,
                                  "body": {"storage": {"value": "<p>news</p>"}}}))
        }
        "/wiki/api/v2/pages/65538/inline-comments" if req.param("body-format").as_deref() == Some("storage") => {
            json_response(json!({"results": [{"id": "5", "pageId": "65538", "resolutionStatus": "open",
                                              "body": {"storage": {"value": "<p>c</p>"}}}], "_links": {}}))
        }
        "/wiki/rest/api/content/65538/restriction" if req.param("expand").as_deref() == Some("restrictions.user") => {
            json_response(json!({"results": [{"operation": "read"}], "size": 1}))
        }
        _ => status(404),
    })
    .await;
    let client = client(config(&peer.url()));

    let space = client.space_by_key("ENG").await.unwrap();
    assert_eq!(
        (
            space.id.as_str(),
            space.key.as_str(),
            space.homepage_id.as_deref()
        ),
        ("98306", "ENG", Some("65537"))
    );
    // A wrong key is named, and anonymous access says what to set.
    let missing = client.space_by_key("NOPE").await.unwrap_err();
    assert!(
        matches!(missing, ConfluenceError::SpaceNotFound { ref key, anonymous: true } if key == "NOPE")
    );
    let message = missing.to_string();
    assert!(
        message.contains("\"NOPE\"") && message.contains("CONFLUENCE_PAT"),
        "{message}"
    );

    let page = client.page("65538").await.unwrap();
    assert_eq!(page.body.storage(), Some("<p>big</p>"));
    let post = client.blog_post("77").await.unwrap();
    assert_eq!(
        (post.space_id.as_deref(), post.body.storage()),
        (Some("98306"), Some("<p>news</p>"))
    );
    let inline = client
        .inline_comments(Container::Page, "65538")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(inline[0].resolution_status.as_deref(), Some("open"));
    assert!(matches!(
        client.page("404").await,
        Err(ConfluenceError::NotFound)
    ));

    // v1 reads go through the same credentials, budget and retries.
    let restrictions: Value = client
        .get_json("/wiki/rest/api/content/65538/restriction?expand=restrictions.user")
        .await
        .unwrap();
    assert_eq!(restrictions["size"], 1);
    let before = client.request_count();
    for bad in [
        "https://evil.example/wiki/x",
        "//evil.example/wiki/x",
        "/rest/api/x",
    ] {
        let err = client.get_json::<Value>(bad).await.unwrap_err();
        assert!(
            matches!(err, ConfluenceError::InvalidPath),
            "{bad}: {err:?}"
        );
    }
    assert_eq!(client.request_count(), before);
}

/// An older version of a page or blog post: Cloud asks v2 with `version` and the storage body,
/// Data Center v1 under its context path with `status=historical`; 404 is a deleted version
/// (`None`), and an answer for another version than the one asked is refused.
#[tokio::test]
async fn document_versions_are_read_by_number_on_both_flavours() {
    let peer = Peer::spawn(|req, _| {
        let version = req.param("version").unwrap_or_default();
        let answer = |id: &str, number: u32| {
            json_response(json!({"id": id, "title": "t",
                "version": {"number": number},
                "body": {"storage": {"value": format!("<p>{id} v{number}</p>"),
                                     "representation": "storage"}}}))
        };
        match (req.path.as_str(), version.as_str()) {
            ("/wiki/api/v2/pages/65538", "2") | ("/wiki/api/v2/blogposts/77", "2")
                if req.param("body-format").as_deref() == Some("storage") =>
            {
                answer(req.path.rsplit('/').next().unwrap(), 2)
            }
            ("/wiki/api/v2/pages/65538", "3") => answer("65538", 4),
            ("/confluence/rest/api/content/65538", "2")
                if req.param("status").as_deref() == Some("historical")
                    && req.param("expand").as_deref() == Some("body.storage,version") =>
            {
                answer("65538", 2)
            }
            _ => status(404),
        }
    })
    .await;
    let mut cloud = config(&peer.url());
    cloud.flavor = Some(dlp_confluence::Flavor::Cloud);
    let cloud = client(cloud);
    assert_eq!(
        cloud
            .document_version(Container::Page, "65538", 2)
            .await
            .unwrap()
            .as_deref(),
        Some("<p>65538 v2</p>")
    );
    assert_eq!(
        cloud
            .document_version(Container::BlogPost, "77", 2)
            .await
            .unwrap()
            .as_deref(),
        Some("<p>77 v2</p>")
    );
    assert_eq!(
        cloud
            .document_version(Container::Page, "65538", 1)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        cloud.document_version(Container::Page, "65538", 3).await,
        Err(ConfluenceError::UnexpectedVersion)
    ));
    assert!(
        cloud
            .document_version(Container::Page, "../x", 1)
            .await
            .is_err()
    );

    let mut dc = config(&format!("{}/confluence", peer.url()));
    dc.flavor = Some(dlp_confluence::Flavor::DataCenter);
    let dc = client(dc);
    assert_eq!(
        dc.document_version(Container::Page, "65538", 2)
            .await
            .unwrap()
            .as_deref(),
        Some("<p>65538 v2</p>")
    );
    assert_eq!(
        dc.document_version(Container::Page, "65538", 1)
            .await
            .unwrap(),
        None
    );
    // The id never reached a path unchecked.
    assert!(peer.requests().iter().all(|r| !r.path.contains("..")));
}
