//! Prints the sources analysis of text files as JSON, without an archive:
//! for developing the rules against annotated texts.
//!
//! cargo run --release --example sources -- FILE...

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in std::env::args().skip(1) {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let sources = provenance::cite::extract(&text);
                match serde_json::to_string_pretty(&sources) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("sources: {path}: {e}");
                        status = ExitCode::FAILURE;
                    }
                }
            }
            Err(e) => {
                eprintln!("sources: {path}: {e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
