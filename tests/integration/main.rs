//! Integration tests: the real binary in temporary directories. One test
//! binary; the helpers are in harness.rs.

mod harness;
mod http_server;

mod add;
mod bad_input;
mod bagit;
mod concurrency;
mod crash;
mod diff;
mod fetch;
mod html;
mod index;
mod sample;
mod sources;
mod transparency;
mod tsa;
mod verify_damage;
mod verify_jobs;
mod warc;
mod warc_import;
