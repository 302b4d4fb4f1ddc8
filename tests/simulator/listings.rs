//! Reads: spaces, pages and blog posts, bodies, comments, attachments.

use super::harness::*;

#[tokio::test]
async fn spaces_are_found_by_key_and_by_id() {
    let sim = Sim::open().await;
    let by_key = sim.api("/spaces?keys=ENG").await;
    let space = &by_key["results"][0];
    assert_eq!(space["key"], "ENG");
    assert_eq!(space["type"], "global");
    assert!(by_key["_links"].get("next").is_none());
    let id = space["id"].as_str().expect("string id");
    let by_id = sim.api(&format!("/spaces?ids={id}")).await;
    assert_eq!(by_id["results"][0]["key"], "ENG");
    let single = sim.api(&format!("/spaces/{id}")).await;
    assert_eq!(single["homepageId"], space["homepageId"]);
    assert_eq!(single["_links"]["base"], format!("{}/wiki", sim.site));
    let none = sim.api("/spaces?keys=NOPE").await;
    assert!(results(&none).is_empty());
}

#[tokio::test]
async fn pages_paginate_with_opaque_cursors_until_next_is_absent() {
    let sim = Sim::open().await;
    let space = sim.space_id().await;
    let (pages, requests) = sim
        .walk(&format!("/wiki/api/v2/spaces/{space}/pages?limit=5"))
        .await;
    let expected = sample_ids("pages", |p| {
        p["status"] == "current" || p["status"] == "archived"
    });
    assert!(
        expected.len() > 5 * 2,
        "the sample needs several pages of results"
    );
    assert_eq!(ids_of(&pages), expected, "every page exactly once");
    assert_eq!(requests, expected.len().div_ceil(5));
    let first = &pages[0];
    for field in ["id", "status", "title", "spaceId", "authorId", "createdAt"] {
        assert!(first[field].is_string(), "{field} in {first}");
    }
    assert!(first.get("parentId").is_some() && first["version"]["number"].is_u64());
    assert!(
        first["_links"]["webui"]
            .as_str()
            .is_some_and(|w| w.starts_with("/spaces/ENG/pages/"))
    );
    let stats = sim.handle.stats();
    assert_eq!(
        stats
            .requests_by_route
            .get("GET /wiki/api/v2/spaces/{id}/pages"),
        Some(&(requests as u64))
    );
}

#[tokio::test]
async fn filters_and_limits_behave_like_cloud() {
    let sim = Sim::open().await;
    let space = sim.space_id().await;
    let all = sim.api(&format!("/spaces/{space}/pages?limit=1000")).await;
    let count = results(&all).len();
    assert!(
        count > 25 && all["_links"].get("next").is_none(),
        "limit above 250 is clamped, not refused"
    );
    let default = sim.api(&format!("/spaces/{space}/pages")).await;
    assert_eq!(results(&default).len(), 25, "default limit");
    let current = sim
        .api(&format!("/spaces/{space}/pages?status=current&limit=250"))
        .await;
    assert_eq!(results(&current).len(), count - 1, "one archived page");
    let roots = sim.api(&format!("/spaces/{space}/pages?depth=root")).await;
    assert!(
        roots["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|p| p["parentId"].is_null())
    );
    for bad in [
        "limit=0",
        "limit=ten",
        "status=bogus",
        "body-format=html",
        "sort=size",
    ] {
        let response = sim
            .get(&format!("/wiki/api/v2/spaces/{space}/pages?{bad}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_cloud_error(
            &response.json().await.expect("json"),
            400,
            "INVALID_REQUEST_PARAMETER",
        );
    }
    let tampered = sim
        .get(&format!("/wiki/api/v2/spaces/{space}/pages?cursor=e30"))
        .await;
    assert_eq!(tampered.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bodies_come_only_when_body_format_asks() {
    let sim = Sim::open().await;
    let space = sim.space_id().await;
    let bare = sim.api(&format!("/spaces/{space}/pages?limit=3")).await;
    for page in bare["results"].as_array().expect("results") {
        assert_eq!(
            page["body"],
            serde_json::json!({}),
            "no representation asked, none given"
        );
    }
    let with = sim
        .api(&format!("/spaces/{space}/blogposts?body-format=storage"))
        .await;
    let posts = with["results"].as_array().expect("results");
    assert_eq!(ids_of(posts), sample_ids("blogposts", |_| true));
    for post in posts {
        assert_eq!(post["body"]["storage"]["representation"], "storage");
        let id = post["id"].as_str().expect("id");
        let on_disk = std::fs::read_to_string(space_dir().join(format!("blogposts/{id}.xhtml")))
            .expect("body");
        assert_eq!(post["body"]["storage"]["value"], on_disk.as_str());
        assert!(post.get("parentId").is_none(), "blog posts have no tree");
    }
    let home = sim.api(&format!("/spaces/{space}")).await["homepageId"].clone();
    let home = home.as_str().expect("homepage");
    let single = sim.api(&format!("/pages/{home}?body-format=storage")).await;
    assert!(
        single["body"]["storage"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("<ac:"))
    );
    assert_eq!(single["_links"]["base"], format!("{}/wiki", sim.site));
    assert_eq!(
        sim.api(&format!("/pages/{home}")).await["body"],
        serde_json::json!({})
    );
}

#[tokio::test]
async fn footer_and_inline_comments_list_per_container() {
    let sim = Sim::open().await;
    let mut seen = vec![];
    for (container_kind, route) in [("page", "pages"), ("blogpost", "blogposts")] {
        for location in ["footer", "inline"] {
            let containers: HashSet<String> = sample_ids("comments", |c| {
                c["containerType"] == container_kind && c["location"] == location
            })
            .iter()
            .map(|id| {
                read_json(&space_dir().join(format!("comments/{id}.json")))["containerId"]
                    .as_str()
                    .expect("id")
                    .to_string()
            })
            .collect();
            assert!(
                !containers.is_empty(),
                "sample has {location} comments on a {container_kind}"
            );
            for container in containers {
                let url = format!(
                    "/wiki/api/v2/{route}/{container}/{location}-comments?body-format=storage&limit=1"
                );
                let (comments, _) = sim.walk(&url).await;
                for comment in &comments {
                    let owner = if container_kind == "page" {
                        "pageId"
                    } else {
                        "blogPostId"
                    };
                    assert_eq!(comment[owner], container.as_str());
                    assert_eq!(comment["body"]["storage"]["representation"], "storage");
                    if location == "inline" {
                        assert!(comment["resolutionStatus"].is_string());
                        assert!(comment["properties"]["inlineMarkerRef"].is_string());
                    } else {
                        assert!(comment.get("resolutionStatus").is_none());
                    }
                }
                seen.extend(comments);
            }
        }
    }
    // A page's lists hold root comments; replies are listed under their parent, to any depth.
    assert!(seen.iter().all(|c| c.get("parentCommentId").is_none()));
    let mut parents: Vec<(String, String)> = seen
        .iter()
        .map(|c| {
            let location = if c.get("resolutionStatus").is_some() {
                "inline"
            } else {
                "footer"
            };
            (
                location.to_string(),
                c["id"].as_str().expect("id").to_string(),
            )
        })
        .collect();
    let mut replies = 0;
    while let Some((location, parent)) = parents.pop() {
        let url = format!(
            "/wiki/api/v2/{location}-comments/{parent}/children?body-format=storage&limit=1"
        );
        let (children, _) = sim.walk(&url).await;
        for child in children {
            assert_eq!(child["parentCommentId"], parent.as_str());
            assert_eq!(child["body"]["storage"]["representation"], "storage");
            parents.push((location.clone(), child["id"].as_str().expect("id").into()));
            replies += 1;
            seen.push(child);
        }
    }
    assert!(replies >= 3, "the sample has replies, one of them nested");
    assert_eq!(
        ids_of(&seen),
        sample_ids("comments", |_| true),
        "every comment listed once"
    );
    let footer_comment = seen
        .iter()
        .find(|c| c.get("resolutionStatus").is_none())
        .and_then(|c| c["id"].as_str())
        .expect("a footer comment");
    let wrong_place = sim
        .status(
            &format!("/wiki/api/v2/inline-comments/{footer_comment}/children"),
            None,
        )
        .await;
    assert_eq!(
        wrong_place,
        StatusCode::NOT_FOUND,
        "a footer comment under inline-comments"
    );
    let one = seen[0]["id"].as_str().expect("id");
    let footer = sim
        .status(&format!("/wiki/api/v2/footer-comments/{one}"), None)
        .await;
    let inline = sim
        .status(&format!("/wiki/api/v2/inline-comments/{one}"), None)
        .await;
    assert!(
        (footer, inline) == (StatusCode::OK, StatusCode::NOT_FOUND)
            || (footer, inline) == (StatusCode::NOT_FOUND, StatusCode::OK)
    );
}

#[tokio::test]
async fn attachments_carry_cloud_fields_and_download_links() {
    let sim = Sim::open().await;
    let expected = sample_ids("attachments", |_| true);
    let mut listed = vec![];
    for id in &expected {
        let meta = read_json(&space_dir().join(format!("attachments/{id}.json")));
        let route = if meta["containerType"] == "page" {
            "pages"
        } else {
            "blogposts"
        };
        let container = meta["containerId"].as_str().expect("container");
        let list = sim.api(&format!("/{route}/{container}/attachments")).await;
        let found = list["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|a| a["id"] == id.as_str())
            .cloned();
        let attachment = found.expect("attachment listed under its container");
        let title = meta["title"].as_str().expect("title");
        let size = std::fs::metadata(space_dir().join(format!("attachments/files/{id}/{title}")))
            .expect("file")
            .len();
        assert_eq!(attachment["fileSize"], size);
        assert_eq!(attachment["mediaType"], meta["mediaType"]);
        assert_eq!(attachment["fileId"], meta["fileId"]);
        assert_eq!(attachment["version"]["number"], 1);
        let owner = if route == "pages" {
            "pageId"
        } else {
            "blogPostId"
        };
        assert_eq!(attachment[owner], container);
        let link = attachment["downloadLink"].as_str().expect("downloadLink");
        assert!(
            link.starts_with(&format!("/download/attachments/{container}/"))
                && link.ends_with("&api=v2"),
            "{link}"
        );
        assert!(
            link.contains("?version=1&modificationDate=") && link.contains("&cacheVersion=1"),
            "{link}"
        );
        assert!(attachment["webuiLink"].is_string());
        let single = sim.api(&format!("/attachments/{id}")).await;
        assert_eq!(single["downloadLink"], link);
        listed.push(id.clone());
    }
    assert!(listed.iter().all(|id| id.starts_with("att")) && listed.len() >= 12);
}

/// A write keeps the version it replaces: v2 serves it with `?version=N` (and the current one
/// without), Data Center's v1 with `status=historical&version=N`; a version never kept
/// (before the simulator started) is 404, as a deleted one is. A write of the wrong version
/// number is a conflict and keeps nothing.
#[tokio::test]
async fn writes_keep_older_versions_and_both_apis_serve_them() {
    let sim = Sim::open().await;
    let page = "/wiki/api/v2/pages/66379";
    let before = sim.api("/pages/66379?body-format=storage").await;
    assert_eq!(before["version"]["number"], 8);
    let old_body = before["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let put = |version: u32| {
        sim.http
            .put(format!("{}{page}", sim.site))
            .json(&serde_json::json!({
                "id": "66379", "status": "current", "title": before["title"],
                "version": {"number": version},
                "body": {"representation": "storage", "value": "<p>new</p>"},
            }))
            .send()
    };
    assert_eq!(put(8).await.unwrap().status(), StatusCode::CONFLICT);
    assert_eq!(put(9).await.unwrap().status(), StatusCode::OK);
    let now = sim.api("/pages/66379?body-format=storage").await;
    assert_eq!(
        (&now["version"]["number"], &now["body"]["storage"]["value"]),
        (&serde_json::json!(9), &serde_json::json!("<p>new</p>"))
    );
    let v8 = sim.api("/pages/66379?version=8&body-format=storage").await;
    assert_eq!(v8["version"]["number"], 8);
    assert_eq!(v8["body"]["storage"]["value"], old_body.as_str());
    assert_eq!(
        sim.status(&format!("{page}?version=7"), None).await,
        StatusCode::NOT_FOUND
    );

    // Data Center: the v1 write, and the historical read under the context path.
    let dc = Sim::data_center().await;
    let content = format!("{}/rest/api/content/66379", dc.site);
    let write = dc
        .http
        .put(&content)
        .json(&serde_json::json!({
            "id": "66379", "type": "page", "title": before["title"],
            "version": {"number": 9},
            "body": {"storage": {"value": "<p>dc</p>", "representation": "storage"}},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::OK);
    let written: Value = write.json().await.unwrap();
    assert_eq!(written["version"]["number"], 9);
    let v8 = dc
        .json(&format!(
            "{content}?status=historical&version=8&expand=body.storage,version"
        ))
        .await;
    assert_eq!(v8["version"]["number"], 8);
    assert_eq!(v8["body"]["storage"]["value"], old_body.as_str());
    let v9 = dc
        .json(&format!(
            "{content}?status=historical&version=9&expand=body.storage"
        ))
        .await;
    assert_eq!(v9["body"]["storage"]["value"], "<p>dc</p>");
    assert_eq!(
        dc.status(&format!("{content}?status=historical&version=3"), None)
            .await,
        StatusCode::NOT_FOUND
    );
}

/// What an MCP server (mcp-atlassian, in Data Center mode) asks of the site beyond a scanner:
/// comments through their rendered view, and a plain-text CQL search.
#[tokio::test]
async fn data_center_serves_the_views_and_text_searches_mcp_servers_read() {
    let dc = Sim::data_center().await;
    let page = dc
        .json(&format!(
            "{}/rest/api/content/65750?expand=body.storage,version,history",
            dc.site
        ))
        .await;
    assert_eq!(
        page["_expandable"]["space"], "/rest/api/space/ENG",
        "{page}"
    );
    assert!(page["history"]["createdDate"].is_string(), "{page}");
    assert_eq!(
        page["history"]["lastUpdated"]["number"],
        page["version"]["number"]
    );
    let comments = dc
        .json(&format!(
            "{}/rest/api/content/65750/child/comment?expand=body.view.value,version&depth=all",
            dc.site
        ))
        .await;
    let results = comments["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{comments}");
    for c in results {
        let view = c["body"]["view"]["value"]
            .as_str()
            .expect("body.view.value");
        assert!(!view.is_empty());
        assert_eq!(c["body"]["view"]["representation"], "view");
    }
    let found = dc
        .json(&format!(
            "{}/rest/api/search?cql=siteSearch%20~%20%22laptop%22&limit=10",
            dc.site
        ))
        .await;
    let ids: Vec<&str> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["content"]["id"].as_str())
        .collect();
    assert!(ids.contains(&"65750"), "{found}");
}
