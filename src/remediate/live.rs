//! The remediation policies in force: read from the settings at start, replaced whole by
//! [`super::reload`] when the config file changes. Planning and execution take a snapshot
//! ([`LivePolicies::current`]) and use it to the end, so one plan never mixes two versions
//! of the file; a reload never waits for them, nor they for it.

use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::RemediationSettings;
use super::notify::NotifySettings;
use super::policy::Policy;

/// One version of the reloadable part of `[remediation]`: the policies and where notices go.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    pub notify: NotifySettings,
    /// SHA-256 of the policies as parsed (hex), for the audit trail: the same policies give
    /// the same digest whatever the file's comments and spacing. The notify settings are left
    /// out: they hold secrets (a webhook URL, a password), and a digest of a weak password
    /// could be brute-forced by anyone reading the audit trail.
    pub digest: String,
}

impl PolicySet {
    pub fn from_settings(settings: &RemediationSettings) -> PolicySet {
        PolicySet {
            policies: settings.policies.clone(),
            notify: settings.notify.clone(),
            digest: digest(&settings.policies),
        }
    }

    /// The policy of this name, if the set still has it.
    pub fn get(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.policies.iter().map(|p| p.name.as_str()).collect()
    }
}

/// The Debug form is complete (every field, in declaration order) and deterministic, which
/// is all a digest needs; `Policy` has no Serialize to hash instead.
fn digest(policies: &[Policy]) -> String {
    hex::encode(Sha256::digest(format!("{policies:?}").as_bytes()))
}

/// The set in force, swapped whole. A lock held only to clone or replace an `Arc`: readers
/// keep their snapshot after a swap, and the old set is dropped with its last reader.
#[derive(Debug)]
pub struct LivePolicies {
    current: RwLock<Arc<PolicySet>>,
}

impl LivePolicies {
    pub fn new(set: PolicySet) -> LivePolicies {
        LivePolicies {
            current: RwLock::new(Arc::new(set)),
        }
    }

    pub fn current(&self) -> Arc<PolicySet> {
        // A poisoned lock still holds a whole `Arc` (a swap cannot half-happen).
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts `set` in force; answers the set it replaced.
    pub fn replace(&self, set: PolicySet) -> Arc<PolicySet> {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(&mut *current, Arc::new(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> RemediationSettings {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_snapshot_outlives_a_swap_and_the_digest_follows_the_policies_not_the_text() {
        let one = settings("[[policies]]\nname = \"a\"\nactions = [\"notify\"]\n");
        let live = LivePolicies::new(PolicySet::from_settings(&one));
        let before = live.current();
        let spaced =
            settings("# a comment\n[[policies]]\nname   = \"a\"\nactions = [ \"notify\" ]");
        assert_eq!(PolicySet::from_settings(&spaced).digest, before.digest);
        let two = settings(
            "[[policies]]\nname = \"a\"\nactions = [\"notify\"]\nmode = \"approve\"\n\
             [[policies]]\nname = \"b\"\nactions = [\"notify\"]\n",
        );
        let old = live.replace(PolicySet::from_settings(&two));
        assert_eq!(old.digest, before.digest);
        assert_eq!(
            before.names(),
            ["a"],
            "a snapshot taken before keeps its set"
        );
        let now = live.current();
        assert_eq!(now.names(), ["a", "b"]);
        assert_ne!(now.digest, before.digest);
        assert_eq!(
            now.get("a").unwrap().mode,
            super::super::policy::Mode::Approve
        );
        assert!(now.get("c").is_none());
    }
}
