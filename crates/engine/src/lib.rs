//! The detection engine: find sensitive values in extracted text and turn them into findings.
//!
//! Detection is data. A [`RulePack`] of rules (`rules/*.toml`, format in `rules/README.md`)
//! compiles into an [`Engine`] that finds [`Match`]es in an item's segments; the
//! [`Classifier`] turns matches into [`Finding`]s that hold a [`mask`]ed preview and a keyed
//! [`Fingerprinter`] fingerprint, never the raw value.
//!
//! - `rule`: one rule as written, and the checks a rule file must pass;
//! - `pack`: builtin and user rule files, overrides, the examples test;
//! - `prefilter`: keyword and digit-run passes that pick where rules are worth running;
//! - `keywords`: the keyword pass's search, every occurrence of a few hundred words at once;
//! - `gate`: cheap searches that say whether a candidate region can hold a match at all;
//! - `engine`: regexes over candidate regions, scoring;
//! - `matches`: the engine's `Match`, its line, one finding per value;
//! - `shape`: what a pattern's syntax says of every match (its value, keywords, bytes);
//!   `run_separators`: which digit-run separators its matches can join digits with;
//!   `match_edges`: whether matches begin and end outside the digit runs they hold, and
//!   whether they stay on one line;
//! - `context`: context words near a value, looked up in one search of the segment;
//! - `code_operand`: numbers standing in code (a table's element, a call's argument), which
//!   need their rule's context words;
//! - `score`: entropy, context windows, placeholders, where a word starts;
//!   `published`: the example passwords of standards and textbooks (RFC 7617's, xkcd's);
//! - `validate`: checksums and ranges (Luhn, SSN, NPI, GitHub CRC32, e-mail domains);
//! - `checksum`, `structure`: check digits of identifiers, shapes of JWTs and PEM blocks;
//!   `der_key`: the DER a PEM private key's label names;
//! - `ids_latam`, `ids_europe`, `ids_apac`, `calendar`: national identifiers' check digits
//!   and the birth dates inside them;
//! - `decoders`: rules that read a structure (a Kubernetes Secret's base64 `data`, a
//!   Terraform state's sensitive values) where its marker occurs; `k8s_secret`, `tfstate` read
//!   those structures, `json_spans` reads JSON keeping where each value lies;
//! - `token_checks`: what providers build into their tokens (Grafana CRC32, Discord ids);
//! - `checksum`, `structure`: check digits of identifiers, shapes of JWTs, PEM blocks and API keys;
//! - `password_hash`, `obfuscated`: password hashes by their scheme, reversibly stored passwords;
//! - `phone`: telephone numbers against libphonenumber's metadata, fiction ranges;
//! - `parallel`: the engine's start-up work spread over the cores;
//! - `suppress`: findings reviewers have judged harmless (fingerprint, value, space, page);
//! - `normalize`: one spelling per value (digits, case), before masking and fingerprints;
//! - `mask`, `fingerprint`: what of a value may be kept.

mod calendar;
mod char_windows;
mod checksum;
mod code_operand;
mod compiled;
mod context;
mod decoders;
mod der_key;
mod digit_runs;
mod engine;
mod fingerprint;
mod gate;
mod given_examples;
mod ids_apac;
mod ids_europe;
mod ids_latam;
mod json_spans;
mod k8s_secret;
mod keywords;
mod lazy_gate;
mod lazy_regex;
mod mask;
mod match_edges;
mod matches;
mod normalize;
mod obfuscated;
mod pack;
mod parallel;
mod password_hash;
mod phone;
pub mod prebuilt;
mod prefilter;
mod published;
mod regions;
mod rule;
mod run_separators;
mod run_shapes;
mod score;
mod shape;
mod structure;
mod suppress;
mod test_input;
mod tfstate;
mod token_checks;
mod validate;

#[cfg(test)]
mod tests;

pub use engine::{Engine, EngineOptions};
pub use fingerprint::{FingerprintError, Fingerprinter};
pub use keywords::{KeywordHit, KeywordSet};
pub use mask::mask;
pub use matches::Match;
pub use normalize::Normalization;
pub use pack::{ExampleFailure, RulePack};
pub use prefilter::{HitsAt, Scratch, prefilter_words};
pub use rule::{
    ContextSpec, Decoder, MAX_CONTEXT_WINDOW, Prefilter, RuleError, RuleProblem, RuleSpec,
};
pub use shape::KeywordsInMatches;
pub use suppress::{SuppressionError, Suppressions};
pub use validate::{Validator, Verdict};

use suppress::SuppressionSet;

use std::cell::RefCell;

use dlp_domain::{ContentRef, Finding, Location, Segment};
use thread_local::ThreadLocal;

/// The engine, the fingerprint key and the suppressions together: segments in, findings out.
#[derive(Debug)]
pub struct Classifier {
    engine: Engine,
    fingerprinter: Fingerprinter,
    suppressions: SuppressionSet,
    /// Each thread's buffers for this engine: a worker classifies item after item on the same
    /// thread, and fresh buffers per item cost a tenth of a local scan's time rebuilding them.
    scratch: ThreadLocal<RefCell<Scratch>>,
}

impl Classifier {
    pub fn new(engine: Engine, fingerprinter: Fingerprinter) -> Self {
        Classifier {
            engine,
            fingerprinter,
            suppressions: SuppressionSet::default(),
            scratch: ThreadLocal::new(),
        }
    }

    /// The same classifier, leaving out what `suppressions` names.
    pub fn with_suppressions(
        mut self,
        suppressions: &Suppressions,
    ) -> Result<Self, SuppressionError> {
        self.suppressions = SuppressionSet::compile(suppressions)?;
        Ok(self)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn fingerprinter(&self) -> &Fingerprinter {
        &self.fingerprinter
    }

    /// Findings for one item. Ids are [`Finding::stable_id`]s, so classifying the same
    /// content again yields the same ids.
    /// Suppressed spaces and pages are not scanned at all.
    pub fn classify(&self, item: &ContentRef, segments: &[Segment]) -> Vec<Finding> {
        if self.suppressions.covers_item(item) {
            return Vec::new();
        }
        let cell = self.scratch.get_or_default();
        // Taken out for the call and put back after it: a classification that panics (the pool
        // catches it) leaves fresh buffers behind, not half-updated ones.
        let mut scratch = cell.take();
        let found = self.engine.find_with(segments, &mut scratch);
        cell.replace(scratch);
        found
            .iter()
            .filter(|m| !self.suppressions.covers_value(m.value()))
            .map(|m| self.finding(item, m))
            .filter(|f| !self.suppressions.covers_fingerprint(&f.fingerprint))
            .collect()
    }

    fn finding(&self, item: &ContentRef, m: &Match) -> Finding {
        let fingerprint = self.fingerprinter.fingerprint_match(m);
        let location = Location::new(item, m.origin(), m.line, m.start, m.end);
        Finding {
            id: Finding::stable_id(&m.rule_id, &fingerprint, &location),
            detector: m.rule_id.to_string(),
            category: m.category,
            severity: m.severity,
            confidence: m.confidence,
            masked: mask(m.value()),
            fingerprint,
            location,
        }
    }
}
