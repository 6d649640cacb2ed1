use std::process::ExitCode;

use clap::Parser;

use provenance::cli::Cli;

/// The exit status of every error, usage errors included.
const ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version are not errors.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // No command at all: the whole help is the useful answer.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(ERROR);
        }
        Err(e) => {
            eprintln!("provenance: {} (see provenance --help)", usage_line(&e));
            return ExitCode::from(ERROR);
        }
    };
    match provenance::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            let err = anyhow::Error::from(err);
            eprintln!("provenance: {err:#}");
            ExitCode::from(ERROR)
        }
    }
}

/// clap's message without its usage block and tips, joined into one line:
/// the first paragraph says what is wrong (and may name the argument on a
/// line of its own).
fn usage_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let paragraph: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    match paragraph.join(" ") {
        s if s.is_empty() => "invalid arguments".to_string(),
        s => s.trim_start_matches("error: ").to_string(),
    }
}
