//! Tables written in plain text: the shape the text extractor turns into one segment per
//! cell, and Markdown pipe tables found in any text.
//!
//! A pipe table is a header row, a separator row of dashes (`|---|:--:|`) with as many
//! columns, and the body rows below, up to a blank line or a line without a pipe (the
//! GitHub-flavoured Markdown grammar). Cells are split on unescaped pipes; a cell's span is
//! its text without the surrounding spaces.

use std::ops::Range;

/// A table inside a text.
#[derive(Debug)]
pub(super) struct Table {
    /// The bytes the table covers, from its first row to its last (not the line break after).
    pub region: Range<usize>,
    /// Its non-separator cells in text order; row 0 is the header row.
    pub cells: Vec<Cell>,
}

#[derive(Debug)]
pub(super) struct Cell {
    /// Where the cell's text lies in the text.
    pub span: Range<usize>,
    pub row: u32,
    pub column: u32,
}

/// The pipe tables of `text`, in order, with at most `max_cells` cells in all: rows past the
/// limit stay plain text.
pub(super) fn markdown_tables(text: &str, max_cells: usize) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut budget = max_cells;
    let mut lines = Lines::new(text).peekable();
    while let Some(header) = lines.next() {
        let Some(separator) = lines.peek() else {
            break;
        };
        // Cheapest test first: nearly every line of a text is in no table, and splitting
        // each into cells (a vector a line) cost a local scan of source code 7% of its CPU.
        let Some(columns) = separator_columns(&text[separator.clone()]) else {
            continue;
        };
        if memchr::memchr(b'|', text[header.clone()].as_bytes()).is_none() {
            continue;
        }
        let header_cells = row_cells(text, header.clone());
        if header_cells.len() != columns {
            continue;
        }
        lines.next();
        let mut rows = vec![(header.clone(), header_cells)];
        while let Some(line) =
            lines.next_if(|l| text[l.clone()].contains('|') && !text[l.clone()].trim().is_empty())
        {
            let cells = row_cells(text, line.clone());
            rows.push((line, cells));
        }
        let mut cells = Vec::new();
        let mut end = header.start;
        for (row, (line, spans)) in rows.into_iter().enumerate() {
            if spans.len() > budget {
                budget = 0;
                break;
            }
            budget -= spans.len();
            end = line.end;
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            for (column, span) in spans.into_iter().enumerate() {
                let column = u32::try_from(column).unwrap_or(u32::MAX);
                cells.push(Cell { span, row, column });
            }
        }
        if !cells.is_empty() {
            tables.push(Table {
                region: header.start..end,
                cells,
            });
        }
        if budget == 0 {
            break;
        }
    }
    tables
}

/// Byte ranges of the lines of a text, without their line breaks.
struct Lines<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines { text, at: 0 }
    }
}

impl Iterator for Lines<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.at >= self.text.len() {
            return None;
        }
        let start = self.at;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |p| start + p);
        self.at = end + 1;
        Some(start..end)
    }
}

/// The spans of the cells of the row on `line`: split on pipes not escaped with a backslash,
/// without the optional outer pipes, each trimmed of spaces.
fn row_cells(text: &str, line: Range<usize>) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut start = line.start;
    let mut end = line.end;
    while start < end && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if bytes.get(start) == Some(&b'|') {
        start += 1;
    }
    if end > start && bytes[end - 1] == b'|' && (end - 1 == start || bytes[end - 2] != b'\\') {
        end -= 1;
    }
    let mut cells = Vec::new();
    let mut cell_start = start;
    for i in start..=end {
        if i == end || (bytes[i] == b'|' && (i == start || bytes[i - 1] != b'\\')) {
            cells.push(trimmed(bytes, cell_start..i));
            cell_start = i + 1;
        }
    }
    cells
}

fn trimmed(bytes: &[u8], mut span: Range<usize>) -> Range<usize> {
    while span.start < span.end && bytes[span.start].is_ascii_whitespace() {
        span.start += 1;
    }
    while span.end > span.start && bytes[span.end - 1].is_ascii_whitespace() {
        span.end -= 1;
    }
    span
}

/// How many columns a separator row (`| --- | :-: |`) has; `None` for any other line.
fn separator_columns(line: &str) -> Option<usize> {
    // Only pipes, dashes, colons and spaces, with a pipe and a dash among them.
    let (mut pipe, mut dash) = (false, false);
    for b in line.bytes() {
        match b {
            b'|' => pipe = true,
            b'-' => dash = true,
            b':' | b' ' | b'\t' => {}
            _ => return None,
        }
    }
    if !pipe || !dash {
        return None;
    }
    let cells = row_cells(line, 0..line.len());
    cells
        .iter()
        .all(|span| {
            let cell = line[span.clone()]
                .trim_start_matches(':')
                .trim_end_matches(':');
            !cell.is_empty() && cell.bytes().all(|b| b == b'-')
        })
        .then_some(cells.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<(u32, u32, &str)>> {
        markdown_tables(text, usize::MAX)
            .iter()
            .map(|t| {
                t.cells
                    .iter()
                    .map(|c| (c.row, c.column, &text[c.span.clone()]))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn header_separator_and_body_rows_make_a_table() {
        let text = "# Staff\n\n| Name | DOB |\n|------|:---:|\n| Ada  | 1970-01-02 |\n| Bob | |\n\nAfter.\n";
        let tables = markdown_tables(text, usize::MAX);
        assert_eq!(tables.len(), 1);
        assert_eq!(
            &text[tables[0].region.clone()],
            "| Name | DOB |\n|------|:---:|\n| Ada  | 1970-01-02 |\n| Bob | |"
        );
        assert_eq!(
            cells(text),
            [vec![
                (0, 0, "Name"),
                (0, 1, "DOB"),
                (1, 0, "Ada"),
                (1, 1, "1970-01-02"),
                (2, 0, "Bob"),
                (2, 1, "")
            ]]
        );
    }

    #[test]
    fn outer_pipes_are_optional_and_escaped_pipes_stay_in_the_cell() {
        let text = "Key | Value\n--- | ---\npattern | a\\|b\n";
        assert_eq!(
            cells(text),
            [vec![
                (0, 0, "Key"),
                (0, 1, "Value"),
                (1, 0, "pattern"),
                (1, 1, "a\\|b")
            ]]
        );
    }

    #[test]
    fn no_separator_row_or_a_different_column_count_is_no_table() {
        assert!(cells("| a | b |\n| c | d |\n").is_empty());
        assert!(cells("| a | b |\n|---|\n| c | d |\n").is_empty());
        assert!(cells("a - b\n---\ntext\n").is_empty());
        assert!(cells("Title\n-----\n| x |\n").is_empty());
    }

    #[test]
    fn two_tables_and_a_budget() {
        let text = "|a|b|\n|-|-|\n|1|2|\n\n|c|\n|-|\n|3|\n|4|\n";
        assert_eq!(cells(text).len(), 2);
        let limited = markdown_tables(text, 5);
        assert_eq!(limited.len(), 2);
        assert_eq!(limited[1].cells.len(), 1);
        assert_eq!(&text[limited[1].region.clone()], "|c|");
    }
}
