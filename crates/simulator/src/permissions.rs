//! Space permissions, as each flavour reads and changes them.
//!
//! - Cloud: v2 `GET /spaces/{id}/permissions` (users and groups; anonymous access is not
//!   listed there but as the `anonymous-users` access class in `GET
//!   /spaces/{id}/role-assignments`, which `POST` changes), v1 `POST
//!   /wiki/rest/api/space/{key}/permission` (subject identifier `anonymous` for anonymous
//!   users) and `DELETE .../permission/{id}` (removing `read space` removes all of the
//!   subject's permissions, as Cloud does).
//! - Data Center (9.1+): `GET {context}/rest/api/space/{key}/permissions` (a bare array, no
//!   ids), `POST` of the same path setting whole sets per user or group, and
//!   `GET|POST .../permissions/anonymous` for anonymous users.
//!
//! Changes need a space admin ([`crate::SimulatorHandle::set_space_admin`]): anyone else gets
//! 403. The last `administer` permission of a space cannot be removed (400).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::access::{SpacePermission, Subject};
use super::errors::ApiError;
use super::paging::{ListSpec, Params, paginate};
use super::store::Store;

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

/// The role Cloud's RBAC gives anonymous users that may view a space.
pub const ANONYMOUS_VIEWER_ROLE: &str = "a1b2c3d4-0000-4000-8000-0000000000a1";
const ANONYMOUS_CLASS: &str = "anonymous-users";

const OPERATIONS: [&str; 14] = [
    "administer",
    "archive",
    "copy",
    "create",
    "delete",
    "export",
    "move",
    "purge",
    "purge_version",
    "read",
    "restore",
    "restrict_content",
    "update",
    "use",
];
const TARGETS: [&str; 5] = ["page", "blogpost", "comment", "attachment", "space"];

fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.gate.is_space_admin(headers) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "User isn't authorized to modify permissions.".into(),
        ))
    }
}

fn space_id_by_key(store: &Store, key: &str) -> Result<u64, ApiError> {
    store
        .spaces
        .values()
        .find(|s| s.key == key)
        .map(|s| s.id)
        .ok_or(ApiError::NotFound)
}

fn check_operation(key: &str, target: &str) -> Result<(), ApiError> {
    if !OPERATIONS.contains(&key) {
        return Err(ApiError::bad_param("operation.key", "is not an operation"));
    }
    if !TARGETS.contains(&target) {
        return Err(ApiError::bad_param("operation.target", "is not a target"));
    }
    Ok(())
}

fn next_permission_id(store: &Store) -> u64 {
    store
        .space_permissions
        .values()
        .flatten()
        .map(|p| p.id)
        .max()
        .unwrap_or(0)
        + 1
}

/// Refuses a change that leaves the space without anyone to administer it.
fn keep_an_admin(permissions: &[SpacePermission]) -> Result<(), ApiError> {
    if permissions.iter().any(|p| p.operation == "administer") {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "All of the admin permissions cannot be removed from a space".into(),
        ))
    }
}

/// Applies `change` to a space's permissions, keeping an administrator.
fn change_permissions<T>(
    state: &AppState,
    space_id: u64,
    change: impl FnOnce(&mut Vec<SpacePermission>, &mut u64) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    state.try_write(|store| {
        let mut next_id = next_permission_id(store);
        let permissions = store.space_permissions.entry(space_id).or_default();
        let had_admin = permissions.iter().any(|p| p.operation == "administer");
        let out = change(permissions, &mut next_id)?;
        if had_admin {
            keep_an_admin(permissions)?;
        }
        Ok(out)
    })
}

// --- Cloud ------------------------------------------------------------------------------------

fn group_id(store: &Store, name: &str) -> String {
    store
        .groups
        .iter()
        .find(|g| g.name == name)
        .map_or_else(|| name.to_string(), |g| g.id.clone())
}

/// `GET /wiki/api/v2/spaces/{id}/permissions`: users' and groups' permissions, by id.
pub(crate) async fn v2_list(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let space_id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a number"))?;
    if !store.spaces.contains_key(&space_id) {
        return Err(ApiError::NotFound);
    }
    let mut listed: Vec<&SpacePermission> = store
        .space_permissions
        .get(&space_id)
        .into_iter()
        .flatten()
        .filter(|p| p.subject != Subject::Anonymous)
        .collect();
    listed.sort_by_key(|p| p.id);
    let spec = ListSpec {
        scope: format!("space-permissions:{space_id}"),
        sort: "id",
        path: uri.path(),
        default_limit: 25,
        base: state.base(),
    };
    let page = paginate(listed, |p| p.id.to_string(), &params, spec)?;
    Ok(page
        .map(|p| {
            let principal = match &p.subject {
                Subject::User(account) => json!({"type": "user", "id": account}),
                Subject::Group(name) => json!({"type": "group", "id": group_id(&store, name)}),
                Subject::Anonymous => Value::Null,
            };
            json!({"id": p.id.to_string(), "principal": principal,
                   "operation": {"key": p.operation, "targetType": p.target}})
        })
        .into_response())
}

/// `GET /wiki/api/v2/spaces/{id}/role-assignments`: the anonymous access class's role, when
/// anonymous users hold any permission in the space (the only assignment simulated).
pub(crate) async fn v2_role_assignments(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let space_id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a number"))?;
    if !store.spaces.contains_key(&space_id) {
        return Err(ApiError::NotFound);
    }
    let kind = params.enum_one("principal-type", &["USER", "GROUP", "ACCESS_CLASS"])?;
    let wanted = kind.as_deref().is_none_or(|k| k == "ACCESS_CLASS")
        && params
            .get("principal-id")
            .is_none_or(|p| p == ANONYMOUS_CLASS)
        && params
            .get("role-id")
            .is_none_or(|r| r == ANONYMOUS_VIEWER_ROLE);
    let anonymous = store
        .space_permissions
        .get(&space_id)
        .is_some_and(|ps| ps.iter().any(|p| p.subject == Subject::Anonymous));
    let rows: Vec<&str> = if wanted && anonymous {
        vec![ANONYMOUS_CLASS]
    } else {
        Vec::new()
    };
    let spec = ListSpec {
        scope: format!("role-assignments:{space_id}"),
        sort: "id",
        path: uri.path(),
        default_limit: 25,
        base: state.base(),
    };
    let page = paginate(rows, |r| r.to_string(), &params, spec)?;
    Ok(page.map(|_| anonymous_assignment()).into_response())
}

fn anonymous_assignment() -> Value {
    json!({"principal": {"principalType": "ACCESS_CLASS", "principalId": ANONYMOUS_CLASS},
           "roleId": ANONYMOUS_VIEWER_ROLE})
}

/// `POST /wiki/api/v2/spaces/{id}/role-assignments`: `[{principal, roleId?}]`. For the
/// anonymous access class, the viewer role grants `read space` and no role removes every
/// anonymous permission; other principals are not simulated (400).
pub(crate) async fn v2_set_role_assignments(
    State(state): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Vec<Value>>, JsonRejection>,
) -> ApiResult {
    let Json(entries) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let space_id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a number"))?;
    if !state.store().spaces.contains_key(&space_id) {
        return Err(ApiError::NotFound);
    }
    require_admin(&state, &headers)?;
    let mut grant = None;
    for entry in &entries {
        let principal = &entry["principal"];
        if principal["principalType"] != "ACCESS_CLASS"
            || principal["principalId"] != ANONYMOUS_CLASS
        {
            return Err(ApiError::bad_param(
                "principal",
                "is not a principal this simulator assigns roles to",
            ));
        }
        grant = match entry.get("roleId").and_then(Value::as_str) {
            None => Some(false),
            Some(ANONYMOUS_VIEWER_ROLE) => Some(true),
            Some(_) => return Err(ApiError::bad_param("roleId", "is not a role")),
        };
    }
    let Some(grant) = grant else {
        return Err(ApiError::BadRequest("No role assignment given".into()));
    };
    change_permissions(&state, space_id, |permissions, next_id| {
        let has_read = permissions
            .iter()
            .any(|p| p.subject == Subject::Anonymous && p.operation == "read");
        if grant && !has_read {
            permissions.push(SpacePermission {
                id: *next_id,
                subject: Subject::Anonymous,
                operation: "read".into(),
                target: "space".into(),
            });
        } else if !grant {
            permissions.retain(|p| p.subject != Subject::Anonymous);
        }
        Ok(())
    })?;
    let results: Vec<Value> = if grant {
        vec![anonymous_assignment()]
    } else {
        Vec::new()
    };
    Ok(Json(json!({"results": results, "_links": {"base": state.base()}})).into_response())
}

/// `POST /wiki/rest/api/space/{key}/permission`: `{subject: {type: user|group, identifier},
/// operation: {key, target}}`; a user's identifier is an account id or `anonymous`, a group's
/// its id or name. The same permission twice is a 400.
pub(crate) async fn v1_add(
    State(state): Shared,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let space_id = space_id_by_key(&state.store(), &key)?;
    require_admin(&state, &headers)?;
    let text = |v: &Value, name: &str| -> Result<String, ApiError> {
        v.as_str()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| ApiError::bad_param(name, "is required"))
    };
    let kind = text(&body["subject"]["type"], "subject.type")?;
    let identifier = text(&body["subject"]["identifier"], "subject.identifier")?;
    let operation = text(&body["operation"]["key"], "operation.key")?;
    let target = text(&body["operation"]["target"], "operation.target")?;
    check_operation(&operation, &target)?;
    let subject = {
        let store = state.store();
        match kind.as_str() {
            "user" if identifier == "anonymous" => Subject::Anonymous,
            "user" => Subject::User(identifier.clone()),
            "group" => store
                .groups
                .iter()
                .find(|g| g.id == identifier || g.name == identifier)
                .map(|g| Subject::Group(g.name.clone()))
                .ok_or_else(|| ApiError::bad_param("subject.identifier", "names no group"))?,
            _ => return Err(ApiError::bad_param("subject.type", "must be user or group")),
        }
    };
    let id = change_permissions(&state, space_id, |permissions, next_id| {
        let exists = permissions
            .iter()
            .any(|p| p.subject == subject && p.operation == operation && p.target == target);
        if exists {
            return Err(ApiError::BadRequest("Permission already exists".into()));
        }
        permissions.push(SpacePermission {
            id: *next_id,
            subject: subject.clone(),
            operation: operation.clone(),
            target: target.clone(),
        });
        Ok(*next_id)
    })?;
    Ok(Json(
        json!({"id": id, "subject": {"type": kind, "identifier": identifier},
                   "operation": {"key": operation, "target": target},
                   "_links": {"base": state.base()}}),
    )
    .into_response())
}

/// `DELETE /wiki/rest/api/space/{key}/permission/{id}`: 204; an unknown id is a 404.
pub(crate) async fn v1_remove(
    State(state): Shared,
    Path((key, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult {
    let space_id = space_id_by_key(&state.store(), &key)?;
    let id: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    require_admin(&state, &headers)?;
    change_permissions(&state, space_id, |permissions, _| {
        let removed = permissions
            .iter()
            .position(|p| p.id == id)
            .map(|at| permissions.remove(at))
            .ok_or(ApiError::NotFound)?;
        // Without read, nothing else of the subject's means anything.
        if removed.operation == "read" && removed.target == "space" {
            permissions.retain(|p| p.subject != removed.subject);
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// --- Data Center ------------------------------------------------------------------------------

fn dc_subject(subject: &Subject) -> Value {
    match subject {
        Subject::User(key) => json!({"type": "user", "userKey": key}),
        Subject::Group(name) => json!({"type": "group", "name": name}),
        Subject::Anonymous => json!({"type": "anonymous"}),
    }
}

fn dc_permissions(store: &Store, space_id: u64, only: Option<&Subject>) -> Value {
    let key = store
        .spaces
        .get(&space_id)
        .map(|s| s.key.clone())
        .unwrap_or_default();
    let list: Vec<Value> = store
        .space_permissions
        .get(&space_id)
        .into_iter()
        .flatten()
        .filter(|p| only.is_none_or(|s| &p.subject == s))
        .map(|p| {
            json!({"operation": {"targetType": p.target, "operationKey": p.operation},
                   "subject": dc_subject(&p.subject), "spaceKey": key, "spaceId": space_id})
        })
        .collect();
    Value::Array(list)
}

/// `GET {context}/rest/api/space/{key}/permissions`
pub(crate) async fn dc_list(State(state): Shared, Path(key): Path<String>) -> ApiResult {
    let store = state.store();
    let space_id = space_id_by_key(&store, &key)?;
    Ok(Json(dc_permissions(&store, space_id, None)).into_response())
}

/// `GET {context}/rest/api/space/{key}/permissions/anonymous`
pub(crate) async fn dc_list_anonymous(State(state): Shared, Path(key): Path<String>) -> ApiResult {
    let store = state.store();
    let space_id = space_id_by_key(&store, &key)?;
    Ok(Json(dc_permissions(&store, space_id, Some(&Subject::Anonymous))).into_response())
}

/// The `[{operationKey, targetType}]` of a Data Center request.
fn dc_operations(list: Option<&Value>) -> Result<BTreeSet<(String, String)>, ApiError> {
    let list = list
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_param("operations", "is required"))?;
    let mut out = BTreeSet::new();
    for op in list {
        let key = op["operationKey"].as_str().unwrap_or_default();
        let target = op["targetType"].as_str().unwrap_or_default();
        check_operation(key, target)?;
        out.insert((key.to_string(), target.to_string()));
    }
    Ok(out)
}

/// Makes `wanted` the whole set of `subject`'s permissions in the space.
fn set_subject(
    permissions: &mut Vec<SpacePermission>,
    next_id: &mut u64,
    subject: &Subject,
    wanted: &BTreeSet<(String, String)>,
) {
    permissions.retain(|p| {
        &p.subject != subject || wanted.contains(&(p.operation.clone(), p.target.clone()))
    });
    for (operation, target) in wanted {
        let held = permissions
            .iter()
            .any(|p| &p.subject == subject && &p.operation == operation && &p.target == target);
        if !held {
            permissions.push(SpacePermission {
                id: *next_id,
                subject: subject.clone(),
                operation: operation.clone(),
                target: target.clone(),
            });
            *next_id += 1;
        }
    }
}

/// `POST {context}/rest/api/space/{key}/permissions`: `[{userKey | groupName, operations:
/// [{operationKey, targetType}]}]`, at most 40 subjects; each listed subject ends up with
/// exactly its operations, others are left alone.
pub(crate) async fn dc_set(
    State(state): Shared,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Vec<Value>>, JsonRejection>,
) -> ApiResult {
    let Json(entries) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let space_id = space_id_by_key(&state.store(), &key)?;
    require_admin(&state, &headers)?;
    if entries.len() > 40 {
        return Err(ApiError::BadRequest("At most 40 subjects at a time".into()));
    }
    let mut sets = Vec::new();
    {
        let store = state.store();
        for entry in &entries {
            let subject = match (entry["userKey"].as_str(), entry["groupName"].as_str()) {
                (Some(user), None) if !user.is_empty() => Subject::User(user.to_string()),
                (None, Some(group)) if store.groups.iter().any(|g| g.name == group) => {
                    Subject::Group(group.to_string())
                }
                _ => return Err(ApiError::bad_param("subject", "names no user or group")),
            };
            sets.push((subject, dc_operations(entry.get("operations"))?));
        }
    }
    change_permissions(&state, space_id, |permissions, next_id| {
        for (subject, wanted) in &sets {
            set_subject(permissions, next_id, subject, wanted);
        }
        Ok(())
    })?;
    Ok(StatusCode::OK.into_response())
}

/// `POST {context}/rest/api/space/{key}/permissions/anonymous`: `[{operationKey,
/// targetType}]`, the whole set anonymous users hold (empty: none).
pub(crate) async fn dc_set_anonymous(
    State(state): Shared,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let space_id = space_id_by_key(&state.store(), &key)?;
    require_admin(&state, &headers)?;
    let wanted = dc_operations(Some(&body))?;
    change_permissions(&state, space_id, |permissions, next_id| {
        set_subject(permissions, next_id, &Subject::Anonymous, &wanted);
        Ok(())
    })?;
    Ok(StatusCode::OK.into_response())
}
