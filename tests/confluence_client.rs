//! The Confluence client against small HTTP peers that answer like Confluence Cloud.
//!
//! Each test starts one or two axum servers on 127.0.0.1:0 whose behaviour is a closure over
//! the request (and how many came before it); every request is recorded, so tests assert on
//! what the client actually sent: paths, queries, credentials, retries.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use confluence_dlp::confluence::{
    Attachment, Auth, ClientConfig, ConfluenceClient, ConfluenceError, Container,
};
use futures::TryStreamExt as _;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Test peers

#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    query: Option<String>,
    authorization: Option<String>,
}

impl Recorded {
    fn param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

type Behaviour = dyn Fn(&Recorded, usize) -> Response + Send + Sync;

struct PeerState {
    behaviour: Box<Behaviour>,
    log: Mutex<Vec<Recorded>>,
    seen: AtomicUsize,
}

struct Peer {
    addr: SocketAddr,
    state: Arc<PeerState>,
}

impl Peer {
    async fn spawn(
        behaviour: impl Fn(&Recorded, usize) -> Response + Send + Sync + 'static,
    ) -> Peer {
        let state = Arc::new(PeerState {
            behaviour: Box::new(behaviour),
            log: Mutex::new(Vec::new()),
            seen: AtomicUsize::new(0),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Peer { addr, state }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.log.lock().unwrap().clone()
    }
}

async fn handle(State(state): State<Arc<PeerState>>, request: Request) -> Response {
    let recorded = Recorded {
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        authorization: request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    state.log.lock().unwrap().push(recorded.clone());
    let n = state.seen.fetch_add(1, Ordering::SeqCst);
    let mut response = (state.behaviour)(&recorded, n);
    // A behaviour asks for a slow answer with this header; the sleep is async so the peer
    // never blocks the runtime the client shares with it.
    if let Some(delay) = response.headers_mut().remove(DELAY_HEADER) {
        let millis = delay
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    response
}

const DELAY_HEADER: &str = "x-test-delay-ms";

fn delayed(response: Response, millis: u64) -> Response {
    with_header(response, DELAY_HEADER, &millis.to_string())
}

fn json_response(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap();
    (
        status,
        json!({"errors": [{"status": code, "title": "x"}]}).to_string(),
    )
        .into_response()
}

fn with_header(mut response: Response, name: &'static str, value: &str) -> Response {
    response
        .headers_mut()
        .insert(HeaderName::from_static(name), value.parse().unwrap());
    response
}

fn page_json(id: &str, body: &str) -> Value {
    json!({
        "id": id, "status": "current", "title": format!("Page {id}"), "spaceId": "98306",
        "parentId": null, "authorId": "557058:abc", "createdAt": "2026-01-02T03:04:05.000Z",
        "version": {"number": 3, "createdAt": "2026-02-01T00:00:00.000Z", "ncsStepVersion": "7"},
        "body": {"storage": {"representation": "storage", "value": body}},
        "_links": {"webui": format!("/spaces/ENG/pages/{id}"), "edituiv2": "/x"}
    })
}

fn config(site: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new(site.parse().unwrap(), Auth::None);
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_max = Duration::from_millis(50);
    cfg.request_timeout = Duration::from_secs(5);
    cfg.download_timeout = Duration::from_secs(5);
    cfg
}

fn client(cfg: ClientConfig) -> ConfluenceClient {
    ConfluenceClient::new(cfg).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Pagination

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
        .resume::<confluence_dlp::confluence::Comment>(&saved)
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

// ---------------------------------------------------------------------------------------------
// Single reads

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
    assert!(matches!(
        client.space_by_key("NOPE").await,
        Err(ConfluenceError::NotFound)
    ));

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

// ---------------------------------------------------------------------------------------------
// Resilience

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let peer = Peer::spawn(|_, n| match n {
        0 => with_header(
            with_header(status(429), "retry-after", "1"),
            "ratelimit-reason",
            "confluence-burst-based",
        ),
        _ => json_response(page_json("1", "<p>x</p>")),
    })
    .await;
    let client = client(config(&peer.url()));
    let start = Instant::now();
    let page = client.page("1").await.unwrap();
    assert_eq!(page.id, "1");
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(client.request_count(), 2, "the 429 attempt is counted");
}

/// The cool-down a 429 imposes holds back every clone, not only the request that was told.
#[tokio::test]
async fn rate_limit_cool_down_is_shared_by_clones() {
    let peer = Peer::spawn(|req, n| match (req.path.as_str(), n) {
        ("/wiki/api/v2/pages/1", 0) => with_header(status(429), "retry-after", "1"),
        _ => json_response(page_json("1", "")),
    })
    .await;
    let client = client(config(&peer.url()));
    let start = Instant::now();
    let told = tokio::spawn({
        let client = client.clone();
        async move { client.page("1").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let other = client.clone();
    other.blog_post("2").await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "the clone waited: {:?}",
        start.elapsed()
    );
    told.await.unwrap().unwrap();
}

#[tokio::test]
async fn rate_limit_exhausted_or_too_long_is_a_typed_error() {
    let peer = Peer::spawn(|req, _| match req.path.as_str() {
        "/wiki/api/v2/pages/1" => with_header(status(429), "retry-after", "0"),
        _ => with_header(status(429), "retry-after", "3600"),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 2;
    let client = client(cfg);
    let err = client.page("1").await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::RateLimited { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(client.request_count(), 3);

    let start = Instant::now();
    let err = client.page("2").await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::RateLimited { attempts: 1, retry_after: Some(d) } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "an hour-long Retry-After is not waited out"
    );
}

#[tokio::test]
async fn server_error_burst_is_retried_until_success() {
    let peer = Peer::spawn(|_, n| {
        if n < 3 {
            status(503)
        } else {
            json_response(page_json("1", ""))
        }
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 3;
    let client = client(cfg);
    assert_eq!(client.page("1").await.unwrap().id, "1");
    assert_eq!(client.request_count(), 4, "every attempt counts");
    assert_eq!(peer.requests().len(), 4);
}

#[tokio::test]
async fn server_errors_exhausting_retries_yield_the_typed_error() {
    let peer = Peer::spawn(|_, _| status(503)).await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 2;
    let client = client(cfg);
    let err = client.page("1").await.unwrap_err();
    assert!(
        matches!(
            err,
            ConfluenceError::Server {
                status: 503,
                attempts: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.request_count(), 3);
}

#[tokio::test]
async fn client_errors_fail_fast_without_retry() {
    let peer = Peer::spawn(|req, _| match req.path.as_str() {
        "/wiki/api/v2/pages/1" => status(404),
        "/wiki/api/v2/pages/2" => status(401),
        "/wiki/api/v2/pages/3" => status(403),
        _ => status(400),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 5;
    let client = client(cfg);
    assert!(matches!(
        client.page("1").await,
        Err(ConfluenceError::NotFound)
    ));
    assert!(matches!(
        client.page("2").await,
        Err(ConfluenceError::Unauthorized)
    ));
    assert!(matches!(
        client.page("3").await,
        Err(ConfluenceError::Forbidden)
    ));
    assert!(matches!(
        client.page("4").await,
        Err(ConfluenceError::UnexpectedStatus { status: 400 })
    ));
    assert_eq!(client.request_count(), 4, "one attempt each");
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let slow_first = Peer::spawn(|_, n| {
        let response = json_response(page_json("1", ""));
        if n == 0 {
            delayed(response, 400)
        } else {
            response
        }
    })
    .await;
    let mut cfg = config(&slow_first.url());
    cfg.request_timeout = Duration::from_millis(150);
    let client = client(cfg.clone());
    assert_eq!(client.page("1").await.unwrap().id, "1");
    assert_eq!(client.request_count(), 2);

    let always_slow = Peer::spawn(|_, _| delayed(json_response(page_json("1", "")), 300)).await;
    cfg.site = always_slow.url().parse().unwrap();
    cfg.max_retries = 1;
    let err = ConfluenceClient::new(cfg)
        .unwrap()
        .page("1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConfluenceError::Timeout { attempts: 2 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn request_budget_spaces_requests_across_clones() {
    let peer = Peer::spawn(|_, _| json_response(page_json("1", ""))).await;
    let mut cfg = config(&peer.url());
    cfg.max_requests_per_sec = Some(10.0);
    let client = client(cfg);
    let start = Instant::now();
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.page("1").await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // 5 requests at 10/s: (5 - 1) / 10 = 0.4 s at least.
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(client.request_count(), 5);
}

// ---------------------------------------------------------------------------------------------
// Credentials

#[tokio::test]
async fn basic_and_bearer_headers_have_their_formats() {
    let peer = Peer::spawn(|_, _| json_response(page_json("1", ""))).await;
    let mut basic = config(&peer.url());
    basic.auth = Auth::Basic {
        email: "bot@example.com".into(),
        api_token: "tok3n".into(),
    };
    client(basic).page("1").await.unwrap();
    let mut bearer = config(&peer.url());
    bearer.auth = Auth::Bearer {
        token: "pat-xyz".into(),
    };
    client(bearer).page("1").await.unwrap();
    client(config(&peer.url())).page("1").await.unwrap();

    let headers: Vec<_> = peer
        .requests()
        .into_iter()
        .map(|r| r.authorization)
        .collect();
    assert_eq!(
        headers,
        [
            Some("Basic Ym90QGV4YW1wbGUuY29tOnRvazNu".to_owned()),
            Some("Bearer pat-xyz".to_owned()),
            None
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Downloads

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
