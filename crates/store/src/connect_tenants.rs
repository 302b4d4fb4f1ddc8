//! The Confluence Cloud sites that installed the project's Connect app, each with the shared
//! secret its events are signed with.
//!
//! The secret arrives sealed by the caller (the receiver seals it under the server's seal
//! key): this module stores and returns the sealed envelope as text and never sees the secret.

use sqlx::Row;

use super::model::{from_millis, now_millis};
use super::{Store, StoreError};

/// One installed site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTenant {
    /// Connect's `clientKey`: the `iss` of the site's tokens.
    pub client_key: String,
    pub base_url: String,
    /// The shared secret, sealed.
    pub sealed_shared_secret: String,
    pub installed_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    pub async fn connect_tenant(
        &self,
        client_key: &str,
    ) -> Result<Option<ConnectTenant>, StoreError> {
        let row = sqlx::query(
            "SELECT client_key, base_url, sealed_shared_secret, installed_at \
             FROM connect_tenants WHERE client_key = $1",
        )
        .bind(client_key)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(ConnectTenant {
            client_key: row.try_get("client_key")?,
            base_url: row.try_get("base_url")?,
            sealed_shared_secret: row.try_get("sealed_shared_secret")?,
            installed_at: from_millis(row.try_get("installed_at")?, "installed_at")?,
        }))
    }

    /// Records an install: a new site, or a known one with its new base URL and secret (its
    /// first install time is kept).
    pub async fn save_connect_tenant(
        &self,
        client_key: &str,
        base_url: &str,
        sealed_shared_secret: &str,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        sqlx::query(
            "INSERT INTO connect_tenants \
               (client_key, base_url, sealed_shared_secret, installed_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (client_key) DO UPDATE SET \
               base_url = excluded.base_url, \
               sealed_shared_secret = excluded.sealed_shared_secret, \
               updated_at = excluded.updated_at",
        )
        .bind(client_key)
        .bind(base_url)
        .bind(sealed_shared_secret)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reinstall_replaces_the_secret_and_keeps_the_first_install_time() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let store = Store::connect(&url).await.unwrap();
        assert_eq!(store.connect_tenant("client-1").await.unwrap(), None);
        store
            .save_connect_tenant("client-1", "https://a.atlassian.net/wiki", "sealed-1")
            .await
            .unwrap();
        let first = store.connect_tenant("client-1").await.unwrap().unwrap();
        assert_eq!(first.sealed_shared_secret, "sealed-1");
        store
            .save_connect_tenant("client-1", "https://b.atlassian.net/wiki", "sealed-2")
            .await
            .unwrap();
        let again = store.connect_tenant("client-1").await.unwrap().unwrap();
        assert_eq!(
            (again.base_url.as_str(), again.sealed_shared_secret.as_str()),
            ("https://b.atlassian.net/wiki", "sealed-2")
        );
        assert_eq!(again.installed_at, first.installed_at);
    }
}
