//! The index's fields, its tokenizer, and how a finding becomes a document.
//!
//! No field is stored: a hit is turned back into its id from two fast fields, and the caller
//! loads the finding from the store, which stays the one source of truth. That keeps the index
//! small and means it never has to be read for anything but matching and sorting.

use tantivy::TantivyDocument;
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

use crate::model::IndexedFinding;

/// Bump on any change to fields, the tokenizer, or scoring: an index written under another
/// version is wiped and rebuilt on open, and cursors of another version are refused.
pub(crate) const SCHEMA_VERSION: u32 = 1;

pub(crate) const TOKENIZER: &str = "dlp_words";

/// Longer tokens (base64 blobs in a path, say) are dropped rather than indexed: nobody types
/// them, and they would bloat the term dictionary.
const MAX_TOKEN_BYTES: usize = 64;

/// The searchable text fields and the score a match in each contributes. Scores are small
/// integers on purpose: sums of them are exact in f32, so a document's score depends only on
/// the document and the query, never on segment layout or corpus statistics (as BM25 would).
/// That is what lets a relevance cursor stay valid across merges and across API processes.
/// What the finding is (detector, preview) outweighs where it is (space, titles), which
/// outweighs incidental words (path, category, severity, status).
pub(crate) const TEXT_FIELDS: [(&str, f32); 7] = [
    ("t_detector", 3.0),
    ("t_masked", 3.0),
    ("t_space", 2.0),
    ("t_page_title", 2.0),
    ("t_attachment_title", 2.0),
    ("t_path", 1.0),
    ("t_meta", 1.0),
];

/// The fields, looked up once.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub id: Field,
    pub id_hi: Field,
    pub id_lo: Field,
    pub seq: Field,
    pub space_key: Field,
    pub page_id: Field,
    pub content_type: Field,
    pub detector: Field,
    pub category: Field,
    pub status: Field,
    pub severity: Field,
    pub confidence: Field,
    pub first_seen_ms: Field,
    pub last_seen_ms: Field,
    /// In the order of [`TEXT_FIELDS`].
    pub text: [Field; 7],
}

pub(crate) const ID_HI: &str = "id_hi";
pub(crate) const ID_LO: &str = "id_lo";
pub(crate) const SEQ: &str = "seq";
pub(crate) const SEVERITY: &str = "severity";
pub(crate) const FIRST_SEEN: &str = "first_seen_ms";
pub(crate) const LAST_SEEN: &str = "last_seen_ms";

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fast = || NumericOptions::default().set_fast();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            // Positions for phrases (`aws-access-key`, `customers.csv`); no field norms,
            // since nothing scores by field length.
            .set_index_option(IndexRecordOption::WithFreqsAndPositions)
            .set_fieldnorms(false),
    );
    // Exact-match filter fields: one term per value, and no field norms, since they never
    // score.
    let keyword = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let fields = Fields {
        // The id's 16 bytes, for deletes and the seq lookup. Every id is a unique term, and
        // building their dictionary is the largest part of writing a segment; raw bytes are
        // half as long as the hex.
        id: builder.add_bytes_field("id", INDEXED),
        id_hi: builder.add_u64_field(ID_HI, fast()),
        id_lo: builder.add_u64_field(ID_LO, fast()),
        seq: builder.add_i64_field(SEQ, fast()),
        space_key: builder.add_text_field("space_key", keyword.clone()),
        page_id: builder.add_text_field("page_id", keyword.clone()),
        content_type: builder.add_text_field("content_type", keyword.clone()),
        detector: builder.add_text_field("detector", keyword.clone()),
        category: builder.add_text_field("category", keyword.clone()),
        status: builder.add_text_field("status", keyword.clone()),
        // Indexed as well as fast: a `min_severity` range then reads four posting lists
        // instead of a column.
        severity: builder.add_u64_field(SEVERITY, fast() | INDEXED),
        confidence: builder.add_f64_field("confidence", fast()),
        first_seen_ms: builder.add_i64_field(FIRST_SEEN, fast()),
        last_seen_ms: builder.add_i64_field(LAST_SEEN, fast()),
        text: TEXT_FIELDS.map(|(name, _)| builder.add_text_field(name, text.clone())),
    };
    (builder.build(), fields)
}

/// Words of letters and digits, lower-cased and folded to ASCII: `AKIA************MPLE` is
/// `akia mple`, `aws-access-key` is `aws access key`, `exports/q3.zip` is `exports q3 zip`,
/// `Übersicht` is `ubersicht`. The query side uses the same analyzer.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// `low` < `medium` < `high` < `critical`, as 1..=4.
pub(crate) fn severity_rank(severity: &str) -> Option<u64> {
    match severity {
        "low" => Some(1),
        "medium" => Some(2),
        "high" => Some(3),
        "critical" => Some(4),
        _ => None,
    }
}

/// A finding id as the number its 32 hex digits spell, so that id order is number order.
pub(crate) fn parse_id(id: &str) -> Option<u128> {
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if id.len() != 32 || !id.bytes().all(lower_hex) {
        return None;
    }
    u128::from_str_radix(id, 16).ok()
}

pub(crate) fn id_term(fields: &Fields, id: u128) -> tantivy::Term {
    tantivy::Term::from_field_bytes(fields.id, &id.to_be_bytes())
}

pub(crate) fn format_id(id: u128) -> String {
    format!("{id:032x}")
}

/// The document for a finding whose id is `id` (already parsed).
pub(crate) fn document(fields: &Fields, finding: &IndexedFinding, id: u128) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_bytes(fields.id, &id.to_be_bytes());
    doc.add_u64(fields.id_hi, (id >> 64) as u64);
    doc.add_u64(fields.id_lo, id as u64);
    doc.add_i64(fields.seq, finding.seq);
    doc.add_text(fields.space_key, &finding.space_key);
    doc.add_text(fields.page_id, &finding.page_id);
    doc.add_text(fields.content_type, &finding.content_type);
    doc.add_text(fields.detector, &finding.detector);
    doc.add_text(fields.category, &finding.category);
    doc.add_text(fields.status, &finding.status);
    // An unknown severity ranks below `low` rather than failing the batch: one odd row must
    // not stall the feed for every finding after it.
    doc.add_u64(
        fields.severity,
        severity_rank(&finding.severity).unwrap_or(0),
    );
    doc.add_f64(fields.confidence, finding.confidence);
    doc.add_i64(fields.first_seen_ms, finding.first_seen_ms);
    doc.add_i64(fields.last_seen_ms, finding.last_seen_ms);

    let [
        detector,
        masked,
        space,
        page_title,
        attachment_title,
        path,
        meta,
    ] = fields.text;
    doc.add_text(detector, &finding.detector);
    doc.add_text(masked, &finding.masked);
    doc.add_text(space, &finding.space_key);
    if let Some(title) = &finding.page_title {
        doc.add_text(page_title, title);
    }
    if let Some(title) = &finding.attachment_title {
        doc.add_text(attachment_title, title);
    }
    if let Some(p) = &finding.path {
        doc.add_text(path, p);
    }
    // Separate values, so that a phrase cannot run from one into the next (tantivy leaves a
    // position gap between values).
    for word in [&finding.category, &finding.severity, &finding.status] {
        doc.add_text(meta, word);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_order_as_strings_do() {
        let a = "00000000000000000000000000000001";
        let b = "f0000000000000000000000000000000";
        assert_eq!(format_id(parse_id(a).unwrap()), a);
        assert_eq!(format_id(parse_id(b).unwrap()), b);
        assert!(parse_id(a).unwrap() < parse_id(b).unwrap());
    }

    #[test]
    fn only_32_lowercase_hex_is_an_id() {
        for bad in [
            "",
            "0000000000000000000000000000000",
            "000000000000000000000000000000000",
            "0000000000000000000000000000000A",
            "000000000000000000000000000000+1",
            "0000000000000000000000000000000é",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_analyzer_splits_previews_paths_and_ids_into_words() {
        let words = |text: &str| {
            let mut analyzer = analyzer();
            let mut stream = analyzer.token_stream(text);
            let mut out = Vec::new();
            while let Some(token) = stream.next() {
                out.push(token.text.clone());
            }
            out
        };
        assert_eq!(words("AKIA************MPLE"), ["akia", "mple"]);
        assert_eq!(words("aws-access-key"), ["aws", "access", "key"]);
        assert_eq!(
            words("exports/Q3.zip/customers.csv"),
            ["exports", "q3", "zip", "customers", "csv"]
        );
        assert_eq!(
            words("Übersicht false_positive"),
            ["ubersicht", "false", "positive"]
        );
    }
}
