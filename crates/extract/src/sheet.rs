//! Spreadsheets (XLSX, XLS, ODS) through calamine: one segment per non-empty cell, with
//! `origin.sheet` the sheet's name and `origin.cell` its A1 reference.
//!
//! The first row of a sheet is usually its column headers ("SSN", "Card number"); a cell
//! below a text header gets that header as context, so detectors see what the column holds.
//! Numbers are written as a person would type them: a card number or SSN stored as a number
//! comes out as its digits, not `4.111111111111111e15` or `536221234.0`.
//!
//! XLSX sheets are streamed cell by cell, so a sheet declaring a cell at `XFD1048576` costs no
//! more than its cells. ZIP-based workbooks have every entry decompressed once within the
//! attachment's limits before calamine reads them, so calamine never meets a bomb.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader};

use super::archive::Package;
use super::attachment::Job;
use super::{ExtractError, Format};
use dlp_domain::SegmentOrigin;

pub(super) fn extract(
    job: &mut Job<'_>,
    bytes: &[u8],
    format: Format,
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    if matches!(format, Format::Xlsx | Format::Ods) {
        let mut package = Package::open(job, bytes)?;
        for index in 0..package.len() {
            package.verify(job, index)?;
        }
        if format == Format::Ods
            && let Some(content) = package.read_named(job, "content.xml")?
            && ods_sheet_area(&content) > job.limits.max_sheet_cells
        {
            return Err(ExtractError::LimitExceeded {
                what: "cells spanned by a spreadsheet sheet",
                limit: job.limits.max_sheet_cells,
            });
        }
    }
    match format {
        Format::Xlsx => extract_xlsx(job, bytes, origin),
        Format::Xls => {
            let workbook = calamine::Xls::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
            extract_ranges(job, workbook, origin)
        }
        _ => {
            let workbook = calamine::Ods::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
            extract_ranges(job, workbook, origin)
        }
    }
}

fn unreadable() -> ExtractError {
    ExtractError::Malformed {
        position: 0,
        reason: "the workbook cannot be read",
    }
}

fn extract_xlsx(
    job: &mut Job<'_>,
    bytes: &[u8],
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    for name in workbook.sheet_names() {
        job.check_deadline()?;
        let mut columns = Columns::default();
        let mut cells = match workbook.worksheet_cells_reader(&name) {
            Ok(cells) => cells,
            Err(_) => {
                job.problem(ExtractError::Malformed {
                    position: 0,
                    reason: "a worksheet cannot be read",
                });
                continue;
            }
        };
        let mut seen: u64 = 0;
        loop {
            let cell = match cells.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(_) => {
                    job.problem(ExtractError::Malformed {
                        position: 0,
                        reason: "a worksheet cell cannot be read",
                    });
                    break;
                }
            };
            seen += 1;
            if seen.is_multiple_of(4096) {
                job.check_deadline()?;
            }
            let (row, column) = cell.get_position();
            let Some((text, is_text)) = data_ref_text(cell.get_value()) else {
                continue;
            };
            columns.push(job, origin, &name, row, column, text, is_text);
        }
    }
    Ok(())
}

fn extract_ranges<R, W>(
    job: &mut Job<'_>,
    mut workbook: W,
    origin: &SegmentOrigin,
) -> Result<(), ExtractError>
where
    R: std::io::Read + std::io::Seek,
    W: Reader<R>,
{
    for name in workbook.sheet_names() {
        job.check_deadline()?;
        let range = match workbook.worksheet_range(&name) {
            Ok(range) => range,
            Err(_) => {
                job.problem(ExtractError::Malformed {
                    position: 0,
                    reason: "a worksheet cannot be read",
                });
                continue;
            }
        };
        let mut columns = Columns::default();
        for (row, column, value) in range.used_cells() {
            let Some((text, is_text)) = data_text(value) else {
                continue;
            };
            let (start_row, start_column) = range.start().unwrap_or((0, 0));
            let (row, column) = (start_row + row as u32, start_column + column as u32);
            columns.push(job, origin, &name, row, column, text, is_text);
        }
    }
    Ok(())
}

/// The largest area (rows x columns) that the values of one ODS sheet span, counting
/// `number-rows-repeated` and `number-columns-repeated`: what calamine would allocate for it.
/// Repeated *empty* cells (LibreOffice pads every sheet with them) do not widen the area.
fn ods_sheet_area(content: &[u8]) -> u64 {
    use quick_xml::events::{BytesStart, Event};
    fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
        e.try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.value.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    }
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let (mut largest, mut row, mut rows_repeat, mut column) = (0u64, 0u64, 1u64, 0u64);
    let (mut max_row, mut max_column) = (0u64, 0u64);
    let mut open_cell: Option<u64> = None;
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            break;
        };
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "table" => {
                largest = largest.max(max_row.saturating_mul(max_column));
                (row, max_row, max_column) = (0, 0, 0);
            }
            Event::Start(e) if e.local_name().as_ref() == "table-row" => {
                rows_repeat = repeat(&e, "table:number-rows-repeated");
                column = 0;
            }
            Event::Empty(e) if e.local_name().as_ref() == "table-row" => {
                row = row.saturating_add(repeat(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.local_name().as_ref() == "table-row" => {
                row = row.saturating_add(rows_repeat)
            }
            Event::Empty(e)
                if matches!(e.local_name().as_ref(), "table-cell" | "covered-table-cell") =>
            {
                let has_value = e
                    .try_get_attribute("office:value-type")
                    .ok()
                    .flatten()
                    .is_some();
                let columns = repeat(&e, "table:number-columns-repeated");
                column = column.saturating_add(columns);
                if has_value {
                    max_column = max_column.max(column);
                    max_row = max_row.max(row.saturating_add(rows_repeat));
                }
            }
            Event::Start(e)
                if matches!(e.local_name().as_ref(), "table-cell" | "covered-table-cell") =>
            {
                open_cell = Some(repeat(&e, "table:number-columns-repeated"));
            }
            Event::End(e)
                if matches!(e.local_name().as_ref(), "table-cell" | "covered-table-cell") =>
            {
                // A cell with content (a `text:p`, a value) counts with all its repeats.
                column = column.saturating_add(open_cell.take().unwrap_or(1));
                max_column = max_column.max(column);
                max_row = max_row.max(row.saturating_add(rows_repeat));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    largest.max(max_row.saturating_mul(max_column))
}

/// The header row of one sheet (its first row with a value) and where cells go.
#[derive(Default)]
struct Columns {
    header_row: Option<u32>,
    headers: HashMap<u32, String>,
}

impl Columns {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        job: &mut Job<'_>,
        origin: &SegmentOrigin,
        sheet: &str,
        row: u32,
        column: u32,
        text: String,
        is_text: bool,
    ) {
        let header_row = *self.header_row.get_or_insert(row);
        let context = if row == header_row {
            if is_text && looks_like_label(&text) {
                self.headers.insert(column, text.clone());
            }
            None
        } else {
            self.headers.get(&column).cloned()
        };
        let cell_origin = SegmentOrigin {
            sheet: Some(sheet.to_owned()),
            cell: Some(a1(row, column)),
            ..origin.clone()
        };
        job.push(text, cell_origin, context);
    }
}

pub(super) fn looks_like_label(text: &str) -> bool {
    text.chars().count() <= 60 && !text.chars().any(|c| c.is_ascii_digit())
}

/// `A1` for row 0, column 0; `AA10` for row 9, column 26.
pub(super) fn a1(row: u32, column: u32) -> String {
    format!("{}{}", column_letters(column + 1), u64::from(row) + 1)
}

/// Spreadsheet column letters for a 1-based column: 1 → A, 26 → Z, 27 → AA.
pub(super) fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    while column > 0 {
        let rem = (column - 1) % 26;
        letters.push(b'A' + rem as u8);
        column = (column - 1) / 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

/// A cell's text, and whether it was text (not a number, date or boolean) in the workbook.
fn data_ref_text(value: &DataRef<'_>) -> Option<(String, bool)> {
    let text = match value {
        DataRef::Empty => return None,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            return non_empty(s.clone(), true);
        }
        DataRef::SharedString(s) => return non_empty((*s).to_owned(), true),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_number(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => format_date(d),
        DataRef::Error(_) => return None,
    };
    Some((text, false))
}

fn data_text(value: &Data) -> Option<(String, bool)> {
    let text = match value {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            return non_empty(s.clone(), true);
        }
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => format_date(d),
    };
    Some((text, false))
}

fn non_empty(s: String, is_text: bool) -> Option<(String, bool)> {
    (!s.trim().is_empty()).then_some((s, is_text))
}

/// A number as a spreadsheet shows it: integers as their digits, fractions at Excel's 15
/// significant digits so binary noise (`0.30000000000000004`) does not show.
pub(super) fn format_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    // Integral values up to 2^63 print exactly (Rust's Display never uses an exponent).
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

/// An Excel date serial as `YYYY-MM-DD` (with the time when it has one).
fn format_date(d: &calamine::ExcelDateTime) -> String {
    let serial = d.as_f64();
    if d.is_duration() || !(0.0..2_958_466.0).contains(&serial) {
        return format_number(serial);
    }
    let Some(epoch) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return format_number(serial);
    };
    let days = serial.trunc() as i64;
    let seconds = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    let Some(date) = epoch.checked_add_signed(chrono::Duration::days(days)) else {
        return format_number(serial);
    };
    if seconds == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let time = date
            .and_hms_opt(0, 0, 0)
            .map(|t| t + chrono::Duration::seconds(seconds));
        time.map_or_else(
            || format_number(serial),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ods_area_counts_repeats_of_values_but_not_padding() {
        let ns = r#"xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#;
        let padded = format!(
            r#"<office:document-content {ns}><table:table><table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1023"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table></office:document-content>"#
        );
        assert_eq!(ods_sheet_area(padded.as_bytes()), 1);
        let bomb = format!(
            r#"<office:document-content {ns}><table:table><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"/></table:table-row></table:table></office:document-content>"#
        );
        assert_eq!(ods_sheet_area(bomb.as_bytes()), 16_000_000_000);
    }

    #[test]
    fn column_letters_are_bijective_base_26() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(52), "AZ");
        assert_eq!(column_letters(703), "AAA");
        assert_eq!(column_letters(16_384), "XFD");
    }

    #[test]
    fn a1_references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(9, 25), "Z10");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(format_number(4111111111111111.0), "4111111111111111");
        assert_eq!(format_number(536221234.0), "536221234");
        assert_eq!(format_number(5551234567.0), "5551234567");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-12.5), "-12.5");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }
}
