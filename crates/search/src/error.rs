use std::path::PathBuf;

/// What can go wrong opening, feeding or searching the index.
///
/// No variant quotes a finding's fields or the user's query: the API logs error chains, and a
/// query string is the user's to keep out of logs.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The cursor is not one this index handed out for this query and sort (malformed,
    /// truncated, from another query or sort, or from another schema version). The API
    /// answers 400.
    #[error("the cursor is malformed or belongs to another query")]
    InvalidCursor,
    /// A filter value that cannot mean anything (an unknown severity, a NaN confidence).
    #[error("invalid search filter: {0}")]
    InvalidFilter(&'static str),
    /// A finding in a batch cannot be indexed; nothing of the batch was applied.
    #[error("finding {position} in the batch: {reason}")]
    InvalidFinding {
        position: usize,
        reason: &'static str,
    },
    /// Another process (or another `FindingIndex` in this one) holds the index directory.
    #[error("the search index at {path} is in use by another index writer")]
    Locked { path: PathBuf },
    /// The directory has files and none of them is a search index: it is not ours to wipe.
    #[error("{path} is not empty and holds no search index; refusing to wipe it")]
    NotAnIndex { path: PathBuf },
    #[error("search index I/O at {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("search index")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A thread panicked while it held the writer; the index must be reopened.
    #[error("the search index writer was poisoned by a panic")]
    Poisoned,
}

impl SearchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> SearchError {
        SearchError::Io {
            path: path.into(),
            source,
        }
    }
}
