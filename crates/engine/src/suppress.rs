//! Suppressions: findings a reviewer has already judged harmless, kept out of every later
//! scan. By fingerprint (this exact value, wherever it appears), by a regex over the value
//! (an organisation's test accounts), by space or by page (a page of published sample data).
//!
//! Suppressing by fingerprint needs no raw value in the configuration: reviewers copy the
//! fingerprint from a finding. Value regexes may themselves be sensitive, so errors name
//! their position only.

use std::collections::HashSet;

use regex::Regex;
use serde::{Deserialize, Serialize};

use dlp_domain::ContentRef;

/// What to suppress, as configured. Empty lists suppress nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Suppressions {
    /// Finding fingerprints (hex HMAC, as in `Finding::fingerprint`).
    pub fingerprints: Vec<String>,
    /// Regexes over the raw value; a value that matches one is not reported.
    pub values: Vec<String>,
    /// Space keys whose content is not reported.
    pub spaces: Vec<String>,
    /// Page or blog-post ids whose content (with its comments and attachments) is not reported.
    pub pages: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SuppressionError {
    #[error("suppressions.values entry {index} is not a valid regex")]
    BadValuePattern { index: usize },
}

/// [`Suppressions`] compiled for lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct SuppressionSet {
    fingerprints: HashSet<String>,
    values: Vec<Regex>,
    spaces: HashSet<String>,
    pages: HashSet<String>,
}

impl SuppressionSet {
    pub(crate) fn compile(s: &Suppressions) -> Result<Self, SuppressionError> {
        let values = s
            .values
            .iter()
            .enumerate()
            .map(|(index, p)| {
                Regex::new(p).map_err(|_| SuppressionError::BadValuePattern { index })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SuppressionSet {
            // Fingerprints are hex; compare them in one case whatever a reviewer pasted.
            fingerprints: s
                .fingerprints
                .iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect(),
            values,
            spaces: s.spaces.iter().cloned().collect(),
            pages: s.pages.iter().cloned().collect(),
        })
    }

    /// Whether nothing in `item` is to be reported.
    pub(crate) fn covers_item(&self, item: &ContentRef) -> bool {
        self.spaces.contains(&item.space_key) || self.pages.contains(&item.page_id)
    }

    pub(crate) fn covers_value(&self, value: &str) -> bool {
        self.values.iter().any(|re| re.is_match(value))
    }

    pub(crate) fn covers_fingerprint(&self, fingerprint: &str) -> bool {
        !self.fingerprints.is_empty()
            && self
                .fingerprints
                .contains(&fingerprint.to_ascii_lowercase())
    }
}
