//! Redacting an MCP result, whatever its shape: every string in it, at any depth.
//!
//! A tool result carries its data more than once (mcp-atlassian puts the same page in
//! `content[0].text`, as JSON text, and in `structuredContent`), resources and prompts carry
//! it in their own fields, and a server may add more in `_meta`. So the proxy does not pick
//! fields: it rewrites every string value of the result's JSON except the few that name its
//! structure (`type`, `mimeType`). A string that is itself JSON is parsed and rewritten
//! value by value, so an escaped value (`\n` inside a wrapped key, `\"` around it) is read
//! as the value it is. Identical strings are read once per result.
//!
//! Binary payloads (an image's `data`, a resource's `blob`) are read by the extractors (OCR
//! for images) and withheld, replaced by a notice, when they hold a sensitive value or cannot
//! be read; audio is always withheld, as nothing here can read it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use dlp_workers::WorkerDeps;
use serde_json::{Map, Value, json};

use super::settings::BinaryPolicy;
use crate::redact::{Format, RedactError, Redacted, Style, scan};

/// What redacting one result did, for the audit trail: detectors and counts, no values.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub detectors: BTreeSet<String>,
    pub redactions: usize,
    /// Of `redactions`, those recognised as values a scan found before.
    pub known: usize,
    /// Images and binary resources withheld.
    pub withheld: usize,
}

impl Report {
    pub fn merge(&mut self, other: Report) {
        self.detectors.extend(other.detectors);
        self.redactions += other.redactions;
        self.known += other.known;
        self.withheld += other.withheld;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScrubError {
    #[error("the result could not be redacted: {0}")]
    Redact(#[from] RedactError),
    #[error("the redaction stopped unexpectedly")]
    Panicked,
    #[error("the result is larger than the proxy checks")]
    TooLarge,
}

/// Keys whose string values name the result's structure, not its data.
const STRUCTURAL: [&str; 2] = ["type", "mimeType"];

/// One leaf of the walk, in the order both walks meet them.
enum Leaf {
    /// A string; the index of its text in the batch.
    Text(usize),
    /// A string holding JSON, as parsed by the first walk; its own leaves follow it.
    Json { pretty: bool, parsed: Value },
    /// A binary payload at this object; the index of its verdict.
    Binary(usize),
}

/// A binary payload to read: its bytes' base64, and what it claims to be.
struct Binary {
    base64: String,
    mime_type: String,
    /// Audio or an undecodable payload: withheld unread.
    unreadable: bool,
}

#[derive(Default)]
struct Plan {
    leaves: Vec<Leaf>,
    /// Bytes of every string and payload met.
    bytes: usize,
    texts: Vec<(String, Format)>,
    memo: HashMap<String, usize>,
    binaries: Vec<Binary>,
}

impl Plan {
    fn text(&mut self, s: &str) {
        let index = match self.memo.get(s) {
            Some(&i) => i,
            None => {
                let i = self.texts.len();
                self.texts.push((s.to_owned(), Format::Markdown));
                self.memo.insert(s.to_owned(), i);
                i
            }
        };
        self.leaves.push(Leaf::Text(index));
    }

    fn collect(&mut self, value: &Value) {
        match value {
            Value::String(s) => self.string(s),
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            Value::Object(map) => {
                let binary = binary_of(map);
                for (key, v) in map {
                    if skipped(key, v, binary.is_some()) {
                        continue;
                    }
                    self.collect(v);
                }
                // After the object's other fields, in both walks.
                if let Some(binary) = binary {
                    self.bytes += binary.base64.len();
                    self.leaves.push(Leaf::Binary(self.binaries.len()));
                    self.binaries.push(binary);
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, s: &str) {
        self.bytes += s.len();
        if let Some(nested) = json_in(s) {
            self.leaves.push(Leaf::Json {
                pretty: s.contains('\n'),
                parsed: Value::Null,
            });
            let at = self.leaves.len() - 1;
            self.collect(&nested);
            if let Leaf::Json { parsed, .. } = &mut self.leaves[at] {
                *parsed = nested;
            }
        } else {
            self.text(s);
        }
    }
}

/// Whether a field is left as it is: a structural name, or the payload of a binary object
/// (read as a whole, not as text).
fn skipped(key: &str, value: &Value, in_binary: bool) -> bool {
    (STRUCTURAL.contains(&key) && value.is_string())
        || (in_binary && (key == "data" || key == "blob"))
}

/// A string that is a JSON object or array.
fn json_in(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(s)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

/// An image or audio content item (`data`) or a blob resource (`blob`).
fn binary_of(map: &Map<String, Value>) -> Option<Binary> {
    let payload = map
        .get("blob")
        .or_else(|| map.get("data").filter(|_| map.contains_key("mimeType")))?
        .as_str()?;
    let mime_type = map
        .get("mimeType")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream")
        .to_owned();
    Some(Binary {
        unreadable: map.get("type").and_then(Value::as_str) == Some("audio")
            || mime_type.starts_with("audio/"),
        base64: payload.to_owned(),
        mime_type,
    })
}

/// Why a binary payload is withheld, or `None` to pass it.
type BinaryVerdict = Option<String>;

/// Redacts `value` in place and reports what it did.
pub async fn scrub(
    deps: &Arc<WorkerDeps>,
    value: &mut Value,
    style: Style,
    binaries: BinaryPolicy,
    max_bytes: usize,
) -> Result<Report, ScrubError> {
    let mut plan = Plan::default();
    plan.collect(value);
    if plan.bytes > max_bytes {
        return Err(ScrubError::TooLarge);
    }
    if plan.texts.is_empty() && plan.binaries.is_empty() {
        return Ok(Report::default());
    }
    let Plan {
        leaves,
        texts,
        binaries: payloads,
        ..
    } = plan;
    // The engine's half (and OCR) is CPU work: off the runtime's threads, so a deadline on
    // this future can fire, and other calls go on meanwhile.
    let worker = deps.clone();
    let (scanned, binary_texts, engine_verdicts) = tokio::task::spawn_blocking(move || {
        let mut texts = texts;
        let mut binary_texts = Vec::with_capacity(payloads.len());
        let mut engine_verdicts = Vec::with_capacity(payloads.len());
        for payload in &payloads {
            let (text, verdict) = read_binary(&worker, payload, binaries);
            binary_texts.push(text.map(|t| {
                texts.push((t, Format::Text));
                texts.len() - 1
            }));
            engine_verdicts.push(verdict);
        }
        (
            scan(&worker.classifier, texts),
            binary_texts,
            engine_verdicts,
        )
    })
    .await
    .map_err(|_| ScrubError::Panicked)?;
    let redacted = scanned.resolve(&deps.cache, style).await?;

    let mut report = Report::default();
    let verdicts: Vec<BinaryVerdict> = engine_verdicts
        .into_iter()
        .zip(binary_texts)
        .map(|(verdict, text)| {
            verdict.or_else(|| {
                let found = &redacted[text?].redactions;
                let detectors: BTreeSet<&str> = found.iter().map(|r| r.detector.as_str()).collect();
                (!detectors.is_empty()).then(|| {
                    let names: Vec<&str> = detectors.into_iter().collect();
                    format!("it holds {}", names.join(", "))
                })
            })
        })
        .collect();
    let mut leaves = leaves.into_iter();
    apply(value, &mut leaves, &redacted, &verdicts, &mut report);
    Ok(report)
}

/// Reads a binary payload: its text, for the known-value lookup, and a verdict when the
/// engine or the policy already withholds it.
fn read_binary(
    deps: &WorkerDeps,
    payload: &Binary,
    policy: BinaryPolicy,
) -> (Option<String>, BinaryVerdict) {
    if policy == BinaryPolicy::Block {
        return (None, Some("binary content is not let through".into()));
    }
    if payload.unreadable {
        return (None, Some("audio cannot be checked".into()));
    }
    let bytes = match base64::engine::general_purpose::STANDARD.decode(payload.base64.trim()) {
        Ok(bytes) => bytes,
        Err(_) => return (None, Some("its base64 is malformed".into())),
    };
    let name = file_name_for(&payload.mime_type);
    let extraction =
        dlp_extract::attachment_segments(&bytes, name, &deps.attachment_limits, &*deps.ocr);
    if !extraction.is_complete() {
        return (None, Some("it could not be read whole".into()));
    }
    let findings = deps
        .classifier
        .classify(&binary_item(), &extraction.segments);
    if !findings.is_empty() {
        let detectors: BTreeSet<&str> = findings.iter().map(|f| f.detector.as_str()).collect();
        let names: Vec<&str> = detectors.into_iter().collect();
        return (None, Some(format!("it holds {}", names.join(", "))));
    }
    let text = dlp_extract::joined_text(&extraction.segments);
    (Some(text), None)
}

/// A file name whose extension tells the extractors what a payload is, when its bytes do not.
fn file_name_for(mime_type: &str) -> &'static str {
    match mime_type.split(';').next().unwrap_or("").trim() {
        "image/png" => "image.png",
        "image/jpeg" | "image/jpg" => "image.jpg",
        "image/gif" => "image.gif",
        "image/webp" => "image.webp",
        "image/tiff" => "image.tiff",
        "image/bmp" => "image.bmp",
        "application/pdf" => "resource.pdf",
        "text/csv" => "resource.csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            "resource.docx"
        }
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "resource.xlsx",
        "application/zip" => "resource.zip",
        _ => "resource.bin",
    }
}

fn binary_item() -> dlp_domain::ContentRef {
    dlp_domain::ContentRef {
        space_key: String::new(),
        content_type: dlp_domain::ContentType::Attachment,
        page_id: "mcp".into(),
        page_version: None,
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    }
}

/// The second walk: the same order as [`Plan::collect`], writing what the batch made.
fn apply(
    value: &mut Value,
    leaves: &mut std::vec::IntoIter<Leaf>,
    redacted: &[Redacted],
    verdicts: &[BinaryVerdict],
    report: &mut Report,
) {
    match value {
        Value::String(s) => apply_string(s, leaves, redacted, verdicts, report),
        Value::Array(items) => {
            for item in items {
                apply(item, leaves, redacted, verdicts, report);
            }
        }
        Value::Object(map) => {
            let binary = binary_of(map).is_some();
            for (key, v) in map.iter_mut() {
                if skipped(key, v, binary) {
                    continue;
                }
                apply(v, leaves, redacted, verdicts, report);
            }
            if binary {
                match leaves.next() {
                    Some(Leaf::Binary(i)) if verdicts[i].is_none() => {}
                    Some(Leaf::Binary(i)) => {
                        let reason = verdicts[i].as_deref().unwrap_or_default();
                        withhold(map, reason);
                        report.withheld += 1;
                    }
                    // Both walks meet the same leaves in the same order; were they not to,
                    // nothing passes.
                    _ => {
                        withhold(map, "it could not be checked");
                        report.withheld += 1;
                    }
                }
            }
        }
        _ => {}
    }
}

fn apply_string(
    s: &mut String,
    leaves: &mut std::vec::IntoIter<Leaf>,
    redacted: &[Redacted],
    verdicts: &[BinaryVerdict],
    report: &mut Report,
) {
    match leaves.next() {
        Some(Leaf::Text(i)) => {
            let done = &redacted[i];
            if done.redactions.is_empty() {
                return;
            }
            for r in &done.redactions {
                report.detectors.insert(r.detector.clone());
                report.redactions += 1;
                report.known += usize::from(r.known);
            }
            *s = done.text.clone();
        }
        Some(Leaf::Json { pretty, mut parsed }) => {
            let before = report.redactions + report.withheld;
            apply(&mut parsed, leaves, redacted, verdicts, report);
            if report.redactions + report.withheld != before {
                let text = if pretty {
                    serde_json::to_string_pretty(&parsed)
                } else {
                    serde_json::to_string(&parsed)
                };
                *s = text.unwrap_or_else(|_| "[confluence-dlp withheld this text]".into());
            }
        }
        // Both walks meet the same leaves in the same order; a mismatch withholds the string.
        Some(Leaf::Binary(_)) | None => *s = "[confluence-dlp withheld this text]".into(),
    }
}

/// Replaces a binary payload with a notice, in the shape of its container: a content item
/// becomes a text item, a resource's contents become text contents at the same URI.
fn withhold(map: &mut Map<String, Value>, reason: &str) {
    let notice = format!("[confluence-dlp withheld this content: {reason}]");
    if map.contains_key("blob") {
        let uri = map
            .get("uri")
            .cloned()
            .unwrap_or(Value::String(String::new()));
        *map = match json!({"uri": uri, "mimeType": "text/plain", "text": notice}) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
    } else {
        *map = match json!({"type": "text", "text": notice}) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
    }
}
