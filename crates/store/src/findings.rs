//! Finding rows: how a `Finding` is laid out in the columns of a `findings` row, and read
//! back exactly. Writing rows is [`upsert`]'s; listing and counting them is [`queries`]'.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{from_millis, parse_word};
use super::{FindingRecord, FindingStatus, StoreError};
use dlp_domain::{Category, ContentType, Finding, Location, Region, Severity};

mod queries;
mod upsert;

pub(crate) use upsert::{upsert, upsert_many};

/// Every column of a finding row, in the order `record_from_row` reads them.
pub(crate) const COLUMNS: &str = "f.id, f.detector, f.category, f.severity, f.confidence, f.masked, \
    f.fingerprint, f.space_key, f.content_type, f.page_id, f.page_version, f.comment_id, \
    f.attachment_id, f.attachment_title, f.path, f.sheet, f.cell, f.pdf_page, f.line, \
    f.start_offset, f.end_offset, f.status, f.first_seen_at, f.last_seen_at, f.resolved_at, \
    f.last_scan_id, f.region, p.title AS page_title, p.web_link, \
    CAST(CASE WHEN f.content_type <> 'history' THEN 0 \
      WHEN EXISTS (SELECT 1 FROM findings cur WHERE cur.item_id = f.item_id \
        AND cur.fingerprint = f.fingerprint AND cur.detector = f.detector \
        AND cur.status = 'open' AND cur.content_type IN ('page', 'blogpost')) THEN 0 \
      ELSE 1 END AS BIGINT) AS in_history_only";

/// Findings with their page's title and link: the FROM clause of every query that reads
/// [`COLUMNS`]. `in_history_only` is computed per row served, one probe of the
/// `findings_by_value_in_item` index (migration 0010): the history item's id is its page's,
/// so the page's current body is found by the same `item_id`.
pub(crate) const FROM: &str = "findings f LEFT JOIN content_pages p ON p.page_id = f.page_id";

/// The id of the item a finding sits in, as `ContentRef::item_id` computes it for the item.
pub(crate) fn item_id_of(location: &Location) -> &str {
    let own = match location.content_type {
        ContentType::Comment => location.comment_id.as_deref(),
        ContentType::Attachment => location.attachment_id.as_deref(),
        ContentType::Page | ContentType::BlogPost | ContentType::File | ContentType::History => {
            None
        }
    };
    own.unwrap_or(&location.page_id)
}

fn offset(value: Option<usize>) -> Result<Option<i64>, StoreError> {
    value
        .map(i64::try_from)
        .transpose()
        .map_err(|_| StoreError::Invalid("a finding offset is beyond what the store can hold"))
}

pub(crate) fn record_from_row(row: &AnyRow) -> Result<FindingRecord, StoreError> {
    let category: String = row.try_get("category")?;
    let severity: String = row.try_get("severity")?;
    let content_type: String = row.try_get("content_type")?;
    let status: String = row.try_get("status")?;
    let resolved_at: Option<i64> = row.try_get("resolved_at")?;
    let in_history_only: i64 = row.try_get("in_history_only")?;
    let location = Location {
        space_key: row.try_get("space_key")?,
        content_type: parse_word(&content_type, ContentType::parse, "findings.content_type")?,
        page_id: row.try_get("page_id")?,
        page_version: small(row, "page_version")?,
        comment_id: row.try_get("comment_id")?,
        attachment_id: row.try_get("attachment_id")?,
        attachment_title: row.try_get("attachment_title")?,
        path: row.try_get("path")?,
        sheet: row.try_get("sheet")?,
        cell: row.try_get("cell")?,
        pdf_page: small(row, "pdf_page")?,
        region: region_of(row)?,
        line: small(row, "line")?,
        start: wide(row, "start_offset")?,
        end: wide(row, "end_offset")?,
    };
    Ok(FindingRecord {
        finding: Finding {
            id: row.try_get("id")?,
            detector: row.try_get("detector")?,
            category: parse_word(&category, Category::parse, "findings.category")?,
            severity: parse_word(&severity, Severity::parse, "findings.severity")?,
            confidence: row.try_get("confidence")?,
            masked: row.try_get("masked")?,
            fingerprint: row.try_get("fingerprint")?,
            location,
        },
        status: parse_word(&status, FindingStatus::parse, "findings.status")?,
        first_seen_at: from_millis(row.try_get("first_seen_at")?, "findings.first_seen_at")?,
        last_seen_at: from_millis(row.try_get("last_seen_at")?, "findings.last_seen_at")?,
        resolved_at: resolved_at
            .map(|ms| from_millis(ms, "findings.resolved_at"))
            .transpose()?,
        last_scan_id: row.try_get("last_scan_id")?,
        page_title: row.try_get("page_title")?,
        web_link: row.try_get("web_link")?,
        in_history_only: in_history_only != 0,
    })
}

/// An OCR box as one column, "left,top,width,height": it is read and written whole, never
/// queried by its parts.
fn region_text(r: Region) -> String {
    format!("{},{},{},{}", r.left, r.top, r.width, r.height)
}

fn region_of(row: &AnyRow) -> Result<Option<Region>, StoreError> {
    let corrupt = || StoreError::Corrupt {
        column: "findings.region",
    };
    let Some(text) = row.try_get::<Option<String>, _>("region")? else {
        return Ok(None);
    };
    let parts: Vec<u32> = text
        .split(',')
        .map(|p| p.parse().map_err(|_| corrupt()))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [left, top, width, height] => Ok(Some(Region {
            left,
            top,
            width,
            height,
        })),
        _ => Err(corrupt()),
    }
}

fn small(row: &AnyRow, column: &'static str) -> Result<Option<u32>, StoreError> {
    let value: Option<i64> = row.try_get(column)?;
    value
        .map(u32::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt { column })
}

fn wide(row: &AnyRow, column: &'static str) -> Result<Option<usize>, StoreError> {
    let value: Option<i64> = row.try_get(column)?;
    value
        .map(usize::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt { column })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_domain::{ContentRef, SegmentOrigin};

    fn item(content_type: ContentType) -> ContentRef {
        ContentRef {
            space_key: "ENG".into(),
            content_type,
            page_id: "123".into(),
            page_version: Some(4),
            comment_id: Some("c9".into()).filter(|_| content_type == ContentType::Comment),
            attachment_id: Some("att7".into()).filter(|_| content_type == ContentType::Attachment),
            attachment_title: None,
        }
    }

    #[test]
    fn a_finding_sits_in_the_same_item_its_content_ref_names() {
        for ct in ContentType::ALL {
            let item = item(ct);
            let loc = Location::new(&item, &SegmentOrigin::default(), 1, 0, 4);
            assert_eq!(item_id_of(&loc), item.item_id(), "{ct:?}");
        }
    }

    #[test]
    fn offsets_beyond_i64_are_refused() {
        assert_eq!(offset(Some(7)).unwrap(), Some(7));
        assert_eq!(offset(None).unwrap(), None);
        assert!(matches!(
            offset(Some(usize::MAX)),
            Err(StoreError::Invalid(_))
        ));
    }
}
