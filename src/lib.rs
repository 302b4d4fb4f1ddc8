//! confluence-dlp: finds and fixes sensitive data at rest in Confluence.
//!
//! The service and command-line crate, on top of the workspace (docs/ARCHITECTURE.md): `app`
//! is the composition root every command builds through; `ingest` (the crawler, later webhooks
//! and the scheduler) turns content into jobs for `dlp_jobs`; the job handlers live in
//! `dlp_workers` (fetch, extract, classify, record); `scan` runs a whole scan from start to
//! summary; `mcp` is the redacting proxy in front of an MCP server; `console` is the web page
//! `serve` answers at `/`.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub mod ingest;
pub mod jobs;
pub mod keys;
pub mod mcp;
pub mod metrics;
pub mod redact;
pub mod remediate;
pub mod scan;
pub mod scheduler;
pub mod webhooks;
