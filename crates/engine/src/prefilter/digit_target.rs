//! The rules that are candidates at digit runs, by the target their regions are filed under:
//! what a run must be for each of them, and the region it makes.

use std::sync::{Arc, OnceLock};

use crate::char_windows::CharWindows;

use crate::match_edges::RunEdges;
use crate::regions::{Candidates, Filing, Reach, clip};
use crate::run_shapes::RunShapes;
use crate::shape::MatchBytes;

/// The rules that are candidates at digit runs and whose regions are filed under one target.
#[derive(Debug, Clone)]
pub(super) struct DigitTarget {
    pub(super) target: usize,
    /// The least of its rules' `min_digits`.
    pub(super) min_digits: usize,
    /// By `min_digits` once the index is built.
    pub(super) rules: Vec<DigitMember>,
    /// The bytes a match of any of its rules can hold, if not every byte.
    pub(super) bytes: Option<MatchBytes>,
    /// Its rules' patterns, by their member bits, for `shapes` (near targets only).
    pub(super) patterns: Vec<(u64, Vec<String>)>,
    /// Which of its rules a run's own bytes (and those before it) may be held by. Built at
    /// its first run: the phone rules' table takes 0.1 s, and most engines a test builds
    /// never meet a phone rule's keyword next to digits.
    shapes: OnceLock<Option<Arc<RunShapes>>>,
}

impl DigitTarget {
    /// Adds `member` to the target `target` of `targets`, made if new; returns its index.
    pub(super) fn file(
        targets: &mut Vec<DigitTarget>,
        target: usize,
        member: DigitMember,
    ) -> usize {
        match targets.iter().position(|t| t.target == target) {
            Some(i) => {
                let t = &mut targets[i];
                t.min_digits = t.min_digits.min(member.min_digits);
                t.rules.push(member);
                t.bytes = t.bytes.zip(member.bytes).map(|(a, b)| a.union(&b));
                i
            }
            None => {
                targets.push(DigitTarget {
                    target,
                    min_digits: member.min_digits,
                    rules: vec![member],
                    bytes: member.bytes,
                    patterns: Vec::new(),
                    shapes: OnceLock::new(),
                });
                targets.len() - 1
            }
        }
    }

    /// Its run shapes, built on first use; none for a digit target.
    #[inline]
    pub(super) fn shaped(&self) -> Option<&RunShapes> {
        if self.patterns.is_empty() {
            return None;
        }
        self.shapes
            .get_or_init(|| RunShapes::shared(self.patterns.clone()))
            .as_deref()
    }

    /// Makes members that a run admits and reaches alike one member with all their bits:
    /// the national phone rules of a group differ in their patterns, not in what a digit run
    /// must be for them, and every run was asked of each of them.
    pub(super) fn merge_alike(&mut self) {
        let mut merged: Vec<DigitMember> = Vec::with_capacity(self.rules.len());
        for rule in self.rules.drain(..) {
            match merged.iter_mut().find(|m| m.alike(&rule)) {
                Some(m) => m.members |= rule.members,
                None => merged.push(rule),
            }
        }
        self.rules = merged;
    }

    /// Files the region of the run `start..end` (of `digits` digits, `pieces` of them in one
    /// piece by each set of separators allowed, see [`pieces`]) for the members the run is
    /// long enough for and admits ([`RunEdges::admit`]): as far as the farthest of them
    /// reaches, within the bytes any of the target's rules can hold.
    pub(super) fn add_run(
        &self,
        text: &str,
        (start, end): (usize, usize),
        digits: usize,
        pieces: &[usize],
        scratch: &mut Candidates,
        windows: &mut CharWindows,
    ) {
        let allowed = match self.shaped() {
            Some(shapes) => shapes.admits(text.as_bytes(), (start, end)),
            None => u64::MAX,
        };
        if allowed == 0 {
            return;
        }
        let (mut members, mut from, mut to) = (0, start, end);
        for rule in self.rules.iter().take_while(|r| digits >= r.min_digits) {
            if rule.members & allowed != 0
                && pieces[usize::from(rule.separators)] >= rule.min_digits
                && rule
                    .edges
                    .admit(text.as_bytes(), (start, end), rule.bytes.as_ref())
            {
                members |= rule.members & allowed;
                let (s, e) = rule.reach.around(text, start, end, windows);
                (from, to) = (from.min(s), to.max(e));
            }
        }
        if members == 0 {
            return;
        }
        let (from, to) = match &self.bytes {
            Some(bytes) => clip(text, (start, end), (from, to), bytes),
            None => (from, to),
        };
        let filing = Filing {
            target: self.target,
            members,
        };
        scratch.add(filing, from, to);
    }
}

/// A rule of a [`DigitTarget`], or rules alike ([`DigitTarget::merge_alike`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct DigitMember {
    pub(super) min_digits: usize,
    /// Which of [`RUN_SEPARATORS`](super::digit_runs::RUN_SEPARATORS) its matches can hold
    /// (bit `i` for the `i`th).
    pub(super) separators: u8,
    /// Its bit among the target's members (its rules' bits, once merged).
    pub(super) members: u64,
    /// How far its matches lie from the run.
    pub(super) reach: Reach,
    /// Whether its matches hold bytes beyond the run, which must be `bytes` (every byte
    /// when `None`).
    pub(super) edges: RunEdges,
    pub(super) bytes: Option<MatchBytes>,
}

impl DigitMember {
    /// Whether a run is admitted and reached alike for both: all but their bits agree.
    pub(super) fn alike(&self, other: &DigitMember) -> bool {
        self.min_digits == other.min_digits
            && self.separators == other.separators
            && self.reach == other.reach
            && self.edges == other.edges
            && self.bytes == other.bytes
    }
}
