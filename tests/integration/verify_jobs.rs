//! `verify --jobs`: the number of hashing threads changes how fast blobs
//! are checked, never what is found.

use std::fs;

use serde_json::Value;

use crate::harness::{Env, make_writable};

/// An archive of a dozen documents, one of whose blobs has a changed byte.
fn damaged() -> (Env, String) {
    let env = Env::new();
    let files = env.write_batch("docs", "jobs", 12);
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let ids = env.add(&refs);
    let blob = env.blob(&ids[5]);
    make_writable(&blob);
    let mut bytes = fs::read(&blob).unwrap();
    bytes[3] ^= 0x20;
    fs::write(&blob, bytes).unwrap();
    (env, ids[5].clone())
}

fn findings(env: &Env, jobs: &str) -> Value {
    let run = env.run(&["verify", "--json", "--jobs", jobs]).code(1);
    run.json()["findings"].clone()
}

#[test]
fn one_job_and_two_find_the_same_damage() {
    let (env, id) = damaged();
    let one = findings(&env, "1");
    let two = findings(&env, "2");
    assert_eq!(one, two);
    let problems: Vec<(&str, &str)> = one
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["problem"].as_str().unwrap(), f["blob"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(problems, [("blob_changed", id.as_str())]);
}

#[test]
fn zero_jobs_is_a_usage_error() {
    let env = Env::new();
    env.add(&[&env.write_batch("docs", "zero", 1)[0]]);
    let run = env.run(&["verify", "--jobs", "0"]).code(2);
    assert!(run.stderr.contains("--jobs"), "{}", run.stderr);
}
