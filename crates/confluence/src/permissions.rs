//! Exposure: who may see content. A page's or blog post's own restrictions (v1 on both
//! flavours), the pages above it (whose read restrictions it inherits), and its space's
//! permissions, with the writes that change them so that remediation can narrow access and
//! put a snapshot back exactly.
//!
//! Principals are named as each flavour names them: a user by account id on Cloud and by user
//! key on Data Center, a group by id on Cloud and by name on Data Center. Space permissions
//! differ most: Cloud lists users' and groups' permissions in v2 (with ids the v1 write
//! endpoints take) and anonymous access as a role assignment; Data Center (9.1 and later)
//! lists them without ids and sets a subject's whole set at once, so adding or removing one
//! permission there is a read followed by a write. Older Data Center has no REST API for
//! space permissions: the read answers 404 ([`ConfluenceError::NotFound`]).

use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{ConfluenceClient, numeric_id};
use super::config::Flavor;
use super::error::ConfluenceError;
use super::models::Space;
use super::pagination::Paginated;
use super::write::{Payload, WriteMethod};

/// Who a permission or restriction applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// Cloud account id, or Data Center user key.
    User(String),
    /// Cloud group id, or Data Center group name.
    Group(String),
    /// A Cloud space role (v2 role-based access), by role id; read only.
    Role(String),
    /// Anyone, signed in or not.
    Anonymous,
}

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

/// One space permission: `operation` (`read`, `administer`, `create`, ...) on `target`
/// (`space`, `page`, `blogpost`, `comment`, `attachment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpacePermission {
    /// The id the v1 delete takes (Cloud). `None` on Data Center, which has none, and for
    /// Cloud's anonymous access, which is a role assignment.
    pub id: Option<String>,
    pub principal: Principal,
    pub operation: String,
    pub target: String,
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

    /// Every permission of a space. Cloud: v2 `GET /spaces/{id}/permissions` (every batch)
    /// and anonymous access from `GET /spaces/{id}/role-assignments?principal-type=ACCESS_CLASS
    /// &principal-id=anonymous-users` (as `read` on `space`). Data Center 9.1+: `GET
    /// {context}/rest/api/space/{key}/permissions`.
    pub async fn space_permissions(
        &self,
        space: &Space,
    ) -> Result<Vec<SpacePermission>, ConfluenceError> {
        if self.inner.flavor == Flavor::DataCenter {
            let url = self
                .inner
                .v1_url(&["space", space.key.trim(), "permissions"]);
            let raw: Vec<DcPermission> = self.get_one(&url, "space permissions").await?;
            return Ok(raw
                .into_iter()
                .filter_map(DcPermission::into_permission)
                .collect());
        }
        let space_id = numeric_id(&space.id)?;
        let mut url = self.inner.api_url(&["spaces", space_id, "permissions"]);
        url.query_pairs_mut()
            .append_pair("limit", &self.inner.cfg.page_limit.to_string());
        let assignments: Vec<V2Permission> =
            Paginated::new(self.clone(), Ok(url), "space permissions")
                .collect_all()
                .await?;
        let mut out: Vec<SpacePermission> = assignments
            .into_iter()
            .filter_map(V2Permission::into_permission)
            .collect();
        let mut url = self
            .inner
            .api_url(&["spaces", space_id, "role-assignments"]);
        url.query_pairs_mut()
            .append_pair("principal-type", "ACCESS_CLASS")
            .append_pair("principal-id", ANONYMOUS_CLASS);
        let roles: Vec<RoleAssignment> = Paginated::new(self.clone(), Ok(url), "role assignments")
            .collect_all()
            .await?;
        if roles
            .iter()
            .any(|r| r.principal.principal_id.as_deref() == Some(ANONYMOUS_CLASS))
        {
            out.push(SpacePermission {
                id: None,
                principal: Principal::Anonymous,
                operation: "read".into(),
                target: "space".into(),
            });
        }
        Ok(out)
    }

    /// Grants `operation` on `target` in a space; the new permission's id on Cloud (v1 `POST
    /// /wiki/rest/api/space/{key}/permission`, subject `anonymous` for anonymous users), `None`
    /// on Data Center (the subject's permissions read, then set with this one added). Needs a
    /// space admin's credential: [`ConfluenceError::Forbidden`] otherwise.
    pub async fn add_space_permission(
        &self,
        space: &Space,
        principal: &Principal,
        operation: &str,
        target: &str,
    ) -> Result<Option<String>, ConfluenceError> {
        let key = space_key(space)?;
        if self.inner.flavor == Flavor::DataCenter {
            self.dc_change(space, principal, |ops| {
                ops.push((operation.to_owned(), target.to_owned()));
            })
            .await?;
            return Ok(None);
        }
        let subject = match principal {
            Principal::User(id) => json!({"type": "user", "identifier": id}),
            Principal::Anonymous => json!({"type": "user", "identifier": "anonymous"}),
            Principal::Group(id) => json!({"type": "group", "identifier": id}),
            Principal::Role(_) => {
                return Err(ConfluenceError::Unsupported {
                    what: "granting a space role through space permissions",
                    flavor: "cloud",
                });
            }
        };
        let url = self.inner.v1_url(&["space", key, "permission"]);
        let body = json!({"subject": subject, "operation": {"key": operation, "target": target}});
        let created: Created = self
            .write_json(WriteMethod::Post, &url, &body, "space permission")
            .await?;
        Ok(Some(id_text(&created.id)))
    }

    /// Revokes one space permission, as read by [`ConfluenceClient::space_permissions`]:
    /// Cloud `DELETE /wiki/rest/api/space/{key}/permission/{id}` (anonymous access, which has
    /// no id, by removing the anonymous access class's role: v2 `POST
    /// /spaces/{id}/role-assignments`); Data Center by setting the subject's permissions
    /// without it. Cloud removes all of a subject's permissions with its `read space`.
    pub async fn remove_space_permission(
        &self,
        space: &Space,
        permission: &SpacePermission,
    ) -> Result<(), ConfluenceError> {
        let key = space_key(space)?;
        if self.inner.flavor == Flavor::DataCenter {
            return self
                .dc_change(space, &permission.principal, |ops| {
                    ops.retain(|(o, t)| !(o == &permission.operation && t == &permission.target));
                })
                .await;
        }
        match (&permission.id, &permission.principal) {
            (Some(id), _) => {
                let id = numeric_id(id)?;
                let url = self.inner.v1_url(&["space", key, "permission", id]);
                self.write_ignoring_answer(WriteMethod::Delete, &url, &Payload::None)
                    .await
            }
            (None, Principal::Anonymous) => {
                let url =
                    self.inner
                        .api_url(&["spaces", numeric_id(&space.id)?, "role-assignments"]);
                let body = json!([{"principal": {"principalType": "ACCESS_CLASS",
                                                 "principalId": ANONYMOUS_CLASS}}]);
                let payload = Payload::Json(body.to_string().into_bytes());
                self.write_ignoring_answer(WriteMethod::Post, &url, &payload)
                    .await
            }
            (None, _) => Err(ConfluenceError::InvalidId),
        }
    }

    /// Data Center: reads the subject's permissions, lets `change` edit them, and sets them
    /// whole (`POST .../space/{key}/permissions`, or `.../permissions/anonymous`).
    async fn dc_change(
        &self,
        space: &Space,
        principal: &Principal,
        change: impl FnOnce(&mut Vec<(String, String)>),
    ) -> Result<(), ConfluenceError> {
        let key = space_key(space)?;
        let mut ops: Vec<(String, String)> = self
            .space_permissions(space)
            .await?
            .into_iter()
            .filter(|p| &p.principal == principal)
            .map(|p| (p.operation, p.target))
            .collect();
        change(&mut ops);
        ops.sort();
        ops.dedup();
        let operations: Vec<Value> = ops
            .iter()
            .map(|(o, t)| json!({"operationKey": o, "targetType": t}))
            .collect();
        let (url, body) = match principal {
            Principal::Anonymous => (
                self.inner
                    .v1_url(&["space", key, "permissions", "anonymous"]),
                Value::Array(operations),
            ),
            Principal::User(user_key) => (
                self.inner.v1_url(&["space", key, "permissions"]),
                json!([{"userKey": user_key, "operations": operations}]),
            ),
            Principal::Group(name) => (
                self.inner.v1_url(&["space", key, "permissions"]),
                json!([{"groupName": name, "operations": operations}]),
            ),
            Principal::Role(_) => {
                return Err(ConfluenceError::Unsupported {
                    what: "space roles",
                    flavor: "datacenter",
                });
            }
        };
        let payload = Payload::Json(body.to_string().into_bytes());
        self.write_ignoring_answer(WriteMethod::Post, &url, &payload)
            .await
    }
}

const ANONYMOUS_CLASS: &str = "anonymous-users";

fn space_key(space: &Space) -> Result<&str, ConfluenceError> {
    let key = space.key.trim();
    if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
        return Err(ConfluenceError::InvalidSpaceKey);
    }
    Ok(key)
}

/// Ids come as strings or numbers.
fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
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

#[derive(Deserialize)]
struct V2Permission {
    id: Value,
    principal: V2Principal,
    operation: V2Operation,
}

#[derive(Deserialize)]
struct V2Principal {
    #[serde(rename = "type")]
    kind: String,
    id: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Operation {
    key: String,
    target_type: String,
}

impl V2Permission {
    fn into_permission(self) -> Option<SpacePermission> {
        let id = id_text(&self.principal.id);
        let principal = match self.principal.kind.as_str() {
            "user" => Principal::User(id),
            "group" => Principal::Group(id),
            "role" => Principal::Role(id),
            _ => return None,
        };
        Some(SpacePermission {
            id: Some(id_text(&self.id)),
            principal,
            operation: self.operation.key,
            target: self.operation.target_type,
        })
    }
}

#[derive(Deserialize)]
struct RoleAssignment {
    principal: RolePrincipal,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RolePrincipal {
    #[serde(default)]
    principal_id: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DcPermission {
    operation: DcOperation,
    subject: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DcOperation {
    operation_key: String,
    target_type: String,
}

impl DcPermission {
    fn into_permission(self) -> Option<SpacePermission> {
        let text = |key: &str| {
            self.subject
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let principal = match text("type").as_deref() {
            Some("user") => Principal::User(text("userKey")?),
            Some("group") => Principal::Group(text("name")?),
            Some("anonymous") => Principal::Anonymous,
            _ => return None,
        };
        Some(SpacePermission {
            id: None,
            principal,
            operation: self.operation.operation_key,
            target: self.operation.target_type,
        })
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
