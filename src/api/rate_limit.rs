//! A rate limit per token: governor's keyed GCRA limiter, keyed by the token's name.
//!
//! Not tower_governor: its key extractors run before our authentication, so keying by token
//! there would mean either trusting an unauthenticated header (anyone could exhaust a real
//! token's budget by sending its name) or hashing and looking the token up twice. Checking
//! the limiter inside the authentication middleware, after the token is known, does neither.
//! The limit is per process: N API processes allow N times the rate.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;

pub struct TokenLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl TokenLimiter {
    /// `per_second` requests a second on average, in bursts of up to `burst`.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> TokenLimiter {
        let quota = Quota::per_second(per_second).allow_burst(burst);
        TokenLimiter {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` while the token is within its limit; otherwise a 429 saying when to come back
    /// (whole seconds, rounded up, as Retry-After takes).
    pub fn check(&self, token_name: &str) -> Result<(), ApiError> {
        // Forget tokens idle long enough to be back at a full burst: the map stays as small
        // as the set of recently active tokens.
        if self.limiter.len() > 1024 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&token_name.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                ApiError::RateLimited {
                    retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_has_its_own_budget() {
        let one = NonZeroU32::new(1).unwrap();
        let limiter = TokenLimiter::new(one, NonZeroU32::new(2).unwrap());
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        match limiter.check("a") {
            Err(ApiError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("{other:?}"),
        }
        assert!(
            limiter.check("b").is_ok(),
            "another token is not limited by the first"
        );
    }
}
