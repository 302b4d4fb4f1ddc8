//! The simulator seen from the outside: plain HTTP against a running instance serving
//! `samples/spaces`, asserting Cloud's shapes and behaviours (no project client involved).

mod harness;

mod data_center_reads;
mod data_center_writes;
mod gateway;
mod listings;
mod sample;
