//! The findings list's query words and cursors: filters parsed from the query string (each
//! bad word named in the error), sort orders, and the opaque cursor of each order.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use dlp_domain::{Category, ContentType, Severity};
use dlp_store::{FindingFilter, FindingRecord, FindingSort, FindingStatus};

use super::{CURSOR_TAG, FindingsQuery};
use crate::api::error::ApiError;

pub(super) fn sort_of(sort: Option<&str>) -> Result<FindingSort, ApiError> {
    Ok(match sort {
        None => FindingSort::Id,
        Some("first_seen") => FindingSort::FirstSeenAsc,
        Some("-first_seen") => FindingSort::FirstSeenDesc,
        Some("last_seen") => FindingSort::LastSeenAsc,
        Some("-last_seen") => FindingSort::LastSeenDesc,
        Some("severity") => FindingSort::SeverityAsc,
        Some("-severity") => FindingSort::SeverityDesc,
        Some(_) => {
            return Err(ApiError::InvalidInput(
                "sort must be one of: first_seen, last_seen, severity, each with or without a \
                 leading - for descending"
                    .into(),
            ));
        }
    })
}

pub(super) fn filter_of(q: &FindingsQuery) -> Result<FindingFilter, ApiError> {
    fn word<T>(
        name: &str,
        value: Option<&str>,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Result<Option<T>, ApiError> {
        value
            .map(|v| {
                parse(v).ok_or_else(|| {
                    ApiError::InvalidInput(format!("{name} must be one of: {}", allowed.join(", ")))
                })
            })
            .transpose()
    }
    let time = |name: &str, value: Option<&str>| -> Result<Option<DateTime<Utc>>, ApiError> {
        value
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        ApiError::InvalidInput(format!(
                            "{name} must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z"
                        ))
                    })
            })
            .transpose()
    };
    if let Some(c) = q.confidence_min
        && !(0.0..=1.0).contains(&c)
    {
        return Err(ApiError::InvalidInput(
            "confidence_min must be within 0..1".into(),
        ));
    }
    Ok(FindingFilter {
        space_key: q.space_key.clone(),
        page_id: q.page_id.clone(),
        detector: q.detector.clone(),
        scan_id: q.scan_id.clone(),
        content_type: word(
            "content_type",
            q.content_type.as_deref(),
            ContentType::parse,
            &ContentType::ALL.map(ContentType::as_str),
        )?,
        category: word(
            "category",
            q.category.as_deref(),
            Category::parse,
            &Category::ALL.map(Category::as_str),
        )?,
        min_severity: word(
            "severity",
            q.severity.as_deref(),
            Severity::parse,
            &Severity::ALL.map(Severity::as_str),
        )?,
        status: word(
            "status",
            q.status.as_deref(),
            FindingStatus::parse,
            &FindingStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
        )?,
        min_confidence: q.confidence_min,
        first_seen_after: time("first_seen_after", q.first_seen_after.as_deref())?,
        first_seen_before: time("first_seen_before", q.first_seen_before.as_deref())?,
        ..FindingFilter::default()
    })
}

/// The tag of each order in its cursors: a cursor of one order is refused by another.
fn sort_tag(sort: FindingSort) -> &'static str {
    match sort {
        FindingSort::Id => "id",
        FindingSort::FirstSeenAsc => "fs",
        FindingSort::FirstSeenDesc => "-fs",
        FindingSort::LastSeenAsc => "ls",
        FindingSort::LastSeenDesc => "-ls",
        FindingSort::SeverityAsc => "sv",
        FindingSort::SeverityDesc => "-sv",
    }
}

pub(super) fn encode_cursor(sort: FindingSort, last: &FindingRecord) -> String {
    let key = sort.key_of(last).map(|k| k.to_string()).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "{CURSOR_TAG}{}:{key}:{}",
        sort_tag(sort),
        last.finding.id
    ))
}

pub(super) fn decode_cursor(
    cursor: &str,
    sort: FindingSort,
) -> Result<(Option<i64>, String), ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ApiError::InvalidCursor)?;
    let rest = text
        .strip_prefix(CURSOR_TAG)
        .ok_or(ApiError::InvalidCursor)?;
    let mut parts = rest.splitn(3, ':');
    let (Some(tag), Some(key), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::InvalidCursor);
    };
    if tag != sort_tag(sort) {
        return Err(ApiError::InvalidCursor);
    }
    let key = match sort {
        FindingSort::Id if key.is_empty() => None,
        FindingSort::Id => return Err(ApiError::InvalidCursor),
        _ => Some(key.parse::<i64>().map_err(|_| ApiError::InvalidCursor)?),
    };
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ApiError::InvalidCursor);
    }
    Ok((key, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_domain::Finding;

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        let record = FindingRecord {
            finding: Finding {
                id: "0123456789abcdef0123456789abcdef".into(),
                detector: "aws-access-key".into(),
                category: Category::Secret,
                severity: Severity::High,
                confidence: 0.9,
                masked: "AKIA****".into(),
                fingerprint: "f".into(),
                location: dlp_domain::Location::new(
                    &dlp_domain::ContentRef {
                        space_key: "ENG".into(),
                        content_type: ContentType::Page,
                        page_id: "1".into(),
                        page_version: None,
                        comment_id: None,
                        attachment_id: None,
                        attachment_title: None,
                    },
                    &dlp_domain::SegmentOrigin::default(),
                    1,
                    0,
                    4,
                ),
            },
            status: FindingStatus::Open,
            first_seen_at: DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(),
            last_seen_at: DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(),
            resolved_at: None,
            last_scan_id: None,
            page_title: None,
            web_link: None,
            in_history_only: false,
        };
        let id = record.finding.id.clone();
        for sort in [
            FindingSort::Id,
            FindingSort::FirstSeenDesc,
            FindingSort::SeverityAsc,
        ] {
            let cursor = encode_cursor(sort, &record);
            let (key, back) = decode_cursor(&cursor, sort).unwrap();
            assert_eq!((key, back.as_str()), (sort.key_of(&record), id.as_str()));
        }
        // A cursor of one order is no cursor of another.
        let by_id = encode_cursor(FindingSort::Id, &record);
        assert!(decode_cursor(&by_id, FindingSort::LastSeenAsc).is_err());
        let b64 = |t: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t);
        for bad in [
            "".to_owned(),
            "!!".to_owned(),
            "Zm9v".to_owned(),
            b64(&format!("{CURSOR_TAG}id::' OR 1=1 --")),
            b64(&format!("{CURSOR_TAG}id::{}", id.to_uppercase())),
            b64(&format!("f1:{id}")),
        ] {
            assert!(
                matches!(
                    decode_cursor(&bad, FindingSort::Id),
                    Err(ApiError::InvalidCursor)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn filter_words_are_checked_and_named_in_errors() {
        let q = FindingsQuery {
            severity: Some("bogus".into()),
            ..Default::default()
        };
        let e = filter_of(&q).unwrap_err().to_string();
        assert!(e.contains("severity") && e.contains("critical"), "{e}");
        let q = FindingsQuery {
            first_seen_after: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(filter_of(&q).is_err());
        let q = FindingsQuery {
            severity: Some("high".into()),
            confidence_min: Some(0.9),
            ..Default::default()
        };
        let f = filter_of(&q).unwrap();
        assert_eq!(
            (f.min_severity, f.min_confidence),
            (Some(Severity::High), Some(0.9))
        );
    }
}
