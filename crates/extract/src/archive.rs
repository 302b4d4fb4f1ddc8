//! ZIP containers: plain archives (recursively), and the package under every office format.
//!
//! The central directory is untrusted: declared sizes can lie, entry counts can be huge, an
//! entry can be another archive (or the archive itself, as in a ZIP quine). So entries are
//! counted before the archive is indexed, each entry is decompressed through a reader that
//! stops at its declared size, its compression-ratio bound and the attachment's remaining
//! expansion budget, whichever comes first, and nesting stops at `max_depth`.
//!
//! An entry inside an archive has the origin path `outer.zip/dir/inner.zip/a.csv`: the
//! attachment's own file name first, then each entry path on the way down.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::ExtractError;
use super::attachment::Job;
use dlp_domain::SegmentOrigin;

/// An opened ZIP whose entry count is within limits.
pub(super) struct Package<'b> {
    archive: ZipArchive<Cursor<&'b [u8]>>,
}

impl<'b> Package<'b> {
    pub fn open(job: &Job<'_>, bytes: &'b [u8]) -> Result<Self, ExtractError> {
        if let Some(entries) = declared_entries(bytes)
            && entries > job.limits.max_entries
        {
            return Err(too_many_entries(job));
        }
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|_| ExtractError::Malformed {
            position: 0,
            reason: "the ZIP central directory cannot be read",
        })?;
        if super::attachment::as_u64(archive.len()) > job.limits.max_entries {
            return Err(too_many_entries(job));
        }
        Ok(Package { archive })
    }

    pub fn len(&self) -> usize {
        self.archive.len()
    }

    /// The entry's name, or None for directories and entries whose name is not text.
    pub fn file_name(&mut self, index: usize) -> Option<String> {
        let entry = self.archive.by_index_raw(index).ok()?;
        if entry.is_dir() {
            return None;
        }
        entry.name().ok().map(|n| n.into_owned())
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.archive.index_for_name(name)
    }

    /// Decompresses one entry within the job's limits.
    pub fn read(&mut self, job: &mut Job<'_>, index: usize) -> Result<Vec<u8>, ExtractError> {
        let mut out = Vec::new();
        self.copy(job, index, &mut out)?;
        Ok(out)
    }

    /// Decompresses one entry within the job's limits and throws the bytes away: proves that a
    /// parser reading the package itself (calamine) will meet no bomb in it.
    pub fn verify(&mut self, job: &mut Job<'_>, index: usize) -> Result<(), ExtractError> {
        self.copy(job, index, &mut std::io::sink())
    }

    fn copy(
        &mut self,
        job: &mut Job<'_>,
        index: usize,
        out: &mut dyn std::io::Write,
    ) -> Result<(), ExtractError> {
        job.check_deadline()?;
        let entry = self.archive.by_index(index).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(_) => ExtractError::Malformed {
                position: 0,
                reason: "a ZIP entry is encrypted or uses an unsupported compression method",
            },
            _ => ExtractError::Malformed {
                position: 0,
                reason: "a ZIP entry header cannot be read",
            },
        })?;
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        let ratio_cap = compressed.saturating_mul(job.limits.max_compression_ratio);
        let budget = job.expansion_left();
        // Tiny entries (a 10 KB run of spaces) may compress past the ratio harmlessly.
        let ratio_cap = ratio_cap.max(64 * 1024);
        if declared > ratio_cap {
            // Refused on its declaration, before a byte is inflated.
            return Err(ExtractError::LimitExceeded {
                what: "compression ratio of an archive entry",
                limit: job.limits.max_compression_ratio,
            });
        }
        let cap = declared.min(budget);
        let read = std::io::copy(&mut entry.take(cap.saturating_add(1)), out).map_err(|_| {
            ExtractError::Malformed {
                position: 0,
                reason: "a ZIP entry cannot be decompressed",
            }
        })?;
        job.charge(read.min(cap))?;
        if read > cap {
            if cap == budget {
                return Err(job.expansion_exceeded());
            }
            return Err(ExtractError::Malformed {
                position: 0,
                reason: "a ZIP entry expands past its declared size",
            });
        }
        Ok(())
    }

    /// Reads the entry `name` if the package has it.
    pub fn read_named(
        &mut self,
        job: &mut Job<'_>,
        name: &str,
    ) -> Result<Option<Vec<u8>>, ExtractError> {
        match self.index_of(name) {
            Some(index) => self.read(job, index).map(Some),
            None => Ok(None),
        }
    }
}

fn too_many_entries(job: &Job<'_>) -> ExtractError {
    ExtractError::LimitExceeded {
        what: "entries in an archive",
        limit: job.limits.max_entries,
    }
}

/// Extracts every file of a ZIP archive `depth` archives deep, each by its own format.
pub(super) fn extract(
    job: &mut Job<'_>,
    bytes: &[u8],
    origin: &SegmentOrigin,
    depth: u32,
) -> Result<(), ExtractError> {
    if depth >= job.limits.max_depth {
        return Err(ExtractError::LimitExceeded {
            what: "archive nesting depth",
            limit: u64::from(job.limits.max_depth),
        });
    }
    let mut package = Package::open(job, bytes)?;
    for index in 0..package.len() {
        job.check_deadline()?;
        let Some(name) = package.file_name(index) else {
            continue;
        };
        let entry_origin = SegmentOrigin {
            path: Some(entry_path(origin.path.as_deref(), job.root_name, &name)),
            ..origin.clone()
        };
        let result = package
            .read(job, index)
            .and_then(|content| job.extract(&content, &name, &entry_origin, depth + 1));
        match result {
            Ok(()) => {}
            // Spent budgets end the whole attachment; anything else ends only this entry.
            Err(e) if is_terminal(&e) => return Err(e),
            Err(e) => job.problem(e),
        }
    }
    Ok(())
}

/// `outer.zip/inner.csv`: entries of the attachment itself start with its file name.
fn entry_path(parent: Option<&str>, root_name: &str, name: &str) -> String {
    match parent {
        Some(parent) => format!("{parent}/{name}"),
        None if root_name.is_empty() => name.to_owned(),
        None => format!("{root_name}/{name}"),
    }
}

/// Limits whose breaking ends the whole attachment, not just the part that broke them.
pub(super) fn is_terminal(e: &ExtractError) -> bool {
    matches!(
        e,
        ExtractError::LimitExceeded {
            what: "extraction time in seconds" | "expanded bytes of the attachment",
            ..
        }
    )
}

/// The entry count the end-of-central-directory record declares, read before the archive is
/// indexed so that a directory of millions of entries is refused without allocating for it.
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const ZIP64_LOCATOR: &[u8] = b"PK\x06\x07";
    const ZIP64_EOCD: &[u8] = b"PK\x06\x06";
    let search_from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = search_from + bytes[search_from..].windows(4).rposition(|w| w == EOCD)?;
    let total = u16::from_le_bytes(bytes.get(eocd + 10..eocd + 12)?.try_into().ok()?);
    if total != u16::MAX {
        return Some(u64::from(total));
    }
    let locator = eocd.checked_sub(20)?;
    if bytes.get(locator..locator + 4)? != ZIP64_LOCATOR {
        return Some(u64::from(total));
    }
    let at = u64::from_le_bytes(bytes.get(locator + 8..locator + 16)?.try_into().ok()?);
    let at = usize::try_from(at).ok()?;
    if bytes.get(at..at.checked_add(4)?)? != ZIP64_EOCD {
        return None;
    }
    Some(u64::from_le_bytes(
        bytes.get(at + 32..at + 40)?.try_into().ok()?,
    ))
}
