//! A page's or blog post's labels (v1 `GET .../content/{id}/label`, on Cloud and Data Center
//! alike): remediation policies can be scoped to labelled pages.

use serde::Deserialize;

use crate::client::numeric_id;
use crate::{ConfluenceClient, ConfluenceError};

#[derive(Deserialize)]
struct LabelList {
    #[serde(default)]
    results: Vec<Label>,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

/// More labels than anyone puts on a page: one call reads them all.
const LABEL_LIMIT: &str = "200";

impl ConfluenceClient {
    pub async fn labels(&self, id: &str) -> Result<Vec<String>, ConfluenceError> {
        let id = numeric_id(id)?;
        let mut url = self.inner.v1_url(&["content", id, "label"]);
        url.query_pairs_mut().append_pair("limit", LABEL_LIMIT);
        let list: LabelList = self.get_one(&url, "label list").await?;
        Ok(list.results.into_iter().map(|l| l.name).collect())
    }
}
