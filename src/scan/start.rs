//! Starting a scan the way the service does (the API's `POST /scans`, a schedule, the CLI's
//! `--all-spaces`): the scan's row and its crawl job, nothing more. Workers do the rest and
//! the last of them completes the scan.

use dlp_jobs::Work;
use dlp_store::{NewScan, ScanKind, ScanMode, ScanQuery, ScanRecord, ScanStatus};

use super::ScanError;
use crate::app::App;
use crate::ingest::{enqueue_crawl, plan_scan};

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanScope {
    Space(String),
    /// Every space the credentials can read: one scan per space under a parent scan.
    AllSpaces,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartScan {
    pub scope: ScanScope,
    /// Asked for; a space without a completed scan under the same rules is scanned in full.
    pub mode: ScanMode,
    /// Who asked (a token's name, `scheduler`, `cli`), for the audit trail.
    pub actor: String,
    /// Also read older versions of pages and blog posts, this far back.
    pub history: Option<dlp_domain::HistoryDepth>,
}

/// Why a scan was not started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("a scan of {scope} is already running: {scan_id}")]
    AlreadyRunning { scope: String, scan_id: String },
    #[error(transparent)]
    Scan(#[from] ScanError),
}

impl From<dlp_store::StoreError> for StartError {
    fn from(e: dlp_store::StoreError) -> Self {
        StartError::Scan(e.into())
    }
}

/// Registers the scan and enqueues its crawl. A second scan of a space (or of all spaces)
/// while one is running is refused: it would do the same work twice.
pub async fn start_scan(app: &App, request: &StartScan) -> Result<ScanRecord, StartError> {
    let site = app
        .confluence
        .as_ref()
        .map(|c| c.site().to_string())
        .ok_or_else(|| {
            ScanError::Input("scanning Confluence needs a site: set CONFLUENCE_SITE".into())
        })?;
    let store = &app.store;
    let space_key = match &request.scope {
        ScanScope::Space(key) => Some(key.clone()),
        ScanScope::AllSpaces => None,
    };
    if let Some(running) = running_scan(app, space_key.as_deref()).await? {
        return Err(StartError::AlreadyRunning {
            scope: space_key.map_or("every space".into(), |k| format!("space {k}")),
            scan_id: running.id,
        });
    }
    let (mode, since) = match &space_key {
        Some(key) => {
            let plan = plan_scan(store, key, request.mode, app.rules_digest()).await?;
            (plan.mode, plan.since)
        }
        // Each space's scan decides for itself, under the parent.
        None => (request.mode, None),
    };
    let scan_id = store
        .create_scan(&NewScan {
            kind: ScanKind::Space,
            site: Some(site),
            space_key: space_key.clone(),
            actor: request.actor.clone(),
            mode,
            all_spaces: space_key.is_none(),
            parent_id: None,
            since,
            rules_digest: Some(app.rules_digest().to_owned()),
            history: request.history,
        })
        .await?;
    let work = match space_key {
        Some(space_key) => Work::CrawlSpace { space_key },
        None => Work::CrawlAllSpaces,
    };
    let max_attempts = app.settings.workers.max_attempts;
    if let Err(e) = enqueue_crawl(store, &app.queue, &scan_id, work, max_attempts).await {
        // A scan whose crawl never reached the queue would run forever: end it now.
        let _ = store.finish_scan(&scan_id, ScanStatus::Failed).await;
        return Err(ScanError::Crawl(e).into());
    }
    Ok(store.scan(&scan_id).await?)
}

/// The running top-level scan of this space (or of all spaces, for `None`), if any.
async fn running_scan(
    app: &App,
    space_key: Option<&str>,
) -> Result<Option<ScanRecord>, dlp_store::StoreError> {
    let running = app
        .store
        .scans(&ScanQuery {
            status: Some(ScanStatus::Running),
            space_key: space_key.map(str::to_owned),
            top_level: true,
            limit: 500,
            ..ScanQuery::default()
        })
        .await?;
    Ok(running
        .into_iter()
        .filter(|s| s.mode != ScanMode::Event)
        .find(|s| match space_key {
            Some(_) => s.kind == ScanKind::Space && !s.all_spaces,
            None => s.all_spaces,
        }))
}
