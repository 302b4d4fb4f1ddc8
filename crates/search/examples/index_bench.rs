//! Builds an index of synthetic findings on disk and times searches against it.
//!
//! ```sh
//! cargo run --release -p dlp-search --example index_bench -- --findings 1000000
//! ```
//!
//! Flags: `--findings N` (100000), `--updates N` new states of random findings applied after
//! the build (a tenth of the findings), `--batch N` findings per `apply` (10000), `--queries N`
//! per kind (2000), `--dir PATH` to build there and keep it (a fresh temporary directory
//! otherwise), `--seed N`.
//!
//! The findings have the shapes the service produces: ~140 detector ids, 50 spaces, titles
//! of 2 to 5 words from a word list, a path on a fifth of them, masked previews, and skewed
//! severities and statuses. After the build the index is closed and reopened, as a restarted
//! API process would, so the reopen (with its checksum pass) is timed too, and queries run
//! against what is on disk rather than against a writer still merging.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dlp_search::{FindingIndex, IndexedFinding, SearchFilters, SearchQuery, SearchSort};

// Word lists as text, split at start: compact, and rustfmt leaves them be.
const PROVIDERS: &str = "\
    aws gcp azure github gitlab slack stripe twilio sendgrid openai npm pypi docker heroku \
    datadog okta shopify mailgun atlassian digitalocean";

const KINDS: &str = "\
    access-key secret-key api-token webhook-url private-key client-secret";

// detector:category
const OTHER_DETECTORS: &str = "\
    email-address:pii us-ssn:pii uk-nino:pii passport-number:pii phone-number:pii \
    date-of-birth:pii us-itin:pii drivers-license:pii de-tax-id:pii fr-insee:pii \
    ip-address:pii iban:pci credit-card:pci card-cvv:pci bank-routing-number:pci \
    medical-record-number:phi icd10-code:phi nhs-number:phi health-plan-id:phi \
    dea-number:phi";

const SPACE_NAMES: &str = "\
    ENG OPS HR FIN SALES MKT LEGAL SEC IT DATA SUP PROD QA DOCS EXEC PLAT INFRA MOBILE WEB \
    ML";

const WORDS: &str = "\
    runbook deploy quarterly review customer onboarding incident postmortem architecture \
    roadmap planning retro budget forecast hiring interview policy security access \
    rotation credentials database migration backup restore kubernetes cluster staging \
    production release notes checklist vendor contract invoice payroll benefits handbook \
    training meeting minutes weekly monthly annual report metrics dashboard pipeline \
    integration api gateway service mesh network firewall vpn laptop setup guide howto faq \
    troubleshooting escalation oncall schedule support tickets backlog sprint design spec \
    proposal rfc decision record audit compliance gdpr hipaa pci soc2 evidence export \
    import customers partners leads campaign launch pricing discount refund billing \
    accounts ledger tax legal privacy terms template draft final archive old new temp copy \
    shared team project alpha beta gamma delta phoenix atlas orion zeus";

struct Args {
    findings: u64,
    updates: u64,
    batch: usize,
    queries: usize,
    dir: Option<PathBuf>,
    seed: u64,
}

fn parse_args() -> Args {
    let mut args = Args {
        findings: 100_000,
        updates: u64::MAX,
        batch: 10_000,
        queries: 2_000,
        dir: None,
        seed: 42,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number = || {
            value
                .replace('_', "")
                .parse::<u64>()
                .unwrap_or_else(|_| usage(&format!("{flag}: not a number")))
        };
        match flag.as_str() {
            "--findings" => args.findings = number(),
            "--updates" => args.updates = number(),
            "--batch" => args.batch = number().max(1) as usize,
            "--queries" => args.queries = number().max(1) as usize,
            "--seed" => args.seed = number(),
            "--dir" => args.dir = Some(PathBuf::from(&value)),
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    if args.updates == u64::MAX {
        args.updates = args.findings / 10;
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: index_bench [--findings N] [--updates N] [--batch N] [--queries N] [--dir PATH] [--seed N]"
    );
    std::process::exit(2)
}

/// xorshift64*: deterministic and dependency-free; quality is irrelevant here.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Vocabulary {
    detectors: Vec<(String, &'static str)>,
    spaces: Vec<&'static str>,
    words: Vec<&'static str>,
}

impl Vocabulary {
    fn new() -> Vocabulary {
        let mut detectors: Vec<(String, &'static str)> = PROVIDERS
            .split_whitespace()
            .flat_map(|p| {
                KINDS
                    .split_whitespace()
                    .map(move |k| (format!("{p}-{k}"), "secret"))
            })
            .collect();
        detectors.extend(OTHER_DETECTORS.split_whitespace().map(|entry| {
            let (detector, category) = entry.split_once(':').unwrap_or((entry, "pii"));
            (detector.to_string(), category)
        }));
        let mut spaces: Vec<&'static str> = SPACE_NAMES.split_whitespace().collect();
        let teams: Vec<&'static str> = (1..=30)
            .map(|n| &*Box::leak(format!("TEAM{n}").into_boxed_str()))
            .collect();
        spaces.extend(teams);
        let words = WORDS.split_whitespace().collect();
        Vocabulary {
            detectors,
            spaces,
            words,
        }
    }
}

const DAY_MS: i64 = 86_400_000;
const NOW_MS: i64 = 1_760_000_000_000;

fn synthetic(n: u64, rng: &mut Rng, vocab: &Vocabulary) -> IndexedFinding {
    // Detectors are skewed: a few fire most of the time, as real rule packs do.
    let d = rng
        .below(vocab.detectors.len())
        .min(rng.below(vocab.detectors.len()));
    let (detector, category) = &vocab.detectors[d];
    let title_words = 2 + rng.below(4);
    let title: Vec<&str> = (0..title_words).map(|_| *rng.pick(&vocab.words)).collect();
    let mut title = title.join(" ");
    title[..1].make_ascii_uppercase();
    let tail: String = (0..4)
        .map(|_| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng.below(36)]))
        .collect();
    let masked = match *category {
        "pci" => format!("****-****-****-{}", rng.below(10_000)),
        "secret" => format!("{}************{tail}", &tail[..2].repeat(2)),
        _ => format!("*******{tail}"),
    };
    let content_type = *rng.pick(&["page", "page", "page", "blogpost", "comment", "attachment"]);
    let attachment = content_type == "attachment";
    let severity = match rng.below(10) {
        0 | 1 => "low",
        2..=5 => "medium",
        6..=8 => "high",
        _ => "critical",
    };
    let status = match rng.below(100) {
        0..=69 => "open",
        70..=89 => "resolved",
        90..=96 => "false_positive",
        _ => "accepted_risk",
    };
    let first_seen_ms = NOW_MS - rng.below(730) as i64 * DAY_MS - rng.below(86_400_000) as i64;
    let last_seen_ms = first_seen_ms + rng.below(90) as i64 * DAY_MS;
    IndexedFinding {
        id: finding_id(n),
        seq: n as i64 + 1,
        detector: detector.clone(),
        category: category.to_string(),
        severity: severity.into(),
        status: status.into(),
        content_type: content_type.into(),
        space_key: rng.pick(&vocab.spaces).to_string(),
        page_id: format!("{}", 100_000 + rng.below(200_000)),
        page_title: Some(title),
        attachment_title: attachment
            .then(|| format!("{}-{}.xlsx", rng.pick(&vocab.words), rng.below(100))),
        path: (attachment || rng.chance(20)).then(|| {
            format!(
                "exports/{}-{}.zip/{}.csv",
                rng.pick(&vocab.words),
                rng.below(50),
                rng.pick(&vocab.words)
            )
        }),
        masked,
        confidence: 0.5 + rng.below(50) as f64 / 100.0,
        first_seen_ms,
        last_seen_ms,
    }
}

/// The id of the `n`th finding: random-looking, and the same every time, so that an update
/// can name a finding without the benchmark keeping a million ids in memory.
fn finding_id(n: u64) -> String {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    format!("{:016x}{:016x}", mix(n), mix(n ^ 0x5555_5555_5555_5555))
}

fn dir_bytes_and_segments(dir: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut segments = 0;
    for entry in std::fs::read_dir(dir).expect("read index dir").flatten() {
        if let Ok(meta) = entry.metadata() {
            bytes += meta.len();
        }
        if entry.path().extension().is_some_and(|e| e == "idx") {
            segments += 1;
        }
    }
    (bytes, segments)
}

fn proc_status(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

struct Kind {
    name: &'static str,
    latencies: Vec<Duration>,
    hits: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let args = parse_args();
    let temp;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().expect("temporary directory");
            temp.path().join("index")
        }
    };
    let vocab = Vocabulary::new();
    println!(
        "{} findings, batches of {}, {} detectors, {} spaces, index at {}",
        args.findings,
        args.batch,
        vocab.detectors.len(),
        vocab.spaces.len(),
        dir.display()
    );

    let index = FindingIndex::open(&dir).expect("open index");
    if index.last_seq() >= (args.findings + args.updates) as i64 {
        // `--dir` of an earlier run: time the queries again without rebuilding.
        println!(
            "reusing the index in {} (last_seq {})",
            dir.display(),
            index.last_seq()
        );
    } else if index.last_seq() > 0 {
        usage("the index in --dir is from a run with other flags; remove it first")
    } else {
        build(&index, &args, &vocab);
    }
    drop(index);
    let (bytes, segments) = dir_bytes_and_segments(&dir);
    println!(
        "index: {:.1} MB on disk, {:.0} bytes per finding, {segments} segments",
        bytes as f64 / 1e6,
        bytes as f64 / args.findings.max(1) as f64
    );

    let t = Instant::now();
    let index = FindingIndex::open(&dir).expect("reopen index");
    println!(
        "reopen: {:.2} s (checksums of every file), last_seq {}, {:?}",
        t.elapsed().as_secs_f64(),
        index.last_seq(),
        index.opened()
    );

    let mut kinds = run_queries(&index, &args, &vocab);
    println!(
        "\n{:<16} {:>9} {:>9} {:>9} {:>12}",
        "query kind", "p50 ms", "p99 ms", "max ms", "mean hits"
    );
    for kind in &mut kinds {
        kind.latencies.sort();
        println!(
            "{:<16} {:>9.2} {:>9.2} {:>9.2} {:>12.0}",
            kind.name,
            percentile(&kind.latencies, 0.5),
            percentile(&kind.latencies, 0.99),
            percentile(&kind.latencies, 1.0),
            kind.hits as f64 / kind.latencies.len() as f64
        );
    }
    println!(
        "\nRSS: peak {} (VmHWM); now {} (VmRSS) = {} anonymous + {} mapped files",
        proc_status("VmHWM:"),
        proc_status("VmRSS:"),
        proc_status("RssAnon:"),
        proc_status("RssFile:")
    );
}

fn build(index: &FindingIndex, args: &Args, vocab: &Vocabulary) {
    let mut rng = Rng(args.seed | 1);
    let started = Instant::now();
    let mut generating = Duration::ZERO;
    let mut peak_anon_kb = 0;
    let mut n = 0;
    while n < args.findings {
        let t = Instant::now();
        let end = (n + args.batch as u64).min(args.findings);
        let batch: Vec<IndexedFinding> = (n..end).map(|i| synthetic(i, &mut rng, vocab)).collect();
        generating += t.elapsed();
        index.apply(&batch).expect("apply");
        peak_anon_kb = peak_anon_kb.max(kb(&proc_status("RssAnon:")));
        n = end;
    }
    let build = started.elapsed() - generating;
    println!(
        "build: {:.1} s, {:.0} findings/s (generation excluded); peak anonymous RSS {} kB \
         (sampled after each batch)",
        build.as_secs_f64(),
        args.findings as f64 / build.as_secs_f64(),
        peak_anon_kb
    );

    // New states of findings already indexed, as re-scans and triage produce: each one is a
    // delete and an add.
    let started = Instant::now();
    let mut generating = Duration::ZERO;
    let mut seq = args.findings;
    while seq < args.findings + args.updates {
        let t = Instant::now();
        let end = (seq + args.batch as u64).min(args.findings + args.updates);
        let batch: Vec<IndexedFinding> = (seq..end)
            .map(|s| {
                let mut f = synthetic(rng.next() % args.findings, &mut rng, vocab);
                f.seq = s as i64 + 1;
                f
            })
            .collect();
        generating += t.elapsed();
        index.apply(&batch).expect("apply");
        peak_anon_kb = peak_anon_kb.max(kb(&proc_status("RssAnon:")));
        seq = end;
    }
    if args.updates > 0 {
        let update = started.elapsed() - generating;
        println!(
            "updates: {} in {:.1} s, {:.0} findings/s; peak anonymous RSS {} kB",
            args.updates,
            update.as_secs_f64(),
            args.updates as f64 / update.as_secs_f64(),
            peak_anon_kb
        );
    }
    println!(
        "peak RSS while writing: {} (VmHWM, with the index's mapped files)",
        proc_status("VmHWM:")
    );
}

fn kb(status_value: &str) -> u64 {
    status_value
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn run_queries(index: &FindingIndex, args: &Args, vocab: &Vocabulary) -> Vec<Kind> {
    let mut rng = Rng(args.seed.wrapping_mul(31) | 1);
    let mut kinds = Vec::new();
    let mut time = |name: &'static str, make: &mut dyn FnMut(&mut Rng) -> SearchQuery| {
        let mut kind = Kind {
            name,
            latencies: Vec::with_capacity(args.queries),
            hits: 0,
        };
        for _ in 0..args.queries {
            let query = make(&mut rng);
            let t = Instant::now();
            let page = index.search(&query).expect("search");
            kind.latencies.push(t.elapsed());
            kind.hits += page.total_hits.unwrap_or(0) as u64;
        }
        kinds.push(kind);
    };
    let word = |rng: &mut Rng| -> String {
        if rng.chance(50) {
            rng.pick(&vocab.words).to_string()
        } else {
            let (detector, _) = rng.pick(&vocab.detectors);
            detector.split('-').next().unwrap_or("aws").to_string()
        }
    };
    let open = || SearchFilters {
        status: Some("open".into()),
        ..SearchFilters::default()
    };

    time("q word", &mut |rng| SearchQuery {
        q: word(rng),
        limit: 50,
        ..SearchQuery::default()
    });
    time("q two words", &mut |rng| SearchQuery {
        q: format!("{} {}", word(rng), rng.pick(&vocab.words)),
        limit: 50,
        ..SearchQuery::default()
    });
    time("q + filters", &mut |rng| SearchQuery {
        q: word(rng),
        filters: SearchFilters {
            space_key: Some(rng.pick(&vocab.spaces).to_string()),
            min_severity: Some("high".into()),
            ..open()
        },
        sort: SearchSort::LastSeenDesc,
        limit: 50,
        cursor: None,
    });
    time("open, newest", &mut |_| SearchQuery {
        filters: open(),
        sort: SearchSort::FirstSeenDesc,
        limit: 50,
        ..SearchQuery::default()
    });
    time("open, page 2", &mut |_| {
        // The first page, untimed, for its cursor.
        let mut query = SearchQuery {
            filters: open(),
            sort: SearchSort::FirstSeenDesc,
            limit: 50,
            ..SearchQuery::default()
        };
        query.cursor = index.search(&query).expect("first page").next_cursor;
        query
    });
    time("space, newest", &mut |rng| SearchQuery {
        filters: SearchFilters {
            space_key: Some(rng.pick(&vocab.spaces).to_string()),
            ..SearchFilters::default()
        },
        sort: SearchSort::FirstSeenDesc,
        limit: 50,
        ..SearchQuery::default()
    });
    time("all, severity", &mut |_| SearchQuery {
        sort: SearchSort::SeverityDesc,
        limit: 50,
        ..SearchQuery::default()
    });
    kinds
}
