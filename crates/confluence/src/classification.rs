//! Data classification (Cloud only): the organisation's levels, and a page's or blog post's
//! level, read and set through v2. Data Center has no such API: these calls refuse there
//! with [`ConfluenceError::Unsupported`] before any request.

use serde::Deserialize;
use serde_json::json;

use super::client::{ConfluenceClient, Container, numeric_id};
use super::config::Flavor;
use super::error::ConfluenceError;
use super::write::{Payload, WriteMethod, v2_kind};

/// A classification level (`ClassificationLevel`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClassificationLevel {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `DRAFT`, `PUBLISHED` or `ARCHIVED`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub order: Option<f64>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub guideline: Option<String>,
}

impl ConfluenceClient {
    fn cloud_only(&self, what: &'static str) -> Result<(), ConfluenceError> {
        match self.inner.flavor {
            Flavor::Cloud => Ok(()),
            Flavor::DataCenter => Err(ConfluenceError::Unsupported {
                what,
                flavor: "datacenter",
            }),
        }
    }

    /// `GET /wiki/api/v2/classification-levels`
    pub async fn classification_levels(&self) -> Result<Vec<ClassificationLevel>, ConfluenceError> {
        self.cloud_only("data classification")?;
        let url = self.inner.api_url(&["classification-levels"]);
        self.get_one(&url, "classification levels").await
    }

    /// The level of a page or blog post (its own, else its space's default): `GET
    /// /wiki/api/v2/{pages|blogposts}/{id}/classification-level`. Content with no level at all
    /// answers [`ConfluenceError::NotFound`], as missing content does.
    pub async fn content_classification(
        &self,
        kind: Container,
        id: &str,
    ) -> Result<ClassificationLevel, ConfluenceError> {
        self.cloud_only("data classification")?;
        let id = numeric_id(id)?;
        let url = self
            .inner
            .api_url(&[v2_kind(kind), id, "classification-level"]);
        self.get_one(&url, "classification level").await
    }

    /// Sets the level of a page or blog post: `PUT
    /// /wiki/api/v2/{pages|blogposts}/{id}/classification-level` with `{id, status: current}`.
    pub async fn set_content_classification(
        &self,
        kind: Container,
        id: &str,
        level_id: &str,
    ) -> Result<(), ConfluenceError> {
        self.cloud_only("data classification")?;
        let id = numeric_id(id)?;
        let url = self
            .inner
            .api_url(&[v2_kind(kind), id, "classification-level"]);
        let body = json!({"id": level_id, "status": "current"});
        let payload = Payload::Json(body.to_string().into_bytes());
        self.write_ignoring_answer(WriteMethod::Put, &url, &payload)
            .await
    }

    /// Takes a page's or blog post's own level away, so its space's default applies again:
    /// `POST /wiki/api/v2/{pages|blogposts}/{id}/classification-level/reset` with
    /// `{status: current}`.
    pub async fn reset_content_classification(
        &self,
        kind: Container,
        id: &str,
    ) -> Result<(), ConfluenceError> {
        self.cloud_only("data classification")?;
        let id = numeric_id(id)?;
        let url = self
            .inner
            .api_url(&[v2_kind(kind), id, "classification-level", "reset"]);
        let payload = Payload::Json(json!({"status": "current"}).to_string().into_bytes());
        self.write_ignoring_answer(WriteMethod::Post, &url, &payload)
            .await
    }
}
