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
    let bytes = text.as_bytes();
    let mut tables = Vec::new();
    let mut budget = max_cells;
    // Every separator row holds a pipe, so only lines with one are looked at: nearly every
    // line of a text is in no table, and walking each line cost a local scan of source code
    // 5% of its CPU.
    let mut search = 0;
    while let Some(found) = bytes
        .get(search..)
        .and_then(|rest| memchr::memchr(b'|', rest))
    {
        let separator = line_around(bytes, search + found);
        search = separator.end + 1;
        let Some(columns) = separator_columns(&text[separator.clone()]) else {
            continue;
        };
        // The header is the line before. It is no row of an earlier table: those rows run
        // on while lines hold a pipe, so they would have taken this separator too.
        let Some(header_end) = separator.start.checked_sub(1) else {
            continue;
        };
        let header = line_around(bytes, header_end);
        if memchr::memchr(b'|', &bytes[header.clone()]).is_none() {
            continue;
        }
        let header_cells = row_cells(text, header.clone());
        if header_cells.len() != columns {
            continue;
        }
        let mut rows = vec![(header.clone(), header_cells)];
        let mut lines = Lines::starting_at(text, separator.end + 1).peekable();
        // Past the budget the search ends; otherwise every row is taken.
        while let Some(line) =
            lines.next_if(|l| text[l.clone()].contains('|') && !text[l.clone()].trim().is_empty())
        {
            search = line.end + 1;
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

/// The line holding byte `at`, without its line break.
fn line_around(bytes: &[u8], at: usize) -> Range<usize> {
    let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    start..end
}

/// Byte ranges of the lines of a text, without their line breaks.
struct Lines<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Lines<'a> {
    fn starting_at(text: &'a str, at: usize) -> Self {
        Lines { text, at }
    }
}

impl Iterator for Lines<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.at >= self.text.len() {
            return None;
        }
        let start = self.at;
        let end = memchr::memchr(b'\n', &self.text.as_bytes()[start..])
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

    /// A table as the tests compare them: its region, and its cells' spans, rows and columns.
    type Found = (Range<usize>, Vec<(Range<usize>, u32, u32)>);

    /// The tables as found by walking every line in turn, header candidate after header
    /// candidate: what the search by pipes must agree with.
    fn tables_line_by_line(text: &str, max_cells: usize) -> Vec<Found> {
        let mut tables = Vec::new();
        let mut budget = max_cells;
        let mut lines = Lines::starting_at(text, 0).peekable();
        while let Some(header) = lines.next() {
            let Some(separator) = lines.peek() else {
                break;
            };
            let Some(columns) = separator_columns(&text[separator.clone()]) else {
                continue;
            };
            let header_cells = row_cells(text, header.clone());
            if !text[header.clone()].contains('|') || header_cells.len() != columns {
                continue;
            }
            lines.next();
            let mut rows = vec![(header.clone(), header_cells)];
            while let Some(line) = lines
                .next_if(|l| text[l.clone()].contains('|') && !text[l.clone()].trim().is_empty())
            {
                rows.push((line.clone(), row_cells(text, line)));
            }
            let (mut cells, mut end) = (Vec::new(), header.start);
            for (row, (line, spans)) in rows.into_iter().enumerate() {
                if spans.len() > budget {
                    budget = 0;
                    break;
                }
                budget -= spans.len();
                end = line.end;
                for (column, span) in spans.into_iter().enumerate() {
                    cells.push((span, row as u32, column as u32));
                }
            }
            if !cells.is_empty() {
                tables.push((header.start..end, cells));
            }
            if budget == 0 {
                break;
            }
        }
        tables
    }

    #[test]
    fn the_search_by_pipes_finds_what_a_walk_over_every_line_finds() {
        // Texts of table bytes in random order, so that separators, headers, blank lines and
        // tables next to tables come in every arrangement.
        const BYTES: &[u8] = b"||||---:: a\\n\n\n\r";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut tables_seen = 0;
        for _ in 0..40_000 {
            let len = (next() % 48) as usize;
            let text: String = (0..len)
                .map(|_| BYTES[(next() % BYTES.len() as u64) as usize] as char)
                .collect();
            let budget = [usize::MAX, 3, 7][(next() % 3) as usize];
            let found: Vec<_> = markdown_tables(&text, budget)
                .into_iter()
                .map(|t| {
                    let cells = t
                        .cells
                        .into_iter()
                        .map(|c| (c.span, c.row, c.column))
                        .collect();
                    (t.region, cells)
                })
                .collect();
            tables_seen += found.len();
            assert_eq!(found, tables_line_by_line(&text, budget), "{text:?}");
        }
        assert!(
            tables_seen > 500,
            "too few tables to compare: {tables_seen}"
        );
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
