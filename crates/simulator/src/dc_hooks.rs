//! Data Center webhooks (7.7+), as a site sends them: a thin JSON payload
//! (`{"timestamp","event":"page_updated","userKey","page":{"id","spaceKey","version",...}}`)
//! POSTed to each registered URL with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body
//! under the webhook's secret>`, `X-Event-Key` and a fresh `X-Request-Id`. A delivery that
//! fails is retried a few times with growing waits.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::AppState;
use super::store::{DocKind, Document, Store};

/// Where events go, and the secret the webhook was configured with in Confluence's admin.
#[derive(Clone, PartialEq, Eq)]
pub struct DataCenterTarget {
    pub url: url::Url,
    pub secret: String,
}

impl std::fmt::Debug for DataCenterTarget {
    // The secret signs events: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataCenterTarget")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

pub(crate) struct DataCenterEmitter {
    targets: Mutex<Vec<DataCenterTarget>>,
    http: reqwest::Client,
}

impl DataCenterEmitter {
    pub(crate) fn new() -> DataCenterEmitter {
        DataCenterEmitter {
            targets: Mutex::new(Vec::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }

    pub(crate) fn add_target(&self, target: DataCenterTarget) {
        self.lock().push(target);
    }

    /// `page_updated` / `blog_updated` for a document's new version, sent in the background.
    pub(crate) fn emit_update(state: &Arc<AppState>, store: &Store, d: &Document) {
        let targets = state.dc_hooks.lock().clone();
        if targets.is_empty() {
            return;
        }
        let (event, key) = match d.kind {
            DocKind::Page => ("page_updated", "page"),
            DocKind::BlogPost => ("blog_updated", "blog"),
        };
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|t| t.as_millis() as u64)
            .unwrap_or_default();
        let space_key = store.space_of(d).map(|s| s.key.clone()).unwrap_or_default();
        let mut payload = json!({"timestamp": timestamp, "event": event,
                                 "userKey": d.version.author_id});
        payload[key] = json!({"id": d.id, "spaceKey": space_key, "version": d.version.number,
                              "title": d.title, "creatorKey": d.author_id});
        let body = serde_json::to_vec(&payload).unwrap_or_default();
        for target in targets {
            let state = state.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let (delivered, slowest) = state.dc_hooks.deliver(&target, event, &body).await;
                state.gate.record(|s| {
                    s.webhook_answer_max_ms = s.webhook_answer_max_ms.max(slowest);
                    if delivered {
                        s.webhooks_delivered += 1;
                    } else {
                        s.webhooks_failed += 1;
                    }
                });
            });
        }
    }

    /// Whether the event was taken, and the slowest answer (ms) among the attempts.
    async fn deliver(&self, target: &DataCenterTarget, event: &str, body: &[u8]) -> (bool, u64) {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(target.secret.as_bytes()) else {
            return (false, 0);
        };
        mac.update(body);
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        // One request id for every attempt: a retry is the same delivery.
        let request_id = uuid::Uuid::new_v4().to_string();
        super::delivery::deliver(|| {
            self.http
                .post(target.url.clone())
                .header("content-type", "application/json")
                .header("X-Hub-Signature", &signature)
                .header("X-Event-Key", event)
                .header("X-Request-Id", &request_id)
                .body(body.to_vec())
        })
        .await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<DataCenterTarget>> {
        self.targets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
