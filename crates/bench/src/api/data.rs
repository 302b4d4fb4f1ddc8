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
use dlp_domain::{Category, ContentRef, ContentType, Finding, Location, SegmentOrigin, Severity};
use dlp_engine::RulePack;
use dlp_store::{
    FindingStatus, ItemResult, JobOutcome, JobRecord, NewScan, PageInfo, ScanKind, ScanStatus,
    StatusChange, Store,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Space keys: 50, from a few very large spaces to many small ones.
pub const SPACES: [&str; 50] = [
    "ENG", "OPS", "DATA", "SEC", "FIN", "HR", "SALES", "MKT", "LEGAL", "SUP", "INFRA", "PLAT",
    "MOB", "WEB", "API", "QA", "DOCS", "PM", "DES", "RES", "BI", "ML", "NET", "DBA", "SRE", "IT",
    "PAY", "RISK", "COMP", "AUD", "PROC", "FAC", "TRAV", "PR", "CS", "BIZ", "PART", "EDU", "HLTH",
    "CLIN", "LAB", "OPS2", "EMEA", "APAC", "LATAM", "NA", "ARCH", "GOV", "INT", "TMP",
];

/// Words of page titles; also what the search load asks for.
const TITLE_TOPICS: [&str; 24] = [
    "payroll",
    "onboarding",
    "runbook",
    "incident",
    "migration",
    "customers",
    "vendor",
    "release",
    "deployment",
    "postmortem",
    "credentials",
    "billing",
    "invoice",
    "patients",
    "roadmap",
    "architecture",
    "database",
    "kubernetes",
    "contractors",
    "benefits",
    "audit",
    "export",
    "backup",
    "support",
];
const TITLE_KINDS: [&str; 12] = [
    "notes",
    "checklist",
    "guide",
    "plan",
    "review",
    "report",
    "meeting",
    "handover",
    "setup",
    "faq",
    "draft",
    "summary",
];
const QUARTERS: [&str; 6] = ["Q1", "Q2", "Q3", "Q4", "2024", "2025"];

/// Attachments: a title, and the places inside it a value sits.
const ATTACHMENTS: [(&str, Shape); 10] = [
    ("customers.csv", Shape::Lines),
    (
        "export-2024.zip",
        Shape::Archive(&["customers.csv", "config/prod.env", "db/dump.sql"]),
    ),
    ("payroll.xlsx", Shape::Sheet),
    ("contract.pdf", Shape::Pdf),
    ("keys.txt", Shape::Lines),
    (
        "backup.tar.gz",
        Shape::Archive(&["etc/app.yaml", "home/deploy/.aws/credentials"]),
    ),
    ("patients.xlsx", Shape::Sheet),
    ("screenshot.png", Shape::Lines),
    ("handover.docx", Shape::Lines),
    (
        "terraform.zip",
        Shape::Archive(&["main.tf", "secrets.auto.tfvars"]),
    ),
];

#[derive(Clone, Copy)]
enum Shape {
    Lines,
    Archive(&'static [&'static str]),
    Sheet,
    Pdf,
}

/// A detector of the built-in pack, as findings carry it.
struct Detector {
    id: String,
    category: Category,
    severity: Severity,
    confidence: f64,
    examples: Vec<String>,
}

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
const RULES_DIGEST: &str = "dlp-bench-synthetic";
const DAY_MS: i64 = 86_400_000;

pub async fn load(
    store: &Store,
    url: &str,
    total: u64,
    seed: u64,
    triage_tasks: usize,
) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let detectors = detectors(&mut rng)?;
    let detector_weights = zipf(detectors.len(), 0.9);
    let space_weights = zipf(SPACES.len(), 0.8);
    let per_space = split(total, &space_weights);

    let mut report = LoadReport::default();
    let mut generator = Generator {
        rng,
        detectors,
        detector_cdf: cdf(&detector_weights),
        next_page: 1_000_000,
        next_item: 50_000_000,
        triage: Vec::new(),
        ages: Vec::with_capacity(total as usize),
    };
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

fn detectors(rng: &mut StdRng) -> anyhow::Result<Vec<Detector>> {
    let pack = RulePack::builtin();
    let mut out: Vec<Detector> = pack
        .rules()
        .iter()
        .filter(|r| pack.is_enabled(r))
        .map(|r| Detector {
            id: r.id.clone(),
            category: r.category,
            severity: r.severity,
            confidence: r.confidence,
            examples: r.examples.clone(),
        })
        .collect();
    anyhow::ensure!(!out.is_empty(), "the built-in rule pack has no rules");
    // Which detectors are common is a property of the data, not of the pack's file order.
    out.shuffle(rng);
    Ok(out)
}

fn zipf(n: usize, s: f64) -> Vec<f64> {
    (1..=n).map(|k| 1.0 / (k as f64).powf(s)).collect()
}

fn cdf(weights: &[f64]) -> Vec<f64> {
    let sum: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / sum;
            acc
        })
        .collect()
}

/// `total` split by weight, the remainder to the first.
fn split(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as u64)
        .collect();
    let given: u64 = parts.iter().sum();
    parts[0] += total - given;
    parts
}

struct Generator {
    rng: StdRng,
    detectors: Vec<Detector>,
    detector_cdf: Vec<f64>,
    next_page: u64,
    next_item: u64,
    /// (finding id, page id) of findings people will triage.
    triage: Vec<(String, String)>,
    /// (finding id, first seen, last seen) of every finding recorded.
    ages: Vec<(String, i64, i64)>,
}

struct GeneratedPage {
    info: PageInfo,
    jobs: Vec<GeneratedJob>,
    /// Findings the first pass records (open ones and those the re-scan resolves).
    recorded: usize,
}

struct GeneratedJob {
    first: JobRecord,
    /// The same job as a later scan records it, without the values removed since.
    rescan: Option<JobRecord>,
}

impl Generator {
    /// One page (or blog post) with its body, comments and attachments: about ten findings,
    /// never more than `left`.
    fn page(&mut self, space: &str, left: usize) -> GeneratedPage {
        self.next_page += 1;
        let page_id = self.next_page.to_string();
        let rng = &mut self.rng;
        let title = format!(
            "{} {} {}",
            capitalise(TITLE_TOPICS[rng.random_range(0..TITLE_TOPICS.len())]),
            TITLE_KINDS[rng.random_range(0..TITLE_KINDS.len())],
            QUARTERS[rng.random_range(0..QUARTERS.len())],
        );
        let blog = rng.random_bool(0.1);
        let info = PageInfo {
            page_id: page_id.clone(),
            space_key: space.to_owned(),
            title: title.clone(),
            web_link: Some(format!(
                "https://acme.atlassian.net/wiki/spaces/{space}/{}/{page_id}",
                if blog { "blog" } else { "pages" }
            )),
        };
        let version = rng.random_range(1..40u32);
        let page_ref = ContentRef {
            space_key: space.to_owned(),
            content_type: if blog {
                ContentType::BlogPost
            } else {
                ContentType::Page
            },
            page_id: page_id.clone(),
            page_version: Some(version),
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        };
        let mut budget = left;
        let mut jobs = Vec::new();
        let mut recorded = 0;

        // The body.
        let n = self.count(1, 6, &mut budget);
        let (result, rescan, r) = self.item(page_ref.clone(), Some(version), n, &|_| {
            SegmentOrigin::default()
        });
        recorded += r;
        jobs.push(job(
            format!("page:{page_id}"),
            &title,
            vec![(result, rescan)],
        ));

        // Comments: one job for all of them, as the comments job records them.
        let comments = self.rng.random_range(0..=3);
        let mut results = Vec::new();
        for _ in 0..comments {
            if budget == 0 {
                break;
            }
            self.next_item += 1;
            let item = ContentRef {
                content_type: ContentType::Comment,
                comment_id: Some(self.next_item.to_string()),
                page_version: None,
                ..page_ref.clone()
            };
            let n = self.count(1, 2, &mut budget);
            let (result, rescan, r) = self.item(item, None, n, &|_| SegmentOrigin::default());
            recorded += r;
            results.push((result, rescan));
        }
        if !results.is_empty() {
            jobs.push(job(format!("comments:{page_id}"), &title, results));
        }

        // Attachments, a job each.
        let attachments = if self.rng.random_bool(0.35) {
            self.rng.random_range(1..=2)
        } else {
            0
        };
        for _ in 0..attachments {
            if budget == 0 {
                break;
            }
            self.next_item += 1;
            let (name, shape) = ATTACHMENTS[self.rng.random_range(0..ATTACHMENTS.len())];
            let att_id = format!("att{}", self.next_item);
            let item = ContentRef {
                content_type: ContentType::Attachment,
                attachment_id: Some(att_id.clone()),
                attachment_title: Some(name.to_owned()),
                page_version: None,
                ..page_ref.clone()
            };
            let n = self.count(1, 12, &mut budget);
            let (result, rescan, r) = self.item(item, Some(1), n, &move |i| match shape {
                Shape::Lines => SegmentOrigin::default(),
                Shape::Archive(paths) => SegmentOrigin {
                    path: Some(format!("{name}/{}", paths[i % paths.len()])),
                    ..SegmentOrigin::default()
                },
                Shape::Sheet => SegmentOrigin {
                    sheet: Some("Sheet1".into()),
                    cell: Some(format!("{}{}", ["B", "C", "D", "F"][i % 4], 2 + i)),
                    ..SegmentOrigin::default()
                },
                Shape::Pdf => SegmentOrigin {
                    pdf_page: Some(1 + (i / 3) as u32),
                    ..SegmentOrigin::default()
                },
            });
            recorded += r;
            jobs.push(job(
                format!("attachment:{att_id}"),
                name,
                vec![(result, rescan)],
            ));
        }
        GeneratedPage {
            info,
            jobs,
            recorded,
        }
    }

    /// How many findings an item gets: between `min` and `max`, mostly few, within budget.
    fn count(&mut self, min: usize, max: usize, budget: &mut usize) -> usize {
        let u: f64 = self.rng.random();
        let n = (min + ((max - min + 1) as f64 * u * u) as usize)
            .min(max)
            .min(*budget);
        *budget -= n;
        n
    }

    /// An item with `n` findings as the first scan records it, and (when one of them is gone
    /// by the re-scan) as the re-scan does; and how many findings the first records.
    fn item(
        &mut self,
        item: ContentRef,
        version: Option<u32>,
        n: usize,
        origin: &dyn Fn(usize) -> SegmentOrigin,
    ) -> (ItemResult, Option<ItemResult>, usize) {
        let mut findings = Vec::with_capacity(n);
        let mut kept = Vec::with_capacity(n);
        let mut line = 1u32;
        let mut offset = 0usize;
        let now = now_ms();
        for i in 0..n {
            line += self.rng.random_range(1..40);
            offset += self.rng.random_range(20..2000);
            let d = self.pick_detector();
            let value = self.value(d);
            let masked = dlp_engine::mask(&value);
            let fingerprint = hex64(&mut self.rng);
            let location = Location::new(&item, &origin(i), line, offset, offset + value.len());
            let detector = &self.detectors[d];
            let finding = Finding {
                id: Finding::stable_id(&detector.id, &fingerprint, &location),
                detector: detector.id.clone(),
                category: detector.category,
                severity: detector.severity,
                confidence: (detector.confidence - self.rng.random_range(0.0..0.15)).max(0.5),
                masked,
                fingerprint,
                location,
            };
            let first_seen = now - self.rng.random_range(0..365 * DAY_MS);
            let last_seen = first_seen + self.rng.random_range(0..=(now - first_seen));
            self.ages.push((finding.id.clone(), first_seen, last_seen));
            // About 9% are gone by the re-scan (resolved); about 2% are triaged by people.
            let roll: f64 = self.rng.random();
            if roll < 0.09 {
                findings.push(finding);
                continue;
            }
            if roll < 0.11 {
                self.triage
                    .push((finding.id.clone(), finding.location.page_id.clone()));
            }
            kept.push(finding.clone());
            findings.push(finding);
        }
        let rescan = (kept.len() < findings.len())
            .then(|| ItemResult::classified(item.clone(), version, RULES_DIGEST, kept));
        let n = findings.len();
        (
            ItemResult::classified(item, version, RULES_DIGEST, findings),
            rescan,
            n,
        )
    }

    fn pick_detector(&mut self) -> usize {
        let u: f64 = self.rng.random();
        self.detector_cdf
            .partition_point(|&c| c < u)
            .min(self.detectors.len() - 1)
    }

    /// A value of the detector's shape: one of its rule's examples with every letter and digit
    /// after the first four replaced by another of its kind, so previews differ but keep the
    /// prefix that names the kind (`AKIA`, `ghp_`).
    fn value(&mut self, d: usize) -> String {
        let examples = &self.detectors[d].examples;
        let base = if examples.is_empty() {
            "s3cr3tV4lu3FromTheW1ki2024".to_owned()
        } else {
            examples[self.rng.random_range(0..examples.len())].clone()
        };
        // Examples may carry context ("password: hunter2"): vary only after the first four.
        base.chars()
            .enumerate()
            .map(|(i, c)| {
                if i < 4 {
                    c
                } else if c.is_ascii_digit() {
                    char::from(b'0' + self.rng.random_range(0..10u8))
                } else if c.is_ascii_lowercase() {
                    char::from(b'a' + self.rng.random_range(0..26u8))
                } else if c.is_ascii_uppercase() {
                    char::from(b'A' + self.rng.random_range(0..26u8))
                } else {
                    c
                }
            })
            .collect()
    }
}

fn job(
    item_key: String,
    label: &str,
    results: Vec<(ItemResult, Option<ItemResult>)>,
) -> GeneratedJob {
    let changed = results.iter().any(|(_, r)| r.is_some());
    let rescan = changed.then(|| JobRecord {
        item_key: item_key.clone(),
        label: Some(label.to_owned()),
        outcome: JobOutcome::Classified,
        results: results
            .iter()
            .map(|(first, again)| again.clone().unwrap_or_else(|| first.clone()))
            .collect(),
    });
    GeneratedJob {
        first: JobRecord {
            item_key,
            label: Some(label.to_owned()),
            outcome: JobOutcome::Classified,
            results: results.into_iter().map(|(first, _)| first).collect(),
        },
        rescan,
    }
}

fn capitalise(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn hex64(rng: &mut StdRng) -> String {
    let bytes: [u8; 32] = rng.random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
