//! Word documents (DOCX): the body, then headers, footers, footnotes, endnotes and comments,
//! each part through [`office_xml`](super::office_xml) (paragraphs with their runs joined, table
//! cells with their column header as context).
//!
//! Segments keep the origin the document was found at (its archive path, if any): Word has no
//! stable page numbers to point to.

use super::ExtractError;
use super::archive::{Package, is_terminal};
use super::attachment::Job;
use super::office_xml::extract_part;
use dlp_domain::SegmentOrigin;

pub(super) fn extract(
    job: &mut Job<'_>,
    bytes: &[u8],
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    let mut package = Package::open(job, bytes)?;
    let Some(body) = package.read_named(job, "word/document.xml")? else {
        return Err(ExtractError::Malformed {
            position: 0,
            reason: "a Word document without word/document.xml",
        });
    };
    extract_part(job, &body, origin)?;
    drop(body);
    let mut others: Vec<(u8, String)> = (0..package.len())
        .filter_map(|i| package.file_name(i))
        .filter_map(|name| secondary_part_rank(&name).map(|rank| (rank, name)))
        .collect();
    others.sort();
    for (_, name) in others {
        let result = package
            .read_named(job, &name)
            .and_then(|xml| xml.map_or(Ok(()), |xml| extract_part(job, &xml, origin)));
        match result {
            Ok(()) => {}
            Err(e) if is_terminal(&e) => return Err(e),
            Err(e) => job.problem(e),
        }
    }
    Ok(())
}

/// Where a part other than the body comes in reading order, or None if it holds no text.
fn secondary_part_rank(name: &str) -> Option<u8> {
    let file = name.strip_prefix("word/")?;
    if file.contains('/') || !file.ends_with(".xml") {
        return None;
    }
    [
        ("header", 0),
        ("footer", 1),
        ("footnotes", 2),
        ("endnotes", 3),
        ("comments", 4),
    ]
    .into_iter()
    .find(|(prefix, _)| file.starts_with(prefix))
    .map(|(_, rank)| rank)
}
