//! The proxy over streamable HTTP: `/mcp` for AI clients, each with an API token of scope
//! `mcp` (the token's name is the client in the audit trail), and `/healthz`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::proxy::{Proxy, ProxyCore};
use crate::api::auth::{Scope, TokenCache, bearer, verify};
use crate::api::error::ApiError;
use crate::app::App;

/// The token a request came with, by name; read by the proxy for its audit trail.
#[derive(Debug, Clone)]
pub struct Client(pub String);

struct Gate {
    app: Arc<App>,
    tokens: TokenCache,
}

async fn authenticate(
    State(gate): State<Arc<Gate>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = bearer(request.headers())?;
    let (_, record) = verify(&gate.app.store, &gate.app.token_hasher, &gate.tokens, token).await?;
    let allowed = record
        .scopes
        .iter()
        .filter_map(|s| Scope::parse(s))
        .any(|s| s == Scope::Mcp || s == Scope::Admin);
    if !allowed {
        return Err(ApiError::Forbidden(Scope::Mcp));
    }
    request.extensions_mut().insert(Client(record.name));
    Ok(next.run(request).await)
}

/// The router of the proxy's HTTP listener; sessions end when `shutdown` is cancelled.
pub fn router(app: Arc<App>, core: Arc<ProxyCore>, shutdown: CancellationToken) -> Router {
    let mut config = StreamableHttpServerConfig::default();
    config.cancellation_token = shutdown;
    let service: StreamableHttpService<Proxy, LocalSessionManager> = StreamableHttpService::new(
        move || Ok(Proxy::new(core.clone())),
        Default::default(),
        config,
    );
    let gate = Arc::new(Gate {
        tokens: TokenCache::new(Duration::from_secs(app.settings.api.token_cache_secs)),
        app,
    });
    Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(gate, authenticate))
        .route("/healthz", get(|| async { "ok".into_response() }))
}
