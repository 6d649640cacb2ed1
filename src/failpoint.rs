//! Crash injection for the tests of crash safety.
//!
//! When the environment variable `PROVENANCE_TEST_CRASH_AT` names a point,
//! the process aborts there, as abruptly as `kill -9`: no destructor runs,
//! no buffer is flushed, no temporary file is removed. The tests use it to
//! stop an `add` at each step of a write and check what `verify` says.
//! Unset, it costs one cached lookup.

use std::sync::OnceLock;

pub const VAR: &str = "PROVENANCE_TEST_CRASH_AT";

pub fn armed(point: &str) -> bool {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(VAR).ok())
        .as_deref()
        .is_some_and(|p| p == point)
}

/// Aborts the process if `point` is armed.
pub fn hit(point: &str) {
    if armed(point) {
        std::process::abort();
    }
}
