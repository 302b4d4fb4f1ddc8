//! Collecting one page: the first `limit` hits after the cursor in (sort key, id) order.
//!
//! Every order is mapped onto one `u64` key that sorts ascending (descending orders invert
//! it), with the id as the tie-breaker, so there is one comparison and one cursor format for
//! all of them. tantivy's `TopDocs` has no "search after" and breaks ties by doc address,
//! which changes with merges; this collector does both as the cursor needs.
//!
//! Cost: a matching document costs one column read and a compare; its id is read only when it
//! could enter the page. There is no pruning, so a query costs in proportion to its matches,
//! which is also what makes `total_hits` free.

use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::cursor::Position;
use crate::model::SearchSort;
use crate::schema::{FIRST_SEEN, ID_HI, ID_LO, LAST_SEEN, SEVERITY};

pub(crate) struct PageCollector {
    pub sort: SearchSort,
    pub limit: usize,
    pub after: Option<Position>,
}

/// The merged result of all segments.
pub(crate) struct Page {
    /// In order, at most `limit`.
    pub hits: Vec<Position>,
    /// Matches of the query, ignoring the cursor.
    pub matched: usize,
    /// Whether hits follow the last one returned.
    pub more: bool,
}

pub(crate) struct SegmentPage {
    top: Vec<Position>,
    matched: usize,
    after_cursor: usize,
}

impl Collector for PageCollector {
    type Fruit = Page;
    type Child = PageSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<PageSegmentCollector> {
        let columns = reader.fast_fields();
        let key = match self.sort {
            SearchSort::Relevance => KeySource::Score,
            SearchSort::FirstSeenAsc | SearchSort::FirstSeenDesc => {
                KeySource::I64(columns.column_first_or_default(FIRST_SEEN)?)
            }
            SearchSort::LastSeenAsc | SearchSort::LastSeenDesc => {
                KeySource::I64(columns.column_first_or_default(LAST_SEEN)?)
            }
            SearchSort::SeverityAsc | SearchSort::SeverityDesc => {
                KeySource::U64(columns.column_first_or_default(SEVERITY)?)
            }
        };
        let descending = matches!(
            self.sort,
            SearchSort::FirstSeenDesc | SearchSort::LastSeenDesc | SearchSort::SeverityDesc
        );
        Ok(PageSegmentCollector {
            key,
            descending,
            id_hi: columns.column_first_or_default(ID_HI)?,
            id_lo: columns.column_first_or_default(ID_LO)?,
            after: self.after,
            limit: self.limit,
            heap: BinaryHeap::with_capacity(self.limit.min(1024)),
            matched: 0,
            after_cursor: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == SearchSort::Relevance
    }

    fn merge_fruits(&self, segments: Vec<SegmentPage>) -> tantivy::Result<Page> {
        let mut hits: Vec<Position> = Vec::new();
        let (mut matched, mut after_cursor) = (0, 0);
        for segment in segments {
            hits.extend(segment.top);
            matched += segment.matched;
            after_cursor += segment.after_cursor;
        }
        hits.sort_unstable();
        hits.truncate(self.limit);
        Ok(Page {
            more: after_cursor > hits.len(),
            hits,
            matched,
        })
    }
}

enum KeySource {
    Score,
    I64(Arc<dyn ColumnValues<i64>>),
    U64(Arc<dyn ColumnValues<u64>>),
}

pub(crate) struct PageSegmentCollector {
    key: KeySource,
    descending: bool,
    id_hi: Arc<dyn ColumnValues<u64>>,
    id_lo: Arc<dyn ColumnValues<u64>>,
    after: Option<Position>,
    limit: usize,
    /// The best `limit` so far; the root is the worst of them.
    heap: BinaryHeap<Position>,
    matched: usize,
    after_cursor: usize,
}

impl PageSegmentCollector {
    fn key(&self, doc: DocId, score: Score) -> u64 {
        let ascending = match &self.key {
            // Best first: the higher the score, the smaller the key.
            KeySource::Score => return u64::from(!ordered_f32(score)),
            KeySource::I64(column) => ordered_i64(column.get_val(doc)),
            KeySource::U64(column) => column.get_val(doc),
        };
        if self.descending {
            !ascending
        } else {
            ascending
        }
    }

    fn id(&self, doc: DocId) -> u128 {
        (u128::from(self.id_hi.get_val(doc)) << 64) | u128::from(self.id_lo.get_val(doc))
    }
}

impl SegmentCollector for PageSegmentCollector {
    type Fruit = SegmentPage;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.matched += 1;
        let key = self.key(doc, score);
        let mut id = None;
        if let Some(after) = self.after {
            if key < after.key {
                return;
            }
            if key == after.key {
                let this = self.id(doc);
                if this <= after.id {
                    return;
                }
                id = Some(this);
            }
        }
        self.after_cursor += 1;
        if self.limit == 0 {
            return;
        }
        if self.heap.len() == self.limit {
            let worst = self.heap.peek().copied().unwrap_or(Position {
                key: u64::MAX,
                id: u128::MAX,
            });
            if key > worst.key {
                return;
            }
            let position = Position {
                key,
                id: id.unwrap_or_else(|| self.id(doc)),
            };
            if position < worst {
                self.heap.pop();
                self.heap.push(position);
            }
        } else {
            let id = id.unwrap_or_else(|| self.id(doc));
            self.heap.push(Position { key, id });
        }
    }

    fn harvest(self) -> SegmentPage {
        SegmentPage {
            top: self.heap.into_vec(),
            matched: self.matched,
            after_cursor: self.after_cursor,
        }
    }
}

/// An order-preserving map of f32 onto u32 (negative below positive, NaN at the ends).
fn ordered_f32(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | (1 << 31)
    }
}

fn ordered_i64(value: i64) -> u64 {
    (value as u64) ^ (1 << 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_maps_keep_order() {
        let floats = [f32::NEG_INFINITY, -2.5, -0.0, 0.0, 1.0, 3.0, f32::INFINITY];
        for pair in floats.windows(2) {
            assert!(ordered_f32(pair[0]) <= ordered_f32(pair[1]), "{pair:?}");
        }
        let ints = [i64::MIN, -1, 0, 1, i64::MAX];
        for pair in ints.windows(2) {
            assert!(ordered_i64(pair[0]) < ordered_i64(pair[1]), "{pair:?}");
        }
    }
}
