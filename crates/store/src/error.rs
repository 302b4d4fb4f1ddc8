use thiserror::Error;

/// What can go wrong in the store.
///
/// Messages never carry a connection URL (it may hold a password) nor any stored value: the
/// sqlx sources are kept as `source` for the logs, and sqlx's own messages name tables,
/// columns and constraints, not row contents.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("invalid database URL: {reason}")]
    InvalidUrl { reason: &'static str },

    #[error("could not create the directory of the SQLite database")]
    CreateDir(#[source] std::io::Error),

    #[error("database error")]
    Database(#[from] sqlx::Error),

    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// A name that must be unique (an API token's) is already taken.
    #[error("that name is already taken")]
    NameTaken,

    #[error("no scan with id {scan_id}")]
    UnknownScan { scan_id: String },

    #[error("scan {scan_id} already finished as {status}")]
    ScanAlreadyFinished {
        scan_id: String,
        status: &'static str,
    },

    /// The caller handed the store something that contradicts itself (a finding recorded
    /// under an item it does not belong to, a scan finished as `running`, ...).
    #[error("invalid input: {0}")]
    Invalid(&'static str),

    /// A stored value the code cannot read back (an unknown status, a number out of range):
    /// the schema and the code disagree.
    #[error("unreadable value in column {column}")]
    Corrupt { column: &'static str },
}

impl StoreError {
    /// Whether the error comes from a foreign key the database refused: how a reference to a
    /// scan that does not exist shows up.
    pub(crate) fn is_foreign_key_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_foreign_key_violation(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_problem_without_values() {
        let e = StoreError::InvalidUrl {
            reason: "the scheme must be sqlite or postgres",
        };
        assert_eq!(
            e.to_string(),
            "invalid database URL: the scheme must be sqlite or postgres"
        );
        let e = StoreError::Corrupt {
            column: "findings.status",
        };
        assert_eq!(e.to_string(), "unreadable value in column findings.status");
        assert!(!StoreError::Invalid("x").is_foreign_key_violation());
    }
}
