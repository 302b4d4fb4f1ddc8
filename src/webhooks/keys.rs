//! The public keys that sign Atlassian's tokens, fetched and kept: Forge Invocation Tokens
//! (a JWKS at one URL) and Connect's signed installs (one PEM per key at `URL/kid`). A token
//! names its key by `kid`, a key not yet seen (Atlassian rotated) makes one fetch, and a
//! fetch happens at most once a minute whatever tokens arrive, so forged `kid`s cannot turn
//! the receiver into a request amplifier.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Keys are fetched again after this long even when every `kid` is known: a revoked key
/// stops being trusted within it.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// The fewest seconds between two fetches.
const MIN_REFETCH: Duration = Duration::from_secs(60);
/// A webhook is answered within Confluence's 3 s: the key fetch gets less than that.
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);
/// Far above any real key set.
const MAX_JWKS_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the JWKS URL must be https (http only on loopback)")]
    InsecureUrl,
    #[error("the signing keys could not be fetched")]
    Fetch,
    #[error("no signing key has this token's kid")]
    UnknownKey,
}

pub struct KeySet {
    url: url::Url,
    layout: Layout,
    http: reqwest::Client,
    cache: Mutex<Cached>,
}

/// How the keys are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// All of them in one JWKS document.
    Jwks,
    /// Each as a PEM public key at the URL joined with its `kid` (Connect's install keys).
    PemByKid,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

impl KeySet {
    /// A JWKS document at `url`.
    pub fn new(url: &str) -> Result<KeySet, KeyError> {
        KeySet::with_layout(url, Layout::Jwks)
    }

    /// One PEM public key per `kid` under `url` (`https://connect-install-keys.atlassian.com/`).
    pub fn pem_by_kid(url: &str) -> Result<KeySet, KeyError> {
        let url = if url.ends_with('/') {
            url.to_owned()
        } else {
            format!("{url}/")
        };
        KeySet::with_layout(&url, Layout::PemByKid)
    }

    fn with_layout(url: &str, layout: Layout) -> Result<KeySet, KeyError> {
        let url = url::Url::parse(url).map_err(|_| KeyError::InsecureUrl)?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(KeyError::InsecureUrl);
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| KeyError::Fetch)?;
        Ok(KeySet {
            url,
            layout,
            http,
            cache: Mutex::new(Cached::default()),
        })
    }

    /// The key with this `kid`, fetching the set when it is unknown or old.
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, KeyError> {
        // A `kid` becomes part of a URL: Atlassian's are UUIDs, anything else is not theirs.
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.layout == Layout::PemByKid
            && (kid.is_empty() || kid.len() > 100 || !kid.chars().all(plain))
        {
            return Err(KeyError::UnknownKey);
        }
        let mut cache = self.cache.lock().await;
        let stale = cache.fetched.is_none_or(|at| at.elapsed() >= MAX_AGE);
        let may_fetch = cache.fetched.is_none_or(|at| at.elapsed() >= MIN_REFETCH);
        if (stale || !cache.keys.contains_key(kid)) && may_fetch {
            cache.fetched = Some(Instant::now());
            match self.fetch(kid).await {
                Ok(keys) if self.layout == Layout::Jwks => cache.keys = keys,
                Ok(keys) => cache.keys.extend(keys),
                // A failed fetch keeps the keys we had: a CDN hiccup must not stop every
                // webhook whose key is already known.
                Err(e) => tracing::warn!(error = %e, "Forge signing keys not refreshed"),
            }
        }
        cache.keys.get(kid).cloned().ok_or(KeyError::UnknownKey)
    }

    async fn fetch(&self, kid: &str) -> Result<HashMap<String, DecodingKey>, KeyError> {
        let url = match self.layout {
            Layout::Jwks => self.url.clone(),
            Layout::PemByKid => self.url.join(kid).map_err(|_| KeyError::Fetch)?,
        };
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|_| KeyError::Fetch)?;
        if !response.status().is_success()
            || response
                .content_length()
                .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err(KeyError::Fetch);
        }
        let body = response.bytes().await.map_err(|_| KeyError::Fetch)?;
        if body.len() > MAX_JWKS_BYTES {
            return Err(KeyError::Fetch);
        }
        if self.layout == Layout::PemByKid {
            let key = DecodingKey::from_rsa_pem(&body).map_err(|_| KeyError::Fetch)?;
            return Ok(HashMap::from([(kid.to_owned(), key)]));
        }
        let set: JwkSet = serde_json::from_slice(&body).map_err(|_| KeyError::Fetch)?;
        Ok(set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some((kid, key))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_trusted_for_keys() {
        assert!(
            KeySet::new("https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json").is_ok()
        );
        assert!(KeySet::new("http://127.0.0.1:9/jwks.json").is_ok());
        assert!(KeySet::new("http://localhost:9/jwks.json").is_ok());
        assert!(matches!(
            KeySet::new("http://keys.example.net/jwks.json"),
            Err(KeyError::InsecureUrl)
        ));
        assert!(matches!(
            KeySet::new("not a url"),
            Err(KeyError::InsecureUrl)
        ));
        assert!(matches!(
            KeySet::pem_by_kid("http://keys.example.net"),
            Err(KeyError::InsecureUrl)
        ));
    }

    #[tokio::test]
    async fn a_kid_that_would_leave_the_key_folder_is_never_fetched() {
        let keys = KeySet::pem_by_kid("http://127.0.0.1:9/keys").unwrap();
        assert_eq!(keys.url.as_str(), "http://127.0.0.1:9/keys/");
        for kid in ["../admin", "a/b", "", "k?x=1"] {
            assert!(
                matches!(keys.key(kid).await, Err(KeyError::UnknownKey)),
                "{kid}"
            );
        }
        assert!(
            keys.cache.lock().await.fetched.is_none(),
            "nothing was fetched"
        );
    }
}
