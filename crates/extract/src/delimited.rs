//! Delimited text (CSV, TSV) read as a table: where every field lies in the file.
//!
//! A CSV's first record is nearly always its column headers, and a header is often the only
//! thing that says what a field is: `22/05/1977` under "Date of birth", `584` under "CVV". So
//! the text extractor makes each field a segment of its own with its header as context, and
//! for that it needs each field's byte span in the file, not its unescaped value — which is
//! why this is a small scanner of its own rather than a CSV library's reader: a quoted field is
//! reported as the bytes between its quotes (a doubled `""` stays doubled), so a finding's
//! offsets are the file's.
//!
//! Files named `.csv`, `.tsv` or `.tab` are read as tables when they parse; any other text
//! only when it looks unmistakably like one (see [`sniff_delimiter`]). A quote that never
//! closes makes the text plain text again, never an error.

use std::ops::Range;

use super::sheet::looks_like_label;
use super::table_text::{Cell, Table};

/// Most records sniffed for a delimiter in a file not named as delimited text.
const SNIFF_RECORDS: usize = 64;

/// The table of a delimited text, or `None` when `text` is not one.
pub(super) fn table(text: &str, file_name: &str, max_cells: usize) -> Option<Table> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let delimiter = match extension.as_deref() {
        Some("tsv" | "tab") => b'\t',
        Some("csv") => sniff_delimiter(text, false).unwrap_or(b','),
        _ => sniff_delimiter(text, true)?,
    };
    read(text, delimiter, max_cells)
}

/// Reads the records of `text` while they fit in `max_cells` fields; `None` when a quoted
/// field is never closed or no record after the header fits.
fn read(text: &str, delimiter: u8, max_cells: usize) -> Option<Table> {
    let mut records = Records::new(text, delimiter);
    let mut cells = Vec::new();
    let mut end = 0;
    let mut rows = 0u32;
    for record in records.by_ref() {
        let fields = record.ok()?;
        if cells.len() + fields.len() > max_cells {
            break;
        }
        end = fields.last().map_or(end, |f| f.record_end);
        for (column, field) in fields.into_iter().enumerate() {
            cells.push(Cell {
                span: field.span,
                row: rows,
                column: u32::try_from(column).unwrap_or(u32::MAX),
            });
        }
        rows += 1;
    }
    (rows > 1).then_some(Table {
        region: 0..end,
        cells,
    })
}

/// The delimiter (`,`, tab or `;`) every sniffed record splits into the same number of
/// fields by, at least two. With `strict`, as for a file whose name does not say it is
/// delimited text, the header must also read as headers: every field short, with a letter and
/// without digits, and at least two records below it.
fn sniff_delimiter(text: &str, strict: bool) -> Option<u8> {
    [b',', b'\t', b';'].into_iter().find(|&delimiter| {
        let mut records = Records::new(text, delimiter).take(SNIFF_RECORDS);
        let Some(Ok(header)) = records.next() else {
            return false;
        };
        let columns = header.len();
        if columns < 2
            || (strict
                && !header
                    .iter()
                    .all(|f| looks_like_header(&text[f.span.clone()])))
        {
            return false;
        }
        let mut body = 0;
        for record in records {
            match record {
                Ok(fields) if fields.len() == columns => body += 1,
                _ => return false,
            }
        }
        body >= if strict { 2 } else { 1 }
    })
}

/// A header names its column like a spreadsheet's label row does, and has a letter: a row of
/// blanks and punctuation names nothing.
fn looks_like_header(field: &str) -> bool {
    let field = field.trim();
    looks_like_label(field) && field.chars().any(char::is_alphabetic)
}

struct Field {
    /// The field's content: inside its quotes when quoted, without surrounding spaces.
    span: Range<usize>,
    /// Where the field's record ends (before its line break).
    record_end: usize,
}

/// Records of a delimited text, each a list of fields; an `Err` for a quoted field that never
/// closes, after which there are no more records. Blank lines are no records.
struct Records<'a> {
    text: &'a [u8],
    delimiter: u8,
    at: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, delimiter: u8) -> Self {
        Records {
            text: text.as_bytes(),
            delimiter,
            at: 0,
        }
    }

    /// One field starting at `self.at`; leaves `self.at` on the byte after it (a delimiter,
    /// a line break or the end).
    fn field(&mut self) -> Result<Range<usize>, ()> {
        let text = self.text;
        let mut start = self.at;
        while start < text.len() && text[start] == b' ' {
            start += 1;
        }
        if text.get(start) == Some(&b'"') {
            let mut i = start + 1;
            loop {
                match text[i..].iter().position(|&b| b == b'"') {
                    None => return Err(()),
                    Some(q) if text.get(i + q + 1) == Some(&b'"') => i += q + 2,
                    Some(q) => {
                        let close = i + q;
                        // Anything between the closing quote and the delimiter is kept out of
                        // the field but skipped, as lenient readers do.
                        self.at = close + 1;
                        while self.at < text.len()
                            && !matches!(text[self.at], b'\n')
                            && text[self.at] != self.delimiter
                        {
                            self.at += 1;
                        }
                        return Ok(start + 1..close);
                    }
                }
            }
        }
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n' || b == self.delimiter)
            .map_or(text.len(), |p| start + p);
        self.at = end;
        let mut trimmed = end;
        while trimmed > start && text[trimmed - 1] == b' ' {
            trimmed -= 1;
        }
        Ok(start..trimmed)
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Vec<Field>, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.text.get(self.at) == Some(&b'\n') {
            self.at += 1;
        }
        if self.at >= self.text.len() {
            return None;
        }
        let mut spans = Vec::new();
        loop {
            match self.field() {
                Ok(span) => spans.push(span),
                Err(()) => {
                    self.at = self.text.len();
                    return Some(Err(()));
                }
            }
            match self.text.get(self.at) {
                Some(&b) if b == self.delimiter => self.at += 1,
                _ => break,
            }
        }
        let record_end = self.at;
        Some(Ok(spans
            .into_iter()
            .map(|span| Field { span, record_end })
            .collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells<'a>(text: &'a str, name: &str) -> Option<Vec<(u32, u32, &'a str)>> {
        let table = table(text, name, usize::MAX)?;
        Some(
            table
                .cells
                .iter()
                .map(|c| (c.row, c.column, &text[c.span.clone()]))
                .collect(),
        )
    }

    #[test]
    fn quoted_fields_keep_their_delimiters_and_line_breaks() {
        let text = "name,address,dob\n\"Ada\",\"1 Main St, Leeds\nLS1 1AA\",1970-01-02\nBob, \"say \"\"hi\"\"\" ,x\n";
        let got = cells(text, "people.csv").unwrap();
        assert_eq!(
            got,
            [
                (0, 0, "name"),
                (0, 1, "address"),
                (0, 2, "dob"),
                (1, 0, "Ada"),
                (1, 1, "1 Main St, Leeds\nLS1 1AA"),
                (1, 2, "1970-01-02"),
                (2, 0, "Bob"),
                (2, 1, "say \"\"hi\"\""),
                (2, 2, "x"),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_is_no_table() {
        assert!(cells("a,b\n\"never closed,1\n", "x.csv").is_none());
        assert!(cells("just a header\n", "x.csv").is_none());
    }

    #[test]
    fn tabs_and_semicolons_are_found_by_the_records_they_split_alike() {
        let got = cells("Name\tIBAN\nZoe\tDE89\n", "export.tsv").unwrap();
        assert_eq!(got[3], (1, 1, "DE89"));
        let got = cells("Name;Phone\nZoe;0151 1\nAl;0151 2\n", "export.csv").unwrap();
        assert_eq!(got[3], (1, 1, "0151 1"));
    }

    #[test]
    fn text_not_named_delimited_needs_headers_and_consistent_records() {
        let table = "Name,SSN,City\nAda,078-05-1120,Leeds\nBob,219-09-9999,York\n";
        assert!(cells(table, "export.txt").is_some());
        assert!(cells(table, "export").is_some());
        // One body row is too little to tell a table from a sentence.
        assert!(cells("Name,SSN\nAda,078-05-1120\n", "notes.txt").is_none());
        let prose = "Hello, world, again\nThis line, has, three commas, here\nand this one none\n";
        assert!(cells(prose, "notes.txt").is_none());
        let log = "2024-01-01 10:00:00,123,INFO\n2024-01-01 10:00:01,456,WARN\n2024-01-01 10:00:02,789,INFO\n";
        assert!(cells(log, "app.log").is_none());
    }

    #[test]
    fn cells_past_the_limit_stay_out_of_the_table() {
        let text = "a,b\n1,2\n3,4\n5,6\n";
        let table = table(text, "x.csv", 5).unwrap();
        assert_eq!(table.cells.len(), 4);
        assert_eq!(&text[table.region.clone()], "a,b\n1,2");
    }
}
