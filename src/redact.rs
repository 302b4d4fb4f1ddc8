//! Redacting text before it reaches a model: what the engine finds in it, and every value a
//! scan found before (known by its keyed fingerprint in the classification cache), also when
//! it comes reformatted: a card number with spaces or dashes, a key in quotes, an escaped
//! Markdown or JSON string. A value a scan confirmed by its context (a secret after
//! `aws_secret_access_key =`) is redacted wherever it shows up bare, where the engine alone
//! would not report it.
//!
//! `POST /api/v1/redact` serves it, and the MCP proxy (`crate::mcp`) runs it on every tool result. Nothing
//! here logs or returns a raw value: a redaction carries its masked form, and an error says
//! what failed, never what the text held.

use std::collections::{BTreeMap, BTreeSet, HashSet};

mod markdown;

use dlp_cache::ClassificationCache;
use dlp_domain::{Category, ContentRef, ContentType, Segment, SegmentOrigin};
use dlp_engine::{Classifier, Normalization};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the text is; JSON is rewritten in its string values only and stays valid JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Text,
    /// Confluence storage XHTML: read as text (values sit in its text nodes).
    Storage,
    Markdown,
    Json,
}

/// What a value is replaced with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// Its masked form (`****1111`).
    #[default]
    Mask,
    /// `[REDACTED:detector]`.
    Label,
    /// `[SECRET-3f2a9c]`: the same value gives the same token, so a model can still tell two
    /// values apart without seeing either.
    Token,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Redaction {
    /// Byte offsets in the text given (for JSON: in the string value at `path`).
    pub start: usize,
    pub end: usize,
    /// For JSON, the JSON pointer of the string value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub detector: String,
    pub category: Category,
    pub masked: String,
    /// Recognised as a value a scan found before.
    pub known: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Redacted {
    pub text: String,
    pub redactions: Vec<Redaction>,
}

#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("the text is not valid JSON")]
    NotJson,
    #[error("the classification cache did not answer")]
    Cache(#[from] dlp_cache::CacheError),
}

/// Shortest run that is looked up as a possibly known value: shorter ones are words.
const MIN_TOKEN: usize = 8;
const MAX_TOKEN: usize = 512;
/// Fewest digits in a digit group looked up as a known number (an SSN has 9).
const MIN_DIGITS: usize = 9;
const MAX_DIGITS: usize = 19;

pub async fn redact(
    classifier: &Classifier,
    cache: &ClassificationCache,
    text: &str,
    format: Format,
    style: Style,
) -> Result<Redacted, RedactError> {
    if format != Format::Json {
        let mut out = scan(classifier, vec![(text.to_owned(), format)])
            .resolve(cache, style)
            .await?;
        return Ok(out.pop().unwrap_or_else(|| Redacted {
            text: String::new(),
            redactions: Vec::new(),
        }));
    }
    let mut value: Value = serde_json::from_str(text).map_err(|_| RedactError::NotJson)?;
    let mut strings = Vec::new();
    collect_strings(&mut value, String::new(), &mut strings);
    let texts = strings
        .iter()
        .map(|(_, s)| (s.to_string(), Format::Text))
        .collect();
    let done = scan(classifier, texts).resolve(cache, style).await?;
    let mut redactions = Vec::new();
    for ((pointer, string), redacted) in strings.into_iter().zip(done) {
        *string = redacted.text;
        redactions.extend(redacted.redactions.into_iter().map(|mut r| {
            r.path = Some(pointer.clone());
            r
        }));
    }
    Ok(Redacted {
        text: value.to_string(),
        redactions,
    })
}

/// Every string value (object keys stay: they name fields, not data), with its JSON pointer.
fn collect_strings<'a>(value: &'a mut Value, at: String, out: &mut Vec<(String, &'a mut String)>) {
    match value {
        Value::String(s) => out.push((at, s)),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                collect_strings(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let key = key.replace('~', "~0").replace('/', "~1");
                collect_strings(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

/// A span to replace: where, and what it is.
struct Span {
    start: usize,
    end: usize,
    detector: String,
    category: Category,
    masked: String,
    fingerprint: String,
    known: bool,
}

/// Texts the engine has read, with the fingerprints of their value-shaped stretches still to
/// be asked of the cache. The engine's half is CPU work with no I/O ([`scan`]), so a caller
/// with a deadline can run it on a blocking thread; the cache is then asked once for all the
/// texts together ([`Scan::resolve`]): a tool result of a hundred strings is one round trip.
pub struct Scan {
    texts: Vec<ScannedText>,
}

struct ScannedText {
    text: String,
    spans: Vec<Span>,
    /// fingerprint -> the candidate stretches it came from
    asked: BTreeMap<String, Vec<(usize, usize)>>,
}

/// Runs the engine on every text and fingerprints its candidates.
pub fn scan(classifier: &Classifier, texts: Vec<(String, Format)>) -> Scan {
    let texts = texts
        .into_iter()
        .map(|(text, format)| {
            // Markdown is read without its markup, and what is found there mapped back.
            let view = match format {
                Format::Markdown => markdown::view(&text),
                _ => None,
            };
            let read = view.as_ref().map_or(text.as_str(), |(v, _)| v.as_str());
            let mut spans: Vec<Span> = classifier
                .classify(&request_item(), &[segment(read)])
                .into_iter()
                .filter_map(|f| {
                    Some(Span {
                        start: f.location.start?,
                        end: f.location.end?,
                        detector: f.detector,
                        category: f.category,
                        masked: f.masked,
                        fingerprint: f.fingerprint,
                        known: false,
                    })
                })
                .collect();
            let mut asked = candidate_fingerprints(classifier, read, &spans);
            if let Some((_, map)) = &view {
                spans.retain_mut(|s| match markdown::to_text(map, s.start, s.end) {
                    Some((start, end)) => {
                        (s.start, s.end) = (start, end);
                        true
                    }
                    None => false,
                });
                for stretches in asked.values_mut() {
                    *stretches = stretches
                        .iter()
                        .filter_map(|&(s, e)| markdown::to_text(map, s, e))
                        .collect();
                }
            }
            ScannedText { text, spans, asked }
        })
        .collect();
    Scan { texts }
}

impl Scan {
    /// Asks the cache which candidates are known values, then rewrites every text.
    pub async fn resolve(
        self,
        cache: &ClassificationCache,
        style: Style,
    ) -> Result<Vec<Redacted>, RedactError> {
        let fingerprints: Vec<String> = self
            .texts
            .iter()
            .flat_map(|t| t.asked.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        let known = if fingerprints.is_empty() {
            Default::default()
        } else {
            cache.known(&fingerprints).await?
        };
        Ok(self
            .texts
            .into_iter()
            .map(|t| t.rewrite(&known, style))
            .collect())
    }
}

impl ScannedText {
    fn rewrite(
        self,
        known: &std::collections::HashMap<String, dlp_cache::KnownValue>,
        style: Style,
    ) -> Redacted {
        let ScannedText {
            text,
            mut spans,
            asked,
        } = self;
        let mut taken = HashSet::new();
        for (fingerprint, stretches) in &asked {
            let Some(value) = known.get(fingerprint) else {
                continue;
            };
            for &(start, end) in stretches {
                if taken.insert((start, end)) {
                    spans.push(Span {
                        start,
                        end,
                        detector: value.detector.clone(),
                        category: value.category,
                        masked: dlp_engine::mask(&text[start..end]),
                        fingerprint: fingerprint.clone(),
                        known: true,
                    });
                }
            }
        }
        if spans.is_empty() {
            return Redacted {
                text,
                redactions: Vec::new(),
            };
        }
        spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        // Overlaps keep the first (and longest) span: one replacement per stretch of text.
        let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
        for span in spans {
            if kept.last().is_none_or(|last| span.start >= last.end) {
                kept.push(span);
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in &kept {
            out.push_str(&text[at..span.start]);
            out.push_str(&replacement(span, style));
            at = span.end;
        }
        out.push_str(&text[at..]);
        let redactions = kept
            .into_iter()
            .map(|s| Redaction {
                start: s.start,
                end: s.end,
                path: None,
                detector: s.detector,
                category: s.category,
                masked: s.masked,
                known: s.known,
            })
            .collect();
        Redacted {
            text: out,
            redactions,
        }
    }
}

/// A stretch of a text that holds a value: one the engine found, or one shaped like a value
/// whose fingerprint a caller asked about (what a scan found there before, perhaps confirmed by
/// context the stretch lacks now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub start: usize,
    pub end: usize,
    pub fingerprint: String,
    pub masked: String,
    /// Its fingerprint is one of those asked about.
    pub target: bool,
}

/// Every value in `text`, and every value-shaped stretch whose fingerprint is in `targets`,
/// in order, without overlaps (the first and longest stretch wins).
pub(crate) fn locate(
    classifier: &Classifier,
    text: &str,
    targets: &HashSet<String>,
) -> Vec<Located> {
    let Some(scanned) = scan(classifier, vec![(text.to_owned(), Format::Text)])
        .texts
        .pop()
    else {
        return Vec::new();
    };
    let mut found: Vec<Located> = scanned
        .spans
        .into_iter()
        .map(|s| Located {
            start: s.start,
            end: s.end,
            target: targets.contains(&s.fingerprint),
            fingerprint: s.fingerprint,
            masked: s.masked,
        })
        .collect();
    for (fingerprint, stretches) in scanned.asked {
        if !targets.contains(&fingerprint) {
            continue;
        }
        for (start, end) in stretches {
            found.push(Located {
                start,
                end,
                fingerprint: fingerprint.clone(),
                masked: dlp_engine::mask(&text[start..end]),
                target: true,
            });
        }
    }
    found.sort_by_key(|l| (l.start, std::cmp::Reverse(l.end)));
    let mut kept: Vec<Located> = Vec::with_capacity(found.len());
    for l in found {
        if kept.last().is_none_or(|last| l.start >= last.end) {
            kept.push(l);
        }
    }
    kept
}

fn replacement(span: &Span, style: Style) -> String {
    match style {
        Style::Mask => span.masked.clone(),
        Style::Label => format!("[REDACTED:{}]", span.detector),
        Style::Token => format!(
            "[{}-{}]",
            span.category.as_str().to_ascii_uppercase(),
            &span.fingerprint[..span.fingerprint.len().min(6)]
        ),
    }
}

/// The fingerprints of the stretches of `text` shaped like a value a scan may have found
/// before, where the engine found nothing; each under every normalization a scan may have
/// fingerprinted it with.
fn candidate_fingerprints(
    classifier: &Classifier,
    text: &str,
    found: &[Span],
) -> BTreeMap<String, Vec<(usize, usize)>> {
    let fingerprinter = classifier.fingerprinter();
    let covered = |start: usize, end: usize| found.iter().any(|s| s.start < end && start < s.end);
    let mut asked: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    let mut memo: std::collections::HashMap<String, String> = Default::default();
    for (start, end) in candidates(text) {
        if covered(start, end) {
            continue;
        }
        // A value wrapped across lines is read without the break. (Markdown's escapes are
        // gone already: it is read through its view.)
        let value: String = text[start..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let digits = value.bytes().filter(u8::is_ascii_digit).count();
        let normalizations: &[Normalization] = if value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-')
        {
            &[Normalization::Digits, Normalization::Alphanumeric]
        } else if digits == 0 && !value.contains('@') {
            // Words and identifiers without a digit: not shaped like a value a scan keeps.
            continue;
        } else {
            &[
                Normalization::AsIs,
                Normalization::Lowercase,
                Normalization::Alphanumeric,
            ]
        };
        // One HMAC per distinct normalised text: a page repeats its dates and ids, and a
        // value already lowercase is the same text under two normalizations.
        let mut texts: Vec<String> = normalizations.iter().map(|n| n.apply(&value)).collect();
        texts.sort_unstable();
        texts.dedup();
        for normalized in texts {
            let fingerprint = match memo.get(&normalized) {
                Some(fp) => fp.clone(),
                None => {
                    let fp = fingerprinter.fingerprint_normalized(&normalized);
                    memo.insert(normalized, fp.clone());
                    fp
                }
            };
            let stretches = asked.entry(fingerprint).or_default();
            if stretches.last() != Some(&(start, end)) {
                stretches.push((start, end));
            }
        }
    }
    asked
}

/// Stretches that may hold a value: digit groups (digits with spaces or dashes between, as a
/// card number or an SSN is written) and runs of token characters (keys, tokens, e-mail
/// addresses; quotes and brackets around them are not part of them).
fn candidates(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let token_byte = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'@' | b':' | b'~'
            )
    };
    let mut out = Vec::new();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !token_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && token_byte(bytes[i]) {
            i += 1;
        }
        // Trailing punctuation ends a sentence, not a value.
        let mut end = i;
        while end > start && matches!(bytes[end - 1], b'.' | b':' | b'-') {
            end -= 1;
        }
        if (MIN_TOKEN..=MAX_TOKEN).contains(&(end - start)) {
            out.push((start, end));
            // `NAME=value` and `name:value` runs: the value alone is what a scan kept.
            if let Some(at) = bytes[start..end]
                .iter()
                .rposition(|b| matches!(b, b'=' | b':'))
                && end - (start + at + 1) >= MIN_TOKEN
            {
                out.push((start + at + 1, end));
            }
        }
        if end > start {
            runs.push((start, end));
        }
    }
    // A value wrapped across lines (a long key in a narrow cell, a PEM body): two runs with
    // one line break and indentation between them, read as one.
    for pair in runs.windows(2) {
        let ((start, first_end), (second_start, end)) = (pair[0], pair[1]);
        let gap = &bytes[first_end..second_start];
        let one_break = gap.iter().filter(|&&b| b == b'\n').count() == 1
            && gap
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        let long_enough = first_end - start >= 4 && end - second_start >= 4;
        if one_break && long_enough && end - start <= MAX_TOKEN {
            out.push((start, end));
        }
    }
    // Digit groups: a digit, then digits, spaces and dashes, ending in a digit.
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut last_digit = i;
        let mut digits = 0;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || matches!(bytes[i], b' ' | b'-')) {
            if bytes[i].is_ascii_digit() {
                digits += 1;
                last_digit = i;
            }
            i += 1;
        }
        if (MIN_DIGITS..=MAX_DIGITS).contains(&digits)
            && text[start..=last_digit].contains([' ', '-'])
        {
            out.push((start, last_digit + 1));
        }
    }
    out
}

fn request_item() -> ContentRef {
    ContentRef {
        space_key: String::new(),
        content_type: ContentType::Page,
        page_id: "redact".into(),
        page_version: None,
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    }
}

fn segment(text: &str) -> Segment {
    Segment {
        text: text.to_owned(),
        offset: 0,
        line: 1,
        origin: SegmentOrigin::default(),
        context: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_value_shaped_stretches() {
        let text = "key \"AKIAQWERTYUIOPASDFGH\", card 4111 1111-1111 1111. ssn 078 05 1120 end.";
        let found: Vec<&str> = candidates(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert!(found.contains(&"AKIAQWERTYUIOPASDFGH"), "{found:?}");
        assert!(found.contains(&"4111 1111-1111 1111"), "{found:?}");
        assert!(found.contains(&"078 05 1120"), "{found:?}");
        // Markdown is read through its view: the escaped token is one candidate there, and
        // maps back to the escaped stretch of the text.
        let md = r"token ghp\_abc123def456";
        let (view, map) = markdown::view(md).unwrap();
        let found: Vec<&str> = candidates(&view)
            .into_iter()
            .filter_map(|(s, e)| markdown::to_text(&map, s, e))
            .map(|(s, e)| &md[s..e])
            .collect();
        assert!(found.contains(&r"ghp\_abc123def456"), "{found:?}");
        let assigned = "export DB_PASSWORD=hunter2hunter2x";
        let found: Vec<&str> = candidates(assigned)
            .into_iter()
            .map(|(s, e)| &assigned[s..e])
            .collect();
        assert!(found.contains(&"hunter2hunter2x"), "{found:?}");
        let wrapped = "secret: g2Gnwcg6V5lRQ2NhyTvd\n    4QAs+mZZzSZY1dbvfy0a\nnext";
        let found: Vec<&str> = candidates(wrapped)
            .into_iter()
            .map(|(s, e)| &wrapped[s..e])
            .collect();
        assert!(
            found.contains(&"g2Gnwcg6V5lRQ2NhyTvd\n    4QAs+mZZzSZY1dbvfy0a"),
            "{found:?}"
        );
    }
}
