//! Remediation (issue 17): what to do about findings, planned, approved, executed, verified,
//! audited and undoable. [`policy`] decides which actions a finding calls for; [`notify`]
//! carries out the Notify action.

pub mod notify;
pub mod policy;
pub mod storage_view;

/// `[remediation]`: the policies and where notices go, checked when the process starts
/// (`Settings::validate`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemediationSettings {
    pub policies: Vec<policy::Policy>,
    /// `[remediation.notify]`: Slack and e-mail.
    pub notify: notify::NotifySettings,
}
