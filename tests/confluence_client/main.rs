//! The Confluence client against small HTTP peers that answer like Confluence Cloud.
//!
//! Each test starts one or two axum servers on 127.0.0.1:0 whose behaviour is a closure over
//! the request (and how many came before it); every request is recorded, so tests assert on
//! what the client actually sent: paths, queries, credentials, retries.

mod peer;

mod credentials;
mod downloads;
mod pagination;
mod resilience;
mod single_reads;
