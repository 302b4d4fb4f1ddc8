//! The words of the domain, used everywhere: what was scanned (`ContentRef`), what the
//! extractors produce (`Segment`), what the classifier reports (`Finding` at a `Location`).
//!
//! The JSON shapes here are the contract of docs/ARCHITECTURE.md ("The finding contract"); the CLI's
//! `--format jsonl` and the REST API serialise these types as they are.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Kind of sensitive data a detector finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Secret,
    Pii,
    Pci,
    Phi,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Secret,
        Category::Pii,
        Category::Pci,
        Category::Phi,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secret",
            Category::Pii => "pii",
            Category::Pci => "pci",
            Category::Phi => "phi",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who can read a page: anyone, including anonymous users (`public`); every licensed user of
/// the site (`site`); the members of its space (`space`); or only those its restrictions name
/// (`restricted`). Ordered from the narrowest to the widest audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    Restricted,
    Space,
    Site,
    Public,
}

impl Exposure {
    pub const ALL: [Exposure; 4] = [
        Exposure::Restricted,
        Exposure::Space,
        Exposure::Site,
        Exposure::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Restricted => "restricted",
            Exposure::Space => "space",
            Exposure::Site => "site",
            Exposure::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// A finding's severity once it is known who can read it: a secret or a card number that
    /// anonymous users can read is critical, one every user of the site can read is a level
    /// worse than detected, and personal data one level worse than detected when public. A
    /// space's own members, or a restricted audience, change nothing.
    pub fn raise(self, severity: Severity, category: Category) -> Severity {
        let step = |s: Severity, by: usize| {
            let at = Severity::ALL.iter().position(|x| *x == s).unwrap_or(0);
            Severity::ALL[(at + by).min(Severity::ALL.len() - 1)]
        };
        let credential_like = matches!(category, Category::Secret | Category::Pci);
        match (self, credential_like) {
            (Exposure::Public, true) => Severity::Critical,
            (Exposure::Public, false) | (Exposure::Site, true) => step(severity, 1),
            _ => severity,
        }
    }
}

/// What kind of Confluence content a finding sits in (`location.content_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ContentType {
    Page,
    #[serde(rename = "blogpost")]
    BlogPost,
    Comment,
    Attachment,
    /// A file on the scanning machine (`confluence-dlp scan PATH`), not Confluence content.
    File,
    /// The older versions of a page or blog post (`scan --history`), one item per page: its
    /// id is the page's, and a finding's `page_version` is the newest older version that
    /// holds the value. Kept apart from the page's current body, so recording one never
    /// resolves the other's findings.
    History,
}

impl ContentType {
    pub const ALL: [ContentType; 6] = [
        ContentType::Page,
        ContentType::BlogPost,
        ContentType::Comment,
        ContentType::Attachment,
        ContentType::File,
        ContentType::History,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Page => "page",
            ContentType::BlogPost => "blogpost",
            ContentType::Comment => "comment",
            ContentType::Attachment => "attachment",
            ContentType::File => "file",
            ContentType::History => "history",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One scannable item: a page or blog post body, a comment, an attachment, or a local file
/// (`space_key` "local", `content_type` file, `attachment_title` its name).
///
/// `page_id` is the page or blog post the item belongs to, also for comments and attachments,
/// so a reader can open it; for a local file it is the file's path, its own id as a page's
/// is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentRef {
    pub space_key: String,
    pub content_type: ContentType,
    pub page_id: String,
    pub page_version: Option<u32>,
    pub comment_id: Option<String>,
    pub attachment_id: Option<String>,
    pub attachment_title: Option<String>,
}

impl ContentRef {
    /// The id of the item itself (the comment, the attachment, or the page).
    pub fn item_id(&self) -> &str {
        match self.content_type {
            ContentType::Comment => self.comment_id.as_deref().unwrap_or(&self.page_id),
            ContentType::Attachment => self.attachment_id.as_deref().unwrap_or(&self.page_id),
            ContentType::Page
            | ContentType::BlogPost
            | ContentType::File
            | ContentType::History => &self.page_id,
        }
    }
}

/// How far back `scan --history` reads a page's or blog post's older versions: the `N`
/// versions before the current one, or all of them. Written `5` or `all` (in the API, a
/// number or the string `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryDepth {
    Versions(u32),
    All,
}

impl HistoryDepth {
    /// Most older versions one history job reads: the newest ones of the range asked.
    pub const MAX_VERSIONS_PER_JOB: u32 = 1000;

    /// `all`, or a number of versions from 1.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Some(HistoryDepth::All);
        }
        match text.parse::<u32>() {
            Ok(n) if n > 0 => Some(HistoryDepth::Versions(n)),
            _ => None,
        }
    }

    /// The older versions to read of content whose current version is `current`, oldest
    /// first: versions are numbered 1..=current, so none needs listing. At most
    /// [`Self::MAX_VERSIONS_PER_JOB`], the newest.
    pub fn older_versions(self, current: u32) -> std::ops::RangeInclusive<u32> {
        let newest = current.saturating_sub(1);
        let wanted = match self {
            HistoryDepth::Versions(n) => n,
            HistoryDepth::All => newest,
        }
        .min(Self::MAX_VERSIONS_PER_JOB)
        .min(newest);
        // Empty when there is nothing older (`newest + 1 > newest`).
        (newest + 1 - wanted)..=newest
    }
}

/// A number of versions from 1, or the string `all`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for HistoryDepth {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["all"])),
            )
            .description(Some(
                "How far back older versions of pages and blog posts are read: a number of \
                 versions before the current one, or \"all\".",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for HistoryDepth {}

impl std::fmt::Display for HistoryDepth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistoryDepth::Versions(n) => write!(f, "{n}"),
            HistoryDepth::All => f.write_str("all"),
        }
    }
}

impl std::str::FromStr for HistoryDepth {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HistoryDepth::parse(s).ok_or("give a number of versions from 1, or all")
    }
}

impl Serialize for HistoryDepth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            HistoryDepth::Versions(n) => s.serialize_u32(*n),
            HistoryDepth::All => s.serialize_str("all"),
        }
    }
}

impl<'de> Deserialize<'de> for HistoryDepth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        let parsed = match Raw::deserialize(d)? {
            Raw::Number(n) => u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .map(HistoryDepth::Versions),
            Raw::Text(t) => HistoryDepth::parse(&t),
        };
        parsed.ok_or_else(|| D::Error::custom("history: a number of versions from 1, or \"all\""))
    }
}

/// Where a segment of text came from inside an item: the parts of `Location` that the
/// extractor knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentOrigin {
    /// Path inside an archive, e.g. `exports.zip/customers.csv`.
    pub path: Option<String>,
    pub sheet: Option<String>,
    /// A1-style cell reference.
    pub cell: Option<String>,
    pub pdf_page: Option<u32>,
    /// Where in an image (an attachment, an image inside an archive, a scanned PDF page) the
    /// text was read by OCR.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<Region>,
}

/// A rectangle in an image, in pixels from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// A run of text that the classifier reads as one unit.
///
/// `offset` is the byte offset of `text` in the item's extracted text (all segments joined with
/// `\n`), and `line` the 1-based line of its first character there; a finding's `start`, `end`
/// and `line` are computed from them, so they point into the same text a reviewer would see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub offset: usize,
    pub line: u32,
    pub origin: SegmentOrigin,
    /// Text a reader sees next to this segment — a table cell's column header, later a
    /// spreadsheet column header — that detectors read for context words but never report
    /// from. Not part of the joined text: `offset` and `line` never count it.
    pub context: Option<String>,
}

/// The full location of a finding (`location` in the JSON contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub space_key: String,
    pub content_type: ContentType,
    pub page_id: String,
    pub page_version: Option<u32>,
    pub comment_id: Option<String>,
    pub attachment_id: Option<String>,
    pub attachment_title: Option<String>,
    pub path: Option<String>,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub pdf_page: Option<u32>,
    /// For text read from an image: the box of its OCR line. Absent (not `null`) otherwise, so
    /// the contract of findings in text is unchanged. Not part of a finding's identity: OCR of
    /// the same image may draw a box a pixel wider, and that is still the same finding.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<Region>,
    pub line: Option<u32>,
    pub start: Option<usize>,
    pub end: Option<usize>,
}

impl Location {
    pub fn new(
        item: &ContentRef,
        origin: &SegmentOrigin,
        line: u32,
        start: usize,
        end: usize,
    ) -> Self {
        Location {
            space_key: item.space_key.clone(),
            content_type: item.content_type,
            page_id: item.page_id.clone(),
            page_version: item.page_version,
            comment_id: item.comment_id.clone(),
            attachment_id: item.attachment_id.clone(),
            attachment_title: item.attachment_title.clone(),
            // Inside an archive, the extractor's path; a local file's own path otherwise (the
            // contract's `path` of a local file).
            path: origin
                .path
                .clone()
                .or_else(|| (item.content_type == ContentType::File).then(|| item.page_id.clone())),
            sheet: origin.sheet.clone(),
            cell: origin.cell.clone(),
            pdf_page: origin.pdf_page,
            region: origin.region,
            line: Some(line),
            start: Some(start),
            end: Some(end),
        }
    }

    /// The part of the location that names *where* a value sits, independent of edits that
    /// shift it: the item and the place inside it, but not the version, line or offsets.
    /// A value that moves down a page when someone adds a paragraph stays the same finding.
    fn identity(&self) -> String {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.space_key,
            self.content_type.as_str(),
            self.page_id,
            o(&self.comment_id),
            o(&self.attachment_id),
            o(&self.path),
            o(&self.sheet),
            o(&self.cell),
            self.pdf_page.map(|p| p.to_string()).unwrap_or_default(),
        )
    }
}

/// A sensitive value found at a location. Holds no raw value: only the masked preview and a
/// keyed fingerprint (see `classify::Fingerprinter`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub id: String,
    pub detector: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: f64,
    pub masked: String,
    pub fingerprint: String,
    pub location: Location,
}

impl Finding {
    /// The stable id of a finding: the same value (by fingerprint) found by the same detector
    /// at the same place gets the same id on every scan, which is what makes upserts and
    /// re-scans duplicate-free.
    pub fn stable_id(detector: &str, fingerprint: &str, location: &Location) -> String {
        let mut h = Sha256::new();
        h.update(detector.as_bytes());
        h.update([0x1f]);
        h.update(fingerprint.as_bytes());
        h.update([0x1f]);
        h.update(location.identity().as_bytes());
        hex::encode(&h.finalize()[..16])
    }
}

#[cfg(test)]
mod tests;
