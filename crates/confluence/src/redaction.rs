//! Native redaction (Cloud, Atlassian Guard Premium only): a page's or blog post's body as ADF,
//! and `POST /wiki/api/v2/{pages|blogposts}/{id}/redact`, which replaces character ranges of
//! ADF text nodes with a redaction bar in a new version, optionally deleting the historical
//! versions that held the text.
//!
//! Data Center has no such API: these calls refuse there with
//! [`ConfluenceError::Unsupported`] before any request. A Cloud site without Guard Premium
//! answers 403 naming the licence, which is [`ConfluenceError::NotLicensed`], so a caller can
//! fall back to rewriting the storage body; any other 403 stays
//! [`ConfluenceError::Forbidden`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{ConfluenceClient, Container, numeric_id};
use super::config::Flavor;
use super::error::ConfluenceError;
use super::models::Version;
use super::write::{Payload, WriteMethod, v2_kind};

/// One range to redact: `from..to` in UTF-16 code units (JavaScript string offsets, as ADF's
/// editor counts) of the `text` of the ADF text node at JSON pointer `pointer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NativeRedaction {
    pub pointer: String,
    pub from: usize,
    pub to: usize,
    /// For Confluence's audit trail; never the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A redaction as Confluence applied it, in the order asked. `redaction_id` restores it
/// (Atlassian's support, or a future API); none for a code block, which cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeRedacted {
    pub pointer: String,
    #[serde(default)]
    pub from: usize,
    #[serde(default)]
    pub to: usize,
    #[serde(default)]
    pub redaction_id: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    body: Option<Section>,
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    redactions: Vec<NativeRedacted>,
}

#[derive(Deserialize)]
struct AdfDocument {
    #[serde(default)]
    version: Option<Version>,
    #[serde(default)]
    body: Option<AdfBody>,
}

#[derive(Deserialize)]
struct AdfBody {
    atlas_doc_format: Option<AdfValue>,
}

#[derive(Deserialize)]
struct AdfValue {
    value: String,
}

/// Whether a 403's body says the site lacks the licence: Cloud names Atlassian Guard (or a
/// licence) in the error's title.
fn not_licensed(body: &[u8]) -> Option<ConfluenceError> {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    (text.contains("guard premium") || text.contains("licen")).then_some(
        ConfluenceError::NotLicensed {
            what: "native redaction (Atlassian Guard Premium)",
        },
    )
}

impl ConfluenceClient {
    fn cloud_only_redaction(&self) -> Result<(), ConfluenceError> {
        match self.inner.flavor {
            Flavor::Cloud => Ok(()),
            Flavor::DataCenter => Err(ConfluenceError::Unsupported {
                what: "native redaction",
                flavor: "datacenter",
            }),
        }
    }

    /// The current version of a page or blog post and its body as an ADF document: `GET
    /// /wiki/api/v2/{pages|blogposts}/{id}?body-format=atlas_doc_format` (the body's `value` is
    /// the document as a JSON string).
    pub async fn page_adf(
        &self,
        kind: Container,
        id: &str,
    ) -> Result<(Version, Value), ConfluenceError> {
        self.cloud_only_redaction()?;
        let id = numeric_id(id)?;
        let mut url = self.inner.api_url(&[v2_kind(kind), id]);
        url.query_pairs_mut()
            .append_pair("body-format", "atlas_doc_format");
        let doc: AdfDocument = self.get_one(&url, "ADF document").await?;
        let version = doc.version.ok_or(ConfluenceError::UnexpectedVersion)?;
        let raw = doc
            .body
            .and_then(|b| b.atlas_doc_format)
            .map(|a| a.value)
            .unwrap_or_default();
        let adf = serde_json::from_str(&raw)
            .map_err(|err| ConfluenceError::decode("ADF document", &err))?;
        Ok((version, adf))
    }

    /// Redacts `redactions` in the version `version` (as [`ConfluenceClient::page_adf`]
    /// answered it; its `createdAt` tells Confluence which body the pointers were made
    /// against, and a stale one is refused): `POST
    /// /wiki/api/v2/{pages|blogposts}/{id}/redact`. `clean_history` also deletes the older
    /// versions that held the text. Answers each redaction as applied, in order.
    ///
    /// Errors: [`ConfluenceError::NotLicensed`] without Guard Premium,
    /// [`ConfluenceError::BadRequest`] for a pointer or offsets that do not fit the body (or a
    /// stale `createdAt`), [`ConfluenceError::Conflict`] when the version is no longer current.
    /// A POST: never repeated after a 5xx or a broken connection.
    pub async fn redact_native(
        &self,
        kind: Container,
        id: &str,
        version: &Version,
        redactions: &[NativeRedaction],
        clean_history: bool,
    ) -> Result<Vec<NativeRedacted>, ConfluenceError> {
        self.cloud_only_redaction()?;
        let id = numeric_id(id)?;
        let url = self.inner.api_url(&[v2_kind(kind), id, "redact"]);
        let created_at = version
            .created_at
            .unwrap_or_else(chrono::Utc::now)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let body = json!({
            "createdAt": created_at,
            "versionNumber": version.number,
            "cleanHistory": clean_history,
            "body": {"redactions": redactions},
        });
        let payload = Payload::Json(body.to_string().into_bytes());
        let raw = self
            .inner
            .write_api_reading_refusals(WriteMethod::Post, &url, &payload, not_licensed)
            .await?;
        let answer: Answer = serde_json::from_slice(&raw)
            .map_err(|err| ConfluenceError::decode("redaction", &err))?;
        Ok(answer.body.map(|b| b.redactions).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_licence_refusal_is_told_from_a_missing_permission() {
        let guard = br#"{"errors":[{"status":403,"code":"FORBIDDEN","title":"Redaction requires Atlassian Guard Premium"}]}"#;
        assert!(matches!(
            not_licensed(guard),
            Some(ConfluenceError::NotLicensed { .. })
        ));
        let plain = br#"{"errors":[{"status":403,"code":"FORBIDDEN","title":"Forbidden"}]}"#;
        assert!(not_licensed(plain).is_none());
    }
}
