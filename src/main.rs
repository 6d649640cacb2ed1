use std::process::ExitCode;

use clap::Parser;

use provenance::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match provenance::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            let err = anyhow::Error::from(err);
            eprintln!("provenance: {err:#}");
            ExitCode::from(2)
        }
    }
}
