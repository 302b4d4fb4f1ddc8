//! `scan --all-spaces`: the service's scan of every space, run from the CLI. The parent scan
//! and its crawl job are started as `POST /scans` starts them; an in-process pool (or
//! `worker` processes, with `--enqueue-only`) runs the crawls and the content jobs, and the
//! outcome is the parent's with the findings and problems of every space.

use std::time::{Duration, Instant};

use dlp_store::{ScanMode, ScanProgress, ScanQuery, ScanStatus};

use super::{ScanError, ScanOutcome, ScanScope, StartError, StartScan, start_scan};
use crate::app::App;
use crate::ingest::CrawlStats;

pub(super) async fn run(
    app: &App,
    run_workers: bool,
    history: Option<dlp_domain::HistoryDepth>,
    started: Instant,
    on_progress: &mut impl FnMut(&ScanProgress),
) -> Result<ScanOutcome, ScanError> {
    let request = StartScan {
        scope: ScanScope::AllSpaces,
        mode: ScanMode::Full,
        actor: "cli".into(),
        history,
    };
    let parent = start_scan(app, &request).await.map_err(|e| match e {
        StartError::Scan(e) => e,
        other => ScanError::Input(other.to_string()),
    })?;
    if run_workers {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let handler = app.handler();
        let queue = app.queue.clone();
        let options = app.pool.clone();
        let mut pool = tokio::spawn(async move {
            queue
                .run_pool(handler, &options, async move {
                    let _ = stop_rx.await;
                })
                .await
        });
        let waited = loop {
            let summed = summed(app, &parent.id).await?;
            on_progress(&summed);
            if summed.scan.status != ScanStatus::Running {
                break Ok(());
            }
            if pool.is_finished() {
                break Err(ScanError::Input(
                    "the worker pool ended before the scan was done".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let _ = stop_tx.send(());
        if tokio::time::timeout(Duration::from_secs(1), &mut pool)
            .await
            .is_err()
        {
            pool.abort();
        }
        waited?;
    }
    let progress = summed(app, &parent.id).await?;
    on_progress(&progress);
    let mut findings = Vec::new();
    let mut in_history_only = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for child in children(app, &parent.id).await? {
        findings.extend(app.store.scan_findings(&child).await?);
        in_history_only.extend(app.store.scan_findings_in_history_only(&child).await?);
        problems.extend(app.store.scan_item_problems(&child).await?);
    }
    Ok(ScanOutcome {
        scan_id: parent.id,
        queue: app.queue.kind(),
        findings,
        in_history_only,
        problems,
        api_requests: progress.api_requests,
        flavor: app
            .confluence
            .as_ref()
            .map(|c| format!("{} ({})", c.flavor(), c.flavor_reason())),
        progress,
        crawl: CrawlStats::default(),
        elapsed: started.elapsed(),
    })
}

async fn children(app: &App, parent: &str) -> Result<Vec<String>, ScanError> {
    Ok(app
        .store
        .scans(&ScanQuery {
            parent_id: Some(parent.to_owned()),
            limit: 500,
            ..ScanQuery::default()
        })
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// The parent's progress with every space's added to it.
async fn summed(app: &App, parent: &str) -> Result<ScanProgress, ScanError> {
    let mut total = app.store.scan_progress(parent).await?;
    for child in children(app, parent).await? {
        let p = app.store.scan_progress(&child).await?;
        total.total += p.total;
        total.queued += p.queued;
        total.done += p.done;
        total.unchanged += p.unchanged;
        total.failed += p.failed;
        total.not_extracted += p.not_extracted;
        total.open_findings += p.open_findings;
        total.api_requests += p.api_requests;
    }
    Ok(total)
}
