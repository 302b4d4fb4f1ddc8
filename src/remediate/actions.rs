//! Each action's plan: what it will change, read from Confluence now, in the shape a person
//! reviews (`summary`, `base_version`, `changes` with masked before/after snippets,
//! `permissions_before`/`permissions_after`, `reversible`). A plan holds no raw value: bodies
//! are shown through their masked previews only.

use dlp_confluence::{ConfluenceClient, ConfluenceError, Container};
use dlp_store::FindingRecord;
use serde_json::{Value, json};

use super::content::BodyRef;
use super::lifecycle::reversible;
use super::live::PolicySet;
use super::plan::{TargetKey, masks, still_there};
use super::policy::{ActionKind, Policy};
use super::{access, notify_plan};
use crate::app::App;

/// Characters of context either side of a value in a plan's snippets.
const CONTEXT: usize = 48;
/// Snippets shown per plan; the summary counts them all.
const MAX_CHANGES: usize = 20;

pub(crate) struct Drafted {
    pub content_type: &'static str,
    pub comment_id: Option<String>,
    pub attachment_id: Option<String>,
    pub plan: Value,
}

/// The plan of `action` on `target` for `records`; `Err` says why there is nothing to plan.
/// `set` is the planning run's snapshot of the policies, which `policy` is one of.
pub(crate) async fn draft(
    app: &App,
    client: &ConfluenceClient,
    set: &PolicySet,
    policy: &Policy,
    action: ActionKind,
    target: &TargetKey,
    records: &[&FindingRecord],
) -> Result<Drafted, String> {
    let location = &records[0].finding.location;
    let page = |plan: Value| Drafted {
        content_type: "page",
        comment_id: None,
        attachment_id: None,
        plan,
    };
    let mut drafted = match (action, target) {
        (ActionKind::RedactInPlace, TargetKey::Body(_)) => {
            let body_ref = BodyRef::of(location).ok_or("no body to redact")?;
            let body = body_ref.read(client).await.map_err(read_error)?;
            let masking = still_there(app, &body.storage, records);
            if masking.count() == 0 {
                return Err("the values are no longer in the current version".into());
            }
            let masks = masks(records);
            let changes = masking.changes(&masks, CONTEXT, MAX_CHANGES);
            Drafted {
                content_type: match body_ref {
                    BodyRef::Comment { .. } => "comment",
                    BodyRef::Document {
                        container: Container::BlogPost,
                        ..
                    } => "blogpost",
                    BodyRef::Document { .. } => "page",
                },
                comment_id: location.comment_id.clone(),
                attachment_id: None,
                plan: json!({
                    "summary": format!(
                        "Write version {} of {:?} with {} value(s) replaced by their masked form",
                        body.version + 1, body.title, masking.count()
                    ),
                    "base_version": body.version,
                    "changes": changes,
                }),
            }
        }
        (ActionKind::QuarantineAttachment, TargetKey::Attachment(id)) => {
            let attachment = client.attachment(id).await.map_err(read_error)?;
            Drafted {
                content_type: "attachment",
                comment_id: None,
                attachment_id: Some(id.clone()),
                plan: json!({
                    "summary": format!(
                        "Download {:?} ({} bytes), seal it in the store and delete it from \
                         Confluence; undo uploads it again",
                        attachment.title,
                        attachment.file_size.unwrap_or(0)
                    ),
                    "base_version": attachment.version.map(|v| v.number),
                    "changes": [{"before": format!("attachment {:?}", attachment.title),
                                 "after": "quarantined (sealed in the store)"}],
                }),
            }
        }
        (ActionKind::PurgeHistory, TargetKey::Page(_)) => {
            let newest = records
                .iter()
                .filter_map(|r| r.finding.location.page_version)
                .max();
            page(json!({
                "summary": format!(
                    "Once the current version holds none of the {} value(s), delete every older \
                     version that still holds one{}; Confluence cannot bring a deleted version back",
                    records.len(),
                    newest.map(|n| format!(" (newest known: version {n})")).unwrap_or_default()
                ),
                "base_version": newest,
                "changes": [],
            }))
        }
        (ActionKind::RestrictPage, TargetKey::Page(id)) => {
            page(access::draft_restriction(client, policy, id).await?)
        }
        (ActionKind::RemoveSpaceAccess, TargetKey::Space(key)) => {
            let mut d = page(access::draft_space_revocation(app, policy, key).await?);
            d.content_type = "space";
            d
        }
        (ActionKind::Classify, TargetKey::Page(id)) => {
            page(access::draft_classification(client, policy, id).await?)
        }
        (ActionKind::Notify, TargetKey::Page(_)) => {
            page(notify_plan::draft(&set.notify, policy, records))
        }
        _ => return Err("the action does not apply to this content".into()),
    };
    if let Some(plan) = drafted.plan.as_object_mut() {
        let reversible = reversible(action.as_str(), drafted.content_type);
        plan.insert("reversible".into(), reversible.into());
    }
    Ok(drafted)
}

fn read_error(e: ConfluenceError) -> String {
    format!("Confluence: {e}")
}
