//! Users as Data Center's v1 names them: `{"type":"known","username","userKey",
//! "profilePicture","displayName","_links"}`, inside `version.by` and `history.createdBy`, and
//! looked up by `GET /rest/api/user?key=|username=`. MCP servers show `displayName` as a
//! page's or comment's author and resolve `@mentions` in bodies through the lookup.
//!
//! The samples name people by Cloud account id (`712020:<uuid>`) only; the simulator makes the
//! rest up, the same way every time: that id is the user key, and the username and display
//! name come from the uuid's first group. Because the sample bodies mention people with
//! Cloud's `ri:account-id` (not Data Center's `ri:userkey`), the lookup also takes
//! `accountId`, which clients send for such mentions.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{ApiResult, Shared};
use crate::errors::ApiError;
use crate::paging::Params;
use crate::store::Store;

/// Who the simulator's writes are made by: the owner of the token the client presents.
pub(crate) const WRITER: &str = "712020:simulator-writer";

/// The made-up short name of an account id: the first group of its uuid.
fn short(account_id: &str) -> &str {
    let tail = account_id.rsplit(':').next().unwrap_or(account_id);
    tail.split('-').next().unwrap_or(tail)
}

/// A user object, as DC nests it in `version.by` and answers `/rest/api/user`.
pub(crate) fn user_json(base: &str, account_id: &str) -> Value {
    let name = short(account_id);
    let key = url::form_urlencoded::byte_serialize(account_id.as_bytes()).collect::<String>();
    json!({
        "type": "known",
        "username": format!("user-{name}"),
        "userKey": account_id,
        "profilePicture": {"path": "/images/icons/profilepics/default.svg",
                           "width": 48, "height": 48, "isDefault": true},
        "displayName": format!("User {name}"),
        "_links": {"self": format!("{base}/rest/api/user?key={key}")},
    })
}

/// Every account the content names (authors of content and of its versions), and the writer.
pub(crate) fn known_accounts(store: &Store) -> BTreeSet<&str> {
    let mut ids: BTreeSet<&str> = BTreeSet::from([WRITER]);
    for s in store.spaces.values() {
        ids.insert(&s.author_id);
    }
    for d in store.pages.values().chain(store.blogposts.values()) {
        ids.insert(&d.author_id);
        ids.insert(&d.version.author_id);
        ids.extend(d.history.iter().map(|(v, _)| v.author_id.as_str()));
    }
    for c in store.comments.values() {
        ids.insert(&c.version.author_id);
    }
    for a in store.attachments.values() {
        ids.insert(&a.version.author_id);
    }
    ids
}

/// `GET /rest/api/user?key=|username=|accountId=`: one user, or 404 for an unknown one.
/// Without any of the three DC answers 400.
pub async fn get_user(State(state): Shared, RawQuery(q): RawQuery) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let found = if let Some(key) = params.get("key").or_else(|| params.get("accountId")) {
        known_accounts(&store).into_iter().find(|id| *id == key)
    } else if let Some(username) = params.get("username") {
        known_accounts(&store)
            .into_iter()
            .find(|id| format!("user-{}", short(id)) == username)
    } else {
        return Err(ApiError::BadRequest(
            "A username or a key is required".into(),
        ));
    };
    let id = found.ok_or(ApiError::NotFound)?;
    Ok(Json(user_json(&state.base(), id)).into_response())
}

/// `GET /rest/api/user/current`: the token's owner, who makes every write.
pub async fn current_user(State(state): Shared) -> ApiResult {
    Ok(Json(user_json(&state.base(), WRITER)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_names_come_from_the_account_id() {
        let user = user_json(
            "http://x/confluence",
            "712020:0060208b-f63f-471b-aff4-c2423ef97131",
        );
        assert_eq!(user["displayName"], "User 0060208b");
        assert_eq!(user["username"], "user-0060208b");
        assert_eq!(
            user["userKey"],
            "712020:0060208b-f63f-471b-aff4-c2423ef97131"
        );
        assert_eq!(
            user["_links"]["self"],
            "http://x/confluence/rest/api/user?key=712020%3A0060208b-f63f-471b-aff4-c2423ef97131"
        );
    }
}
