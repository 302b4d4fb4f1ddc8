//! What a Markdown text says once its markup is set aside, for the engine to read: a value
//! written `ghp\_abc` (an escaped underscore, as converters write it), `**4779 4615** 0429`
//! (half of it bold) or `` `AKIA...` `` is the value. Every byte of the view remembers the
//! byte of the text it came from, so what is found in the view is replaced in the text.

/// The text without Markdown's escapes (a backslash before ASCII punctuation), emphasis
/// stars and backticks; and for each byte of it, the offset of its byte in `text`. `None`
/// when the text has none of them.
pub fn view(text: &str) -> Option<(String, Vec<usize>)> {
    if !text.bytes().any(|b| matches!(b, b'\\' | b'*' | b'`')) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut map = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escape = b == b'\\' && bytes.get(i + 1).is_some_and(u8::is_ascii_punctuation);
        if escape {
            // The escaped character stays, whatever it is (`\*` is a star).
            out.push(bytes[i + 1]);
            map.push(i + 1);
            i += 2;
            continue;
        }
        if !matches!(b, b'*' | b'`') {
            out.push(b);
            map.push(i);
        }
        i += 1;
    }
    // Only ASCII bytes were taken out, so the rest is still UTF-8.
    let out = String::from_utf8(out).ok()?;
    Some((out, map))
}

/// A span of the view, as a span of the text: from its first byte's origin to just after its
/// last byte's.
pub fn to_text(map: &[usize], start: usize, end: usize) -> Option<(usize, usize)> {
    if start >= end {
        return None;
    }
    Some((*map.get(start)?, map.get(end - 1)? + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_emphasis_are_set_aside_and_spans_map_back() {
        let text = r"export GITHUB\_TOKEN=ghp\_ZWEH0c; card **4779 4615** 0429 7982 `AKIA`";
        let (view, map) = view(text).unwrap();
        assert_eq!(
            view,
            "export GITHUB_TOKEN=ghp_ZWEH0c; card 4779 4615 0429 7982 AKIA"
        );
        let at = view.find("ghp_ZWEH0c").unwrap();
        let (s, e) = to_text(&map, at, at + "ghp_ZWEH0c".len()).unwrap();
        assert_eq!(&text[s..e], r"ghp\_ZWEH0c");
        let at = view.find("4779").unwrap();
        let (s, e) = to_text(&map, at, at + "4779 4615 0429 7982".len()).unwrap();
        assert_eq!(&text[s..e], "4779 4615** 0429 7982");
        assert!(super::view("plain text, nothing to set aside").is_none());
        // Multi-byte characters pass through whole.
        let (v, _) = super::view("naïve **café**").unwrap();
        assert_eq!(v, "naïve café");
    }
}
