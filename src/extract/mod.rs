//! Analysers: programs that derive results from a capture's bytes. Each
//! names itself and its version in the analysis entries it produces, so
//! that a better version appends new results beside the old ones.

pub mod text;
