//! HTML analyser throughput (being written).
fn main() {}
