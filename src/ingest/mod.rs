//! Ingest: how content becomes scan jobs. The crawler walks a space; webhooks (a later issue)
//! will turn Confluence events into the same jobs.

pub mod crawler;

pub use crawler::{CrawlError, CrawlStats, Crawler};
