//! The client-side request budget, shared by every clone of the client.
//!
//! Requests are given start slots at least `1 / rate` apart, so N requests take at least
//! `(N - 1) / rate` seconds however many workers send them. There is deliberately no burst
//! allowance: Confluence's API-token limits are burst limits, so a smooth rate is what stays
//! under them. The same schedule carries the server's own back-pressure: a 429 pushes the next
//! slot past its `Retry-After`, which holds back every worker, not only the one that was told.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::error::ConfluenceError;

#[derive(Debug)]
pub(crate) struct RequestBudget {
    /// Minimum spacing between request starts; `None` means no client-side pacing.
    interval: Option<Duration>,
    /// The earliest moment the next request may start.
    next_slot: Mutex<Instant>,
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
            next_slot: Mutex::new(Instant::now()),
        })
    }

    /// Waits for this request's slot. The slot is reserved before waiting, so concurrent
    /// callers queue up in call order instead of all waking at the same instant.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.lock();
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval.unwrap_or(Duration::ZERO);
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
        let mut next = self.lock();
        if until > *next {
            *next = until;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Instant> {
        // The guarded value is a plain instant, valid whatever a panicking holder was doing.
        self.next_slot
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
