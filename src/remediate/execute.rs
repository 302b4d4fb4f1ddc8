//! Carrying out an approved remediation, verifying it, and taking it back.
//!
//! Every action is idempotent, because a worker can die between changing Confluence and
//! recording that it did, and the next worker then runs the action again:
//! - a redaction marks the version it writes (`[dlp:<id>]` in the version message), and a
//!   run that finds its mark on the current version records that version instead of writing;
//! - a quarantine keeps its sealed copy before deleting, and a 404 on delete means done;
//! - restrictions and permissions are set to a state, not toggled, from a snapshot taken once
//!   and checkpointed before the first write.
//!
//! A 409 on a redaction (someone saved the page since it was read) reads the page again and
//! masks the values in what they wrote: a person's concurrent edit is never overwritten.

use base64::Engine as _;
use dlp_confluence::{ConfluenceClient, ConfluenceError, Container};
use dlp_store::{FindingRecord, QuarantinedAttachment, Remediation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::access;
use super::content::{BodyRef, Masking};
use super::plan::{masks, targets};
use super::policy::ActionKind;
use crate::app::App;

/// Why a run did not get through.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Worth another attempt later: Confluence busy or away, a page that kept changing.
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

impl From<ConfluenceError> for RunError {
    fn from(e: ConfluenceError) -> Self {
        if e.is_transient() {
            RunError::Transient(format!("Confluence: {e}"))
        } else {
            RunError::Permanent(format!("Confluence: {e}"))
        }
    }
}

impl From<dlp_store::StoreError> for RunError {
    fn from(e: dlp_store::StoreError) -> Self {
        RunError::Transient(format!("store: {e}"))
    }
}

/// Writes of one redaction before it gives up on a page that keeps changing under it.
const MAX_CONFLICTS: usize = 4;

/// The findings a remediation was planned for, whatever their status now.
async fn records(app: &App, rem: &Remediation) -> Result<Vec<FindingRecord>, RunError> {
    Ok(app.store.findings_by_ids(&rem.finding_ids).await?)
}

fn action_of(rem: &Remediation) -> Result<ActionKind, RunError> {
    ActionKind::parse(&rem.action)
        .ok_or_else(|| RunError::Permanent(format!("unknown action {:?}", rem.action)))
}

fn client(app: &App) -> Result<&ConfluenceClient, RunError> {
    app.confluence
        .as_ref()
        .ok_or_else(|| RunError::Permanent("no Confluence site is configured".into()))
}

/// Carries out the change; answers what was done (kept as the remediation's result).
pub async fn execute(app: &App, rem: &Remediation) -> Result<Value, RunError> {
    let client = client(app)?;
    let found = records(app, rem).await?;
    let records: Vec<&FindingRecord> = found.iter().collect();
    match action_of(rem)? {
        ActionKind::RedactInPlace => redact(app, client, rem, &records).await,
        ActionKind::QuarantineAttachment => quarantine(app, client, rem).await,
        ActionKind::PurgeHistory => purge_history(app, client, rem, &records).await,
        ActionKind::RestrictPage => access::restrict(app, client, rem).await,
        ActionKind::RemoveSpaceAccess => access::revoke_space_access(app, rem).await,
        ActionKind::Classify => access::classify(app, client, rem).await,
        ActionKind::Notify => super::notify_plan::send(app, client, rem, &records).await,
    }
}

/// Checks the change holds: the value gone from what Confluence serves now, the permissions
/// as written. `Err` says what is still wrong.
pub async fn verify(app: &App, rem: &Remediation, result: &Value) -> Result<(), RunError> {
    let client = client(app)?;
    let found = records(app, rem).await?;
    let records: Vec<&FindingRecord> = found.iter().collect();
    match action_of(rem)? {
        ActionKind::RedactInPlace => {
            let body = body_ref(rem)?.read(client).await?;
            let left = Masking::read(&app.workers.classifier, &body.storage, &targets(&records));
            match left.count() {
                0 => Ok(()),
                n => Err(RunError::Permanent(format!(
                    "{n} value(s) still in version {}",
                    body.version
                ))),
            }
        }
        ActionKind::QuarantineAttachment => {
            let id = rem.target.attachment_id.as_deref().unwrap_or_default();
            match client.attachment(id).await {
                Err(ConfluenceError::NotFound) => Ok(()),
                Ok(a) if a.status.as_deref().is_some_and(|s| s != "current") => Ok(()),
                Ok(_) => Err(RunError::Permanent("the attachment is still there".into())),
                Err(e) => Err(e.into()),
            }
        }
        ActionKind::PurgeHistory => {
            let (container, current) = document(client, &rem.target.page_id).await?;
            let held = versions_holding(app, client, container, rem, &records, current).await?;
            if held.is_empty() {
                Ok(())
            } else {
                Err(RunError::Permanent(format!(
                    "versions {held:?} still hold a value"
                )))
            }
        }
        ActionKind::RestrictPage | ActionKind::RemoveSpaceAccess | ActionKind::Classify => {
            access::verify(app, client, rem, result).await
        }
        // A message sent is its own proof; its channels' answers are in the result.
        ActionKind::Notify => Ok(()),
    }
}

/// Takes the change back; answers what was done.
pub async fn undo(app: &App, rem: &Remediation) -> Result<Value, RunError> {
    let client = client(app)?;
    let result = rem.result.clone().unwrap_or_default();
    match action_of(rem)? {
        ActionKind::RedactInPlace => undo_redaction(client, rem, &result).await,
        ActionKind::QuarantineAttachment => restore_attachment(app, client, rem).await,
        ActionKind::RestrictPage | ActionKind::RemoveSpaceAccess | ActionKind::Classify => {
            access::undo(app, client, rem, &result).await
        }
        ActionKind::PurgeHistory | ActionKind::Notify => {
            Err(RunError::Permanent("this action cannot be undone".into()))
        }
    }
}

fn body_ref(rem: &Remediation) -> Result<BodyRef, RunError> {
    let t = &rem.target;
    match t.content_type.as_str() {
        "page" => Ok(BodyRef::Document {
            container: Container::Page,
            id: t.page_id.clone(),
        }),
        "blogpost" => Ok(BodyRef::Document {
            container: Container::BlogPost,
            id: t.page_id.clone(),
        }),
        "comment" => t
            .comment_id
            .clone()
            .map(|id| BodyRef::Comment { id })
            .ok_or_else(|| RunError::Permanent("a comment remediation without its id".into())),
        other => Err(RunError::Permanent(format!("no body to redact in {other}"))),
    }
}

fn marker(rem: &Remediation) -> String {
    format!("[dlp:{}]", rem.id)
}

/// Redacts natively where the site and the settings allow ([`super::native`]), then masks in
/// the storage body whatever is left (all of it, when native redaction was not used; values
/// outside the ADF's text, such as in a macro's parameters, when it was).
async fn redact(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    records: &[&FindingRecord],
) -> Result<Value, RunError> {
    let body_ref = body_ref(rem)?;
    match super::native::redact(app, client, rem, records, &body_ref).await? {
        super::native::Native::Done(native) => {
            let rest = redact_storage(app, client, rem, records, &body_ref, Some(&native)).await?;
            if rest["new_version"].is_null() {
                return Ok(native);
            }
            // Both wrote: undo goes back to the version before the native redaction.
            let mut merged = native;
            merged["new_version"] = rest["new_version"].clone();
            merged["storage"] = rest;
            Ok(merged)
        }
        super::native::Native::Skipped(why) => {
            let mut result = redact_storage(app, client, rem, records, &body_ref, None).await?;
            result["path"] = "storage".into();
            result["native_skipped"] = why.into();
            Ok(result)
        }
    }
}

/// The storage path: a new version with each value masked in the storage body. `prior` is
/// what the native step recorded, kept in the checkpoint so a crash does not lose it.
async fn redact_storage(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    records: &[&FindingRecord],
    body_ref: &BodyRef,
    prior: Option<&Value>,
) -> Result<Value, RunError> {
    let (targets, masks) = (targets(records), masks(records));
    let mark = marker(rem);
    let mut detectors: Vec<&str> = records
        .iter()
        .map(|r| r.finding.detector.as_str())
        .collect();
    detectors.sort_unstable();
    detectors.dedup();
    for _ in 0..MAX_CONFLICTS {
        let body = body_ref.read(client).await?;
        if body.message.contains(&mark) {
            // Written by an earlier run that died before recording it.
            let base = rem
                .result
                .as_ref()
                .and_then(|r| r["base_version"].as_u64())
                .unwrap_or(u64::from(body.version.saturating_sub(1)));
            return Ok(json!({"base_version": base, "new_version": body.version, "masked": null}));
        }
        let masking = Masking::read(&app.workers.classifier, &body.storage, &targets);
        if masking.count() == 0 {
            return Ok(
                json!({"base_version": body.version, "new_version": null, "masked": 0,
                             "note": "no value left to mask in the current version"}),
            );
        }
        let (storage, n) = masking.masked_body(&body.storage, &masks);
        let mut checkpoint = prior.cloned().unwrap_or_else(|| json!({}));
        if prior.is_none() {
            checkpoint["base_version"] = body.version.into();
        }
        app.store
            .checkpoint_remediation(&rem.id, &checkpoint)
            .await?;
        let message = format!(
            "confluence-dlp masked {n} sensitive value(s) ({}) under policy {:?} {mark}",
            detectors.join(", "),
            rem.policy
        );
        match body_ref.write(client, &body, &storage, &message).await {
            Ok(version) => {
                return Ok(json!({"base_version": body.version, "new_version": version,
                                 "masked": n}));
            }
            Err(ConfluenceError::Conflict) => {
                tracing::info!(remediation = %rem.id, "the content changed while being redacted; reading it again");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(RunError::Transient(
        "the content kept changing while it was being redacted".into(),
    ))
}

async fn undo_redaction(
    client: &ConfluenceClient,
    rem: &Remediation,
    result: &Value,
) -> Result<Value, RunError> {
    let body_ref = body_ref(rem)?;
    let (Some(base), Some(written)) = (
        result["base_version"].as_u64(),
        result["new_version"].as_u64(),
    ) else {
        return Err(RunError::Permanent("no version was written".into()));
    };
    let BodyRef::Document { container, id } = &body_ref else {
        return Err(RunError::Permanent(
            "a comment's earlier version cannot be read back; restore it by hand".into(),
        ));
    };
    let now = body_ref.read(client).await?;
    if u64::from(now.version) != written {
        return Err(RunError::Permanent(format!(
            "the content changed after the redaction (now version {}); restoring version {base} \
             would lose that edit, so restore it by hand from the page history",
            now.version
        )));
    }
    let base32 = u32::try_from(base).map_err(|_| RunError::Permanent("bad version".into()))?;
    let old = client
        .document_version(*container, id, base32)
        .await?
        .ok_or_else(|| RunError::Permanent(format!("version {base} is gone from the history")))?;
    let message = format!(
        "confluence-dlp restored version {base} (undo) [dlp-undo:{}]",
        rem.id
    );
    let restored = body_ref.write(client, &now, &old, &message).await?;
    Ok(json!({"base_version": base, "new_version": written, "restored_as": restored}))
}

async fn quarantine(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
) -> Result<Value, RunError> {
    let id = rem
        .target
        .attachment_id
        .clone()
        .ok_or_else(|| RunError::Permanent("no attachment".into()))?;
    let kept = match app.store.quarantined(&rem.id).await? {
        Some(kept) => kept,
        None => {
            let attachment = match client.attachment(&id).await {
                Err(ConfluenceError::NotFound) => {
                    return Err(RunError::Permanent(
                        "the attachment is gone from Confluence and no copy was taken".into(),
                    ));
                }
                other => other?,
            };
            let bytes = client.download(&attachment).await?;
            let sealed = app
                .workers
                .sealer
                .seal(&base64::engine::general_purpose::STANDARD.encode(&bytes));
            let kept = QuarantinedAttachment {
                remediation_id: rem.id.clone(),
                attachment_id: id.clone(),
                container_id: attachment
                    .container_id()
                    .unwrap_or(&rem.target.page_id)
                    .to_owned(),
                file_name: attachment.title.clone(),
                media_type: attachment
                    .media_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
                sealed: serde_json::to_string(&sealed)
                    .map_err(|e| RunError::Permanent(format!("sealing: {e}")))?,
            };
            app.store.quarantine(&kept).await?;
            kept
        }
    };
    match client.delete_attachment(&id).await {
        Ok(()) | Err(ConfluenceError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(
        json!({"attachment_id": id, "file_name": kept.file_name, "size": kept.size,
              "sha256": kept.sha256, "container_id": kept.container_id}),
    )
}

async fn restore_attachment(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
) -> Result<Value, RunError> {
    let kept = app
        .store
        .quarantined(&rem.id)
        .await?
        .ok_or_else(|| RunError::Permanent("no quarantined copy is kept".into()))?;
    let sealed: dlp_jobs::Sealed = serde_json::from_str(&kept.sealed)
        .map_err(|_| RunError::Permanent("the quarantined copy is damaged".into()))?;
    let encoded = app.workers.sealer.open(&sealed).map_err(|_| {
        RunError::Permanent("the quarantined copy cannot be opened with this server key".into())
    })?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| RunError::Permanent("the quarantined copy is damaged".into()))?;
    if hex::encode(Sha256::digest(&bytes)) != kept.sha256 {
        return Err(RunError::Permanent(
            "the quarantined copy does not match its digest".into(),
        ));
    }
    let uploaded = client
        .upload_attachment(
            &kept.container_id,
            &kept.file_name,
            &kept.media_type,
            &bytes,
            "restored by confluence-dlp (undo of a quarantine)",
        )
        .await?;
    app.store.release_quarantine(&rem.id).await?;
    Ok(
        json!({"attachment_id": kept.attachment_id, "file_name": kept.file_name,
              "restored_as": uploaded.id, "sha256": kept.sha256}),
    )
}

/// The page or blog post `id`, and its current version.
async fn document(client: &ConfluenceClient, id: &str) -> Result<(Container, u32), RunError> {
    match client.page(id).await {
        Ok(p) => Ok((Container::Page, p.version.map_or(0, |v| v.number))),
        Err(ConfluenceError::NotFound) => {
            let b = client.blog_post(id).await?;
            Ok((Container::BlogPost, b.version.map_or(0, |v| v.number)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Older versions (newest first) that hold a value of `records`.
async fn versions_holding(
    app: &App,
    client: &ConfluenceClient,
    container: Container,
    rem: &Remediation,
    records: &[&FindingRecord],
    current: u32,
) -> Result<Vec<u32>, RunError> {
    let targets = targets(records);
    let mut held = Vec::new();
    for n in (1..current).rev() {
        let Some(body) = client
            .document_version(container, &rem.target.page_id, n)
            .await?
        else {
            continue;
        };
        if Masking::read(&app.workers.classifier, &body, &targets).count() > 0 {
            held.push(n);
        }
    }
    Ok(held)
}

async fn purge_history(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    records: &[&FindingRecord],
) -> Result<Value, RunError> {
    let (container, current) = document(client, &rem.target.page_id).await?;
    let body_ref = BodyRef::Document {
        container,
        id: rem.target.page_id.clone(),
    };
    let now = body_ref.read(client).await?;
    let left = Masking::read(&app.workers.classifier, &now.storage, &targets(records)).count();
    if left > 0 {
        // Purging first would leave the value in the page and remove the record of it.
        return Err(RunError::Transient(format!(
            "the current version still holds {left} value(s): redact it first"
        )));
    }
    let held = versions_holding(app, client, container, rem, records, current).await?;
    let mut deleted: Vec<u32> = rem
        .result
        .as_ref()
        .and_then(|r| serde_json::from_value(r["deleted_versions"].clone()).ok())
        .unwrap_or_default();
    for n in held {
        match client.delete_version(&rem.target.page_id, n).await {
            Ok(()) | Err(ConfluenceError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        deleted.push(n);
        app.store
            .checkpoint_remediation(
                &rem.id,
                &json!({"deleted_versions": deleted, "current_version": current}),
            )
            .await?;
    }
    Ok(json!({"deleted_versions": deleted, "current_version": current}))
}
