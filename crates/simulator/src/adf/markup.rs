//! Storage XHTML's lexical pieces: where a tag ends, its name and attributes, and text runs
//! decoded with the bytes each character came from.

use std::ops::Range;

/// The characters of a text run with the bytes of the run each came from: an entity is one
/// character (or a few) standing for all its bytes.
pub fn decode_run(raw: &str, cdata: bool) -> Vec<(char, Range<usize>)> {
    let mut out = Vec::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '&' && !cdata {
            let rest = &raw[at + 1..];
            if let Some(len) = rest.find(';').filter(|&n| n > 0 && n <= 32)
                && let Some(decoded) = entity(&rest[..len])
            {
                let range = at..at + len + 2;
                out.extend(decoded.chars().map(|d| (d, range.clone())));
                while chars.peek().is_some_and(|(n, _)| *n < range.end) {
                    chars.next();
                }
                continue;
            }
        }
        out.push((c, at..at + c.len_utf8()));
    }
    out
}

fn entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        _ => return None,
    };
    Some(c.to_string())
}

pub(super) fn tag_end(body: &str, at: usize) -> Option<usize> {
    let rest = &body[at..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        return Some(at + 4 + comment.find("-->").map_or(comment.len(), |n| n + 3));
    }
    let second = rest.as_bytes().get(1)?;
    if !(second.is_ascii_alphabetic() || matches!(second, b'/' | b'!' | b'?')) {
        return None;
    }
    let mut quote = None;
    for (n, b) in rest.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(at + n + 1),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

pub(super) fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('<')
        .trim_start_matches('/')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The decoded value of attribute `name` in an opening tag.
pub(super) fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before_ok = rest[..at].ends_with(char::is_whitespace);
        let after = rest[at + name.len()..].trim_start();
        if before_ok && let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let quote = value.chars().next()?;
            if quote == '"' || quote == '\'' {
                let inner = &value[1..];
                let end = inner.find(quote)?;
                let raw = &inner[..end];
                return Some(decode_run(raw, false).into_iter().map(|(c, _)| c).collect());
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}
