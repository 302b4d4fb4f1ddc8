//! The synthetic pages the load writes: titles, bodies, comments and attachments, each with
//! findings of the built-in pack's detectors in the places a real scan would put them.

use dlp_domain::{Category, ContentRef, ContentType, Finding, Location, SegmentOrigin, Severity};
use dlp_engine::RulePack;
use dlp_store::{ItemResult, JobOutcome, JobRecord, PageInfo};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::data::{DAY_MS, RULES_DIGEST, now_ms};

/// Words of page titles; also what the search load asks for.
pub(super) const TITLE_TOPICS: [&str; 24] = [
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

pub(super) fn zipf(n: usize, s: f64) -> Vec<f64> {
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
pub(super) fn split(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as u64)
        .collect();
    let given: u64 = parts.iter().sum();
    parts[0] += total - given;
    parts
}

pub(super) struct Generator {
    rng: StdRng,
    detectors: Vec<Detector>,
    detector_cdf: Vec<f64>,
    next_page: u64,
    next_item: u64,
    /// (finding id, page id) of findings people will triage.
    pub(super) triage: Vec<(String, String)>,
    /// (finding id, first seen, last seen) of every finding recorded.
    pub(super) ages: Vec<(String, i64, i64)>,
}

pub(super) struct GeneratedPage {
    pub(super) info: PageInfo,
    pub(super) jobs: Vec<GeneratedJob>,
    /// Findings the first pass records (open ones and those the re-scan resolves).
    pub(super) recorded: usize,
}

pub(super) struct GeneratedJob {
    pub(super) first: JobRecord,
    /// The same job as a later scan records it, without the values removed since.
    pub(super) rescan: Option<JobRecord>,
}

impl Generator {
    /// Draws the detectors from `rng` first, as the load always has: one seed, one store.
    pub(super) fn new(mut rng: StdRng, findings: u64) -> anyhow::Result<Generator> {
        let detectors = detectors(&mut rng)?;
        let detector_cdf = cdf(&zipf(detectors.len(), 0.9));
        Ok(Generator {
            rng,
            detectors,
            detector_cdf,
            next_page: 1_000_000,
            next_item: 50_000_000,
            triage: Vec::new(),
            ages: Vec::with_capacity(findings as usize),
        })
    }

    /// One page (or blog post) with its body, comments and attachments: about ten findings,
    /// never more than `left`.
    pub(super) fn page(&mut self, space: &str, left: usize) -> GeneratedPage {
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
