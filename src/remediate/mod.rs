//! Remediation (issue 17): what to do about findings, planned, approved, executed, verified,
//! audited and undoable.
//!
//! - [`policy`] decides which actions a finding calls for; [`exposure`] who can read its page,
//!   which raises its severity and which policies match on, read again after each scan
//!   ([`exposure_follow`]) and permission webhook.
//! - [`plan`] turns open findings into stored plans, each drafted by [`actions`] from what
//!   Confluence holds now: masked before/after snippets, permissions before and after.
//! - [`lifecycle`] is a person's word on a plan (approve, reject, undo).
//! - [`notify`] tells people (Slack, e-mail); [`notify_plan`] is the Notify action built on it.
//! - [`worker`] claims approved plans and runs them through [`execute`]: idempotent writes,
//!   verification by reading back and scanning, undo from the snapshot kept.
//! - [`native`] redacts through Confluence Cloud's own redaction where the site has Atlassian
//!   Guard Premium, and says when the storage path must do it instead.
//! - [`storage_view`] and [`content`] read and rewrite storage bodies so that only a value's
//!   own characters change; [`access`] reads and changes restrictions, space permissions and
//!   classification levels.
//! - [`live`] holds the policies in force, which [`reload`] replaces when the config file
//!   changes (or on SIGHUP), without a restart.

pub mod access;
pub mod actions;
pub mod content;
pub mod execute;
pub mod exposure;
pub mod exposure_follow;
pub mod lifecycle;
pub mod live;
pub mod native;
pub mod notify;
pub mod notify_plan;
pub mod plan;
pub mod policy;
pub mod reload;
pub mod storage_view;
pub mod worker;

use secrecy::SecretString;

/// `[remediation]`: the policies, checked when the process starts (`Settings::validate`)
/// and on every reload, and how the worker runs them.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemediationSettings {
    pub policies: Vec<policy::Policy>,
    /// `[remediation.notify]`: Slack and e-mail.
    pub notify: notify::NotifySettings,
    /// Groups every user of the site is in: a space they may view is readable site-wide.
    pub site_wide_groups: Vec<String>,
    /// A space administrator's credential, for `remove_space_access` only: Confluence lets
    /// only space admins change space permissions (and no app at all on Cloud). Kept apart
    /// from the scanning credential, which needs no such right.
    pub space_admin: SpaceAdminSettings,
    /// How often an idle worker looks for approved remediations.
    pub poll_ms: u64,
    /// How long a worker holds a remediation before another may take it over.
    pub lease_secs: u64,
    /// Attempts before a remediation that keeps failing transiently is `failed`.
    pub max_attempts: u32,
    /// How often `serve` looks whether its config file changed, to reload the policies and
    /// notify settings (0: only on SIGHUP). Read at start: changing it needs a restart.
    pub reload_secs: u64,
    /// `auto` | `never` | `always`: whether pages and blog posts on Cloud are redacted by
    /// Confluence's own redaction (Atlassian Guard Premium) rather than by writing a new
    /// version of the storage body ([`native`]).
    pub native_redaction: native::NativeMode,
}

impl Default for RemediationSettings {
    fn default() -> Self {
        RemediationSettings {
            policies: Vec::new(),
            notify: notify::NotifySettings::default(),
            site_wide_groups: vec!["confluence-users".into(), "users".into()],
            space_admin: SpaceAdminSettings::default(),
            poll_ms: 1000,
            lease_secs: 300,
            max_attempts: 5,
            reload_secs: 5,
            native_redaction: native::NativeMode::Auto,
        }
    }
}

/// `[remediation.space_admin]`, or `DLP_SPACE_ADMIN_EMAIL` + `DLP_SPACE_ADMIN_API_TOKEN`
/// (Cloud) / `DLP_SPACE_ADMIN_PAT` (Data Center).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpaceAdminSettings {
    pub email: Option<String>,
    pub api_token: Option<SecretString>,
    pub pat: Option<SecretString>,
}

impl SpaceAdminSettings {
    pub fn is_set(&self) -> bool {
        self.email.is_some() || self.api_token.is_some() || self.pat.is_some()
    }
}
