//! The classification cache: what the scans learnt, kept where a redactor can ask it in well
//! under a millisecond.
//!
//! Two things are kept:
//! - a **verdict** per Confluence item: the version and rule pack it was classified at, and
//!   its findings as masked spans (detector, category, offsets, the masked preview);
//! - every **known value**, by its keyed fingerprint (the findings' HMAC), with its detector,
//!   category and severity, so that a value a scan confirmed once is recognised in any text.
//!
//! Neither holds a raw value: spans carry masked previews, values are fingerprints.
//!
//! The cache sits in front of the store, which stays the truth: a miss (a restart, an
//! eviction, an entry aged out) is answered from the store's findings and content state and
//! put back. The front is chosen once, at start: Redis in production, shared by every process
//! so that one invalidation reaches all of them; a bounded map in this process on the embedded
//! default, which is one process.
//!
//! Entries go stale three ways, and none is ever served for what it no longer describes:
//! - a new version: an entry names the version it holds, and a lookup for another version
//!   is not answered by it (the worker that classifies the new version replaces it);
//! - a new rule pack: the same, by the rules digest;
//! - a finding marked a false positive: [`ClassificationCache::forget`] drops its item's
//!   verdict and its value, and the store no longer reports either.

mod memory;
mod redis_front;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use dlp_domain::{Category, ContentType, Finding, Severity};
use dlp_store::{ItemResult, ItemVerdict, Store, StoreError, StoredVerdict};

pub use memory::MemoryFront;
pub use redis_front::RedisFront;

/// How many entries the cache holds and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Verdicts and known values, each: the oldest go first.
    pub max_entries: usize,
    pub max_age: Duration,
}

impl Default for CacheLimits {
    fn default() -> Self {
        CacheLimits {
            max_entries: 100_000,
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// What is known about one Confluence item at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    pub content_id: String,
    pub content_type: ContentType,
    pub version: Option<u32>,
    pub rules_digest: String,
    /// The categories of its findings, each once, in order.
    pub categories: Vec<Category>,
    /// The detectors of its findings, each once, in order.
    pub detectors: Vec<String>,
    pub spans: Vec<MaskedSpan>,
}

impl Verdict {
    pub fn new(
        content_id: &str,
        content_type: ContentType,
        version: Option<u32>,
        rules_digest: &str,
        findings: &[Finding],
    ) -> Verdict {
        let categories: BTreeSet<Category> = findings.iter().map(|f| f.category).collect();
        let detectors: BTreeSet<&str> = findings.iter().map(|f| f.detector.as_str()).collect();
        Verdict {
            content_id: content_id.to_owned(),
            content_type,
            version,
            rules_digest: rules_digest.to_owned(),
            categories: categories.into_iter().collect(),
            detectors: detectors.into_iter().map(str::to_owned).collect(),
            spans: findings.iter().map(MaskedSpan::of).collect(),
        }
    }

    fn from_store(stored: &StoredVerdict) -> Verdict {
        let findings: Vec<Finding> = stored.findings.iter().map(|r| r.finding.clone()).collect();
        Verdict::new(
            &stored.item_id,
            stored.content_type,
            stored.version,
            &stored.rules_digest,
            &findings,
        )
    }

    /// Whether it answers a lookup for `version` (any, when `None`) under `rules_digest`.
    fn answers(&self, version: Option<u32>, rules_digest: &str) -> bool {
        self.rules_digest == rules_digest && (version.is_none() || version == self.version)
    }
}

/// One finding of a verdict, as a redactor needs it: where, what, and its masked preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaskedSpan {
    /// Byte offsets in the item's extracted text, when the finding has them.
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub line: Option<u32>,
    pub detector: String,
    pub category: Category,
    pub severity: Severity,
    pub masked: String,
    pub fingerprint: String,
}

impl MaskedSpan {
    fn of(finding: &Finding) -> MaskedSpan {
        let location = &finding.location;
        MaskedSpan {
            start: location.start,
            end: location.end,
            line: location.line,
            detector: finding.detector.clone(),
            category: finding.category,
            severity: finding.severity,
            masked: finding.masked.clone(),
            fingerprint: finding.fingerprint.clone(),
        }
    }
}

/// A value some scan found, by its keyed fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownValue {
    pub fingerprint: String,
    pub detector: String,
    pub category: Category,
    pub severity: Severity,
}

/// Where a lookup's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cache,
    Store,
}

/// A lookup's answer: the verdict, or nothing known about that version under these rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Known { verdict: Verdict, source: Source },
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    // Redis' own messages may name the server, never a value; the kind is enough.
    #[error("the cache's Redis failed: {0}")]
    Redis(String),
    #[error("the cache cannot read the store: {0}")]
    Store(#[from] StoreError),
    #[error("a cache entry could not be read: {0}")]
    Corrupt(String),
}

/// Where entries are kept in front of the store.
pub enum Front {
    Memory(MemoryFront),
    Redis(RedisFront),
}

/// The cache of this process: its front, and the store behind it.
pub struct ClassificationCache {
    front: Front,
    store: Store,
    /// With Redis: what this process read from it lately, for `near_ttl`, so that a hot item
    /// costs no round trip. Another process's invalidation reaches it within that time; until
    /// then it answers as before (a dropped verdict or value over-redacts, never under).
    near: Option<MemoryFront>,
}

/// Entries of the near cache in front of Redis.
const NEAR_ENTRIES: usize = 10_000;

impl std::fmt::Debug for ClassificationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassificationCache")
            .field("front", &self.kind())
            .finish_non_exhaustive()
    }
}

impl ClassificationCache {
    pub fn new(front: Front, store: Store) -> Self {
        ClassificationCache {
            front,
            store,
            near: None,
        }
    }

    /// Keeps what is read from Redis in this process for `ttl` (zero: never). No effect on the
    /// in-process front, which is near already.
    pub fn with_near_cache(mut self, ttl: Duration) -> Self {
        self.near = (matches!(self.front, Front::Redis(_)) && !ttl.is_zero()).then(|| {
            MemoryFront::new(CacheLimits {
                max_entries: NEAR_ENTRIES,
                max_age: ttl,
            })
        });
        self
    }

    /// `memory` or `redis`, for the health and metrics pages.
    pub fn kind(&self) -> &'static str {
        match self.front {
            Front::Memory(_) => "memory",
            Front::Redis(_) => "redis",
        }
    }

    /// Puts what a job classified: each item's verdict, and its values as known values.
    /// Called once the job's outcome is recorded, so that the store already holds the same.
    pub async fn record(&self, results: &[ItemResult]) -> Result<(), CacheError> {
        let mut verdicts = Vec::new();
        let mut values = Vec::new();
        for result in results {
            let ItemVerdict::Classified(findings) = &result.verdict else {
                continue;
            };
            // Local files and page history are not content a redactor is handed.
            let content_type = result.item.content_type;
            if !matches!(
                content_type,
                ContentType::Page
                    | ContentType::BlogPost
                    | ContentType::Comment
                    | ContentType::Attachment
            ) {
                continue;
            }
            verdicts.push(Verdict::new(
                result.item.item_id(),
                content_type,
                result.version,
                &result.rules_digest,
                findings,
            ));
            values.extend(findings.iter().map(|f| KnownValue {
                fingerprint: f.fingerprint.clone(),
                detector: f.detector.clone(),
                category: f.category,
                severity: f.severity,
            }));
        }
        self.put(&verdicts, &values).await
    }

    async fn put(&self, verdicts: &[Verdict], values: &[KnownValue]) -> Result<(), CacheError> {
        if verdicts.is_empty() && values.is_empty() {
            return Ok(());
        }
        match &self.front {
            Front::Memory(front) => {
                front.put(verdicts, values);
                Ok(())
            }
            Front::Redis(front) => {
                front.put(verdicts, values).await?;
                if let Some(near) = &self.near {
                    near.put(verdicts, values);
                }
                Ok(())
            }
        }
    }

    /// What is known of the item with this content id at `version` (the last one classified,
    /// when `None`) under the rule pack `rules_digest`.
    pub async fn verdict(
        &self,
        content_id: &str,
        version: Option<u32>,
        rules_digest: &str,
    ) -> Result<Lookup, CacheError> {
        let cached = match &self.front {
            Front::Memory(front) => front.verdict(content_id),
            Front::Redis(front) => {
                let near = self.near.as_ref().and_then(|n| n.verdict(content_id));
                match near {
                    Some(v) if v.answers(version, rules_digest) => Some(v),
                    _ => {
                        let read = front.verdict(content_id).await?;
                        if let (Some(near), Some(v)) = (&self.near, &read) {
                            near.put(std::slice::from_ref(v), &[]);
                        }
                        read
                    }
                }
            }
        };
        if let Some(verdict) = cached
            && verdict.answers(version, rules_digest)
        {
            return Ok(Lookup::Known {
                verdict,
                source: Source::Cache,
            });
        }
        let Some(stored) = self.store.item_verdict(content_id).await? else {
            return Ok(Lookup::Unknown);
        };
        let verdict = Verdict::from_store(&stored);
        self.put(std::slice::from_ref(&verdict), &[]).await?;
        Ok(if verdict.answers(version, rules_digest) {
            Lookup::Known {
                verdict,
                source: Source::Store,
            }
        } else {
            Lookup::Unknown
        })
    }

    /// Of these fingerprints, the values a scan found (and no one marked a false positive),
    /// by fingerprint.
    pub async fn known(
        &self,
        fingerprints: &[String],
    ) -> Result<HashMap<String, KnownValue>, CacheError> {
        let mut known = match &self.front {
            Front::Memory(front) => front.values(fingerprints),
            Front::Redis(front) => {
                let mut known = self
                    .near
                    .as_ref()
                    .map(|n| n.values(fingerprints))
                    .unwrap_or_default();
                let far: Vec<String> = fingerprints
                    .iter()
                    .filter(|f| !known.contains_key(*f))
                    .cloned()
                    .collect();
                if !far.is_empty() {
                    let read = front.values(&far).await?;
                    if let Some(near) = &self.near {
                        near.put(&[], &read.values().cloned().collect::<Vec<_>>());
                    }
                    known.extend(read);
                }
                known
            }
        };
        let missing: Vec<String> = fingerprints
            .iter()
            .filter(|f| !known.contains_key(*f))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(known);
        }
        let found: Vec<KnownValue> = self
            .store
            .known_values(&missing)
            .await?
            .into_iter()
            .map(|row| KnownValue {
                fingerprint: row.fingerprint,
                detector: row.detector,
                category: row.category,
                severity: row.severity,
            })
            .collect();
        self.put(&[], &found).await?;
        known.extend(found.into_iter().map(|v| (v.fingerprint.clone(), v)));
        Ok(known)
    }

    /// Drops these items' verdicts, these values, and the verdicts of every item holding one
    /// of them: a finding's triage changed (a false positive, and the suppression of its
    /// value, reach every finding of that value). The store, asked next, answers as it is.
    pub async fn forget(
        &self,
        content_ids: &[String],
        fingerprints: &[String],
    ) -> Result<(), CacheError> {
        match &self.front {
            Front::Memory(front) => {
                front.forget(content_ids, fingerprints);
                Ok(())
            }
            Front::Redis(front) => {
                if let Some(near) = &self.near {
                    near.forget(content_ids, fingerprints);
                }
                front.forget(content_ids, fingerprints).await
            }
        }
    }
}

#[cfg(test)]
mod tests;
