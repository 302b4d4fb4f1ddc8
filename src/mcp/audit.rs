//! The audit trail of the proxy: one event per call (`mcp.call`), per resource read
//! (`mcp.resource_read`) and per prompt (`mcp.prompt`), in the service's audit trail, so
//! `GET /api/v1/audit?action=mcp.` shows them beside everything else.
//!
//! Events are written by one task behind a bounded channel: a call does not wait for the
//! store, but a store that stops answering makes calls wait rather than drop their events.
//! On shutdown the task writes what is queued before the process exits.

use dlp_store::{NewAuditEvent, Store};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::scrub::Report;

/// What the proxy did with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Forwarded; nothing needed replacing.
    Passed,
    /// Forwarded; values in its result (or arguments) were replaced or withheld.
    Redacted,
    /// Forwarded unread, by policy (`allow`).
    Allowed,
    /// Refused by policy, or for its arguments.
    Blocked,
    /// A person refused it, or nobody decided in time.
    Denied,
    /// The upstream failed or the result could not be checked: the client got an error.
    Failed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Passed => "passed",
            Action::Redacted => "redacted",
            Action::Allowed => "allowed",
            Action::Blocked => "blocked",
            Action::Denied => "denied",
            Action::Failed => "failed",
        }
    }
}

/// One call, as the trail keeps it: no argument and no result, only digests and counts.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// `mcp.call`, `mcp.resource_read`, `mcp.prompt`.
    pub kind: &'static str,
    pub client: String,
    /// The tool, resource or prompt, as redacted.
    pub subject: String,
    pub args_digest: Option<String>,
    pub arguments: Report,
    pub result: Report,
    pub action: Action,
    /// Why, for a refusal or a failure: the proxy's own words, never content.
    pub reason: Option<String>,
    pub approval_id: Option<String>,
    pub latency_ms: f64,
    /// Of `latency_ms`, the time spent waiting for the upstream.
    pub upstream_ms: f64,
}

impl CallRecord {
    fn event(self) -> NewAuditEvent {
        let detectors: Vec<&String> = self
            .arguments
            .detectors
            .iter()
            .chain(self.result.detectors.iter())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        NewAuditEvent {
            actor: format!("mcp:{}", self.client),
            action: self.kind.to_owned(),
            scan_id: None,
            subject: Some(self.subject),
            detail: json!({
                "action": self.action.as_str(),
                "args_digest": self.args_digest,
                "detectors": detectors,
                "redactions": self.result.redactions + self.arguments.redactions,
                "known": self.result.known + self.arguments.known,
                "withheld": self.result.withheld + self.arguments.withheld,
                "argument_redactions": self.arguments.redactions,
                "reason": self.reason,
                "approval_id": self.approval_id,
                "latency_ms": (self.latency_ms * 1000.0).round() / 1000.0,
                "upstream_ms": (self.upstream_ms * 1000.0).round() / 1000.0,
                "proxy_ms": ((self.latency_ms - self.upstream_ms).max(0.0) * 1000.0).round() / 1000.0,
            }),
        }
    }
}

/// Events queued at most before a call waits for the store.
const QUEUE: usize = 1024;

#[derive(Clone)]
pub struct Auditor {
    tx: mpsc::Sender<CallRecord>,
}

pub struct AuditWriter {
    task: JoinHandle<()>,
}

impl Auditor {
    pub fn start(store: Store) -> (Auditor, AuditWriter) {
        let (tx, mut rx) = mpsc::channel::<CallRecord>(QUEUE);
        let task = tokio::spawn(async move {
            while let Some(record) = rx.recv().await {
                let event = record.event();
                // One retry after a pause: a store restarting is not a lost event.
                if let Err(e) = store.record_audit(&event).await {
                    tracing::warn!(error = %e, "cannot record an MCP call; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    if let Err(e) = store.record_audit(&event).await {
                        tracing::error!(error = %e, action = %event.action, "an MCP call was not audited");
                    }
                }
            }
        });
        (Auditor { tx }, AuditWriter { task })
    }

    pub async fn record(&self, record: CallRecord) {
        if self.tx.send(record).await.is_err() {
            tracing::error!("the audit writer has stopped; an MCP call was not audited");
        }
    }
}

impl AuditWriter {
    /// Waits until every event queued is written; call after the last [`Auditor`] is dropped.
    pub async fn finish(self) {
        let _ = self.task.await;
    }
}
