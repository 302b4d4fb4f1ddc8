//! Opaque page cursors: where the previous page ended, bound to the query that made it.
//!
//! A cursor is base64url (no padding) of 34 bytes: a format byte, the sort, a fingerprint of
//! the query, the last hit's sort key, and its id. Paging is keyset paging ("after this key
//! and id"), not an offset, so a page costs the same at any depth and never skips or repeats a
//! document while the index is unchanged; and since keys depend only on the document and the
//! query (see `schema::TEXT_FIELDS` for why scores do too), a cursor from one API process is
//! valid on another that has indexed the same findings.
//!
//! The fingerprint covers the schema version, `q`, the filters and the sort, so a cursor
//! replayed against another query, or against an index of another schema version during a
//! rolling deploy, is refused as [`SearchError::InvalidCursor`] instead of paging wrongly.
//! Nothing in a cursor is secret: it holds a sort key and an id the caller has already seen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::SearchError;
use crate::model::{SearchFilters, SearchQuery, SearchSort};
use crate::schema::SCHEMA_VERSION;

const FORMAT: u8 = 1;
const LEN: usize = 1 + 1 + 8 + 8 + 16;
/// A cursor longer than this cannot be ours; refuse it before decoding.
const MAX_ENCODED_LEN: usize = 64;

/// A position in the total order of one query: hits sort by (`key`, `id`) ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    pub key: u64,
    pub id: u128,
}

pub(crate) fn encode(query: &SearchQuery, after: Position) -> String {
    let mut bytes = [0u8; LEN];
    bytes[0] = FORMAT;
    bytes[1] = sort_code(query.sort);
    bytes[2..10].copy_from_slice(&fingerprint(query).to_be_bytes());
    bytes[10..18].copy_from_slice(&after.key.to_be_bytes());
    bytes[18..34].copy_from_slice(&after.id.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The position `query.cursor` points after, `None` for a first page.
pub(crate) fn decode(query: &SearchQuery) -> Result<Option<Position>, SearchError> {
    let Some(cursor) = &query.cursor else {
        return Ok(None);
    };
    if cursor.len() > MAX_ENCODED_LEN {
        return Err(SearchError::InvalidCursor);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| SearchError::InvalidCursor)?;
    let bytes: [u8; LEN] = bytes.try_into().map_err(|_| SearchError::InvalidCursor)?;
    let field = |range: std::ops::Range<usize>| &bytes[range];
    let u64_at = |range| u64::from_be_bytes(field(range).try_into().unwrap_or_default());
    if bytes[0] != FORMAT
        || bytes[1] != sort_code(query.sort)
        || u64_at(2..10) != fingerprint(query)
    {
        return Err(SearchError::InvalidCursor);
    }
    let id = u128::from_be_bytes(field(18..34).try_into().unwrap_or_default());
    Ok(Some(Position {
        key: u64_at(10..18),
        id,
    }))
}

fn sort_code(sort: SearchSort) -> u8 {
    match sort {
        SearchSort::Relevance => 1,
        SearchSort::FirstSeenAsc => 2,
        SearchSort::FirstSeenDesc => 3,
        SearchSort::LastSeenAsc => 4,
        SearchSort::LastSeenDesc => 5,
        SearchSort::SeverityDesc => 6,
        SearchSort::SeverityAsc => 7,
    }
}

/// FNV-1a over an unambiguous encoding of what decides the order. A fixed function, not
/// `DefaultHasher`, because cursors travel between processes and builds.
fn fingerprint(query: &SearchQuery) -> u64 {
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    hash.bytes(&SCHEMA_VERSION.to_be_bytes());
    hash.bytes(&[sort_code(query.sort)]);
    hash.text(Some(&query.q));
    let SearchFilters {
        space_key,
        page_id,
        content_type,
        detector,
        category,
        status,
        min_severity,
        min_confidence,
        first_seen_after_ms,
        first_seen_before_ms,
    } = &query.filters;
    for text in [
        space_key,
        page_id,
        content_type,
        detector,
        category,
        status,
        min_severity,
    ] {
        hash.text(text.as_deref());
    }
    hash.number(min_confidence.map(f64::to_bits));
    hash.number(first_seen_after_ms.map(|ms| ms as u64));
    hash.number(first_seen_before_ms.map(|ms| ms as u64));
    hash.0
}

struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A presence byte and a length prefix keep `("ab", "c")` and `("a", "bc")` apart.
    fn text(&mut self, text: Option<&str>) {
        match text {
            None => self.bytes(&[0]),
            Some(text) => {
                self.bytes(&[1]);
                self.bytes(&(text.len() as u64).to_be_bytes());
                self.bytes(text.as_bytes());
            }
        }
    }

    fn number(&mut self, number: Option<u64>) {
        match number {
            None => self.bytes(&[0]),
            Some(n) => {
                self.bytes(&[1]);
                self.bytes(&n.to_be_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str, sort: SearchSort) -> SearchQuery {
        SearchQuery {
            q: q.into(),
            sort,
            limit: 10,
            ..SearchQuery::default()
        }
    }

    #[test]
    fn a_cursor_round_trips_for_its_own_query() {
        let mut q = query("aws", SearchSort::FirstSeenDesc);
        let at = Position {
            key: 42,
            id: u128::MAX - 7,
        };
        q.cursor = Some(encode(&q, at));
        assert_eq!(decode(&q).unwrap(), Some(at));
        // The page size is not part of the query's identity.
        q.limit = 50;
        assert_eq!(decode(&q).unwrap(), Some(at));
    }

    #[test]
    fn a_cursor_of_another_query_or_sort_is_refused() {
        let original = query("aws", SearchSort::FirstSeenDesc);
        let cursor = encode(&original, Position { key: 1, id: 2 });
        let mut other_q = query("gcp", SearchSort::FirstSeenDesc);
        let mut other_sort = query("aws", SearchSort::FirstSeenAsc);
        let mut other_filter = original.clone();
        other_filter.filters.status = Some("open".into());
        for other in [&mut other_q, &mut other_sort, &mut other_filter] {
            other.cursor = Some(cursor.clone());
            assert!(matches!(decode(other), Err(SearchError::InvalidCursor)));
        }
    }

    #[test]
    fn malformed_cursors_are_refused() {
        let mut q = query("", SearchSort::Relevance);
        let good = encode(&q, Position { key: 1, id: 2 });
        let mut flipped = URL_SAFE_NO_PAD.decode(&good).unwrap();
        flipped[0] ^= 0xff;
        for bad in [
            String::new(),
            "!!!".into(),
            "AAAA".into(),
            good[..good.len() - 2].to_string(),
            format!("{good}AA"),
            URL_SAFE_NO_PAD.encode(flipped),
            "A".repeat(10_000),
        ] {
            q.cursor = Some(bad.clone());
            assert!(
                matches!(decode(&q), Err(SearchError::InvalidCursor)),
                "{bad:?}"
            );
        }
    }
}
