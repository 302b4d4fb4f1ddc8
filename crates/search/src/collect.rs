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
use tantivy::columnar::{Cardinality, Column, ColumnValues};
use tantivy::query::Weight;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, Score, SegmentOrdinal, SegmentReader};

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
                KeySource::I64(dense(columns.i64(FIRST_SEEN)?))
            }
            SearchSort::LastSeenAsc | SearchSort::LastSeenDesc => {
                KeySource::I64(dense(columns.i64(LAST_SEEN)?))
            }
            SearchSort::SeverityAsc | SearchSort::SeverityDesc => {
                KeySource::U64(dense(columns.u64(SEVERITY)?))
            }
        };
        let descending = matches!(
            self.sort,
            SearchSort::FirstSeenDesc | SearchSort::LastSeenDesc | SearchSort::SeverityDesc
        );
        Ok(PageSegmentCollector {
            key,
            descending,
            id_hi: dense(columns.u64(ID_HI)?),
            id_lo: dense(columns.u64(ID_LO)?),
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

    // tantivy's default hands over blocks of documents only in segments without deletes, and
    // one document at a time otherwise; updates leave deletes in most segments, so this
    // filters deleted documents out of each block itself and keeps the block path.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let mut collector = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        if self.requires_scoring() {
            weight.for_each(reader, &mut |doc, score| {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    collector.collect(doc, score);
                }
            })?;
        } else {
            let mut live = Vec::with_capacity(COLLECT_BLOCK_BUFFER_LEN);
            weight.for_each_no_score(reader, &mut |docs| match alive {
                None => collector.collect_block(docs),
                Some(alive) => {
                    live.clear();
                    live.extend(docs.iter().copied().filter(|&doc| alive.is_alive(doc)));
                    collector.collect_block(&live);
                }
            })?;
        }
        Ok(collector.harvest())
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

/// A column's values by document. Every document has every fast field, so columns are
/// full and the values can be read directly, skipping the per-read index lookup that
/// `first_or_default_col` does (a third of a sorted scan's time before this).
fn dense<T>(column: Column<T>) -> Arc<dyn ColumnValues<T>>
where
    T: PartialOrd + Copy + Default + std::fmt::Debug + Send + Sync + 'static,
{
    if column.get_cardinality() == Cardinality::Full {
        column.values
    } else {
        column.first_or_default_col(T::default())
    }
}

impl PageSegmentCollector {
    fn key(&self, doc: DocId, score: Score) -> u64 {
        match &self.key {
            // Best first: the higher the score, the smaller the key.
            KeySource::Score => u64::from(!ordered_f32(score)),
            KeySource::I64(column) => self.oriented(ordered_i64(column.get_val(doc))),
            KeySource::U64(column) => self.oriented(column.get_val(doc)),
        }
    }

    /// An ascending key, turned round for a descending sort.
    fn oriented(&self, ascending: u64) -> u64 {
        if self.descending {
            !ascending
        } else {
            ascending
        }
    }

    /// Counts the document, and keeps it if it is after the cursor and among the best
    /// `limit`. Ids are read only for documents that get that far.
    #[inline]
    fn offer(&mut self, doc: DocId, key: u64) {
        self.matched += 1;
        if let Some(after) = self.after
            && (key < after.key || (key == after.key && self.id(doc) <= after.id))
        {
            return;
        }
        self.after_cursor += 1;
        if self.heap.len() < self.limit {
            let id = self.id(doc);
            self.heap.push(Position { key, id });
            return;
        }
        let Some(&worst) = self.heap.peek() else {
            return; // limit 0: counting only
        };
        if key > worst.key {
            return;
        }
        // Ties on the key are the rule in a severity sort; the high half of the id settles
        // most of them without reading the low half.
        if key == worst.key && u128::from(self.id_hi.get_val(doc)) > worst.id >> 64 {
            return;
        }
        let position = Position {
            key,
            id: self.id(doc),
        };
        if position < worst {
            self.heap.pop();
            self.heap.push(position);
        }
    }

    fn id(&self, doc: DocId) -> u128 {
        (u128::from(self.id_hi.get_val(doc)) << 64) | u128::from(self.id_lo.get_val(doc))
    }
}

impl SegmentCollector for PageSegmentCollector {
    type Fruit = SegmentPage;

    fn collect(&mut self, doc: DocId, score: Score) {
        let key = self.key(doc, score);
        self.offer(doc, key);
    }

    // One virtual call per block rather than per document, for the sorted scans that visit
    // most of the index (a filter-only list of a million findings).
    fn collect_block(&mut self, docs: &[DocId]) {
        for docs in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            let mut keys = [0u64; COLLECT_BLOCK_BUFFER_LEN];
            let keys = &mut keys[..docs.len()];
            match &self.key {
                KeySource::Score => keys.fill(u64::from(!ordered_f32(0.0))),
                KeySource::I64(column) => {
                    let mut values = [0i64; COLLECT_BLOCK_BUFFER_LEN];
                    let values = &mut values[..docs.len()];
                    column.get_vals(docs, values);
                    for (key, &value) in keys.iter_mut().zip(values.iter()) {
                        *key = self.oriented(ordered_i64(value));
                    }
                }
                KeySource::U64(column) => {
                    column.get_vals(docs, keys);
                    for key in keys.iter_mut() {
                        *key = self.oriented(*key);
                    }
                }
            }
            for (&doc, &key) in docs.iter().zip(keys.iter()) {
                self.offer(doc, key);
            }
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
