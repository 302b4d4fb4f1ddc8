//! The simulator seen from the outside: plain HTTP against a running instance serving
//! `samples/spaces`, asserting Cloud's shapes and behaviours (no project client involved).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use confluence_dlp::simulator::{
    Faults, ServerErrorBurst, SimulatorAuth, SimulatorConfig, SimulatorHandle, spawn,
};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, LINK, LOCATION};
use serde_json::Value;

const EMAIL: &str = "scanner@acme-corp.com";
const TOKEN: &str = "api-token-for-tests";

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/spaces")
}

fn space_dir() -> PathBuf {
    samples().join("ENG")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("sample file readable");
    serde_json::from_str(&text).expect("sample file is JSON")
}

/// Ids of the sample items in `folder` whose JSON satisfies `keep`.
fn sample_ids(folder: &str, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut ids = vec![];
    for entry in std::fs::read_dir(space_dir().join(folder)).expect("folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let item = read_json(&path);
            if keep(&item) {
                ids.push(item["id"].as_str().expect("id").to_string());
            }
        }
    }
    ids.sort();
    ids
}

struct Sim {
    handle: SimulatorHandle,
    http: reqwest::Client,
    site: String,
}

impl Sim {
    async fn start(auth: SimulatorAuth, faults: Faults) -> Sim {
        let config = SimulatorConfig {
            root: samples(),
            auth,
            faults,
        };
        let handle = spawn(config, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts");
        let site = handle.site_url().as_str().trim_end_matches('/').to_string();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Sim { handle, http, site }
    }

    async fn open() -> Sim {
        Sim::start(SimulatorAuth::default(), Faults::default()).await
    }

    /// GET a site path (or an absolute URL), with an optional `Authorization` value.
    async fn send(&self, url: &str, auth: Option<&str>) -> reqwest::Response {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.site)
        };
        let mut request = self.http.get(url);
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth);
        }
        request.send().await.expect("request")
    }

    async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.send(path_and_query, None).await
    }

    async fn status(&self, url: &str, auth: Option<&str>) -> StatusCode {
        self.send(url, auth).await.status()
    }

    async fn json(&self, path_and_query: &str) -> Value {
        let response = self.get(path_and_query).await;
        assert_eq!(response.status(), StatusCode::OK, "{path_and_query}");
        response.json().await.expect("json body")
    }

    /// JSON of an API path, e.g. `/spaces?keys=ENG`; the answer must be 200.
    async fn api(&self, path: &str) -> Value {
        self.json(&format!("/wiki/api/v2{path}")).await
    }

    async fn space_id(&self) -> String {
        let spaces = self.api("/spaces?keys=ENG").await;
        spaces["results"][0]["id"]
            .as_str()
            .expect("space id")
            .to_string()
    }

    /// Follow `_links.next` from `first` to the end; checks the Link header on every page.
    async fn walk(&self, first: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut url) = (vec![], 0, first.to_string());
        loop {
            let response = self.get(&url).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let link = response
                .headers()
                .get(LINK)
                .map(|v| v.to_str().expect("ascii").to_string());
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["_links"]["base"], format!("{}/wiki", self.site));
            pages += 1;
            items.extend(body["results"].as_array().expect("results").iter().cloned());
            match body["_links"]["next"].as_str() {
                Some(next) => {
                    assert!(
                        next.starts_with("/wiki/api/v2/"),
                        "next already starts with /wiki: {next}"
                    );
                    assert_eq!(link, Some(format!("<{next}>; rel=\"next\"")));
                    url = next.to_string();
                }
                None => {
                    assert_eq!(link, None, "no Link header on the last page");
                    return (items, pages);
                }
            }
        }
    }
}

fn basic(email: &str, token: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))
    )
}

fn results(listing: &Value) -> &[Value] {
    listing["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn ids_of(items: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

fn assert_cloud_error(body: &Value, status: u16, code: &str) {
    let error = &body["errors"][0];
    assert_eq!(error["status"], status, "{body}");
    assert_eq!(error["code"], code, "{body}");
    assert!(
        error["title"].is_string() && error.get("detail").is_some(),
        "{body}"
    );
}

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
    assert_eq!(
        ids_of(&seen),
        sample_ids("comments", |_| true),
        "every comment listed once"
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

#[tokio::test]
async fn downloads_redirect_to_a_media_host_that_needs_no_credentials() {
    let sim = Sim::start(SimulatorAuth::basic(EMAIL, TOKEN), Faults::default()).await;
    let auth = basic(EMAIL, TOKEN);
    let id = &sample_ids("attachments", |a| a["title"] == "dev.env")[0];
    let meta: Value = sim
        .send(&format!("/wiki/api/v2/attachments/{id}"), Some(&auth))
        .await
        .json()
        .await
        .expect("json");
    let base = meta["_links"]["base"].as_str().expect("base");
    let download = format!("{base}{}", meta["downloadLink"].as_str().expect("link"));
    assert_eq!(
        sim.status(&download, None).await,
        StatusCode::UNAUTHORIZED,
        "the site itself needs credentials"
    );

    let redirect = sim.send(&download, Some(&auth)).await;
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = redirect.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    let media = reqwest::Url::parse(&location).expect("absolute URL");
    assert_ne!(
        media.port(),
        sim.handle.site_url().port(),
        "a different origin"
    );
    assert!(media.query_pairs().any(|(k, _)| k == "token"));

    let bytes = sim
        .send(&location, None)
        .await
        .bytes()
        .await
        .expect("bytes");
    let on_disk =
        std::fs::read(space_dir().join(format!("attachments/files/{id}/dev.env"))).expect("file");
    assert_eq!(bytes.as_ref(), on_disk.as_slice());
    let forged = location.replace("token=", "token=x");
    assert_eq!(sim.status(&forged, None).await, StatusCode::FORBIDDEN);

    // reqwest drops Authorization on a cross-origin redirect, so a client that follows it is safe.
    let followed = reqwest::Client::new()
        .get(&download)
        .header(AUTHORIZATION, &auth)
        .send()
        .await
        .expect("request");
    assert_eq!(
        followed.bytes().await.expect("bytes").as_ref(),
        on_disk.as_slice()
    );

    let stats = sim.handle.stats();
    assert_eq!(
        (
            stats.download_redirects,
            stats.media_downloads,
            stats.media_rejected
        ),
        (2, 2, 1)
    );
    assert!(!stats.media_saw_authorization);
    // The flag can fail: a client that forwards credentials is recorded.
    sim.send(&location, Some(&auth)).await;
    assert!(sim.handle.stats().media_saw_authorization);
}

#[tokio::test]
async fn credentials_are_required_when_configured() {
    let both = SimulatorAuth {
        basic: Some((EMAIL.into(), TOKEN.into())),
        bearer: Some("pat-123".into()),
    };
    let sim = Sim::start(both, Faults::default()).await;
    let spaces = "/wiki/api/v2/spaces";
    let missing = sim.get(spaces).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_cloud_error(&missing.json().await.expect("json"), 401, "UNAUTHORIZED");
    assert_eq!(
        sim.status(spaces, Some(&basic(EMAIL, "nope"))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sim.status(spaces, Some(&basic(EMAIL, TOKEN))).await,
        StatusCode::OK
    );
    assert_eq!(
        sim.status(spaces, Some("Bearer pat-123")).await,
        StatusCode::OK
    );
    let unknown = sim.status("/wiki/api/v2/nothing-here", None).await;
    assert_eq!(
        unknown,
        StatusCode::UNAUTHORIZED,
        "credentials are checked before routing answers"
    );
    assert_eq!(sim.handle.stats().unauthorized, 3);
}

#[tokio::test]
async fn every_nth_request_is_rate_limited_with_cloud_headers() {
    let faults = Faults {
        every_nth_429: Some(3),
        retry_after_secs: 0,
        ..Faults::default()
    };
    let sim = Sim::start(SimulatorAuth::default(), faults).await;
    let mut statuses = vec![];
    for _ in 0..6 {
        let response = sim.get("/wiki/api/v2/spaces").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let h = response.headers();
            assert_eq!(h["retry-after"], "0");
            assert_eq!(h["x-ratelimit-remaining"], "0");
            assert!(h.contains_key("x-ratelimit-limit") && h.contains_key("x-ratelimit-reset"));
            assert_eq!(h["ratelimit-reason"], "confluence-burst-based");
            assert_cloud_error(
                &response.json().await.expect("json"),
                429,
                "TOO_MANY_REQUESTS",
            );
            statuses.push(429);
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    assert_eq!(statuses, vec![200, 200, 429, 200, 200, 429]);
    let stats = sim.handle.stats();
    assert_eq!((stats.api_requests, stats.rate_limited), (6, 2));
}

#[tokio::test]
async fn a_burst_of_server_errors_ends_after_its_count() {
    let burst = ServerErrorBurst {
        after_requests: 2,
        count: 2,
        status: 503,
    };
    let sim = Sim::start(
        SimulatorAuth::default(),
        Faults {
            burst_5xx: Some(burst),
            ..Faults::default()
        },
    )
    .await;
    let mut statuses = vec![];
    for _ in 0..5 {
        statuses.push(
            sim.get("/wiki/api/v2/spaces?keys=ENG")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, vec![200, 200, 503, 503, 200]);
    assert_eq!(sim.handle.stats().server_errors, 2);
}

#[tokio::test]
async fn missing_content_answers_cloud_errors() {
    let sim = Sim::open().await;
    for path in [
        "/wiki/api/v2/pages/999999999",
        "/wiki/api/v2/spaces/1",
        "/wiki/api/v2/attachments/att1",
        "/wiki/api/v2/no/such/route",
    ] {
        let response = sim.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_cloud_error(&response.json().await.expect("json"), 404, "NOT_FOUND");
    }
    let blog = &sample_ids("blogposts", |_| true)[0];
    assert_eq!(
        sim.get(&format!("/wiki/api/v2/pages/{blog}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a blog post is not a page"
    );
    let bad_id = sim.get("/wiki/api/v2/pages/not-a-number").await;
    assert_eq!(bad_id.status(), StatusCode::BAD_REQUEST);
    assert_cloud_error(
        &bad_id.json().await.expect("json"),
        400,
        "INVALID_REQUEST_PARAMETER",
    );
}

#[tokio::test]
async fn a_missing_or_malformed_sample_dir_is_a_clear_error() {
    let missing = SimulatorConfig::new("/nonexistent/confluence-samples");
    let error = spawn(missing, "127.0.0.1:0".parse().expect("addr"))
        .await
        .err()
        .expect("refused");
    assert!(
        error
            .to_string()
            .contains("/nonexistent/confluence-samples"),
        "{error}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("space.json"), "{not json").expect("write");
    let error = spawn(
        SimulatorConfig::new(dir.path()),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .err()
    .expect("refused");
    assert!(error.to_string().contains("space.json"), "{error}");
}

/// Storage XHTML as text: CDATA kept, tags dropped, so values split across inline tags join up.
fn storage_text(xhtml: &str) -> String {
    let plain = xhtml.replace("<![CDATA[", "").replace("]]>", "");
    let mut out = String::with_capacity(plain.len());
    let mut in_tag = false;
    for ch in plain.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn served_sample_holds_every_value_expected_json_names() {
    let sim = Sim::open().await;
    let expected = read_json(&space_dir().join("expected.json"));
    let planted = expected["planted"].as_array().expect("planted");
    let lookalikes = expected["lookalikes"].as_array().expect("lookalikes");
    assert!(planted.len() >= 40 && lookalikes.len() >= 30);
    let follow = reqwest::Client::new();
    let mut per_item: HashSet<(String, String)> = HashSet::new();
    for entry in planted.iter().chain(lookalikes) {
        let value = entry["value"].as_str().expect("value");
        let item = match entry["content_type"].as_str().expect("content_type") {
            "page" => format!(
                "/wiki/api/v2/pages/{}?body-format=storage",
                entry["page_id"].as_str().expect("page")
            ),
            "blogpost" => format!(
                "/wiki/api/v2/blogposts/{}?body-format=storage",
                entry["page_id"].as_str().expect("post")
            ),
            "comment" => {
                let id = entry["comment_id"].as_str().expect("comment id");
                let footer = format!("/wiki/api/v2/footer-comments/{id}?body-format=storage");
                if sim.get(&footer).await.status() == StatusCode::OK {
                    footer
                } else {
                    format!("/wiki/api/v2/inline-comments/{id}?body-format=storage")
                }
            }
            _ => format!(
                "/wiki/api/v2/attachments/{}",
                entry["attachment_id"].as_str().expect("attachment id")
            ),
        };
        let object = sim.json(&item).await;
        if entry["content_type"] == "attachment" {
            assert_eq!(object["title"], entry["attachment_title"]);
            assert_eq!(
                object["pageId"].as_str().or(object["blogPostId"].as_str()),
                entry["page_id"].as_str()
            );
            let url = format!(
                "{}{}",
                object["_links"]["base"].as_str().expect("base"),
                object["downloadLink"].as_str().expect("link")
            );
            let bytes = follow
                .get(url)
                .send()
                .await
                .expect("download")
                .bytes()
                .await
                .expect("bytes");
            match entry.get("needs").and_then(Value::as_str) {
                None | Some("pdf") => {
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(
                        text.contains(value),
                        "{} lacks a value of {}",
                        item,
                        entry.get("detector").unwrap_or(&entry["looks_like"])
                    );
                }
                Some("ocr") => assert!(
                    [&b"\x89PNG\r\n\x1a\n"[..], b"\xFF\xD8\xFF", b"GIF8", b"II*\0", b"BM", b"RIFF"]
                        .iter()
                        .any(|magic| bytes.starts_with(magic)),
                    "images are PNG, JPEG, GIF, TIFF, BMP or WebP"
                ),
                Some("xls") => assert!(
                    bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"),
                    "xls is an OLE compound file"
                ),
                Some(_) => assert!(
                    bytes.starts_with(b"PK\x03\x04"),
                    "docx, xlsx and zip are zip containers"
                ),
            }
        } else {
            let body = object["body"]["storage"]["value"]
                .as_str()
                .expect("storage body");
            assert!(
                storage_text(body).contains(value),
                "{item} lacks a value of {}",
                entry.get("detector").unwrap_or(&entry["looks_like"])
            );
        }
        if entry.get("detector").is_some() {
            let key = format!(
                "{}|{}|{}",
                entry["page_id"], entry["comment_id"], entry["attachment_id"]
            );
            assert!(
                per_item.insert((key, value.to_string())),
                "a value is planted twice in one item"
            );
        }
    }
    for detector in [
        "aws-access-key-id",
        "github-classic-pat",
        "credit-card",
        "us-ssn",
        "email",
        "us-npi",
    ] {
        let n = planted.iter().filter(|p| p["detector"] == detector).count();
        assert!(n >= 4, "{detector}: {n} planted");
    }
}
