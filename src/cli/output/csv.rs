//! `--format csv`: one row per finding, the contract's fields flattened, for spreadsheets.

use std::io::Write;

use dlp_domain::Finding;

/// The header row: the finding contract's fields with `location` flattened. `region` (the
/// OCR box) is left out: a box is four numbers and no spreadsheet reader wants them.
pub const COLUMNS: [&str; 21] = [
    "id",
    "detector",
    "category",
    "severity",
    "confidence",
    "masked",
    "fingerprint",
    "space_key",
    "content_type",
    "page_id",
    "page_version",
    "comment_id",
    "attachment_id",
    "attachment_title",
    "path",
    "sheet",
    "cell",
    "pdf_page",
    "line",
    "start",
    "end",
];

/// Writes the header and one row per finding; an absent value is an empty field. The `csv`
/// crate quotes fields that hold commas, quotes or line breaks (titles and archive paths can).
pub fn write_csv(out: &mut impl Write, findings: &[Finding]) -> std::io::Result<()> {
    fn opt<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map(ToString::to_string).unwrap_or_default()
    }
    let mut w = csv::Writer::from_writer(&mut *out);
    w.write_record(COLUMNS)?;
    for f in findings {
        let l = &f.location;
        let row: [String; COLUMNS.len()] = [
            f.id.clone(),
            f.detector.clone(),
            f.category.as_str().to_owned(),
            f.severity.as_str().to_owned(),
            f.confidence.to_string(),
            f.masked.clone(),
            f.fingerprint.clone(),
            l.space_key.clone(),
            l.content_type.as_str().to_owned(),
            l.page_id.clone(),
            opt(&l.page_version),
            opt(&l.comment_id),
            opt(&l.attachment_id),
            opt(&l.attachment_title),
            opt(&l.path),
            opt(&l.sheet),
            opt(&l.cell),
            opt(&l.pdf_page),
            opt(&l.line),
            opt(&l.start),
            opt(&l.end),
        ];
        w.write_record(&row)?;
    }
    w.flush()?;
    drop(w);
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_domain::{Category, ContentRef, ContentType, Location, SegmentOrigin, Severity};

    #[test]
    fn rows_follow_the_header_and_quote_what_needs_it() {
        let item = ContentRef {
            space_key: "ENG".into(),
            content_type: ContentType::Attachment,
            page_id: "123".into(),
            page_version: Some(4),
            comment_id: None,
            attachment_id: Some("att5".into()),
            attachment_title: Some("keys, \"final\"\nv2.xlsx".into()),
        };
        let origin = SegmentOrigin {
            sheet: Some("Q3".into()),
            cell: Some("B7".into()),
            ..SegmentOrigin::default()
        };
        let location = Location::new(&item, &origin, 7, 120, 140);
        let finding = Finding {
            id: "f1".into(),
            detector: "aws-access-key-id".into(),
            category: Category::Secret,
            severity: Severity::High,
            confidence: 0.95,
            masked: "AKIA************WN5T".into(),
            fingerprint: "ab12".into(),
            location,
        };
        let mut out = Vec::new();
        write_csv(&mut out, &[finding]).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        assert_eq!(
            reader.headers().unwrap(),
            &csv::StringRecord::from(COLUMNS.to_vec())
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        let field = |name| &rows[0][COLUMNS.iter().position(|c| *c == name).unwrap()];
        assert_eq!(field("attachment_title"), "keys, \"final\"\nv2.xlsx");
        assert_eq!(field("severity"), "high");
        assert_eq!(field("page_version"), "4");
        assert_eq!(field("comment_id"), "");
        assert_eq!(field("sheet"), "Q3");
        assert_eq!(field("cell"), "B7");
        assert_eq!(field("line"), "7");
        assert_eq!(field("end"), "140");
    }
}
