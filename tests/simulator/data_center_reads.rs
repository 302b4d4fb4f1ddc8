//! Data Center's v1 reads beyond a scanner's, as the MCP server mcp-atlassian (0.23.1, Server/DC
//! mode) makes them: content with its attachments and history, child pages, comments with
//! their authors, labels, properties, restrictions, users, CQL search hits placed in a space,
//! and DC's JSON errors.

use super::harness::*;

/// Every person in a v1 answer is a DC user object with a display name.
fn assert_user(user: &Value) {
    assert_eq!(user["type"], "known", "{user}");
    for field in ["username", "userKey", "displayName"] {
        assert!(
            user[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {user}"
        );
    }
    assert!(user["profilePicture"]["path"].is_string(), "{user}");
}

#[tokio::test]
async fn a_page_expands_its_attachments_history_and_authors() {
    let dc = Sim::data_center().await;
    let page = dc
        .json(
            "/rest/api/content/66625?expand=body.storage,version,space,children.attachment,history",
        )
        .await;
    assert_eq!(page["space"]["key"], "ENG");
    let attachments = &page["children"]["attachment"];
    let titles: Vec<&str> = results(attachments)
        .iter()
        .map(|a| a["title"].as_str().expect("title"))
        .collect();
    let expected = sample_ids("attachments", |a| a["containerId"] == "66625");
    assert_eq!(titles.len(), expected.len(), "{attachments}");
    assert_eq!(attachments["size"], expected.len());
    assert_eq!(attachments["start"], 0);
    for a in results(attachments) {
        assert_eq!(a["type"], "attachment");
        assert!(a["extensions"]["fileSize"].is_u64(), "{a}");
        assert!(
            a["_links"]["download"]
                .as_str()
                .is_some_and(|d| d.starts_with("/download/attachments/66625/"))
        );
    }
    assert_eq!(
        page["children"]["_expandable"]["page"],
        "/rest/api/content/66625/child/page"
    );
    assert_user(&page["version"]["by"]);
    assert_user(&page["history"]["createdBy"]);
    assert_user(&page["history"]["lastUpdated"]["by"]);
    // Not asked for: no children at all.
    let bare = dc.json("/rest/api/content/66625?expand=version").await;
    assert!(bare.get("children").is_none(), "{bare}");
}

#[tokio::test]
async fn history_names_the_creator_and_the_latest_version() {
    let dc = Sim::data_center().await;
    let history = dc.json("/rest/api/content/65750/history").await;
    let page = dc.json("/rest/api/content/65750?expand=version").await;
    assert_eq!(history["latest"], true);
    assert_eq!(history["lastUpdated"]["number"], page["version"]["number"]);
    assert!(history["createdDate"].is_string());
    assert_user(&history["createdBy"]);
    let (status, body) = dc.answer("/rest/api/content/999999/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
}

#[tokio::test]
async fn child_pages_come_in_their_order_and_blog_posts_have_none() {
    let dc = Sim::data_center().await;
    let children = dc
        .json("/rest/api/content/65601/child/page?start=0&limit=25&expand=version")
        .await;
    let ids: Vec<&str> = results(&children)
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    // The sample's children of the home page, by position.
    assert_eq!(ids, ["65611", "65635", "65672", "65711", "65721"]);
    assert!(
        results(&children)
            .iter()
            .all(|p| p["version"]["number"].is_u64())
    );
    assert_eq!(children["size"], 5);
    let paged = dc
        .json("/rest/api/content/65601/child/page?limit=2&start=2")
        .await;
    assert_eq!(results(&paged)[0]["id"], "65672");
    assert!(
        paged["_links"]["next"]
            .as_str()
            .is_some_and(|n| n.contains("start=4"))
    );
    let blog = dc.json("/rest/api/content/66800/child/page").await;
    assert!(results(&blog).is_empty());
    let (status, body) = dc.answer("/rest/api/content/999999/child/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
}

#[tokio::test]
async fn comments_and_attachments_list_with_their_authors() {
    let dc = Sim::data_center().await;
    let comments = dc
        .json("/rest/api/content/65767/child/comment?start=0&limit=25&expand=body.view.value,version&depth=all")
        .await;
    let expected = sample_ids("comments", |c| c["containerId"] == "65767");
    assert_eq!(ids_of(results(&comments)), expected, "replies included");
    for c in results(&comments) {
        assert!(
            c["body"]["view"]["value"]
                .as_str()
                .is_some_and(|v| !v.is_empty())
        );
        assert_user(&c["version"]["by"]);
        assert_eq!(c["_expandable"]["space"], "/rest/api/space/ENG");
    }
    let attachments = dc
        .json("/rest/api/content/66625/child/attachment?limit=50")
        .await;
    assert_eq!(
        results(&attachments).len(),
        sample_ids("attachments", |a| a["containerId"] == "66625").len()
    );
    assert_eq!(
        results(&attachments)[0]["_expandable"]["container"],
        "/rest/api/content/66625"
    );
    let (status, body) = dc.answer("/rest/api/content/999999/child/comment").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
}

#[tokio::test]
async fn a_page_is_found_by_space_and_exact_title() {
    let dc = Sim::data_center().await;
    let found = dc
        .json("/rest/api/content?type=page&start=0&limit=1&expand=body.storage,version&spaceKey=ENG&title=New+Hire+Checklist")
        .await;
    assert_eq!(results(&found).len(), 1);
    assert_eq!(results(&found)[0]["id"], "65750");
    assert!(results(&found)[0]["body"]["storage"]["value"].is_string());
    let none = dc
        .json("/rest/api/content?type=page&spaceKey=ENG&title=New+Hire")
        .await;
    assert!(results(&none).is_empty(), "titles match exactly");
}

#[tokio::test]
async fn labels_properties_and_restrictions_are_empty_lists_in_dc_shapes() {
    let dc = Sim::data_center().await;
    for what in ["label", "property"] {
        let list = dc.json(&format!("/rest/api/content/65750/{what}")).await;
        assert_eq!(list["results"], serde_json::json!([]), "{list}");
        assert_eq!(
            (list["start"].as_u64(), list["size"].as_u64()),
            (Some(0), Some(0))
        );
        assert!(
            list["limit"].is_u64() && list["_links"]["base"].is_string(),
            "{list}"
        );
        let (status, body) = dc.answer(&format!("/rest/api/content/999999/{what}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
        assert_dc_error(&body, 404, "Not Found");
    }
    let restrictions = dc
        .json("/rest/api/content/65750/restriction/byOperation")
        .await;
    for op in ["read", "update"] {
        assert_eq!(restrictions[op]["operation"], op);
        for kind in ["user", "group"] {
            assert_eq!(
                restrictions[op]["restrictions"][kind]["results"],
                serde_json::json!([]),
                "{restrictions}"
            );
        }
    }
    let (status, _) = dc
        .answer("/rest/api/content/999999/restriction/byOperation")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn users_are_found_by_key_username_or_account_id() {
    let dc = Sim::data_center().await;
    let id = "712020:0060208b-f63f-471b-aff4-c2423ef97131";
    let encoded = "712020%3A0060208b-f63f-471b-aff4-c2423ef97131";
    let by_key = dc.json(&format!("/rest/api/user?key={encoded}")).await;
    assert_user(&by_key);
    assert_eq!(by_key["userKey"], id);
    let by_name = dc
        .json(&format!(
            "/rest/api/user?username={}",
            by_key["username"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_name, by_key);
    let by_account = dc
        .json(&format!("/rest/api/user?accountId={encoded}"))
        .await;
    assert_eq!(by_account, by_key);
    let (status, body) = dc.answer("/rest/api/user?username=nobody").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_dc_error(&body, 404, "Not Found");
    let (status, body) = dc.answer("/rest/api/user").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dc_error(&body, 400, "Bad Request");
    assert_user(&dc.json("/rest/api/user/current").await);
}

#[tokio::test]
async fn search_hits_carry_their_space_history_version_and_excerpt() {
    let dc = Sim::data_center().await;
    let found = dc
        .json("/rest/api/search?start=0&limit=10&cql=siteSearch+~+%22laptop%22&expand=content.history,content.version")
        .await;
    let hits = results(&found);
    let page = hits
        .iter()
        .find(|h| h["content"]["id"] == "65750")
        .expect("the checklist page is a hit");
    let content = &page["content"];
    assert_eq!(content["_expandable"]["space"], "/rest/api/space/ENG");
    assert_user(&content["version"]["by"]);
    assert!(content["history"]["createdDate"].is_string());
    assert_user(&content["history"]["createdBy"]);
    assert_eq!(page["url"], "/pages/viewpage.action?pageId=65750");
    assert_eq!(page["resultGlobalContainer"]["displayUrl"], "/display/ENG");
    assert!(
        page["excerpt"]
            .as_str()
            .is_some_and(|e| !e.is_empty() && !e.contains('<'))
    );
    // Attachments and comments name their space too.
    let attachment = hits
        .iter()
        .find(|h| h["content"]["type"] == "attachment")
        .expect("an attachment hit");
    assert_eq!(
        attachment["content"]["_expandable"]["space"],
        "/rest/api/space/ENG"
    );
    // Expansions of search hits take the `content.` prefix; bare ones are ignored.
    let bare = dc
        .json("/rest/api/search?cql=siteSearch+~+%22laptop%22&expand=version")
        .await;
    assert!(
        results(&bare)
            .iter()
            .all(|h| h["content"].get("version").is_none())
    );
    let cql = dc
        .json("/rest/api/search?cql=type+%3D+page+AND+space+%3D+ENG+AND+text+~+%22laptop%22&expand=content.space")
        .await;
    assert!(!results(&cql).is_empty());
    assert!(
        results(&cql)
            .iter()
            .all(|h| h["content"]["space"]["key"] == "ENG")
    );
}

#[tokio::test]
async fn unknown_ids_and_routes_answer_dc_json_errors() {
    let dc = Sim::data_center().await;
    for path in [
        "/rest/api/content/999999?expand=body.storage",
        "/rest/api/content/att999999",
        "/rest/api/no-such-route",
        "/rest/api/content/65750/child/folder",
    ] {
        let (status, body) = dc.answer(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_dc_error(&body, 404, "Not Found");
    }
    let (status, body) = dc.answer("/rest/api/search?cql=creator+%3D+x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_dc_error(&body, 400, "Bad Request");
    // Outside the REST root, the web UI's plain 404.
    let page = dc.get("/no-such-page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // Cloud keeps its own shape.
    let cloud = Sim::open().await;
    let (status, body) = cloud.answer("/wiki/api/v2/pages/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_cloud_error(&body, 404, "NOT_FOUND");
}
