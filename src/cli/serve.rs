//! `serve` (the API, the scheduler and a worker pool, or one of them: `--role`) and
//! `token create|list|revoke`.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use std::sync::Arc;

use crate::api::{Roles, Server, auth};
use crate::app::App;
use crate::config::Settings;
use crate::keys::Keys;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (default: settings, DLP_LISTEN, 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Workers in this process's pool (default: settings, 4).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Confluence site the jobs come from.
    #[arg(long, env = "CONFLUENCE_SITE")]
    pub site: Option<String>,
    /// What this process runs: all (the API, the scheduler and a worker pool: one process,
    /// no servers needed), or one role of a production deployment against Redis and
    /// PostgreSQL: api, scheduler or worker.
    #[arg(long, value_enum, default_value_t = Role::All, env = "DLP_ROLE")]
    pub role: Role,
    /// For `--role scheduler|worker`: serve this process's `/metrics` on this address (the
    /// API's own `/metrics` shows only its process's job and Confluence counts).
    #[arg(long, env = "DLP_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    All,
    Api,
    Scheduler,
    Worker,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, on the last line of stdout, and never again.
    Create {
        /// A unique name (letters, digits, '-', '_', '.'): what the audit trail records.
        #[arg(long)]
        name: String,
        /// findings:read, findings:write, scans:write, audit:read, lookup or admin (all).
        #[arg(long = "scope", required = true, num_args = 1..)]
        scopes: Vec<String>,
    },
    /// List tokens: name, scopes, created, last used, revoked. Never the token.
    List,
    /// Revoke a token by name; requests with it get 401 from then on.
    Revoke { name: String },
}

pub async fn command(mut settings: Settings, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    if let Some(n) = args.concurrency {
        settings.workers.concurrency = n;
    }
    if args.site.is_some() {
        settings.confluence.site = args.site;
    }
    match args.role {
        Role::All | Role::Api => {
            let roles = if args.role == Role::All {
                Roles::ALL
            } else {
                Roles::API_ONLY
            };
            let server = Server::build(settings).await?.with_roles(roles);
            eprintln!(
                "serving on http://{} as {:?} (SIGTERM or Ctrl-C to stop)",
                server.local_addr(),
                args.role
            );
            server
                .run_until_stopped(crate::api::shutdown_signal())
                .await?;
        }
        Role::Scheduler | Role::Worker => {
            let app = Arc::new(App::build(settings).await?);
            let metrics = args.metrics_listen.map(|addr| {
                tokio::spawn(crate::metrics::serve_metrics(
                    app.clone(),
                    addr,
                    crate::api::shutdown_signal(),
                ))
            });
            if args.role == Role::Scheduler {
                let schedules = crate::scheduler::schedules(&app)?;
                eprintln!(
                    "scheduler of {} schedules (SIGTERM or Ctrl-C to stop)",
                    schedules.len()
                );
                crate::scheduler::run_scheduler(
                    app.clone(),
                    schedules,
                    crate::api::shutdown_signal(),
                )
                .await;
            } else {
                eprintln!(
                    "worker pool of {} on the {} queue (SIGTERM or Ctrl-C stops after the jobs in hand)",
                    app.pool.concurrency,
                    app.queue.kind()
                );
                if let Err(e) = app.run_workers(crate::api::shutdown_signal()).await {
                    app.close().await;
                    return Err(e.into());
                }
            }
            if let Some(task) = metrics {
                task.abort();
            }
            app.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Token commands open only the store and the key: no queue, no OCR, no site.
pub async fn token_command(settings: Settings, args: TokenArgs) -> anyhow::Result<ExitCode> {
    let store = crate::app::open_store(&settings).await?;
    let result = run_token_command(&settings, &store, args.command).await;
    store.close().await;
    result
}

async fn run_token_command(
    settings: &Settings,
    store: &dlp_store::Store,
    command: TokenCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create { name, scopes } => {
            let hasher = Keys::load(settings)?.token_hasher();
            let token = auth::issue_token(store, &hasher, &name, &scopes).await?;
            eprintln!("token {name:?} created; it is shown once, below: keep it now");
            println!("{token}");
        }
        TokenCommand::List => {
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            println!(
                "{:<24} {:<40} {:<20} {:<20} REVOKED",
                "NAME", "SCOPES", "CREATED", "LAST USED"
            );
            for t in store.api_tokens().await? {
                println!(
                    "{:<24} {:<40} {:<20} {:<20} {}",
                    t.name,
                    t.scopes.join(","),
                    time(Some(t.created_at)),
                    time(t.last_used_at),
                    time(t.revoked_at)
                );
            }
        }
        TokenCommand::Revoke { name } => {
            if !store.revoke_api_token(&name).await? {
                anyhow::bail!("no live token named {name:?}");
            }
            eprintln!("token {name:?} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
