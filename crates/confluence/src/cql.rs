//! CQL text: the queries the bulk reads send ([`crate::ConfluenceClient::space_comments`],
//! [`crate::ConfluenceClient::space_changes`], ...), among them content of a space modified
//! since a time, which v2 has no filter for.

use chrono::{DateTime, Utc};

/// A CQL string literal: double-quoted, with quotes and backslashes escaped.
pub(crate) fn cql_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The CQL for content of `space_key` of these types modified after `since` (minute
/// precision, which is all CQL has: the minute of `since` itself is included, so nothing
/// modified within it is missed).
pub fn changed_since_cql(space_key: &str, types: &[&str], since: DateTime<Utc>) -> String {
    format!(
        "space = {} AND type IN ({}) AND lastmodified >= \"{}\" ORDER BY lastmodified",
        cql_quote(space_key),
        types.join(", "),
        since.format("%Y-%m-%d %H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cql_strings_are_quoted() {
        assert_eq!(cql_quote("ENG"), "\"ENG\"");
        assert_eq!(cql_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn the_query_names_the_space_types_and_minute() {
        let since = DateTime::parse_from_rfc3339("2026-03-20T12:34:56Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            changed_since_cql("ENG", &["page", "blogpost"], since),
            "space = \"ENG\" AND type IN (page, blogpost) AND lastmodified >= \"2026-03-20 12:34\" ORDER BY lastmodified"
        );
        assert!(changed_since_cql("a\"b", &["page"], since).contains("\"a\\\"b\""));
    }
}
