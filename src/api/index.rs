//! This process's search index (`q=` on `GET /findings`): a tantivy index under the data
//! directory, fed from the store's change feed by a task of its own.
//!
//! The store stays the one source of truth: the index answers which findings match, in which
//! order, and the findings themselves are loaded from the store. Each API process keeps its
//! own index and follows the feed from where its last commit ended, so any number of them
//! converge; a missing or foreign index is rebuilt from the start of the feed. The index lags
//! the store by one poll at most (half a second when idle).

use std::sync::Arc;
use std::time::Duration;

use dlp_search::{FindingIndex, IndexedFinding, Opened};
use dlp_store::{FindingChange, Store};

/// Changes read from the store per step.
const BATCH: u32 = 2000;
/// How long the follower sleeps when it has caught up.
const IDLE: Duration = Duration::from_millis(500);

/// Opens (or makes, or rebuilds) the index at `DATA_DIR/search-index`.
pub fn open(
    settings: &crate::config::Settings,
) -> Result<Arc<FindingIndex>, dlp_search::SearchError> {
    let dir = settings.data_dir.join("search-index");
    let index = FindingIndex::open(&dir)?;
    match index.opened() {
        Opened::Created => tracing::info!(dir = %dir.display(), "search index created"),
        Opened::Reopened => {
            tracing::info!(dir = %dir.display(), last_seq = index.last_seq(), "search index reopened")
        }
        Opened::Rebuilt { reason } => {
            tracing::warn!(dir = %dir.display(), %reason, "search index rebuilt from the start")
        }
    }
    Ok(Arc::new(index))
}

/// Follows the change feed into the index until `shutdown` resolves.
pub async fn follow(
    store: Store,
    index: Arc<FindingIndex>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    // From the start of the last committed stamp: one stamp can span batches, and re-applying
    // what the index already holds changes nothing.
    let mut cursor = (index.last_seq(), String::new());
    loop {
        let caught_up = match step(&store, &index, &mut cursor).await {
            Ok(n) => n < BATCH as usize,
            Err(why) => {
                tracing::warn!(error = %why, "the search index could not follow the store");
                true
            }
        };
        if caught_up {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(IDLE) => {}
            }
        }
    }
}

/// Reads and applies one batch of changes; returns how many it read.
pub async fn step(
    store: &Store,
    index: &Arc<FindingIndex>,
    cursor: &mut (i64, String),
) -> Result<usize, String> {
    let changes = store
        .finding_changes(cursor.0, &cursor.1, BATCH)
        .await
        .map_err(|e| format!("store: {e}"))?;
    let Some(last) = changes.last() else {
        return Ok(0);
    };
    let next = (last.seq, last.record.finding.id.clone());
    let batch: Vec<IndexedFinding> = changes.iter().map(indexed).collect();
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.apply(&batch))
        .await
        .map_err(|e| format!("the indexing task failed: {e}"))?
        .map_err(|e| format!("index: {e}"))?;
    *cursor = next;
    Ok(changes.len())
}

fn indexed(change: &FindingChange) -> IndexedFinding {
    let r = &change.record;
    let f = &r.finding;
    let l = &f.location;
    IndexedFinding {
        id: f.id.clone(),
        seq: change.seq,
        detector: f.detector.clone(),
        category: f.category.as_str().to_owned(),
        severity: f.severity.as_str().to_owned(),
        status: r.status.as_str().to_owned(),
        content_type: l.content_type.as_str().to_owned(),
        space_key: l.space_key.clone(),
        page_id: l.page_id.clone(),
        page_title: r.page_title.clone(),
        attachment_title: l.attachment_title.clone(),
        path: l.path.clone(),
        masked: f.masked.clone(),
        confidence: f.confidence,
        first_seen_ms: r.first_seen_at.timestamp_millis(),
        last_seen_ms: r.last_seen_at.timestamp_millis(),
    }
}
