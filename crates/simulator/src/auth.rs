//! Credentials the simulator accepts: Cloud's Basic auth (account email + API token) and
//! Bearer tokens (personal access tokens, OAuth access tokens). With none configured every
//! request is let in, which keeps demos to one command.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Clone, Default)]
pub struct SimulatorAuth {
    /// (account email, API token)
    pub basic: Option<(String, String)>,
    pub bearer: Option<String>,
}

impl std::fmt::Debug for SimulatorAuth {
    // Tokens are credentials: show only which schemes are configured.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorAuth")
            .field("basic", &self.basic.as_ref().map(|_| "<redacted>"))
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl SimulatorAuth {
    pub fn basic(email: impl Into<String>, api_token: impl Into<String>) -> Self {
        SimulatorAuth {
            basic: Some((email.into(), api_token.into())),
            bearer: None,
        }
    }

    pub fn bearer(token: impl Into<String>) -> Self {
        SimulatorAuth {
            basic: None,
            bearer: Some(token.into()),
        }
    }

    pub fn requires_credentials(&self) -> bool {
        self.basic.is_some() || self.bearer.is_some()
    }

    /// Whether the request's `Authorization` header carries configured credentials.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        if !self.requires_credentials() {
            return true;
        }
        let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, credentials)) = value.trim().split_once(' ') else {
            return false;
        };
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let Some((email, token)) = &self.basic else {
                return false;
            };
            let Ok(decoded) = STANDARD.decode(credentials) else {
                return false;
            };
            let expected = format!("{email}:{token}");
            constant_time_eq(&decoded, expected.as_bytes())
        } else if scheme.eq_ignore_ascii_case("bearer") {
            self.bearer
                .as_ref()
                .is_some_and(|token| constant_time_eq(credentials.as_bytes(), token.as_bytes()))
        } else {
            false
        }
    }
}

/// Comparison whose time does not depend on where the inputs first differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn no_configured_credentials_admits_everyone() {
        assert!(SimulatorAuth::default().admits(&HeaderMap::new()));
    }

    #[test]
    fn basic_needs_the_exact_email_and_token() {
        let auth = SimulatorAuth::basic("dev@acme-corp.com", "tok");
        let good = STANDARD.encode("dev@acme-corp.com:tok");
        assert!(auth.admits(&with_auth(&format!("Basic {good}"))));
        assert!(auth.admits(&with_auth(&format!("basic {good}"))));
        let bad = STANDARD.encode("dev@acme-corp.com:nope");
        assert!(!auth.admits(&with_auth(&format!("Basic {bad}"))));
        assert!(!auth.admits(&with_auth("Basic %%%")));
        assert!(!auth.admits(&with_auth("Bearer tok")));
        assert!(!auth.admits(&HeaderMap::new()));
    }

    #[test]
    fn bearer_and_basic_can_both_be_accepted() {
        let auth = SimulatorAuth {
            basic: Some(("a@acme-corp.com".into(), "t1".into())),
            bearer: Some("pat".into()),
        };
        assert!(auth.admits(&with_auth("Bearer pat")));
        assert!(!auth.admits(&with_auth("Bearer pa")));
        assert!(auth.admits(&with_auth(&format!(
            "Basic {}",
            STANDARD.encode("a@acme-corp.com:t1")
        ))));
    }

    #[test]
    fn debug_output_hides_tokens() {
        let shown = format!(
            "{:?}",
            SimulatorAuth::basic("a@acme-corp.com", "very-secret-token")
        );
        assert!(
            !shown.contains("very-secret-token") && !shown.contains("a@acme-corp.com"),
            "{shown}"
        );
    }
}
