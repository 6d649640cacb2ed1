//! `provenance import --warc FILE...`: docs/WARC.md, "Import".

use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::{Archive, LockMode};
use crate::cli::ImportArgs;
use crate::error::{Error, Result, os_message};
use crate::import::warc::{FileReport, Importer, Known};
use crate::index::Index;
use crate::output::count;

#[derive(Serialize)]
struct Report<'a> {
    archive: String,
    created: bool,
    files: &'a [FileReport],
}

pub fn run(ctx: &Ctx, args: &ImportArgs) -> Result<Exit> {
    // A file that cannot be opened is reported before the archive is
    // touched, so that a mistyped path never creates an empty archive.
    let mut unreadable = Vec::new();
    let mut files = Vec::new();
    for path in &args.warc {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                unreadable.push(Error::source(path.display(), "is a directory, not a WARC file"))
            }
            Ok(_) => files.push(path),
            Err(e) => unreadable.push(Error::source(
                path.display(),
                format!("cannot read: {}", os_message(&e)),
            )),
        }
    }
    for e in &unreadable {
        eprintln!("provenance: {e}");
    }
    if files.is_empty() {
        return Ok(Exit::PartialFailure);
    }
    let (archive, created) = Archive::open_or_init(&ctx.archive)?;
    if created {
        eprintln!("provenance: created a new archive in {}", ctx.archive.display());
        Index::start(&archive);
    }
    let lock = archive.lock(LockMode::Exclusive)?;
    let mut importer = Importer {
        store: archive.store(),
        log: archive.log(),
        lock: &lock,
        max_decoded: args.max_decoded_size,
        known: Known::scan(archive.log())?,
    };
    let mut reports = Vec::new();
    for path in files {
        reports.push(importer.file(path)?);
    }
    Index::after_commit(&archive);
    print(ctx, created, &reports)?;
    let failed = !unreadable.is_empty() || reports.iter().any(|r| r.failed() > 0);
    Ok(if failed {
        Exit::PartialFailure
    } else {
        Exit::Success
    })
}

fn print(ctx: &Ctx, created: bool, reports: &[FileReport]) -> Result<()> {
    let mut out = ctx.out();
    if ctx.json {
        out.json(&Report {
            archive: ctx.archive.display().to_string(),
            created,
            files: reports,
        })?;
    } else {
        // `sha256sum` style, as `add` prints, so the IDs can be piped on.
        for r in reports {
            for i in &r.imported {
                out.line(format!("{}  {}", i.id, i.url))?;
            }
        }
    }
    out.finish()?;
    for r in reports {
        let imported = r.imported.len() as u64;
        let new = r.imported.iter().filter(|i| i.new).count();
        let skipped: Vec<String> = r
            .records
            .iter()
            .filter(|(_, c)| c.skipped > 0)
            .map(|(kind, c)| format!("{} {kind}", c.skipped))
            .collect();
        let skipped = if skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped {}", skipped.join(", "))
        };
        let failed = r.failed();
        let failed = if failed == 0 {
            String::new()
        } else {
            format!("; {failed} failed")
        };
        eprintln!(
            "provenance: {}: imported {} ({new} new){skipped}{failed}",
            r.file,
            count(imported, "record", "records"),
        );
    }
    Ok(())
}
