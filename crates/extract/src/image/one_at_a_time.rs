//! [`OneAtATime`]: work on one key done by one thread at a time, so that the second caller
//! with the same key finds the first one's result instead of doing the work again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// A lock per key, made on demand and dropped when nobody holds or waits for it.
#[derive(Debug)]
pub(crate) struct OneAtATime<K> {
    in_flight: Mutex<HashMap<K, Arc<Mutex<()>>>>,
}

impl<K> Default for OneAtATime<K> {
    fn default() -> Self {
        OneAtATime {
            in_flight: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone> OneAtATime<K> {
    /// Runs `work` once no other thread runs work for `key`.
    pub fn run<R>(&self, key: &K, work: impl FnOnce() -> R) -> R {
        let gate = {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(in_flight.entry(key.clone()).or_default())
        };
        let result = {
            let _alone = gate.lock().unwrap_or_else(PoisonError::into_inner);
            work()
        };
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Two references, the map's and ours, mean nobody is waiting on this key: clones are
        // only made under this same lock.
        if Arc::strong_count(&gate) == 2 {
            in_flight.remove(key);
        }
        result
    }

    #[cfg(test)]
    pub fn keys_held(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_same_key_waits_and_other_keys_do_not() {
        let gates = Arc::new(OneAtATime::<u32>::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gates, inside, most) = (gates.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    gates.run(&7, || {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    });
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "one at a time");
        assert_eq!(gates.keys_held(), 0, "nothing kept once done");
        // Another key runs while one is held.
        gates.run(&1, || assert_eq!(gates.run(&2, || 5), 5));
    }
}
