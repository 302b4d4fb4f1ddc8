//! The server's account of its rate limit, read off every answer, so that the whole process
//! slows down before Confluence says 429 rather than after.
//!
//! Cloud sends `X-RateLimit-Limit`, `-Remaining`, `-Reset` and `X-RateLimit-NearLimit: true`
//! when less than a fifth of the window's budget is left; Data Center's token bucket sends
//! `X-RateLimit-Remaining` with `-Interval-Seconds` and `-FillRate` (tokens added per
//! interval). Either way the answer is a pace: spread what is left over the time until more
//! arrives.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// Below this share of the limit left, pace even without `NearLimit` (Cloud sets it at 20%).
const LOW_SHARE: f64 = 0.2;
/// The longest pause taken from headers alone: a clock far off, or a reset a day away, must
/// not stall a scan for longer than a 429 would.
const MAX_PACE_WINDOW: Duration = Duration::from_secs(300);
/// Past the server's reset before the last spacing ends: its clock and ours, and the time a
/// request takes to arrive, differ by a little.
const RESET_MARGIN: Duration = Duration::from_millis(50);

/// What a response says about the quota left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum QuotaSignal {
    /// Plenty left, or no rate-limit headers: no pacing.
    Clear,
    /// Little left: at most one request per `interval` until `window` has passed.
    Pace {
        interval: Duration,
        window: Duration,
    },
}

impl QuotaSignal {
    pub(crate) fn from_headers(headers: &HeaderMap, now: SystemTime) -> QuotaSignal {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let number = |name: &str| text(name).and_then(|v| v.parse::<f64>().ok());
        let Some(remaining) = number("x-ratelimit-remaining").filter(|r| *r >= 0.0) else {
            return QuotaSignal::Clear;
        };
        let near = text("x-ratelimit-nearlimit").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let low = number("x-ratelimit-limit")
            .filter(|l| *l > 0.0)
            .is_some_and(|limit| remaining < limit * LOW_SHARE);
        if !near && !low {
            return QuotaSignal::Clear;
        }
        // Data Center: a bucket refilled at FillRate tokens per Interval-Seconds. The pace
        // that never empties it is its fill rate.
        if let (Some(fill), Some(every)) = (
            number("x-ratelimit-fillrate"),
            number("x-ratelimit-interval-seconds"),
        ) && fill > 0.0
            && every > 0.0
        {
            let interval = Duration::try_from_secs_f64(every / fill).unwrap_or(MAX_PACE_WINDOW);
            return QuotaSignal::Pace {
                interval: interval.min(MAX_PACE_WINDOW),
                window: Duration::try_from_secs_f64(every)
                    .unwrap_or(MAX_PACE_WINDOW)
                    .min(MAX_PACE_WINDOW),
            };
        }
        // Cloud: what is left, spread evenly until the window resets.
        let Some(window) = super::retry::reset_wait(headers, now) else {
            return QuotaSignal::Clear;
        };
        let window = window.min(MAX_PACE_WINDOW) + RESET_MARGIN;
        let interval = window.div_f64(remaining + 1.0);
        QuotaSignal::Pace { interval, window }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn plenty_left_or_no_headers_is_no_pacing() {
        assert_eq!(
            QuotaSignal::from_headers(&HeaderMap::new(), now()),
            QuotaSignal::Clear
        );
        let plenty = headers(&[
            ("x-ratelimit-limit", "1000"),
            ("x-ratelimit-remaining", "900"),
            ("x-ratelimit-reset", "1800000060"),
        ]);
        assert_eq!(
            QuotaSignal::from_headers(&plenty, now()),
            QuotaSignal::Clear
        );
    }

    #[test]
    fn near_the_limit_what_is_left_is_spread_until_the_reset() {
        let near = headers(&[
            ("x-ratelimit-limit", "1000"),
            ("x-ratelimit-remaining", "99"),
            ("x-ratelimit-reset", "1800000060"),
            ("x-ratelimit-nearlimit", "true"),
        ]);
        assert_eq!(
            QuotaSignal::from_headers(&near, now()),
            QuotaSignal::Pace {
                interval: Duration::from_millis(600) + RESET_MARGIN / 100,
                window: Duration::from_secs(60) + RESET_MARGIN
            }
        );
        // A low remainder paces even without the flag.
        let low = headers(&[
            ("x-ratelimit-limit", "1000"),
            ("x-ratelimit-remaining", "9"),
            ("x-ratelimit-reset", "1800000010"),
        ]);
        assert_eq!(
            QuotaSignal::from_headers(&low, now()),
            QuotaSignal::Pace {
                interval: Duration::from_secs(1) + RESET_MARGIN / 10,
                window: Duration::from_secs(10) + RESET_MARGIN
            }
        );
    }

    #[test]
    fn data_center_paces_at_the_buckets_fill_rate() {
        let dc = headers(&[
            ("x-ratelimit-limit", "20"),
            ("x-ratelimit-remaining", "2"),
            ("x-ratelimit-interval-seconds", "1"),
            ("x-ratelimit-fillrate", "5"),
        ]);
        assert_eq!(
            QuotaSignal::from_headers(&dc, now()),
            QuotaSignal::Pace {
                interval: Duration::from_millis(200),
                window: Duration::from_secs(1)
            }
        );
    }

    #[test]
    fn a_reset_far_away_is_capped() {
        let far = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-nearlimit", "true"),
            ("x-ratelimit-reset", "1800086400"),
        ]);
        let QuotaSignal::Pace { window, .. } = QuotaSignal::from_headers(&far, now()) else {
            panic!("paced");
        };
        assert_eq!(window, MAX_PACE_WINDOW + RESET_MARGIN);
    }
}
