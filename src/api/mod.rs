//! The REST API that `confluence-dlp serve` runs, beside an in-process worker pool.
//!
//! One idea per module: [`error`] (the error enum and its JSON shape), [`extract`] (input
//! that is refused before a handler runs), [`auth`] (tokens and scopes), [`rate_limit`] (a
//! budget per token), [`metrics`] (`/metrics` and the request counters), [`health`]
//! (`/healthz`, `/readyz`) and the routes themselves ([`findings`], [`scans`], [`audit`]).
//!
//! [`Server::build`] binds the listener (port 0 in tests) and wires everything from the
//! [`App`]; [`Server::run_until_stopped`] serves until a shutdown signal, then stops
//! accepting, finishes the requests in flight, stops the pool and closes the store and queue.
//! Beside the API it runs the pool, the scheduler, the remediation worker, the index follower
//! and the remediation policies' reloader.

pub mod audit;
pub mod auth;
pub mod cursor;
pub mod error;
pub mod extract;
pub mod findings;
pub mod health;
pub mod index;
pub mod lookup;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;
pub mod redact;
pub mod remediations;
pub mod scans;

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::{App, AppError};
use crate::config::Settings;

/// What every handler shares.
pub struct ApiState {
    pub app: Arc<App>,
    pub limiter: rate_limit::TokenLimiter,
    /// Tokens verified lately ([`auth::TokenCache`]).
    pub tokens: auth::TokenCache,
    pub metrics: metrics::Metrics,
    /// This process's search index, fed from the store by [`index::follow`].
    pub search: Arc<dlp_search::FindingIndex>,
    /// The webhook receivers configured (`/webhooks/...`).
    pub webhooks: crate::webhooks::Receivers,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
    #[error("the search index cannot be opened")]
    Search(#[from] dlp_search::SearchError),
    #[error("webhooks: {0}")]
    Webhooks(String),
}

/// A built server: the listener is bound, nothing is served until [`Server::run_until_stopped`].
pub struct Server {
    listener: TcpListener,
    state: Arc<ApiState>,
    roles: Roles,
}

/// What runs beside the API in this process. `serve` alone runs all of it; `--role api`
/// runs the API only, with workers and the scheduler in processes of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub workers: bool,
    pub scheduler: bool,
}

impl Roles {
    pub const ALL: Roles = Roles {
        workers: true,
        scheduler: true,
    };
    pub const API_ONLY: Roles = Roles {
        workers: false,
        scheduler: false,
    };
}

impl Server {
    /// Builds the [`App`] and binds `settings.listen`.
    pub async fn build(settings: Settings) -> Result<Server, ServeError> {
        let addr = settings.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let app = App::build(settings).await?;
        Server::with_app(Arc::new(app), listener)
    }

    /// Serves an already built [`App`] on `listener`.
    pub fn with_app(app: Arc<App>, listener: TcpListener) -> Result<Server, ServeError> {
        let search = index::open(&app.settings)?;
        let api = &app.settings.api;
        let limiter = rate_limit::TokenLimiter::new(
            NonZeroU32::new(api.requests_per_sec).unwrap_or(NonZeroU32::MIN),
            NonZeroU32::new(api.burst).unwrap_or(NonZeroU32::MIN),
        );
        let webhooks = crate::webhooks::Receivers::from_settings(&app.settings.webhooks)
            .map_err(ServeError::Webhooks)?;
        let state = Arc::new(ApiState {
            tokens: auth::TokenCache::new(Duration::from_secs(app.settings.api.token_cache_secs)),
            app,
            limiter,
            metrics: metrics::Metrics::new(),
            search,
            webhooks,
        });
        Ok(Server {
            listener,
            state,
            roles: Roles::ALL,
        })
    }

    /// Chooses what runs beside the API (all of it unless told otherwise).
    pub fn with_roles(mut self, roles: Roles) -> Server {
        self.roles = roles;
        self
    }

    /// The application the server runs on (tests issue tokens through its store).
    pub fn app(&self) -> Arc<App> {
        self.state.app.clone()
    }

    /// The address actually bound (the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves, with the worker pool beside it, until `shutdown` resolves; then stops
    /// accepting, lets requests in flight finish, stops the pool and closes the store and
    /// queue. Jobs the pool held go back to the queue (at-least-once).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let app = self.state.app.clone();
        // Checked before anything is served: a wrong schedule is a configuration error.
        let schedules = if self.roles.scheduler {
            crate::scheduler::schedules(&app).map_err(|e| ServeError::App(e.into()))?
        } else {
            Vec::new()
        };
        let (stop_pool, pool_stopped) = tokio::sync::watch::channel(false);
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let pool = self.roles.workers.then(|| {
            let app = app.clone();
            let signal = stopped(pool_stopped.clone());
            tokio::spawn(async move {
                if let Err(e) = app.run_workers(signal).await {
                    tracing::error!(error = %e, "the worker pool stopped");
                }
            })
        });
        let scheduler = self.roles.scheduler.then(|| {
            let signal = stopped(pool_stopped.clone());
            tokio::spawn(crate::scheduler::run_scheduler(
                app.clone(),
                schedules,
                signal,
            ))
        });
        let remediator = self.roles.workers.then(|| {
            tokio::spawn(crate::remediate::worker::run(
                app.clone(),
                stopped(pool_stopped.clone()),
            ))
        });
        let exposure = self.roles.workers.then(|| {
            tokio::spawn(crate::remediate::exposure_follow::follow(
                app.clone(),
                stopped(pool_stopped.clone()),
            ))
        });
        // Plans are made by the API, so every process that serves it follows the policies.
        let reloader = tokio::spawn(crate::remediate::reload::run(
            app.clone(),
            stopped(pool_stopped.clone()),
        ));
        let indexer = tokio::spawn(index::follow(
            app.store.clone(),
            self.state.search.clone(),
            stopped(pool_stopped.clone()),
        ));
        tracing::info!(addr = %self.local_addr(), "serving");
        let served = axum::serve(self.listener, router(self.state.clone()))
            .with_graceful_shutdown(shutdown)
            .await;
        tracing::info!("stopped accepting; stopping the worker pool");
        let _ = stop_pool.send(true);
        // apalis notices the stop at its next heartbeat; a pool that takes longer than a few
        // heartbeats is dropped, and its jobs are handed out again once their heartbeat lapses.
        let patience = Duration::from_secs(app.settings.workers.heartbeat_secs.max(1) * 3);
        for mut task in pool
            .into_iter()
            .chain(scheduler)
            .chain(remediator)
            .chain(exposure)
            .chain([reloader, indexer])
        {
            if tokio::time::timeout(patience, &mut task).await.is_err() {
                task.abort();
            }
        }
        app.close().await;
        served.map_err(ServeError::Serve)
    }
}

/// Every route and the layers around them. Only `/api/v1` routes need a token.
pub fn router(state: Arc<ApiState>) -> Router {
    let (router, _) = router_and_document(state);
    router
}

/// The router and the OpenAPI document of exactly its routes.
pub fn router_and_document(state: Arc<ApiState>) -> (Router, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi as _;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    let settings = &state.app.settings.api;
    let (api, mut doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(findings::list))
        .routes(routes!(findings::summary))
        .routes(routes!(findings::get, findings::patch))
        .routes(routes!(scans::list, scans::start))
        .routes(routes!(scans::get))
        .routes(routes!(scans::cancel))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(lookup::content))
        .routes(routes!(redact::text))
        .routes(routes!(mcp::list))
        .routes(routes!(mcp::decide))
        .routes(routes!(remediations::list))
        .routes(routes!(remediations::get))
        .routes(routes!(remediations::approve))
        .routes(routes!(remediations::reject))
        .routes(routes!(remediations::undo))
        .routes(routes!(remediations::plan))
        .routes(routes!(openapi::document))
        .split_for_parts();
    let (probes, probes_doc) = OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::scrape))
        .split_for_parts();
    doc.merge(probes_doc);
    let (webhooks, webhooks_doc) = crate::webhooks::router();
    doc.merge(webhooks_doc);
    let api = api
        .layer(axum::Extension(openapi::Published(Arc::new(doc.clone()))))
        .route_layer(from_fn_with_state(state.clone(), auth::authenticate));
    // Webhooks carry their own proof (a signed token or signature), not an API token, and
    // their own body limit: the API's (64 KiB by default) wrapped around them as well would
    // refuse events the receivers take.
    let webhooks = webhooks.layer(RequestBodyLimitLayer::new(crate::webhooks::MAX_BODY_BYTES));
    // The console's page and files: public, outside the OpenAPI document (they are not API).
    let router = probes
        .merge(crate::console::router())
        .merge(api)
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        .merge(webhooks)
        // Listed innermost first: the timeout answers before a handler runs, `json_errors`
        // gives its answers and the body limits' the API's shape, compression applies to all
        // of it, and metrics and tracing see the final status.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(settings.request_timeout_secs),
        ))
        .layer(from_fn(error::json_errors))
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    (router, doc)
}

/// Resolves at Ctrl-C or SIGTERM: what `serve` stops on.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}
