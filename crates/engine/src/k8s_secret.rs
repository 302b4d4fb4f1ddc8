//! The `data` entries of Kubernetes Secret manifests, in YAML or JSON, and their base64.
//!
//! YAML is read line by line for the one shape that matters, not parsed: mappings by
//! indentation, `- ` items (a `List`'s `items`, a multi-document file's `---`), plain, quoted
//! and block scalars. A value under a mapping named `data` of a mapping with `kind: Secret` is
//! an entry, whatever order the keys come in. Anything else (flow mappings, anchors) is not
//! read, and nothing here fails: a line it cannot read closes the mappings deeper than it.

use std::ops::Range;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::json_spans::{self, Node};

/// Longest base64 value decoded (48 KiB decoded): certificates, keystores and kubeconfigs fit;
/// a blob of megabytes is a binary, not a credential to read.
pub const MAX_ENCODED: usize = 64 * 1024;

/// Entries read from one text at most: a generated file of thousands of Secrets still
/// costs a bounded amount of decoding and classification.
pub const MAX_ENTRIES: usize = 512;

/// Bytes a JSON manifest is read from.
const MAX_JSON: usize = 4 << 20;

/// One value of a Secret's `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataEntry {
    pub key: String,
    /// Where the base64 stands in the text: the whole token, over several lines for a block
    /// scalar.
    pub value: Range<usize>,
    /// The base64 with line breaks and indentation taken out.
    pub encoded: String,
}

/// Standard base64 with or without its padding, as `kubectl` and hand-written manifests
/// have it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The bytes `encoded` stands for, if it is base64 of a size worth reading. Helm templates
/// (`{{ .Values.password | b64enc }}`), references and prose are not base64 and give `None`.
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    if !(4..=MAX_ENCODED).contains(&encoded.len()) {
        return None;
    }
    let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    if !encoded.as_bytes().iter().all(alphabet) {
        return None;
    }
    BASE64.decode(encoded).ok()
}

/// The `data` entries of every Secret in `text`, YAML and JSON, at most [`MAX_ENTRIES`].
pub fn data_entries(text: &str) -> Vec<DataEntry> {
    let mut entries = yaml_entries(text);
    json_entries(text, &mut entries);
    // Pretty-printed JSON reads as YAML too (`"kind": "Secret",` is a YAML mapping line).
    entries.sort_by_key(|e| (e.value.start, e.value.end));
    entries.dedup_by_key(|e| e.value.clone());
    entries.truncate(MAX_ENTRIES);
    entries
}

/// Data entries held until the end of the text, at most: their Secret's `kind` may come
/// after them, and a ConfigMap's `data` looks the same until then.
const MAX_PENDING: usize = 4 * MAX_ENTRIES;

/// A mapping of the YAML still open (its lines may follow): only what says whether its values
/// are a Secret's data. Closed mappings are forgotten, so memory follows the nesting depth,
/// not the length of the text.
struct Open {
    id: usize,
    /// The column of its keys.
    indent: usize,
    /// Whether its latest key is `data` (a mapping opened below it holds data values).
    at_data: bool,
    /// Whether it has `kind: Secret`.
    secret: bool,
    /// For a mapping of data values, the id of the mapping whose `data` it is.
    data_of: Option<usize>,
}

/// A block scalar (`key: |`) being read: lines deeper than `indent` are its content.
struct Block {
    indent: usize,
    /// The entry it fills, when it is a data value, with the id of its mapping's owner.
    entry: Option<(usize, DataEntry)>,
}

/// What the reader has seen so far.
#[derive(Default)]
struct Seen {
    /// Ids of the mappings that had `kind: Secret`, in closing order.
    secrets: Vec<usize>,
    /// Data values, with the id of the mapping whose `data` they are.
    pending: Vec<(usize, DataEntry)>,
}

impl Seen {
    fn close(&mut self, open: Open) {
        if open.secret {
            self.secrets.push(open.id);
        }
    }

    fn entry(&mut self, owner: usize, entry: DataEntry) {
        if self.pending.len() < MAX_PENDING {
            self.pending.push((owner, entry));
        }
    }
}

fn yaml_entries(text: &str) -> Vec<DataEntry> {
    let mut open: Vec<Open> = Vec::new();
    let mut seen = Seen::default();
    let mut next_id = 0;
    let mut block: Option<Block> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let content = line.trim_start_matches(' ');
        let column = line.len() - content.len();
        if let Some(b) = &mut block {
            if content.is_empty() || column > b.indent {
                if let Some((_, entry)) = &mut b.entry
                    && !content.is_empty()
                {
                    let content_at = start + column;
                    if entry.encoded.is_empty() {
                        entry.value.start = content_at;
                    }
                    entry.value.end = content_at + content.trim_end().len();
                    entry.encoded.push_str(content.trim_end());
                }
                continue;
            }
            if let Some((owner, entry)) = block.take().and_then(|b| b.entry) {
                seen.entry(owner, entry);
            }
        }
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with("---") || content.starts_with("...") {
            open.drain(..).rev().for_each(|m| seen.close(m));
            continue;
        }
        let (item, column, rest) = match content.strip_prefix('-') {
            Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                let trimmed = rest.trim_start_matches(' ');
                (true, column + 1 + rest.len() - trimmed.len(), trimmed)
            }
            _ => (false, column, content),
        };
        let key = key_of(rest);
        // A line closes the mappings deeper than it; an item, and a line that is no
        // `key: value`, also the one at its own column.
        let closes =
            |m: &Open| m.indent > column || (m.indent == column && (item || key.is_none()));
        while open.last().is_some_and(closes) {
            seen.close(open.pop().expect("a last mapping"));
        }
        let Some((key, value_at)) = key else {
            continue;
        };
        if open.last().is_none_or(|m| m.indent != column) {
            let data_of = open.last().filter(|m| m.at_data).map(|m| m.id);
            open.push(Open {
                id: next_id,
                indent: column,
                at_data: false,
                secret: false,
                data_of,
            });
            next_id += 1;
        }
        let mapping = open.last_mut().expect("a mapping at this column");
        mapping.at_data = key == "data";
        let value_start = start + (line.len() - rest.len()) + value_at;
        let (value, block_scalar) = scalar(&text[value_start..start + line.len()]);
        let value = value_start + value.start..value_start + value.end;
        if key == "kind" && &text[value.clone()] == "Secret" {
            mapping.secret = true;
        }
        let owner = mapping.data_of;
        if block_scalar {
            block = Some(Block {
                indent: column,
                entry: owner.map(|owner| {
                    let entry = DataEntry {
                        key: key.to_owned(),
                        value: value.end..value.end,
                        encoded: String::new(),
                    };
                    (owner, entry)
                }),
            });
        } else if let Some(owner) = owner
            && !value.is_empty()
        {
            let encoded = text[value.clone()].to_owned();
            let key = key.to_owned();
            seen.entry(
                owner,
                DataEntry {
                    key,
                    value,
                    encoded,
                },
            );
        }
    }
    if let Some((owner, entry)) = block.and_then(|b| b.entry) {
        seen.entry(owner, entry);
    }
    open.drain(..).rev().for_each(|m| seen.close(m));
    seen.secrets.sort_unstable();
    seen.pending
        .into_iter()
        .filter(|(owner, e)| !e.encoded.is_empty() && seen.secrets.binary_search(owner).is_ok())
        .map(|(_, e)| e)
        .collect()
}

/// The key of a mapping line and where its value starts, or `None` if the line is no
/// `key: value` (a list scalar, prose, a flow collection).
fn key_of(line: &str) -> Option<(&str, usize)> {
    let (key, after) = match line.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let close = line[1..].find(*q as char)? + 1;
            (&line[1..close], close + 1)
        }
        b'{' | b'[' | b'&' | b'*' | b'!' | b'|' | b'>' => return None,
        _ => {
            let colon = line
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| matches!(line.as_bytes().get(i + 1), None | Some(b' ' | b'\t')))?;
            (line[..colon].trim_end(), colon)
        }
    };
    let rest = line.get(after..)?;
    let value = rest.strip_prefix(':')?;
    if key.is_empty() || key.len() > 253 || key.contains(" #") {
        return None;
    }
    let value_at = after + 1 + (value.len() - value.trim_start().len());
    Some((key, value_at))
}

/// The scalar at the start of `value` (the rest of a line after `key:`): its span inside the
/// quotes, or before a comment; and whether it opens a block scalar (`|`, `>-`).
fn scalar(value: &str) -> (Range<usize>, bool) {
    let bytes = value.as_bytes();
    match bytes.first() {
        None => (0..0, false),
        Some(b'|' | b'>') => (0..0, true),
        Some(&q @ (b'"' | b'\'')) => match memchr::memchr(q, &bytes[1..]) {
            Some(close) => (1..1 + close, false),
            None => (0..0, false),
        },
        Some(_) => {
            let end = value.find(" #").unwrap_or(value.len());
            (0..value[..end].trim_end().len(), false)
        }
    }
}

/// The `data` of JSON manifests: each `"kind": "Secret"` read as the object around it.
fn json_entries(text: &str, entries: &mut Vec<DataEntry>) {
    let mut done = 0;
    let budget = &mut json_spans::budget_for(text);
    for (at, _) in text.match_indices("\"Secret\"") {
        if at < done || entries.len() >= MAX_ENTRIES {
            continue;
        }
        let Some(kind) = kind_key_before(text, at) else {
            continue;
        };
        let is_secret = |n: &Node| {
            n.get("kind").and_then(Node::as_str) == Some("Secret")
                && n.get("kind").is_some_and(|k| k.span.start == at + 1)
        };
        let Some(secret) = json_spans::object_around(text, kind, MAX_JSON, budget, is_secret)
        else {
            continue;
        };
        done = secret.span.end;
        for (key, value) in secret.get("data").map_or(&[][..], Node::members) {
            if value.as_str().is_some_and(|s| !s.is_empty()) {
                entries.push(DataEntry {
                    key: key.clone(),
                    value: value.span.clone(),
                    encoded: text[value.span.clone()].replace("\\n", ""),
                });
            }
        }
    }
}

/// Where `"kind"` starts, if `"Secret"` at `at` is its value (`"kind": "Secret"`).
fn kind_key_before(text: &str, at: usize) -> Option<usize> {
    let before = text[..at].trim_end_matches([' ', '\t', '\n', '\r']);
    let before = before.strip_suffix(':')?;
    let before = before.trim_end_matches([' ', '\t', '\n', '\r']);
    before.strip_suffix("\"kind\"").map(str::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_and_values(text: &str) -> Vec<(String, &str, String)> {
        data_entries(text)
            .into_iter()
            .map(|e| (e.key, &text[e.value], e.encoded))
            .collect()
    }

    #[test]
    fn yaml_data_entries_of_secrets_in_any_key_order_and_shape() {
        let text = "\
Intro prose: not yaml at all.
---
apiVersion: v1
data:
  username: YWRtaW4=
  \"db.password\": 'UzNjcjN0IQ==' # rotated
  tls.key: |
    LS0tLS1CRUdJTi
    BLRVktLS0tLQ==
kind: Secret
metadata:
  name: app
---
apiVersion: v1
kind: ConfigMap
data:
  password: bm90LWEtc2VjcmV0
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  data:
    token: dG9rZW4=
- kind: ConfigMap
  data:
    token: Y29uZmln
";
        let found = keys_and_values(text);
        let expect = [
            ("username", "YWRtaW4=", "YWRtaW4="),
            ("db.password", "UzNjcjN0IQ==", "UzNjcjN0IQ=="),
            (
                "tls.key",
                "LS0tLS1CRUdJTi\n    BLRVktLS0tLQ==",
                "LS0tLS1CRUdJTiBLRVktLS0tLQ==",
            ),
            ("token", "dG9rZW4=", "dG9rZW4="),
        ];
        let found: Vec<_> = found
            .iter()
            .map(|(k, v, e)| (k.as_str(), *v, e.as_str()))
            .collect();
        assert_eq!(found, expect);
    }

    #[test]
    fn json_manifests_and_lists_of_them() {
        let text = r#"kubectl get secret -o json:
{"kind": "List", "items": [
  {"apiVersion": "v1", "metadata": {"name": "a"}, "kind": "Secret",
   "data": {"password": "aHVudGVyMg==", "empty": ""}},
  {"apiVersion": "v1", "kind": "ConfigMap", "data": {"password": "bm8="}}
]}"#;
        let found = keys_and_values(text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].0.as_str(), found[0].1),
            ("password", "aHVudGVyMg==")
        );
    }

    #[test]
    fn base64_is_decoded_within_bounds_and_templates_are_not_base64() {
        assert_eq!(decode("aHVudGVyMg==").as_deref(), Some(&b"hunter2"[..]));
        assert_eq!(decode("aHVudGVyMg").as_deref(), Some(&b"hunter2"[..]));
        assert_eq!(decode("{{ .Values.password | b64enc }}"), None);
        assert_eq!(decode("aHVudGVyMg=*"), None);
        assert_eq!(decode("a"), None);
        assert_eq!(decode(&"QUFB".repeat(MAX_ENCODED)), None);
    }

    #[test]
    fn megabytes_of_yaml_are_read_in_one_pass_and_entries_are_bounded() {
        let mut text = String::from("kind: Secret\ndata:\n");
        for i in 0..200_000 {
            text.push_str(&format!("  k{i}: dmFsdWU=\n"));
        }
        for _ in 0..200_000 {
            text.push_str("a: 1\n b: 2\n");
        }
        // Read in one pass: a quadratic reader would not finish 600,000 lines.
        let entries = data_entries(&text);
        assert_eq!(entries.len(), MAX_ENTRIES);
    }

    #[test]
    fn helm_templates_and_malformed_yaml_give_entries_that_do_not_decode() {
        let text = "\
kind: Secret
data:
  password: {{ .Values.db.password | b64enc | quote }}
  : broken
  - stray item
   token: ???
";
        for entry in data_entries(text) {
            assert_eq!(decode(&entry.encoded), None, "{}", entry.key);
        }
    }
}
