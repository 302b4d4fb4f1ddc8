//! Data Center's v1 writes as MCP servers make them through atlassian-python-api: a new page
//! (`POST rest/api/content/`), an update that must name the next version (409 otherwise), and
//! comments and replies.

use super::harness::*;
use reqwest::Method;
use serde_json::json;

fn storage(value: &str) -> Value {
    json!({"storage": {"value": value, "representation": "storage"}})
}

#[tokio::test]
async fn a_new_page_is_version_one_under_its_parent_and_readable() {
    let dc = Sim::data_center().await;
    let (status, page) = dc
        .send_json(
            Method::POST,
            "/rest/api/content/",
            &json!({"type": "page", "title": "Written by MCP", "status": "current",
                    "space": {"key": "ENG"}, "ancestors": [{"type": "page", "id": "65601"}],
                    "body": storage("<p>hello</p>"),
                    "metadata": {"properties": {"content-appearance-draft": {"value": "fixed-width"}}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let id = page["id"].as_str().expect("id").to_string();
    assert_eq!(page["version"]["number"], 1);
    assert_eq!(page["space"]["key"], "ENG");
    assert_eq!(page["ancestors"][0]["id"], "65601");
    assert_eq!(page["body"]["storage"]["value"], "<p>hello</p>");
    assert!(page["version"]["by"]["displayName"].is_string());
    let read = dc
        .json(&format!(
            "/rest/api/content/{id}?expand=body.storage,version,space"
        ))
        .await;
    assert_eq!(read["title"], "Written by MCP");
    let children = dc.json("/rest/api/content/65601/child/page").await;
    assert_eq!(
        results(&children).last().expect("children")["id"],
        id.as_str(),
        "appended last"
    );
    let by_title = dc
        .json("/rest/api/content?type=page&spaceKey=ENG&title=Written+by+MCP")
        .await;
    assert_eq!(results(&by_title)[0]["id"], id.as_str());

    // The same title again, an unknown space, an unknown parent.
    let again = json!({"type": "page", "title": "Written by MCP", "space": {"key": "ENG"},
                       "body": storage("<p>x</p>")});
    let (status, body) = dc
        .send_json(Method::POST, "/rest/api/content", &again)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dc_error(&body, 400, "Bad Request");
    let nowhere = json!({"type": "page", "title": "T", "space": {"key": "NOPE"},
                         "body": storage("<p>x</p>")});
    let (status, body) = dc
        .send_json(Method::POST, "/rest/api/content", &nowhere)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
    let orphan = json!({"type": "page", "title": "T", "space": {"key": "ENG"},
                        "ancestors": [{"id": 999999}], "body": storage("<p>x</p>")});
    let (status, _) = dc
        .send_json(Method::POST, "/rest/api/content", &orphan)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_update_names_the_next_version_or_conflicts() {
    let dc = Sim::data_center().await;
    let history = dc.json("/rest/api/content/65750/history").await;
    let current = history["lastUpdated"]["number"].as_u64().expect("number");
    let update = |number: u64| {
        json!({"id": "65750", "type": "page", "title": "New Hire Checklist",
               "version": {"number": number, "minorEdit": false},
               "body": storage("<p>updated</p>"), "metadata": {"properties": {}}})
    };
    for stale in [current, current + 2] {
        let (status, body) = dc
            .send_json(
                Method::PUT,
                "/rest/api/content/65750?status=current",
                &update(stale),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "version {stale}");
        assert_dc_error(&body, 409, "Conflict");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&format!("Current version is: {current}"))
        );
    }
    let (status, body) = dc
        .send_json(
            Method::PUT,
            "/rest/api/content/65750?status=current",
            &update(current + 1),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"]["number"], current + 1);
    let history = dc.json("/rest/api/content/65750/history").await;
    assert_eq!(history["lastUpdated"]["number"], current + 1);
    let (status, body) = dc
        .send_json(
            Method::PUT,
            "/rest/api/content/999999",
            &json!({"id": "999999", "type": "page",
            "title": "x", "version": {"number": 2}, "body": storage("<p>x</p>")}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
}

#[tokio::test]
async fn comments_and_replies_join_the_page_s_comments() {
    let dc = Sim::data_center().await;
    let (status, comment) = dc
        .send_json(
            Method::POST,
            "/rest/api/content/",
            &json!({"type": "comment",
                    "container": {"id": "65601", "type": "page", "status": "current"},
                    "body": storage("<p>first</p>")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{comment}");
    let id = comment["id"].as_str().expect("id").to_string();
    assert_eq!(comment["type"], "comment");
    assert_eq!(comment["container"]["id"], "65601");
    assert_eq!(comment["extensions"]["location"], "footer");
    assert_eq!(comment["version"]["number"], 1);
    let (status, reply) = dc
        .send_json(
            Method::POST,
            "/rest/api/content/",
            &json!({"type": "comment", "container": {"id": "65601", "type": "page"},
                    "ancestors": [{"id": id}], "body": storage("<p>reply</p>")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["ancestors"][0]["id"], id.as_str());
    let roots = dc.json("/rest/api/content/65601/child/comment").await;
    assert_eq!(
        ids_of(results(&roots)),
        std::slice::from_ref(&id),
        "replies are not roots"
    );
    let all = dc
        .json("/rest/api/content/65601/child/comment?expand=body.view.value,version&depth=all")
        .await;
    assert_eq!(results(&all).len(), 2);
    assert_eq!(results(&all)[1]["body"]["view"]["value"], "<p>reply</p>");
    let (status, body) = dc
        .send_json(
            Method::POST,
            "/rest/api/content",
            &json!({"type": "comment", "container": {"id": "999999"}, "body": storage("<p>x</p>")}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
    // A reply to a comment of another page.
    let (status, _) = dc
        .send_json(
            Method::POST,
            "/rest/api/content",
            &json!({"type": "comment", "container": {"id": "65750"},
                    "ancestors": [{"id": id}], "body": storage("<p>x</p>")}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
