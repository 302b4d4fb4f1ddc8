//! Sending one webhook event as Confluence does: a POST, tried again with a growing pause
//! when the receiver fails or does not answer 2xx.

use std::time::{Duration, Instant};

const ATTEMPTS: u32 = 5;

/// Whether the event was taken, and the slowest answer (ms) among the attempts. `request`
/// builds each attempt afresh (a Forge token is minted per attempt).
pub(crate) async fn deliver(request: impl Fn() -> reqwest::RequestBuilder) -> (bool, u64) {
    let mut slowest = 0;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        let asked = Instant::now();
        let sent = request().send().await;
        slowest = slowest.max(asked.elapsed().as_millis() as u64);
        if sent.is_ok_and(|r| r.status().is_success()) {
            return (true, slowest);
        }
    }
    (false, slowest)
}
