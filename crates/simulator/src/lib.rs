//! A Confluence Cloud simulator: serves sample spaces over the REST API v2 (spaces, pages,
//! blog posts, footer and inline comments with their replies, attachments) with Cloud's
//! shapes, cursor pagination, Basic/Bearer authentication, 429/5xx fault injection, a points
//! quota and a latency knob, and attachment downloads that redirect to a separate media host,
//! as Cloud does. Pages and blog posts can be written (`PUT`, versioned; Data Center's v1 `PUT`
//! too), each write keeps the version it replaces (served with `?version=N`, v1
//! `status=historical&version=N`), and each is sent as a signed Forge event to the receivers
//! registered with it. Remediation's writes are simulated too: comments' versions, new footer
//! comments, restrictions and space permissions (loaded from a space's `permissions.json`;
//! changes refused to anyone but the credential named by [`SimulatorHandle::set_space_admin`]),
//! attachment uploads and deletes, version deletes and restores, and Cloud's data
//! classification, and native redaction where the site has Guard Premium
//! ([`SimulatorHandle::set_guard_premium`]; pages and blog posts are served as ADF too, with
//! `body-format=atlas_doc_format`). [`SimulatorHandle::state_digest`] fingerprints all of it.
//!
//! It answers like Cloud (`/work/shared/confluence/openapi-v2.json` plus the live-behaviour
//! notes), not like any one client wants: cursors are opaque, `_links.next` is the only way to
//! the next page, bodies come only when `body-format` asks for them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dlp_simulator::SimulatorError> {
//! use dlp_simulator::{spawn, SimulatorConfig};
//! let sim = spawn(SimulatorConfig::new("samples/spaces"), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("Confluence at {}", sim.site_url());
//! sim.wait().await;
//! # Ok(()) }
//! ```

mod access;
mod access_routes;
mod adf;
mod attachments_write;
mod auth;
mod classification;
mod comment_writes;
mod dc_hooks;
mod delivery;
mod digest;
mod disk;
mod errors;
mod faults;
mod forge;
mod gate;
mod media;
mod model;
mod paging;
mod permissions;
mod quota;
mod redaction;
mod restrictions;
mod routes;
mod search;
mod store;
mod v1;
mod writes;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

pub use auth::SimulatorAuth;
pub use dc_hooks::DataCenterTarget;
pub use faults::{Faults, RandomFaults, ServerErrorBurst};
pub use forge::ForgeTarget;
pub use gate::SimulatorStats;
pub use quota::Quota;

use gate::Gate;
use media::MediaHost;
use store::Store;

/// Which Confluence the simulator is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flavor {
    /// REST v2 under `/wiki/api/v2`, v1 CQL search under `/wiki/rest/api`, downloads that
    /// redirect to a media host.
    Cloud,
    /// REST v1 only, under `context` (e.g. `/confluence`, or `""` at the root); downloads
    /// served by the site itself.
    DataCenter { context: String },
}

impl Flavor {
    /// Data Center under `/confluence`, its most common context path.
    pub fn data_center() -> Flavor {
        Flavor::DataCenter {
            context: "/confluence".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    pub flavor: Flavor,
    /// A space directory (holding `space.json`) or a directory of space directories.
    pub root: PathBuf,
    pub auth: SimulatorAuth,
    pub faults: Faults,
    /// Added to every API request before it is answered; zero by default.
    pub latency: std::time::Duration,
    /// Cloud's points budget per window; none by default.
    pub quota: Option<Quota>,
}

impl SimulatorConfig {
    /// Serve `root` without credentials and without faults.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        SimulatorConfig {
            flavor: Flavor::Cloud,
            root: root.into(),
            auth: SimulatorAuth::default(),
            faults: Faults::default(),
            latency: std::time::Duration::ZERO,
            quota: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("malformed sample file {path}: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("no space found under {root} (expected space.json there or in a subdirectory)")]
    NoSpaces { root: PathBuf },
    #[error("invalid simulator configuration: {0}")]
    InvalidConfig(&'static str),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("loading the sample space was interrupted")]
    LoadInterrupted,
}

/// What the handlers share: the content, where the site and the media host live, the gate
/// that counts requests and injects faults, and the media host's token key.
pub(crate) struct AppState {
    /// The content, replaced whole by a write (copy on write): a reader keeps the snapshot it
    /// took for its whole request, so a page of a listing never mixes two states.
    content: std::sync::RwLock<Arc<Store>>,
    /// `http://HOST:PORT`, no trailing slash.
    pub site_origin: String,
    /// `/wiki` on Cloud; Data Center's context path (`/confluence`, or `""`).
    pub context: String,
    pub flavor: Flavor,
    pub gate: Gate,
    pub media: MediaHost,
    pub forge: forge::ForgeEmitter,
    pub dc_hooks: dc_hooks::DataCenterEmitter,
    /// Whether the site has Atlassian Guard Premium: native redaction (Cloud) answers then.
    guard_premium: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// The content as it is now.
    pub fn store(&self) -> Arc<Store> {
        self.content
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Applies a change that may be refused: the copy becomes current only when `change`
    /// succeeds, and each accepted write is counted in the stats.
    pub fn try_write<T, E>(&self, change: impl FnOnce(&mut Store) -> Result<T, E>) -> Result<T, E> {
        let mut content = self
            .content
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = Store::clone(&content);
        let out = change(&mut next)?;
        *content = Arc::new(next);
        drop(content);
        self.gate.record(|s| s.writes += 1);
        Ok(out)
    }

    /// `_links.base` of every response: the site with its context path.
    pub fn base(&self) -> String {
        format!("{}{}", self.site_origin, self.context)
    }

    pub fn guard_premium(&self) -> bool {
        self.guard_premium
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn is_data_center(&self) -> bool {
        matches!(self.flavor, Flavor::DataCenter { .. })
    }
}

/// A running simulator. Dropping it stops both listeners.
pub struct SimulatorHandle {
    site_url: Url,
    media_url: Url,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    site_task: JoinHandle<()>,
    media_task: JoinHandle<()>,
}

/// Start the simulator on `addr` (port 0 picks a free port) and its media host on another
/// port of the same interface.
pub async fn spawn(
    config: SimulatorConfig,
    addr: SocketAddr,
) -> Result<SimulatorHandle, SimulatorError> {
    config.faults.validate()?;
    if config
        .quota
        .is_some_and(|q| q.points == 0 || q.window.is_zero())
    {
        return Err(SimulatorError::InvalidConfig(
            "a quota needs points and a window above zero",
        ));
    }
    let root = config.root.clone();
    let store = tokio::task::spawn_blocking(move || Store::load(&root))
        .await
        .map_err(|_| SimulatorError::LoadInterrupted)??;

    let site = TcpListener::bind(addr)
        .await
        .map_err(|source| SimulatorError::Bind { addr, source })?;
    let media_addr = SocketAddr::new(addr.ip(), 0);
    let media_listener =
        TcpListener::bind(media_addr)
            .await
            .map_err(|source| SimulatorError::Bind {
                addr: media_addr,
                source,
            })?;
    let site_url = local_url(&site, addr)?;
    let media_url = local_url(&media_listener, media_addr)?;

    let origin = site_url.as_str().trim_end_matches('/').to_string();
    let context = match &config.flavor {
        Flavor::Cloud => "/wiki".to_owned(),
        Flavor::DataCenter { context } => {
            let context = context.trim().trim_end_matches('/');
            if !(context.is_empty()
                || (context.starts_with('/')
                    && context[1..]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))))
            {
                return Err(SimulatorError::InvalidConfig(
                    "a Data Center context path is one segment, e.g. /confluence",
                ));
            }
            context.to_owned()
        }
    };
    let state = Arc::new(AppState {
        content: std::sync::RwLock::new(Arc::new(store)),
        site_origin: origin,
        context,
        flavor: config.flavor.clone(),
        gate: Gate::new(config.auth, &config.faults, config.latency, config.quota),
        media: MediaHost::new(media_url.as_str().trim_end_matches('/').to_string()),
        forge: forge::ForgeEmitter::new(),
        dc_hooks: dc_hooks::DataCenterEmitter::new(),
        guard_premium: std::sync::atomic::AtomicBool::new(false),
    });

    let (stop, _) = watch::channel(false);
    let site_task = serve(site, routes::router(state.clone()), stop.subscribe());
    let media_task = serve(
        media_listener,
        media::router(state.clone()),
        stop.subscribe(),
    );
    tracing::info!(site = %site_url, media = %media_url, "confluence simulator listening");
    Ok(SimulatorHandle {
        site_url,
        media_url,
        state,
        stop,
        site_task,
        media_task,
    })
}

impl SimulatorHandle {
    /// The site, e.g. `http://127.0.0.1:41234`; on Cloud the API is under `/wiki/api/v2`.
    /// On Data Center this is the base URL with the context path
    /// (`http://127.0.0.1:41234/confluence`), as a Data Center site is configured.
    pub fn site_url(&self) -> Url {
        let mut url = self.site_url.clone();
        if self.state.is_data_center() {
            url.set_path(&self.state.context);
        }
        url
    }

    /// The media host that attachment downloads redirect to (a different origin).
    pub fn media_url(&self) -> Url {
        self.media_url.clone()
    }

    /// Where the simulator publishes the keys that sign its Forge Invocation Tokens.
    pub fn forge_jwks_url(&self) -> Url {
        let mut url = self.site_url.clone();
        url.set_path("/forge/.well-known/jwks.json");
        url
    }

    /// Registers a remote that every content event is POSTed to, as a Forge app's trigger
    /// does (the signing key is made now, if it was not yet: a moment's work).
    pub fn add_forge_target(&self, target: ForgeTarget) {
        self.state.forge.add_target(target);
    }

    /// Registers a Data Center webhook: every page or blog post update is POSTed to it,
    /// signed with `X-Hub-Signature` under its secret.
    pub fn add_datacenter_target(&self, target: DataCenterTarget) {
        self.state.dc_hooks.add_target(target);
    }

    pub fn stats(&self) -> SimulatorStats {
        self.state.gate.stats()
    }

    /// A stable SHA-256 (hex) of everything writable: documents' and comments' bodies,
    /// versions and history, attachments, restrictions, space permissions and
    /// classification. Reads never change it; every accepted write does.
    pub fn state_digest(&self) -> String {
        digest::state_digest(&self.state.store())
    }

    /// Has another user save `body` as a new version of page or blog post `id` just before the
    /// next write to it is handled: that write then carries a stale version number and gets
    /// Confluence's 409, as when two people save at once.
    pub fn edit_before_next_write(&self, id: u64, body: impl Into<String>) {
        self.state.gate.interlope(id, body.into());
    }

    /// Names the credential of a space admin: it is accepted beside the configured ones, and
    /// from then on space-permission writes are refused (403, in the flavour's error shape)
    /// to any other. Unset (the default), whoever is admitted may change them, as before.
    pub fn set_space_admin(&self, admin: Option<SimulatorAuth>) {
        self.state.gate.set_space_admin(admin);
    }

    /// Gives the site Atlassian Guard Premium (or takes it away): with it, Cloud's native
    /// redaction (`POST /wiki/api/v2/{pages|blogposts}/{id}/redact`) redacts; without it (the
    /// default) it answers 403 "... requires Atlassian Guard Premium". Data Center has no such
    /// endpoint either way.
    pub fn set_guard_premium(&self, on: bool) {
        self.state
            .guard_premium
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stop accepting connections and wait for in-flight requests to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.site_task.await;
        let _ = self.media_task.await;
    }

    /// Run until Ctrl-C (or until a listener fails), then shut down. For the CLI.
    pub async fn wait(mut self) {
        // Without a signal handler, run until a listener ends rather than stopping at once.
        let interrupted = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = interrupted => {}
            _ = &mut self.site_task => {}
            _ = &mut self.media_task => {}
        }
        self.shutdown().await;
    }
}

fn local_url(listener: &TcpListener, requested: SocketAddr) -> Result<Url, SimulatorError> {
    let bound = listener
        .local_addr()
        .map_err(|source| SimulatorError::Bind {
            addr: requested,
            source,
        })?;
    // A wildcard bind is reachable on loopback; links must name a host a client can dial.
    let ip = if bound.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        bound.ip()
    };
    let host = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    Url::parse(&format!("http://{host}:{}", bound.port()))
        .map_err(|_| SimulatorError::InvalidConfig("listen address gives no valid URL"))
}

fn serve(
    listener: TcpListener,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        // `changed` also returns when the handle (the sender) is dropped, which stops the server.
        let shutdown = async move {
            let _ = stop.changed().await;
        };
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "simulator listener failed");
        }
    })
}
