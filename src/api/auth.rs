//! API tokens and scopes: issuing a token, and authenticating a request by its bearer token.
//!
//! A token is `dlp_` followed by 32 random bytes in base64url: the prefix makes a leaked token
//! recognisable to secret scanners (ours included). The store keeps only its keyed hash
//! ([`TokenHasher`]); a request's token is hashed and looked up by that hash, so no secret is
//! compared in application code and a token never reaches a log or the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use dlp_store::{ApiTokenRecord, NewApiToken, Store, StoreError};

use super::ApiState;
use super::error::ApiError;
use crate::keys::TokenHasher;

/// What the prefix of every token is.
pub const TOKEN_PREFIX: &str = "dlp_";

/// How stale `last_used_at` may get before a request writes it again: a write per request
/// would queue every API call behind SQLite's one write lock.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// What a token may do. `admin` implies every other scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    FindingsRead,
    FindingsWrite,
    ScansWrite,
    AuditRead,
    Lookup,
    /// Call tools through the MCP proxy over HTTP.
    Mcp,
    /// Decide MCP tool calls that wait for approval.
    McpApprove,
    /// Plan remediations, approve, reject and undo them.
    Remediate,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::FindingsRead,
        Scope::FindingsWrite,
        Scope::ScansWrite,
        Scope::AuditRead,
        Scope::Lookup,
        Scope::Mcp,
        Scope::McpApprove,
        Scope::Remediate,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::FindingsRead => "findings:read",
            Scope::FindingsWrite => "findings:write",
            Scope::ScansWrite => "scans:write",
            Scope::AuditRead => "audit:read",
            Scope::Lookup => "lookup",
            Scope::Mcp => "mcp",
            Scope::McpApprove => "mcp:approve",
            Scope::Remediate => "remediate",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(word: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// The token a request was authenticated with: its name (for the audit trail) and scopes.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// `Ok` when the token has `scope` or `admin`; a 403 otherwise.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self
            .scopes
            .iter()
            .any(|s| *s == scope || *s == Scope::Admin)
        {
            Ok(())
        } else {
            Err(ApiError::Forbidden(scope))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token name is 1 to 64 letters, digits, '-', '_' or '.'")]
    BadName,
    #[error(
        "unknown scope {0:?}; scopes: findings:read, findings:write, scans:write, audit:read, lookup, mcp, mcp:approve, admin"
    )]
    UnknownScope(String),
    #[error("give at least one --scope")]
    NoScope,
    #[error("a token named {0:?} exists (or existed); names are never reused")]
    NameTaken(String),
    #[error("store")]
    Store(#[source] StoreError),
}

/// Creates a token and stores its hash; returns the token, which exists nowhere else.
pub async fn issue_token(
    store: &Store,
    hasher: &TokenHasher,
    name: &str,
    scopes: &[String],
) -> Result<String, TokenError> {
    let name_ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !name_ok {
        return Err(TokenError::BadName);
    }
    if scopes.is_empty() {
        return Err(TokenError::NoScope);
    }
    let mut words = Vec::new();
    for s in scopes {
        let scope = Scope::parse(s).ok_or_else(|| TokenError::UnknownScope(s.clone()))?;
        if !words.contains(&scope.as_str().to_owned()) {
            words.push(scope.as_str().to_owned());
        }
    }
    let random: [u8; 32] = rand::random();
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let new = NewApiToken {
        name: name.to_owned(),
        token_hash: hasher.hash(&token),
        scopes: words,
    };
    match store.create_api_token(&new).await {
        Ok(()) => Ok(token),
        Err(StoreError::NameTaken) => Err(TokenError::NameTaken(name.to_owned())),
        Err(e) => Err(TokenError::Store(e)),
    }
}

/// Middleware of every `/api/v1` route: the bearer token must be a live token (401), within
/// its rate limit (429); the [`Caller`] is then in the request's extensions for the handler,
/// which checks the scope it needs (403).
pub async fn authenticate(
    State(state): State<Arc<ApiState>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = bearer(request.headers())?;
    let (hash, record) = lookup(&state, token).await?;
    state.limiter.check(&record.name)?;
    if record
        .last_used_at
        .is_none_or(|t| (chrono::Utc::now() - t).to_std().unwrap_or_default() > TOUCH_INTERVAL)
    {
        // Bookkeeping, not authentication: a failure to write it is logged, the request goes on.
        match state.app.store.touch_api_token(&record.name).await {
            Ok(_) => state.tokens.touched(&hash),
            Err(e) => {
                tracing::warn!(token = %record.name, error = %e, "cannot record a token's last use")
            }
        }
    }
    // Scopes unknown to this version (a newer one wrote them) grant nothing.
    let scopes = record
        .scopes
        .iter()
        .filter_map(|s| Scope::parse(s))
        .collect();
    request.extensions_mut().insert(Caller {
        name: record.name,
        scopes,
    });
    Ok(next.run(request).await)
}

pub(crate) fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated(
            "this route needs Authorization: Bearer <token>",
        ))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("malformed Authorization header"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthenticated("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated(
            "this route needs Authorization: Bearer <token>",
        ));
    }
    Ok(token.trim())
}

/// The token's keyed hash and its record.
async fn lookup(state: &ApiState, token: &str) -> Result<(String, ApiTokenRecord), ApiError> {
    verify(
        &state.app.store,
        &state.app.token_hasher,
        &state.tokens,
        token,
    )
    .await
}

/// A live token's keyed hash and record, from `cache` or the store; for every listener that
/// takes API tokens (the API, the MCP proxy over HTTP).
pub(crate) async fn verify(
    store: &Store,
    hasher: &TokenHasher,
    cache: &TokenCache,
    token: &str,
) -> Result<(String, ApiTokenRecord), ApiError> {
    const UNKNOWN: ApiError = ApiError::Unauthenticated("unknown or revoked token");
    // Not one of ours: no need to ask the store.
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(UNKNOWN);
    }
    let hash = hasher.hash(token);
    if let Some(record) = cache.get(&hash) {
        return Ok((hash, record));
    }
    match store.api_token_by_hash(&hash).await? {
        Some(record) if !record.is_revoked() => {
            cache.put(&hash, &record);
            Ok((hash, record))
        }
        Some(record) => {
            tracing::info!(token = %record.name, "request with a revoked token");
            Err(UNKNOWN)
        }
        None => Err(UNKNOWN),
    }
}

/// Tokens verified lately, by keyed hash, so that a client making thousands of requests a
/// second (a redactor) costs the store one read per token every `ttl`, not one per request.
/// Only valid tokens are kept; a revoked one is refused by every process within `ttl`.
pub struct TokenCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, ApiTokenRecord)>>,
}

/// Tokens kept at most; past it the map starts afresh (a deployment has a handful).
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        TokenCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, hash: &str) -> Option<ApiTokenRecord> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hash)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, record)| record.clone())
    }

    fn put(&self, hash: &str, record: &ApiTokenRecord) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= TOKEN_CACHE_MAX {
            entries.clear();
        }
        entries.insert(hash.to_owned(), (Instant::now(), record.clone()));
    }

    /// The token's last use was just written: the copy here says so, or every request
    /// until it expires would write it again.
    fn touched(&self, hash: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, record)) = entries.get_mut(hash) {
            record.last_used_at = Some(chrono::Utc::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_implies_every_scope_and_others_only_themselves() {
        let admin = Caller {
            name: "a".into(),
            scopes: vec![Scope::Admin],
        };
        let reader = Caller {
            name: "r".into(),
            scopes: vec![Scope::FindingsRead],
        };
        for scope in Scope::ALL {
            assert!(admin.require(scope).is_ok());
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert!(reader.require(Scope::FindingsRead).is_ok());
        assert!(matches!(
            reader.require(Scope::AuditRead),
            Err(ApiError::Forbidden(Scope::AuditRead))
        ));
        assert_eq!(Scope::parse("findings"), None);
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header_only_when_well_formed() {
        let mut h = HeaderMap::new();
        assert!(bearer(&h).is_err());
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(bearer(&h).is_err());
        h.insert(header::AUTHORIZATION, "Bearer  dlp_x ".parse().unwrap());
        assert_eq!(bearer(&h).unwrap(), "dlp_x");
        h.insert(header::AUTHORIZATION, "bearer ".parse().unwrap());
        assert!(bearer(&h).is_err());
    }
}
