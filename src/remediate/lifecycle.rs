//! A person's word on a remediation: approve a plan, reject it, or take back a change that
//! was made. Each moves the remediation by a compare-and-set on its state, so of two people
//! deciding at once the first word stands, and each is audited with who and why.

use dlp_store::{NewAuditEvent, Remediation, RemediationState, Store, StoreError};
use serde_json::json;

use super::policy::ActionKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Undo,
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("no such remediation")]
    NotFound,
    /// The remediation's state or kind does not allow it; the message says why.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Undo => "undo",
        }
    }
}

/// Whether Confluence lets this action on this kind of content be taken back: a deleted
/// historical version and a message sent are gone for good, and a comment's earlier version
/// cannot be read back to restore it.
pub fn reversible(action: &str, content_type: &str) -> bool {
    match ActionKind::parse(action) {
        Some(ActionKind::PurgeHistory | ActionKind::Notify) | None => false,
        Some(ActionKind::RedactInPlace) => content_type != "comment",
        Some(_) => true,
    }
}

pub async fn decide(
    store: &Store,
    id: &str,
    decision: Decision,
    by: &str,
    reason: Option<&str>,
) -> Result<Remediation, DecideError> {
    let current = store.remediation(id).await?.ok_or(DecideError::NotFound)?;
    use RemediationState as S;
    let (from, to): (&[S], S) = match decision {
        Decision::Approve => {
            if current.mode == super::policy::Mode::DryRun.as_str() {
                return Err(DecideError::Conflict(format!(
                    "policy {:?} runs as a dry run: its plans are shown, never carried out; \
                     set its mode to approve or auto",
                    current.policy
                )));
            }
            (&[S::Planned], S::Approved)
        }
        Decision::Reject => (&[S::Planned, S::Approved], S::Rejected),
        Decision::Undo => {
            if !reversible(&current.action, &current.target.content_type) {
                return Err(DecideError::Conflict(format!(
                    "{} cannot be undone: Confluence keeps no way back",
                    current.action
                )));
            }
            if current.result.is_none() {
                return Err(DecideError::Conflict(
                    "nothing was changed, so there is nothing to undo".into(),
                ));
            }
            (&[S::Done, S::Verified, S::Failed], S::Undoing)
        }
    };
    let Some(moved) = store.decide_remediation(id, from, to, by, reason).await? else {
        let now = store.remediation(id).await?.ok_or(DecideError::NotFound)?;
        return Err(DecideError::Conflict(format!(
            "cannot {} a remediation that is {}",
            decision.as_str(),
            now.state
        )));
    };
    store
        .record_audit(&NewAuditEvent {
            actor: by.to_owned(),
            action: format!("remediation.{}", past(decision)),
            scan_id: None,
            subject: Some(moved.id.clone()),
            detail: json!({
                "policy": moved.policy,
                "action": moved.action,
                "page_id": moved.target.page_id,
                "reason": reason,
            }),
        })
        .await?;
    Ok(moved)
}

fn past(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "approved",
        Decision::Reject => "rejected",
        Decision::Undo => "undo_requested",
    }
}
