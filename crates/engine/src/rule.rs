//! One detection rule as data: what a rule file says, checked for mistakes before anything
//! is compiled. The format is documented in `rules/README.md`.

use std::path::PathBuf;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::normalize::Normalization;
use super::validate::Validator;
use dlp_domain::{Category, Severity};

/// Upper bound on a context window: context is about the words *near* a value, and a large
/// window makes every match rescan a large slice of the segment.
pub const MAX_CONTEXT_WINDOW: usize = 4096;

/// A rule as written in a rule file (`[[rule]]`), validated by [`RuleSpec::check`].
///
/// Fields are public so a program can build or adjust rules; [`super::Engine::new`] checks
/// them again before compiling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable detector id (`aws-access-key-id`): lower-case letters, digits and dashes.
    pub id: String,
    pub name: String,
    pub category: Category,
    pub severity: Severity,
    /// Rust regex. A capture group named `value` is the reported value; else the whole match.
    pub pattern: String,
    /// A looser pattern whose matches are reported only when a `context.raise` word is
    /// near (a bare nine-digit SSN is only an SSN when someone says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contextual_pattern: Option<String>,
    /// Literals, any of which must occur in a segment or its context (ASCII case-insensitive)
    /// before the regex runs there. Empty with `prefilter = "keywords"` means "always run the regex".
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub prefilter: Prefilter,
    /// Every match holds a run of at least this many digits (single ` `, `-` or `.` between
    /// digits allowed, where the patterns can match them). With `prefilter = "digits"`, such
    /// a run is what makes the rule a candidate; with keywords, only such runs near a keyword
    /// are (a phone number near "call", not every byte within the window of "call").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_digits: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<Validator>,
    /// How the value is canonicalised for fingerprints; defaults from the validator, else as-is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize: Option<Normalization>,
    /// Base confidence, 0..=1, before context, validator and placeholder adjustments.
    pub confidence: f64,
    /// Minimum Shannon entropy of the value, in bits per character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_entropy: Option<f64>,
    /// Regexes over the normalised value: a value that matches one is never reported
    /// (documentation keys such as AWS's `...EXAMPLE`).
    #[serde(default)]
    pub ignore_values: Vec<String>,
    /// Regexes over the normalised value: a value that matches one is well-known test data and
    /// is reported with lower confidence.
    #[serde(default)]
    pub suspect_values: Vec<String>,
    #[serde(default)]
    pub context: ContextSpec,
    /// Reported only within `window` bytes of a value another rule reported (validated): a
    /// card's expiry or CVV is sensitive next to a card number, not next to a number that
    /// fails the card's checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<NearSpec>,
    /// A rule that reads a structure rather than matching a value: `pattern` is the marker
    /// that says a segment holds one (`kind: Secret`), and the decoder finds the values (see
    /// `decoders`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoder: Option<Decoder>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub disabled: bool,
    /// Where the rule was read from (`rules/aws.toml`), for error messages; not part of the
    /// rule's meaning, so not serialised (and not in the engine digest).
    #[serde(skip)]
    pub source: String,
}

/// Which cheap test makes a segment a candidate for a rule's regex.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prefilter {
    /// Any of the rule's keywords occurs in the segment.
    #[default]
    Keywords,
    /// The segment holds a run of at least `min_digits` digits (numbers have no keyword).
    Digits,
}

/// The structures a decoder rule reads; what each reports is in `rules/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decoder {
    /// A Kubernetes Secret (YAML or JSON): its `data` values are base64-decoded and the
    /// decoded text classified by every rule.
    KubernetesSecret,
    /// A Terraform state file: output values marked sensitive and the attributes listed in
    /// an instance's `sensitive_attributes`.
    TerraformState,
}

/// The value a rule's matches must stand near.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearSpec {
    /// The other rule's id.
    pub rule: String,
    /// Bytes between the two values, either way, in the item's text.
    pub window: usize,
}

/// Words near a value that change how sure we are about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextSpec {
    /// How many characters before and after the value are searched.
    pub window: usize,
    /// Words that make the value more likely what the rule says (`ssn`, `card`).
    pub raise: Vec<String>,
    /// Words that make it less likely (`sample`, `order number`).
    pub lower: Vec<String>,
    /// Whether `lower` words count anywhere in the value's sentence before it, not only in
    /// the window: "For example, a number dialled locally as 09 345 3456 is dialled from
    /// abroad as +64 9 345 3456" gives both numbers as examples, however long the sentence.
    pub lower_in_sentence: bool,
    /// Report only when a raise word is in the window.
    pub required: bool,
    pub raise_by: f64,
    pub lower_by: f64,
}

impl Default for ContextSpec {
    fn default() -> Self {
        ContextSpec {
            window: 64,
            raise: Vec::new(),
            lower: Vec::new(),
            lower_in_sentence: false,
            required: false,
            raise_by: 0.1,
            lower_by: 0.3,
        }
    }
}

/// Everything that can be wrong with a rule file or a rule set. Messages name the file and
/// the rule, never the content being scanned.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("cannot read rule file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("rule file {file}: invalid TOML at line {line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("rule file {file}, rule {rule_id}: {problem}")]
    Invalid {
        file: String,
        rule_id: String,
        problem: RuleProblem,
    },
    #[error("rule file {file}: rule {rule_id} is defined twice")]
    DuplicateId { file: String, rule_id: String },
    #[error("engine option {option}: {problem}")]
    Option {
        option: &'static str,
        problem: String,
    },
    #[error("cannot build the {what} automaton: {message}")]
    Automaton { what: &'static str, message: String },
}

/// What is wrong with one rule.
#[derive(Debug, thiserror::Error)]
pub enum RuleProblem {
    #[error("{0}")]
    Shape(String),
    #[error("id must be non-empty lower-case letters, digits and dashes")]
    BadId,
    #[error("{field} is not a valid regex: {message}")]
    BadRegex {
        field: &'static str,
        message: String,
    },
    #[error("{field} must be within {min}..={max}")]
    OutOfRange {
        field: &'static str,
        min: f64,
        max: f64,
    },
    #[error("needs at least one example")]
    NoExamples,
    #[error("needs at least one negative example")]
    NoNegativeExamples,
    #[error("{0} must not contain empty strings")]
    EmptyWord(&'static str),
    #[error("prefilter = \"digits\" needs min_digits >= 1 and no keywords")]
    DigitsPrefilter,
    #[error("min_digits must be at least 1")]
    NoMinDigits,
    #[error("context.required and contextual_pattern need at least one context.raise word")]
    RequiredWithoutRaise,
}

impl RuleError {
    pub(crate) fn invalid(rule: &RuleSpec, problem: RuleProblem) -> Self {
        RuleError::Invalid {
            file: rule.source.clone(),
            rule_id: rule.id.clone(),
            problem,
        }
    }
}

impl RuleSpec {
    /// The normalisation used for this rule's fingerprints.
    pub fn normalization(&self) -> Normalization {
        self.normalize
            .or(self.validator.map(Validator::default_normalization))
            .unwrap_or(Normalization::AsIs)
    }

    /// Checks everything that can be checked without scanning: ids, ranges, regexes,
    /// examples present. A rule that passes compiles in [`super::Engine::new`].
    pub fn check(&self) -> Result<(), RuleError> {
        let fail = |problem| Err(RuleError::invalid(self, problem));
        let id_ok = !self.id.is_empty()
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return fail(RuleProblem::BadId);
        }
        if self.name.trim().is_empty() {
            return fail(RuleProblem::Shape("name must not be empty".into()));
        }
        // Parsed, not compiled: a pack is checked when it loads and its engine compiles every
        // regex once; compiling here as well made loading 434 rules cost a third of a second.
        // What only compiling finds (a pattern past the size limit) is reported by
        // `compile`, naming the rule and field the same way.
        self.parse_regex("pattern", &self.pattern)?;
        if let Some(p) = &self.contextual_pattern {
            self.parse_regex("contextual_pattern", p)?;
        }
        for p in &self.ignore_values {
            self.parse_regex("ignore_values", p)?;
        }
        for p in &self.suspect_values {
            self.parse_regex("suspect_values", p)?;
        }
        let in_range = |v: f64, min: f64, max: f64| v.is_finite() && (min..=max).contains(&v);
        let ranges: [(&'static str, f64, f64, f64); 4] = [
            ("confidence", self.confidence, 0.0, 1.0),
            ("min_entropy", self.min_entropy.unwrap_or(0.0), 0.0, 32.0),
            ("context.raise_by", self.context.raise_by, 0.0, 1.0),
            ("context.lower_by", self.context.lower_by, 0.0, 1.0),
        ];
        for (field, v, min, max) in ranges {
            if !in_range(v, min, max) {
                return fail(RuleProblem::OutOfRange { field, min, max });
            }
        }
        if self.context.window > MAX_CONTEXT_WINDOW {
            let max = MAX_CONTEXT_WINDOW as f64;
            return fail(RuleProblem::OutOfRange {
                field: "context.window",
                min: 0.0,
                max,
            });
        }
        let word_lists = [
            ("keywords", &self.keywords),
            ("context.raise", &self.context.raise),
            ("context.lower", &self.context.lower),
        ];
        for (field, words) in word_lists {
            if words.iter().any(|w| w.is_empty()) {
                return fail(RuleProblem::EmptyWord(field));
            }
        }
        match (self.prefilter, self.min_digits) {
            (Prefilter::Digits, Some(n)) if n >= 1 && self.keywords.is_empty() => {}
            (Prefilter::Digits, _) => return fail(RuleProblem::DigitsPrefilter),
            (Prefilter::Keywords, Some(0)) => return fail(RuleProblem::NoMinDigits),
            (Prefilter::Keywords, _) => {}
        }
        if self.decoder.is_some()
            && (self.keywords.is_empty()
                || self.prefilter != Prefilter::Keywords
                || self.near.is_some()
                || self.contextual_pattern.is_some())
        {
            return fail(RuleProblem::Shape(
                "a decoder rule needs keywords (its marker's literals), and no digit prefilter, \
                 near or contextual_pattern"
                    .into(),
            ));
        }
        let needs_raise = self.context.required || self.contextual_pattern.is_some();
        if needs_raise && self.context.raise.is_empty() {
            return fail(RuleProblem::RequiredWithoutRaise);
        }
        if self.examples.iter().all(|e| e.is_empty()) {
            return fail(RuleProblem::NoExamples);
        }
        if self.negative_examples.iter().all(|e| e.is_empty()) {
            return fail(RuleProblem::NoNegativeExamples);
        }
        Ok(())
    }

    pub(crate) fn compile_regex(
        &self,
        field: &'static str,
        pattern: &str,
    ) -> Result<Regex, RuleError> {
        Regex::new(pattern).map_err(|e| self.bad_regex(field, e.to_string()))
    }

    /// Whether this digit rule reports only next to a context word: then a digit run is
    /// worth its regex only near one of those words, as for a keyword rule with
    /// `min_digits`. Numbers such rules read (a TFN, a BSN) look like any order number or
    /// timestamp, and runs of their length are everywhere in logs.
    pub fn digits_near_context(&self) -> bool {
        self.prefilter == Prefilter::Digits
            && self.context.required
            && !self.context.raise.is_empty()
    }

    /// Whether `pattern` is a regex the `regex` crate accepts, short of its size limits.
    fn parse_regex(&self, field: &'static str, pattern: &str) -> Result<(), RuleError> {
        regex_syntax::Parser::new()
            .parse(pattern)
            .map(drop)
            .map_err(|e| self.bad_regex(field, regex::Error::Syntax(e.to_string()).to_string()))
    }

    pub(crate) fn bad_regex(&self, field: &'static str, message: String) -> RuleError {
        RuleError::invalid(self, RuleProblem::BadRegex { field, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> RuleSpec {
        RuleSpec {
            id: "demo-token".into(),
            name: "Demo token".into(),
            category: Category::Secret,
            severity: Severity::High,
            pattern: r"demo_[a-z]{8}".into(),
            contextual_pattern: None,
            keywords: vec!["demo_".into()],
            prefilter: Prefilter::Keywords,
            min_digits: None,
            validator: None,
            normalize: None,
            confidence: 0.8,
            min_entropy: None,
            ignore_values: vec![],
            suspect_values: vec![],
            context: ContextSpec::default(),
            near: None,
            decoder: None,
            examples: vec!["demo_abcdefgh".into()],
            negative_examples: vec!["demo_abc".into()],
            disabled: false,
            source: "test.toml".into(),
        }
    }

    fn problem(r: RuleSpec) -> String {
        r.check().expect_err("rule should be rejected").to_string()
    }

    #[test]
    fn a_well_formed_rule_passes() {
        rule().check().unwrap();
    }

    #[test]
    fn errors_name_file_rule_and_problem() {
        let msg = problem(RuleSpec {
            pattern: "demo_(".into(),
            ..rule()
        });
        assert!(
            msg.starts_with("rule file test.toml, rule demo-token: pattern is not a valid regex"),
            "{msg}"
        );
        let msg = problem(RuleSpec {
            examples: vec![],
            ..rule()
        });
        assert!(msg.ends_with("needs at least one example"), "{msg}");
        let msg = problem(RuleSpec {
            negative_examples: vec![],
            ..rule()
        });
        assert!(
            msg.ends_with("needs at least one negative example"),
            "{msg}"
        );
        assert!(
            problem(RuleSpec {
                id: "Bad Id".into(),
                ..rule()
            })
            .contains("id must be")
        );
        assert!(
            problem(RuleSpec {
                confidence: 1.5,
                ..rule()
            })
            .contains("confidence must be within")
        );
        assert!(
            problem(RuleSpec {
                confidence: f64::NAN,
                ..rule()
            })
            .contains("confidence")
        );
    }

    #[test]
    fn prefilter_and_context_combinations_are_checked() {
        let digits = RuleSpec {
            prefilter: Prefilter::Digits,
            keywords: vec![],
            ..rule()
        };
        assert!(problem(digits.clone()).contains("min_digits"));
        RuleSpec {
            min_digits: Some(9),
            ..digits.clone()
        }
        .check()
        .unwrap();
        // With keywords, min_digits narrows where the rule runs to digit runs near them.
        RuleSpec {
            min_digits: Some(9),
            ..rule()
        }
        .check()
        .unwrap();
        assert!(
            problem(RuleSpec {
                min_digits: Some(0),
                ..rule()
            })
            .contains("at least 1")
        );
        let required = ContextSpec {
            required: true,
            ..ContextSpec::default()
        };
        assert!(
            problem(RuleSpec {
                context: required,
                ..rule()
            })
            .contains("raise word")
        );
        let contextual = RuleSpec {
            contextual_pattern: Some("[0-9]{9}".into()),
            ..rule()
        };
        assert!(problem(contextual).contains("raise word"));
    }

    #[test]
    fn normalization_defaults_from_the_validator() {
        assert_eq!(rule().normalization(), Normalization::AsIs);
        let luhn = RuleSpec {
            validator: Some(Validator::Luhn),
            ..rule()
        };
        assert_eq!(luhn.normalization(), Normalization::Digits);
        let forced = RuleSpec {
            normalize: Some(Normalization::Lowercase),
            ..luhn
        };
        assert_eq!(forced.normalization(), Normalization::Lowercase);
    }
}
