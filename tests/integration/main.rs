//! Integration tests: the real binary in temporary directories. One test
//! binary; the helpers are in harness.rs.

mod harness;

mod add;
mod bad_input;
mod concurrency;
mod crash;
mod diff;
mod sample;
mod verify_damage;
