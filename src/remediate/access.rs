//! Who may read a page, and changing it: page restrictions (`restrict_page`), the space's
//! permissions (`remove_space_access`, with a space admin's credential) and the page's
//! classification level (`classify`). Every change keeps a snapshot of what was there before,
//! checkpointed before the first write, so a retry after a crash restores from the original
//! state and an undo puts back exactly what was there.

use dlp_confluence::{
    ClassificationLevel, ConfluenceClient, ConfluenceError, Container, ContentRestrictions,
    Principal, SpacePermission,
};
use dlp_domain::Exposure;
use dlp_store::Remediation;
use serde_json::{Value, json};

use super::execute::RunError;
use super::exposure::Audience;
use super::policy::Policy;
use crate::app::App;

/// The audience a policy's `revoke` names: anonymous users unless it names groups.
fn revoked(policy_revoke: &[String], principal: &Principal) -> bool {
    if policy_revoke.is_empty() {
        return *principal == Principal::Anonymous;
    }
    policy_revoke.iter().any(|r| match principal {
        Principal::Anonymous => r == "anonymous",
        Principal::Group(g) => g.eq_ignore_ascii_case(r),
        _ => false,
    })
}

/// A principal as plans and snapshots keep it.
fn principal_json(p: &Principal) -> Value {
    match p {
        Principal::User(id) => json!({"type": "user", "id": id}),
        Principal::Group(id) => json!({"type": "group", "id": id}),
        Principal::Role(id) => json!({"type": "role", "id": id}),
        Principal::Anonymous => json!({"type": "anonymous"}),
    }
}

fn principal_of(v: &Value) -> Option<Principal> {
    let id = || v["id"].as_str().map(str::to_owned);
    match v["type"].as_str()? {
        "user" => id().map(Principal::User),
        "group" => id().map(Principal::Group),
        "role" => id().map(Principal::Role),
        "anonymous" => Some(Principal::Anonymous),
        _ => None,
    }
}

fn label(p: &Principal) -> String {
    match p {
        Principal::User(id) => format!("user {id}"),
        Principal::Group(id) => format!("group {id}"),
        Principal::Role(id) => format!("role {id}"),
        Principal::Anonymous => "anonymous users".into(),
    }
}

fn restrictions_json(r: &ContentRestrictions) -> Value {
    json!({
        "read": r.read.iter().map(principal_json).collect::<Vec<_>>(),
        "update": r.update.iter().map(principal_json).collect::<Vec<_>>(),
    })
}

fn restrictions_of(v: &Value) -> Option<ContentRestrictions> {
    let list = |key: &str| -> Option<Vec<Principal>> {
        v[key].as_array()?.iter().map(principal_of).collect()
    };
    Some(ContentRestrictions {
        read: list("read")?,
        update: list("update")?,
    })
}

fn permission_json(p: &SpacePermission) -> Value {
    json!({"id": p.id, "principal": principal_json(&p.principal), "operation": p.operation,
           "target": p.target})
}

fn permission_of(v: &Value) -> Option<SpacePermission> {
    Some(SpacePermission {
        id: v["id"].as_str().map(str::to_owned),
        principal: principal_of(&v["principal"])?,
        operation: v["operation"].as_str()?.to_owned(),
        target: v["target"].as_str()?.to_owned(),
    })
}

fn permissions_of(v: &Value) -> Option<Vec<SpacePermission>> {
    v.as_array()?.iter().map(permission_of).collect()
}

fn level_json(l: &ClassificationLevel) -> Value {
    json!({"id": l.id, "name": l.name})
}

/// Viewing the space: what makes its pages readable.
fn is_view(p: &SpacePermission) -> bool {
    p.operation == "read" && p.target == "space"
}

/// Who may view a space: anonymous users, groups, and which of those are site-wide. Read once
/// for all the pages of a space.
pub async fn space_audience(
    app: &App,
    client: &ConfluenceClient,
    space_key: &str,
) -> Result<Audience, ConfluenceError> {
    let space = client.space_by_key(space_key).await?;
    let permissions = client.space_permissions(&space).await?;
    let site_wide_groups = &app.settings.remediation.site_wide_groups;
    let mut audience = Audience::default();
    for p in permissions.iter().filter(|p| is_view(p)) {
        match &p.principal {
            Principal::Anonymous => audience.anonymous = true,
            // Names on Data Center, ids on Cloud: `site_wide_groups` may hold either.
            Principal::Group(group) | Principal::Role(group) => {
                audience.groups.push(group.to_owned());
                if site_wide_groups
                    .iter()
                    .any(|g| g.eq_ignore_ascii_case(group))
                {
                    audience.site_wide.push(group.to_owned());
                }
            }
            Principal::User(_) => {}
        }
    }
    audience.groups.sort();
    audience.groups.dedup();
    audience.site_wide.sort();
    audience.site_wide.dedup();
    Ok(audience)
}

/// The page, or its nearest ancestor, whose read restriction limits who reads it. Ancestors
/// that cannot be listed are left out: the page then reads as less restricted than it may
/// be, which overstates its exposure rather than hiding it.
pub async fn restricted_by(
    client: &ConfluenceClient,
    page_id: &str,
) -> Result<Option<String>, ConfluenceError> {
    let mut chain = client.ancestors(page_id).await.unwrap_or_default();
    chain.push(page_id.to_owned());
    for id in chain.iter().rev() {
        let restrictions = client.content_restrictions(id).await?;
        if !restrictions.read.is_empty() {
            return Ok(Some(id.clone()));
        }
    }
    Ok(None)
}

pub(crate) async fn draft_restriction(
    client: &ConfluenceClient,
    policy: &Policy,
    page_id: &str,
) -> Result<Value, String> {
    let before = client
        .content_restrictions(page_id)
        .await
        .map_err(|e| format!("Confluence: {e}"))?;
    let after = restricted(&before, policy);
    if after == before {
        return Err("the page is restricted that way already".into());
    }
    Ok(json!({
        "summary": format!(
            "Restrict {} of the page to {}",
            if policy.restrict_to.edit { "reading and editing" } else { "reading" },
            audience_words(policy)
        ),
        "base_version": null,
        "changes": [],
        "permissions_before": restrictions_json(&before),
        "permissions_after": restrictions_json(&after),
    }))
}

fn audience_words(policy: &Policy) -> String {
    let r = &policy.restrict_to;
    let mut words: Vec<String> = r.groups.iter().map(|g| format!("group {g}")).collect();
    words.extend(r.users.iter().map(|u| format!("user {u}")));
    words.join(", ")
}

/// `before` with the policy's audience added to read (and edit) restrictions.
fn restricted(before: &ContentRestrictions, policy: &Policy) -> ContentRestrictions {
    let r = &policy.restrict_to;
    let wanted: Vec<Principal> = r
        .groups
        .iter()
        .map(|g| Principal::Group(g.clone()))
        .chain(r.users.iter().map(|u| Principal::User(u.clone())))
        .collect();
    let mut after = before.clone();
    let add = |list: &mut Vec<Principal>| {
        for p in &wanted {
            if !list.contains(p) {
                list.push(p.clone());
            }
        }
    };
    add(&mut after.read);
    if r.edit {
        add(&mut after.update);
    }
    after
}

pub(crate) async fn draft_space_revocation(
    app: &App,
    policy: &Policy,
    space_key: &str,
) -> Result<Value, String> {
    let admin = crate::app::space_admin_client(&app.settings)
        .map_err(|e| e.to_string())?
        .ok_or_else(missing_admin)?;
    let space = admin
        .space_by_key(space_key)
        .await
        .map_err(|e| format!("Confluence: {e}"))?;
    let before = admin
        .space_permissions(&space)
        .await
        .map_err(|e| format!("Confluence: {e}"))?;
    let removed: Vec<&SpacePermission> = before
        .iter()
        .filter(|p| revoked(&policy.revoke, &p.principal))
        .collect();
    if removed.is_empty() {
        return Err("the space grants none of that access".into());
    }
    let after: Vec<&SpacePermission> = before
        .iter()
        .filter(|p| !revoked(&policy.revoke, &p.principal))
        .collect();
    Ok(json!({
        "summary": format!(
            "Remove {} permission(s) of space {space_key}: {}",
            removed.len(),
            removed.iter().map(|p| format!("{} {} {}", label(&p.principal), p.operation, p.target))
                .collect::<Vec<_>>().join(", ")
        ),
        "base_version": null,
        "changes": [],
        "permissions_before": before.iter().map(permission_json).collect::<Vec<_>>(),
        "permissions_after": after.iter().map(|p| permission_json(p)).collect::<Vec<_>>(),
    }))
}

fn missing_admin() -> String {
    "changing space permissions needs a space administrator's credential: set \
     DLP_SPACE_ADMIN_EMAIL and DLP_SPACE_ADMIN_API_TOKEN (Cloud) or DLP_SPACE_ADMIN_PAT (Data \
     Center), or [remediation.space_admin]"
        .into()
}

pub(crate) async fn draft_classification(
    client: &ConfluenceClient,
    policy: &Policy,
    page_id: &str,
) -> Result<Value, String> {
    let wanted = policy.classification.as_deref().unwrap_or_default();
    let level = level_named(client, wanted).await?;
    let (container, before) = current_level(client, page_id)
        .await
        .map_err(|e| format!("Confluence: {e}"))?;
    if before.as_ref().is_some_and(|b| b.id == level.id) {
        return Err(format!("the page is classified {wanted} already"));
    }
    Ok(json!({
        "summary": format!("Set the page's classification level to {}", level.name),
        "base_version": null,
        "changes": [],
        "container": container_word(container),
        "permissions_before": {"classification": before.as_ref().map(level_json)},
        "permissions_after": {"classification": level_json(&level)},
    }))
}

async fn level_named(client: &ConfluenceClient, name: &str) -> Result<ClassificationLevel, String> {
    let levels = client.classification_levels().await.map_err(|e| match e {
        ConfluenceError::Unsupported { .. } => {
            "classification levels are a Confluence Cloud feature; this site has none".into()
        }
        e => format!("Confluence: {e}"),
    })?;
    levels
        .into_iter()
        .find(|l| l.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("the site has no classification level named {name:?}"))
}

/// Whether `id` is a page or a blog post, and its classification level now (`None`: no
/// level, its own or its space's).
async fn current_level(
    client: &ConfluenceClient,
    id: &str,
) -> Result<(Container, Option<ClassificationLevel>), ConfluenceError> {
    // A page with no level and a blog post both answer 404 as a page: the page read tells.
    let container = match client.page(id).await {
        Ok(_) => Container::Page,
        Err(ConfluenceError::NotFound) => Container::BlogPost,
        Err(e) => return Err(e),
    };
    match client.content_classification(container, id).await {
        Ok(level) => Ok((container, Some(level))),
        Err(ConfluenceError::NotFound) => Ok((container, None)),
        Err(e) => Err(e),
    }
}

fn container_word(c: Container) -> &'static str {
    match c {
        Container::Page => "page",
        Container::BlogPost => "blogpost",
    }
}

/// The snapshot a run restores from: the one checkpointed by an earlier attempt, else `read`
/// now (and checkpointed before anything is written).
async fn snapshot<F, Fut>(app: &App, rem: &Remediation, read: F) -> Result<Value, RunError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Value, RunError>>,
{
    if let Some(before) = rem.result.as_ref().map(|r| r["before"].clone())
        && !before.is_null()
    {
        return Ok(before);
    }
    let before = read().await?;
    app.store
        .checkpoint_remediation(&rem.id, &json!({"before": before}))
        .await?;
    Ok(before)
}

/// The policy of a remediation's name as it is now: a plan keeps its mode (stored with it),
/// but what it restricts to, revokes or classifies as is read from the policies in force.
fn policy_of(app: &App, rem: &Remediation) -> Result<Policy, RunError> {
    app.policies().get(&rem.policy).cloned().ok_or_else(|| {
        RunError::Permanent(format!(
            "policy {:?} is no longer configured; plan again",
            rem.policy
        ))
    })
}

pub(crate) async fn restrict(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
) -> Result<Value, RunError> {
    let policy = policy_of(app, rem)?;
    let page = &rem.target.page_id;
    let before = snapshot(app, rem, || async {
        let r = client.content_restrictions(page).await?;
        Ok(restrictions_json(&r))
    })
    .await?;
    let before = restrictions_of(&before)
        .ok_or_else(|| RunError::Permanent("the snapshot is damaged".into()))?;
    let after = restricted(&before, &policy);
    client.set_content_restrictions(page, &after).await?;
    Ok(json!({"before": restrictions_json(&before), "after": restrictions_json(&after)}))
}

pub(crate) async fn revoke_space_access(app: &App, rem: &Remediation) -> Result<Value, RunError> {
    let policy = policy_of(app, rem)?;
    let admin = crate::app::space_admin_client(&app.settings)
        .map_err(|e| RunError::Permanent(e.to_string()))?
        .ok_or_else(|| RunError::Permanent(missing_admin()))?;
    let key = &rem.target.space_key;
    let space = admin.space_by_key(key).await?;
    let before = snapshot(app, rem, || async {
        let p = admin.space_permissions(&space).await?;
        Ok(Value::Array(p.iter().map(permission_json).collect()))
    })
    .await?;
    let before = permissions_of(&before)
        .ok_or_else(|| RunError::Permanent("the snapshot is damaged".into()))?;
    let mut removed = Vec::new();
    for p in before
        .iter()
        .filter(|p| revoked(&policy.revoke, &p.principal))
    {
        match admin.remove_space_permission(&space, p).await {
            Ok(()) | Err(ConfluenceError::NotFound) => removed.push(permission_json(p)),
            Err(ConfluenceError::Forbidden) => {
                return Err(RunError::Permanent(format!(
                    "the space admin credential may not change the permissions of space {key}: \
                     make its user an administrator of the space"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(
        json!({"before": before.iter().map(permission_json).collect::<Vec<_>>(),
              "removed": removed}),
    )
}

pub(crate) async fn classify(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
) -> Result<Value, RunError> {
    let policy = policy_of(app, rem)?;
    let wanted = policy.classification.as_deref().unwrap_or_default();
    let level = level_named(client, wanted)
        .await
        .map_err(RunError::Permanent)?;
    let page = &rem.target.page_id;
    let before = snapshot(app, rem, || async {
        let (container, level) = current_level(client, page).await?;
        Ok(json!({"container": container_word(container), "level": level.as_ref().map(level_json)}))
    })
    .await?;
    let container = if before["container"] == "blogpost" {
        Container::BlogPost
    } else {
        Container::Page
    };
    client
        .set_content_classification(container, page, &level.id)
        .await?;
    Ok(json!({"before": before, "after": level_json(&level)}))
}

pub(crate) async fn verify(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    result: &Value,
) -> Result<(), RunError> {
    let page = &rem.target.page_id;
    match rem.action.as_str() {
        "restrict_page" => {
            let now = client.content_restrictions(page).await?;
            let after = restrictions_of(&result["after"])
                .ok_or_else(|| RunError::Permanent("no restrictions were recorded".into()))?;
            if after.read.iter().all(|p| now.read.contains(p))
                && after.update.iter().all(|p| now.update.contains(p))
            {
                // The page's exposure is now restricted: record it so findings show it.
                let audience = Audience {
                    restricted_by: Some(page.clone()),
                    ..Audience::default()
                };
                let _ = app
                    .store
                    .set_page_exposure(
                        page,
                        &rem.target.space_key,
                        Exposure::Restricted,
                        &audience.detail(),
                    )
                    .await;
                Ok(())
            } else {
                Err(RunError::Permanent(
                    "the restrictions read back differ".into(),
                ))
            }
        }
        "remove_space_access" => {
            let admin = crate::app::space_admin_client(&app.settings)
                .map_err(|e| RunError::Permanent(e.to_string()))?
                .ok_or_else(|| RunError::Permanent(missing_admin()))?;
            let space = admin.space_by_key(&rem.target.space_key).await?;
            let now = admin.space_permissions(&space).await?;
            let policy = policy_of(app, rem)?;
            let left: Vec<&SpacePermission> = now
                .iter()
                .filter(|p| revoked(&policy.revoke, &p.principal))
                .collect();
            if left.is_empty() {
                Ok(())
            } else {
                Err(RunError::Permanent(format!(
                    "{} permission(s) still grant that access",
                    left.len()
                )))
            }
        }
        "classify" => {
            let (_, level) = current_level(client, page).await?;
            let wanted = result["after"]["id"].as_str().unwrap_or_default();
            if level.is_some_and(|l| l.id == wanted) {
                Ok(())
            } else {
                Err(RunError::Permanent("the level read back differs".into()))
            }
        }
        _ => Ok(()),
    }
}

pub(crate) async fn undo(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    result: &Value,
) -> Result<Value, RunError> {
    let page = &rem.target.page_id;
    match rem.action.as_str() {
        "restrict_page" => {
            let before = restrictions_of(&result["before"])
                .ok_or_else(|| RunError::Permanent("no snapshot to restore".into()))?;
            client.set_content_restrictions(page, &before).await?;
            Ok(json!({"restored": restrictions_json(&before)}))
        }
        "remove_space_access" => {
            let admin = crate::app::space_admin_client(&app.settings)
                .map_err(|e| RunError::Permanent(e.to_string()))?
                .ok_or_else(|| RunError::Permanent(missing_admin()))?;
            let removed = permissions_of(&result["removed"])
                .ok_or_else(|| RunError::Permanent("no snapshot to restore".into()))?;
            let space = admin.space_by_key(&rem.target.space_key).await?;
            let now = admin.space_permissions(&space).await?;
            let mut added = Vec::new();
            for p in &removed {
                // Already back (a retried undo): granting it twice would fail or duplicate.
                let back = now.iter().any(|n| {
                    n.principal == p.principal && n.operation == p.operation && n.target == p.target
                });
                if back {
                    continue;
                }
                let id = admin
                    .add_space_permission(&space, &p.principal, &p.operation, &p.target)
                    .await?;
                added.push(id);
            }
            Ok(
                json!({"restored": removed.iter().map(permission_json).collect::<Vec<_>>(),
                      "new_ids": added}),
            )
        }
        "classify" => {
            let container = if result["before"]["container"] == "blogpost" {
                Container::BlogPost
            } else {
                Container::Page
            };
            match result["before"]["level"]["id"].as_str() {
                Some(id) => {
                    client
                        .set_content_classification(container, page, id)
                        .await?
                }
                None => client.reset_content_classification(container, page).await?,
            }
            Ok(json!({"restored": result["before"]}))
        }
        other => Err(RunError::Permanent(format!(
            "{other} cannot be undone here"
        ))),
    }
}
