//! A space's permissions: read whole, granted and revoked one at a time. Cloud lists users'
//! and groups' permissions in v2 (with ids the v1 write endpoints take) and anonymous access
//! as a role assignment; Data Center (9.1 and later) lists them without ids and sets a
//! subject's whole set at once, so adding or removing one permission there is a read followed
//! by a write. Older Data Center has no REST API for space permissions: the read answers 404
//! ([`ConfluenceError::NotFound`]).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Principal, id_text};
use crate::client::{ConfluenceClient, numeric_id};
use crate::config::Flavor;
use crate::error::ConfluenceError;
use crate::models::Space;
use crate::pagination::Paginated;
use crate::write::{Payload, WriteMethod};

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
