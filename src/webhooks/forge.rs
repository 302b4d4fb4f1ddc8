//! Cloud events from the project's Forge app (`forge/manifest.yml`), forwarded by Forge Remote
//! with a Forge Invocation Token: an RS256 JWT from `forge/invocation-token`, for this app
//! (`aud`), short-lived (`exp`), with a unique `jti` that is the delivery's id.

use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use super::keys::KeySet;
use super::{ContentEvent, EventAction, Rejection};
use dlp_domain::ContentType;

const ISSUER: &str = "forge/invocation-token";
/// Clock difference tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

pub struct ForgeVerifier {
    app_id: String,
    keys: KeySet,
}

#[derive(Debug, Deserialize)]
struct Claims {
    jti: String,
}

impl ForgeVerifier {
    pub fn new(app_id: String, keys: KeySet) -> ForgeVerifier {
        ForgeVerifier { app_id, keys }
    }

    /// The token's delivery id, once its signature, issuer, audience and lifetime hold.
    pub async fn verify(&self, token: &str) -> Result<String, Rejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(Rejection::WrongAlgorithm);
        }
        let kid = header.kid.ok_or(Rejection::Malformed)?;
        let key = self.keys.key(&kid).await.map_err(|e| match e {
            super::keys::KeyError::UnknownKey => Rejection::UnknownKey,
            _ => Rejection::KeysUnavailable,
        })?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[self.app_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => Rejection::Expired,
                ErrorKind::InvalidAudience | ErrorKind::InvalidIssuer => Rejection::NotForUs,
                ErrorKind::InvalidSignature => Rejection::BadSignature,
                _ => Rejection::Malformed,
            }
        })?;
        if data.claims.jti.is_empty() || data.claims.jti.len() > 200 {
            return Err(Rejection::Malformed);
        }
        Ok(data.claims.jti)
    }
}

/// A Forge product event, as much of it as a scan needs. Unknown fields are ignored: the
/// events carry far more than this, and Atlassian adds to them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgeEvent {
    pub event_type: String,
    #[serde(default)]
    pub content: Option<ForgeContent>,
}

#[derive(Debug, Deserialize)]
pub struct ForgeContent {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub space: Option<ForgeSpace>,
    #[serde(default)]
    pub version: Option<ForgeVersion>,
    /// The page or blog post a comment or attachment is on.
    #[serde(default)]
    pub container: Option<Box<ForgeContent>>,
}

#[derive(Debug, Deserialize)]
pub struct ForgeSpace {
    pub key: String,
}

#[derive(Debug, Deserialize)]
pub struct ForgeVersion {
    pub number: u32,
}

pub(super) fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

impl ForgeEvent {
    /// What the event means for a scan. `avi:confluence:<verb>:<type>` names both; anything
    /// else (space or permission events, until the exposure check of a later issue) is kept
    /// in the audit trail only.
    pub fn to_content_event(&self) -> Result<ContentEvent, Rejection> {
        let mut parts = self.event_type.split(':');
        let (Some("avi"), Some("confluence"), Some(verb), Some(kind)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(ContentEvent::other(&self.event_type));
        };
        let action = match verb {
            "created" | "updated" | "restored" => EventAction::Changed,
            "trashed" | "deleted" => EventAction::Removed,
            _ => return Ok(ContentEvent::other(&self.event_type)),
        };
        let content_type = match kind {
            "page" => ContentType::Page,
            "blogpost" => ContentType::BlogPost,
            "comment" => ContentType::Comment,
            "attachment" => ContentType::Attachment,
            _ => return Ok(ContentEvent::other(&self.event_type)),
        };
        let content = self.content.as_ref().ok_or(Rejection::Payload)?;
        let space_key = content
            .space
            .as_ref()
            .or_else(|| content.container.as_ref().and_then(|c| c.space.as_ref()))
            .map(|s| s.key.clone())
            .ok_or(Rejection::Payload)?;
        let container = content.container.as_ref();
        let (page_id, container_type) = match content_type {
            ContentType::Page | ContentType::BlogPost => (content.id.clone(), content_type),
            _ => {
                let c = container.ok_or(Rejection::Payload)?;
                let ct = match c.kind.as_str() {
                    "page" => ContentType::Page,
                    "blogpost" => ContentType::BlogPost,
                    _ => return Ok(ContentEvent::other(&self.event_type)),
                };
                (c.id.clone(), ct)
            }
        };
        if !is_id(&content.id) || !is_id(&page_id) || space_key.is_empty() || space_key.len() > 255
        {
            return Err(Rejection::Payload);
        }
        Ok(ContentEvent {
            name: self.event_type.clone(),
            action: Some(action),
            content_type,
            content_id: content.id.clone(),
            version: content.version.as_ref().map(|v| v.number),
            space_key,
            page_id,
            container_type,
        })
    }
}

/// Confluence content ids are digits (attachments may carry an `att` prefix).
pub(super) fn is_id(id: &str) -> bool {
    let digits = id.strip_prefix("att").unwrap_or(id);
    !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> ForgeEvent {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_page_update_names_the_page_its_space_and_version() {
        let e = event(
            r#"{"eventType":"avi:confluence:updated:page","atlassianId":"x",
                "content":{"id":"65601","type":"page","status":"current","title":"T",
                           "space":{"key":"ENG","id":1},"version":{"number":4}}}"#,
        )
        .to_content_event()
        .unwrap();
        assert_eq!(e.action, Some(EventAction::Changed));
        assert_eq!(
            (
                e.content_type,
                e.content_id.as_str(),
                e.version,
                e.space_key.as_str()
            ),
            (ContentType::Page, "65601", Some(4), "ENG")
        );
        assert_eq!(e.page_id, "65601");
    }

    #[test]
    fn a_comment_is_read_with_its_container() {
        let e = event(
            r#"{"eventType":"avi:confluence:created:comment",
                "content":{"id":777,"type":"comment","version":{"number":1},
                           "container":{"id":"65601","type":"blogpost","space":{"key":"ENG"}}}}"#,
        )
        .to_content_event()
        .unwrap();
        assert_eq!(
            (e.content_type, e.container_type),
            (ContentType::Comment, ContentType::BlogPost)
        );
        assert_eq!(
            (e.content_id.as_str(), e.page_id.as_str()),
            ("777", "65601")
        );
    }

    #[test]
    fn other_events_are_kept_for_the_audit_trail_only() {
        let e = event(r#"{"eventType":"avi:confluence:permissions_updated:space","content":null}"#)
            .to_content_event()
            .unwrap();
        assert_eq!(e.action, None);
        assert_eq!(e.name, "avi:confluence:permissions_updated:space");
    }

    #[test]
    fn a_content_event_without_its_content_or_with_odd_ids_is_refused() {
        for json in [
            r#"{"eventType":"avi:confluence:updated:page"}"#,
            r#"{"eventType":"avi:confluence:updated:page","content":{"id":"1; DROP","type":"page","space":{"key":"ENG"}}}"#,
            r#"{"eventType":"avi:confluence:updated:page","content":{"id":"12","type":"page"}}"#,
        ] {
            assert!(
                matches!(event(json).to_content_event(), Err(Rejection::Payload)),
                "{json}"
            );
        }
    }
}
