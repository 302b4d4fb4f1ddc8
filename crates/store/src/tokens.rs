//! API tokens: a keyed hash of each token with its name, scopes and when it was created, last
//! used and revoked. The store never sees a token itself, and it does not interpret scopes:
//! they are words the API defines.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{from_millis, now_millis};
use super::{Store, StoreError};

/// A token about to be stored: its name, the caller's keyed hash of it, and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub token_hash: String,
    pub scopes: Vec<String>,
}

/// A stored token, without its hash: what `token list` shows and what a request is
/// authenticated as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRecord {
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiTokenRecord {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

const COLUMNS: &str = "name, scopes, created_at, last_used_at, revoked_at";

impl Store {
    /// Stores a new token. A name already taken, by a live or a revoked token, is
    /// [`StoreError::NameTaken`]: names are what the audit trail records, so one name means
    /// one token for ever.
    pub async fn create_api_token(&self, token: &NewApiToken) -> Result<(), StoreError> {
        if token.scopes.iter().any(|s| s.is_empty() || s.contains(' ')) {
            return Err(StoreError::Invalid("a scope is one non-empty word"));
        }
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token.name.as_str())
        .bind(token.token_hash.as_str())
        .bind(token.scopes.join(" "))
        .bind(now_millis())
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::NameTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// The token with this hash, revoked or not (the caller tells the two apart); `None` when
    /// no token has it. Found by an indexed equality on the hash, so no secret is compared
    /// byte by byte in application code.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiTokenRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Every token, revoked ones included, by name.
    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Records that the token was used now. The API calls it at most about once a minute per
    /// token: on SQLite every write takes the database's one write lock.
    pub async fn touch_api_token(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE name = $2")
            .bind(now_millis())
            .bind(name)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Revokes the named token; `false` when there is no live token of that name.
    pub async fn revoke_api_token(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
        )
        .bind(now_millis())
        .bind(name)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

fn token_from_row(row: &AnyRow) -> Result<ApiTokenRecord, StoreError> {
    let scopes: String = row.try_get("scopes")?;
    let time = |column: &'static str| -> Result<Option<DateTime<Utc>>, StoreError> {
        let ms: Option<i64> = row.try_get(column)?;
        ms.map(|ms| from_millis(ms, column)).transpose()
    };
    Ok(ApiTokenRecord {
        name: row.try_get("name")?,
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        created_at: from_millis(row.try_get("created_at")?, "api_tokens.created_at")?,
        last_used_at: time("last_used_at")?,
        revoked_at: time("revoked_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        (dir, Store::connect(&url).await.unwrap())
    }

    fn token(name: &str, hash: &str) -> NewApiToken {
        NewApiToken {
            name: name.into(),
            token_hash: hash.into(),
            scopes: vec!["findings:read".into(), "audit:read".into()],
        }
    }

    #[tokio::test]
    async fn a_token_is_found_by_its_hash_used_and_revoked() {
        let (_dir, store) = store().await;
        store.create_api_token(&token("siem", "aa")).await.unwrap();
        let found = store.api_token_by_hash("aa").await.unwrap().unwrap();
        assert_eq!(found.name, "siem");
        assert_eq!(found.scopes, ["findings:read", "audit:read"]);
        assert!(found.last_used_at.is_none() && !found.is_revoked());
        assert!(store.api_token_by_hash("ab").await.unwrap().is_none());

        store.touch_api_token("siem").await.unwrap();
        assert!(store.api_tokens().await.unwrap()[0].last_used_at.is_some());

        assert!(store.revoke_api_token("siem").await.unwrap());
        assert!(
            !store.revoke_api_token("siem").await.unwrap(),
            "already revoked"
        );
        assert!(!store.revoke_api_token("nobody").await.unwrap());
        let revoked = store.api_token_by_hash("aa").await.unwrap().unwrap();
        assert!(revoked.is_revoked());
    }

    #[tokio::test]
    async fn names_are_never_reused_and_scopes_are_words() {
        let (_dir, store) = store().await;
        store.create_api_token(&token("ci", "01")).await.unwrap();
        store.revoke_api_token("ci").await.unwrap();
        let again = store.create_api_token(&token("ci", "02")).await;
        assert!(matches!(again, Err(StoreError::NameTaken)), "{again:?}");
        let mut bad = token("x", "03");
        bad.scopes = vec!["a b".into()];
        assert!(matches!(
            store.create_api_token(&bad).await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(store.api_tokens().await.unwrap().len(), 1);
    }
}
