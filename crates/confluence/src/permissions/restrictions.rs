//! A page's or blog post's own restrictions, read and replaced whole through v1 on both
//! flavours, and never taken from an answer that left principals out.

use serde::Deserialize;
use serde_json::{Value, json};

use super::Principal;
use crate::client::{ConfluenceClient, numeric_id};
use crate::config::Flavor;
use crate::error::ConfluenceError;
use crate::write::{Payload, WriteMethod};

/// A page's or blog post's own restrictions; empty lists mean none (the space decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentRestrictions {
    pub read: Vec<Principal>,
    pub update: Vec<Principal>,
}

impl ContentRestrictions {
    pub fn is_empty(&self) -> bool {
        self.read.is_empty() && self.update.is_empty()
    }
}

impl ConfluenceClient {
    /// A page's or blog post's restrictions: `GET .../rest/api/content/{id}/restriction/byOperation`.
    pub async fn content_restrictions(
        &self,
        id: &str,
    ) -> Result<ContentRestrictions, ConfluenceError> {
        let id = numeric_id(id)?;
        let url = self
            .inner
            .v1_url(&["content", id, "restriction", "byOperation"]);
        let raw: ByOperation = self.get_one(&url, "restrictions").await?;
        let dc = self.inner.flavor == Flavor::DataCenter;
        if raw.truncated() {
            return Err(ConfluenceError::Unsupported {
                what: "content restrictions naming more users or groups than one answer holds",
                flavor: if dc { "datacenter" } else { "cloud" },
            });
        }
        Ok(ContentRestrictions {
            read: raw.read.map(|op| op.principals(dc)).unwrap_or_default(),
            update: raw.update.map(|op| op.principals(dc)).unwrap_or_default(),
        })
    }

    /// Replaces all of a page's or blog post's restrictions with `restrictions` (`PUT
    /// .../content/{id}/restriction`; `DELETE` of the same when both lists are empty), so a
    /// snapshot read with [`ConfluenceClient::content_restrictions`] is restored exactly.
    /// Only users and groups can be named: anything else is refused without a request.
    pub async fn set_content_restrictions(
        &self,
        id: &str,
        restrictions: &ContentRestrictions,
    ) -> Result<(), ConfluenceError> {
        let id = numeric_id(id)?;
        let url = self.inner.v1_url(&["content", id, "restriction"]);
        if restrictions.is_empty() {
            return self
                .write_ignoring_answer(WriteMethod::Delete, &url, &Payload::None)
                .await;
        }
        let dc = self.inner.flavor == Flavor::DataCenter;
        let mut body = Vec::new();
        for (operation, principals) in [
            ("read", &restrictions.read),
            ("update", &restrictions.update),
        ] {
            if principals.is_empty() {
                continue;
            }
            let (mut users, mut groups) = (Vec::new(), Vec::new());
            for p in principals {
                match (p, dc) {
                    (Principal::User(id), false) => {
                        users.push(json!({"type": "known", "accountId": id}))
                    }
                    (Principal::User(key), true) => {
                        users.push(json!({"type": "known", "userKey": key}))
                    }
                    (Principal::Group(id), false) => {
                        groups.push(json!({"type": "group", "id": id}))
                    }
                    (Principal::Group(name), true) => {
                        groups.push(json!({"type": "group", "name": name}))
                    }
                    (Principal::Role(_) | Principal::Anonymous, _) => {
                        return Err(ConfluenceError::InvalidConfig(
                            "content restrictions name users and groups only",
                        ));
                    }
                }
            }
            let mut named = serde_json::Map::new();
            // Confluence wants a list with at least one item, or none at all.
            if !users.is_empty() {
                named.insert("user".into(), Value::Array(users));
            }
            if !groups.is_empty() {
                named.insert("group".into(), Value::Array(groups));
            }
            body.push(json!({"operation": operation, "restrictions": named}));
        }
        let payload = Payload::Json(Value::Array(body).to_string().into_bytes());
        self.write_ignoring_answer(WriteMethod::Put, &url, &payload)
            .await
    }
}

#[derive(Deserialize)]
struct ByOperation {
    #[serde(default)]
    read: Option<Operation>,
    #[serde(default)]
    update: Option<Operation>,
}

#[derive(Deserialize, Default)]
struct Operation {
    #[serde(default)]
    restrictions: Option<Named>,
}

#[derive(Deserialize, Default)]
struct Named {
    #[serde(default)]
    user: Option<Listed>,
    #[serde(default)]
    group: Option<Listed>,
}

#[derive(Deserialize, Default)]
struct Listed {
    #[serde(default)]
    results: Vec<Value>,
    /// How many there are in all, where the answer says (`size` counts this page on some
    /// versions): with `_links.next`, the only signs that the list goes on.
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default, rename = "_links")]
    links: Option<Value>,
}

impl Listed {
    /// Whether Confluence left principals out of this answer. A snapshot missing some would
    /// take their access away when it is restored, so such a list is not used at all.
    fn truncated(&self) -> bool {
        let next = self
            .links
            .as_ref()
            .is_some_and(|l| l.get("next").is_some_and(|n| !n.is_null()));
        let full = self
            .limit
            .is_some_and(|limit| limit > 0 && self.results.len() as u64 >= limit);
        let more = self
            .size
            .is_some_and(|size| size > self.results.len() as u64);
        next || full || more
    }
}

impl ByOperation {
    fn truncated(&self) -> bool {
        [&self.read, &self.update].into_iter().flatten().any(|op| {
            op.restrictions.as_ref().is_some_and(|n| {
                [&n.user, &n.group]
                    .into_iter()
                    .flatten()
                    .any(Listed::truncated)
            })
        })
    }
}

impl Operation {
    fn principals(self, dc: bool) -> Vec<Principal> {
        let named = self.restrictions.unwrap_or_default();
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let users = named
            .user
            .unwrap_or_default()
            .results
            .into_iter()
            .filter_map(|u| {
                let id = if dc {
                    text(&u, "userKey").or_else(|| text(&u, "username"))
                } else {
                    text(&u, "accountId")
                };
                id.map(Principal::User)
            });
        let groups = named
            .group
            .unwrap_or_default()
            .results
            .into_iter()
            .filter_map(|g| {
                let id = if dc {
                    text(&g, "name")
                } else {
                    text(&g, "id").or_else(|| text(&g, "name"))
                };
                id.map(Principal::Group)
            });
        let mut all: Vec<Principal> = users.chain(groups).collect();
        all.sort();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(answer: Value) -> Listed {
        serde_json::from_value(answer).unwrap()
    }

    #[test]
    fn a_restriction_list_that_goes_on_is_not_taken_as_whole() {
        let whole =
            listed(json!({"results": [{"accountId": "a"}], "start": 0, "limit": 200, "size": 1}));
        assert!(!whole.truncated());
        let full = listed(
            json!({"results": [{"accountId": "a"}, {"accountId": "b"}], "limit": 2, "size": 2}),
        );
        assert!(full.truncated(), "a full page may have a next one");
        let more = listed(json!({"results": [{"accountId": "a"}], "limit": 100, "size": 7}));
        assert!(more.truncated());
        let next = listed(json!({"results": [], "_links": {"next": "/rest/api/...&start=100"}}));
        assert!(next.truncated());
        let raw: ByOperation = serde_json::from_value(json!({
            "read": {"restrictions": {"user": {"results": [], "limit": 100, "size": 250}}},
        }))
        .unwrap();
        assert!(raw.truncated());
    }
}
