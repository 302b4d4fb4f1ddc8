//! Synthetic findings, loaded through the store's own write path (`create_scan`,
//! `record_pages`, `enqueue_items`, `record_jobs`, `set_finding_status`), so the rows, change
//! stamps, page titles and audit events are those a real scan and real triage write.
//!
//! Shape: the built-in rule pack's detectors (ids, categories, severities, confidences, and
//! masked previews made from each rule's own examples with their characters varied), a skewed
//! spread over detectors and spaces, pages and blog posts with titles and links, comments,
//! attachments with archive paths, sheets and PDF pages. Statuses come the product's way: a
//! re-scan that no longer finds some values resolves them, and people's triage marks some as
//! false positives or accepted risks. The store stamps first and last seen with the time of
//! the write; [`age`] then spreads them over a year with one UPDATE per 128 findings, before
//! the API process (and so its search index) ever reads them.

use std::time::Instant;

use anyhow::Context as _;
use dlp_store::{FindingStatus, JobRecord, NewScan, ScanKind, ScanStatus, StatusChange, Store};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::generate::{Generator, TITLE_TOPICS, split, zipf};

/// Space keys: 50, from a few very large spaces to many small ones.
pub const SPACES: [&str; 50] = [
    "ENG", "OPS", "DATA", "SEC", "FIN", "HR", "SALES", "MKT", "LEGAL", "SUP", "INFRA", "PLAT",
    "MOB", "WEB", "API", "QA", "DOCS", "PM", "DES", "RES", "BI", "ML", "NET", "DBA", "SRE", "IT",
    "PAY", "RISK", "COMP", "AUD", "PROC", "FAC", "TRAV", "PR", "CS", "BIZ", "PART", "EDU", "HLTH",
    "CLIN", "LAB", "OPS2", "EMEA", "APAC", "LATAM", "NA", "ARCH", "GOV", "INT", "TMP",
];

/// What the load produced that the rest of the benchmark needs.
pub struct Loaded {
    pub findings: u64,
    pub spaces: Vec<String>,
    /// Words that occur in the findings (detector parts, title words, attachment words).
    pub words: Vec<String>,
    /// The finding written last (a false positive, alone in the last transaction) and its page:
    /// once the index shows it as a false positive, it has read everything.
    pub last_page_id: String,
    pub last_finding_id: String,
    pub report: LoadReport,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub pages: u64,
    pub jobs: u64,
    /// Scan pass: pages, enqueue, record_jobs.
    pub scan_secs: f64,
    pub resolved: u64,
    pub rescan_secs: f64,
    pub triaged: u64,
    pub triage_secs: f64,
    pub age_secs: f64,
    pub total_secs: f64,
}

impl LoadReport {
    pub fn scan_rate(&self, findings: u64) -> f64 {
        findings as f64 / self.scan_secs
    }
}

/// Findings recorded per `record_jobs` transaction (a local scan records 256 jobs at a time).
const FINDINGS_PER_BATCH: usize = 2000;
pub(super) const RULES_DIGEST: &str = "dlp-bench-synthetic";
pub(super) const DAY_MS: i64 = 86_400_000;

pub async fn load(
    store: &Store,
    url: &str,
    total: u64,
    seed: u64,
    triage_tasks: usize,
) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let mut generator = Generator::new(StdRng::seed_from_u64(seed), total)?;
    let per_space = split(total, &zipf(SPACES.len(), 0.8));

    let mut report = LoadReport::default();
    let mut written = 0u64;
    let mut last_progress = Instant::now();
    for (space, &target) in SPACES.iter().zip(&per_space) {
        let scan_id = store
            .create_scan(&NewScan {
                kind: ScanKind::Space,
                site: Some("https://acme.atlassian.net".into()),
                space_key: Some((*space).into()),
                actor: "dlp-bench".into(),
                rules_digest: Some(RULES_DIGEST.into()),
                ..NewScan::default()
            })
            .await?;
        // Jobs of this space with values that a re-scan no longer finds, as re-recorded then.
        let mut rescan: Vec<JobRecord> = Vec::new();
        let mut space_written = 0u64;
        while space_written < target {
            let t = Instant::now();
            let mut pages = Vec::new();
            let mut jobs = Vec::new();
            let mut in_batch = 0usize;
            while in_batch < FINDINGS_PER_BATCH && space_written < target {
                let left = (target - space_written) as usize;
                let page = generator.page(space, left);
                in_batch += page.recorded;
                space_written += page.recorded as u64;
                pages.push(page.info);
                for job in page.jobs {
                    if let Some(after) = job.rescan {
                        rescan.push(after);
                    }
                    jobs.push(job.first);
                }
            }
            store.record_pages(&pages).await?;
            let keys: Vec<(String, String)> = jobs
                .iter()
                .map(|j| (j.item_key.clone(), j.label.clone().unwrap_or_default()))
                .collect();
            store.enqueue_items(&scan_id, &keys).await?;
            let summary = store.record_jobs(&scan_id, &jobs).await?;
            anyhow::ensure!(
                summary.opened as usize == in_batch,
                "expected {in_batch} new findings in a batch, the store opened {}",
                summary.opened
            );
            report.pages += pages.len() as u64;
            report.jobs += jobs.len() as u64;
            report.scan_secs += t.elapsed().as_secs_f64();
            written += in_batch as u64;
            if last_progress.elapsed().as_secs() >= 10 {
                last_progress = Instant::now();
                eprintln!(
                    "  loaded {written} findings ({:.0}/s in the scan pass)",
                    written as f64 / report.scan_secs
                );
            }
        }
        store.finish_scan(&scan_id, ScanStatus::Completed).await?;

        // The space's re-scan: the jobs whose content lost a value since.
        let t = Instant::now();
        if !rescan.is_empty() {
            let rescan_id = store
                .create_scan(&NewScan {
                    kind: ScanKind::Space,
                    site: Some("https://acme.atlassian.net".into()),
                    space_key: Some((*space).into()),
                    actor: "dlp-bench".into(),
                    rules_digest: Some(RULES_DIGEST.into()),
                    ..NewScan::default()
                })
                .await?;
            let mut start = 0;
            while start < rescan.len() {
                let mut end = start;
                let mut n = 0;
                while end < rescan.len() && n < FINDINGS_PER_BATCH {
                    n += findings_in(&rescan[end]);
                    end += 1;
                }
                let summary = store.record_jobs(&rescan_id, &rescan[start..end]).await?;
                report.resolved += u64::from(summary.resolved);
                start = end;
            }
            store.finish_scan(&rescan_id, ScanStatus::Completed).await?;
        }
        report.rescan_secs += t.elapsed().as_secs_f64();
    }
    anyhow::ensure!(written == total, "wrote {written} findings, not {total}");

    // People's triage: the product's PATCH path, some tasks at once.
    let t = Instant::now();
    let mut triage = std::mem::take(&mut generator.triage);
    let (last_id, last_page) = triage.pop().context("no finding was picked for triage")?;
    report.triaged = triage.len() as u64 + 1;
    let chunk = triage.len().div_ceil(triage_tasks.max(1)).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for part in triage.chunks(chunk) {
        let store = store.clone();
        let part = part.to_vec();
        tasks.spawn(async move {
            for (i, (id, _page)) in part.iter().enumerate() {
                let status = if i % 4 == 3 {
                    FindingStatus::AcceptedRisk
                } else {
                    FindingStatus::FalsePositive
                };
                store
                    .set_finding_status(&StatusChange {
                        finding_id: id.clone(),
                        status,
                        reason: Some("test data in a sandbox (dlp-bench)".into()),
                        actor: "dlp-bench".into(),
                    })
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    report.triage_secs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    age(url, &generator.ages).await?;
    report.age_secs = t.elapsed().as_secs_f64();

    // Last of all, alone in its transaction: the write that tells when an index is complete.
    store
        .set_finding_status(&StatusChange {
            finding_id: last_id.clone(),
            status: FindingStatus::FalsePositive,
            reason: Some("test data in a sandbox (dlp-bench)".into()),
            actor: "dlp-bench".into(),
        })
        .await?
        .context("the last finding is missing")?;
    report.total_secs = started.elapsed().as_secs_f64();

    let mut words: Vec<String> = TITLE_TOPICS.iter().map(|w| (*w).to_owned()).collect();
    words.extend(
        [
            "aws", "github", "token", "password", "email", "ssn", "card", "key", "akia", "prod",
        ]
        .map(String::from),
    );
    Ok(Loaded {
        findings: total,
        spaces: SPACES.iter().map(|s| (*s).to_owned()).collect(),
        words,
        last_page_id: last_page,
        last_finding_id: last_id,
        report,
    })
}

fn findings_in(job: &JobRecord) -> usize {
    job.results
        .iter()
        .map(|r| match &r.verdict {
            dlp_store::ItemVerdict::Classified(f) => f.len(),
            dlp_store::ItemVerdict::Unchanged => 0,
        })
        .sum()
}

/// Spreads first and last seen over the past year (last seen between first seen and now), and
/// puts each closed finding's `resolved_at` a day after its last sighting. Written straight to
/// the two columns (the store takes the clock's time and offers no other way); it does not
/// stamp the rows, which is right only because no index has read them yet.
async fn age(url: &str, ages: &[(String, i64, i64)]) -> anyhow::Result<()> {
    const ROWS: usize = 128;
    let pool = pool(url).await?;
    let mut tx = pool.begin().await?;
    for chunk in ages.chunks(ROWS) {
        let mut values = String::new();
        for i in 0..chunk.len() {
            if i > 0 {
                values.push_str(", ");
            }
            values.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
        }
        let sql = format!(
            "WITH v (id, fs, ls) AS (VALUES {values}) \
             UPDATE findings SET first_seen_at = v.fs, last_seen_at = v.ls, \
               resolved_at = CASE WHEN findings.resolved_at IS NULL THEN NULL ELSE v.ls + {DAY_MS} END \
             FROM v WHERE findings.id = v.id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, fs, ls) in chunk {
            query = query.bind(id.as_str()).bind(*fs).bind(*ls);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    pool.close().await;
    Ok(())
}

/// A connection of our own to the store's database, for [`age`] and EXPLAIN.
pub async fn pool(url: &str) -> anyhow::Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    Ok(sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await?)
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
