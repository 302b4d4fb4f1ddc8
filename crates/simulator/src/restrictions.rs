//! A page's or blog post's restrictions and ancestors: v1 `GET
//! .../content/{id}/restriction/byOperation` (the stored read and update restrictions, in the
//! shape mcp-atlassian reads), `PUT .../content/{id}/restriction` (replaces them all: an
//! operation left out loses its restrictions) and `DELETE .../content/{id}/restriction`
//! (removes them all), on both flavours under the context path; Cloud's v2 `GET
//! /pages/{id}/ancestors` (root first). Restrictions name users (Cloud `accountId`, Data
//! Center `userKey` or `username`) and groups (Cloud `id` or `name`, Data Center `name`).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::access::{Restrictions, Subject};
use super::errors::ApiError;
use super::paging::Params;
use super::store::{DocKind, Store};
use super::v1::{known_accounts, user_json};

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

/// The page or blog post `id` names; restrictions hang on nothing else here.
fn document_id(store: &Store, id: &str) -> Result<u64, ApiError> {
    let n: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    store
        .document(DocKind::Page, n)
        .or_else(|| store.document(DocKind::BlogPost, n))
        .map(|d| d.id)
        .ok_or(ApiError::NotFound)
}

fn user(state: &AppState, account: &str) -> Value {
    let mut dc = user_json(&state.base(), account);
    if state.is_data_center() {
        return dc;
    }
    let name = dc["displayName"].take();
    json!({"type": "known", "accountId": account, "accountType": "atlassian",
           "displayName": name, "publicName": name})
}

fn group(state: &AppState, store: &Store, name: &str) -> Value {
    if state.is_data_center() {
        return json!({"type": "group", "name": name});
    }
    let id = store
        .groups
        .iter()
        .find(|g| g.name == name)
        .map(|g| g.id.clone());
    json!({"type": "group", "name": name, "id": id})
}

fn operation_json(
    state: &AppState,
    store: &Store,
    id: u64,
    op: &str,
    subjects: &[Subject],
) -> Value {
    let base = state.base();
    let list = |items: Vec<Value>| json!({"results": items, "start": 0, "limit": 200, "size": items.len()});
    let users = subjects
        .iter()
        .filter_map(|s| match s {
            Subject::User(a) => Some(user(state, a)),
            _ => None,
        })
        .collect();
    let groups = subjects
        .iter()
        .filter_map(|s| match s {
            Subject::Group(g) => Some(group(state, store, g)),
            _ => None,
        })
        .collect();
    json!({
        "operation": op,
        "restrictions": {"user": list(users), "group": list(groups)},
        "_expandable": {"content": format!("/rest/api/content/{id}")},
        "_links": {"self": format!("{base}/rest/api/content/{id}/restriction/byOperation/{op}")},
    })
}

/// `GET .../content/{id}/restriction/byOperation`
pub(crate) async fn by_operation(State(state): Shared, Path(id): Path<String>) -> ApiResult {
    let store = state.store();
    // Comments and attachments have no restrictions of their own: empty lists, as before.
    let id = match document_id(&store, &id) {
        Ok(id) => id,
        Err(_) if super::v1::find(&store, &id).is_some() => id.parse().unwrap_or_default(),
        Err(e) => return Err(e),
    };
    let none = Restrictions::default();
    let r = store.restrictions.get(&id).unwrap_or(&none);
    Ok(Json(json!({
        "read": operation_json(&state, &store, id, "read", &r.read),
        "update": operation_json(&state, &store, id, "update", &r.update),
        "_links": {"base": state.base(), "context": state.context},
    }))
    .into_response())
}

/// The users or groups of one operation of a PUT: an array, or v1's `{results: [...]}`.
fn entries(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Object(o)) => o
            .get("results")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn parse_subjects(store: &Store, restrictions: &Value) -> Result<Vec<Subject>, ApiError> {
    let mut out = Vec::new();
    let accounts = known_accounts(store);
    for u in entries(restrictions.get("user")) {
        let by_id = u["accountId"].as_str().or(u["userKey"].as_str());
        let account = match (by_id, u["username"].as_str()) {
            (Some(id), _) if !id.trim().is_empty() => id.to_string(),
            (_, Some(username)) => accounts
                .iter()
                .find(|a| user_json("", a)["username"] == username)
                .map(|a| a.to_string())
                .ok_or_else(|| ApiError::bad_param("user", "names no user"))?,
            _ => {
                return Err(ApiError::bad_param(
                    "user",
                    "needs an accountId, userKey or username",
                ));
            }
        };
        out.push(Subject::User(account));
    }
    for g in entries(restrictions.get("group")) {
        let wanted = g["id"].as_str().or(g["name"].as_str()).unwrap_or_default();
        let name = store
            .groups
            .iter()
            .find(|known| known.id == wanted || known.name == wanted)
            .map(|known| known.name.clone())
            .ok_or_else(|| ApiError::bad_param("group", "names no group"))?;
        out.push(Subject::Group(name));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `PUT .../content/{id}/restriction`: `[{operation, restrictions: {user, group}}]` or
/// `{results: [...]}`; answers with the restrictions now in force.
pub(crate) async fn replace(
    State(state): Shared,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let items = match &body {
        Value::Array(items) => items.clone(),
        Value::Object(o) => match o.get("results") {
            Some(Value::Array(items)) => items.clone(),
            _ => return Err(ApiError::BadRequest("Invalid request body".into())),
        },
        _ => return Err(ApiError::BadRequest("Invalid request body".into())),
    };
    let mut next = Restrictions::default();
    {
        let store = state.store();
        for item in &items {
            let subjects = parse_subjects(&store, &item["restrictions"])?;
            match item["operation"].as_str() {
                Some("read") => next.read = subjects,
                Some("update") => next.update = subjects,
                _ => return Err(ApiError::bad_param("operation", "must be read or update")),
            }
        }
    }
    let id = state.try_write(|store| {
        let id = document_id(store, &id)?;
        if next.is_empty() {
            store.restrictions.remove(&id);
        } else {
            store.restrictions.insert(id, next);
        }
        Ok::<_, ApiError>(id)
    })?;
    let store = state.store();
    let none = Restrictions::default();
    let r = store.restrictions.get(&id).unwrap_or(&none);
    let results = vec![
        operation_json(&state, &store, id, "read", &r.read),
        operation_json(&state, &store, id, "update", &r.update),
    ];
    Ok(Json(
        json!({"results": results, "start": 0, "limit": 100, "size": 2,
                   "_links": {"base": state.base(), "context": state.context}}),
    )
    .into_response())
}

/// `DELETE .../content/{id}/restriction`: no restrictions any more; answers as a PUT does.
pub(crate) async fn remove_all(State(state): Shared, Path(id): Path<String>) -> ApiResult {
    state.try_write(|store| {
        let id = document_id(store, &id)?;
        store.restrictions.remove(&id);
        Ok::<_, ApiError>(())
    })?;
    Ok(StatusCode::OK.into_response())
}

/// `GET /wiki/api/v2/pages/{id}/ancestors?limit=`: root first; at most `limit` (the nearest),
/// the rest to be asked for with the first one's id, as Cloud pages them.
pub(crate) async fn ancestors(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let limit = params.limit(25)?.clamp(1, 250);
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a number"))?;
    let page = store
        .document(DocKind::Page, id)
        .ok_or(ApiError::NotFound)?;
    let chain = store.page_ancestors(page);
    let skip = chain.len().saturating_sub(limit);
    let results: Vec<Value> = chain[skip..]
        .iter()
        .map(|a| json!({"id": a.to_string(), "type": "page"}))
        .collect();
    Ok(Json(json!({"results": results, "_links": {"base": state.base()}})).into_response())
}
