//! Bringing in captures that other tools made.

mod digest;
pub mod warc;
