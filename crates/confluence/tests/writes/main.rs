//! The client's writes against the project's Confluence simulator, Cloud and Data Center:
//! every test starts its own simulator on port 0, so tests never see each other's writes.

mod harness;

mod content;
mod exposure;
mod files;
mod labels;
mod redaction;
