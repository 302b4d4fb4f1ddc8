//! The remediation worker: claims approved remediations (and undo requests) from the store
//! under a lease, carries each out, verifies it and records the outcome, with an audit event
//! for each step. Runs beside the job workers in `serve`. A transient failure goes back to
//! `approved` with a growing delay; after `max_attempts` it is `failed` with its reason.

use std::time::Duration;

use chrono::Utc;
use dlp_store::{NewAuditEvent, Remediation, RemediationState};
use serde_json::{Value, json};

use super::execute::{self, RunError};
use crate::app::App;

/// Whoever the audit trail names for the worker's own steps.
const ACTOR: &str = "remediation-worker";

/// Claims and runs remediations until `stop` resolves; idles `poll` between empty claims.
pub async fn run(app: std::sync::Arc<App>, stop: impl std::future::Future<Output = ()>) {
    let settings = &app.settings.remediation;
    let poll = Duration::from_millis(settings.poll_ms.max(50));
    tokio::pin!(stop);
    loop {
        let worked = match run_once(&app).await {
            Ok(worked) => worked,
            Err(e) => {
                tracing::warn!(error = %e, "remediation worker: the store did not answer");
                false
            }
        };
        if worked {
            continue;
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Claims one remediation with work due and runs it; `false` when there was none.
pub async fn run_once(app: &App) -> Result<bool, dlp_store::StoreError> {
    let settings = &app.settings.remediation;
    let lease = Duration::from_secs(settings.lease_secs.max(10));
    let Some(rem) = app.store.claim_remediation(lease).await? else {
        return Ok(false);
    };
    // A panic in an action is a bug; it must not take the worker down with it.
    let outcome = std::panic::AssertUnwindSafe(step(app, &rem));
    let outcome = futures::FutureExt::catch_unwind(outcome)
        .await
        .unwrap_or_else(|_| Err(RunError::Permanent("the action panicked".into())));
    if let Err(e) = outcome {
        fail(app, &rem, e).await?;
    }
    Ok(true)
}

async fn step(app: &App, rem: &Remediation) -> Result<(), RunError> {
    if rem.state == RemediationState::Undoing {
        let result = execute::undo(app, rem).await?;
        let mut merged = rem.result.clone().unwrap_or_else(|| json!({}));
        merged["undo"] = result;
        app.store
            .finish_remediation(&rem.id, RemediationState::Undone, Some(&merged), None, None)
            .await?;
        audit(app, rem, "remediation.undone", &merged).await;
        return Ok(());
    }
    let result = execute::execute(app, rem).await?;
    app.store
        .finish_remediation(&rem.id, RemediationState::Done, Some(&result), None, None)
        .await?;
    audit(app, rem, "remediation.executed", &result).await;
    match execute::verify(app, rem, &result).await {
        Ok(()) => {
            app.store
                .finish_remediation(&rem.id, RemediationState::Verified, None, None, None)
                .await?;
            audit(app, rem, "remediation.verified", &result).await;
            Ok(())
        }
        Err(e) => {
            let why = format!("verification: {e}");
            app.store
                .finish_remediation(&rem.id, RemediationState::Failed, None, Some(&why), None)
                .await?;
            audit(app, rem, "remediation.failed", &json!({"error": why})).await;
            Ok(())
        }
    }
}

async fn fail(app: &App, rem: &Remediation, e: RunError) -> Result<(), dlp_store::StoreError> {
    let max = i64::from(app.settings.remediation.max_attempts.max(1));
    let undoing = rem.state == RemediationState::Undoing;
    match e {
        RunError::Transient(why) if rem.attempts < max => {
            // 30 s, 1 min, 2 min, ... at most an hour.
            let backoff = 30i64 << rem.attempts.clamp(0, 7);
            let at = Utc::now() + chrono::Duration::seconds(backoff.min(3600));
            let back = if undoing {
                RemediationState::Undoing
            } else {
                RemediationState::Approved
            };
            tracing::info!(remediation = %rem.id, error = %why, "remediation will be retried");
            app.store
                .finish_remediation(&rem.id, back, None, Some(&why), Some(at))
                .await?;
        }
        RunError::Transient(why) | RunError::Permanent(why) => {
            let why = if undoing { format!("undo: {why}") } else { why };
            tracing::warn!(remediation = %rem.id, error = %why, "remediation failed");
            app.store
                .finish_remediation(&rem.id, RemediationState::Failed, None, Some(&why), None)
                .await?;
            audit(app, rem, "remediation.failed", &json!({"error": why})).await;
        }
    }
    Ok(())
}

async fn audit(app: &App, rem: &Remediation, action: &str, detail: &Value) {
    let event = NewAuditEvent {
        actor: ACTOR.into(),
        action: action.into(),
        scan_id: None,
        subject: Some(rem.id.clone()),
        detail: json!({
            "policy": rem.policy,
            "action": rem.action,
            "page_id": rem.target.page_id,
            "result": detail,
        }),
    };
    if let Err(e) = app.store.record_audit(&event).await {
        tracing::warn!(error = %e, remediation = %rem.id, "audit event not written");
    }
}
