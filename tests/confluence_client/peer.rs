//! Test peers: axum servers on 127.0.0.1:0 that answer like Confluence Cloud and record
//! every request, and the client configuration the tests share.

pub(crate) use std::net::SocketAddr;
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};
pub(crate) use std::sync::{Arc, Mutex};
pub(crate) use std::time::{Duration, Instant};

pub(crate) use axum::Router;
pub(crate) use axum::body::{Body, Bytes};
pub(crate) use axum::extract::{Request, State};
pub(crate) use axum::http::{HeaderName, StatusCode, header};
pub(crate) use axum::response::{IntoResponse, Response};
pub(crate) use dlp_confluence::{
    Attachment, Auth, ClientConfig, ConfluenceClient, ConfluenceError, Container,
};
pub(crate) use futures::TryStreamExt as _;
pub(crate) use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) authorization: Option<String>,
}

impl Recorded {
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

pub(crate) type Behaviour = dyn Fn(&Recorded, usize) -> Response + Send + Sync;

pub(crate) struct PeerState {
    pub(crate) behaviour: Box<Behaviour>,
    pub(crate) log: Mutex<Vec<Recorded>>,
    pub(crate) seen: AtomicUsize,
}

pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    pub(crate) state: Arc<PeerState>,
}

impl Peer {
    pub(crate) async fn spawn(
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

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.state.log.lock().unwrap().clone()
    }
}

pub(crate) async fn handle(State(state): State<Arc<PeerState>>, request: Request) -> Response {
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

pub(crate) fn delayed(response: Response, millis: u64) -> Response {
    with_header(response, DELAY_HEADER, &millis.to_string())
}

pub(crate) fn json_response(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap();
    (
        status,
        json!({"errors": [{"status": code, "title": "x"}]}).to_string(),
    )
        .into_response()
}

pub(crate) fn with_header(mut response: Response, name: &'static str, value: &str) -> Response {
    response
        .headers_mut()
        .insert(HeaderName::from_static(name), value.parse().unwrap());
    response
}

pub(crate) fn page_json(id: &str, body: &str) -> Value {
    json!({
        "id": id, "status": "current", "title": format!("Page {id}"), "spaceId": "98306",
        "parentId": null, "authorId": "557058:abc", "createdAt": "2026-01-02T03:04:05.000Z",
        "version": {"number": 3, "createdAt": "2026-02-01T00:00:00.000Z", "ncsStepVersion": "7"},
        "body": {"storage": {"representation": "storage", "value": body}},
        "_links": {"webui": format!("/spaces/ENG/pages/{id}"), "edituiv2": "/x"}
    })
}

pub(crate) fn config(site: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new(site.parse().unwrap(), Auth::None);
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_max = Duration::from_millis(50);
    cfg.request_timeout = Duration::from_secs(5);
    cfg.download_timeout = Duration::from_secs(5);
    cfg
}

pub(crate) fn client(cfg: ClientConfig) -> ConfluenceClient {
    ConfluenceClient::new(cfg).unwrap()
}
