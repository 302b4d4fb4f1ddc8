//! Cloud events through the project's Connect app.
//!
//! - `POST /webhooks/connect/installed`: the `installed` lifecycle callback. Connect's signed
//!   install: an RS256 JWT whose key Atlassian publishes at `install_keys_url/<kid>`, issued
//!   by the site (`iss` = `clientKey`), for this app (`aud` = its `base_url`), with a `qsh`
//!   over this request. A site already installed may instead sign its re-install with its
//!   current shared secret (HS256, Connect's rule for unsigned installs); an unsigned install
//!   is refused. On top, the body must name this app (`key` = `app_key`) and a `baseUrl` on
//!   the configured Confluence site. The tenant is stored with its shared secret sealed
//!   under the server's seal key.
//! - `POST /webhooks/connect?event=page_created`: an event. Connect sends one URL per event
//!   and the body names none, so the descriptor registers the event's name in the query,
//!   where the token's `qsh` covers it. `Authorization: JWT <HS256>` under the tenant's shared
//!   secret, the tenant found by `iss`; `exp` and `iat` checked with a small leeway; the
//!   delivery id is the token's `jti`, or the SHA-256 of the token.
//!
//! The canonical request of a `qsh` is Connect's: `METHOD&path&query`, the method upper-case,
//! the path as this server sees it (no trailing `/`, `&` as `%26`), the query without `jwt`,
//! sorted by key, keys and values percent-encoded (RFC 3986: space `%20`, `~` kept), several
//! values of one key sorted and joined by `,`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::keys::{KeyError, KeySet};
use super::thin::ThinPayload;
use super::{Rejection, reject, take, taken, unavailable};
use crate::api::ApiState;
use crate::api::error::ApiError;
use crate::app::App;
use dlp_jobs::Sealed;
use dlp_store::NewAuditEvent;

const SOURCE: &str = "connect";
/// Clock difference tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 30;

pub struct ConnectVerifier {
    app_key: String,
    base_url: String,
    install_keys: KeySet,
}

/// The claims this receiver reads; `exp` is checked by the decoder.
#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    #[serde(default)]
    qsh: Option<String>,
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    iat: Option<u64>,
}

/// The `installed` callback's body, as much of it as a tenant needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Install {
    key: String,
    client_key: String,
    shared_secret: SecretString,
    base_url: String,
    #[serde(default)]
    product_type: Option<String>,
    event_type: String,
}

impl ConnectVerifier {
    pub fn new(app_key: String, base_url: String, install_keys: KeySet) -> ConnectVerifier {
        ConnectVerifier {
            app_key,
            base_url,
            install_keys,
        }
    }

    /// An RS256 signed install: Atlassian's key by `kid`, the site as issuer, this app as
    /// audience.
    async fn verify_signed_install(
        &self,
        token: &str,
        client_key: &str,
    ) -> Result<Claims, Rejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        let kid = header.kid.ok_or(Rejection::Malformed)?;
        let key = self.install_keys.key(&kid).await.map_err(|e| match e {
            KeyError::UnknownKey => Rejection::UnknownKey,
            _ => Rejection::KeysUnavailable,
        })?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[client_key]);
        validation.set_audience(&[self.base_url.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        decode(token, &key, &validation)
    }
}

/// Decodes and checks a token; `iat` must not be in the future.
fn decode(token: &str, key: &DecodingKey, validation: &Validation) -> Result<Claims, Rejection> {
    use jsonwebtoken::errors::ErrorKind;
    let claims = jsonwebtoken::decode::<Claims>(token, key, validation)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => Rejection::Expired,
            ErrorKind::InvalidAudience | ErrorKind::InvalidIssuer => Rejection::NotForUs,
            ErrorKind::InvalidSignature => Rejection::BadSignature,
            _ => Rejection::Malformed,
        })?
        .claims;
    if claims
        .iat
        .is_some_and(|iat| iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECS)
    {
        return Err(Rejection::Expired);
    }
    Ok(claims)
}

/// An HS256 token from the site `client_key`, under its shared secret.
fn verify_hs256(token: &str, secret: &str, client_key: &str) -> Result<Claims, Rejection> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
    if header.alg != Algorithm::HS256 {
        return Err(Rejection::WrongAlgorithm);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[client_key]);
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation.validate_aud = false;
    validation.leeway = LEEWAY_SECS;
    let key = DecodingKey::from_secret(secret.as_bytes()).map_err(|_| Rejection::Malformed)?;
    decode(token, &key, &validation)
}

/// The token's `qsh` must be this request's.
fn check_qsh(claims: &Claims, method: &str, uri: &Uri) -> Result<(), Rejection> {
    match &claims.qsh {
        Some(qsh) if *qsh == query_string_hash(method, uri.path(), uri.query()) => Ok(()),
        _ => Err(Rejection::WrongRequest),
    }
}

/// The delivery's id: the token's `jti`, or a digest of the token.
fn delivery_id(claims: &Claims, token: &str) -> String {
    match &claims.jti {
        Some(jti) if !jti.is_empty() && jti.len() <= 200 => jti.clone(),
        _ => hex::encode(Sha256::digest(token.as_bytes())),
    }
}

/// Connect's query string hash: hex SHA-256 of the canonical request.
pub fn query_string_hash(method: &str, path: &str, query: Option<&str>) -> String {
    hex::encode(Sha256::digest(
        canonical_request(method, path, query).as_bytes(),
    ))
}

fn canonical_request(method: &str, path: &str, query: Option<&str>) -> String {
    let trimmed = path.trim_end_matches('/');
    let path = if trimmed.is_empty() { "/" } else { trimmed };
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key != "jwt" {
            params.entry(encode(&key)).or_default().push(encode(&value));
        }
    }
    let query = params
        .into_iter()
        .map(|(key, mut values)| {
            values.sort();
            format!("{key}={}", values.join(","))
        })
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{query}",
        method.to_ascii_uppercase(),
        path.replace('&', "%26")
    )
}

/// RFC 3986 percent-encoding: everything but the unreserved characters, in upper-case hex.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn jwt_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("JWT "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The shared secret of a stored tenant, opened; `None` when there is no such tenant or its
/// secret was sealed under another server key (the site must install again).
async fn tenant_secret(app: &App, client_key: &str) -> Result<Option<SecretString>, Response> {
    let tenant = match app.store.connect_tenant(client_key).await {
        Ok(tenant) => tenant,
        Err(e) => return Err(unavailable(&e)),
    };
    let Some(tenant) = tenant else {
        return Ok(None);
    };
    let opened = serde_json::from_str::<Sealed>(&tenant.sealed_shared_secret)
        .ok()
        .and_then(|sealed| app.workers.sealer.open(&sealed).ok());
    if opened.is_none() {
        tracing::warn!("a Connect tenant's shared secret cannot be opened with this server key");
    }
    Ok(opened.map(SecretString::from))
}

/// Connect's `installed` lifecycle callback (signed install).
#[utoipa::path(post, path = "/webhooks/connect/installed", tag = "webhooks",
    request_body(content = Object, description = "Connect's `installed` lifecycle payload"),
    responses(
        (status = 200, description = "Installed (`installed`), or a duplicate delivery", body = super::WebhookAnswer),
        (status = 400, description = "Not an install payload", body = crate::api::error::ErrorBody),
        (status = 401, description = "Unsigned, not verifying, or for another app or site", body = crate::api::error::ErrorBody),
        (status = 404, description = "This receiver is not configured", body = crate::api::error::ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = crate::api::error::ErrorBody),
        (status = 503, description = "Not recorded now (keys or store unavailable): retry", body = crate::api::error::ErrorBody),
    ))]
pub(super) async fn receive_connect_installed(
    State(state): State<Arc<ApiState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let app = &state.app;
    let Some(verifier) = state.webhooks.connect.as_ref() else {
        return ApiError::NotFound("this webhook receiver is not configured").into_response();
    };
    let Some(token) = jwt_token(&headers) else {
        return reject(app, SOURCE, Rejection::NoToken).await;
    };
    let install = match serde_json::from_slice::<Install>(&body) {
        Ok(install) if install.event_type == "installed" && is_client_key(&install.client_key) => {
            install
        }
        _ => return reject(app, SOURCE, Rejection::Payload).await,
    };
    let same_site = |base: &str| {
        let site = app.settings.confluence.site.as_deref();
        match (url::Url::parse(base), site.map(url::Url::parse)) {
            (Ok(base), Some(Ok(site))) => base.origin() == site.origin(),
            _ => false,
        }
    };
    if install.key != verifier.app_key
        || install
            .product_type
            .as_deref()
            .is_some_and(|p| p != "confluence")
        || !same_site(&install.base_url)
    {
        return reject(app, SOURCE, Rejection::NotForUs).await;
    }
    let alg = jsonwebtoken::decode_header(token).map(|h| h.alg);
    let claims = match alg {
        Ok(Algorithm::RS256) => {
            verifier
                .verify_signed_install(token, &install.client_key)
                .await
        }
        Ok(Algorithm::HS256) => match tenant_secret(app, &install.client_key).await {
            Err(response) => return response,
            Ok(None) => Err(Rejection::UnknownTenant),
            Ok(Some(old)) => verify_hs256(token, old.expose_secret(), &install.client_key),
        },
        Ok(_) => Err(Rejection::WrongAlgorithm),
        Err(_) => Err(Rejection::Malformed),
    };
    let claims = match claims.and_then(|c| check_qsh(&c, "POST", &uri).map(|()| c)) {
        Ok(claims) => claims,
        Err(why) => return reject(app, SOURCE, why).await,
    };
    let delivery = delivery_id(&claims, token);
    match app.store.claim_delivery(SOURCE, &delivery).await {
        Ok(true) => {}
        Ok(false) => return taken(StatusCode::OK, "duplicate", None),
        Err(e) => return unavailable(&e),
    }
    let sealed = app
        .workers
        .sealer
        .seal(install.shared_secret.expose_secret());
    let sealed = serde_json::to_string(&sealed).expect("a sealed envelope serialises");
    let saved = app
        .store
        .save_connect_tenant(&install.client_key, &install.base_url, &sealed)
        .await;
    if let Err(e) = saved {
        let _ = app.store.release_delivery(SOURCE, &delivery).await;
        return unavailable(&e);
    }
    let _ = app
        .store
        .record_audit(&NewAuditEvent {
            actor: format!("webhook:{SOURCE}"),
            action: "webhook.installed".into(),
            scan_id: None,
            subject: Some(install.client_key.clone()),
            detail: json!({"source": SOURCE, "base_url": install.base_url}),
        })
        .await;
    taken(StatusCode::OK, "installed", None)
}

/// Connect's `clientKey`s are opaque, short and printable.
fn is_client_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 200 && key.chars().all(|c| c.is_ascii_graphic())
}

/// A Confluence Cloud event from the project's Connect app; the event's name is the `event`
/// query parameter of the URL its descriptor registers (`/webhooks/connect?event=page_created`).
#[utoipa::path(post, path = "/webhooks/connect", tag = "webhooks",
    params(("event" = String, Query, description = "The Connect event this URL is registered for (`page_created`, ...)")),
    request_body(content = Object, description = "A Connect webhook payload (`{\"page\": {...}, \"timestamp\", \"userAccountId\"}`)"),
    responses(
        (status = 202, description = "Queued as a job, resolved, or recorded", body = super::WebhookAnswer),
        (status = 200, description = "A duplicate delivery, or a version already queued", body = super::WebhookAnswer),
        (status = 400, description = "Not a Confluence event this receiver reads", body = crate::api::error::ErrorBody),
        (status = 401, description = "No token, an unknown site, or a token that does not verify", body = crate::api::error::ErrorBody),
        (status = 404, description = "This receiver is not configured", body = crate::api::error::ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = crate::api::error::ErrorBody),
        (status = 503, description = "Not recorded now (store unavailable): retry", body = crate::api::error::ErrorBody),
    ))]
pub(super) async fn receive_connect(
    State(state): State<Arc<ApiState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let app = &state.app;
    if state.webhooks.connect.is_none() {
        return ApiError::NotFound("this webhook receiver is not configured").into_response();
    }
    let Some(token) = jwt_token(&headers) else {
        return reject(app, SOURCE, Rejection::NoToken).await;
    };
    // The issuer names the secret to verify with; nothing else is read before it verifies.
    let Ok(unverified) = jsonwebtoken::dangerous::insecure_decode_claims::<Claims>(token) else {
        return reject(app, SOURCE, Rejection::Malformed).await;
    };
    let secret = match tenant_secret(app, &unverified.iss).await {
        Err(response) => return response,
        Ok(None) => return reject(app, SOURCE, Rejection::UnknownTenant).await,
        Ok(Some(secret)) => secret,
    };
    let claims = verify_hs256(token, secret.expose_secret(), &unverified.iss)
        .and_then(|c| check_qsh(&c, "POST", &uri).map(|()| c));
    let claims = match claims {
        Ok(claims) => claims,
        Err(why) => return reject(app, SOURCE, why).await,
    };
    let name = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "event")
        .map(|(_, v)| v.into_owned());
    let event = match name {
        None => Err(Rejection::Payload),
        Some(name) => serde_json::from_slice::<ThinPayload>(&body)
            .map_err(|_| Rejection::Payload)
            .and_then(|payload| payload.to_content_event(&name)),
    };
    let event = match event {
        Ok(event) => event,
        Err(why) => return reject(app, SOURCE, why).await,
    };
    state.webhooks.prune_if_due(&app.store).await;
    take(app, SOURCE, &delivery_id(&claims, token), &event).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_request_sorts_encodes_and_drops_jwt() {
        assert_eq!(
            canonical_request(
                "post",
                "/webhooks/connect/",
                Some("event=page_created&jwt=abc&b=2&a=x%20y*~&b=1")
            ),
            "POST&/webhooks/connect&a=x%20y%2A~&b=1,2&event=page_created"
        );
        assert_eq!(canonical_request("GET", "", None), "GET&/&");
        assert_eq!(canonical_request("GET", "/a&b", None), "GET&/a%26b&");
    }
}
