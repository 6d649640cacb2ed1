//! Entries into rows: what each kind of log entry adds to the index. Every
//! row is a function of the log (and of the blobs it names), applied in log
//! order, so that applying the same entries to an index built up to the
//! same point always gives the same tables.

use std::collections::BTreeMap;
use std::io::Read;

use rusqlite::{OptionalExtension, Transaction, params};

use crate::cite::{CitedOutlet, CitedPerson, Sources};
use crate::entry::{Analysis, Body, Capture, Entry, Metadata, Source, SourcesOutcome, TextOutcome};
use crate::extract::sources as stored;
use crate::hash::Digest;
use crate::log::Line;
use crate::store::BlobStore;

use super::name_key;

/// The most text of one document the full-text index holds: a longer
/// document is searchable in its first 4 MiB (some 700,000 words, more
/// than any article). FTS5 holds a whole document's positions in memory
/// while it indexes it, so this bounds what an `add` of a huge text costs.
pub const MAX_TEXT: u64 = 4 << 20;

pub type Sql<T> = rusqlite::Result<T>;

/// Applies entries inside one transaction.
pub struct Filler<'t> {
    tx: &'t Transaction<'t>,
    store: &'t dyn BlobStore,
    /// Blobs the index wanted and could not read (missing or damaged);
    /// `verify` reports those, the index simply goes without.
    unreadable: u64,
    /// Document → (it had a searchable text before this batch, its
    /// newest text now), written by [`Filler::finish`].
    texts: BTreeMap<i64, (bool, Option<Digest>)>,
}

impl<'t> Filler<'t> {
    pub fn new(tx: &'t Transaction<'t>, store: &'t dyn BlobStore) -> Filler<'t> {
        Filler {
            tx,
            store,
            unreadable: 0,
            texts: BTreeMap::new(),
        }
    }

    pub fn apply(&mut self, line: &Line, entry: &Entry) -> Sql<()> {
        match &entry.body {
            Body::Init(init) => {
                self.tx
                    .execute("UPDATE state SET archive_id = ?1", params![init.archive_id])?;
            }
            Body::Capture(c) => self.capture(line, entry.seq, c)?,
            Body::Analysis(a) => self.analysis(entry.seq, a)?,
            Body::Unknown => {}
        }
        Ok(())
    }

    fn capture(&mut self, line: &Line, seq: u64, c: &Capture) -> Sql<()> {
        let doc: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO documents (sha256, size, media_type, first_capture, last_capture, user_title)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)
                 ON CONFLICT (sha256) DO UPDATE SET
                    last_capture = excluded.last_capture,
                    media_type = excluded.media_type,
                    user_title = coalesce(excluded.user_title, user_title)
                 RETURNING id",
            )?
            .query_row(
                params![c.sha256.to_hex(), c.size, c.media_type, seq, c.title],
                |r| r.get(0),
            )?;
        let url = served_url(&c.source);
        let host = url.as_deref().and_then(host_of);
        let (source, status) = (source_kind(&c.source), c.source.http().map(|r| r.status));
        self.tx
            .prepare_cached(
                "INSERT INTO captures (seq, doc, line_offset, line_len, retrieved, source, label, url, host,
                    rhost, status, media_type, media, size, title, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?
            .execute(params![
                seq,
                doc,
                line.offset,
                line.len,
                c.retrieved.millis(),
                source,
                c.source.label(),
                url,
                host,
                host.as_deref().map(reverse_host),
                status,
                c.media_type,
                crate::media::essence(&c.media_type),
                c.size,
                c.title,
                c.note,
            ])?;
        Ok(())
    }

    fn analysis(&mut self, seq: u64, a: &Analysis) -> Sql<()> {
        let doc: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM documents WHERE sha256 = ?1")?
            .query_row([a.sha256.to_hex()], |r| r.get(0))
            .optional()?;
        let text = match &a.text {
            Some(TextOutcome::Extracted { sha256, .. }) => Some(sha256.to_hex()),
            _ => None,
        };
        let (sources, outlets, people) = match &a.sources {
            Some(SourcesOutcome::Extracted {
                sha256,
                outlets,
                people,
                ..
            }) => (Some(sha256.to_hex()), Some(*outlets), Some(*people)),
            _ => (None, None, None),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO analyses (seq, capture, doc, sha256, has_text, text_sha256, has_sources,
                    sources_sha256, outlets, people)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                seq,
                a.capture,
                doc,
                a.sha256.to_hex(),
                a.text.is_some(),
                text,
                a.sources.is_some(),
                sources,
                outlets,
                people
            ])?;
        // An analysis of bytes no capture names is recorded, and changes no
        // document: verify reports it.
        let Some(doc) = doc else { return Ok(()) };
        if let Some(outcome) = &a.text {
            self.text(doc, seq, outcome)?;
        }
        if let Some(outcome) = &a.sources {
            self.sources(doc, seq, outcome)?;
        }
        Ok(())
    }

    /// The newest text result replaces the document's text and metadata.
    fn text(&mut self, doc: i64, seq: u64, outcome: &TextOutcome) -> Sql<()> {
        let (sha, metadata) = match outcome {
            TextOutcome::Extracted { sha256, metadata, .. } => (Some(*sha256), metadata.as_deref()),
            TextOutcome::None { .. } => (None, None),
        };
        let had = self.replace(doc, "text_entry", "text_sha256", seq, sha)?;
        if had {
            self.tx
                .prepare_cached("DELETE FROM metadata WHERE doc = ?1")?
                .execute([doc])?;
        }
        if let Some(m) = metadata {
            insert_metadata(self.tx, doc, m)?;
        }
        // What the document had before this batch decides whether its old
        // text must leave the full-text index.
        self.texts.entry(doc).or_insert((had, None)).1 = sha;
        Ok(())
    }

    /// Writes the batch's searchable texts, the newest of each document.
    /// They wait until every other row is written because FTS5 flushes
    /// what it holds in memory at every statement savepoint, and many
    /// small flushes make the full-text index slow to write and to read.
    pub fn finish(mut self) -> Sql<u64> {
        for (doc, (had, sha)) in std::mem::take(&mut self.texts) {
            if had {
                self.tx
                    .prepare_cached("DELETE FROM texts WHERE rowid = ?1")?
                    .execute([doc])?;
            }
            let Some(body) = sha.and_then(|sha| self.read_text(&sha)) else {
                continue;
            };
            let title: Option<String> = self
                .tx
                .prepare_cached(
                    "SELECT coalesce(m.title, d.user_title) FROM documents d
                     LEFT JOIN metadata m ON m.doc = d.id WHERE d.id = ?1",
                )?
                .query_row([doc], |r| r.get(0))?;
            self.tx
                .prepare_cached("INSERT INTO texts (rowid, title, body) VALUES (?1, ?2, ?3)")?
                .execute(params![doc, title, body])?;
        }
        Ok(self.unreadable)
    }

    /// Points the document at its newest result; true when it had one
    /// before, whose rows must go.
    fn replace(&mut self, doc: i64, entry: &str, hash: &str, seq: u64, sha: Option<Digest>) -> Sql<bool> {
        let had: Option<u64> = self
            .tx
            .prepare_cached(&format!("SELECT {entry} FROM documents WHERE id = ?1"))?
            .query_row([doc], |r| r.get(0))?;
        self.tx
            .prepare_cached(&format!(
                "UPDATE documents SET {entry} = ?2, {hash} = ?3 WHERE id = ?1"
            ))?
            .execute(params![doc, seq, sha.map(|d| d.to_hex())])?;
        Ok(had.is_some())
    }

    fn read_text(&mut self, sha: &Digest) -> Option<String> {
        let mut bytes = Vec::new();
        let read = self
            .store
            .open(sha)
            .ok()
            .and_then(|r| r.take(MAX_TEXT).read_to_end(&mut bytes).ok());
        if read.is_none() {
            self.unreadable += 1;
            return None;
        }
        Some(match String::from_utf8(bytes) {
            Ok(s) => s,
            // Cut inside a character at the limit.
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The newest sources result replaces the document's outlets, people,
    /// mentions and quotes.
    fn sources(&mut self, doc: i64, seq: u64, outcome: &SourcesOutcome) -> Sql<()> {
        let sha = match outcome {
            SourcesOutcome::Extracted { sha256, .. } => Some(*sha256),
            SourcesOutcome::None { .. } => None,
        };
        if self.replace(doc, "sources_entry", "sources_sha256", seq, sha)? {
            for table in ["doc_outlets", "doc_people", "mentions", "quotes"] {
                self.tx
                    .prepare_cached(&format!("DELETE FROM {table} WHERE doc = ?1"))?
                    .execute([doc])?;
            }
        }
        let Some(sha) = sha else { return Ok(()) };
        let Ok(sources) = stored::load(self.store, &sha) else {
            self.unreadable += 1;
            return Ok(());
        };
        self.insert_sources(doc, &sources)
    }

    fn insert_sources(&mut self, doc: i64, sources: &Sources) -> Sql<()> {
        for o in &sources.outlets {
            let outlet = self.outlet(o)?;
            self.tx
                .prepare_cached(
                    "INSERT INTO doc_outlets (outlet, doc, cited, mentions) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (outlet, doc) DO UPDATE SET
                        cited = max(cited, excluded.cited), mentions = mentions + excluded.mentions",
                )?
                .execute(params![outlet, doc, o.cited, o.mentions.len()])?;
            for m in &o.mentions {
                self.mention(doc, Some(outlet), None, m)?;
            }
        }
        for p in &sources.people {
            let Some(person) = self.person(p)? else { continue };
            self.tx
                .prepare_cached(
                    "INSERT INTO doc_people (person, doc, name, role, cited, mentions, quotes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (person, doc) DO UPDATE SET
                        cited = max(cited, excluded.cited), role = coalesce(role, excluded.role),
                        mentions = mentions + excluded.mentions, quotes = quotes + excluded.quotes",
                )?
                .execute(params![
                    person,
                    doc,
                    p.name,
                    p.role,
                    p.cited,
                    p.mentions.len(),
                    p.quotes.len()
                ])?;
            for m in &p.mentions {
                self.mention(doc, None, Some(person), m)?;
            }
            for q in &p.quotes {
                let kind = match q.kind {
                    crate::cite::QuoteKind::Direct => "direct",
                    crate::cite::QuoteKind::Reported => "reported",
                };
                self.tx
                    .prepare_cached(
                        "INSERT INTO quotes (doc, person, start, end, text, cue, kind)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![doc, person, q.start, q.end, q.text, q.cue, kind])?;
            }
        }
        Ok(())
    }

    fn mention(
        &mut self,
        doc: i64,
        outlet: Option<i64>,
        person: Option<i64>,
        m: &crate::cite::Mention,
    ) -> Sql<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO mentions (doc, outlet, person, start, end, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![doc, outlet, person, m.start, m.end, m.text])?;
        Ok(())
    }

    fn outlet(&mut self, o: &CitedOutlet) -> Sql<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO outlets (name, kind, domain, country) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET name = name RETURNING id",
            )?
            .query_row(params![o.name, o.kind.as_str(), o.domain, o.country], |r| {
                r.get(0)
            })
    }

    /// The person's row, keyed by the name's words; it keeps the fullest
    /// form of the name any document gives. None for a name with no word.
    fn person(&mut self, p: &CitedPerson) -> Sql<Option<i64>> {
        let words = name_key(&p.name);
        if words.is_empty() {
            return Ok(None);
        }
        let count = words.len();
        self.tx
            .prepare_cached(
                "INSERT INTO people (key, name, words) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET
                    name = CASE WHEN excluded.words > words THEN excluded.name ELSE name END,
                    words = max(words, excluded.words)
                 RETURNING id",
            )?
            .query_row(params![words.join(" "), p.name, count], |r| r.get(0))
            .map(Some)
    }
}

fn insert_metadata(tx: &Transaction, doc: i64, m: &Metadata) -> Sql<()> {
    let authors = serde_json::to_string(&m.authors).expect("a list of strings serialises");
    tx.prepare_cached(
        "INSERT INTO metadata (doc, title, authors, published, modified, canonical_url, site_name, outlet,
            language, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        doc,
        m.title,
        authors,
        m.published,
        m.modified,
        m.canonical_url,
        m.site_name,
        m.outlet,
        m.language,
        m.description
    ])?;
    Ok(())
}

fn source_kind(source: &Source) -> &'static str {
    match source {
        Source::File { .. } => "file",
        Source::Stdin => "stdin",
        Source::Url(_) => "url",
        Source::Warc(_) => "warc",
    }
}

/// The URL the bytes were served from: the final one after redirects.
fn served_url(source: &Source) -> Option<String> {
    match source {
        Source::Url(u) => Some(u.response.url.clone()),
        Source::Warc(w) => Some(w.url.clone()),
        Source::File { .. } | Source::Stdin => None,
    }
}

/// The host of a URL, lower case, without a trailing dot.
pub fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// `www.example.com` as `com.example.www`: a domain and all its subdomains
/// are then one range of an ordered index.
pub fn reverse_host(host: &str) -> String {
    host.rsplit('.').collect::<Vec<_>>().join(".")
}
