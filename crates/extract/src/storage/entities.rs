//! Character and entity references in storage format.
//!
//! Storage format is XHTML written by Confluence's editor: besides XML's five entities it uses
//! HTML's named ones (`&nbsp;`, `&ndash;`, `&eacute;`), and imported pages carry odd ones too.
//! A reference that does not resolve stays in the text as written: dropping it could glue two
//! halves of a value together, and failing the page would leave all of it unscanned.
//! No DTD is ever read, so no entity expands to more than one character string from the
//! HTML5 table: entity bombs have nothing to expand.

use quick_xml::escape::resolve_html5_entity;
use quick_xml::events::BytesRef;

/// What a reference stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolved {
    Char(char),
    Text(&'static str),
    /// Unknown or invalid: keep `&name;` literally.
    Literal,
}

/// Resolves the reference `&name;` (`name` without `&` and `;`).
pub(super) fn resolve(name: &str) -> Resolved {
    if name.starts_with('#') {
        return match BytesRef::new(name).resolve_char_ref() {
            Ok(Some(c)) => Resolved::Char(c),
            _ => Resolved::Literal,
        };
    }
    match resolve_html5_entity(name) {
        Some(text) => Resolved::Text(text),
        None => Resolved::Literal,
    }
}

/// Longest reference name looked for in attribute values (the longest HTML5 name is 31 bytes;
/// numeric references are shorter).
const MAX_REFERENCE_LEN: usize = 32;

/// Appends the attribute value `raw` to `out` with its references resolved the same way as in
/// text. Only used for the few attributes that become text (`href`, `datetime`).
pub(super) fn decode_attribute_value(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .bytes()
            .take(MAX_REFERENCE_LEN + 1)
            .position(|b| b == b';' || b == b'&');
        match end {
            Some(end) if after.as_bytes()[end] == b';' => {
                let name = &after[..end];
                match resolve(name) {
                    Resolved::Char(c) => out.push(c),
                    Resolved::Text(text) => out.push_str(text),
                    Resolved::Literal => {
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_html_and_numeric_references_resolve() {
        assert_eq!(resolve("amp"), Resolved::Text("&"));
        assert_eq!(resolve("nbsp"), Resolved::Text("\u{A0}"));
        assert_eq!(resolve("ndash"), Resolved::Text("\u{2013}"));
        assert_eq!(resolve("eacute"), Resolved::Text("\u{E9}"));
        assert_eq!(resolve("#52"), Resolved::Char('4'));
        assert_eq!(resolve("#x41"), Resolved::Char('A'));
    }

    #[test]
    fn unknown_and_invalid_references_stay_literal() {
        assert_eq!(resolve("confluence-odd"), Resolved::Literal);
        assert_eq!(resolve("#0"), Resolved::Literal);
        assert_eq!(resolve("#xZZ"), Resolved::Literal);
        assert_eq!(resolve("#99999999999"), Resolved::Literal);
        assert_eq!(resolve(" spaced words"), Resolved::Literal);
    }

    #[test]
    fn attribute_values_decode_like_text() {
        let mut out = String::new();
        decode_attribute_value(
            "https://x.test/?a=1&amp;token=abc&odd;&#x41;& tail&",
            &mut out,
        );
        assert_eq!(out, "https://x.test/?a=1&token=abc&odd;A& tail&");
    }
}
