//! `scan` and `worker`: argument handling around `crate::scan`.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::output;
use super::{Format, ScanArgs, WorkerArgs};
use crate::app::App;
use crate::config::Settings;
use crate::scan::{ScanRequest, ScanTarget, run_scan};

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
    if matches!(target, ScanTarget::Space { .. }) && settings.confluence.site.is_none() {
        anyhow::bail!("no Confluence site: give --site or set CONFLUENCE_SITE");
    }
    if matches!(target, ScanTarget::Paths(_)) {
        // Local files need no site: a configured one must not make the scan fail on its
        // credentials.
        settings.confluence.site = None;
    }
    let app = App::build(settings).await?;
    let request = ScanRequest { target, run_workers: !args.enqueue_only };

    let show_bar = args.format == Format::Table && std::io::stderr().is_terminal();
    let bar = output::ProgressBar::new(show_bar);
    let outcome = run_scan(&app, request, |p| bar.update(p)).await;
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
    let app = App::build(settings).await?;
    eprintln!(
        "worker pool of {} on the {} queue; Ctrl-C stops after the jobs in hand",
        app.pool.concurrency,
        app.queue.kind()
    );
    app.run_workers(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}
