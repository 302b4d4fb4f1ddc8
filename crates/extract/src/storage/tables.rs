//! Where a table cell sits: `table N` and an A1 reference, the way a reviewer would find it;
//! and what heads it: the column and row headers a reader looks up to know what a cell means.
//!
//! Positions follow the HTML table model: `colspan` moves later cells of the row right, and
//! `rowspan` moves cells of the rows below right past the columns it still covers.
//!
//! Headers: the leading rows made only of `th` cells are column-header rows (a title row over
//! grouped headers over headers reads "Contact Phone"); a row that starts with a `th` has that
//! cell as its row header. A data cell's context is its column header, then its row header,
//! joined by " / ". Most PII in a wiki sits in tables under a "SSN" or "NPI" column, where the
//! cell itself holds nothing but the value.

use std::mem;
use std::ops::Range;

use crate::sheet::column_letters;
use dlp_domain::SegmentOrigin;

/// HTML caps spans at these values; they also bound the bookkeeping a crafted table can cause.
const MAX_COLSPAN: u32 = 1_000;
const MAX_ROWSPAN: u32 = 65_534;
/// Columns past this (Excel's last column, XFD) get positions but no rowspan tracking.
const MAX_TRACKED_COLUMNS: usize = 16_384;
/// Longest context a cell carries, in characters: a header is a few words, and a crafted
/// one must not make every cell below it carry a page of text.
pub(super) const MAX_CONTEXT_CHARS: usize = 200;
/// Leading header rows that make column headers; more is a table of headers, not a header.
const MAX_HEADER_ROWS: usize = 4;

/// `th` or `td`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CellKind {
    Header,
    Data,
}

/// Where a cell sits, and what a reader sees next to it.
#[derive(Debug)]
pub(super) struct PlacedCell {
    pub(super) origin: SegmentOrigin,
    /// A data cell's column header and row header, joined by " / "; `None` for a header cell
    /// and for a data cell without headers.
    pub(super) context: Option<String>,
    /// A header cell's place, to hand its text to [`Tables::header_read`] once it is read.
    pub(super) header: Option<HeaderCell>,
}

/// A header cell whose text is being read.
#[derive(Debug)]
pub(super) struct HeaderCell {
    columns: Range<u32>,
    first_in_row: bool,
}

/// The text of a header cell and the columns it heads.
#[derive(Debug)]
struct HeaderSpan {
    columns: Range<u32>,
    text: String,
}

/// The tables open at the current point of the page, innermost last.
#[derive(Debug, Default)]
pub(super) struct Tables {
    /// Tables started so far on the page, nested ones included: the next table's number.
    started: u32,
    open: Vec<OpenTable>,
}

#[derive(Debug)]
struct OpenTable {
    number: u32,
    row: u32,
    next_column: u32,
    /// For each 0-based column, how many rows (counting the current one) a cell from a row
    /// above still covers.
    covered: Vec<u32>,
    /// Column headers: per leading header row, its header cells in column order.
    column_headers: Vec<Vec<HeaderSpan>>,
    /// No data cell seen yet, so a row of header cells is still a column-header row.
    in_header_rows: bool,
    /// Header cells of the current row, kept until the row ends as a header row.
    pending_headers: Vec<HeaderSpan>,
    row_has_data: bool,
    cells_in_row: u32,
    /// The current row's first cell's text, when that cell is a header cell.
    row_header: Option<String>,
}

impl OpenTable {
    fn end_row(&mut self) {
        let pending = mem::take(&mut self.pending_headers);
        if self.in_header_rows
            && !self.row_has_data
            && !pending.is_empty()
            && self.column_headers.len() < MAX_HEADER_ROWS
        {
            self.column_headers.push(pending);
        }
        self.row_has_data = false;
        self.cells_in_row = 0;
        self.row_header = None;
    }

    /// What heads a data cell over `columns`: the column headers above it, then the row header.
    fn context_of(&self, columns: &Range<u32>) -> Option<String> {
        let mut context = BoundedText::default();
        for row in &self.column_headers {
            // Cells of one row are placed left to right and never overlap.
            let first = row.partition_point(|span| span.columns.end <= columns.start);
            for span in row[first..]
                .iter()
                .take_while(|span| span.columns.start < columns.end)
            {
                if !context.append(" ", &span.text) {
                    break;
                }
            }
        }
        if let Some(row_header) = &self.row_header {
            context.append(" / ", row_header);
        }
        context.into_text()
    }
}

impl Tables {
    pub(super) fn open_table(&mut self) {
        self.started = self.started.saturating_add(1);
        self.open.push(OpenTable {
            number: self.started,
            row: 0,
            next_column: 0,
            covered: Vec::new(),
            column_headers: Vec::new(),
            in_header_rows: true,
            pending_headers: Vec::new(),
            row_has_data: false,
            cells_in_row: 0,
            row_header: None,
        });
    }

    pub(super) fn close_table(&mut self) {
        self.open.pop();
    }

    pub(super) fn start_row(&mut self) {
        if let Some(table) = self.open.last_mut() {
            table.end_row();
            table.row = table.row.saturating_add(1);
            table.next_column = 0;
            for rows in &mut table.covered {
                *rows = rows.saturating_sub(1);
            }
        }
    }

    /// Places a cell in the innermost table's current row and returns its origin and context;
    /// `None` for a cell outside any table.
    pub(super) fn place_cell(
        &mut self,
        colspan: u32,
        rowspan: u32,
        kind: CellKind,
    ) -> Option<PlacedCell> {
        let table = self.open.last_mut()?;
        if table.row == 0 {
            // A cell directly in a table without `tr`: count it as the first row.
            table.row = 1;
        }
        let covered = |column: u32| {
            table
                .covered
                .get(column as usize)
                .is_some_and(|&rows| rows > 0)
        };
        let mut column = table.next_column;
        while covered(column) {
            column += 1;
        }
        let colspan = colspan.clamp(1, MAX_COLSPAN);
        let rowspan = rowspan.clamp(1, MAX_ROWSPAN);
        table.next_column = column.saturating_add(colspan);
        if rowspan > 1 {
            let start = column as usize;
            let end = (start + colspan as usize).min(MAX_TRACKED_COLUMNS);
            if start < end {
                if table.covered.len() < end {
                    table.covered.resize(end, 0);
                }
                for rows in &mut table.covered[start..end] {
                    *rows = (*rows).max(rowspan);
                }
            }
        }
        table.cells_in_row = table.cells_in_row.saturating_add(1);
        let columns = column..column.saturating_add(colspan);
        let (context, header) = match kind {
            CellKind::Header => {
                let first_in_row = table.cells_in_row == 1;
                (
                    None,
                    Some(HeaderCell {
                        columns,
                        first_in_row,
                    }),
                )
            }
            CellKind::Data => {
                table.row_has_data = true;
                table.in_header_rows = false;
                (table.context_of(&columns), None)
            }
        };
        let origin = SegmentOrigin {
            sheet: Some(format!("table {}", table.number)),
            cell: Some(format!("{}{}", column_letters(column + 1), table.row)),
            ..SegmentOrigin::default()
        };
        Some(PlacedCell {
            origin,
            context,
            header,
        })
    }

    /// Records the text of a header cell placed by [`Tables::place_cell`], once the whole cell
    /// has been read. The innermost open table is the cell's own: tables nested in it are
    /// closed by the time it closes.
    pub(super) fn header_read(&mut self, cell: HeaderCell, text: &str) {
        let Some(table) = self.open.last_mut() else {
            return;
        };
        let mut bounded = BoundedText::default();
        bounded.append("", text);
        let Some(bounded) = bounded.into_text() else {
            return;
        };
        if cell.first_in_row {
            table.row_header = Some(bounded.clone());
        }
        if table.in_header_rows && !table.row_has_data {
            table.pending_headers.push(HeaderSpan {
                columns: cell.columns,
                text: bounded,
            });
        }
    }
}

/// Context text built from pieces, at most [`MAX_CONTEXT_CHARS`] characters: what does not
/// fit is cut at a character boundary. Appending costs what is appended, not what is held,
/// so a crafted table with thousands of header cells costs no more per data cell.
#[derive(Debug, Default)]
pub(crate) struct BoundedText {
    text: String,
    chars: usize,
}

impl BoundedText {
    /// Appends `separator` (unless nothing is held yet) and the trimmed `text`, as far as they
    /// fit. Returns whether there is room left.
    pub(crate) fn append(&mut self, separator: &str, text: &str) -> bool {
        let text = text.trim();
        if text.is_empty() {
            return self.chars < MAX_CONTEXT_CHARS;
        }
        let separator = if self.text.is_empty() { "" } else { separator };
        let separator_chars = separator.chars().count();
        let Some(room) = MAX_CONTEXT_CHARS
            .checked_sub(self.chars + separator_chars)
            .filter(|&room| room > 0)
        else {
            return false;
        };
        let (end, taken) = match text.char_indices().nth(room) {
            Some((end, _)) => (end, room),
            None => (text.len(), text.chars().count()),
        };
        self.text.push_str(separator);
        self.text.push_str(&text[..end]);
        self.chars += separator_chars + taken;
        self.chars < MAX_CONTEXT_CHARS
    }

    /// The text, or `None` when nothing was appended.
    pub(crate) fn into_text(self) -> Option<String> {
        (!self.text.is_empty()).then_some(self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(tables: &mut Tables, colspan: u32, rowspan: u32) -> String {
        let origin = tables
            .place_cell(colspan, rowspan, CellKind::Data)
            .unwrap()
            .origin;
        format!("{}!{}", origin.sheet.unwrap(), origin.cell.unwrap())
    }

    fn header(tables: &mut Tables, colspan: u32, text: &str) {
        let placed = tables.place_cell(colspan, 1, CellKind::Header).unwrap();
        assert_eq!(placed.context, None, "header cells get no context");
        tables.header_read(placed.header.unwrap(), text);
    }

    fn data_context(tables: &mut Tables, colspan: u32) -> Option<String> {
        tables
            .place_cell(colspan, 1, CellKind::Data)
            .unwrap()
            .context
    }

    #[test]
    fn colspan_advances_and_rowspan_covers_rows_below() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        assert_eq!(cell(&mut t, 1, 2), "table 1!A1");
        assert_eq!(cell(&mut t, 2, 1), "table 1!B1");
        assert_eq!(cell(&mut t, 1, 1), "table 1!D1");
        t.start_row();
        // A2 is still covered by the rowspan of A1.
        assert_eq!(cell(&mut t, 1, 1), "table 1!B2");
        t.start_row();
        assert_eq!(cell(&mut t, 1, 1), "table 1!A3");
    }

    #[test]
    fn nested_tables_are_numbered_in_page_order() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        assert_eq!(cell(&mut t, 1, 1), "table 1!A1");
        t.open_table();
        t.start_row();
        assert_eq!(cell(&mut t, 1, 1), "table 2!A1");
        t.close_table();
        assert_eq!(cell(&mut t, 1, 1), "table 1!B1");
        t.close_table();
        t.open_table();
        t.start_row();
        assert_eq!(cell(&mut t, 1, 1), "table 3!A1");
        t.close_table();
        assert!(t.place_cell(1, 1, CellKind::Data).is_none());
    }

    #[test]
    fn leading_header_rows_head_their_columns() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        header(&mut t, 1, "Name");
        header(&mut t, 2, "Contact");
        t.start_row();
        // Column A has no second-level header; B and C do.
        header(&mut t, 1, "");
        header(&mut t, 1, "Phone");
        header(&mut t, 1, "SSN");
        t.start_row();
        assert_eq!(data_context(&mut t, 1).as_deref(), Some("Name"));
        assert_eq!(data_context(&mut t, 1).as_deref(), Some("Contact Phone"));
        assert_eq!(data_context(&mut t, 1).as_deref(), Some("Contact SSN"));
        assert_eq!(data_context(&mut t, 1), None, "no header over column D");
        t.start_row();
        assert_eq!(
            data_context(&mut t, 3).as_deref(),
            Some("Name Contact Phone SSN"),
            "a wide cell reads every header over it"
        );
        t.start_row();
        // A row of headers after data is not a column-header row.
        header(&mut t, 1, "Totals");
        header(&mut t, 1, "Other");
        t.start_row();
        assert_eq!(data_context(&mut t, 1).as_deref(), Some("Name"));
    }

    #[test]
    fn a_leading_header_cell_heads_its_row() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        header(&mut t, 1, "Field");
        header(&mut t, 1, "Value");
        t.start_row();
        header(&mut t, 1, "SSN");
        assert_eq!(data_context(&mut t, 1).as_deref(), Some("Value / SSN"));
        t.start_row();
        assert_eq!(data_context(&mut t, 1).as_deref(), Some("Field"));
        header(&mut t, 1, "not a row header");
        assert_eq!(data_context(&mut t, 1), None);
    }

    #[test]
    fn headers_of_a_nested_table_stay_in_it() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        header(&mut t, 1, "NPI");
        t.start_row();
        let outer = t.place_cell(1, 1, CellKind::Data).unwrap();
        assert_eq!(outer.context.as_deref(), Some("NPI"));
        t.open_table();
        t.start_row();
        assert_eq!(data_context(&mut t, 1), None);
        t.close_table();
    }

    #[test]
    fn context_is_bounded_at_a_character_boundary() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        header(&mut t, 1, &"é".repeat(500));
        header(&mut t, 1, "Phone");
        t.start_row();
        let first = data_context(&mut t, 1).unwrap();
        assert_eq!(first, "é".repeat(MAX_CONTEXT_CHARS));

        let filled = |n: usize| {
            let mut text = BoundedText::default();
            assert!(text.append("", &"x".repeat(n)));
            text
        };
        let mut text = filled(MAX_CONTEXT_CHARS - 2);
        assert!(!text.append(" / ", "SSN"), "no room for a separator");
        assert_eq!(text.into_text().unwrap().len(), MAX_CONTEXT_CHARS - 2);
        let mut text = filled(MAX_CONTEXT_CHARS - 4);
        assert!(!text.append(" / ", "SSN"));
        assert!(text.into_text().unwrap().ends_with("x / S"));
        let mut text = BoundedText::default();
        assert!(text.append(" / ", "  "), "blank text adds nothing");
        assert!(text.append(" / ", " Name "));
        assert_eq!(text.into_text().as_deref(), Some("Name"));
        assert_eq!(BoundedText::default().into_text(), None);
    }

    #[test]
    fn huge_spans_are_bounded() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        for _ in 0..100 {
            t.place_cell(u32::MAX, u32::MAX, CellKind::Data);
        }
        assert!(t.open[0].covered.len() <= MAX_TRACKED_COLUMNS);
    }
}
