//! confluence-dlp: finds and fixes sensitive data at rest in Confluence.
//!
//! The module tree follows the data flow of DESIGN.md: `ingest` (crawler, later webhooks)
//! turns content into `jobs`; `workers` run each job through `confluence` (fetch), `extract`,
//! `classify` and `store` (record). The `simulator` serves sample spaces over the same
//! Confluence REST API for tests and the demo.

pub mod bench;
pub mod classify;
pub mod cli;
pub mod config;
pub mod confluence;
pub mod domain;
pub mod extract;
pub mod ingest;
pub mod jobs;
pub mod scan;
pub mod simulator;
pub mod store;

/// What a worker does with one job: fetch, extract, classify, record. It lives in `workers/`
/// at the top of the tree so that the tree reads like the data flow; it is part of this crate
/// so that one binary can enqueue, run and serve.
#[path = "../workers/mod.rs"]
pub mod workers;
