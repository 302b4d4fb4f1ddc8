//! Attachment downloads as Cloud does them: the site answers `downloadLink` with a 302 to a
//! media host on another origin, carrying a short-lived token in the query. The media host
//! needs no Confluence credentials, and a client that forwards them there leaks them to a
//! third party; the host records whether that ever happened.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::AppState;
use super::errors::ApiError;
use super::model::encode_path_segment;
use super::paging::Params;

/// How long a redirect stays usable. Clients follow it at once; a stored URL must not work
/// for long.
const TOKEN_TTL_SECS: u64 = 60;
const TAG_LEN: usize = 32;

pub struct MediaHost {
    /// `http://HOST:PORT` of the media listener.
    origin: String,
    /// Per-run key of the download tokens; tokens die with the process.
    key: [u8; 32],
    /// Sent as `client=` like Cloud's media URLs; the media host does not check it.
    client_id: String,
}

impl MediaHost {
    pub fn new(origin: String) -> Self {
        let key: [u8; 32] = rand::random();
        let client_id = uuid::Uuid::new_v4().to_string();
        MediaHost {
            origin,
            key,
            client_id,
        }
    }

    fn mac(&self, file_id: &str, expires: u64) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(file_id.as_bytes());
        mac.update(&expires.to_be_bytes());
        Some(mac)
    }

    /// Token: base64url of the expiry (unix seconds, big-endian) and an HMAC over file id and expiry.
    fn mint(&self, file_id: &str, now: u64) -> Option<String> {
        let expires = now + TOKEN_TTL_SECS;
        let tag = self.mac(file_id, expires)?.finalize().into_bytes();
        let mut raw = expires.to_be_bytes().to_vec();
        raw.extend_from_slice(&tag);
        Some(URL_SAFE_NO_PAD.encode(raw))
    }

    fn verify(&self, file_id: &str, token: &str, now: u64) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        if raw.len() != 8 + TAG_LEN {
            return false;
        }
        let (expiry, tag) = raw.split_at(8);
        let Ok(expiry) = <[u8; 8]>::try_from(expiry) else {
            return false;
        };
        let expires = u64::from_be_bytes(expiry);
        expires >= now
            && self
                .mac(file_id, expires)
                .is_some_and(|mac| mac.verify_slice(tag).is_ok())
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `GET /wiki/download/attachments/{container_id}/{filename}?version=N&...` on the site.
pub async fn redirect(
    State(state): State<Arc<AppState>>,
    Path((container_id, filename)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let store = state.store();
    if !state.gate.admits(&headers) {
        state.gate.record(|s| s.unauthorized += 1);
        return ApiError::Unauthorized.into_response();
    }
    let Ok(container_id) = container_id.parse::<u64>() else {
        return ApiError::NotFound.into_response();
    };
    let params = Params::parse(query.as_deref());
    let found = store
        .attachments
        .values()
        .find(|a| a.container.1 == container_id && a.title == filename);
    let Some(attachment) = found else {
        return ApiError::NotFound.into_response();
    };
    if params
        .get("version")
        .is_some_and(|v| v.parse::<u32>().ok() != Some(attachment.version.number))
    {
        return ApiError::NotFound.into_response();
    }
    let media = &state.media;
    let Some(token) = media.mint(&attachment.file_id, unix_now()) else {
        return ApiError::ServerError(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    };
    let location = format!(
        "{}/file/{}/binary?token={token}&client={}&name={}&dl=true",
        media.origin,
        attachment.file_id,
        media.client_id,
        encode_path_segment(&attachment.title)
    );
    let Ok(location) = HeaderValue::from_str(&location) else {
        return ApiError::ServerError(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    };
    state.gate.record(|s| s.download_redirects += 1);
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The media host: its own listener, its own origin.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/file/{file_id}/binary", get(serve_file))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found") })
        .with_state(state)
}

async fn serve_file(
    State(state): State<Arc<AppState>>,
    Path(file_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let store = state.store();
    if headers.contains_key(header::AUTHORIZATION) {
        tracing::warn!(
            "media host received an Authorization header; clients must not forward Confluence credentials"
        );
        state.gate.record(|s| s.media_saw_authorization = true);
    }
    let params = Params::parse(query.as_deref());
    let valid = params
        .get("token")
        .is_some_and(|token| state.media.verify(&file_id, token, unix_now()));
    if !valid {
        state.gate.record(|s| s.media_rejected += 1);
        let body = json!({"error": "token missing, invalid or expired"});
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    let Some(attachment) = store.attachment_by_file_id(&file_id) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "file not found"})),
        )
            .into_response();
    };
    state.gate.record(|s| s.media_downloads += 1);
    let content_type = HeaderValue::from_str(&attachment.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let mut response = (StatusCode::OK, attachment.bytes.clone()).into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, content_type);
    if params.get("dl") == Some("true") {
        let disposition = format!(
            "attachment; filename*=UTF-8''{}",
            encode_path_segment(&attachment.title)
        );
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            out.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_file_and_lifetime() {
        let host = MediaHost::new("http://127.0.0.1:1".into());
        let token = host.mint("file-a", 1_000).expect("mint");
        assert!(host.verify("file-a", &token, 1_000));
        assert!(host.verify("file-a", &token, 1_000 + TOKEN_TTL_SECS));
        assert!(
            !host.verify("file-a", &token, 1_001 + TOKEN_TTL_SECS),
            "expired"
        );
        assert!(!host.verify("file-b", &token, 1_000), "other file");
        assert!(!host.verify("file-a", "garbage", 1_000));
        let other = MediaHost::new("http://127.0.0.1:1".into());
        assert!(!other.verify("file-a", &token, 1_000), "other process key");
    }
}
