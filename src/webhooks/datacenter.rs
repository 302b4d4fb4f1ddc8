//! Data Center (7.7+) webhooks at `POST /webhooks/datacenter`: `X-Hub-Signature` is an
//! HMAC-SHA256 of the raw body under the webhook's secret, as hex, with or without a
//! `sha256=` prefix. The payload is thin (`{"timestamp", "event", "userKey", "page": {...}}`,
//! read by [`super::thin`]).
//!
//! Replays: the signed `timestamp` (ms) must lie within `max_age_secs` of now, either way,
//! and the delivery id is the SHA-256 of the raw body, so the same delivery again within the
//! window is a `duplicate`. An `X-Request-Id` header is not used as the id: it is outside
//! the signature, so a replayed body with a fresh header would pass as a new delivery.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::thin::ThinPayload;
use super::{ContentEvent, Rejection, reject, take};
use crate::api::ApiState;
use crate::api::error::ApiError;

pub struct DataCenterVerifier {
    secret: SecretString,
    max_age: Duration,
}

/// The body's envelope: the event's name and time, and the item it names.
#[derive(Debug, Deserialize)]
struct Envelope {
    event: String,
    timestamp: Option<i64>,
    #[serde(flatten)]
    payload: ThinPayload,
}

impl DataCenterVerifier {
    pub fn new(secret: SecretString, max_age: Duration) -> DataCenterVerifier {
        DataCenterVerifier { secret, max_age }
    }

    /// The delivery id and the event, once the signature holds and the event is recent.
    pub fn verify(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now_ms: i64,
    ) -> Result<(String, ContentEvent), Rejection> {
        let signature = signature.ok_or(Rejection::NoSignature)?.trim();
        let hex_mac = signature.strip_prefix("sha256=").unwrap_or(signature);
        let mac_bytes = hex::decode(hex_mac).map_err(|_| Rejection::BadSignature)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(body);
        // Constant time: `verify_slice` compares without an early exit.
        mac.verify_slice(&mac_bytes)
            .map_err(|_| Rejection::BadSignature)?;
        let envelope: Envelope = serde_json::from_slice(body).map_err(|_| Rejection::Payload)?;
        let max_age_ms = i64::try_from(self.max_age.as_millis()).unwrap_or(i64::MAX);
        match envelope.timestamp {
            Some(at) if now_ms.abs_diff(at) <= max_age_ms.unsigned_abs() => {}
            _ => return Err(Rejection::Stale),
        }
        let event = envelope.payload.to_content_event(&envelope.event)?;
        Ok((hex::encode(Sha256::digest(body)), event))
    }
}

/// A Confluence Data Center event, signed with the webhook's secret (`X-Hub-Signature`).
#[utoipa::path(post, path = "/webhooks/datacenter", tag = "webhooks",
    request_body(content = Object, description = "A Data Center webhook event (`page_created`, ...)"),
    responses(
        (status = 202, description = "Queued as a job, resolved, or recorded", body = super::WebhookAnswer),
        (status = 200, description = "A duplicate delivery, or a version already queued", body = super::WebhookAnswer),
        (status = 400, description = "Not a Confluence event this receiver reads", body = crate::api::error::ErrorBody),
        (status = 401, description = "No signature, one that does not verify, or a stale event", body = crate::api::error::ErrorBody),
        (status = 404, description = "This receiver is not configured", body = crate::api::error::ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = crate::api::error::ErrorBody),
        (status = 503, description = "Not recorded now (store unavailable): retry", body = crate::api::error::ErrorBody),
    ))]
pub(super) async fn receive_datacenter(
    State(state): State<Arc<ApiState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const SOURCE: &str = "datacenter";
    let app = &state.app;
    let Some(verifier) = state.webhooks.datacenter.as_ref() else {
        return ApiError::NotFound("this webhook receiver is not configured").into_response();
    };
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (delivery, event) = match verifier.verify(signature, &body, now_ms) {
        Ok(verified) => verified,
        Err(why) => return reject(app, SOURCE, why).await,
    };
    state.webhooks.prune_if_due(&app.store).await;
    take(app, SOURCE, &delivery, &event).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::EventAction;

    const SECRET: &str = "dc-secret";
    const NOW: i64 = 1_700_000_000_000;

    fn verifier() -> DataCenterVerifier {
        DataCenterVerifier::new(SECRET.to_string().into(), Duration::from_secs(300))
    }

    fn sign(body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    fn body(timestamp: i64) -> Vec<u8> {
        format!(
            r#"{{"timestamp":{timestamp},"event":"page_updated","userKey":"u",
                "page":{{"id":65601,"spaceKey":"ENG","version":3}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn a_signature_with_or_without_its_prefix_verifies() {
        let body = body(NOW);
        let bare = sign(&body);
        for signature in [bare.clone(), format!("sha256={bare}")] {
            let (delivery, event) = verifier().verify(Some(&signature), &body, NOW).unwrap();
            assert_eq!(delivery, hex::encode(Sha256::digest(&body)));
            assert_eq!(event.action, Some(EventAction::Changed));
        }
    }

    #[test]
    fn missing_wrong_or_stale_requests_are_refused() {
        let body = body(NOW);
        let v = verifier();
        assert_eq!(
            v.verify(None, &body, NOW).unwrap_err(),
            Rejection::NoSignature
        );
        let mut tampered = body.clone();
        tampered[20] ^= 1;
        assert_eq!(
            v.verify(Some(&sign(&body)), &tampered, NOW).unwrap_err(),
            Rejection::BadSignature
        );
        assert_eq!(
            v.verify(Some("sha256=zz"), &body, NOW).unwrap_err(),
            Rejection::BadSignature
        );
        for late in [NOW + 301_000, NOW - 301_000] {
            assert_eq!(
                v.verify(Some(&sign(&body)), &body, late).unwrap_err(),
                Rejection::Stale
            );
        }
        let untimed = br#"{"event":"page_updated","page":{"id":1,"spaceKey":"ENG"}}"#;
        assert_eq!(
            v.verify(Some(&sign(untimed)), untimed, NOW).unwrap_err(),
            Rejection::Stale
        );
    }
}
