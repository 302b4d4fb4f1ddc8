//! The engine's one-time work spread over the machine's cores: compiling a pack's regexes and
//! building the DFAs that decide how rules are grouped take most of a process's start (about
//! 0.6 s of CPU for the 434 builtin rules), and a local scan or a test waits for it.

use std::num::NonZeroUsize;

/// `f` applied to each item, on up to as many threads as there are cores, results in the
/// items' order. `f` gets each item's index.
pub(crate) fn map_ordered<T, R, F>(items: Vec<T>, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(usize, T) -> R + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items
            .into_iter()
            .enumerate()
            .map(|(i, t)| f(i, t))
            .collect();
    }
    // Interleaved rather than in runs: neighbouring rules tend to cost alike (a file of
    // national phone rules, a file of one provider's tokens).
    let mut shares: Vec<Vec<(usize, T)>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        shares[i % threads].push((i, item));
    }
    let f = &f;
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                s.spawn(move || {
                    share
                        .into_iter()
                        .map(|(i, t)| (i, f(i, t)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..101).collect();
        let out = map_ordered(items, |i, t| (i, t * 2));
        assert_eq!(out.len(), 101);
        assert!(
            out.iter()
                .enumerate()
                .all(|(k, &(i, v))| k == i && v == 2 * k as u32)
        );
        assert!(map_ordered(Vec::<u8>::new(), |_, t| t).is_empty());
    }
}
