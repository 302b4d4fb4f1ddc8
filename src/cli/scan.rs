//! `scan` and `worker`: argument handling around `crate::scan`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use url::Url;

use super::output;
use super::{Format, ScanArgs, WorkerArgs};
use crate::config::Settings;
use crate::confluence::{Auth, ClientConfig, ConfluenceClient};
use crate::scan::{Runtime, ScanRequest, ScanTarget, run_scan};

pub async fn command(mut settings: Settings, args: ScanArgs) -> anyhow::Result<ExitCode> {
    if let Some(site) = args.site {
        settings.confluence.site = Some(site);
    }
    if let Some(email) = args.email {
        settings.confluence.email = Some(email);
    }
    if let Some(token) = args.api_token {
        settings.confluence.api_token = Some(token);
    }
    if let Some(pat) = args.pat {
        settings.confluence.pat = Some(pat);
    }
    if let Some(n) = args.concurrency {
        settings.workers.concurrency = n;
    }
    if let Some(rps) = args.max_requests_per_sec {
        settings.confluence.max_requests_per_sec = Some(rps);
    }
    if let Some(c) = args.min_confidence {
        settings.rules.min_confidence = c;
    }
    let target = match (args.space, args.paths.is_empty()) {
        (Some(space_key), true) => ScanTarget::Space { space_key },
        (None, false) => ScanTarget::Paths(args.paths),
        (Some(_), false) => anyhow::bail!("give either --space or PATHs, not both"),
        (None, true) => anyhow::bail!("nothing to scan: give --site and --space, or PATHs"),
    };
    let client = match &target {
        ScanTarget::Space { .. } => Some(client_from(&settings)?),
        ScanTarget::Paths(_) => None,
    };
    let request = ScanRequest { target, run_workers: !args.enqueue_only };

    let show_bar = args.format == Format::Table && std::io::stderr().is_terminal();
    let bar = output::ProgressBar::new(show_bar);
    let outcome = run_scan(&settings, client, request, |p| bar.update(p)).await;
    bar.finish();
    let outcome = outcome?;

    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Jsonl => output::write_jsonl(&mut stdout, &outcome.findings)?,
        Format::Table => output::write_summary(&mut stdout, &outcome)?,
    }
    Ok(if outcome.findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub async fn worker_command(mut settings: Settings, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if let Some(site) = args.site {
        settings.confluence.site = Some(site);
    }
    if let Some(n) = args.concurrency {
        settings.workers.concurrency = n;
    }
    let client = match settings.confluence.site {
        Some(_) => Some(client_from(&settings)?),
        None => None,
    };
    let runtime = Runtime::start(&settings, client).await?;
    eprintln!(
        "worker pool of {} on the {} queue; Ctrl-C stops after the jobs in hand",
        runtime.pool.concurrency,
        runtime.queue.kind()
    );
    runtime
        .run_workers(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Builds the Confluence client from settings: Cloud (email + API token, Basic) or Data
/// Center (PAT, Bearer); with neither, requests go unauthenticated (public spaces, simulator).
pub fn client_from(settings: &Settings) -> anyhow::Result<ConfluenceClient> {
    let c = &settings.confluence;
    let site = c.site.as_deref().context("no Confluence site: give --site or CONFLUENCE_SITE")?;
    let site = Url::parse(site).context("--site is not a URL")?;
    let auth = match (&c.email, &c.api_token, &c.pat) {
        (_, _, Some(pat)) => Auth::Bearer { token: pat.clone() },
        (Some(email), Some(token), None) => Auth::Basic { email: email.clone(), api_token: token.clone() },
        (None, Some(_), None) => anyhow::bail!("an API token needs the account email (--email or CONFLUENCE_EMAIL)"),
        _ => Auth::None,
    };
    let mut config = ClientConfig::new(site, auth);
    config.page_limit = c.page_limit;
    config.max_requests_per_sec = c.max_requests_per_sec;
    config.max_retries = c.max_retries;
    config.request_timeout = Duration::from_secs(c.request_timeout_secs);
    config.max_download_bytes = c.max_download_bytes;
    Ok(ConfluenceClient::new(config)?)
}
