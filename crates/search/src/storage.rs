//! The index's directory on disk: private, locked, and recognisably ours.
//!
//! - **Private.** The directory is 0700 and every file 0600, on creation rather than by a
//!   sweep afterwards: tantivy writes segment files from merge threads at any time, so
//!   [`PrivateDirectory`] creates them with the mode set. (The index holds masked previews
//!   and metadata only, but titles and paths of pages are still the customer's.)
//! - **Locked.** One `FindingIndex` per directory, across processes: a second `open` fails
//!   with [`SearchError::Locked`] before it looks at, let alone wipes, anything.
//! - **Ours.** A marker file says the directory belongs to the index. Only then is a broken
//!   index wiped; a non-empty directory without it (a mistyped path, the data directory
//!   itself) is refused with [`SearchError::NotAnIndex`] and left untouched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::{Directory, TantivyError};

use crate::error::SearchError;

const MARKER: &str = "DLP_SEARCH_INDEX";
const MARKER_TEXT: &str = "dlp-search index: this directory is wiped and rebuilt as needed\n";
const LOCK: &str = ".dlp-search.lock";

/// Held for the life of the index: the directory's lock.
#[derive(Debug)]
pub(crate) struct Claim {
    _lock: File,
}

/// Makes `dir` a private directory, refuses it if it holds something else, and takes its
/// lock. Returns the claim and whether the marker was there before (an index may exist).
pub(crate) fn claim(dir: &Path) -> Result<(Claim, bool), SearchError> {
    let io = |e| SearchError::io(dir, e);
    create_private_dir(dir).map_err(io)?;
    let has_marker = dir.join(MARKER).is_file();
    if !has_marker {
        for entry in fs::read_dir(dir).map_err(io)? {
            if entry.map_err(io)?.file_name() != LOCK {
                return Err(SearchError::NotAnIndex {
                    path: dir.to_path_buf(),
                });
            }
        }
    }
    let lock = create_private_file(&dir.join(LOCK), false).map_err(io)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(SearchError::Locked {
                path: dir.to_path_buf(),
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    if !has_marker {
        let mut marker = create_private_file(&dir.join(MARKER), false).map_err(io)?;
        marker.write_all(MARKER_TEXT.as_bytes()).map_err(io)?;
        marker.sync_all().map_err(io)?;
    }
    tighten_modes(dir).map_err(io)?;
    Ok((Claim { _lock: lock }, has_marker))
}

/// Deletes everything in `dir` but the marker and the lock (which we hold).
pub(crate) fn wipe(dir: &Path) -> Result<(), SearchError> {
    let io = |e| SearchError::io(dir, e);
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name == MARKER || name == LOCK {
            continue;
        }
        // `file_type` does not follow symlinks, so a link is removed, not its target.
        if entry.file_type().map_err(io)?.is_dir() {
            fs::remove_dir_all(entry.path()).map_err(io)?;
        } else {
            fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // An existing directory keeps its mode through `create`.
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}

fn create_private_file(path: &Path, create_new: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Files of an index written before it was opened here (or by hand) get 0600 too.
fn tighten_modes(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// tantivy's `MmapDirectory`, except that files are created 0600. Reads, deletes, atomic
/// writes (tantivy's go through a `tempfile`, which is 0600 already) and watching are its.
#[derive(Debug, Clone)]
pub(crate) struct PrivateDirectory {
    root: PathBuf,
    inner: MmapDirectory,
}

impl PrivateDirectory {
    pub(crate) fn open(root: &Path) -> Result<PrivateDirectory, SearchError> {
        let inner =
            MmapDirectory::open(root).map_err(|e| SearchError::Tantivy(TantivyError::from(e)))?;
        Ok(PrivateDirectory {
            root: root.to_path_buf(),
            inner,
        })
    }
}

impl Directory for PrivateDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file = create_private_file(&self.root.join(path), true).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                OpenWriteError::FileAlreadyExists(path.to_path_buf())
            } else {
                OpenWriteError::wrap_io_error(e, path.to_path_buf())
            }
        })?;
        // As `MmapDirectory` does: durable once terminated and the directory synced.
        Ok(BufWriter::new(Box::new(SyncOnTerminate(file))))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        // The inner directory creates the lock file if missing, with the default mode.
        create_private_file(&self.root.join(&lock.filepath), false)
            .map_err(LockError::wrap_io_error)?;
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

struct SyncOnTerminate(File);

impl Write for SyncOnTerminate {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl TerminatingWrite for SyncOnTerminate {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.0.flush()?;
        self.0.sync_data()
    }
}
