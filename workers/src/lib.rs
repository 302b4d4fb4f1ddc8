//! What a worker does with one job: fetch the content, extract text segments, classify them
//! and record the outcome. Every job ends recorded: classified, unchanged, not extracted, or
//! failed with a safe message. Nothing a job meets crosses the job boundary as a panic (the
//! pool catches those too) or as a raw value in an error.

mod fetch;
mod ocr_cache;

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use dlp_confluence::ConfluenceClient;
use dlp_domain::{ContentRef, ContentType, Finding, HistoryDepth, Segment};
use dlp_engine::Classifier;
use dlp_extract::{self, AttachmentLimits, ExtractError, Ocr, StorageLimits};
use dlp_jobs::{HandlerError, JobHandler, ScanJob, Sealer, Work};
use dlp_store::{ItemResult, JobOutcome, Store};

pub use fetch::FetchError;
pub use ocr_cache::StoreOcrCache;

/// What every job handler shares; built once per process.
pub struct WorkerDeps {
    pub store: Store,
    pub classifier: Classifier,
    pub sealer: Sealer,
    /// Absent for processes that scan only local files.
    pub client: Option<ConfluenceClient>,
    /// Must match the attempts the jobs were enqueued with: the last attempt records the
    /// failure so that the scan can finish.
    pub max_attempts: usize,
    pub storage_limits: StorageLimits,
    pub attachment_limits: AttachmentLimits,
    pub ocr: Box<dyn Ocr>,
    /// Told what each job classified, once it is recorded, for redactor lookups.
    pub cache: Arc<dlp_cache::ClassificationCache>,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt: the network, Confluence's 5xx, the store being unreachable.
    #[error("{0}")]
    Transient(String),
}

/// What processing a job came to, before it is recorded.
struct Processed {
    outcome: JobOutcome,
    results: Vec<ItemResult>,
    /// Older versions of a page classified by a history job: marked as such once its
    /// findings are recorded, so that later history scans do not fetch them again.
    history_read: Option<HistoryRead>,
}

struct HistoryRead {
    page_id: String,
    versions: Vec<u32>,
    rules_digest: String,
}

impl Processed {
    fn new(outcome: JobOutcome, results: Vec<ItemResult>) -> Self {
        Processed {
            outcome,
            results,
            history_read: None,
        }
    }
}

/// The queue's handler of scan jobs: what a pool is given to run.
#[derive(Clone)]
pub struct ScanHandler(pub Arc<WorkerDeps>);

impl JobHandler for ScanHandler {
    fn handle(&self, job: ScanJob, attempt: usize) -> BoxFuture<'_, Result<(), HandlerError>> {
        Box::pin(async move {
            execute(&job, &self.0, attempt)
                .await
                .map_err(|JobError::Transient(why)| HandlerError(why))
        })
    }
}

/// Runs one job and records its outcome. `attempt` is this try's number, from 1 (apalis counts
/// the try before the handler runs); on the last one (`max_attempts`) a transient failure is
/// recorded as the job's final outcome, so the scan can finish and the error is kept.
pub async fn execute(
    job: &ScanJob,
    deps: &Arc<WorkerDeps>,
    attempt: usize,
) -> Result<(), JobError> {
    let processed = match process(job, deps).await {
        Ok(p) => p,
        Err(Failure::Permanent(reason)) => {
            Processed::new(JobOutcome::Failed { error: reason }, Vec::new())
        }
        Err(Failure::Transient(reason)) => {
            if attempt >= deps.max_attempts {
                tracing::warn!(item = %job.item_key, error = %reason, "job failed for good");
                Processed::new(
                    JobOutcome::Failed {
                        error: format!("gave up after {} attempts: {reason}", deps.max_attempts),
                    },
                    Vec::new(),
                )
            } else {
                tracing::info!(item = %job.item_key, attempt, error = %reason, "job will be retried");
                return Err(JobError::Transient(reason));
            }
        }
    };
    let summary = deps
        .store
        .record_job(
            &job.scan_id,
            &job.item_key,
            &processed.outcome,
            &processed.results,
        )
        .await
        .map_err(|e| {
            JobError::Transient(format!("cannot record the outcome: {}", error_chain(&e)))
        })?;
    // After the store, which stays the truth: a cache that cannot be written costs a lookup
    // a trip to the store, not the job (the store answers, and the entry is written then).
    if let Err(e) = deps.cache.record(&processed.results).await {
        tracing::warn!(item = %job.item_key, error = %e, "the classification cache was not updated");
    }
    // Only once their findings are in: a version marked first and then lost with a failed
    // record would never be read again. A late retry whose result was not applied (a newer
    // one is recorded) marks nothing either.
    if let Some(read) = processed.history_read
        && summary.classified_items > 0
    {
        deps.store
            .mark_history_versions(&read.page_id, &read.versions, &read.rules_digest)
            .await
            .map_err(|e| {
                JobError::Transient(format!(
                    "cannot record the versions read: {}",
                    error_chain(&e)
                ))
            })?;
    }
    Ok(())
}

enum Failure {
    /// Retrying cannot help (malformed content, refused by Confluence, over a limit).
    Permanent(String),
    Transient(String),
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Self {
        if e.is_transient() {
            Failure::Transient(error_chain(&e))
        } else {
            Failure::Permanent(error_chain(&e))
        }
    }
}

impl From<dlp_store::StoreError> for Failure {
    fn from(e: dlp_store::StoreError) -> Self {
        Failure::Transient(format!("store: {}", error_chain(&e)))
    }
}

/// An error and its causes on one line, as the item's recorded error. None of our error
/// types quote content, so the chain is safe to store.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Some wrappers repeat their source's text; say it once.
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

async fn process(job: &ScanJob, deps: &Arc<WorkerDeps>) -> Result<Processed, Failure> {
    let digest = deps.classifier.engine().digest().to_owned();
    match &job.work {
        Work::Body { item, body } | Work::Comment { item, body } => {
            storage_item(deps, item, body.as_ref(), digest).await
        }
        Work::Comments { item, container } => {
            let comments = fetch::comments(deps, *container, item).await?;
            let mut results = Vec::with_capacity(comments.len());
            let mut changed = Vec::with_capacity(comments.len());
            for (comment_ref, body) in comments {
                if is_current(deps, &comment_ref, &digest).await? {
                    results.push(ItemResult::unchanged(
                        comment_ref.clone(),
                        comment_ref.page_version,
                        &digest,
                    ));
                } else {
                    changed.push((comment_ref, body));
                }
            }
            let (classified_comments, malformed) = off_runtime(deps, move |deps| {
                let mut results = Vec::with_capacity(changed.len());
                let mut malformed = Vec::new();
                for (comment_ref, body) in changed {
                    match storage_segments(&body, deps) {
                        Ok(segments) => {
                            results.push(result(deps, &comment_ref, &digest, &segments))
                        }
                        Err(Failure::Permanent(reason)) | Err(Failure::Transient(reason)) => {
                            malformed.push(format!("comment {}: {reason}", comment_ref.item_id()))
                        }
                    }
                }
                (results, malformed)
            })
            .await?;
            results.extend(classified_comments);
            let outcome = if malformed.is_empty() {
                JobOutcome::Classified
            } else {
                // The readable comments still count; the unreadable ones are named.
                JobOutcome::Failed {
                    error: malformed.join("; "),
                }
            };
            Ok(Processed::new(outcome, results))
        }
        Work::History {
            item,
            container,
            current_version,
            depth,
        } => history(deps, item, *container, *current_version, *depth, &digest).await,
        Work::Attachment {
            item,
            download_link,
            ..
        } => {
            if is_current(deps, item, &digest).await? {
                return Ok(unchanged(item, &digest));
            }
            let mut item = item.clone();
            let link = match download_link {
                Some(link) => link.clone(),
                None => {
                    let (link, title) = fetch::attachment_link(deps, &item).await?;
                    // Extraction reads the file name to tell formats apart.
                    item.attachment_title.get_or_insert(title);
                    link
                }
            };
            let item = &item;
            let bytes = fetch::attachment(deps, &link).await?;
            attachment_outcome(deps, item, &digest, bytes).await
        }
        // Crawls are the service's (src/ingest); a pool that runs this handler alone cannot.
        Work::CrawlSpace { .. } | Work::CrawlAllSpaces => Err(Failure::Permanent(
            "a crawl job reached a worker that runs content jobs only".into(),
        )),
        Work::LocalFile { item, path } => {
            let bytes = fetch::local_file(path, deps.attachment_limits.max_bytes as u64).await?;
            attachment_outcome(deps, item, &digest, bytes).await
        }
    }
}

/// A page's, blog post's or comment's storage body: carried sealed, or fetched.
async fn storage_item(
    deps: &Arc<WorkerDeps>,
    item: &ContentRef,
    sealed: Option<&dlp_jobs::Sealed>,
    digest: String,
) -> Result<Processed, Failure> {
    if is_current(deps, item, &digest).await? {
        return Ok(unchanged(item, &digest));
    }
    let body = match sealed {
        Some(sealed) => deps
            .sealer
            .open(sealed)
            .map_err(|e| Failure::Permanent(e.to_string()))?,
        None => fetch::body(deps, item).await?,
    };
    let item = item.clone();
    off_runtime(deps, move |deps| {
        let segments = storage_segments(&body, deps)?;
        Ok(classified(vec![result(deps, &item, &digest, &segments)]))
    })
    .await?
}

async fn attachment_outcome(
    deps: &Arc<WorkerDeps>,
    item: &ContentRef,
    digest: &str,
    bytes: Vec<u8>,
) -> Result<Processed, Failure> {
    let item = item.clone();
    let digest = digest.to_owned();
    off_runtime(deps, move |deps| {
        attachment_processed(deps, &item, &digest, bytes)
    })
    .await
}

/// A local file's outcome and results from its bytes, on the calling thread: local scans
/// run their own threads and record in batches, without a job per file.
pub fn local_file_outcome(
    deps: &WorkerDeps,
    item: &ContentRef,
    bytes: Vec<u8>,
) -> (JobOutcome, Vec<ItemResult>) {
    let digest = deps.classifier.engine().digest().to_owned();
    let Processed {
        outcome, results, ..
    } = attachment_processed(deps, item, &digest, bytes);
    (outcome, results)
}

fn attachment_processed(
    deps: &WorkerDeps,
    item: &ContentRef,
    digest: &str,
    bytes: Vec<u8>,
) -> Processed {
    // A local file's archive entries are named from its whole path (the contract's
    // `path`), an attachment's from its title.
    let name = match item.content_type {
        ContentType::File => item.page_id.clone(),
        _ => item.attachment_title.clone().unwrap_or_default(),
    };
    let dlp_extract::Extraction { segments, problems } = dlp_extract::attachment_segments_owned(
        bytes,
        &name,
        &deps.attachment_limits,
        deps.ocr.as_ref(),
    );
    if problems.is_empty() {
        return classified(vec![result(deps, item, digest, &segments)]);
    }
    let reason = problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if segments.is_empty()
        && problems
            .iter()
            .all(|e| matches!(e, ExtractError::NotExtracted { .. }))
    {
        // Nothing was read, so nothing is claimed about the item's findings either way.
        return Processed::new(JobOutcome::NotExtracted { reason }, Vec::new());
    }
    // What was read before a limit or a damaged part is still classified and its findings
    // recorded; the outcome names what was not read.
    Processed::new(
        JobOutcome::Failed { error: reason },
        vec![result(deps, item, digest, &segments)],
    )
}

/// A page's older versions: those `depth` asks for that were not classified yet with these
/// rules are fetched one at a time (a deleted one, 404, is skipped) and classified as they
/// come, so one body at most is held. The history item is recorded whole: what this job
/// found, and the findings of versions read before under the same rules, which stay true
/// (a version never changes). A value in several versions is one finding, at the newest.
async fn history(
    deps: &Arc<WorkerDeps>,
    item: &ContentRef,
    container: ContentType,
    current_version: u32,
    depth: HistoryDepth,
    digest: &str,
) -> Result<Processed, Failure> {
    let wanted = depth.older_versions(current_version);
    let read_before = deps
        .store
        .classified_history_versions(&item.page_id, digest)
        .await?;
    let to_read: Vec<u32> = wanted.rev().filter(|v| !read_before.contains(v)).collect();
    if to_read.is_empty() {
        return Ok(unchanged(item, digest));
    }
    let mut found: HashMap<String, Finding> = HashMap::new();
    let mut read = Vec::with_capacity(to_read.len());
    let mut malformed = Vec::new();
    for version in to_read {
        let Some(body) = fetch::document_version(deps, container, &item.page_id, version).await?
        else {
            read.push(version);
            continue;
        };
        let version_ref = ContentRef {
            page_version: Some(version),
            ..item.clone()
        };
        let classified = off_runtime(deps, move |deps| {
            storage_segments(&body, deps)
                .map(|segments| deps.classifier.classify(&version_ref, &segments))
        })
        .await?;
        match classified {
            Ok(findings) => {
                read.push(version);
                for finding in findings {
                    keep_newest(&mut found, finding);
                }
            }
            Err(Failure::Permanent(reason)) | Err(Failure::Transient(reason)) => {
                malformed.push(format!("version {version}: {reason}"))
            }
        }
    }
    for finding in deps.store.history_findings(&item.page_id).await? {
        if finding
            .location
            .page_version
            .is_some_and(|v| read_before.contains(&v))
        {
            keep_newest(&mut found, finding);
        }
    }
    tracing::debug!(
        page_id = %item.page_id,
        versions_read = read.len(),
        findings = found.len(),
        "page history classified"
    );
    let outcome = if malformed.is_empty() {
        JobOutcome::Classified
    } else {
        JobOutcome::Failed {
            error: malformed.join("; "),
        }
    };
    let mut findings: Vec<Finding> = found.into_values().collect();
    findings.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Processed {
        outcome,
        results: vec![ItemResult::classified(
            item.clone(),
            Some(current_version),
            digest,
            findings,
        )],
        history_read: Some(HistoryRead {
            page_id: item.page_id.clone(),
            versions: read,
            rules_digest: digest.to_owned(),
        }),
    })
}

/// One finding per id (the same value at the same place), at the newest version holding it.
fn keep_newest(found: &mut HashMap<String, Finding>, finding: Finding) {
    match found.get(&finding.id) {
        Some(kept) if kept.location.page_version >= finding.location.page_version => {}
        _ => {
            found.insert(finding.id.clone(), finding);
        }
    }
}

/// Extraction and classification are CPU-bound (parsing, decompression, OCR, the rule pack
/// over megabytes of text): they run on a blocking thread. On the pool's async threads they
/// starved every task sharing the thread, down to the reader of the queue's Redis
/// connection, whose answers then timed out.
async fn off_runtime<T, F>(deps: &Arc<WorkerDeps>, work: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce(&WorkerDeps) -> T + Send + 'static,
{
    let shared = Arc::clone(deps);
    tokio::task::spawn_blocking(move || work(&shared))
        .await
        .map_err(|e| {
            let why = if e.is_panic() {
                "extraction or classification panicked"
            } else {
                "it was cancelled"
            };
            Failure::Permanent(format!("processing stopped: {why}"))
        })
}

fn storage_segments(body: &str, deps: &WorkerDeps) -> Result<Vec<Segment>, Failure> {
    dlp_extract::storage_segments(body, &deps.storage_limits)
        .map_err(|e| Failure::Permanent(e.to_string()))
}

fn result(deps: &WorkerDeps, item: &ContentRef, digest: &str, segments: &[Segment]) -> ItemResult {
    let findings: Vec<Finding> = deps.classifier.classify(item, segments);
    ItemResult::classified(item.clone(), item.page_version, digest, findings)
}

fn classified(results: Vec<ItemResult>) -> Processed {
    Processed::new(JobOutcome::Classified, results)
}

fn unchanged(item: &ContentRef, digest: &str) -> Processed {
    Processed::new(
        JobOutcome::Unchanged,
        vec![ItemResult::unchanged(
            item.clone(),
            item.page_version,
            digest,
        )],
    )
}

async fn is_current(deps: &WorkerDeps, item: &ContentRef, digest: &str) -> Result<bool, Failure> {
    let Some(version) = item.page_version else {
        return Ok(false);
    };
    Ok(deps
        .store
        .is_current(item.content_type, item.item_id(), version, digest)
        .await?)
}

/// Which container a comment job's comments hang on; used by `fetch`.
fn container_of(content_type: ContentType) -> dlp_confluence::Container {
    match content_type {
        ContentType::BlogPost => dlp_confluence::Container::BlogPost,
        _ => dlp_confluence::Container::Page,
    }
}
