//! The user's search text and the filters, turned into one tantivy query.
//!
//! The text is parsed here rather than by tantivy's `QueryParser`: its field syntax, ranges
//! and boolean operators are more than a findings search box needs, and every one of them is a
//! way for odd input to error or to cost a lot. This grammar cannot fail:
//!
//! - words separated by whitespace must all match (AND), each in any text field;
//! - a word that the tokenizer splits (`aws-access-key`, `AKIA****MPLE`, `customers.csv`) is
//!   a phrase: its parts in that order, in one field;
//! - `"quoted words"` is a phrase too (an unclosed quote runs to the end);
//! - a leading `-` excludes (`-resolved`);
//! - anything else (`field:`, parentheses, `*`, `OR`) is just text: punctuation separates
//!   words, and `OR` is the word "or".
//!
//! Text with words in it but none that can match anything (only punctuation, say) matches
//! nothing. Only the first [`MAX_Q_BYTES`] bytes and [`MAX_CLAUSES`] clauses count, so a 10 kB
//! paste costs what a sentence does.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::error::SearchError;
use crate::model::SearchFilters;
use crate::schema::{Fields, TEXT_FIELDS, severity_rank};

pub(crate) const MAX_Q_BYTES: usize = 1024;
pub(crate) const MAX_CLAUSES: usize = 16;
/// Words of a phrase past this are ignored, which only widens the match.
const MAX_PHRASE_WORDS: usize = 16;

/// One clause of the search text: words that must appear in this order in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clause {
    pub exclude: bool,
    pub words: Vec<String>,
}

/// What the search text asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Text {
    /// Blank: everything the filters let through.
    Everything,
    /// Words were typed but none can match: nothing.
    Nothing,
    Clauses(Vec<Clause>),
}

pub(crate) fn parse_text(q: &str, analyzer: &mut TextAnalyzer) -> Text {
    if q.trim().is_empty() {
        return Text::Everything;
    }
    let clauses: Vec<Clause> = split(truncate(q, MAX_Q_BYTES))
        .into_iter()
        .filter_map(|(exclude, raw)| {
            let mut words = Vec::new();
            let mut stream = analyzer.token_stream(raw);
            while let Some(token) = stream.next() {
                if words.len() == MAX_PHRASE_WORDS {
                    break;
                }
                words.push(token.text.clone());
            }
            (!words.is_empty()).then_some(Clause { exclude, words })
        })
        .take(MAX_CLAUSES)
        .collect();
    // Only exclusions (`-resolved`) is "everything but": `build` adds the everything.
    if clauses.is_empty() {
        Text::Nothing
    } else {
        Text::Clauses(clauses)
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Splits on whitespace, keeping `"quoted runs"` together; each piece says whether a `-`
/// led it.
fn split(q: &str) -> Vec<(bool, &str)> {
    let mut pieces = Vec::new();
    let mut rest = q;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return pieces;
        }
        let exclude = rest.starts_with('-');
        if exclude {
            rest = &rest[1..];
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            pieces.push((exclude, &quoted[..end]));
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            pieces.push((exclude, &rest[..end]));
            rest = &rest[end..];
        }
    }
}

/// The whole query: the text's clauses (scored) and the filters (not scored).
pub(crate) fn build(
    fields: &Fields,
    clauses: &[Clause],
    filters: &SearchFilters,
) -> Result<Box<dyn Query>, SearchError> {
    let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for clause in clauses {
        let occur = if clause.exclude {
            Occur::MustNot
        } else {
            Occur::Must
        };
        parts.push((occur, clause_query(fields, &clause.words)));
    }
    for filter in filter_queries(fields, filters)? {
        // Score 0: a filter decides membership, never order.
        parts.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    if !parts.iter().any(|(occur, _)| *occur == Occur::Must) {
        parts.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
        ));
    }
    Ok(Box::new(BooleanQuery::new(parts)))
}

/// The clause in any text field; a document scores the best field's weight.
fn clause_query(fields: &Fields, words: &[String]) -> Box<dyn Query> {
    let per_field = fields
        .text
        .iter()
        .zip(TEXT_FIELDS)
        .map(|(&field, (_, weight))| {
            let matcher: Box<dyn Query> = match words {
                [word] => Box::new(TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::Basic,
                )),
                _ => Box::new(PhraseQuery::new(
                    words
                        .iter()
                        .map(|word| Term::from_field_text(field, word))
                        .collect(),
                )),
            };
            Box::new(ConstScoreQuery::new(matcher, weight)) as Box<dyn Query>
        })
        .collect();
    Box::new(DisjunctionMaxQuery::new(per_field))
}

fn filter_queries(
    fields: &Fields,
    filters: &SearchFilters,
) -> Result<Vec<Box<dyn Query>>, SearchError> {
    let mut out: Vec<Box<dyn Query>> = Vec::new();
    let exact = [
        (fields.space_key, &filters.space_key),
        (fields.page_id, &filters.page_id),
        (fields.content_type, &filters.content_type),
        (fields.detector, &filters.detector),
        (fields.category, &filters.category),
        (fields.status, &filters.status),
    ];
    for (field, value) in exact {
        if let Some(value) = value {
            out.push(term(field, value));
        }
    }
    if let Some(min) = &filters.min_severity {
        let min = severity_rank(min).ok_or(SearchError::InvalidFilter(
            "min_severity must be low, medium, high or critical",
        ))?;
        // The ranks at and above `min`, from the inverted index (four short posting lists at
        // most) rather than a scan of the severity column.
        let ranks = (min..=4).map(|rank| Term::from_field_u64(fields.severity, rank));
        out.push(Box::new(TermSetQuery::new(ranks)));
    }
    if let Some(min) = filters.min_confidence {
        if min.is_nan() {
            return Err(SearchError::InvalidFilter(
                "min_confidence must be a number",
            ));
        }
        out.push(Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_f64(fields.confidence, min)),
            Bound::Unbounded,
        )));
    }
    let after = filters
        .first_seen_after_ms
        .map(|ms| Bound::Included(Term::from_field_i64(fields.first_seen_ms, ms)));
    let before = filters
        .first_seen_before_ms
        .map(|ms| Bound::Excluded(Term::from_field_i64(fields.first_seen_ms, ms)));
    // RangeQuery needs at least one bound; with neither there is no filter to add.
    if after.is_some() || before.is_some() {
        out.push(Box::new(RangeQuery::new(
            after.unwrap_or(Bound::Unbounded),
            before.unwrap_or(Bound::Unbounded),
        )));
    }
    Ok(out)
}

fn term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::analyzer;

    fn clauses(q: &str) -> Vec<(bool, Vec<&'static str>)> {
        match parse_text(q, &mut analyzer()) {
            Text::Clauses(clauses) => clauses
                .into_iter()
                .map(|c| {
                    let words = c
                        .words
                        .into_iter()
                        .map(|w| &*Box::leak(w.into_boxed_str()))
                        .collect();
                    (c.exclude, words)
                })
                .collect(),
            other => panic!("{q:?} parsed to {other:?}"),
        }
    }

    #[test]
    fn words_phrases_and_exclusions() {
        assert_eq!(
            clauses("AKIA prod"),
            [(false, vec!["akia"]), (false, vec!["prod"])]
        );
        assert_eq!(
            clauses("aws-access-key"),
            [(false, vec!["aws", "access", "key"])]
        );
        assert_eq!(
            clauses(r#""customer list" -resolved"#),
            [(false, vec!["customer", "list"]), (true, vec!["resolved"]),]
        );
        assert_eq!(
            clauses(r#"detector:"aws"#),
            [(false, vec!["detector", "aws"])]
        );
        assert_eq!(clauses("-open"), [(true, vec!["open"])]);
    }

    #[test]
    fn blank_is_everything_and_punctuation_is_nothing() {
        let mut a = analyzer();
        assert_eq!(parse_text("", &mut a), Text::Everything);
        assert_eq!(parse_text(" \t\n", &mut a), Text::Everything);
        for q in ["((", "\"", "-", "*:*", "-\"\"", "!@#$%^&*()"] {
            assert_eq!(parse_text(q, &mut a), Text::Nothing, "{q:?}");
        }
    }

    #[test]
    fn long_text_is_capped() {
        let q = "word ".repeat(5_000);
        assert_eq!(clauses(&q).len(), MAX_CLAUSES);
        let q = "a-".repeat(5_000);
        assert_eq!(clauses(&q)[0].1.len(), MAX_PHRASE_WORDS);
        // A cut in the middle of a multi-byte character is moved back to its start.
        let q = "é ".repeat(1000);
        assert!(!q.is_char_boundary(MAX_Q_BYTES));
        assert_eq!(clauses(&q)[0], (false, vec!["e"]));
    }
}
