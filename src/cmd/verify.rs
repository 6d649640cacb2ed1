use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::Archive;
use crate::cli::VerifyArgs;
use crate::error::Result;
use crate::key;
use crate::output::{Out, count};
use crate::verify::{self, FileCheck, Options, Repair, Report, Severity};

/// `verify --repair --json`.
#[derive(Serialize)]
struct Repaired<'a> {
    repair: &'a Repair,
    verify: &'a Report,
}

pub fn run(ctx: &Ctx, args: &VerifyArgs) -> Result<Exit> {
    if let Some(dir) = &args.bag {
        let options = options(args)?;
        return print(ctx, None, &verify::bag::verify(dir, &options)?);
    }
    let archive = ctx.open()?;
    if !args.files.is_empty() {
        return files(ctx, &archive, args);
    }
    let options = options(args)?;
    if args.quick {
        return print(ctx, None, &verify::quick(&archive, &options)?);
    }
    let repair = args.repair.then(|| verify::repair(&archive)).transpose()?;
    let report = verify::verify(&archive, &options)?;
    print(ctx, repair.as_ref(), &report)
}

fn options(args: &VerifyArgs) -> Result<Options> {
    Ok(Options {
        checkpoints: args.checkpoint.clone(),
        tsa_ca: super::timestamp::load_cas(&args.tsa_ca)?,
        public_key: args.public_key.as_deref().map(key::load_verifier).transpose()?,
        jobs: args.jobs.map(|n| n as usize),
        index_integrity: args.index_integrity,
    })
}

fn print(ctx: &Ctx, repair: Option<&Repair>, report: &Report) -> Result<Exit> {
    let mut out = ctx.out();
    match (repair, ctx.json) {
        (Some(repair), true) => out.json(&Repaired {
            repair,
            verify: report,
        })?,
        (None, true) => out.json(report)?,
        (repair, false) => {
            if let Some(r) = repair {
                print_repair(&mut out, r)?;
            }
            print_report(&mut out, report)?;
        }
    }
    out.finish()?;
    Ok(if report.ok { Exit::Success } else { Exit::Negative })
}

fn print_repair(out: &mut Out, r: &Repair) -> Result<()> {
    if r.log_bytes_removed > 0 {
        out.line(format!(
            "repaired: removed the log's unfinished tail ({} bytes, {} complete but unacknowledged entries)",
            r.log_bytes_removed, r.entries_removed
        ))?;
    }
    for path in &r.temp_files_removed {
        out.line(format!("repaired: removed temporary file {path}"))?;
    }
    if r.tree_rebuilt {
        out.line("repaired: rebuilt the tree file from the log")?;
    }
    if r.index_rebuilt {
        out.line("repaired: rebuilt the index from the log")?;
    }
    if r.index_caught_up {
        out.line("repaired: brought the index up to the log")?;
    }
    let index = r.index_rebuilt || r.index_caught_up;
    if r.log_bytes_removed == 0 && r.temp_files_removed.is_empty() && !r.tree_rebuilt && !index {
        out.line("repair: nothing to repair")?;
    }
    Ok(())
}

fn print_report(out: &mut Out, report: &Report) -> Result<()> {
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.line(format!("{level}: {}", f.message))?;
    }
    if report.quick {
        return print_quick(out, report);
    }
    let mut checked = format!(
        "{} ({}) and {} ({})",
        count(report.entries, "entry", "entries"),
        count(report.captures, "capture", "captures"),
        count(report.blobs, "blob", "blobs"),
        count(report.blob_bytes, "byte", "bytes"),
    );
    if report.checkpoints > 0 {
        checked.push_str(&format!(
            ", {} ({})",
            count(report.checkpoints, "checkpoint", "checkpoints"),
            count(report.timestamps, "timestamp", "timestamps")
        ));
    }
    let warnings = (report.findings.len() - report.errors()) as u64;
    if report.ok {
        let note = if warnings > 0 {
            format!(", {}", count(warnings, "warning", "warnings"))
        } else {
            String::new()
        };
        out.line(format!("ok: verified {checked}{note}"))
    } else {
        out.line(format!(
            "FAILED: {}, {} in {checked}",
            count(report.errors() as u64, "error", "errors"),
            count(warnings, "warning", "warnings")
        ))
    }
}

fn files(ctx: &Ctx, archive: &Archive, args: &VerifyArgs) -> Result<Exit> {
    let checks = verify::check_files(archive, &args.files)?;
    let mut out = ctx.out();
    if ctx.json {
        out.json(&checks)?;
    } else {
        for check in &checks {
            print_file(&mut out, check)?;
        }
    }
    out.finish()?;
    Ok(if checks.iter().any(|c| c.error.is_some()) {
        for c in checks.iter().filter(|c| c.error.is_some()) {
            eprintln!(
                "provenance: {}: {}",
                c.file,
                c.error.as_deref().unwrap_or_default()
            );
        }
        Exit::PartialFailure
    } else if checks.iter().all(|c| c.archived) {
        Exit::Success
    } else {
        Exit::Negative
    })
}

fn print_file(out: &mut Out, c: &FileCheck) -> Result<()> {
    let Some(sha) = c.sha256 else {
        return out.line(format!(
            "ERROR     {}: {}",
            c.file,
            c.error.as_deref().unwrap_or_default()
        ));
    };
    if !c.archived {
        return out.line(format!("MISSING   {}  {sha}  not in the archive", c.file));
    }
    let n = c.captures.len();
    let times = if n == 1 { "once" } else { "times" };
    let count = if n == 1 { String::new() } else { format!("{n} ") };
    out.line(format!("ARCHIVED  {}  {sha}  captured {count}{times}", c.file))?;
    for s in &c.captures {
        out.line(format!(
            "          {}  entry {}  {}",
            s.retrieved,
            s.entry,
            s.source.label()
        ))?;
    }
    Ok(())
}

fn print_quick(out: &mut Out, report: &Report) -> Result<()> {
    for f in &report.findings {
        out.line(format!("error: {}", f.message))?;
    }
    let what = format!(
        "{} against the log's {} (consistency proofs from the tree file; without --quick, every entry and blob is checked too)",
        count(report.checkpoints, "checkpoint", "checkpoints"),
        count(report.entries, "entry", "entries")
    );
    if report.ok {
        out.line(format!("ok: checked {what}"))
    } else {
        out.line(format!(
            "FAILED: {} in {what}",
            count(report.errors() as u64, "error", "errors")
        ))
    }
}
