//! Native redaction: on a Confluence Cloud site with Atlassian Guard Premium, a page's or blog
//! post's values are redacted by Confluence itself (`POST /pages/{id}/redact`) instead of by
//! writing a new version of the storage body. Confluence then replaces each value with a solid
//! bar, records the redaction in its own audit trail and gives each an id.
//!
//! `remediation.native_redaction` says when: `auto` (the default) tries it and, on a site
//! without Guard Premium, falls back to rewriting the storage body; `always` fails instead;
//! `never` does not try. Comments and Data Center have no native redaction (Atlassian
//! redacts page titles and bodies only), so they always take the storage path.
//!
//! Values are found the way the storage path finds them ([`crate::redact::locate`] with the
//! findings' fingerprints), over the text of the ADF document: text nodes concatenated in
//! order, a line break between blocks and at hard breaks. A value whose characters sit in
//! several text nodes (part of it bold, say) becomes one redaction per node, each confined to
//! its node as the API requires. Offsets are UTF-16 code units, as ADF's editor counts them.
//!
//! Idempotence: the version Confluence writes carries its own message, not our mark, so a run
//! after a crash knows what happened from the checkpoint (`path: native`, the base version)
//! and from the values being gone: nothing left to redact is success, and no second
//! redaction is made. Undo restores the base version from the page history (kept: this module
//! never asks for `cleanHistory`; purging history is its own action); Confluence's v2 API has
//! no restore-by-redaction-id endpoint, so the ids are recorded for Atlassian's own tools.

use std::collections::HashSet;
use std::ops::Range;

use dlp_confluence::{ConfluenceClient, ConfluenceError, Flavor, NativeRedacted, NativeRedaction};
use dlp_store::{FindingRecord, Remediation};
use serde_json::{Value, json};

use super::content::BodyRef;
use super::execute::RunError;
use super::plan::targets;
use crate::app::App;
use crate::redact::locate;

/// `remediation.native_redaction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NativeMode {
    /// Native where the site has it, else the storage body.
    #[default]
    Auto,
    /// Always the storage body.
    Never,
    /// Native on Cloud pages and blog posts; a site without Guard Premium is an error.
    Always,
}

/// What the native step did.
pub(super) enum Native {
    /// Redacted natively now or by an earlier run: what to record.
    Done(Value),
    /// Not used here; why (kept in the result of the storage path).
    Skipped(&'static str),
}

/// Reads of the ADF and redaction calls before giving up on a page that keeps changing.
const MAX_CONFLICTS: usize = 4;

/// One ADF text node: where it is, and where its text sits in the concatenated text.
struct TextNode {
    pointer: String,
    span: Range<usize>,
}

/// The text of an ADF document as the engine reads it, and its text nodes.
fn text_of(doc: &Value) -> (String, Vec<TextNode>) {
    let mut text = String::new();
    let mut nodes = Vec::new();
    walk(doc, "", &mut text, &mut nodes);
    (text, nodes)
}

const INLINE: &[&str] = &[
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "date",
    "status",
    "mediaInline",
    "inlineExtension",
    "placeholder",
];

fn walk(node: &Value, pointer: &str, text: &mut String, nodes: &mut Vec<TextNode>) {
    let kind = node["type"].as_str().unwrap_or_default();
    match kind {
        "text" => {
            let t = node["text"].as_str().unwrap_or_default();
            let at = text.len();
            text.push_str(t);
            nodes.push(TextNode {
                pointer: pointer.to_owned(),
                span: at..text.len(),
            });
            return;
        }
        "hardBreak" => {
            text.push('\n');
            return;
        }
        _ => {}
    }
    if let Some(children) = node["content"].as_array() {
        for (n, child) in children.iter().enumerate() {
            walk(child, &format!("{pointer}/content/{n}"), text, nodes);
        }
    }
    if !INLINE.contains(&kind) && !text.is_empty() && !text.ends_with('\n') {
        // Two blocks are never read as one line: a value does not run across cells.
        text.push('\n');
    }
}

/// The redactions that cover `spans` of the concatenated text: one per text node a span
/// touches, in UTF-16 offsets of that node's text.
fn redactions(
    text: &str,
    nodes: &[TextNode],
    spans: &[Range<usize>],
    reason: &str,
) -> Vec<NativeRedaction> {
    let mut out = Vec::new();
    for span in spans {
        for node in nodes
            .iter()
            .filter(|n| n.span.start < span.end && span.start < n.span.end)
        {
            let own = &text[node.span.clone()];
            let from = span.start.max(node.span.start) - node.span.start;
            let to = span.end.min(node.span.end) - node.span.start;
            if from >= to {
                continue;
            }
            out.push(NativeRedaction {
                pointer: node.pointer.clone(),
                from: own[..from].encode_utf16().count(),
                to: own[..to].encode_utf16().count(),
                reason: Some(reason.to_owned()),
            });
        }
    }
    out
}

/// Redacts the findings' values natively where this remediation may and the site can.
pub(super) async fn redact(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    records: &[&FindingRecord],
    body_ref: &BodyRef,
) -> Result<Native, RunError> {
    let mode = app.settings.remediation.native_redaction;
    if mode == NativeMode::Never {
        return Ok(Native::Skipped("disabled by remediation.native_redaction"));
    }
    let BodyRef::Document { container, id } = body_ref else {
        return Ok(Native::Skipped("comments have no native redaction"));
    };
    if client.flavor() != Flavor::Cloud {
        return Ok(Native::Skipped("Data Center has no native redaction"));
    }
    let targets: HashSet<String> = targets(records);
    let reason = format!(
        "confluence-dlp remediation {} under policy {:?}",
        rem.id, rem.policy
    );
    for _ in 0..MAX_CONFLICTS {
        let (version, doc) = client.page_adf(*container, id).await?;
        let (text, nodes) = text_of(&doc);
        let spans: Vec<Range<usize>> = locate(&app.workers.classifier, &text, &targets)
            .into_iter()
            .filter(|l| l.target)
            .map(|l| l.start..l.end)
            .collect();
        if spans.is_empty() {
            return Ok(Native::Done(nothing_left(rem, version.number)));
        }
        let asked = redactions(&text, &nodes, &spans, &reason);
        app.store
            .checkpoint_remediation(
                &rem.id,
                &json!({"path": "native", "base_version": version.number}),
            )
            .await?;
        match client
            .redact_native(*container, id, &version, &asked, false)
            .await
        {
            Ok(applied) => {
                let now = body_ref.read(client).await?;
                return Ok(Native::Done(done(&version, now.version, &spans, &applied)));
            }
            // The page changed since its ADF was read (a stale version, or a stale
            // `createdAt`, which Cloud answers 400): read it again.
            Err(ConfluenceError::Conflict) => continue,
            Err(e @ ConfluenceError::NotLicensed { .. }) => {
                return match mode {
                    NativeMode::Always => Err(RunError::Permanent(format!(
                        "remediation.native_redaction is \"always\", but {e}"
                    ))),
                    _ => Ok(Native::Skipped("the site has no Atlassian Guard Premium")),
                };
            }
            Err(ConfluenceError::BadRequest) if mode == NativeMode::Auto => {
                tracing::info!(remediation = %rem.id, "native redaction refused the request; rewriting the storage body instead");
                return Ok(Native::Skipped("native redaction refused the request"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(RunError::Transient(
        "the content kept changing while it was being redacted".into(),
    ))
}

/// Nothing to redact in the ADF: an earlier run did it (its checkpoint says so), or the values
/// are gone.
fn nothing_left(rem: &Remediation, current: u32) -> Value {
    let earlier = rem
        .result
        .as_ref()
        .filter(|r| r["path"] == "native")
        .and_then(|r| r["base_version"].as_u64());
    match earlier {
        Some(base) => json!({"path": "native", "base_version": base, "new_version": current,
                             "masked": null, "redaction_ids": null,
                             "note": "redacted by an earlier run"}),
        None => json!({"path": "native", "base_version": current, "new_version": null,
                       "masked": 0, "note": "no value left to mask in the current version"}),
    }
}

fn done(
    base: &dlp_confluence::Version,
    now: u32,
    spans: &[Range<usize>],
    applied: &[NativeRedacted],
) -> Value {
    let ids: Vec<Option<&str>> = applied.iter().map(|a| a.redaction_id.as_deref()).collect();
    json!({
        "path": "native",
        "base_version": base.number,
        "new_version": now,
        "masked": spans.len(),
        "redactions": applied.len(),
        // Null for a code block's redaction: Confluence cannot restore those.
        "redaction_ids": ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_split_across_text_nodes_is_one_redaction_per_node() {
        let doc = json!({"type": "doc", "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "key AKIA"},
                {"type": "text", "text": "WKB3 é", "marks": [{"type": "strong"}]}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "next"}]}]});
        let (text, nodes) = text_of(&doc);
        assert_eq!(text, "key AKIAWKB3 é\nnext\n");
        let start = text.find("AKIA").unwrap();
        let spans: Vec<Range<usize>> = std::iter::once(start..start + 8).collect();
        let asked = redactions(&text, &nodes, &spans, "r");
        assert_eq!(asked.len(), 2);
        assert_eq!(
            (asked[0].pointer.as_str(), asked[0].from, asked[0].to),
            ("/content/0/content/0", 4, 8)
        );
        assert_eq!(
            (asked[1].pointer.as_str(), asked[1].from, asked[1].to),
            ("/content/0/content/1", 0, 4)
        );
        // UTF-16 offsets: an astral character counts two.
        let doc = json!({"type": "doc", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "😀 AKIA"}]}]});
        let (text, nodes) = text_of(&doc);
        let start = text.find("AKIA").unwrap();
        let spans: Vec<Range<usize>> = std::iter::once(start..start + 4).collect();
        let asked = redactions(&text, &nodes, &spans, "r");
        assert_eq!((asked[0].from, asked[0].to), (3, 7));
    }
}
