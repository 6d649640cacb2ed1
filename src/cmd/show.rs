use serde::Serialize;

use super::{Ctx, Exit};
use crate::catalog::{self, Document};
use crate::entry::{
    Analysis, Body, Capture, DecodeOutcome, EncodingSource, Entry, Extractor, Header, Metadata, Source,
    SourcesOutcome, TextOutcome, UrlSource, WarcSource,
};
use crate::error::Result;
use crate::hash::Digest;
use crate::media;
use crate::output::Out;
use crate::store::BlobStore;

/// `show --json`.
#[derive(Serialize)]
struct Shown<'a> {
    id: Digest,
    sha256: Digest,
    size: u64,
    media_type: &'a str,
    /// The declared and sniffed types of the latest capture disagree.
    media_type_mismatch: bool,
    text: Option<&'a TextOutcome>,
    /// What the page says about itself; every key present, null where
    /// unknown (and for documents that are not pages).
    metadata: &'a Metadata,
    sources: Option<SourcesSummary>,
    captures: &'a [Entry],
    analyses: &'a [Entry],
}

/// What `show` says of the sources: the counts, and who is cited.
#[derive(Serialize)]
struct SourcesSummary {
    #[serde(flatten)]
    outcome: SourcesOutcome,
    /// Names of the cited outlets and people, in order of first mention.
    #[serde(skip_serializing_if = "Option::is_none")]
    cited: Option<CitedNames>,
}

#[derive(Serialize)]
struct CitedNames {
    outlets: Vec<String>,
    people: Vec<String>,
}

fn sources_summary(store: &dyn BlobStore, doc: &Document) -> Result<Option<SourcesSummary>> {
    let Some(found) = doc.sources() else {
        return Ok(None);
    };
    let cited = match found.outcome {
        SourcesOutcome::Extracted { sha256, .. } => {
            let s = crate::extract::sources::load(store, sha256)?;
            Some(CitedNames {
                outlets: s
                    .outlets
                    .into_iter()
                    .filter(|o| o.cited)
                    .map(|o| o.name)
                    .collect(),
                people: s.people.into_iter().filter(|p| p.cited).map(|p| p.name).collect(),
            })
        }
        SourcesOutcome::None { .. } => None,
    };
    Ok(Some(SourcesSummary {
        outcome: found.outcome.clone(),
        cited,
    }))
}

pub fn run(ctx: &Ctx, id: &str) -> Result<Exit> {
    let archive = ctx.open()?;
    let doc = catalog::find(archive.log(), id)?;
    let latest = doc.latest_capture();
    let sources = sources_summary(archive.store(), &doc)?;
    let unknown = Metadata::default();
    let metadata = metadata_of(&doc).unwrap_or(&unknown);
    let mut out = ctx.out();
    if ctx.json {
        out.json(&Shown {
            id: doc.sha256,
            sha256: doc.sha256,
            size: latest.size,
            media_type: &latest.media_type,
            media_type_mismatch: mismatch(latest),
            text: doc.text(),
            metadata,
            sources,
            captures: &doc.captures,
            analyses: &doc.analyses,
        })?;
    } else {
        print_human(&mut out, &doc, &archive.store().describe(&doc.sha256))?;
        print_metadata(&mut out, metadata_of(&doc))?;
        print_sources(&mut out, sources.as_ref())?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn print_human(out: &mut Out, doc: &Document, blob: &str) -> Result<()> {
    let latest = doc.latest_capture();
    out.line(format!("id          {}", doc.sha256))?;
    out.line(format!("size        {} bytes", latest.size))?;
    out.line(format!("media type  {}", latest.media_type))?;
    let text = match doc.text() {
        Some(t @ TextOutcome::Extracted { .. }) => describe_text(t),
        Some(TextOutcome::None { reason }) => format!("none: {reason}"),
        None => "not analysed".to_string(),
    };
    out.line(format!("text        {text}"))?;
    out.line(format!("blob        {blob}"))?;
    out.line(format!("captures    {}", doc.captures.len()))?;
    for entry in &doc.captures {
        let Body::Capture(c) = &entry.body else { continue };
        out.line("")?;
        out.line(format!(
            "  capture (entry {}) retrieved {}",
            entry.seq, c.retrieved
        ))?;
        match &c.source {
            Source::File {
                path,
                absolute_path,
                size,
                modified,
            } => {
                out.line(format!("    source      file {path}"))?;
                out.line(format!("    path        {absolute_path}"))?;
                if let Some(size) = size {
                    out.line(format!("    file size   {size} bytes"))?;
                }
                if let Some(m) = modified {
                    out.line(format!("    modified    {m}"))?;
                }
            }
            Source::Stdin => out.line("    source      standard input")?,
            Source::Url(u) => print_url(out, u)?,
            Source::Warc(w) => print_warc(out, w)?,
        }
        let declared = c.media_type_declared.as_deref().unwrap_or("-");
        let sniffed = c.media_type_sniffed.as_deref().unwrap_or("-");
        let disagree = if mismatch(c) { ": they disagree" } else { "" };
        out.line(format!(
            "    media type  {} (declared {declared}, sniffed {sniffed}{disagree})",
            c.media_type
        ))?;
        out.line(format!("    tool        {} {}", c.tool.name, c.tool.version))?;
        if let Some(d) = analysis_of(doc, entry.seq).and_then(|a| a.decoded.as_ref()) {
            out.line(format!("    decoded     {}", describe_decoded(d)))?;
        }
        if let Some(t) = &c.title {
            out.line(format!("    title       {t}"))?;
        }
        if let Some(n) = &c.note {
            out.line(format!("    note        {n}"))?;
        }
        for (k, v) in &c.meta {
            out.line(format!("    meta        {k} = {v}"))?;
        }
    }
    Ok(())
}

fn mismatch(c: &Capture) -> bool {
    match (&c.media_type_declared, &c.media_type_sniffed) {
        (Some(d), Some(s)) => !media::compatible(d, s),
        _ => false,
    }
}

fn metadata_of(doc: &Document) -> Option<&Metadata> {
    match doc.text()? {
        TextOutcome::Extracted { metadata, .. } => metadata.as_deref(),
        TextOutcome::None { .. } => None,
    }
}

/// "4,210 bytes of UTF-8, the article text of an HTML page, decoded from
/// windows-1252 (declared in a <meta>)".
fn describe_text(t: &TextOutcome) -> String {
    let TextOutcome::Extracted {
        size,
        encoding,
        encoding_source,
        encoding_overruled,
        extractor,
        ..
    } = t
    else {
        return String::new();
    };
    let mut s = format!("{size} bytes of UTF-8");
    match extractor {
        Some(Extractor::Html) => s.push_str(", the article text of an HTML page"),
        Some(Extractor::Pdf) => s.push_str(", the text layer of a PDF"),
        _ => {}
    }
    if encoding == "UTF-8" && encoding_overruled.is_none() {
        return s;
    }
    s.push_str(&format!(", decoded from {encoding}"));
    let why = match encoding_source {
        Some(EncodingSource::Bom) => Some("a byte-order mark"),
        Some(EncodingSource::Http) => Some("declared by HTTP"),
        Some(EncodingSource::Meta) => Some("declared in a <meta>"),
        Some(EncodingSource::Detected) => Some("detected"),
        _ => None,
    };
    if let Some(why) = why {
        s.push_str(&format!(" ({why})"));
    }
    if let Some(o) = encoding_overruled {
        s.push_str(&format!("; the declared {o} does not fit the bytes"));
    }
    s
}

fn print_metadata(out: &mut Out, m: Option<&Metadata>) -> Result<()> {
    let Some(m) = m else { return Ok(()) };
    out.line("")?;
    out.line("page")?;
    let authors = (!m.authors.is_empty()).then(|| m.authors.join("; "));
    let fields = [
        ("title", m.title.as_ref()),
        ("authors", authors.as_ref()),
        ("published", m.published.as_ref()),
        ("modified", m.modified.as_ref()),
        ("canonical", m.canonical_url.as_ref()),
        ("site name", m.site_name.as_ref()),
        ("outlet", m.outlet.as_ref()),
        ("language", m.language.as_ref()),
        ("description", m.description.as_ref()),
    ];
    for (label, value) in fields {
        out.line(format!("  {label:<12}{}", value.map_or("-", String::as_str)))?;
    }
    Ok(())
}

fn print_sources(out: &mut Out, summary: Option<&SourcesSummary>) -> Result<()> {
    out.line("")?;
    let Some(summary) = summary else {
        return out.line("sources     not analysed (run `provenance reanalyze`)");
    };
    match (&summary.outcome, &summary.cited) {
        (
            SourcesOutcome::Extracted {
                outlets,
                cited_outlets,
                people,
                cited_people,
                ..
            },
            Some(cited),
        ) => {
            out.line(format!(
                "sources     {outlets} outlets ({cited_outlets} cited), {people} people ({cited_people} cited); `provenance sources ID` lists them"
            ))?;
            if !cited.outlets.is_empty() {
                out.line(format!("  cites outlets  {}", cited.outlets.join(", ")))?;
            }
            if !cited.people.is_empty() {
                out.line(format!("  cites people   {}", cited.people.join(", ")))?;
            }
            Ok(())
        }
        (SourcesOutcome::None { reason }, _) => out.line(format!("sources     none: {reason}")),
        (SourcesOutcome::Extracted { .. }, None) => Ok(()),
    }
}

/// The analysis entry of a capture, the newest if several.
fn analysis_of(doc: &Document, capture: u64) -> Option<&Analysis> {
    doc.analyses.iter().rev().find_map(|e| match &e.body {
        Body::Analysis(a) if a.capture == capture => Some(a),
        _ => None,
    })
}

fn describe_decoded(d: &DecodeOutcome) -> String {
    match d {
        DecodeOutcome::Decoded {
            content_encoding,
            sha256,
            size,
        } => format!("{content_encoding} undone: {size} bytes, blob {sha256}"),
        DecodeOutcome::Failed {
            content_encoding,
            reason,
        } => format!("{content_encoding} not undone: {reason}"),
    }
}

/// Everything said on the way to a URL's body.
fn print_warc(out: &mut Out, w: &WarcSource) -> Result<()> {
    out.line(format!("    url         {}", w.url))?;
    out.line(format!(
        "    imported    {} from {} (offset {}, {} record {})",
        w.imported, w.file, w.offset, w.record_type, w.record_id
    ))?;
    if let Some(sha) = &w.file_sha256 {
        out.line(format!("    warc sha256 {sha}"))?;
    }
    out.line(format!("    warc date   {}", w.warc_date))?;
    if let Some(s) = &w.software {
        out.line(format!("    written by  {s}"))?;
    }
    if let Some(r) = &w.refers_to {
        out.line(format!("    refers to   {r}"))?;
    }
    for d in &w.digests_checked {
        out.line(format!("    digest      {d} (checked)"))?;
    }
    for d in &w.digests_unchecked {
        out.line(format!("    digest      {d} (not checked: unknown algorithm)"))?;
    }
    if let Some(r) = &w.http {
        let from = r
            .remote_addr
            .as_deref()
            .map(|a| format!(" from {a}"))
            .unwrap_or_default();
        out.line(format!("    status      {} ({}){from}", r.status, r.version))?;
        print_headers(out, "received", &r.headers)?;
    }
    Ok(())
}

fn print_url(out: &mut Out, u: &UrlSource) -> Result<()> {
    let r = &u.response;
    out.line(format!("    url         {}", u.url))?;
    if r.url != u.url {
        out.line(format!("    final url   {}", r.url))?;
    }
    let from = r
        .remote_addr
        .as_deref()
        .map(|a| format!(" from {a}"))
        .unwrap_or_default();
    out.line(format!("    status      {} ({}){from}", r.status, r.version))?;
    out.line(format!("    started     {}", u.started))?;
    for hop in &u.redirects {
        let to = hop.location.as_deref().unwrap_or("?");
        out.line(format!("    redirect    {} {} -> {to}", hop.status, hop.url))?;
    }
    print_headers(out, "sent", &u.request_headers)?;
    print_headers(out, "received", &r.headers)?;
    if let Some(tls) = &u.tls {
        for (i, c) in tls.certificates.iter().enumerate() {
            let role = if i == 0 { "tls leaf" } else { "tls chain" };
            out.line(format!("    {role:<11} sha256 {}", c.sha256))?;
            if let Some(s) = &c.subject {
                out.line(format!("                subject {s}"))?;
            }
            if let (Some(a), Some(b)) = (c.not_before, c.not_after) {
                out.line(format!("                valid {a} to {b}"))?;
            }
        }
    }
    Ok(())
}

fn print_headers(out: &mut Out, label: &str, headers: &[Header]) -> Result<()> {
    for (i, (name, value)) in headers.iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        out.line(format!("    {label:<11} {name}: {value}"))?;
    }
    Ok(())
}
