//! Attachment and version writes: an attachment deleted or uploaded, a historical version of
//! a page or blog post deleted, or restored as the next version. Remediation uses them to
//! remove a file that holds a secret, to put one back from a quarantine, and to purge or undo
//! the versions a secret lives on in.

use serde::Deserialize;
use serde_json::json;

use super::client::{ConfluenceClient, numeric_id};
use super::config::Flavor;
use super::error::ConfluenceError;
use super::models::{Attachment, Version};
use super::write::{Payload, WriteMethod};

impl ConfluenceClient {
    /// Deletes an attachment (`att123` or the bare number): Cloud `DELETE
    /// /wiki/api/v2/attachments/{id}`, Data Center `DELETE {context}/rest/api/content/{id}`.
    /// Confluence moves it to the trash; reads then no longer find it.
    pub async fn delete_attachment(&self, id: &str) -> Result<(), ConfluenceError> {
        let number = numeric_id(id.trim().trim_start_matches("att"))?;
        let att = format!("att{number}");
        let url = match self.inner.flavor {
            Flavor::Cloud => self.inner.api_url(&["attachments", &att]),
            Flavor::DataCenter => self.inner.v1_url(&["content", &att]),
        };
        self.write_ignoring_answer(WriteMethod::Delete, &url, &Payload::None)
            .await
    }

    /// Adds an attachment to a page or blog post: v1 `POST .../content/{id}/child/attachment`
    /// on both flavours, multipart (`file`, `comment`, `minorEdit`). A name already used on
    /// the container is [`ConfluenceError::BadRequest`]. Not repeated after a 5xx.
    pub async fn upload_attachment(
        &self,
        container_id: &str,
        file_name: &str,
        media_type: &str,
        bytes: &[u8],
        comment: &str,
    ) -> Result<Attachment, ConfluenceError> {
        let id = numeric_id(container_id)?;
        let bad_name = file_name.trim().is_empty()
            || file_name.len() > 255
            || file_name
                .chars()
                .any(|c| c.is_control() || c == '"' || c == '/' || c == '\\');
        if bad_name {
            return Err(ConfluenceError::InvalidConfig(
                "an attachment name is 1 to 255 characters without quotes, slashes or controls",
            ));
        }
        if media_type.chars().any(|c| c.is_control()) || media_type.trim().is_empty() {
            return Err(ConfluenceError::InvalidConfig(
                "invalid attachment media type",
            ));
        }
        let url = self.inner.v1_url(&["content", id, "child", "attachment"]);
        let (boundary, body) = multipart(file_name, media_type, bytes, comment);
        let raw = self
            .inner
            .write_api(
                WriteMethod::Post,
                &url,
                &Payload::Multipart { boundary, body },
            )
            .await?;
        let answer: Uploaded = serde_json::from_slice(&raw)
            .map_err(|err| ConfluenceError::decode("uploaded attachment", &err))?;
        answer
            .results
            .into_iter()
            .next()
            .ok_or(ConfluenceError::UnexpectedVersion)
    }

    /// Deletes historical version `number` of a page or blog post: v1 `DELETE
    /// .../content/{id}/version/{number}`. The current version cannot be deleted
    /// ([`ConfluenceError::BadRequest`], as for a version that does not exist).
    pub async fn delete_version(&self, id: &str, number: u32) -> Result<(), ConfluenceError> {
        let id = numeric_id(id)?;
        let n = number.to_string();
        let url = self.inner.v1_url(&["content", id, "version", &n]);
        self.write_ignoring_answer(WriteMethod::Delete, &url, &Payload::None)
            .await
    }

    /// Makes historical version `number` of a page or blog post its next version: v1 `POST
    /// .../content/{id}/version` with `operationKey` `restore`. Returns the new version.
    pub async fn restore_version(
        &self,
        id: &str,
        number: u32,
        message: &str,
    ) -> Result<Version, ConfluenceError> {
        let id = numeric_id(id)?;
        let url = self.inner.v1_url(&["content", id, "version"]);
        let body = json!({"operationKey": "restore",
                          "params": {"versionNumber": number, "message": message,
                                     "restoreTitle": true}});
        self.write_json(WriteMethod::Post, &url, &body, "restored version")
            .await
    }
}

#[derive(Deserialize)]
struct Uploaded {
    #[serde(default)]
    results: Vec<Attachment>,
}

/// A `multipart/form-data` body with the file, its comment and `minorEdit`, and its boundary.
/// The boundary is random, so file bytes cannot end a part early by accident.
fn multipart(file_name: &str, media_type: &str, bytes: &[u8], comment: &str) -> (String, Vec<u8>) {
    let boundary = format!("dlp-{:032x}", rand::random::<u128>());
    let mut body = Vec::with_capacity(bytes.len() + 512);
    let mut part = |headers: String, data: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part(
        format!(
            "Content-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {media_type}"
        ),
        bytes,
    );
    part(
        "Content-Disposition: form-data; name=\"comment\"\r\nContent-Type: text/plain; charset=utf-8"
            .to_owned(),
        comment.as_bytes(),
    );
    part(
        "Content-Disposition: form-data; name=\"minorEdit\"".to_owned(),
        b"true",
    );
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}
