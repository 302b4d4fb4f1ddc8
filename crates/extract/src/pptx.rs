//! PowerPoint decks (PPTX): the text of every slide and of its speaker notes.
//!
//! `SegmentOrigin` has no slide field, so a slide is named in `origin.sheet`: `"slide 3"` for
//! the third slide's text and `"notes 3"` for its speaker notes (N is the number in the part
//! name `ppt/slides/slideN.xml`, which PowerPoint writes in presentation order). A reviewer
//! reads it as "sheet: slide 3", which is where the finding is.

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
    let mut slides: Vec<(u32, String)> = (0..package.len())
        .filter_map(|i| package.file_name(i))
        .filter_map(|name| part_number(&name, "ppt/slides/slide").map(|n| (n, name)))
        .collect();
    slides.sort();
    for (number, name) in slides {
        job.check_deadline()?;
        let result = extract_slide(job, &mut package, number, &name, origin);
        match result {
            Ok(()) => {}
            Err(e) if is_terminal(&e) => return Err(e),
            Err(e) => job.problem(e),
        }
    }
    Ok(())
}

fn extract_slide(
    job: &mut Job<'_>,
    package: &mut Package<'_>,
    number: u32,
    name: &str,
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    let slide_origin = SegmentOrigin {
        sheet: Some(format!("slide {number}")),
        ..origin.clone()
    };
    if let Some(xml) = package.read_named(job, name)? {
        extract_part(job, &xml, &slide_origin)?;
    }
    let rels = format!("ppt/slides/_rels/slide{number}.xml.rels");
    let Some(rels) = package.read_named(job, &rels)? else {
        return Ok(());
    };
    let Some(notes) = notes_target(&rels) else {
        return Ok(());
    };
    let notes_origin = SegmentOrigin {
        sheet: Some(format!("notes {number}")),
        ..origin.clone()
    };
    if let Some(xml) = package.read_named(job, &notes)? {
        extract_part(job, &xml, &notes_origin)?;
    }
    Ok(())
}

/// N of `{prefix}N.xml`.
fn part_number(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?
        .strip_suffix(".xml")?
        .parse()
        .ok()
}

/// The notes part a slide's relationships point to, as a package path.
fn notes_target(rels: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(rels);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.local_name().as_ref() == "Relationship" =>
            {
                let attr = |key: &str| {
                    e.try_get_attribute(key)
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                };
                let (Some(kind), Some(target)) = (attr("Type"), attr("Target")) else {
                    continue;
                };
                if kind.ends_with("/notesSlide") {
                    let file = target.rsplit('/').next()?;
                    return Some(format!("ppt/notesSlides/{file}"));
                }
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}
