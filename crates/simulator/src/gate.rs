//! The gate every API request passes: it is counted (total and per route), may be answered
//! with an injected fault, and must carry valid credentials. Faults come before the credential
//! check, as Cloud's rate limiter sits in front of the API.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::SimulatorAuth;
use super::errors::ApiError;
use super::faults::{Fault, FaultInjector, Faults};
use super::quota::{Admission, QuotaMeter, objects_in};

/// Largest answer the quota meter reads to count its objects: far above any v2 page.
const MAX_METERED_BODY: usize = 64 * 1024 * 1024;

/// Counters for tests and for the "API requests per scanned page" metric.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulatorStats {
    /// Requests under `/wiki/api/v2`, including those answered with a fault or 401.
    pub api_requests: u64,
    /// API requests by route template, e.g. `GET /wiki/api/v2/spaces/{id}/pages`;
    /// paths that match no route are counted under `(unmatched)`.
    pub requests_by_route: BTreeMap<String, u64>,
    pub rate_limited: u64,
    pub server_errors: u64,
    pub unauthorized: u64,
    /// `/wiki/download/...` requests answered with a redirect to the media host.
    pub download_redirects: u64,
    /// Files served by the media host.
    pub media_downloads: u64,
    /// Media host requests refused for a missing, forged or expired token.
    pub media_rejected: u64,
    /// Whether any request to the media host carried an `Authorization` header. Cloud's
    /// credentials must never travel to the media host.
    pub media_saw_authorization: bool,
    /// Events delivered to a registered webhook receiver (a 2xx answer), and those given up
    /// after every retry.
    pub webhooks_delivered: u64,
    pub webhooks_failed: u64,
    /// The slowest answer a receiver gave to a webhook POST, in ms (Confluence expects one
    /// within 3 s).
    pub webhook_answer_max_ms: u64,
    /// Writes the simulator accepted and applied (content, restrictions, permissions,
    /// attachments, versions, classification); refused ones are not counted.
    pub writes: u64,
}

pub struct Gate {
    auth: SimulatorAuth,
    /// The credential of a space admin, when one is configured: it passes the gate too, and
    /// only it may change space permissions. `None`: anyone admitted may.
    space_admin: std::sync::RwLock<Option<SimulatorAuth>>,
    /// Time every API request takes before it is answered (a real site's latency).
    latency: std::time::Duration,
    quota: Option<QuotaMeter>,
    injector: FaultInjector,
    sequence: AtomicU64,
    stats: Mutex<SimulatorStats>,
    /// Edits another user saves just before the next write to a page or blog post arrives
    /// ([`crate::SimulatorHandle::edit_before_next_write`]): a concurrent edit, on cue.
    interlopers: Mutex<std::collections::HashMap<u64, String>>,
}

pub const UNMATCHED_ROUTE: &str = "(unmatched)";

impl Gate {
    pub fn new(
        auth: SimulatorAuth,
        faults: &Faults,
        latency: std::time::Duration,
        quota: Option<crate::Quota>,
    ) -> Self {
        Gate {
            auth,
            space_admin: std::sync::RwLock::new(None),
            latency,
            quota: quota.map(QuotaMeter::new),
            injector: FaultInjector::new(faults),
            sequence: AtomicU64::new(0),
            interlopers: Mutex::default(),
            stats: Mutex::default(),
        }
    }

    pub fn stats(&self) -> SimulatorStats {
        self.lock().clone()
    }

    pub fn record(&self, update: impl FnOnce(&mut SimulatorStats)) {
        update(&mut self.lock());
    }

    pub fn admits(&self, headers: &HeaderMap) -> bool {
        self.auth.admits(headers) || self.admin_admits(headers)
    }

    pub fn interlope(&self, id: u64, body: String) {
        self.interlopers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, body);
    }

    /// The edit waiting for the next write to `id`, taken.
    pub fn take_interloper(&self, id: u64) -> Option<String> {
        self.interlopers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id)
    }

    pub fn set_space_admin(&self, admin: Option<SimulatorAuth>) {
        *self
            .space_admin
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = admin;
    }

    /// Whether the request may change space permissions: always when no admin credential is
    /// configured, else only with it.
    pub fn is_space_admin(&self, headers: &HeaderMap) -> bool {
        let admin = self
            .space_admin
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        admin.as_ref().is_none_or(|a| a.admits(headers))
    }

    fn admin_admits(&self, headers: &HeaderMap) -> bool {
        let admin = self
            .space_admin
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        admin
            .as_ref()
            .is_some_and(|a| a.requires_credentials() && a.admits(headers))
    }

    /// Count an API request to `route` and decide whether it may reach its handler.
    pub fn admit(&self, route: &str, headers: &HeaderMap) -> Result<(), ApiError> {
        let n = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        let fault = self.injector.decide(n);
        let authorised = self.admits(headers);
        let mut stats = self.lock();
        stats.api_requests += 1;
        *stats
            .requests_by_route
            .entry(route.to_string())
            .or_default() += 1;
        match fault {
            Some(Fault::RateLimited) => {
                stats.rate_limited += 1;
                Err(ApiError::RateLimited {
                    retry_after_secs: self.injector.retry_after_secs(),
                })
            }
            Some(Fault::ServerError(status)) => {
                stats.server_errors += 1;
                Err(ApiError::ServerError(status))
            }
            None if !authorised => {
                stats.unauthorized += 1;
                Err(ApiError::Unauthorized)
            }
            None => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimulatorStats> {
        self.stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Route-layer middleware: runs after routing, so the route template is known.
pub async fn api_gate(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let route = format!(
        "{} {}",
        request.method(),
        template.as_deref().unwrap_or(UNMATCHED_ROUTE)
    );
    let gate = &state.gate;
    if !gate.latency.is_zero() {
        tokio::time::sleep(gate.latency).await;
    }
    if let Err(error) = gate.admit(&route, request.headers()) {
        return error.into_response();
    }
    let Some(meter) = &gate.quota else {
        return next.run(request).await;
    };
    if let Admission::Spent { retry_after } = meter.admit() {
        gate.record(|s| s.rate_limited += 1);
        return ApiError::QuotaSpent {
            retry_after_secs: retry_after.as_secs_f64().ceil() as u64,
            limit: meter.limit(),
        }
        .into_response();
    }
    let (mut parts, body) = next.run(request).await.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_METERED_BODY).await else {
        return ApiError::ServerError(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            .into_response();
    };
    let objects = if parts.status.is_success() {
        objects_in(&bytes)
    } else {
        0
    };
    meter.charge(objects, &mut parts.headers);
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
