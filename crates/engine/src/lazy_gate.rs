//! [`LazyGate`]: a pattern's dense DFAs (its [`PatternGate`]), built once searching without
//! them has cost about what building them would.
//!
//! Building a gate takes from a tenth of a millisecond to 60 ms, and refusing one that passes
//! the size limit takes as long; a gate saves about a microsecond a region. On a tree of
//! source code, 32 patterns reached 1,024 regions and built their gates in 405 ms, 215 ms of
//! which went to five that were refused at the end, and most rules with costly DFAs search
//! a few dozen regions at most. So the gate is tried small first, and large only later.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use super::gate::{PATTERN_GATE_LIMIT, PatternGate, gate_within};

/// Largest dense DFA of a pattern's first try at a gate. Of the pack's 470 patterns, 262 get
/// a gate within this, in about a millisecond each; a pattern past it is refused in 4 ms on
/// average, where the full limit took 45 ms to refuse one (101 patterns are).
const SMALL_GATE_LIMIT: usize = 128 * 1024;

/// Regions a pattern searches before a gate within [`SMALL_GATE_LIMIT`] is tried: about a
/// millisecond of searching without one, the cost of a small build.
const SMALL_GATE_AFTER: u32 = 1024;

/// Regions before a pattern refused a small gate tries the full limit. Such a build takes
/// 10-60 ms, and a refusal as long: paid only once the regions searched without a gate have
/// cost about as much, it costs at most what it may save. In the benchmark's dense text (a
/// card number, an SSN or an IBAN on every line) the patterns that need one get there in
/// its first 8 MiB; in a tree of source code the card number never does (29,762 regions).
const FULL_GATE_AFTER: u32 = 32 * 1024;

const UNTRIED: u8 = 0;
const BUILDING: u8 = 1;
/// Tried within the small limit: built, or to be tried within the full one.
const TRIED_SMALL: u8 = 2;

/// A pattern's gate, built once the pattern has searched enough regions without it that
/// building is likely to pay (see [`SMALL_GATE_AFTER`] and [`FULL_GATE_AFTER`]).
#[derive(Debug, Default)]
pub struct LazyGate {
    built: OnceLock<Option<PatternGate>>,
    searched_ungated: AtomicU32,
    stage: AtomicU8,
}

impl LazyGate {
    /// The gate, decided: built now within the full limit if it was not.
    #[cfg(test)]
    pub fn get_or_build(&self, source: &str, whole_match: bool) -> Option<&PatternGate> {
        self.built
            .get_or_init(|| gate_within(source, whole_match, PATTERN_GATE_LIMIT))
            .as_ref()
    }

    /// The outcome of a build, if one was decided.
    pub fn decided(&self) -> Option<&Option<PatternGate>> {
        self.built.get()
    }

    /// Keeps a gate built elsewhere (for a group); `false` if one was decided already.
    pub fn keep(&self, gate: Option<PatternGate>) -> bool {
        self.built.set(gate).is_ok()
    }

    /// The gate for one more region: `None` while building it is not yet worth it, while
    /// another thread builds it, or when the pattern has none. A search never waits for a
    /// build; it goes without the gate meanwhile.
    pub fn when_worth_it(&self, source: &str, whole_match: bool) -> Option<&PatternGate> {
        if let Some(built) = self.built.get() {
            return built.as_ref();
        }
        let searched = self.searched_ungated.fetch_add(1, Ordering::Relaxed);
        let stage = self.stage.load(Ordering::Acquire);
        let limit = match stage {
            UNTRIED if searched >= SMALL_GATE_AFTER => SMALL_GATE_LIMIT,
            TRIED_SMALL if searched >= FULL_GATE_AFTER => PATTERN_GATE_LIMIT,
            _ => return None,
        };
        if self
            .stage
            .compare_exchange(stage, BUILDING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        let gate = gate_within(source, whole_match, limit);
        // Refused within the small limit, it may still fit the full one: tried again later.
        if gate.is_some() || limit == PATTERN_GATE_LIMIT {
            let _ = self.built.set(gate);
        }
        self.stage.store(TRIED_SMALL, Ordering::Release);
        self.built.get().and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests;
