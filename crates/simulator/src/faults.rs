//! Fault injection for API requests: deterministic rules so tests can assert exact counts, and
//! a seeded random mode for demos. Decisions depend only on the request's sequence number
//! (and the seed), never on the clock.

use std::sync::Mutex;

use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::SimulatorError;

#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Every Nth API request (N, 2N, ...) is answered 429.
    pub every_nth_429: Option<u32>,
    /// `Retry-After` of a 429, in seconds. 0 is allowed for fast tests.
    pub retry_after_secs: u32,
    pub burst_5xx: Option<ServerErrorBurst>,
    pub random: Option<RandomFaults>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            every_nth_429: None,
            retry_after_secs: 1,
            burst_5xx: None,
            random: None,
        }
    }
}

/// After `after_requests` API requests, the next `count` requests answer `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerErrorBurst {
    pub after_requests: u64,
    pub count: u64,
    /// 500, 502, 503 or 504.
    pub status: u16,
}

/// Each API request independently fails with these probabilities, drawn from a seeded RNG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomFaults {
    pub rate_429: f64,
    pub rate_5xx: f64,
    pub seed: u64,
}

impl Faults {
    pub(crate) fn validate(&self) -> Result<(), SimulatorError> {
        if self.every_nth_429 == Some(0) {
            return Err(SimulatorError::InvalidConfig(
                "every_nth_429 must be at least 1",
            ));
        }
        if let Some(burst) = self.burst_5xx
            && !matches!(burst.status, 500 | 502 | 503 | 504)
        {
            return Err(SimulatorError::InvalidConfig(
                "burst_5xx status must be 500, 502, 503 or 504",
            ));
        }
        if let Some(random) = self.random {
            let in_range = |r: f64| (0.0..=1.0).contains(&r);
            if !in_range(random.rate_429)
                || !in_range(random.rate_5xx)
                || random.rate_429 + random.rate_5xx > 1.0
            {
                return Err(SimulatorError::InvalidConfig(
                    "random fault rates must be within 0..=1 and sum to at most 1",
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    RateLimited,
    ServerError(StatusCode),
}

/// Random-mode 5xx answers rotate through the statuses Cloud is seen to return under load.
const RANDOM_5XX: [StatusCode; 3] = [
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::BAD_GATEWAY,
    StatusCode::INTERNAL_SERVER_ERROR,
];

pub struct FaultInjector {
    faults: Faults,
    rng: Option<Mutex<StdRng>>,
}

impl FaultInjector {
    pub fn new(faults: &Faults) -> Self {
        let rng = faults
            .random
            .map(|r| Mutex::new(StdRng::seed_from_u64(r.seed)));
        FaultInjector {
            faults: faults.clone(),
            rng,
        }
    }

    pub fn retry_after_secs(&self) -> u32 {
        self.faults.retry_after_secs
    }

    /// The fault for the `n`th API request (1-based), if any. A burst wins over the 429 rule,
    /// and both win over random faults.
    pub fn decide(&self, n: u64) -> Option<Fault> {
        if let Some(burst) = self.faults.burst_5xx
            && n > burst.after_requests
            && n <= burst.after_requests.saturating_add(burst.count)
        {
            let status =
                StatusCode::from_u16(burst.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Some(Fault::ServerError(status));
        }
        if let Some(every) = self.faults.every_nth_429
            && every > 0
            && n.is_multiple_of(u64::from(every))
        {
            return Some(Fault::RateLimited);
        }
        let (random, rng) = (self.faults.random?, self.rng.as_ref()?);
        let mut rng = rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let roll: f64 = rng.random();
        if roll < random.rate_429 {
            Some(Fault::RateLimited)
        } else if roll < random.rate_429 + random.rate_5xx {
            Some(Fault::ServerError(
                RANDOM_5XX[rng.random_range(0..RANDOM_5XX.len())],
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decisions(faults: Faults, n: u64) -> Vec<Option<Fault>> {
        let injector = FaultInjector::new(&faults);
        (1..=n).map(|i| injector.decide(i)).collect()
    }

    #[test]
    fn no_faults_by_default() {
        assert!(
            decisions(Faults::default(), 100)
                .iter()
                .all(Option::is_none)
        );
    }

    #[test]
    fn every_nth_request_is_rate_limited() {
        let got = decisions(
            Faults {
                every_nth_429: Some(3),
                ..Faults::default()
            },
            7,
        );
        let limited: Vec<usize> = got
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_some())
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(limited, vec![3, 6]);
    }

    #[test]
    fn burst_covers_exactly_its_window() {
        let burst = ServerErrorBurst {
            after_requests: 2,
            count: 3,
            status: 502,
        };
        let got = decisions(
            Faults {
                burst_5xx: Some(burst),
                ..Faults::default()
            },
            7,
        );
        let bad = Some(Fault::ServerError(StatusCode::BAD_GATEWAY));
        assert_eq!(got, vec![None, None, bad, bad, bad, None, None]);
    }

    #[test]
    fn random_mode_is_reproducible_from_its_seed() {
        let faults = Faults {
            random: Some(RandomFaults {
                rate_429: 0.2,
                rate_5xx: 0.1,
                seed: 7,
            }),
            ..Faults::default()
        };
        let first = decisions(faults.clone(), 500);
        assert_eq!(first, decisions(faults, 500));
        let failures = first.iter().filter(|f| f.is_some()).count();
        assert!(
            (100..=200).contains(&failures),
            "{failures} failures of 500 at a 30% rate"
        );
    }

    #[test]
    fn invalid_settings_are_refused() {
        assert!(
            Faults {
                every_nth_429: Some(0),
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        let burst = ServerErrorBurst {
            after_requests: 0,
            count: 1,
            status: 404,
        };
        assert!(
            Faults {
                burst_5xx: Some(burst),
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        let random = RandomFaults {
            rate_429: 0.8,
            rate_5xx: 0.5,
            seed: 1,
        };
        assert!(
            Faults {
                random: Some(random),
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(Faults::default().validate().is_ok());
    }
}
