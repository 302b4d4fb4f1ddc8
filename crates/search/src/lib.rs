//! Full-text search over findings: the API's `q=` search, filters, sorts and cursor paging
//! (issue 14).
//!
//! # What it holds
//!
//! One tantivy index per API process, on local disk, with one document per finding: its id,
//! metadata, titles, path and masked preview ([`IndexedFinding`]). **Never a raw value**: the
//! preview is the store's masked one (`AKIA************MPLE`). Nothing is stored in the index
//! beyond what matching and sorting need; a search returns ids, and the caller loads the
//! findings from the store, which stays the one source of truth.
//!
//! # How it is fed
//!
//! Findings carry a monotonic change sequence (`seq`). The caller reads findings with
//! `seq > index.last_seq()` in `seq` order and hands them over in batches
//! ([`FindingIndex::apply`]); each batch is committed with its highest `seq` in the commit
//! payload, atomically with the documents, so a restart resumes exactly where the last commit
//! ended and any number of API processes converge on the same contents. Re-applying a batch,
//! or overlapping batches, changes nothing twice (a finding is skipped unless its `seq` is
//! newer than the one indexed). An index that is missing, damaged or of another schema
//! version is wiped and rebuilt empty on [`FindingIndex::open`], and the caller feeds from 0.
//!
//! ```no_run
//! # fn demo(dir: &std::path::Path, batch: Vec<dlp_search::IndexedFinding>) -> Result<(), dlp_search::SearchError> {
//! use dlp_search::{FindingIndex, SearchQuery, SearchSort};
//! let index = FindingIndex::open(dir)?;
//! // feed: SELECT ... WHERE seq > $last ORDER BY seq LIMIT 1000, until none are left
//! index.apply(&batch)?;
//! let page = index.search(&SearchQuery {
//!     q: "AKIA prod".into(),
//!     sort: SearchSort::LastSeenDesc,
//!     limit: 50,
//!     ..SearchQuery::default()
//! })?;
//! // page.ids, in order; page.next_cursor for the next page
//! # Ok(()) }
//! ```
//!
//! # The search text
//!
//! `q` never errors, whatever it holds. Words separated by spaces must all match, each in any
//! of the detector, masked preview, space key, page title, attachment title, path, category,
//! severity or status. Text is split into words of letters and digits, lower-cased and folded
//! to ASCII, so `AKIA` finds `AKIA************MPLE`, `customers` finds
//! `exports.zip/customers.csv`, and `aws` finds `aws-access-key`. A typed word that splits
//! (`aws-access-key`, `customers.csv`) matches as a phrase; `"quoted words"` too; a leading
//! `-` excludes. Other syntax (`field:`, parentheses, `OR`, `*`) is plain text. A blank `q`
//! matches everything the filters allow; a `q` with nothing searchable in it matches nothing.
//!
//! # Order and paging
//!
//! Filters ([`SearchFilters`]) are exact matches and ranges; they never affect order. The
//! [`SearchSort`] orders are by a fast field, or by relevance (the sum over the typed words of
//! the best field each matched in: detector and preview 3, space and titles 2, path and the
//! rest 1). Ties are broken by ascending id. Paging is keyset paging with an opaque cursor:
//! pages never skip or repeat a finding while the index is unchanged, each page costs the
//! same at any depth, and a cursor made on one API process works on another that has indexed
//! the same findings. A cursor that is malformed, or made for another query or sort, is
//! [`SearchError::InvalidCursor`].
//!
//! # Cost
//!
//! Measured with `examples/index_bench.rs` at a million synthetic findings, on 2 cores shared
//! with compilers: about 126 bytes per finding on disk; about 12,000 findings a second
//! through one indexing thread with a 64 MB heap (peak anonymous memory 95 MB with merges);
//! searches with text p50 3–8 ms. Queries cost in proportion to what they match (no
//! pruning), so the heaviest are filter-only lists sorted by a field over most of the index:
//! 0.7–1 million matches at about 12–20 ns each, p50 12–22 ms, p99 20–45 ms depending on the
//! machine's load. A process that only searches holds about 5 MB of heap, plus the index's
//! files as the page cache maps them.
//!
//! # On disk
//!
//! The directory is 0700, its files 0600, and it is locked while open. It belongs to the
//! index: everything in it may be deleted on a rebuild, which is why `open` refuses a
//! non-empty directory that does not carry the index's marker file.

mod collect;
mod cursor;
mod error;
mod index;
mod model;
mod query;
mod schema;
mod storage;

pub use error::SearchError;
pub use index::{FindingIndex, MAX_LIMIT, Opened};
pub use model::{IndexedFinding, SearchFilters, SearchPage, SearchQuery, SearchSort};
