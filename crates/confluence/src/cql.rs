//! v1 CQL search (`{context}/rest/api/search`): content of a space modified since a time, which
//! v2 has no filter for. An incremental scan asks it what changed, then reads the changed
//! pages through v2 as a full scan does.
//!
//! v1 pages by `_links.next`, relative to `_links.base` (the site's context path, `/wiki` on
//! Cloud), unlike v2's links that already start with `/wiki`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::client::ConfluenceClient;
use super::error::ConfluenceError;

/// One result: a page, blog post, attachment or comment, and for the latter two what it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedContent {
    pub id: String,
    /// `page`, `blogpost`, `attachment` or `comment`.
    pub kind: String,
    /// The page or blog post an attachment or comment is on: (`page`|`blogpost`, id).
    pub container: Option<(String, String)>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    results: Vec<serde_json::Value>,
    #[serde(default, rename = "_links")]
    links: Links,
}

#[derive(Default, Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<String>,
}

/// The CQL for content of `space_key` of these types modified after `since` (minute
/// precision, which is all CQL has: the minute of `since` itself is included, so nothing
/// modified within it is missed).
pub fn changed_since_cql(space_key: &str, types: &[&str], since: DateTime<Utc>) -> String {
    // CQL strings are double-quoted; a key with a quote or backslash is escaped.
    let key: String = space_key
        .chars()
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!(
        "space = \"{key}\" AND type IN ({}) AND lastmodified >= \"{}\" ORDER BY lastmodified",
        types.join(", "),
        since.format("%Y-%m-%d %H:%M")
    )
}

/// Pages through a CQL search.
pub struct CqlSearch {
    client: ConfluenceClient,
    next: Option<String>,
}

impl ConfluenceClient {
    /// Starts a CQL search; results come a page at a time from [`CqlSearch::next_page`].
    pub fn search_cql(&self, cql: &str) -> CqlSearch {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("cql", cql)
            .append_pair("limit", &self.inner.cfg.page_limit.min(250).to_string())
            .append_pair("expand", "content.container");
        CqlSearch {
            client: self.clone(),
            next: Some(format!(
                "{}/rest/api/search?{}",
                self.inner.context,
                query.finish()
            )),
        }
    }
}

impl CqlSearch {
    /// The next page of results; `None` once there are no more.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ChangedContent>>, ConfluenceError> {
        let Some(link) = self.next.take() else {
            return Ok(None);
        };
        let envelope: Envelope = self.client.get_json(&link).await?;
        self.next = envelope
            .links
            .next
            .map(|n| self.client.inner.under_context(&n));
        // One result the client cannot read is skipped, not the page.
        let results = envelope
            .results
            .iter()
            .filter_map(|r| {
                let content = r.get("content")?;
                let text = |v: &serde_json::Value| match v {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                let container = content
                    .get("container")
                    .and_then(|c| Some((text(c.get("type")?)?, text(c.get("id")?)?)));
                Some(ChangedContent {
                    id: text(content.get("id")?)?,
                    kind: text(content.get("type")?)?,
                    container,
                })
            })
            .collect();
        Ok(Some(results))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_the_space_types_and_minute() {
        let since = DateTime::parse_from_rfc3339("2026-03-20T12:34:56Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            changed_since_cql("ENG", &["page", "blogpost"], since),
            "space = \"ENG\" AND type IN (page, blogpost) AND lastmodified >= \"2026-03-20 12:34\" ORDER BY lastmodified"
        );
        assert!(changed_since_cql("a\"b", &["page"], since).contains("\"a\\\"b\""));
    }
}
