//! Ingest: how content becomes scan jobs. The crawler walks a space; crawl jobs run it inside
//! a worker for the scans the service starts; webhooks (a later issue) will turn Confluence
//! events into the same jobs.

pub mod crawl_job;
pub mod crawler;

pub use crawl_job::{CrawlDeps, CrawlEnd, ScanPlan, enqueue_crawl, plan_scan};
pub use crawler::{CrawlError, CrawlStats, Crawler};
