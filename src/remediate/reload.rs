//! Reloading the remediation policies without a restart: `serve` re-reads the config file it
//! started with on SIGHUP, and when the file's content changes (looked at every
//! `remediation.reload_secs`). The file goes through the start-up steps (parse, environment
//! over it, the policies' and notify settings' checks); only `[remediation]`'s policies and
//! `notify` are taken from it, everything else needs a restart.
//!
//! A file that does not parse or pass the checks changes nothing: the set in force stays,
//! the error is logged and audited (`remediation.policies_rejected`). A good one replaces the
//! set whole (`remediation.policies_reloaded`, with the policy names and a digest). Plans
//! already made keep their mode; their actions run against the policy of their name as it
//! is then ([`super::access`]).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dlp_store::NewAuditEvent;
use serde_json::json;

use super::live::PolicySet;
use crate::app::App;
use crate::config::{ConfigFile, Settings};

/// Whoever the audit trail names for a reload.
const ACTOR: &str = "config-reloader";

/// What asked for a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// SIGHUP: an operator asked, so the file is read even if it looks unchanged.
    Signal,
    /// The periodic look found the content changed.
    Changed,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Signal => "signal",
            Trigger::Changed => "file_changed",
        }
    }
}

/// What the config file held when last read. Content, not modification time: a time misses
/// a rewrite within its granularity (a second, or two on some file systems) and changes on a
/// `touch` that changes nothing; the file is small, so each look reads and hashes it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Content([u8; 32]),
    /// Missing or unreadable: reported once, not at every look until it is back.
    Unreadable,
}

/// Tells whether the config file changed since it was last seen.
#[derive(Debug)]
pub struct ChangeDetector {
    seen: Seen,
}

impl ChangeDetector {
    /// Starts from what the process loaded, so a change made between loading and the
    /// reloader's first look is not missed.
    pub fn new(loaded: &ConfigFile) -> ChangeDetector {
        ChangeDetector {
            seen: Seen::Content(loaded.sha256),
        }
    }

    /// Takes what a read of the file gave: whether it differs from what was seen last (a
    /// new content, or the file becoming unreadable). Either way it becomes what was seen:
    /// a file rejected once is not rejected again at every look, only when it changes again.
    pub fn changed(&mut self, read: &std::io::Result<Vec<u8>>) -> bool {
        let now = match read {
            Ok(bytes) => Seen::Content(ConfigFile::hash(bytes)),
            Err(_) => Seen::Unreadable,
        };
        if now == self.seen {
            return false;
        }
        self.seen = now;
        true
    }
}

/// Re-reads the policies from `read` (the config file's bytes, or why they could not be
/// read) and puts them in force if they pass the start-up checks. Answers the set now in
/// force, or why the file was refused. Audits either way.
pub async fn reload(
    app: &App,
    path: &Path,
    read: std::io::Result<Vec<u8>>,
    trigger: Trigger,
) -> Result<Arc<PolicySet>, String> {
    let parsed = read
        .map_err(|source| crate::config::ConfigError::Read {
            path: path.to_owned(),
            source,
        })
        .and_then(|bytes| Settings::from_config_bytes(path, &bytes))
        .and_then(|settings| settings.validate_reloadable().map(|()| settings));
    let settings = match parsed {
        Ok(settings) => settings,
        Err(e) => {
            // Config errors name the setting and the position, never a value (see
            // `Settings::from_file`), so the reason may be logged and stored.
            let reason = e.to_string();
            let kept = app.policies();
            tracing::error!(
                path = %path.display(),
                trigger = trigger.as_str(),
                reason,
                digest = kept.digest,
                "remediation policies not reloaded; the previous ones stay in force"
            );
            audit(
                app,
                "remediation.policies_rejected",
                json!({
                    "path": path.display().to_string(),
                    "trigger": trigger.as_str(),
                    "reason": reason,
                    "kept_digest": kept.digest,
                    "kept_policies": kept.names(),
                }),
            )
            .await;
            return Err(reason);
        }
    };
    let set = PolicySet::from_settings(&settings.remediation);
    let old = app.live_policies().replace(set);
    let new = app.policies();
    tracing::info!(
        path = %path.display(),
        trigger = trigger.as_str(),
        policies = ?new.names(),
        digest = new.digest,
        changed = new.digest != old.digest,
        "remediation policies reloaded"
    );
    audit(
        app,
        "remediation.policies_reloaded",
        json!({
            "path": path.display().to_string(),
            "trigger": trigger.as_str(),
            "policies": new.names(),
            "digest": new.digest,
            "previous_digest": old.digest,
        }),
    )
    .await;
    Ok(new)
}

async fn audit(app: &App, action: &str, detail: serde_json::Value) {
    let event = NewAuditEvent {
        actor: ACTOR.into(),
        action: action.into(),
        scan_id: None,
        subject: None,
        detail,
    };
    // The reload itself stands (or not) whatever the store says: the log has it too.
    if let Err(e) = app.store.record_audit(&event).await {
        tracing::warn!(error = %e, action, "the reload was not audited: the store did not answer");
    }
}

/// Runs beside the API in `serve` until `stop` resolves: reloads on SIGHUP and, every
/// `remediation.reload_secs` (0: never), when the config file's content changed.
pub async fn run(app: Arc<App>, stop: impl Future<Output = ()>) {
    use tokio::signal::unix::{SignalKind, signal};
    // Listened to even without a config file: SIGHUP's default would end the process, and a
    // process manager that sends it to ask for a reload should not stop the service.
    let hangups = match signal(SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP cannot be listened to; the config file is only polled");
            None
        }
    };
    match &app.settings.config_file {
        // Tests of `serve` wait for this line before they send SIGHUP.
        Some(file) => tracing::info!(
            path = %file.path.display(),
            reload_secs = app.settings.remediation.reload_secs,
            sighup = hangups.is_some(),
            "watching the config file for remediation policies"
        ),
        None => tracing::debug!("no config file: the remediation policies are those of the start"),
    }
    watch(app, hangups, stop).await;
}

/// Something that resolves at each reload request (SIGHUP in `serve`, a channel in tests).
pub trait Hangups {
    fn next(&mut self) -> impl Future<Output = Option<()>> + Send;
}

impl Hangups for tokio::signal::unix::Signal {
    fn next(&mut self) -> impl Future<Output = Option<()>> + Send {
        self.recv()
    }
}

impl Hangups for tokio::sync::mpsc::Receiver<()> {
    fn next(&mut self) -> impl Future<Output = Option<()>> + Send {
        self.recv()
    }
}

/// The reloader's loop, with its signal source given.
pub async fn watch(
    app: Arc<App>,
    mut hangups: Option<impl Hangups>,
    stop: impl Future<Output = ()>,
) {
    let file = app.settings.config_file.clone();
    let every = app.settings.remediation.reload_secs;
    let mut detector = file.as_ref().map(ChangeDetector::new);
    let path: Option<PathBuf> = file.map(|f| f.path);
    let mut ticks = (every > 0 && path.is_some()).then(|| {
        let mut t = tokio::time::interval(Duration::from_secs(every));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    tokio::pin!(stop);
    loop {
        let hangup = async {
            match hangups.as_mut() {
                Some(h) => h.next().await,
                None => std::future::pending().await,
            }
        };
        let tick = async {
            match ticks.as_mut() {
                Some(t) => {
                    t.tick().await;
                }
                None => std::future::pending().await,
            }
        };
        let woke = tokio::select! {
            () = &mut stop => return,
            got = hangup => got.map(|()| Trigger::Signal),
            () = tick => Some(Trigger::Changed),
        };
        let Some(trigger) = woke else {
            // The signal source is gone: polling alone goes on.
            hangups = None;
            continue;
        };
        let (Some(path), Some(detector)) = (path.as_deref(), detector.as_mut()) else {
            tracing::warn!(
                "SIGHUP: no config file to reload (serve was started without --config or DLP_CONFIG)"
            );
            continue;
        };
        let read = tokio::fs::read(path).await;
        // On SIGHUP the file is read whatever it holds (what it holds is then what was
        // seen); a look reloads only a change.
        if !detector.changed(&read) && trigger == Trigger::Changed {
            continue;
        }
        let _ = reload(&app, path, read, trigger).await;
    }
}

#[cfg(test)]
mod tests;
