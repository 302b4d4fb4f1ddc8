//! A small JSON reader that remembers where every value lies in the text: a finding in a
//! Terraform state or a Kubernetes manifest is located at its string's bytes, which a parser
//! into `serde_json::Value` forgets. It reads one value from a given byte and stops, so a JSON
//! object quoted in a wiki page is read out of the prose around it. Bounded: a depth, and a
//! number of bytes the caller allows; past either, or on anything malformed, it gives up.

use std::ops::Range;

/// Nesting deeper than this is no state file or manifest anyone writes.
const MAX_DEPTH: usize = 64;

/// How many `{` before a marker are tried as the start of the object that holds it: the
/// nearest ones are the marker's own object or small objects before it (`metadata`).
const MAX_STARTS: usize = 16;

/// A JSON value and the bytes it spans. For a string, the span is its content between the
/// quotes, escapes as written; for the rest, the whole value.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Range<usize>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Node>),
    /// Members in the order written.
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> &[Node] {
        match &self.value {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    pub fn members(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Object(members) => members,
            _ => &[],
        }
    }

    /// Every string inside this value (itself, if it is one), in text order, at most `limit`.
    pub fn strings(&self, limit: usize, out: &mut Vec<Range<usize>>) {
        if out.len() >= limit {
            return;
        }
        match &self.value {
            Value::String(_) => out.push(self.span.clone()),
            Value::Array(items) => items.iter().for_each(|n| n.strings(limit, out)),
            Value::Object(members) => members.iter().for_each(|(_, n)| n.strings(limit, out)),
            _ => {}
        }
    }
}

/// The JSON value that begins at byte `start` of `text` (after blanks), read from at most
/// `limit` bytes (`None` if there is none or it is malformed), and how many bytes it read.
fn read_at(text: &str, start: usize, limit: usize) -> (Option<Node>, usize) {
    let end = start.saturating_add(limit).min(text.len());
    let mut reader = Reader {
        text,
        bytes: &text.as_bytes()[..end],
        at: start,
    };
    let node = reader.value(0);
    (node, reader.at - start)
}

/// The innermost object holding byte `marker` that `accept` takes, read from one of the `{`
/// nearest before it. Each read takes at most `limit` bytes, and all of them together at most
/// `budget` (which they use up): a text of many markers in malformed JSON is not read again
/// and again to its end.
pub fn object_around(
    text: &str,
    marker: usize,
    limit: usize,
    budget: &mut usize,
    accept: impl Fn(&Node) -> bool,
) -> Option<Node> {
    let mut before = &text.as_bytes()[..marker.min(text.len())];
    for _ in 0..MAX_STARTS {
        let open = memchr::memrchr(b'{', before)?;
        before = &before[..open];
        let (node, read) = read_at(text, open, limit.min(*budget));
        *budget = budget.saturating_sub(read);
        let Some(node) = node else {
            continue;
        };
        if node.span.end > marker && accept(&node) {
            return Some(node);
        }
    }
    None
}

/// What reading the JSON objects of a text may cost: a few times the text, as every byte
/// may be read once from each of a few starts.
pub fn budget_for(text: &str) -> usize {
    text.len().saturating_mul(4).max(1 << 20)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn blanks(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.blanks();
        (self.bytes.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.blanks();
        let start = self.at;
        let value = match *self.bytes.get(self.at)? {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => {
                let (span, s) = self.string()?;
                return Some(Node {
                    span,
                    value: Value::String(s),
                });
            }
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'n' => self.word("null", Value::Null)?,
            _ => self.number()?,
        };
        Some(Node {
            span: start..self.at,
            value,
        })
    }

    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        let rest = self.bytes.get(self.at..self.at + word.len())?;
        (rest == word.as_bytes()).then(|| {
            self.at += word.len();
            value
        })
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        while matches!(
            self.bytes.get(self.at),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.at += 1;
        }
        self.text[start..self.at].parse().ok().map(Value::Number)
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        self.at += 1;
        let mut items = Vec::new();
        if self.eat(b']').is_some() {
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.eat(b',').is_none() {
                self.eat(b']')?;
                return Some(Value::Array(items));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        self.at += 1;
        let mut members = Vec::new();
        if self.eat(b'}').is_some() {
            return Some(Value::Object(members));
        }
        loop {
            self.blanks();
            if self.bytes.get(self.at) != Some(&b'"') {
                return None;
            }
            let (_, key) = self.string()?;
            self.eat(b':')?;
            members.push((key, self.value(depth + 1)?));
            if self.eat(b',').is_none() {
                self.eat(b'}')?;
                return Some(Value::Object(members));
            }
        }
    }

    /// A string at `"`: the span of its content and its decoded text.
    fn string(&mut self) -> Option<(Range<usize>, String)> {
        self.at += 1;
        let start = self.at;
        let mut out = String::new();
        let mut copied = start;
        loop {
            let at = self.at + memchr::memchr3(b'"', b'\\', b'\n', &self.bytes[self.at..])?;
            self.at = at;
            match self.bytes[at] {
                b'"' => {
                    out.push_str(&self.text[copied..at]);
                    self.at += 1;
                    return Some((start..at, out));
                }
                b'\\' => {
                    out.push_str(&self.text[copied..at]);
                    let escaped = *self.bytes.get(at + 1)?;
                    self.at = at + 2;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return None,
                    }
                    copied = self.at;
                }
                _ => return None,
            }
        }
    }

    /// After `\u`: four hex digits, and a second escape for a surrogate pair. A lone
    /// surrogate becomes U+FFFD rather than failing the whole document.
    fn unicode_escape(&mut self) -> Option<char> {
        let unit = self.hex4()?;
        if !(0xD800..0xDC00).contains(&unit) {
            return Some(char::from_u32(unit).unwrap_or('\u{fffd}'));
        }
        if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
            return Some('\u{fffd}');
        }
        self.at += 2;
        let low = self.hex4()?;
        let pair = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
        Some(char::from_u32(pair).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let unit = u32::from_str_radix(digits, 16).ok()?;
        self.at += 4;
        Some(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_at(text: &str, start: usize, limit: usize) -> Option<Node> {
        read_at(text, start, limit).0
    }

    #[test]
    fn strings_keep_their_span_and_decode_escapes() {
        let text = r#"note {"a": "x\"y\u00e9", "b": [1, true, null, {"c": "d"}]} tail"#;
        let node = parse_at(text, 5, 1 << 20).unwrap();
        assert_eq!(&text[node.span.clone()], &text[5..text.len() - 5]);
        let a = node.get("a").unwrap();
        assert_eq!(a.as_str(), Some("x\"y\u{e9}"));
        assert_eq!(&text[a.span.clone()], r#"x\"y\u00e9"#);
        let c = node.get("b").unwrap().as_array()[3].get("c").unwrap();
        assert_eq!(&text[c.span.clone()], "d");
    }

    #[test]
    fn malformed_truncated_or_too_deep_input_is_none() {
        for bad in [
            r#"{"a": }"#,
            r#"{"a": "b""#,
            r#"{"a" "b"}"#,
            "{'a': 1}",
            "{\"a\": \"b\nc\"}",
        ] {
            assert_eq!(parse_at(bad, 0, 1 << 20), None, "{bad}");
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(parse_at(&deep, 0, 1 << 20), None);
        assert_eq!(parse_at(r#"{"a": "bcdef"}"#, 0, 8), None, "past the limit");
    }

    #[test]
    fn the_object_around_a_marker_is_found_past_objects_before_it() {
        let text = r#"see {"metadata": {"name": "x"}, "kind": "Secret", "data": {}} and {"#;
        let marker = text.find("\"kind\"").unwrap();
        let budget = &mut budget_for(text);
        let object = object_around(text, marker, 1 << 20, budget, |n| n.get("kind").is_some());
        assert_eq!(object.unwrap().span.start, 4);
        assert!(
            object_around(text, marker, 1 << 20, budget, |n| n.get("nope").is_some()).is_none()
        );
        let spent = &mut 10;
        assert!(object_around(text, marker, 1 << 20, spent, |n| n.get("kind").is_some()).is_none());
        assert_eq!(*spent, 0, "a read past the budget fails and uses it up");
    }
}
