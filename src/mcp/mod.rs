//! `confluence-dlp mcp-proxy`: an MCP server in front of another one (mcp-atlassian, say),
//! so that what a tool returns from Confluence reaches the model with every sensitive value
//! replaced, the values the scans found included ([`crate::redact`]).
//!
//! - To the AI client: stdio (the client starts the proxy) or streamable HTTP (`--listen`,
//!   `/mcp`, an API token of scope `mcp`). Protocol revisions are rmcp's: 2024-11-05 to
//!   2026-07-28.
//! - To the upstream: a child process on stdio (the command after `--`, or
//!   `upstream_command`), or streamable HTTP (`--upstream-url`).
//! - Per tool ([`settings::ToolPolicy`]): allow, redact, block, or wait for approval. A call
//!   whose arguments carry a sensitive value is blocked or redacted
//!   ([`settings::ArgumentPolicy`]). Every call is in the audit trail ([`audit`]).

mod approval;
mod audit;
pub mod http;
pub mod proxy;
mod scrub;
pub mod settings;

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;

use anyhow::Context as _;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use crate::app::App;
pub use audit::{Action, Auditor};
pub use proxy::{Proxy, ProxyCore};
pub use settings::McpProxySettings;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProxyArgs {
    /// Serve MCP over streamable HTTP at this address (`/mcp`), instead of on stdio.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// The upstream MCP server over streamable HTTP, e.g. http://127.0.0.1:9000/mcp.
    #[arg(long, conflicts_with = "command")]
    pub upstream_url: Option<String>,
    /// The upstream MCP server as a command speaking stdio, after `--`:
    /// `confluence-dlp mcp-proxy -- mcp-atlassian --transport stdio`.
    #[arg(last = true)]
    pub command: Vec<String>,
}

/// Variables of this service that the upstream has no business seeing.
const WITHHELD_ENV: [&str; 5] = [
    "DLP_SERVER_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "DLP_DATACENTER_WEBHOOK_SECRET",
    "DLP_CONFIG",
];

/// A connected upstream: its peer, and the service that keeps it alive.
pub struct Upstream {
    pub service: rmcp::service::RunningService<rmcp::RoleClient, ()>,
}

/// Connects to the upstream the settings name: a child process or an HTTP endpoint.
pub async fn connect_upstream(settings: &McpProxySettings) -> anyhow::Result<Upstream> {
    let service = if let Some(url) = &settings.upstream_url {
        // reqwest 0.13 under rmcp is built without a TLS provider: use the one the rest of
        // the process uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
        if let Some(value) = &settings.upstream_authorization {
            let mut value = axum::http::HeaderValue::from_str(value.expose_secret())
                .context("upstream_authorization is not a valid header value")?;
            value.set_sensitive(true);
            config.custom_headers =
                std::collections::HashMap::from([(axum::http::header::AUTHORIZATION, value)]);
        }
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .context("cannot start an MCP session with the upstream URL")?
    } else {
        let (program, args) = settings
            .upstream_command
            .split_first()
            .context("no upstream: give --upstream-url, or the upstream command after --")?;
        let mut command = tokio::process::Command::new(program);
        command.args(args);
        for name in WITHHELD_ENV {
            command.env_remove(name);
        }
        // The upstream's log is its own, and may quote what it read: not ours to pass on
        // unless asked for.
        let stderr = if settings.upstream_stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let (transport, _) = TokioChildProcess::builder(command)
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start the upstream {program:?}"))?;
        ().serve(transport)
            .await
            .context("the upstream did not complete the MCP handshake")?
    };
    Ok(Upstream { service })
}

/// Runs the proxy until the client leaves (stdio), the upstream goes, or a signal (HTTP).
pub async fn run(app: Arc<App>, args: ProxyArgs) -> anyhow::Result<()> {
    let mut settings = app.settings.mcp_proxy.clone();
    if let Some(url) = args.upstream_url {
        settings.upstream_url = Some(url);
        settings.upstream_command.clear();
    } else if !args.command.is_empty() {
        settings.upstream_command = args.command;
        settings.upstream_url = None;
    }
    let upstream = connect_upstream(&settings).await?;
    let (auditor, writer) = Auditor::start(app.store.clone());
    let core = Arc::new(ProxyCore {
        upstream: upstream.service.peer().clone(),
        upstream_info: upstream.service.peer_info().map(|i| (*i).clone()),
        deps: app.workers.clone(),
        settings,
        auditor,
    });
    let upstream_gone = upstream.service.waiting();
    let result = tokio::select! {
        served = serve_client(app.clone(), core, args.listen) => served,
        _ = upstream_gone => Err(anyhow::anyhow!("the upstream MCP server went away")),
    };
    // Every session is over: the events they queued are written before the process ends.
    if tokio::time::timeout(std::time::Duration::from_secs(10), writer.finish())
        .await
        .is_err()
    {
        tracing::error!("the audit trail of the last MCP calls could not be written in time");
    }
    result
}

async fn serve_client(
    app: Arc<App>,
    core: Arc<ProxyCore>,
    listen: Option<SocketAddr>,
) -> anyhow::Result<()> {
    match listen {
        Some(addr) => serve_http(app, core, addr).await,
        None => {
            // Non-blocking pipes when the client started us on FIFOs (as MCP clients do): no
            // hand-off to a blocking thread for each read and write of a message.
            let session = Proxy::new(core)
                .serve(rmcp::transport::stdio_pipes())
                .await
                .context("the MCP client did not complete the handshake")?;
            session.waiting().await?;
            Ok(())
        }
    }
}

async fn serve_http(app: Arc<App>, core: Arc<ProxyCore>, addr: SocketAddr) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let router = http::router(app, core, shutdown.clone());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!(
        "mcp-proxy listening on http://{}/mcp",
        listener.local_addr()?
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            crate::api::shutdown_signal().await;
            shutdown.cancel();
        })
        .await
        .context("the proxy's listener failed")
}
