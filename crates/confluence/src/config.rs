//! How the client reaches a site: where it is, how it authenticates, and how hard it may push.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::WIKI_CONTEXT;
use super::error::ConfluenceError;

/// The most items Confluence v2 returns per list call.
pub const MAX_PAGE_LIMIT: u32 = 250;

/// Credentials for the site. `Debug` names the scheme only.
#[derive(Clone)]
pub enum Auth {
    /// Anonymous access (public spaces, the simulator).
    None,
    /// Confluence Cloud: an Atlassian account email with an API token.
    Basic {
        email: String,
        api_token: SecretString,
    },
    /// Confluence Data Center: a personal access token.
    Bearer { token: SecretString },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The email is left out too: it is personal data, and the scheme is all a log needs.
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Basic { .. } => {
                f.write_str("Auth::Basic { email: <redacted>, api_token: <redacted> }")
            }
            Auth::Bearer { .. } => f.write_str("Auth::Bearer { token: <redacted> }"),
        }
    }
}

impl Auth {
    /// The one place credentials are resolved: Cloud is an account email with an API token
    /// (`CONFLUENCE_EMAIL` + `CONFLUENCE_API_TOKEN`, Basic), Data Center a personal access
    /// token (`CONFLUENCE_PAT`, Bearer), and nothing at all is anonymous access (public spaces,
    /// the simulator). A half-set or doubly-set combination is an error that names the variable
    /// to set or unset, never a silent guess. Empty values count as unset.
    pub fn resolve(
        email: Option<&str>,
        api_token: Option<&SecretString>,
        pat: Option<&SecretString>,
    ) -> Result<Self, ConfluenceError> {
        let email = email.map(str::trim).filter(|v| !v.is_empty());
        let api_token = api_token.filter(|v| !v.expose_secret().trim().is_empty());
        let pat = pat.filter(|v| !v.expose_secret().trim().is_empty());
        match (email, api_token, pat) {
            (None, None, None) => Ok(Auth::None),
            (None, None, Some(pat)) => Ok(Auth::Bearer { token: pat.clone() }),
            (Some(email), Some(token), None) => Ok(Auth::Basic {
                email: email.to_owned(),
                api_token: token.clone(),
            }),
            (_, _, Some(_)) => Err(ConfluenceError::InvalidConfig(
                "both a personal access token (CONFLUENCE_PAT, Data Center) and Cloud credentials \
                 (CONFLUENCE_EMAIL, CONFLUENCE_API_TOKEN) are set: unset one of them",
            )),
            (Some(_), None, None) => Err(ConfluenceError::InvalidConfig(
                "CONFLUENCE_EMAIL is set without an API token: set CONFLUENCE_API_TOKEN \
                 (id.atlassian.com, Security, API tokens)",
            )),
            (None, Some(_), None) => Err(ConfluenceError::InvalidConfig(
                "CONFLUENCE_API_TOKEN is set without the account it belongs to: set CONFLUENCE_EMAIL",
            )),
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Auth::None)
    }

    /// The `Authorization` header value, marked sensitive so that the HTTP stack never prints it.
    pub(crate) fn header_value(&self) -> Result<Option<HeaderValue>, ConfluenceError> {
        let raw = match self {
            Auth::None => return Ok(None),
            Auth::Basic { email, api_token } => {
                let pair = format!("{email}:{}", api_token.expose_secret());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            Auth::Bearer { token } => format!("Bearer {}", token.expose_secret()),
        };
        let mut value = HeaderValue::from_str(&raw).map_err(|_| {
            ConfluenceError::InvalidConfig(
                "credentials contain characters not allowed in an HTTP header",
            )
        })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}

/// Which Confluence answers: Cloud (REST v2, plus v1 for CQL) or Data Center / Server
/// (REST v1 only, usually under a context path such as `/confluence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Cloud,
    #[serde(alias = "server", alias = "data-center", alias = "dc")]
    DataCenter,
}

impl Flavor {
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Cloud => "cloud",
            Flavor::DataCenter => "datacenter",
        }
    }

    /// The flavour a site and its credentials imply, and why, without a request: an
    /// Atlassian-hosted name is Cloud; a context path other than `/wiki` only Data Center
    /// uses; a personal access token (Bearer) is Data Center's credential and an account email
    /// with an API token Cloud's. Anything else (anonymous access to a bare host) is taken as
    /// Cloud: set `confluence.flavor` when it is not.
    pub fn detect(site: &Url, auth: &Auth) -> (Flavor, &'static str) {
        let host = site.host_str().unwrap_or_default().to_ascii_lowercase();
        let path = site.path().trim_end_matches('/');
        if [".atlassian.net", ".jira.com", ".jira-dev.com"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
        {
            return (Flavor::Cloud, "detected: an Atlassian Cloud host name");
        }
        if !(path.is_empty() || path == WIKI_CONTEXT) {
            return (Flavor::DataCenter, "detected: the site has a context path");
        }
        match auth {
            Auth::Bearer { .. } => (
                Flavor::DataCenter,
                "detected: a personal access token is Data Center's credential",
            ),
            Auth::Basic { .. } => (
                Flavor::Cloud,
                "detected: an account email with an API token is Cloud's credential",
            ),
            Auth::None => (
                Flavor::Cloud,
                "assumed: anonymous access to a host that names no flavour",
            ),
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the client needs; [`ClientConfig::new`] fills production defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The site: for Cloud its root, e.g. `https://acme.atlassian.net` (a trailing `/wiki` is
    /// accepted and dropped); for Data Center the base URL with its context path, e.g.
    /// `https://wiki.acme.internal/confluence`.
    pub site: Url,
    pub auth: Auth,
    /// `None`: detected from the site and the credentials ([`Flavor::detect`]).
    pub flavor: Option<Flavor>,
    /// Items per list call, 1..=250. The maximum keeps API calls per scanned page lowest.
    pub page_limit: u32,
    /// Client-side request budget shared by all clones; `None` leaves pacing to the server's 429s.
    pub max_requests_per_sec: Option<f64>,
    /// Retries after the first attempt, for 429, 5xx, connect errors and timeouts.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` the client waits out; a longer one fails with
    /// `RateLimited { retry_after }` so the job layer can reschedule instead of holding a worker.
    pub max_retry_after: Duration,
    /// Whole-request timeout for API calls (connect, headers and body).
    pub request_timeout: Duration,
    /// Whole-request timeout for each hop of an attachment download.
    pub download_timeout: Duration,
    pub max_download_bytes: u64,
    /// Cap on an API response body: a list of 250 pages with bodies is large, but not unbounded.
    pub max_response_bytes: u64,
}

impl ClientConfig {
    pub fn new(site: Url, auth: Auth) -> Self {
        ClientConfig {
            site,
            auth,
            flavor: None,
            page_limit: MAX_PAGE_LIMIT,
            max_requests_per_sec: None,
            max_retries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            download_timeout: Duration::from_secs(300),
            max_download_bytes: 100 * 1024 * 1024,
            max_response_bytes: 256 * 1024 * 1024,
        }
    }

    /// The flavour in force and why: the configured one, or the detected one.
    pub fn flavor(&self) -> (Flavor, &'static str) {
        match self.flavor {
            Some(flavor) => (flavor, "configured"),
            None => Flavor::detect(&self.site, &self.auth),
        }
    }

    /// Checks the settings and splits `site` into its origin (scheme, host, port; every API
    /// path and pagination link is joined to it) and the context path the REST APIs and
    /// downloads live under: `/wiki` on Cloud, the site's own path on Data Center (`""` when
    /// it is served at the root).
    pub(crate) fn validated_origin(&self) -> Result<(Url, String), ConfluenceError> {
        let site = &self.site;
        if !matches!(site.scheme(), "http" | "https") {
            return Err(ConfluenceError::InvalidConfig(
                "site must be an http or https URL",
            ));
        }
        if site.host_str().is_none() {
            return Err(ConfluenceError::InvalidConfig("site URL has no host"));
        }
        if !site.username().is_empty() || site.password().is_some() {
            return Err(ConfluenceError::InvalidConfig(
                "site URL must not carry credentials; use auth",
            ));
        }
        if site.query().is_some() || site.fragment().is_some() {
            return Err(ConfluenceError::InvalidConfig(
                "site URL must not have a query or fragment",
            ));
        }
        let path = site.path().trim_end_matches('/');
        let context = match self.flavor().0 {
            Flavor::Cloud if path.is_empty() || path == WIKI_CONTEXT => WIKI_CONTEXT.to_owned(),
            Flavor::Cloud => {
                return Err(ConfluenceError::InvalidConfig(
                    "a Cloud site URL must be the site root, e.g. https://acme.atlassian.net \
                     (for Data Center, set confluence.flavor = \"datacenter\")",
                ));
            }
            Flavor::DataCenter => path.to_owned(),
        };
        if !(1..=MAX_PAGE_LIMIT).contains(&self.page_limit) {
            return Err(ConfluenceError::InvalidConfig(
                "page_limit must be between 1 and 250",
            ));
        }
        if let Some(rate) = self.max_requests_per_sec
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(ConfluenceError::InvalidConfig(
                "max_requests_per_sec must be a positive number",
            ));
        }
        if self.backoff_base.is_zero() || self.backoff_max < self.backoff_base {
            return Err(ConfluenceError::InvalidConfig(
                "backoff_base must be positive and at most backoff_max",
            ));
        }
        if self.request_timeout.is_zero() || self.download_timeout.is_zero() {
            return Err(ConfluenceError::InvalidConfig("timeouts must be positive"));
        }
        if self.max_download_bytes == 0 || self.max_response_bytes == 0 {
            return Err(ConfluenceError::InvalidConfig(
                "byte limits must be positive",
            ));
        }
        let mut origin = site.clone();
        origin.set_path("/");
        Ok((origin, context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        email: Option<&str>,
        token: Option<&str>,
        pat: Option<&str>,
    ) -> Result<Auth, ConfluenceError> {
        let secret = |v: Option<&str>| v.map(|v| SecretString::from(v.to_owned()));
        Auth::resolve(email, secret(token).as_ref(), secret(pat).as_ref())
    }

    #[test]
    fn credentials_select_the_auth_scheme() {
        assert!(matches!(resolve(None, None, None), Ok(Auth::None)));
        let basic = resolve(Some(" bot@example.com "), Some("tok"), None);
        assert!(matches!(basic, Ok(Auth::Basic { ref email, .. }) if email == "bot@example.com"));
        assert!(matches!(
            resolve(Some(""), None, Some("pat")),
            Ok(Auth::Bearer { .. })
        ));
    }

    #[test]
    fn half_or_double_credentials_name_what_to_set() {
        let message = |r: Result<Auth, ConfluenceError>| r.unwrap_err().to_string();
        assert!(message(resolve(Some("a@b.c"), None, None)).contains("set CONFLUENCE_API_TOKEN"));
        assert!(message(resolve(None, Some("t"), None)).contains("set CONFLUENCE_EMAIL"));
        let both = message(resolve(Some("a@b.c"), Some("t"), Some("p")));
        assert!(
            both.contains("CONFLUENCE_PAT") && both.contains("unset one"),
            "{both}"
        );
        // A PAT with only half of the Cloud pair is a conflict too, not a silent Bearer.
        assert!(message(resolve(Some("a@b.c"), None, Some("p"))).contains("unset one"));
        assert!(!message(resolve(None, Some("t0ken-value"), Some("p4t-value"))).contains("value"));
    }

    #[test]
    fn header_values_have_the_documented_formats() {
        let basic = Auth::Basic {
            email: "bot@example.com".into(),
            api_token: "s3cret".into(),
        };
        let value = basic.header_value().unwrap().unwrap();
        // base64("bot@example.com:s3cret")
        assert_eq!(
            value.to_str().unwrap(),
            "Basic Ym90QGV4YW1wbGUuY29tOnMzY3JldA=="
        );
        assert!(value.is_sensitive());
        let bearer = Auth::Bearer {
            token: "pat-123".into(),
        }
        .header_value()
        .unwrap()
        .unwrap();
        assert_eq!(bearer.to_str().unwrap(), "Bearer pat-123");
        assert!(Auth::None.header_value().unwrap().is_none());
    }

    #[test]
    fn debug_never_shows_credentials() {
        let basic = Auth::Basic {
            email: "bot@example.com".into(),
            api_token: "s3cret-token".into(),
        };
        let bearer = Auth::Bearer {
            token: "pat-secret".into(),
        };
        let cfg = ClientConfig::new("https://acme.atlassian.net".parse().unwrap(), basic.clone());
        for text in [
            format!("{basic:?}"),
            format!("{bearer:?}"),
            format!("{cfg:?}"),
        ] {
            assert!(
                !text.contains("s3cret") && !text.contains("pat-secret") && !text.contains("bot@"),
                "{text}"
            );
        }
    }

    #[test]
    fn site_is_reduced_to_its_origin() {
        for site in [
            "https://acme.atlassian.net",
            "https://acme.atlassian.net/wiki",
            "https://acme.atlassian.net/wiki/",
        ] {
            let cfg = ClientConfig::new(site.parse().unwrap(), Auth::None);
            let (origin, context) = cfg.validated_origin().unwrap();
            assert_eq!(origin.as_str(), "https://acme.atlassian.net/");
            assert_eq!(context, "/wiki");
        }
        for bad in [
            "ftp://acme.example",
            "https://u:p@acme.atlassian.net",
            "https://acme.atlassian.net/x",
            "https://a.b/?q=1",
        ] {
            let cfg = ClientConfig::new(bad.parse().unwrap(), Auth::None);
            assert!(cfg.validated_origin().is_err(), "{bad}");
        }
    }

    #[test]
    fn data_center_keeps_its_context_path() {
        let bearer = Auth::Bearer {
            token: "pat".into(),
        };
        let cfg = ClientConfig::new(
            "https://wiki.acme.internal/confluence/".parse().unwrap(),
            Auth::None,
        );
        assert_eq!(cfg.flavor().0, Flavor::DataCenter);
        let (origin, context) = cfg.validated_origin().unwrap();
        assert_eq!(origin.as_str(), "https://wiki.acme.internal/");
        assert_eq!(context, "/confluence");
        let root = ClientConfig::new("https://wiki.acme.internal".parse().unwrap(), bearer);
        assert_eq!(root.flavor().0, Flavor::DataCenter);
        assert_eq!(root.validated_origin().unwrap().1, "");
        let mut forced =
            ClientConfig::new("https://acme.atlassian.net".parse().unwrap(), Auth::None);
        assert_eq!(
            forced.flavor(),
            (Flavor::Cloud, "detected: an Atlassian Cloud host name")
        );
        forced.flavor = Some(Flavor::DataCenter);
        assert_eq!(forced.flavor(), (Flavor::DataCenter, "configured"));
        assert_eq!(forced.validated_origin().unwrap().1, "");
    }

    #[test]
    fn limits_are_validated() {
        let site: Url = "https://acme.atlassian.net".parse().unwrap();
        let mut cfg = ClientConfig::new(site, Auth::None);
        cfg.page_limit = 251;
        assert!(cfg.validated_origin().is_err());
        cfg.page_limit = 250;
        cfg.max_requests_per_sec = Some(0.0);
        assert!(cfg.validated_origin().is_err());
        cfg.max_requests_per_sec = Some(f64::NAN);
        assert!(cfg.validated_origin().is_err());
        cfg.max_requests_per_sec = Some(2.5);
        assert!(cfg.validated_origin().is_ok());
    }
}
