//! `provenance sources [ID]`: the outlets and people one document names
//! and cites, or, without an ID, over the whole archive: for each outlet
//! and person, how many documents name it and how many cite it, and which.

use serde::Serialize;

use super::{Ctx, Exit};
use crate::catalog::{self, Document};
use crate::cite::{OutletKind, Sources};
use crate::cli::{Format, SourcesArgs};
use crate::entry::{SourcesOutcome, Tool};
use crate::error::{Error, Result};
use crate::extract::sources as stored;
use crate::hash::Digest;
use crate::index::query::Aggregate;
use crate::index::{Filter, Index};
use crate::output::Out;
use crate::store::BlobStore;

/// `sources ID --json`: the stored result with the document it is about.
#[derive(Serialize)]
struct DocumentSources<'a> {
    id: Digest,
    sha256: Digest,
    /// The text the offsets point into (`provenance text ID`).
    text_sha256: Digest,
    analyser: &'a Tool,
    /// The log entry holding the result.
    entry: u64,
    #[serde(flatten)]
    sources: Sources,
}

pub fn run(ctx: &Ctx, args: &SourcesArgs) -> Result<Exit> {
    let format = match (args.format, ctx.json) {
        (Some(f), _) => f,
        (None, true) => Format::Json,
        (None, false) => Format::Table,
    };
    let filter = Filter::new(&args.filter)?;
    let archive = ctx.open()?;
    let mut out = ctx.out();
    match &args.id {
        Some(id) => {
            if filter.on_captures() {
                return Err(Error::Usage(
                    "--since, --until, --domain and --media-type choose documents: give them without an ID"
                        .into(),
                ));
            }
            let doc = catalog::find(archive.log(), id)?;
            let mut shown = one(archive.store(), &doc)?;
            let s = &mut shown.sources;
            s.outlets.retain(|o| filter.wants_outlet(&o.name, o.cited));
            s.people.retain(|p| filter.wants_person(&p.name, p.cited));
            print_one(&mut out, format, &shown)?;
        }
        None => {
            // With a person or outlet asked for, the documents are the answer.
            let list_documents = filter.person.is_some() || filter.outlets.is_some();
            let documents = list_documents || format != Format::Table;
            let all = Index::open(&archive)?.aggregate(&filter, documents)?;
            print_all(&mut out, format, &all, list_documents)?;
        }
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn one<'d>(store: &dyn BlobStore, doc: &'d Document) -> Result<DocumentSources<'d>> {
    let id = doc.sha256.to_hex();
    let Some(found) = doc.sources() else {
        return Err(Error::NoSources {
            id,
            reason: "it has not been analysed for sources (run `provenance reanalyze`)".to_string(),
        });
    };
    match found.outcome {
        SourcesOutcome::Extracted { text, sha256, .. } => Ok(DocumentSources {
            id: doc.sha256,
            sha256: doc.sha256,
            text_sha256: *text,
            analyser: found.analyser,
            entry: found.entry,
            sources: stored::load(store, sha256)?,
        }),
        SourcesOutcome::None { reason } => Err(Error::NoSources {
            id,
            reason: reason.clone(),
        }),
    }
}

fn print_one(out: &mut Out, format: Format, shown: &DocumentSources) -> Result<()> {
    match format {
        Format::Json => out.json(shown),
        Format::Csv => {
            let mut rows = csv_writer();
            rows.write_record([
                "type", "name", "kind", "role", "domain", "cited", "mentions", "quotes",
            ])
            .map_err(csv_error)?;
            for o in &shown.sources.outlets {
                let mentions = o.mentions.len().to_string();
                let domain = o.domain.as_deref().unwrap_or("");
                let cited = o.cited.to_string();
                rows.write_record([
                    "outlet",
                    &o.name,
                    o.kind.as_str(),
                    "",
                    domain,
                    &cited,
                    &mentions,
                    "0",
                ])
                .map_err(csv_error)?;
            }
            for p in &shown.sources.people {
                let role = p.role.as_deref().unwrap_or("");
                let (cited, mentions, quotes) = (
                    p.cited.to_string(),
                    p.mentions.len().to_string(),
                    p.quotes.len().to_string(),
                );
                rows.write_record(["person", &p.name, "", role, "", &cited, &mentions, &quotes])
                    .map_err(csv_error)?;
            }
            finish_csv(out, rows)
        }
        Format::Table => print_table_one(out, shown),
    }
}

fn print_table_one(out: &mut Out, shown: &DocumentSources) -> Result<()> {
    let s = &shown.sources;
    out.line(format!("id  {}", shown.id))?;
    out.line("")?;
    out.line(format!(
        "{} ({} cited)",
        plural(s.outlets.len(), "outlet"),
        s.outlets.iter().filter(|o| o.cited).count()
    ))?;
    for o in &s.outlets {
        out.line(format!(
            "  {:<6} {:<32} {:<12} {:<24} {}",
            if o.cited { "cited" } else { "named" },
            o.name,
            o.kind.as_str(),
            o.domain.as_deref().unwrap_or("-"),
            plural(o.mentions.len(), "mention")
        ))?;
    }
    out.line("")?;
    out.line(format!(
        "{} ({} cited)",
        plural(s.people.len(), "person"),
        s.people.iter().filter(|p| p.cited).count()
    ))?;
    for p in &s.people {
        out.line(format!(
            "  {:<6} {:<32} {:<32} {}, {}",
            if p.cited { "cited" } else { "named" },
            p.name,
            p.role.as_deref().map_or("-".to_string(), |r| clip(r, 32)),
            plural(p.mentions.len(), "mention"),
            plural(p.quotes.len(), "quote")
        ))?;
        for q in &p.quotes {
            out.line(format!(
                "         {} [{}-{}] “{}”",
                q.cue,
                q.start,
                q.end,
                clip(&q.text, 80)
            ))?;
        }
    }
    Ok(())
}

fn plural(n: usize, noun: &str) -> String {
    let nouns = match noun {
        "person" => "people".to_string(),
        _ => format!("{noun}s"),
    };
    crate::output::count(n as u64, noun, &nouns)
}

/// At most `max` characters, on one line.
fn clip(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max - 1).collect();
    format!("{cut}…")
}

fn print_all(out: &mut Out, format: Format, all: &Aggregate, list_documents: bool) -> Result<()> {
    match format {
        Format::Json => out.json(all),
        Format::Csv => {
            let mut rows = csv_writer();
            rows.write_record([
                "type", "name", "kind", "role", "domain", "named", "cited", "named_in", "cited_in",
            ])
            .map_err(csv_error)?;
            for (kind, list) in [("outlet", &all.outlets), ("person", &all.people)] {
                for r in list {
                    let ids = |l: &[String]| l.join(" ");
                    rows.write_record([
                        kind,
                        &r.name,
                        r.kind.map_or("", OutletKind::as_str),
                        r.role.as_deref().unwrap_or(""),
                        r.domain.as_deref().unwrap_or(""),
                        &r.named.to_string(),
                        &r.cited.to_string(),
                        &ids(&r.named_in),
                        &ids(&r.cited_in),
                    ])
                    .map_err(csv_error)?;
                }
            }
            finish_csv(out, rows)
        }
        Format::Table => {
            out.line(format!("{} analysed", plural(all.documents as usize, "document")))?;
            for (title, list) in [("OUTLET", &all.outlets), ("PERSON", &all.people)] {
                out.line("")?;
                out.line(format!(
                    "{:<36} {:>6} {:>6}  {}",
                    title,
                    "NAMED",
                    "CITED",
                    if title == "OUTLET" { "KIND" } else { "ROLE" }
                ))?;
                for r in list.iter() {
                    let extra = r
                        .kind
                        .map(|k| k.as_str().to_string())
                        .or_else(|| r.role.clone())
                        .unwrap_or_default();
                    out.line(format!(
                        "{:<36} {:>6} {:>6}  {}",
                        clip(&r.name, 36),
                        r.named,
                        r.cited,
                        clip(&extra, 40)
                    ))?;
                    if list_documents {
                        // A popular name is in tens of thousands of documents.
                        let citing: std::collections::HashSet<&String> = r.cited_in.iter().collect();
                        for d in &r.named_in {
                            let how = if citing.contains(d) {
                                "cited in"
                            } else {
                                "named in"
                            };
                            out.line(format!("    {how} {d}"))?;
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

fn csv_error(e: csv::Error) -> Error {
    Error::Usage(format!("cannot write CSV: {e}"))
}

fn finish_csv(out: &mut Out, rows: csv::Writer<Vec<u8>>) -> Result<()> {
    let bytes = rows
        .into_inner()
        .map_err(|e| Error::Usage(format!("cannot write CSV: {e}")))?;
    out.raw(&bytes)
}
