//! Local files, scanned in process: walked, then read, extracted and classified on a few
//! threads of this process, and recorded in batches.
//!
//! They skip the durable queue: a job naming a path on this machine means nothing to a worker
//! on another, and a job per file (its own store transaction and round trips) cost about
//! 0.8 ms a file, more than classifying a typical source file.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use dlp_domain::{ContentRef, ContentType};
use dlp_store::{JobOutcome, JobRecord};
use dlp_workers::WorkerDeps;

use super::ScanError;
use crate::app::App;
use crate::ingest::CrawlStats;

/// Jobs recorded per store transaction: enough that the transaction's cost vanishes, few
/// enough that progress shows and a failed write loses little.
const BATCH: usize = 256;
/// Outcomes a classifying thread hands the writer at once: one at a time, each could wake
/// the writer's task, a context switch for a file's outcome.
const HANDOFF: usize = 32;
/// Handoffs the writer may fall behind by before a classifying thread waits for it: about
/// 2,000 outcomes of a few hundred bytes each. The writer stops now and then for the disk
/// (SQLite's checkpoints sync the database file), and with a few handoffs of room the
/// classifying threads stopped with it, leaving the cores idle.
const HANDOFFS_WAITING: usize = 64;
/// How long the writer waits to fill a batch once it holds a job: big files arrive slowly,
/// and a transaction per file is what this module avoids.
const BATCH_WAIT: Duration = Duration::from_millis(50);
/// File bytes read and not yet classified, across threads. A text file costs about three
/// times its size at its peak (its bytes, its segments, the engine's work): two 60 MB files
/// in flight peaked at 517 MB, one at a time stays under 300 MB. One file larger than this is
/// still read, alone.
const BYTES_IN_FLIGHT: u64 = 64 << 20;
/// Files from this size on are followed by handing the memory they used back to the system.
const LARGE_FILE: u64 = 8 << 20;

/// A path found by the walk: a file to scan, or what could not be read (a missing PATH, a
/// folder that cannot be listed), recorded as that item's failure.
#[derive(Debug)]
struct Entry {
    key: String,
    label: String,
    item: ContentRef,
    path: PathBuf,
    kind: EntryKind,
}

#[derive(Debug)]
enum EntryKind {
    /// Its size is read when it is opened: a second look at every file's metadata from the
    /// walk, before any is classified, was a third of the walk's time.
    File,
    Unreadable {
        reason: String,
    },
}

/// The paths a local scan reads, walked on a thread of their own from the moment they are
/// given: the walk needs nothing the rest of a start builds (the engine, the store), and run
/// after it, it held the scan's threads back by its length (0.08 s of a 24,494-file tree,
/// mostly the kernel's directory reads) with a core idle.
#[derive(Debug, Clone)]
pub struct LocalPaths {
    walk: Arc<Mutex<Option<std::thread::JoinHandle<Vec<Entry>>>>>,
    paths: Arc<[PathBuf]>,
}

impl LocalPaths {
    pub fn new(paths: Vec<PathBuf>) -> Self {
        let paths: Arc<[PathBuf]> = paths.into();
        let walking = Arc::clone(&paths);
        // If no thread can be started, the scan walks the paths itself.
        let handle = std::thread::Builder::new()
            .name("walk".into())
            .spawn(move || walk_all(&walking))
            .ok();
        LocalPaths {
            walk: Arc::new(Mutex::new(handle)),
            paths,
        }
    }

    /// The walk's entries: the one started by [`LocalPaths::new`], or a new walk for a
    /// second scan of the same paths (its files may have changed).
    async fn entries(&self) -> Result<Vec<Entry>, ScanError> {
        let started = self.walk.lock().unwrap_or_else(|e| e.into_inner()).take();
        let paths = Arc::clone(&self.paths);
        // A walk started ahead that stopped is walked again here; one that stops here too
        // is the scan's error, never a scan of no files.
        tokio::task::spawn_blocking(move || {
            started
                .and_then(|walk| walk.join().ok())
                .unwrap_or_else(|| walk_all(&paths))
        })
        .await
        .map_err(|e| ScanError::Input(format!("the walk of the local paths stopped: {e}")))
    }
}

fn walk_all(paths: &[PathBuf]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for path in paths {
        walk(path, &mut entries);
    }
    entries
}

pub(super) async fn scan_paths(
    app: &App,
    scan_id: &str,
    paths: &LocalPaths,
    concurrency: usize,
) -> Result<CrawlStats, ScanError> {
    let entries = paths.entries().await?;
    // Not enqueued first: each job row is created with its outcome, labelled with its path.
    // Nothing resumes a local scan, so rows waiting as queued would serve no one, and writing
    // them took 0.45 s of a 17,000-file scan before any file was read.

    let mut stats = CrawlStats::default();
    let mut unreadable = Vec::new();
    let mut files = Vec::with_capacity(entries.len());
    for entry in entries {
        stats.jobs += 1;
        match entry.kind {
            EntryKind::Unreadable { reason } => {
                let outcome = JobOutcome::Failed { error: reason };
                unreadable.push(JobRecord {
                    item_key: entry.key,
                    label: Some(entry.label),
                    outcome,
                    results: Vec::new(),
                });
            }
            EntryKind::File => {
                stats.attachments += 1;
                files.push(entry);
            }
        }
    }
    if !unreadable.is_empty() {
        app.store.record_jobs(scan_id, &unreadable).await?;
    }

    // Classification is CPU-bound: more threads than cores only hold more files in memory.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = concurrency.min(cores).max(1);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<JobRecord>>(HANDOFFS_WAITING);
    let deps = Arc::clone(&app.workers);
    let pool =
        tokio::task::spawn_blocking(move || classify_all(&Lanes::new(files), &deps, threads, &tx));

    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = rx.recv().await {
        batch.extend(first);
        let deadline = tokio::time::Instant::now() + BATCH_WAIT;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(records)) => batch.extend(records),
                Ok(None) | Err(_) => break,
            }
        }
        // On failure `rx` is dropped on return, and the threads stop at their next file.
        app.store.record_jobs(scan_id, &batch).await?;
        batch.clear();
    }
    pool.await
        .map_err(|e| ScanError::Input(format!("the local scan's threads stopped: {e}")))?;
    Ok(stats)
}

/// Runs `threads` threads over the files, each taking the next file not taken yet (the first
/// thread from the pictures' lane first, the others from the rest), and handing its outcomes
/// to the writer [`HANDOFF`] at a time, or sooner when the first of them has waited
/// [`BATCH_WAIT`] (a thread on big files).
fn classify_all(
    lanes: &Lanes,
    deps: &WorkerDeps,
    threads: usize,
    tx: &tokio::sync::mpsc::Sender<Vec<JobRecord>>,
) {
    let budget = Budget::new(BYTES_IN_FLIGHT);
    std::thread::scope(|s| {
        for thread in 0..threads {
            let budget = &budget;
            s.spawn(move || {
                let pictures_first = thread == 0;
                let mut pending = Vec::with_capacity(HANDOFF);
                let mut waiting_since = Instant::now();
                while let Some(entry) = lanes.next(pictures_first) {
                    let (record, size) = classify_file(entry, deps, budget);
                    if size >= LARGE_FILE {
                        release_freed_memory();
                    }
                    if pending.is_empty() {
                        waiting_since = Instant::now();
                    }
                    pending.push(record);
                    if pending.len() >= HANDOFF || waiting_since.elapsed() >= BATCH_WAIT {
                        let full = std::mem::replace(&mut pending, Vec::with_capacity(HANDOFF));
                        if tx.blocking_send(full).is_err() {
                            // The writer failed and returned its error; nothing would record
                            // these.
                            return;
                        }
                    }
                }
                if !pending.is_empty() {
                    // On failure, as above: the writer has already returned its error.
                    let _ = tx.blocking_send(pending);
                }
            });
        }
    });
}

/// The file's record, and its size when opened. Its bytes count against `budget` from
/// before they are read until they are classified.
fn classify_file(entry: &Entry, deps: &WorkerDeps, budget: &Budget) -> (JobRecord, u64) {
    let limit = deps.attachment_limits.max_bytes as u64;
    let (outcome, results, size) = match open(&entry.path, &entry.label) {
        Err(error) => (JobOutcome::Failed { error }, Vec::new(), 0),
        // Refused unread: a file far over the limit would otherwise be read up to it first.
        Ok((_, size)) if size > limit => {
            let error = too_large(&entry.label, limit);
            (JobOutcome::Failed { error }, Vec::new(), size)
        }
        Ok((file, size)) => {
            let _charge = budget.take(size);
            let (outcome, results) = match read(file, &entry.label, size, limit) {
                Err(error) => (JobOutcome::Failed { error }, Vec::new()),
                Ok(bytes) => catch_unwind(AssertUnwindSafe(|| {
                    dlp_workers::local_file_outcome(deps, &entry.item, bytes)
                }))
                .unwrap_or_else(|_| {
                    let error =
                        "processing stopped: extraction or classification panicked".to_owned();
                    (JobOutcome::Failed { error }, Vec::new())
                }),
            };
            (outcome, results, size)
        }
    };
    let record = JobRecord {
        item_key: entry.key.clone(),
        label: Some(entry.label.clone()),
        outcome,
        results,
    };
    (record, size)
}

fn too_large(shown: &str, limit: u64) -> String {
    format!("{shown} is larger than the {limit} byte limit")
}

fn read_failed(shown: &str, e: std::io::Error) -> String {
    format!("cannot read {shown}: {}", io_reason(e.kind()))
}

/// The file, opened, and its size now.
fn open(path: &Path, shown: &str) -> Result<(std::fs::File, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| read_failed(shown, e))?;
    let size = file.metadata().map_err(|e| read_failed(shown, e))?.len();
    Ok((file, size))
}

/// The file's bytes, up to `limit`; the error is the item's recorded reason. `size` is what
/// [`open`] saw: the buffer's first capacity, not a bound (the file may be growing).
fn read(file: std::fs::File, shown: &str, size: u64, limit: u64) -> Result<Vec<u8>, String> {
    let failed = |e: std::io::Error| read_failed(shown, e);
    // Sized up front: growing the buffer by doubling held up to twice a big file's bytes.
    let mut bytes = Vec::with_capacity(size.min(limit) as usize + 1);
    // One byte past the limit tells "exactly at the limit" from "over it".
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(shown, limit));
    }
    Ok(bytes)
}

/// Hands the heap's free pages back to the system. Each thread allocates from an arena of
/// its own, which keeps what a large file's text and segments took after they are freed:
/// three 60 MB files read by two threads in turn peaked at 402 MB, one alone at 243 MB.
/// Both allocators: the binary's Rust allocations are jemalloc's (`src/main.rs`), the C
/// libraries' (SQLite, Tesseract) glibc's; a process with another global allocator (a test)
/// has nothing in jemalloc's arenas to purge.
fn release_freed_memory() {
    // A failure leaves the memory where it is, as before.
    let _ = purge_jemalloc_arenas();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only returns unused memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Has jemalloc hand back the free pages of all its arenas (`MALLCTL_ARENAS_ALL` is 4096);
/// 0 on success, an errno otherwise.
fn purge_jemalloc_arenas() -> i32 {
    // SAFETY: a NUL-terminated name, and no value read or written (null pointers, length 0),
    // which is how `arena.<i>.purge` is called.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    }
}

/// The words for an I/O error a user reads; the standard library says "entity not found".
fn io_reason(kind: std::io::ErrorKind) -> String {
    match kind {
        std::io::ErrorKind::NotFound => "not found".into(),
        other => other.to_string(),
    }
}

/// Appends the files under `path` in name order, and what could not be read as unreadable
/// entries. Symlinks and special files are not followed: a scan of a folder stays inside it.
fn walk(path: &Path, out: &mut Vec<Entry>) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => walk_typed(path, meta.file_type(), out),
        Err(e) => out.push(entry(path, unreadable(path, e))),
    }
}

/// [`walk`] of a path whose type is known: a folder's listing gives its children's types
/// (Linux's `d_type`), so no child is looked up again by its path.
fn walk_typed(path: &Path, file_type: std::fs::FileType, out: &mut Vec<Entry>) {
    if file_type.is_file() {
        out.push(entry(path, EntryKind::File));
    } else if file_type.is_dir() {
        let listing = match std::fs::read_dir(path) {
            Ok(listing) => listing,
            Err(e) => return out.push(entry(path, unreadable(path, e))),
        };
        let mut children: Vec<(PathBuf, std::io::Result<std::fs::FileType>)> = listing
            .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type())))
            .collect();
        // Children of one folder differ in their last component only: comparing file names
        // orders them as comparing whole paths would.
        children.sort_unstable_by(|(a, _), (b, _)| a.file_name().cmp(&b.file_name()));
        for (child, file_type) in children {
            match file_type {
                Ok(file_type) => walk_typed(&child, file_type, out),
                Err(e) => out.push(entry(&child, unreadable(&child, e))),
            }
        }
    }
}

fn unreadable(path: &Path, e: std::io::Error) -> EntryKind {
    EntryKind::Unreadable {
        reason: format!("cannot read {}: {}", path.display(), io_reason(e.kind())),
    }
}

fn entry(path: &Path, kind: EntryKind) -> Entry {
    let shown = path.display().to_string();
    let item = ContentRef {
        space_key: "local".into(),
        content_type: ContentType::File,
        page_id: shown.clone(),
        page_version: None,
        comment_id: None,
        attachment_id: None,
        attachment_title: Some(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
    };
    Entry {
        key: dlp_jobs::item_key(&item),
        label: shown,
        item,
        path: path.to_owned(),
        kind,
    }
}

/// The files in two lanes: pictures, and the rest. Reading a picture's text costs as much as
/// classifying hundreds of source files, and one picture often comes in several files (a
/// PNG beside a TIFF of it, found by its pixels). Two threads on those at once left one
/// waiting for the other's recognition, a core idle for as long (0.14 s of a 24,494-file
/// scan); on a lane of their own they are read in turn, the second found already read.
/// Every thread drains both lanes: the lanes order the work, they do not divide it.
struct Lanes {
    pictures: Vec<Entry>,
    rest: Vec<Entry>,
    next_picture: AtomicUsize,
    next_rest: AtomicUsize,
}

impl Lanes {
    fn new(files: Vec<Entry>) -> Self {
        let (pictures, rest) = files
            .into_iter()
            .partition(|entry| likely_picture(&entry.path));
        Lanes {
            pictures,
            rest,
            next_picture: AtomicUsize::new(0),
            next_rest: AtomicUsize::new(0),
        }
    }

    fn next(&self, pictures_first: bool) -> Option<&Entry> {
        let picture = || {
            self.pictures
                .get(self.next_picture.fetch_add(1, Ordering::Relaxed))
        };
        let rest = || {
            self.rest
                .get(self.next_rest.fetch_add(1, Ordering::Relaxed))
        };
        if pictures_first {
            picture().or_else(rest)
        } else {
            rest().or_else(picture)
        }
    }
}

/// Whether a file's name says it is a picture. Only the order of work depends on it: what a
/// file is read as is decided by its bytes ([`dlp_extract::sniff`]).
fn likely_picture(path: &Path) -> bool {
    const PICTURES: [&str; 8] = ["png", "jpg", "jpeg", "gif", "tif", "tiff", "bmp", "webp"];
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PICTURES.iter().any(|p| e.eq_ignore_ascii_case(p)))
}

/// Bytes in flight across threads: a thread waits before reading a file until what the others
/// hold leaves room for it. A file over the whole budget is let in when nothing else is held.
struct Budget {
    cap: u64,
    held: Mutex<Held>,
    freed: Condvar,
}

/// Bytes taken, and how many threads wait for some to be given back: a wake-up is a system
/// call even with no one waiting, and a source tree's scan gives bytes back 24,000 times with
/// no one waiting for almost any of them.
#[derive(Default)]
struct Held {
    bytes: u64,
    waiting: usize,
}

struct Charge<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    fn new(cap: u64) -> Self {
        Budget {
            cap,
            held: Mutex::new(Held::default()),
            freed: Condvar::new(),
        }
    }

    fn take(&self, bytes: u64) -> Charge<'_> {
        let bytes = bytes.min(self.cap);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        while held.bytes > 0 && held.bytes + bytes > self.cap {
            held.waiting += 1;
            held = self.freed.wait(held).unwrap_or_else(|e| e.into_inner());
            held.waiting -= 1;
        }
        held.bytes += bytes;
        Charge {
            budget: self,
            bytes,
        }
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        let mut held = self.budget.held.lock().unwrap_or_else(|e| e.into_inner());
        held.bytes -= self.bytes;
        if held.waiting > 0 {
            self.budget.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests;
