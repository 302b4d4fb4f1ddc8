//! The client-side request budget, shared by every clone of the client.
//!
//! Requests are given start slots at least `1 / rate` apart, so N requests take at least
//! `(N - 1) / rate` seconds however many workers send them. There is deliberately no burst
//! allowance: Confluence's API-token limits are burst limits, so a smooth rate is what stays
//! under them. The same schedule carries the server's own back-pressure: a 429 pushes the next
//! slot past its `Retry-After`, which holds back every worker, not only the one that was told,
//! and a server that says its quota is running low ([`QuotaSignal`]) widens the spacing until
//! its window has passed.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::error::ConfluenceError;
use super::quota::QuotaSignal;

#[derive(Debug)]
pub(crate) struct RequestBudget {
    /// Minimum spacing between request starts; `None` means no client-side pacing.
    interval: Option<Duration>,
    schedule: Mutex<Schedule>,
}

#[derive(Debug)]
struct Schedule {
    /// The earliest moment the next request may start.
    next_slot: Instant,
    /// The server's pace while its quota is low: the spacing, and until when.
    server_pace: Option<(Duration, Instant)>,
}

impl RequestBudget {
    pub fn new(max_requests_per_sec: Option<f64>) -> Result<Self, ConfluenceError> {
        let interval = match max_requests_per_sec {
            None => None,
            Some(rate) if rate.is_finite() && rate > 0.0 => {
                Some(Duration::try_from_secs_f64(1.0 / rate).map_err(|_| {
                    ConfluenceError::InvalidConfig("max_requests_per_sec is out of range")
                })?)
            }
            Some(_) => {
                return Err(ConfluenceError::InvalidConfig(
                    "max_requests_per_sec must be a positive number",
                ));
            }
        };
        Ok(RequestBudget {
            interval,
            schedule: Mutex::new(Schedule {
                next_slot: Instant::now(),
                server_pace: None,
            }),
        })
    }

    /// Waits for this request's slot. The slot is reserved before waiting, so concurrent
    /// callers queue up in call order instead of all waking at the same instant.
    pub async fn acquire(&self) {
        let slot = {
            let mut schedule = self.lock();
            let now = Instant::now();
            let slot = schedule.next_slot.max(now);
            let server = match schedule.server_pace {
                Some((interval, until)) if slot < until => interval,
                _ => Duration::ZERO,
            };
            schedule.next_slot = slot + self.interval.unwrap_or(Duration::ZERO).max(server);
            slot
        };
        // A timer rounds up to the next millisecond tick even for a past deadline: skip it
        // when the slot is already due, or every unpaced request would pay a millisecond.
        if slot > Instant::now() {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Holds every request back until `until` (a server-imposed cool-down).
    pub fn pause_until(&self, until: Instant) {
        let mut schedule = self.lock();
        if until > schedule.next_slot {
            schedule.next_slot = until;
        }
    }

    /// Takes the server's word on its quota from an answer: paces every request while it is
    /// low, and stops as soon as an answer says there is enough again.
    pub fn observe(&self, signal: QuotaSignal) {
        let mut schedule = self.lock();
        schedule.server_pace = match signal {
            QuotaSignal::Clear => None,
            QuotaSignal::Pace { interval, window } => {
                let now = Instant::now();
                // The next request already waits at least one spacing from now.
                schedule.next_slot = schedule.next_slot.max(now + interval);
                Some((interval, now + window))
            }
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // The guarded values are plain instants, valid whatever a panicking holder was doing.
        self.schedule
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn unpaced_budget_does_not_wait() {
        let budget = RequestBudget::new(None).unwrap();
        let start = Instant::now();
        for _ in 0..100 {
            budget.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(50));
    }

    #[tokio::test]
    async fn concurrent_callers_share_the_rate() {
        let budget = Arc::new(RequestBudget::new(Some(50.0)).unwrap());
        let start = Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let budget = Arc::clone(&budget);
                tokio::spawn(async move { budget.acquire().await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        // 6 requests at 50/s: the last starts at least 5 x 20 ms after the first.
        assert!(
            start.elapsed() >= Duration::from_millis(100),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn a_low_quota_spaces_requests_until_an_answer_clears_it() {
        let budget = RequestBudget::new(None).unwrap();
        budget.observe(QuotaSignal::Pace {
            interval: Duration::from_millis(40),
            window: Duration::from_secs(60),
        });
        let start = Instant::now();
        for _ in 0..3 {
            budget.acquire().await;
        }
        // The first waits one spacing, the next two one spacing each.
        assert!(
            start.elapsed() >= Duration::from_millis(120),
            "{:?}",
            start.elapsed()
        );
        budget.observe(QuotaSignal::Clear);
        let cleared = Instant::now();
        budget.acquire().await; // the slot reserved before the clear
        for _ in 0..20 {
            budget.acquire().await;
        }
        assert!(
            cleared.elapsed() < Duration::from_millis(100),
            "{:?}",
            cleared.elapsed()
        );
    }

    #[tokio::test]
    async fn pause_holds_back_the_next_request() {
        let budget = RequestBudget::new(None).unwrap();
        let start = Instant::now();
        budget.pause_until(start + Duration::from_millis(80));
        budget.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(80));
        // An earlier pause never shortens a later one.
        budget.pause_until(start);
        let again = Instant::now();
        budget.acquire().await;
        assert!(again.elapsed() < Duration::from_millis(50));
    }

    #[test]
    fn rejects_nonsense_rates() {
        assert!(RequestBudget::new(Some(0.0)).is_err());
        assert!(RequestBudget::new(Some(-1.0)).is_err());
        assert!(RequestBudget::new(Some(f64::INFINITY)).is_err());
        assert!(RequestBudget::new(Some(1e-300)).is_err());
    }
}
