//! Remediation policies (`[[remediation.policies]]` in the config): which findings each one
//! covers (its scope and its match), what it does about them (its actions), and how (its mode
//! and delay). A finding covered by several policies gets the one with the most severe action.

use dlp_domain::{Category, ContentType, Exposure, Finding, Severity};
use serde::{Deserialize, Serialize};

/// What can be done about a finding, from the least to the most severe: what changes less,
/// or can be taken back more easily, comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Tell the page's last editor and the security team (masked previews only).
    Notify,
    /// Set the page's classification level, where the site has levels.
    Classify,
    /// Add read or edit restrictions to the page.
    RestrictPage,
    /// Remove anonymous or over-broad access to the page's space (needs a space admin).
    RemoveSpaceAccess,
    /// Write a new version with each value replaced by its masked form.
    RedactInPlace,
    /// Download the attachment, seal it in the store, delete it in Confluence.
    QuarantineAttachment,
    /// Delete the historical versions that still hold the value (after a redaction).
    PurgeHistory,
}

/// How a policy's plans are carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Planned and shown, never executed: the default, so a new policy changes nothing.
    #[default]
    DryRun,
    /// Executed once approved (`POST /api/v1/remediations/{id}/approve`).
    Approve,
    /// Executed without approval, after the policy's delay.
    Auto,
}

/// Which content a policy covers. Empty lists cover everything.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyScope {
    pub spaces: Vec<String>,
    /// Pages carrying any of these labels.
    pub labels: Vec<String>,
    pub content_types: Vec<ContentType>,
    pub exclude_pages: Vec<String>,
}

/// Which findings a policy covers. Empty lists match anything.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyMatch {
    pub detectors: Vec<String>,
    pub categories: Vec<Category>,
    pub min_severity: Option<Severity>,
    pub min_confidence: Option<f64>,
    /// Pages readable by at least one of these audiences; a page whose exposure is not known
    /// yet matches only a policy that names none.
    pub exposure: Vec<Exposure>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    #[serde(default)]
    pub scope: PolicyScope,
    #[serde(default, rename = "match")]
    pub matching: PolicyMatch,
    pub actions: Vec<ActionKind>,
    #[serde(default)]
    pub mode: Mode,
    /// Seconds between planning and executing, for `auto` (time for an owner to fix it first).
    #[serde(default)]
    pub delay_secs: u64,
    /// For `restrict_page`: who may still read or edit the page.
    #[serde(default)]
    pub restrict_to: RestrictTo,
    /// For `remove_space_access`: the audiences that lose access to the space: `anonymous`
    /// and group names. Empty means anonymous users only.
    #[serde(default)]
    pub revoke: Vec<String>,
    /// For `classify`: the name of the classification level to set.
    #[serde(default)]
    pub classification: Option<String>,
    /// For `notify`: also post a comment on the page (masked previews only).
    #[serde(default)]
    pub comment: bool,
}

/// The audience a restricted page keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestrictTo {
    /// Group names (Data Center) or ids (Cloud).
    pub groups: Vec<String>,
    /// Account ids (Cloud) or user keys (Data Center).
    pub users: Vec<String>,
    /// Restrict editing too, not only reading.
    pub edit: bool,
}

/// A finding as the policies see it: with its page's labels and exposure.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub finding: &'a Finding,
    pub labels: &'a [String],
    pub exposure: Option<Exposure>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("a remediation policy needs a name")]
    NoName,
    #[error("two remediation policies are named {0:?}")]
    DuplicateName(String),
    #[error("remediation policy {0:?} has no action")]
    NoAction(String),
    #[error("remediation policy {0:?}: min_confidence must be between 0 and 1")]
    Confidence(String),
    #[error("remediation policy {0:?} restricts pages: name who keeps access in restrict_to")]
    NoAudience(String),
    #[error("remediation policy {0:?} classifies pages: name the level in classification")]
    NoLevel(String),
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Notify => "notify",
            ActionKind::Classify => "classify",
            ActionKind::RestrictPage => "restrict_page",
            ActionKind::RemoveSpaceAccess => "remove_space_access",
            ActionKind::RedactInPlace => "redact_in_place",
            ActionKind::QuarantineAttachment => "quarantine_attachment",
            ActionKind::PurgeHistory => "purge_history",
        }
    }

    pub fn parse(word: &str) -> Option<ActionKind> {
        [
            ActionKind::Notify,
            ActionKind::Classify,
            ActionKind::RestrictPage,
            ActionKind::RemoveSpaceAccess,
            ActionKind::RedactInPlace,
            ActionKind::QuarantineAttachment,
            ActionKind::PurgeHistory,
        ]
        .into_iter()
        .find(|a| a.as_str() == word)
    }
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry_run",
            Mode::Approve => "approve",
            Mode::Auto => "auto",
        }
    }
}

impl Policy {
    /// The most severe of its actions.
    pub fn most_severe(&self) -> Option<ActionKind> {
        self.actions.iter().copied().max()
    }

    pub fn covers(&self, subject: &Subject<'_>) -> bool {
        let (scope, m, f) = (&self.scope, &self.matching, subject.finding);
        let location = &f.location;
        let any = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
        any(&scope.spaces, &location.space_key)
            && (scope.labels.is_empty() || scope.labels.iter().any(|l| subject.labels.contains(l)))
            && (scope.content_types.is_empty()
                || scope.content_types.contains(&location.content_type))
            && !scope.exclude_pages.contains(&location.page_id)
            && any(&m.detectors, &f.detector)
            && (m.categories.is_empty() || m.categories.contains(&f.category))
            && m.min_severity.is_none_or(|min| f.severity >= min)
            && m.min_confidence.is_none_or(|min| f.confidence >= min)
            && (m.exposure.is_empty() || subject.exposure.is_some_and(|e| m.exposure.contains(&e)))
    }
}

/// Checks what a config file says before anything is planned with it.
pub fn validate(policies: &[Policy]) -> Result<(), PolicyError> {
    let mut names = std::collections::HashSet::new();
    for p in policies {
        if p.name.trim().is_empty() {
            return Err(PolicyError::NoName);
        }
        if !names.insert(p.name.as_str()) {
            return Err(PolicyError::DuplicateName(p.name.clone()));
        }
        if p.actions.is_empty() {
            return Err(PolicyError::NoAction(p.name.clone()));
        }
        if p.matching
            .min_confidence
            .is_some_and(|c| !(0.0..=1.0).contains(&c))
        {
            return Err(PolicyError::Confidence(p.name.clone()));
        }
        let has = |a: ActionKind| p.actions.contains(&a);
        if has(ActionKind::RestrictPage)
            && p.restrict_to.groups.is_empty()
            && p.restrict_to.users.is_empty()
        {
            return Err(PolicyError::NoAudience(p.name.clone()));
        }
        if has(ActionKind::Classify)
            && p.classification
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
        {
            return Err(PolicyError::NoLevel(p.name.clone()));
        }
    }
    Ok(())
}

/// The policy a finding gets: of those that cover it, the one with the most severe action;
/// between equals, the first in the file.
pub fn decide<'p>(policies: &'p [Policy], subject: &Subject<'_>) -> Option<&'p Policy> {
    let mut chosen: Option<&Policy> = None;
    for p in policies.iter().filter(|p| p.covers(subject)) {
        if chosen.is_none_or(|c| p.most_severe() > c.most_severe()) {
            chosen = Some(p);
        }
    }
    chosen
}

#[cfg(test)]
mod tests;
