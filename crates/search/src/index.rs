//! `FindingIndex`: opening (or rebuilding), applying batches in sequence order, searching.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tantivy::query::TermSetQuery;
use tantivy::schema::{IndexRecordOption, Schema};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TERMINATED};

use crate::collect::PageCollector;
use crate::cursor;
use crate::error::SearchError;
use crate::model::{IndexedFinding, SearchPage, SearchQuery};
use crate::query::{self, Text};
use crate::schema::{self, Fields, SCHEMA_VERSION, SEQ};
use crate::storage::{self, Claim, PrivateDirectory};

/// Ids per page at most; a larger `limit` is clamped to it.
pub const MAX_LIMIT: usize = 1000;

/// The writer's indexing heap, which bounds what indexing adds to the API process's memory.
/// A batch of 10,000 findings needs a fraction of it; with merges running, building a
/// million findings peaked at 94 MB of anonymous memory in the benchmark.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;
/// One indexing thread: the API process has requests to serve, and catching up is rare.
const WRITER_THREADS: usize = 1;

/// How [`FindingIndex::open`] found its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// There was no index: a new, empty one was made.
    Created,
    /// The index was there and sound; feeding resumes after `last_seq`.
    Reopened,
    /// The index was unreadable, damaged or of another schema version, and was replaced by an
    /// empty one. The reason is for the log (it names files, never content).
    Rebuilt { reason: String },
}

/// The commit payload: what a restart needs to resume, written atomically with the data.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema_version: u32,
    last_seq: i64,
}

/// The full-text index of findings: searched by any number of threads at once while one
/// applies batches (the writer is behind a mutex; searches never wait for it).
pub struct FindingIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
    last_seq: AtomicI64,
    opened: Opened,
    path: Option<PathBuf>,
    _claim: Option<Claim>,
}

impl fmt::Debug for FindingIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingIndex")
            .field("path", &self.path)
            .field("last_seq", &self.last_seq())
            .field("opened", &self.opened)
            .finish_non_exhaustive()
    }
}

impl FindingIndex {
    /// Opens the index in `dir`, creating the directory (0700) if needed. An index that is
    /// missing, unreadable, damaged or of another schema version is wiped and recreated
    /// empty, so `last_seq` is 0 and the caller feeds from the start. A non-empty directory
    /// that never held an index is refused ([`SearchError::NotAnIndex`]), and one another
    /// `FindingIndex` holds is [`SearchError::Locked`].
    ///
    /// Checks every file's checksum, so it reads the whole index once: about 120 MB per
    /// million findings, under 0.1 s from the page cache, longer from a cold disk.
    pub fn open(dir: &Path) -> Result<FindingIndex, SearchError> {
        let (claim, had_marker) = storage::claim(dir)?;
        let (schema, fields) = schema::build_schema();
        let (index, opened) = if had_marker {
            match open_existing(dir, &schema) {
                Ok(index) => (index, Opened::Reopened),
                Err(reason) => {
                    storage::wipe(dir)?;
                    (
                        create(PrivateDirectory::open(dir)?, schema)?,
                        Opened::Rebuilt { reason },
                    )
                }
            }
        } else {
            (
                create(PrivateDirectory::open(dir)?, schema)?,
                Opened::Created,
            )
        };
        FindingIndex::start(index, fields, opened, Some(dir.to_path_buf()), Some(claim))
    }

    /// An index in memory, for tests.
    pub fn in_memory() -> Result<FindingIndex, SearchError> {
        let (schema, fields) = schema::build_schema();
        let index = create(tantivy::directory::RamDirectory::create(), schema)?;
        FindingIndex::start(index, fields, Opened::Created, None, None)
    }

    fn start(
        index: Index,
        fields: Fields,
        opened: Opened,
        path: Option<PathBuf>,
        claim: Option<Claim>,
    ) -> Result<FindingIndex, SearchError> {
        // Tokenizers are not persisted: every open registers ours again.
        index
            .tokenizers()
            .register(schema::TOKENIZER, schema::analyzer());
        let mut writer = index.writer_with_num_threads(WRITER_THREADS, WRITER_HEAP_BYTES)?;
        // `open_existing` refuses an index without a payload, so only a new one lacks it; its
        // first commit writes one, and from then on the index is recognisably ours.
        let last_seq = match read_payload(&index) {
            Ok(payload) => payload.last_seq,
            Err(_) => {
                commit(&mut writer, 0)?;
                0
            }
        };
        // `apply` reloads after each commit, so searches see its batch when it returns;
        // the delayed reload picks up merges that finish later.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(FindingIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer: schema::analyzer(),
            last_seq: AtomicI64::new(last_seq),
            opened,
            path,
            _claim: claim,
        })
    }

    /// How `open` found the directory: worth a log line when it had to rebuild.
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// The highest `seq` committed, 0 for a new index: feed findings with a greater `seq`.
    pub fn last_seq(&self) -> i64 {
        self.last_seq.load(Ordering::Acquire)
    }

    /// Findings in the index (as of the last reload).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Upserts a batch by id and commits it, with `max(last_seq, the batch's max seq)` as the
    /// new `last_seq`, atomically with the documents. When it returns, searches see the
    /// batch.
    ///
    /// A finding whose `seq` is not newer than the one indexed under its id is skipped, so
    /// applying a batch again, or batches that overlap (a feed that re-reads a window behind
    /// `last_seq` to catch transactions that committed out of `seq` order), changes nothing
    /// twice and never moves a finding back to an older state. Within a batch the highest
    /// `seq` of an id wins. If any id is not 32 lowercase hex characters, nothing is applied.
    pub fn apply(&self, batch: &[IndexedFinding]) -> Result<(), SearchError> {
        let mut newest: HashMap<u128, &IndexedFinding> = HashMap::with_capacity(batch.len());
        for (position, finding) in batch.iter().enumerate() {
            let id = schema::parse_id(&finding.id).ok_or(SearchError::InvalidFinding {
                position,
                reason: "the id is not 32 lowercase hex characters",
            })?;
            let kept = newest.entry(id).or_insert(finding);
            if finding.seq >= kept.seq {
                *kept = finding;
            }
        }
        let Some(batch_max) = batch.iter().map(|f| f.seq).max() else {
            return Ok(());
        };

        let mut writer = self.lock_writer()?;
        let last_seq = self.last_seq();
        let searcher = self.reader.searcher();
        let mut upserts = Vec::with_capacity(newest.len());
        for (id, finding) in newest {
            // Only a seq at or below last_seq can be stale; newer ones skip the lookup,
            // which keeps a feed in order (and a rebuild from 0) at full speed.
            let stale = finding.seq <= last_seq
                && indexed_seq(&searcher, &self.fields, id)?
                    .is_some_and(|indexed| indexed >= finding.seq);
            if !stale {
                upserts.push((id, finding));
            }
        }
        if let Err(e) = upsert(&mut writer, &self.fields, &upserts) {
            // Whatever was added stays out of the next commit.
            let _ = writer.rollback();
            return Err(e);
        }
        let new_last = last_seq.max(batch_max);
        if upserts.is_empty() && new_last == last_seq {
            return Ok(());
        }
        if let Err(e) = commit(&mut writer, new_last) {
            let _ = writer.rollback();
            return Err(e);
        }
        self.last_seq.store(new_last, Ordering::Release);
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// One page of findings matching `query`, as ids in order.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        let after = cursor::decode(query)?;
        let mut analyzer = self.analyzer.clone();
        let (clauses, nothing) = match query::parse_text(&query.q, &mut analyzer) {
            Text::Everything => (Vec::new(), false),
            Text::Nothing => (Vec::new(), true),
            Text::Clauses(clauses) => (clauses, false),
        };
        // Built even when nothing can match, so that a bad filter is an error either way.
        let tantivy_query = query::build(&self.fields, &clauses, &query.filters)?;
        if nothing {
            return Ok(SearchPage {
                ids: Vec::new(),
                next_cursor: None,
                total_hits: Some(0),
            });
        }
        let collector = PageCollector {
            sort: query.sort,
            limit: query.limit.min(MAX_LIMIT),
            after,
        };
        let page = self.reader.searcher().search(&*tantivy_query, &collector)?;
        let next_cursor = match page.hits.last() {
            Some(&last) if page.more => Some(cursor::encode(query, last)),
            _ => None,
        };
        Ok(SearchPage {
            ids: page
                .hits
                .iter()
                .map(|hit| schema::format_id(hit.id))
                .collect(),
            next_cursor,
            total_hits: Some(page.matched),
        })
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)
    }
}

/// Opens an existing index if it is sound and ours; otherwise says why not.
fn open_existing(dir: &Path, schema: &Schema) -> Result<Index, String> {
    let directory = PrivateDirectory::open(dir).map_err(|e| e.to_string())?;
    let index = Index::open(directory).map_err(|e| format!("unreadable: {e}"))?;
    if index.schema() != *schema {
        return Err("its schema differs".into());
    }
    let payload = read_payload(&index)?;
    if payload.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "schema version {} (this build writes {SCHEMA_VERSION})",
            payload.schema_version
        ));
    }
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("unreadable: {e}"))?;
    if let Some(file) = damaged.iter().next() {
        return Err(format!(
            "{} damaged file(s), such as {}",
            damaged.len(),
            file.display()
        ));
    }
    // Loads every segment: a missing or truncated file shows here, not in a search.
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| format!("unreadable: {e}"))?;
    Ok(index)
}

fn create(
    directory: impl Into<Box<dyn tantivy::Directory>>,
    schema: Schema,
) -> Result<Index, SearchError> {
    Ok(Index::create(
        directory,
        schema,
        tantivy::IndexSettings::default(),
    )?)
}

/// Deletes the old documents of these ids, then adds the new ones.
///
/// One delete for the whole batch, not `delete_term` per id: tantivy keeps every pending
/// delete until all segments have applied it, which during a long merge means every delete
/// since it began, and a `delete_term` holds a scoring cache of over a kilobyte. Building a
/// million findings in batches of 10,000 (`examples/index_bench.rs`), that took the peak
/// anonymous memory from 94 MB to 340 MB during the one large merge; a term set costs a few
/// bytes per id and applies to a segment in one pass.
fn upsert(
    writer: &mut IndexWriter,
    fields: &Fields,
    upserts: &[(u128, &IndexedFinding)],
) -> Result<(), SearchError> {
    if upserts.is_empty() {
        return Ok(());
    }
    let ids = upserts.iter().map(|&(id, _)| schema::id_term(fields, id));
    writer.delete_query(Box::new(TermSetQuery::new(ids)))?;
    for &(id, finding) in upserts {
        writer.add_document(schema::document(fields, finding, id))?;
    }
    Ok(())
}

fn commit(writer: &mut IndexWriter, last_seq: i64) -> Result<(), SearchError> {
    let payload = serde_json::to_string(&Payload {
        schema_version: SCHEMA_VERSION,
        last_seq,
    })
    .map_err(|_| tantivy::TantivyError::InternalError("payload serialisation".into()))?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}

fn read_payload(index: &Index) -> Result<Payload, String> {
    let metas = index.load_metas().map_err(|e| format!("unreadable: {e}"))?;
    let payload = metas.payload.ok_or("it has no commit payload")?;
    serde_json::from_str(&payload).map_err(|_| "its commit payload is not ours".into())
}

/// The `seq` indexed under `id`, if any (the newest, should there be several live).
fn indexed_seq(searcher: &Searcher, fields: &Fields, id: u128) -> Result<Option<i64>, SearchError> {
    let term = schema::id_term(fields, id);
    let mut newest = None;
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.id)?;
        let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(tantivy::TantivyError::from)?
        else {
            continue;
        };
        let seqs = segment.fast_fields().i64(SEQ)?;
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if segment
                .alive_bitset()
                .is_none_or(|alive| alive.is_alive(doc))
            {
                newest = newest.max(seqs.first(doc));
            }
            doc = postings.advance();
        }
    }
    Ok(newest)
}
