//! The pages above a page, root first: where the read restrictions it inherits are set.

use serde::Deserialize;
use serde_json::Value;

use super::id_text;
use crate::client::{ConfluenceClient, numeric_id};
use crate::config::Flavor;
use crate::error::ConfluenceError;

impl ConfluenceClient {
    /// The ids of the pages above a page, root first: Cloud `GET
    /// /wiki/api/v2/pages/{id}/ancestors` (asked again from the topmost one while answers
    /// come full), Data Center `GET {context}/rest/api/content/{id}?expand=ancestors`.
    pub async fn ancestors(&self, id: &str) -> Result<Vec<String>, ConfluenceError> {
        let id = numeric_id(id)?;
        if self.inner.flavor == Flavor::DataCenter {
            let mut url = self.inner.v1_url(&["content", id]);
            url.query_pairs_mut().append_pair("expand", "ancestors");
            let raw: WithAncestors = self.get_one(&url, "ancestors").await?;
            return Ok(raw
                .ancestors
                .into_iter()
                .filter(|a| a.kind.as_deref().is_none_or(|k| k == "page"))
                .map(|a| id_text(&a.id))
                .collect());
        }
        const LIMIT: usize = 250;
        let mut chain: Vec<String> = Vec::new();
        let mut from = id.to_owned();
        loop {
            let mut url = self.inner.api_url(&["pages", &from, "ancestors"]);
            url.query_pairs_mut()
                .append_pair("limit", &LIMIT.to_string());
            let raw: Ancestors = self.get_one(&url, "ancestors").await?;
            let batch: Vec<String> = raw.results.iter().map(|a| id_text(&a.id)).collect();
            let full = batch.len() >= LIMIT;
            // A server that answers with ids already seen would otherwise never end.
            if batch.iter().any(|a| chain.contains(a) || *a == id) {
                return Err(ConfluenceError::PaginationLoop);
            }
            let first = batch.first().cloned();
            chain.splice(0..0, batch);
            match first {
                Some(top) if full => from = top,
                _ => return Ok(chain),
            }
        }
    }
}

#[derive(Deserialize)]
struct WithAncestors {
    #[serde(default)]
    ancestors: Vec<AncestorRef>,
}

#[derive(Deserialize)]
struct Ancestors {
    #[serde(default)]
    results: Vec<AncestorRef>,
}

#[derive(Deserialize)]
struct AncestorRef {
    id: Value,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}
