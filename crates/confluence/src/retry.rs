//! When to try again, and how long to wait first.
//!
//! One loop serves API calls and downloads alike: an attempt reports a [`Failure`], and the
//! loop decides between waiting and giving up with a typed [`ConfluenceError`].
//!
//! - 429: wait what the server asks (`Retry-After` in seconds or as an HTTP date, else
//!   `X-RateLimit-Reset`, else backoff). The wait goes into the shared request budget, so all
//!   clones of the client hold back, not only the worker that was told.
//! - 5xx (but 501/505, which will not change), connect errors, timeouts, broken bodies:
//!   jittered exponential backoff.
//! - Any other status fails at once (409, a write against a stale version, as `Conflict`).
//!
//! Writes that are not idempotent (POST) are retried on 429 only: a 5xx or a broken
//! connection may come after the server applied the write, and a second attempt would apply
//! it twice. A 429 is answered before the request is handled, so it is always safe to repeat.
//!
//! Every retry is logged with status, attempt and wait, and with the request's path only
//! (never its query, which for signed media URLs holds tokens).

use std::future::Future;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::error::ConfluenceError;
use super::http::Inner;

/// How one attempt went wrong.
pub(crate) enum Failure {
    /// A non-success status, with the wait the server asked for, if it said.
    Status {
        status: StatusCode,
        server_wait: Option<Duration>,
    },
    /// The request or its body failed below HTTP.
    Transport(reqwest::Error),
    /// Not worth retrying (a refused link, a body over the limit).
    Fatal(ConfluenceError),
}

impl Failure {
    pub fn from_status(status: StatusCode, headers: &HeaderMap) -> Self {
        Failure::Status {
            status,
            server_wait: server_wait(headers, SystemTime::now()),
        }
    }
}

impl From<ConfluenceError> for Failure {
    fn from(err: ConfluenceError) -> Self {
        Failure::Fatal(err)
    }
}

impl Inner {
    /// Runs `attempt` until it succeeds or the failure is final. `label` names the request in
    /// logs: a URL path, never a query.
    pub(crate) async fn retrying<T, F, Fut>(
        &self,
        label: &str,
        attempt: F,
    ) -> Result<T, ConfluenceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        self.retrying_as(label, true, attempt).await
    }

    /// [`Inner::retrying`], saying whether the request may be repeated after a 5xx or a
    /// transport failure (`idempotent`: GET, PUT, DELETE) or only after a 429 (POST).
    pub(crate) async fn retrying_as<T, F, Fut>(
        &self,
        label: &str,
        idempotent: bool,
        mut attempt: F,
    ) -> Result<T, ConfluenceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let max_retries = self.cfg.max_retries;
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let failure = match attempt().await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let can_retry = attempts <= max_retries;
            match failure {
                Failure::Fatal(err) => return Err(err),
                Failure::Status {
                    status,
                    server_wait,
                } => match status.as_u16() {
                    401 if self.cfg.auth.is_anonymous() => {
                        return Err(ConfluenceError::CredentialsRequired);
                    }
                    401 => return Err(ConfluenceError::Unauthorized),
                    403 => return Err(ConfluenceError::Forbidden),
                    404 => return Err(ConfluenceError::NotFound),
                    409 => return Err(ConfluenceError::Conflict),
                    429 => {
                        let wait = server_wait.unwrap_or_else(|| self.backoff(attempts));
                        if !can_retry || wait > self.cfg.max_retry_after {
                            return Err(ConfluenceError::RateLimited {
                                attempts,
                                retry_after: server_wait,
                            });
                        }
                        tracing::warn!(
                            status = 429,
                            attempt = attempts,
                            max_retries,
                            wait_ms = wait.as_millis() as u64,
                            endpoint = label,
                            "Confluence rate limit; waiting before retrying"
                        );
                        // No sleep here: the next attempt's budget slot is behind the pause.
                        self.budget.pause_until(Instant::now() + wait);
                    }
                    code @ 500..=599 => {
                        if !can_retry || !idempotent || matches!(code, 501 | 505) {
                            return Err(ConfluenceError::Server {
                                status: code,
                                attempts,
                            });
                        }
                        let wait = server_wait
                            .filter(|w| *w <= self.cfg.max_retry_after)
                            .unwrap_or_else(|| self.backoff(attempts));
                        tracing::warn!(
                            status = code,
                            attempt = attempts,
                            max_retries,
                            wait_ms = wait.as_millis() as u64,
                            endpoint = label,
                            "Confluence server error; retrying"
                        );
                        tokio::time::sleep(wait).await;
                    }
                    code => return Err(ConfluenceError::UnexpectedStatus { status: code }),
                },
                Failure::Transport(err) => {
                    let err = err.without_url();
                    let transient =
                        err.is_timeout() || err.is_connect() || err.is_request() || err.is_body();
                    if !transient || !can_retry || !idempotent {
                        return Err(if err.is_timeout() {
                            ConfluenceError::Timeout { attempts }
                        } else {
                            ConfluenceError::Transport {
                                attempts,
                                source: err,
                            }
                        });
                    }
                    let wait = self.backoff(attempts);
                    tracing::warn!(
                        error = %err,
                        timeout = err.is_timeout(),
                        attempt = attempts,
                        max_retries,
                        wait_ms = wait.as_millis() as u64,
                        endpoint = label,
                        "Confluence request failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Exponential backoff with "equal jitter": at least half the exponential step, so waits
    /// grow, plus a random half, so workers that failed together do not retry together.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        backoff_step(
            self.cfg.backoff_base,
            self.cfg.backoff_max,
            attempt,
            &mut rand::rng(),
        )
    }
}

fn backoff_step(base: Duration, cap: Duration, attempt: u32, rng: &mut impl rand::Rng) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let step = base.checked_mul(1u32 << exponent).unwrap_or(cap).min(cap);
    let half = step / 2;
    let jitter_nanos = rng.random_range(0..=half.as_nanos().min(u64::MAX as u128) as u64);
    half + Duration::from_nanos(jitter_nanos)
}

/// The wait a response asks for: `Retry-After` (delta seconds or HTTP date), else
/// `X-RateLimit-Reset` (epoch seconds or millis, delta seconds, or a timestamp).
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    header("retry-after")
        .and_then(|v| parse_retry_after(v, now))
        .or_else(|| reset_wait(headers, now))
}

/// The time until `X-RateLimit-Reset`: when the server's window starts again.
pub(crate) fn reset_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    headers
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_reset(v.trim(), now))
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).ok())
            .flatten();
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|t| until(t.with_timezone(&Utc), now))
}

fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(n) = value.parse::<i64>() {
        let at = match n {
            n if n >= 1_000_000_000_000 => DateTime::from_timestamp_millis(n)?,
            n if n >= 1_000_000_000 => DateTime::from_timestamp(n, 0)?,
            n => return Some(Duration::from_secs(n.max(0) as u64)),
        };
        return Some(until(at, now));
    }
    DateTime::parse_from_rfc3339(value)
        .or_else(|_| DateTime::parse_from_rfc2822(value))
        .ok()
        .map(|t| until(t.with_timezone(&Utc), now))
}

fn until(at: DateTime<Utc>, now: SystemTime) -> Duration {
    (at - DateTime::<Utc>::from(now))
        .to_std()
        .unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn at(rfc3339: &str) -> SystemTime {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&Utc)
            .into()
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = at("2015-10-21T07:27:50Z");
        assert_eq!(
            server_wait(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            server_wait(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        let date = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(server_wait(&date, now), Some(Duration::from_secs(10)));
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]);
        assert_eq!(server_wait(&past, now), Some(Duration::ZERO));
        assert_eq!(server_wait(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(server_wait(&headers(&[("retry-after", "-3")]), now), None);
    }

    #[test]
    fn rate_limit_reset_is_the_fallback() {
        let now = at("2026-03-01T12:00:00Z");
        let iso = headers(&[("x-ratelimit-reset", "2026-03-01T12:00:30Z")]);
        assert_eq!(server_wait(&iso, now), Some(Duration::from_secs(30)));
        let epoch = headers(&[("x-ratelimit-reset", &(1_772_366_400 + 4).to_string())]);
        assert_eq!(server_wait(&epoch, now), Some(Duration::from_secs(4)));
        let delta = headers(&[("x-ratelimit-reset", "12")]);
        assert_eq!(server_wait(&delta, now), Some(Duration::from_secs(12)));
        let both = headers(&[("retry-after", "2"), ("x-ratelimit-reset", "12")]);
        assert_eq!(
            server_wait(&both, now),
            Some(Duration::from_secs(2)),
            "Retry-After wins"
        );
        assert_eq!(server_wait(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_grows_within_jitter_and_cap() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        let mut rng = rand::rng();
        for _ in 0..200 {
            let first = backoff_step(base, cap, 1, &mut rng);
            assert!(
                first >= Duration::from_millis(50) && first <= base,
                "{first:?}"
            );
            let third = backoff_step(base, cap, 3, &mut rng);
            assert!(
                third >= Duration::from_millis(200) && third <= Duration::from_millis(400),
                "{third:?}"
            );
            let late = backoff_step(base, cap, 40, &mut rng);
            assert!(late >= cap / 2 && late <= cap, "{late:?}");
        }
    }
}
