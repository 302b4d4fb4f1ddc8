//! Cloud's points-based rate limit, as apps have met it since March 2026: each call costs a
//! point plus a point per object it returns, a window (an hour on Cloud) has a budget, and
//! every answer says how much of it is left. Spent, the API answers 429 until the window
//! ends, with `RateLimit-Reason: confluence-quota-tenant-based`.

use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// A points budget per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub points: u64,
    pub window: Duration,
}

/// Below this share left, answers carry `X-RateLimit-NearLimit: true` (Cloud's 20%).
const NEAR_SHARE: f64 = 0.2;

#[derive(Debug)]
pub(crate) struct QuotaMeter {
    quota: Quota,
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    /// The same moment on the wall clock, for `X-RateLimit-Reset`.
    started_at: DateTime<Utc>,
    spent: u64,
}

/// The meter's answer to a request about to be served.
pub(crate) enum Admission {
    Admitted,
    /// The window's budget is spent: wait this long.
    Spent {
        retry_after: Duration,
    },
}

impl QuotaMeter {
    pub(crate) fn new(quota: Quota) -> QuotaMeter {
        QuotaMeter {
            quota,
            state: Mutex::new(Window {
                started: Instant::now(),
                started_at: Utc::now(),
                spent: 0,
            }),
        }
    }

    pub(crate) fn limit(&self) -> u64 {
        self.quota.points
    }

    /// Whether a request may be served now. The call's own point is charged when it is
    /// served ([`QuotaMeter::charge`]), with its objects.
    pub(crate) fn admit(&self) -> Admission {
        let window = self.window();
        if window.spent >= self.quota.points {
            let left = self.quota.window.saturating_sub(window.started.elapsed());
            return Admission::Spent {
                retry_after: left.max(Duration::from_secs(1)),
            };
        }
        Admission::Admitted
    }

    /// Charges a served call (1 point) and the objects it returned, and writes the headers
    /// that tell the client what is left.
    pub(crate) fn charge(&self, objects: u64, headers: &mut HeaderMap) {
        let (remaining, reset) = {
            let mut window = self.window();
            window.spent = window.spent.saturating_add(1 + objects);
            (
                self.quota.points.saturating_sub(window.spent),
                self.reset_of(&window),
            )
        };
        let near = (remaining as f64) < self.quota.points as f64 * NEAR_SHARE;
        let pairs = [
            ("x-ratelimit-limit", self.quota.points.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-reset", reset),
            ("x-ratelimit-nearlimit", near.to_string()),
        ];
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }

    /// The current window, a new one if the last has ended.
    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        let mut window = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if window.started.elapsed() >= self.quota.window {
            *window = Window {
                started: Instant::now(),
                started_at: Utc::now(),
                spent: 0,
            };
        }
        window
    }

    fn reset_of(&self, window: &Window) -> String {
        let reset = window.started_at
            + chrono::Duration::from_std(self.quota.window).unwrap_or(chrono::Duration::zero());
        reset.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// Objects in a v2 answer: the length of `results` for a list, one for a single object.
pub(crate) fn objects_in(body: &[u8]) -> u64 {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => match map.get("results") {
            Some(serde_json::Value::Array(items)) => items.len() as u64,
            _ => 1,
        },
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_counted_from_the_answer() {
        assert_eq!(objects_in(br#"{"results":[{"id":"1"},{"id":"2"}]}"#), 2);
        assert_eq!(objects_in(br#"{"id":"1"}"#), 1);
        assert_eq!(objects_in(b"not json"), 0);
    }

    #[tokio::test]
    async fn a_spent_window_refuses_until_it_ends_and_headers_count_down() {
        let meter = QuotaMeter::new(Quota {
            points: 10,
            window: Duration::from_millis(300),
        });
        let mut headers = HeaderMap::new();
        assert!(matches!(meter.admit(), Admission::Admitted));
        meter.charge(3, &mut headers);
        assert_eq!(headers["x-ratelimit-remaining"], "6");
        assert_eq!(headers["x-ratelimit-nearlimit"], "false");
        meter.charge(4, &mut headers);
        assert_eq!(headers["x-ratelimit-remaining"], "1");
        assert_eq!(headers["x-ratelimit-nearlimit"], "true");
        meter.charge(0, &mut headers);
        assert!(matches!(meter.admit(), Admission::Spent { .. }));
        tokio::time::sleep(Duration::from_millis(320)).await;
        assert!(matches!(meter.admit(), Admission::Admitted));
    }
}
