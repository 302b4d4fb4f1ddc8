//! Forge, as a Confluence site's events reach an app's remote: each event is POSTed to every
//! registered receiver with a Forge Invocation Token (RS256, `iss` forge/invocation-token,
//! `aud` the app's id, five minutes' life, a fresh `jti`), signed with a key the simulator
//! makes at start and publishes at `/forge/.well-known/jwks.json`, as Atlassian's CDN does.
//! A delivery that fails is retried four times with growing waits, as Forge does.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use std::sync::Arc;

use super::AppState;

const KEY_ID: &str = "simulator-forge-1";

/// Where events go: a remote's URL (`https://dlp.example/webhooks/forge`) and the app id
/// its tokens are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeTarget {
    pub url: url::Url,
    pub app_id: String,
}

pub(crate) struct ForgeEmitter {
    key: OnceLock<(EncodingKey, Value)>,
    targets: Mutex<Vec<ForgeTarget>>,
    http: reqwest::Client,
}

impl ForgeEmitter {
    pub(crate) fn new() -> ForgeEmitter {
        ForgeEmitter {
            key: OnceLock::new(),
            targets: Mutex::new(Vec::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }

    /// The signing key and its published set, made on first use (RSA key generation takes
    /// a moment, and most simulators never send an event).
    fn key(&self) -> &(EncodingKey, Value) {
        self.key.get_or_init(|| {
            use rsa::Generate as _;
            use rsa::pkcs8::{EncodePrivateKey, LineEnding};
            let private = rsa::PrivateKey::generate();
            let pem = private
                .to_pkcs8_pem(LineEnding::LF)
                .expect("a generated key encodes");
            let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("our own PEM parses");
            let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("an RSA key");
            jwk.common.key_id = Some(KEY_ID.into());
            let set = serde_json::to_value(JwkSet { keys: vec![jwk] }).unwrap_or(Value::Null);
            (key, set)
        })
    }

    pub(crate) fn jwks(&self) -> Value {
        self.key().1.clone()
    }

    pub(crate) fn add_target(&self, target: ForgeTarget) {
        // Made now, not on the first event: an event must not wait for key generation.
        let _ = self.key();
        self.lock().push(target);
    }

    /// Sends the event to every target in the background; the write that caused it does not
    /// wait.
    pub(crate) fn emit(state: &Arc<AppState>, event: Value) {
        let targets = state.forge.lock().clone();
        for target in targets {
            let state = state.clone();
            let event = event.clone();
            tokio::spawn(async move {
                let (delivered, slowest) = state.forge.deliver(&target, &event).await;
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
    async fn deliver(&self, target: &ForgeTarget, event: &Value) -> (bool, u64) {
        super::delivery::deliver(|| {
            self.http
                .post(target.url.clone())
                .bearer_auth(self.token(&target.app_id))
                .json(event)
        })
        .await
    }

    fn token(&self, app_id: &str) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KEY_ID.into());
        let claims = json!({
            "iss": "forge/invocation-token",
            "aud": app_id,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid::Uuid::new_v4().to_string(),
            "app": {"id": app_id},
        });
        jsonwebtoken::encode(&header, &claims, &self.key().0).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ForgeTarget>> {
        self.targets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
