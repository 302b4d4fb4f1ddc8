//! The scheduler role: starts the configured scans when their cron expressions come due.
//!
//! What it needs to remember lives in the store, so any number of schedulers can run and any
//! of them can restart: a lease lets one act at a time (the others wait to take over), and
//! each schedule's last tick is kept, so a tick missed while no scheduler ran is acted on once
//! at start, however many were missed. A new schedule starts at its next tick. A tick whose
//! space is still being scanned is skipped, not queued behind it.
//!
//! The scheduler also re-checks running scans now and then, so that a scan whose last job's
//! completion check was lost (a store outage at that moment) still ends.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use croner::Cron;
use dlp_store::ScanMode;

use crate::app::App;
use crate::config::{ConfigError, ScheduleSettings};
use crate::scan::{ScanScope, StartError, StartScan, start_scan};

const LEASE: &str = "scheduler";

/// A schedule of the config, checked.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub name: String,
    pub scope: ScanScope,
    pub mode: ScanMode,
    pub history: Option<dlp_domain::HistoryDepth>,
    cron: Cron,
}

impl Schedule {
    pub fn parse(s: &ScheduleSettings) -> Result<Schedule, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            name: "schedules",
            reason: format!("schedule {:?}: {reason}", s.name),
        };
        if s.name.trim().is_empty() {
            return Err(invalid("needs a name".into()));
        }
        let scope = match (&s.space_key, s.all_spaces) {
            (Some(key), false) if !key.trim().is_empty() => ScanScope::Space(key.trim().into()),
            (None, true) => ScanScope::AllSpaces,
            _ => return Err(invalid("give either space_key or all_spaces = true".into())),
        };
        let mode = ScanMode::parse(&s.mode)
            .filter(|m| *m != ScanMode::Event)
            .ok_or_else(|| invalid("mode must be full or incremental".into()))?;
        let history = s
            .history
            .as_deref()
            .map(|h| {
                dlp_domain::HistoryDepth::parse(h).ok_or_else(|| {
                    invalid("history must be a number of versions from 1, or all".into())
                })
            })
            .transpose()?;
        let cron = Cron::from_str(&s.cron)
            .map_err(|e| invalid(format!("cron {:?} is not a cron expression: {e}", s.cron)))?;
        Ok(Schedule {
            name: s.name.clone(),
            scope,
            mode,
            history,
            cron,
        })
    }

    /// The newest tick at or before `now`.
    fn last_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_previous_occurrence(&now, true).ok()
    }
}

/// Every schedule of the settings, or the first that is wrong.
pub fn schedules(app: &App) -> Result<Vec<Schedule>, ConfigError> {
    let mut seen = std::collections::HashSet::new();
    app.settings
        .schedules
        .iter()
        .map(|s| {
            if !seen.insert(s.name.clone()) {
                return Err(ConfigError::Invalid {
                    name: "schedules",
                    reason: format!("two schedules are named {:?}", s.name),
                });
            }
            Schedule::parse(s)
        })
        .collect()
}

/// Runs until `shutdown` resolves; gives the lease up on the way out.
pub async fn run_scheduler(
    app: Arc<App>,
    schedules: Vec<Schedule>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let holder = format!(
        "{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().as_simple()
    );
    let every = Duration::from_secs(app.settings.scheduler.tick_secs.max(1));
    let lease_ms = i64::try_from(app.settings.scheduler.lease_secs.max(1) * 1000).unwrap_or(30_000);
    tracing::info!(schedules = schedules.len(), "scheduler started");
    tokio::pin!(shutdown);
    loop {
        match app.store.hold_lease(LEASE, &holder, lease_ms).await {
            Ok(true) => {
                for schedule in &schedules {
                    if let Err(e) = tick(&app, schedule, Utc::now()).await {
                        tracing::warn!(schedule = %schedule.name, error = %e, "schedule tick failed");
                    }
                }
                sweep(&app).await;
            }
            Ok(false) => tracing::debug!("another scheduler holds the lease"),
            Err(e) => tracing::warn!(error = %e, "cannot reach the store for the lease"),
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(every) => {}
        }
    }
    let _ = app.store.release_lease(LEASE, &holder).await;
    tracing::info!("scheduler stopped");
}

/// Acts on the schedule's newest due tick if it has not yet; returns the scan it started.
pub async fn tick(
    app: &App,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Result<Option<String>, StartError> {
    let Some(due) = schedule.last_due(now) else {
        return Ok(None);
    };
    let due_ms = due.timestamp_millis();
    let Some(last) = app.store.schedule_tick(&schedule.name).await? else {
        // A new schedule: what came due before it existed was not missed.
        app.store
            .set_schedule_tick(&schedule.name, due_ms, None)
            .await?;
        return Ok(None);
    };
    if due_ms <= last {
        return Ok(None);
    }
    let request = StartScan {
        scope: schedule.scope.clone(),
        mode: schedule.mode,
        actor: format!("scheduler:{}", schedule.name),
        history: schedule.history,
    };
    let started = match start_scan(app, &request).await {
        Ok(scan) => {
            tracing::info!(schedule = %schedule.name, scan = %scan.id, mode = %scan.mode, "scheduled scan started");
            Some(scan.id)
        }
        Err(StartError::AlreadyRunning { scan_id, .. }) => {
            tracing::info!(schedule = %schedule.name, running = %scan_id, "tick skipped: a scan is still running");
            None
        }
        Err(e) => return Err(e),
    };
    app.store
        .set_schedule_tick(&schedule.name, due_ms, started.as_deref())
        .await?;
    Ok(started)
}

async fn sweep(app: &App) {
    let Ok(running) = app.store.running_scan_ids().await else {
        return;
    };
    for id in running {
        if let Err(e) = app.store.complete_if_drained(&id).await {
            tracing::debug!(scan = %id, error = %e, "cannot re-check a running scan");
        }
    }
}
