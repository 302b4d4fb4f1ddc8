//! The embedded default's front: two bounded maps in this process, oldest out first.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

use super::{CacheLimits, KnownValue, Verdict};

/// Verdicts by content id and known values by fingerprint, each at most `max_entries`, none
/// served past `max_age`.
pub struct MemoryFront {
    verdicts: Mutex<LruCache<String, (Instant, Verdict)>>,
    values: Mutex<LruCache<String, (Instant, KnownValue)>>,
    max_age: Duration,
}

impl MemoryFront {
    pub fn new(limits: CacheLimits) -> Self {
        let cap = NonZeroUsize::new(limits.max_entries).unwrap_or(NonZeroUsize::MIN);
        MemoryFront {
            verdicts: Mutex::new(LruCache::new(cap)),
            values: Mutex::new(LruCache::new(cap)),
            max_age: limits.max_age,
        }
    }

    pub(crate) fn put(&self, verdicts: &[Verdict], values: &[KnownValue]) {
        let now = Instant::now();
        if !verdicts.is_empty() {
            let mut map = lock(&self.verdicts);
            for v in verdicts {
                map.put(v.content_id.clone(), (now, v.clone()));
            }
        }
        if !values.is_empty() {
            let mut map = lock(&self.values);
            for v in values {
                map.put(v.fingerprint.clone(), (now, v.clone()));
            }
        }
    }

    pub(crate) fn verdict(&self, content_id: &str) -> Option<Verdict> {
        let mut map = lock(&self.verdicts);
        match map.get(content_id) {
            Some((at, v)) if at.elapsed() <= self.max_age => Some(v.clone()),
            Some(_) => {
                map.pop(content_id);
                None
            }
            None => None,
        }
    }

    pub(crate) fn values(&self, fingerprints: &[String]) -> HashMap<String, KnownValue> {
        let mut map = lock(&self.values);
        let mut found = HashMap::new();
        for fingerprint in fingerprints {
            match map.get(fingerprint) {
                Some((at, v)) if at.elapsed() <= self.max_age => {
                    found.insert(fingerprint.clone(), v.clone());
                }
                Some(_) => {
                    map.pop(fingerprint);
                }
                None => {}
            }
        }
        found
    }

    pub(crate) fn forget(&self, content_ids: &[String], fingerprints: &[String]) {
        let mut verdicts = lock(&self.verdicts);
        for id in content_ids {
            verdicts.pop(id);
        }
        // A value's triage changes every item that holds it (a suppression reaches all of
        // its findings): their verdicts go too. Rare, so a walk over the map will do.
        if !fingerprints.is_empty() {
            let holding: Vec<String> = verdicts
                .iter()
                .filter(|(_, (_, v))| {
                    v.spans
                        .iter()
                        .any(|s| fingerprints.contains(&s.fingerprint))
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in holding {
                verdicts.pop(&id);
            }
        }
        drop(verdicts);
        let mut values = lock(&self.values);
        for fingerprint in fingerprints {
            values.pop(fingerprint);
        }
    }

    /// Entries held: verdicts, known values.
    pub fn len(&self) -> (usize, usize) {
        (lock(&self.verdicts).len(), lock(&self.values).len())
    }
}

/// A poisoned lock is a panic elsewhere mid-update of a map of copies: the map is still sound.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
