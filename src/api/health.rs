//! Liveness and readiness, without a token: orchestrators probe them.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::ApiState;
use super::error::ApiError;

/// What the probes answer: `ok` or `ready`, and for readiness the backends in use.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Probe {
    status: String,
    store: Option<String>,
    queue: Option<String>,
}

/// A dependency slower than this is as good as down for a readiness probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "probes",
    responses((status = 200, description = "Alive", body = Probe)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the store answers a trivial query and the queue answers; 503 otherwise,
/// naming which (the cause goes to the log).
#[utoipa::path(get, path = "/readyz", tag = "probes",
    responses(
        (status = 200, description = "The store and the queue answer", body = Probe),
        (status = 503, description = "The store or the queue does not answer", body = super::error::ErrorBody),
    ))]
pub async fn readyz(State(state): State<Arc<ApiState>>) -> Result<Json<Value>, ApiError> {
    let store = tokio::time::timeout(PROBE_TIMEOUT, state.app.store.ping()).await;
    if !matches!(store, Ok(Ok(()))) {
        tracing::warn!(result = ?store.map(|r| r.map_err(|e| e.to_string())), "readiness: the store does not answer");
        return Err(ApiError::Unavailable("the store does not answer".into()));
    }
    let queue = tokio::time::timeout(PROBE_TIMEOUT, state.app.queue.ping()).await;
    if !matches!(queue, Ok(Ok(()))) {
        tracing::warn!(result = ?queue.map(|r| r.map_err(|e| e.to_string())), "readiness: the job queue does not answer");
        return Err(ApiError::Unavailable(
            "the job queue does not answer".into(),
        ));
    }
    Ok(Json(
        json!({"status": "ready", "store": format!("{:?}", state.app.store.backend()).to_lowercase(), "queue": state.app.queue.kind()}),
    ))
}
