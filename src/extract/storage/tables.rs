//! Where a table cell sits: `table N` and an A1 reference, the way a reviewer would find it.
//!
//! Positions follow the HTML table model: `colspan` moves later cells of the row right, and
//! `rowspan` moves cells of the rows below right past the columns it still covers.

use crate::domain::SegmentOrigin;

/// HTML caps spans at these values; they also bound the bookkeeping a crafted table can cause.
const MAX_COLSPAN: u32 = 1_000;
const MAX_ROWSPAN: u32 = 65_534;
/// Columns past this (Excel's last column, XFD) get positions but no rowspan tracking.
const MAX_TRACKED_COLUMNS: usize = 16_384;

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
}

impl Tables {
    pub(super) fn open_table(&mut self) {
        self.started = self.started.saturating_add(1);
        self.open.push(OpenTable {
            number: self.started,
            row: 0,
            next_column: 0,
            covered: Vec::new(),
        });
    }

    pub(super) fn close_table(&mut self) {
        self.open.pop();
    }

    pub(super) fn start_row(&mut self) {
        if let Some(table) = self.open.last_mut() {
            table.row = table.row.saturating_add(1);
            table.next_column = 0;
            for rows in &mut table.covered {
                *rows = rows.saturating_sub(1);
            }
        }
    }

    /// Places a cell in the innermost table's current row and returns its origin; `None` for a
    /// cell outside any table.
    pub(super) fn place_cell(&mut self, colspan: u32, rowspan: u32) -> Option<SegmentOrigin> {
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
        Some(SegmentOrigin {
            sheet: Some(format!("table {}", table.number)),
            cell: Some(format!("{}{}", column_letters(column + 1), table.row)),
            ..SegmentOrigin::default()
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(tables: &mut Tables, colspan: u32, rowspan: u32) -> String {
        let origin = tables.place_cell(colspan, rowspan).unwrap();
        format!("{}!{}", origin.sheet.unwrap(), origin.cell.unwrap())
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
        assert_eq!(t.place_cell(1, 1), None);
    }

    #[test]
    fn huge_spans_are_bounded() {
        let mut t = Tables::default();
        t.open_table();
        t.start_row();
        for _ in 0..100 {
            t.place_cell(u32::MAX, u32::MAX);
        }
        assert!(t.open[0].covered.len() <= MAX_TRACKED_COLUMNS);
    }
}
