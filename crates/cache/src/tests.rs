//! The cache on both fronts, over a real store (SQLite in a temporary directory) and, for the
//! Redis front, the Redis at `REDIS_URL` (127.0.0.1:6379 by default) under a prefix of its own.

use std::time::Duration;

use dlp_domain::{Category, ContentRef, ContentType, Finding, Location, SegmentOrigin, Severity};
use dlp_store::{FindingStatus, ItemResult, JobOutcome, NewScan, ScanKind, StatusChange, Store};

use super::*;

const DIGEST: &str = "rules-1";

fn page(id: &str, version: u32) -> ContentRef {
    ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Page,
        page_id: id.into(),
        page_version: Some(version),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    }
}

fn finding(item: &ContentRef, detector: &str, fp: &str, start: usize) -> Finding {
    let location = Location::new(item, &SegmentOrigin::default(), 1, start, start + 20);
    Finding {
        id: Finding::stable_id(detector, fp, &location),
        detector: detector.into(),
        category: Category::Secret,
        severity: Severity::High,
        confidence: 0.9,
        masked: "AKIA************MPLE".into(),
        fingerprint: fp.into(),
        location,
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    scan: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("dlp.db").display());
        let store = Store::connect(&url).await.unwrap();
        let scan = store
            .create_scan(&NewScan {
                kind: ScanKind::Space,
                space_key: Some("ENG".into()),
                actor: "test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        Fixture {
            _dir: dir,
            store,
            scan,
        }
    }

    /// Records the item classified at its version with these findings; returns the results
    /// as a worker hands them to the cache.
    async fn classify(&self, item: &ContentRef, findings: Vec<Finding>) -> Vec<ItemResult> {
        let results = vec![ItemResult::classified(
            item.clone(),
            item.page_version,
            DIGEST,
            findings,
        )];
        let key = format!("page:{}@{}", item.page_id, item.page_version.unwrap_or(0));
        self.store
            .record_job(&self.scan, &key, &JobOutcome::Classified, &results)
            .await
            .unwrap();
        results
    }
}

fn limits(max_entries: usize) -> CacheLimits {
    CacheLimits {
        max_entries,
        max_age: Duration::from_secs(3600),
    }
}

async fn redis_front(max_entries: usize) -> RedisFront {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let prefix = format!("dlp-cache-test-{}", uuid::Uuid::new_v4().simple());
    RedisFront::connect(&url, &prefix, limits(max_entries))
        .await
        .expect("the tests need the Redis at REDIS_URL")
}

const FRONTS: [&str; 2] = ["memory", "redis"];

async fn cache(kind: &str, store: &Store, max_entries: usize) -> ClassificationCache {
    let front = match kind {
        "memory" => Front::Memory(MemoryFront::new(limits(max_entries))),
        _ => Front::Redis(redis_front(max_entries).await),
    };
    ClassificationCache::new(front, store.clone())
}

fn known(lookup: Lookup) -> (Verdict, Source) {
    match lookup {
        Lookup::Known { verdict, source } => (verdict, source),
        Lookup::Unknown => panic!("expected a verdict"),
    }
}

#[tokio::test]
async fn a_recorded_verdict_answers_its_version_and_rules_only() {
    for kind in FRONTS {
        let fx = Fixture::new().await;
        let cache = cache(kind, &fx.store, 100).await;
        let item = page("100", 4);
        let results = fx
            .classify(&item, vec![finding(&item, "aws-access-key-id", "fp-a", 10)])
            .await;
        cache.record(&results).await.unwrap();

        let (verdict, source) = known(cache.verdict("100", Some(4), DIGEST).await.unwrap());
        assert_eq!(source, Source::Cache, "{kind}");
        assert_eq!(verdict.content_type, ContentType::Page);
        assert_eq!(verdict.categories, [Category::Secret]);
        assert_eq!(verdict.detectors, ["aws-access-key-id"]);
        assert_eq!(verdict.spans.len(), 1);
        assert_eq!(
            (verdict.spans[0].start, verdict.spans[0].end),
            (Some(10), Some(30))
        );
        assert_eq!(verdict.spans[0].masked, "AKIA************MPLE");
        // Any version: the last one classified.
        assert_eq!(
            known(cache.verdict("100", None, DIGEST).await.unwrap())
                .0
                .version,
            Some(4)
        );

        assert_eq!(
            cache.verdict("100", Some(5), DIGEST).await.unwrap(),
            Lookup::Unknown,
            "{kind}"
        );
        assert_eq!(
            cache.verdict("100", Some(4), "rules-2").await.unwrap(),
            Lookup::Unknown
        );
        assert_eq!(
            cache.verdict("999", None, DIGEST).await.unwrap(),
            Lookup::Unknown
        );

        // The next version replaces it.
        let v5 = page("100", 5);
        let results = fx.classify(&v5, Vec::new()).await;
        cache.record(&results).await.unwrap();
        let (verdict, source) = known(cache.verdict("100", Some(5), DIGEST).await.unwrap());
        assert_eq!(source, Source::Cache);
        assert!(verdict.spans.is_empty() && verdict.categories.is_empty());
        assert_eq!(
            cache.verdict("100", Some(4), DIGEST).await.unwrap(),
            Lookup::Unknown
        );
    }
}

#[tokio::test]
async fn an_empty_cache_answers_from_the_store_and_keeps_the_answer() {
    for kind in FRONTS {
        let fx = Fixture::new().await;
        let item = page("200", 2);
        fx.classify(&item, vec![finding(&item, "aws-access-key-id", "fp-b", 0)])
            .await;
        // A cache that saw nothing (a restart, another process, an eviction).
        let cache = cache(kind, &fx.store, 100).await;
        let (verdict, source) = known(cache.verdict("200", Some(2), DIGEST).await.unwrap());
        assert_eq!(source, Source::Store, "{kind}");
        assert_eq!(verdict.detectors, ["aws-access-key-id"]);
        let (_, source) = known(cache.verdict("200", Some(2), DIGEST).await.unwrap());
        assert_eq!(source, Source::Cache, "{kind}");

        let values = cache
            .known(&["fp-b".into(), "fp-none".into()])
            .await
            .unwrap();
        assert_eq!(values.len(), 1);
        assert_eq!(values["fp-b"].detector, "aws-access-key-id");
    }
}

#[tokio::test]
async fn a_false_positive_leaves_the_verdict_and_the_known_values() {
    for kind in FRONTS {
        let fx = Fixture::new().await;
        let cache = cache(kind, &fx.store, 100).await;
        let item = page("300", 1);
        let f = finding(&item, "aws-access-key-id", "fp-c", 0);
        let id = f.id.clone();
        let results = fx.classify(&item, vec![f]).await;
        cache.record(&results).await.unwrap();
        let other = page("301", 1);
        let results = fx
            .classify(
                &other,
                vec![finding(&other, "aws-access-key-id", "fp-c", 5)],
            )
            .await;
        cache.record(&results).await.unwrap();
        assert_eq!(cache.known(&["fp-c".into()]).await.unwrap().len(), 1);

        fx.store
            .set_finding_status(&StatusChange {
                finding_id: id,
                status: FindingStatus::FalsePositive,
                reason: Some("a documentation key".into()),
                actor: "test".into(),
            })
            .await
            .unwrap();
        // The patch route knows the finding's item and value; another page holding the same
        // value goes with it.
        cache
            .forget(&["300".into()], &["fp-c".into()])
            .await
            .unwrap();

        let (verdict, source) = known(cache.verdict("300", Some(1), DIGEST).await.unwrap());
        assert_eq!(source, Source::Store, "{kind}");
        assert!(
            verdict.spans.is_empty(),
            "{kind}: the false positive is no span"
        );
        assert!(
            cache.known(&["fp-c".into()]).await.unwrap().is_empty(),
            "{kind}"
        );
        let (verdict, source) = known(cache.verdict("301", Some(1), DIGEST).await.unwrap());
        assert_eq!(
            source,
            Source::Store,
            "{kind}: the other holder's verdict went too"
        );
        assert!(
            verdict.spans.is_empty(),
            "{kind}: its finding took the suppression"
        );
    }
}

#[tokio::test]
async fn the_cache_holds_at_most_its_entries() {
    for kind in FRONTS {
        let fx = Fixture::new().await;
        let cache = cache(kind, &fx.store, 2).await;
        for id in ["1", "2", "3"] {
            let item = page(id, 1);
            let results = fx
                .classify(
                    &item,
                    vec![finding(&item, "aws-access-key-id", &format!("fp-{id}"), 0)],
                )
                .await;
            cache.record(&results).await.unwrap();
        }
        let held = match &cache.front {
            Front::Memory(front) => front.len(),
            Front::Redis(front) => front.len().await.unwrap(),
        };
        assert_eq!(held, (2, 2), "{kind}");
        // The oldest went; the store still answers for it.
        let (_, source) = known(cache.verdict("1", Some(1), DIGEST).await.unwrap());
        assert_eq!(source, Source::Store, "{kind}");
        let (_, source) = known(cache.verdict("3", Some(1), DIGEST).await.unwrap());
        assert_eq!(source, Source::Cache, "{kind}");
    }
}

/// Every key the cache writes expires: after a deployment (or a test) stops writing, Redis
/// forgets its prefix within the maximum age.
#[tokio::test]
async fn no_key_in_redis_outlives_the_maximum_age() {
    let fx = Fixture::new().await;
    let front = redis_front(100).await;
    let cache = ClassificationCache::new(Front::Redis(front), fx.store.clone());
    let item = page("400", 2);
    let results = fx
        .classify(&item, vec![finding(&item, "aws-access-key-id", "fp-t", 0)])
        .await;
    cache.record(&results).await.unwrap();
    let Front::Redis(front) = &cache.front else {
        unreachable!("a Redis front")
    };
    let ttls = front.ttls().await.unwrap();
    let max_age = i64::try_from(limits(100).max_age.as_secs()).unwrap();
    // A verdict, a value, the value's holders and the two indexes.
    assert_eq!(ttls.len(), 5, "{ttls:?}");
    for (key, ttl) in ttls {
        assert!((1..=max_age).contains(&ttl), "{key} expires in {ttl} s");
    }
}

#[tokio::test]
async fn the_near_cache_answers_without_redis_and_lets_another_process_invalidate_in_time() {
    let fx = Fixture::new().await;
    let item = page("300", 1);
    let results = fx
        .classify(&item, vec![finding(&item, "aws-access-key-id", "fp-n", 0)])
        .await;
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let prefix = format!("dlp-cache-test-{}", uuid::Uuid::new_v4().simple());
    let process = |ttl| {
        let (url, prefix, store) = (url.clone(), prefix.clone(), fx.store.clone());
        async move {
            let front = RedisFront::connect(&url, &prefix, limits(100))
                .await
                .unwrap();
            ClassificationCache::new(Front::Redis(front), store).with_near_cache(ttl)
        }
    };
    let here = process(Duration::from_millis(300)).await;
    let there = process(Duration::from_millis(300)).await;
    here.record(&results).await.unwrap();
    assert!(here.near.is_some());
    // Read once, through Redis: kept near.
    known(there.verdict("300", Some(1), DIGEST).await.unwrap());
    assert_eq!(there.known(&["fp-n".into()]).await.unwrap().len(), 1);
    // Another process drops the value (a false positive): Redis forgets at once; this
    // process still over-redacts from its near copy, for at most its time.
    here.forget(&["300".into()], &["fp-n".into()])
        .await
        .unwrap();
    assert_eq!(
        here.known(&["fp-n".into()]).await.unwrap().len(),
        1,
        "the store still has it"
    );
    assert_eq!(
        there.near.as_ref().unwrap().values(&["fp-n".into()]).len(),
        1
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(
        there
            .near
            .as_ref()
            .unwrap()
            .values(&["fp-n".into()])
            .is_empty()
    );
    assert!(there.near.as_ref().unwrap().verdict("300").is_none());
    // A verdict near but of an older version does not answer a newer one: Redis is asked.
    known(there.verdict("300", Some(1), DIGEST).await.unwrap());
    let newer = page("300", 2);
    let results = fx
        .classify(
            &newer,
            vec![finding(&newer, "aws-access-key-id", "fp-n2", 0)],
        )
        .await;
    here.record(&results).await.unwrap();
    let (verdict, source) = known(there.verdict("300", Some(2), DIGEST).await.unwrap());
    assert_eq!((verdict.version, source), (Some(2), Source::Cache));
    // Zero keeps nothing near.
    assert!(process(Duration::ZERO).await.near.is_none());
}
