//! `provenance sources [ID]`: the outlets and people one document names
//! and cites, or, without an ID, over the whole archive: for each outlet
//! and person, how many documents name it and how many cite it, and which.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Ctx, Exit};
use crate::catalog::{self, Document};
use crate::cite::{self, CitedOutlet, CitedPerson, OutletKind, Sources};
use crate::cli::{Format, SourcesArgs};
use crate::entry::{SourcesOutcome, Tool};
use crate::error::{Error, Result};
use crate::extract::sources as stored;
use crate::hash::Digest;
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
    let filter = Filter::new(args)?;
    let archive = ctx.open()?;
    let mut out = ctx.out();
    match &args.id {
        Some(id) => {
            let doc = catalog::find(archive.log(), id)?;
            let mut shown = one(archive.store(), &doc)?;
            filter.apply(&mut shown.sources);
            print_one(&mut out, format, &shown)?;
        }
        None => {
            let all = aggregate(archive.store(), &catalog::documents(archive.log())?, &filter)?;
            print_all(&mut out, format, &all, filter.lists_documents())?;
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

/// The `--person`, `--outlet` and `--cited` filters.
struct Filter {
    person: Option<Vec<String>>,
    /// Canonical outlet names the user's name stands for.
    outlets: Option<Vec<String>>,
    cited: bool,
}

impl Filter {
    fn new(args: &SourcesArgs) -> Result<Filter> {
        let outlets = match &args.outlet {
            None => None,
            Some(name) => {
                let names = cite::lexicon::lexicon().outlets_named(name);
                if names.is_empty() {
                    return Err(Error::Usage(format!(
                        "--outlet {name}: no outlet in the gazetteer has this name, alias or domain"
                    )));
                }
                Some(names.into_iter().map(str::to_string).collect())
            }
        };
        Ok(Filter {
            person: args.person.as_deref().map(name_words),
            outlets,
            cited: args.cited,
        })
    }

    /// With a person or outlet asked for, the documents are the answer.
    fn lists_documents(&self) -> bool {
        self.person.is_some() || self.outlets.is_some()
    }

    fn outlet(&self, name: &str, cited: bool) -> bool {
        let wanted = match (&self.outlets, &self.person) {
            (Some(names), _) => names.iter().any(|n| n == name),
            (None, Some(_)) => false,
            (None, None) => true,
        };
        wanted && (cited || !self.cited)
    }

    fn person(&self, name: &str, cited: bool) -> bool {
        let wanted = match (&self.person, &self.outlets) {
            (Some(words), _) => contains_words(&name_words(name), words),
            (None, Some(_)) => false,
            (None, None) => true,
        };
        wanted && (cited || !self.cited)
    }

    fn apply(&self, sources: &mut Sources) {
        sources.outlets.retain(|o| self.outlet(&o.name, o.cited));
        sources.people.retain(|p| self.person(&p.name, p.cited));
    }
}

/// A name as lower-case words, for matching names loosely.
fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Either list of words contains the other as a run ("Khomeini" and
/// "Ruhollah Khomeini" match both ways).
fn contains_words(name: &[String], query: &[String]) -> bool {
    let within = |long: &[String], short: &[String]| {
        !short.is_empty() && long.windows(short.len()).any(|w| w == short)
    };
    within(name, query) || within(query, name)
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

/// One outlet or person over the archive.
#[derive(Serialize)]
struct Row {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<OutletKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    /// The most frequent role given, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    /// How many documents name it, and how many cite it.
    named: usize,
    cited: usize,
    /// The documents that name it, and those that cite it.
    named_in: Vec<Digest>,
    cited_in: Vec<Digest>,
    #[serde(skip)]
    roles: BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct Aggregate {
    /// Documents with a sources result.
    documents: usize,
    outlets: Vec<Row>,
    people: Vec<Row>,
}

fn aggregate(store: &dyn BlobStore, docs: &[Document], filter: &Filter) -> Result<Aggregate> {
    let mut outlets: BTreeMap<String, Row> = BTreeMap::new();
    let mut people: BTreeMap<String, Row> = BTreeMap::new();
    let mut analysed = 0;
    for doc in docs {
        let Some(SourcesOutcome::Extracted { sha256, .. }) = doc.sources().map(|f| f.outcome) else {
            continue;
        };
        analysed += 1;
        let sources = stored::load(store, sha256)?;
        for o in &sources.outlets {
            let row = outlets.entry(o.name.clone()).or_insert_with(|| outlet_row(o));
            count(row, doc.sha256, o.cited);
        }
        for p in &sources.people {
            let row = people.entry(person_key(p)).or_insert_with(|| person_row(p));
            if name_words(&p.name).len() > name_words(&row.name).len() {
                row.name.clone_from(&p.name);
            }
            if let Some(r) = &p.role {
                *row.roles.entry(r.clone()).or_default() += 1;
            }
            count(row, doc.sha256, p.cited);
        }
    }
    let people = merge_surnames(people);
    let keep = |rows: Vec<Row>, wanted: &dyn Fn(&Row) -> bool| -> Vec<Row> {
        let mut rows: Vec<Row> = rows.into_iter().filter(|r| wanted(r)).collect();
        rows.sort_by(|a, b| (b.cited, b.named, &a.name).cmp(&(a.cited, a.named, &b.name)));
        rows
    };
    Ok(Aggregate {
        documents: analysed,
        outlets: keep(outlets.into_values().collect(), &|r| {
            filter.outlet(&r.name, r.cited > 0)
        }),
        people: keep(people, &|r| filter.person(&r.name, r.cited > 0))
            .into_iter()
            .map(|mut r| {
                r.role = r
                    .roles
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .map(|(role, _)| role.clone());
                if filter.cited {
                    r.named_in.retain(|d| r.cited_in.contains(d));
                }
                r
            })
            .collect(),
    })
}

fn outlet_row(o: &CitedOutlet) -> Row {
    Row {
        name: o.name.clone(),
        kind: Some(o.kind),
        domain: o.domain.clone(),
        ..empty_row()
    }
}

fn person_row(p: &CitedPerson) -> Row {
    Row {
        name: p.name.clone(),
        ..empty_row()
    }
}

fn empty_row() -> Row {
    Row {
        name: String::new(),
        kind: None,
        domain: None,
        role: None,
        named: 0,
        cited: 0,
        named_in: Vec::new(),
        cited_in: Vec::new(),
        roles: BTreeMap::new(),
    }
}

fn count(row: &mut Row, doc: Digest, cited: bool) {
    row.named += 1;
    row.named_in.push(doc);
    if cited {
        row.cited += 1;
        row.cited_in.push(doc);
    }
}

fn person_key(p: &CitedPerson) -> String {
    name_words(&p.name).join(" ")
}

/// A person known in some documents by surname alone ("Khomeini") is the
/// one person of that surname known by full name, if there is exactly one.
fn merge_surnames(rows: BTreeMap<String, Row>) -> Vec<Row> {
    let mut full: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for key in rows.keys().filter(|k| k.contains(' ')) {
        if let Some(surname) = key.rsplit(' ').next() {
            full.entry(surname.to_string()).or_default().push(key.clone());
        }
    }
    let mut rows = rows;
    let singles: Vec<String> = rows.keys().filter(|k| !k.contains(' ')).cloned().collect();
    for single in singles {
        let Some([target]) = full.get(&single).map(Vec::as_slice) else {
            continue;
        };
        let Some(from) = rows.remove(&single) else {
            continue;
        };
        let Some(into) = rows.get_mut(target) else {
            continue;
        };
        for d in from.named_in {
            if !into.named_in.contains(&d) {
                into.named_in.push(d);
                into.named += 1;
            }
        }
        for d in from.cited_in {
            if !into.cited_in.contains(&d) {
                into.cited_in.push(d);
                into.cited += 1;
            }
        }
        for (r, n) in from.roles {
            *into.roles.entry(r).or_default() += n;
        }
    }
    rows.into_values().collect()
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
                    let ids = |l: &[Digest]| l.iter().map(Digest::to_hex).collect::<Vec<_>>().join(" ");
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
            out.line(format!("{} analysed", plural(all.documents, "document")))?;
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
                        for d in &r.named_in {
                            let how = if r.cited_in.contains(d) {
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
