//! What the commands ask of the index: captures passing the filters,
//! ranked full-text search, and the archive-wide count of who is cited.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;

use super::Index;
use super::filter::{Clause, Filter};
use crate::cite::OutletKind;
use crate::error::{Error, Result};
use crate::time::Timestamp;

/// A capture as the index has it: where its entry is in the log, and
/// what a listing shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRow {
    pub seq: u64,
    pub line_offset: u64,
    pub line_len: u64,
    pub sha256: String,
    pub retrieved: Timestamp,
    pub size: u64,
    pub media_type: String,
    pub label: String,
    pub status: Option<u16>,
    pub title: Option<String>,
}

impl Index {
    fn rows<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn().prepare(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params_from_iter(params), map)
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<T>>>()
            .map_err(|e| self.error(e))
    }

    /// The captures that pass the filters, in log order.
    pub fn captures(&self, filter: &Filter) -> Result<Vec<CaptureRow>> {
        let on_capture = filter.capture_clause();
        let on_doc = filter.document_clause(self, "c.doc", false)?;
        let sql = format!(
            "SELECT c.seq, c.line_offset, c.line_len, d.sha256, c.retrieved, c.size, c.media_type, c.label,
                    c.status, c.title
             FROM captures c JOIN documents d ON d.id = c.doc
             WHERE {} AND {} ORDER BY c.seq",
            on_capture.sql, on_doc.sql
        );
        let params = [on_capture.params, on_doc.params].concat();
        self.rows(&sql, &params, |r| {
            Ok(CaptureRow {
                seq: r.get(0)?,
                line_offset: r.get(1)?,
                line_len: r.get(2)?,
                sha256: r.get(3)?,
                retrieved: Timestamp::from_millis(r.get(4)?).unwrap_or_else(Timestamp::now),
                size: r.get(5)?,
                media_type: r.get(6)?,
                label: r.get(7)?,
                status: r.get(8)?,
                title: r.get(9)?,
            })
        })
    }
}

/// One document found by `search`.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    /// Higher is better: BM25 over the title and the text, the title
    /// weighing more.
    pub score: f64,
    pub title: Option<String>,
    /// The newest capture's source (URL, path or `stdin`), when and what.
    pub source: String,
    pub retrieved: Timestamp,
    pub media_type: String,
    /// Words around the best match, the matches in `highlights`.
    pub snippet: String,
    /// Byte ranges of `snippet` that match the query.
    pub highlights: Vec<(usize, usize)>,
}

/// Marks the snippet's matches; neither can occur in an indexed text's
/// words, and both are taken out again.
const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

impl Index {
    /// The documents whose text matches `query` (see [`fts_query`]), best
    /// first, at most `limit` (0: all).
    pub fn search(&self, query: &str, filter: &Filter, limit: u64) -> Result<Vec<Hit>> {
        let matching = fts_query(query)?;
        let on_doc = filter.document_clause(self, "texts.rowid", true)?;
        // Ranks first, then describes the best only: a snippet costs a
        // pass over the document's text, and a common word matches most.
        let sql = format!(
            "SELECT texts.rowid, rank FROM texts WHERE texts MATCH ? AND {}
             ORDER BY rank, texts.rowid LIMIT ?",
            on_doc.sql
        );
        let mut params = vec![Value::Text(matching.clone())];
        params.extend(on_doc.params);
        params.push(Value::Integer(if limit == 0 { -1 } else { limit as i64 }));
        let ranked = self.rows(&sql, &params, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?)))?;
        let describe = "SELECT d.sha256, coalesce(m.title, d.user_title), c.label, c.retrieved, c.media_type,
                    snippet(texts, -1, char(1), char(2), '…', 24)
             FROM texts
             JOIN documents d ON d.id = texts.rowid
             JOIN captures c ON c.seq = d.last_capture
             LEFT JOIN metadata m ON m.doc = d.id
             WHERE texts MATCH ?1 AND texts.rowid = ?2";
        let mut hits = Vec::with_capacity(ranked.len());
        for (doc, rank) in ranked {
            let params = [Value::Text(matching.clone()), Value::Integer(doc)];
            hits.extend(self.rows(describe, &params, |r| {
                let (snippet, highlights) = highlights(&r.get::<_, String>(5)?);
                Ok(Hit {
                    id: r.get(0)?,
                    score: -rank,
                    title: r.get(1)?,
                    source: r.get(2)?,
                    retrieved: Timestamp::from_millis(r.get(3)?).unwrap_or_else(Timestamp::now),
                    media_type: r.get(4)?,
                    snippet,
                    highlights,
                })
            })?);
        }
        Ok(hits)
    }
}

/// Takes the markers out of a snippet, returning where they were.
fn highlights(marked: &str) -> (String, Vec<(usize, usize)>) {
    let mut text = String::with_capacity(marked.len());
    let mut ranges = Vec::new();
    let mut start = None;
    for ch in marked.chars() {
        match ch {
            OPEN => start = Some(text.len()),
            CLOSE => {
                if let Some(s) = start.take() {
                    ranges.push((s, text.len()));
                }
            }
            // The snippet is one line in a listing.
            '\n' | '\r' | '\t' => text.push(' '),
            _ => text.push(ch),
        }
    }
    (text, ranges)
}

/// The search language, turned into an FTS5 query that cannot fail to
/// parse: words must all occur (in any case, accents ignored); `"a
/// phrase"` in that order; `word*` a prefix; `OR` between two terms
/// either; `-word` or `-"a phrase"` must not occur. Everything else is a
/// word: punctuation separates words as in the text (`U.S.` is `u s`).
pub fn fts_query(query: &str) -> Result<String> {
    let terms = terms(query);
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut excluded = Vec::new();
    let mut or_next = false;
    for term in terms {
        if term.text == "OR" && !term.quoted && !term.negated {
            or_next = !groups.is_empty();
            continue;
        }
        let Some(phrase) = term.fts() else { continue };
        if term.negated {
            excluded.push(phrase);
        } else if or_next {
            groups.last_mut().expect("OR follows a term").push(phrase);
        } else {
            groups.push(vec![phrase]);
        }
        or_next = false;
    }
    if groups.is_empty() {
        return Err(Error::Usage(format!(
            "search '{query}': give at least one word to look for"
        )));
    }
    let all = groups
        .iter()
        .map(|g| format!("({})", g.join(" OR ")))
        .collect::<Vec<_>>()
        .join(" AND ");
    Ok(if excluded.is_empty() {
        all
    } else {
        format!("({all}) NOT ({})", excluded.join(" OR "))
    })
}

struct Term {
    text: String,
    quoted: bool,
    negated: bool,
    prefix: bool,
}

impl Term {
    /// The term as an FTS5 string, or None when it holds no word at all.
    fn fts(&self) -> Option<String> {
        if !self.text.chars().any(char::is_alphanumeric) {
            return None;
        }
        let quoted = format!("\"{}\"", self.text.replace('"', "\"\""));
        Some(if self.prefix { format!("{quoted}*") } else { quoted })
    }
}

/// Splits a query into words and quoted phrases.
fn terms(query: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let quoted = chars.peek() == Some(&'"');
        let mut text = String::new();
        if quoted {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                text.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
        }
        let prefix = if !quoted && text.ends_with('*') {
            text.truncate(text.trim_end_matches('*').len());
            true
        } else {
            quoted && chars.peek() == Some(&'*') && chars.next().is_some()
        };
        out.push(Term {
            text,
            quoted,
            negated,
            prefix,
        });
    }
    out
}

/// One outlet or person over the archive.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<OutletKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The most frequent role given, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// How many documents name it, and how many cite it.
    pub named: u64,
    pub cited: u64,
    /// The documents that name it, and those that cite it, when asked for.
    pub named_in: Vec<String>,
    pub cited_in: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    /// Documents with a sources result (within the capture filters).
    pub documents: u64,
    pub outlets: Vec<Row>,
    pub people: Vec<Row>,
}

/// A person's row before the surname merge: its ids and role counts.
struct PersonRow {
    ids: Vec<i64>,
    key: String,
    row: Row,
    roles: BTreeMap<String, u64>,
}

impl Index {
    /// For each outlet and person, how many documents name and cite it.
    /// The capture filters choose the documents; `--outlet`, `--person`
    /// and `--cited` choose the rows. With `documents`, each row lists
    /// the documents too.
    pub fn aggregate(&self, filter: &Filter, documents: bool) -> Result<Aggregate> {
        let scope = Filter {
            outlets: None,
            person: None,
            cited: false,
            ..filter.clone()
        };
        let count = |clause: &Clause| {
            let sql = format!(
                "SELECT count(*) FROM documents x WHERE x.sources_sha256 IS NOT NULL AND {}",
                clause.sql
            );
            self.rows(&sql, &clause.params, |r| r.get::<_, u64>(0))
                .map(|n| n.first().copied().unwrap_or(0))
        };
        let analysed = count(&scope.document_clause(self, "x.id", true)?)?;
        let all = if scope.on_captures() {
            count(&Clause::default_true())?
        } else {
            analysed
        };
        // Few documents are best found through the index by document;
        // many, by reading the rows in order and checking each (`+` keeps
        // SQLite from using that index).
        let broad = analysed * 8 > all;
        let whole = analysed == all;
        let in_scope = if whole {
            Clause::default_true()
        } else {
            scope.document_clause(self, if broad { "+x.doc" } else { "x.doc" }, true)?
        };
        // Over every document, the counts the triggers keep; over some,
        // counted from the rows.
        let mut outlets = self.outlet_rows(&in_scope, whole, filter)?;
        let mut people = self.people_rows(&in_scope, whole, filter)?;
        if documents {
            self.outlet_documents(&in_scope, filter, &mut outlets)?;
            self.people_documents(&in_scope, filter, &mut people)?;
        }
        let mut people: Vec<Row> = people.into_iter().map(|p| p.row).collect();
        sort_rows(&mut outlets);
        sort_rows(&mut people);
        Ok(Aggregate {
            documents: analysed,
            outlets,
            people,
        })
    }

    fn outlet_rows(&self, in_scope: &Clause, whole: bool, filter: &Filter) -> Result<Vec<Row>> {
        let sql = kept_or_counted(
            whole,
            "SELECT o.name, o.kind, o.domain, o.named, o.cited FROM outlets o WHERE o.named > 0",
            "SELECT o.name, o.kind, o.domain, count(*), sum(x.cited) FROM doc_outlets x
             JOIN outlets o ON o.id = x.outlet WHERE {} GROUP BY x.outlet",
            in_scope,
        );
        let rows = self.rows(&sql, &in_scope.params, |r| {
            Ok(Row {
                name: r.get(0)?,
                kind: OutletKind::parse(&r.get::<_, String>(1)?),
                domain: r.get(2)?,
                role: None,
                named: r.get(3)?,
                cited: r.get(4)?,
                named_in: Vec::new(),
                cited_in: Vec::new(),
            })
        })?;
        Ok(rows
            .into_iter()
            .filter(|r| filter.wants_outlet(&r.name, r.cited > 0))
            .collect())
    }

    fn people_rows(&self, in_scope: &Clause, whole: bool, filter: &Filter) -> Result<Vec<PersonRow>> {
        let sql = kept_or_counted(
            whole,
            "SELECT p.id, p.key, p.name, p.named, p.cited FROM people p WHERE p.named > 0",
            "SELECT x.person, p.key, p.name, count(*), sum(x.cited) FROM doc_people x
             JOIN people p ON p.id = x.person WHERE {} GROUP BY x.person",
            in_scope,
        );
        let mut rows: HashMap<String, PersonRow> = self
            .rows(&sql, &in_scope.params, |r| {
                Ok(PersonRow {
                    ids: vec![r.get(0)?],
                    key: r.get(1)?,
                    row: Row {
                        name: r.get(2)?,
                        kind: None,
                        domain: None,
                        role: None,
                        named: r.get(3)?,
                        cited: r.get(4)?,
                        named_in: Vec::new(),
                        cited_in: Vec::new(),
                    },
                    roles: BTreeMap::new(),
                })
            })?
            .into_iter()
            .map(|p| (p.key.clone(), p))
            .collect();
        let by_id: HashMap<i64, String> = rows.values().map(|p| (p.ids[0], p.key.clone())).collect();
        let roles_sql = kept_or_counted(
            whole,
            "SELECT r.person, r.role, r.n FROM people_roles r WHERE r.n > 0",
            "SELECT x.person, x.role, count(*) FROM doc_people x WHERE x.role IS NOT NULL AND {}
             GROUP BY x.person, x.role",
            in_scope,
        );
        for (id, role, n) in self.rows(&roles_sql, &in_scope.params, |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, u64>(2)?))
        })? {
            if let Some(p) = by_id.get(&id).and_then(|k| rows.get_mut(k)) {
                *p.roles.entry(role).or_default() += n;
            }
        }
        self.merge_surnames(&mut rows, in_scope)?;
        Ok(rows
            .into_values()
            .filter(|p| filter.wants_person(&p.row.name, p.row.cited > 0))
            .map(|mut p| {
                // The most frequent; of equals, the last in order.
                p.row.role = p
                    .roles
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .map(|(role, _)| role.clone());
                p
            })
            .collect())
    }

    /// A person known in some documents by surname alone ("Khomeini") is
    /// the one person of that surname known by full name, if there is
    /// exactly one; a document naming both counts once.
    fn merge_surnames(&self, rows: &mut HashMap<String, PersonRow>, in_scope: &Clause) -> Result<()> {
        let mut full: HashMap<&str, Vec<&str>> = HashMap::new();
        for key in rows.keys().filter(|k| k.contains(' ')) {
            if let Some(surname) = key.rsplit(' ').next() {
                full.entry(surname).or_default().push(key);
            }
        }
        let merges: Vec<(String, String)> = rows
            .keys()
            .filter(|k| !k.contains(' '))
            .filter_map(|single| match full.get(single.as_str()).map(Vec::as_slice) {
                Some([target]) => Some((single.clone(), target.to_string())),
                _ => None,
            })
            .collect();
        if merges.is_empty() {
            return Ok(());
        }
        // Person id → the id of the row it merges into, for both sides.
        let mut pairs = Vec::new();
        for (single, target) in &merges {
            let Some(from) = rows.remove(single) else { continue };
            let Some(into) = rows.get_mut(target) else {
                continue;
            };
            for id in from.ids.iter().chain(&into.ids) {
                pairs.push((*id, into.ids[0]));
            }
            into.ids.extend(from.ids);
            for (r, n) in from.roles {
                *into.roles.entry(r).or_default() += n;
            }
        }
        let values = pairs
            .iter()
            .map(|(p, t)| format!("({p},{t})"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "WITH m (person, target) AS (VALUES {values})
             SELECT target, count(*), coalesce(sum(c), 0) FROM (
                SELECT m.target, x.doc, max(x.cited) AS c FROM doc_people x JOIN m ON m.person = x.person
                WHERE {} GROUP BY m.target, x.doc)
             GROUP BY target",
            in_scope.sql
        );
        let counts = self.rows(&sql, &in_scope.params, |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, u64>(1)?, r.get::<_, u64>(2)?))
        })?;
        let by_target: HashMap<i64, (u64, u64)> = counts.into_iter().map(|(t, n, c)| (t, (n, c))).collect();
        for row in rows.values_mut() {
            if let Some(&(named, cited)) = by_target.get(&row.ids[0]) {
                row.row.named = named;
                row.row.cited = cited;
            }
        }
        Ok(())
    }

    fn outlet_documents(&self, in_scope: &Clause, filter: &Filter, rows: &mut [Row]) -> Result<()> {
        // Only the rows shown, when the filters chose some.
        let mut params = in_scope.params.clone();
        let only = if filter.outlets.is_some() || filter.person.is_some() {
            params.extend(rows.iter().map(|r| Value::Text(r.name.clone())));
            format!("AND o.name IN ({})", vec!["?"; rows.len()].join(","))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT o.name, d.sha256, x.cited FROM doc_outlets x JOIN outlets o ON o.id = x.outlet
             JOIN documents d ON d.id = x.doc WHERE {} {only} ORDER BY d.sha256",
            in_scope.sql
        );
        let at: HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.clone(), i))
            .collect();
        let found = self.rows(&sql, &params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for (name, sha, cited) in found {
            if let Some(&i) = at.get(&name) {
                list_document(&mut rows[i], sha, cited, filter.cited);
            }
        }
        Ok(())
    }

    fn people_documents(&self, in_scope: &Clause, filter: &Filter, rows: &mut [PersonRow]) -> Result<()> {
        let only = if filter.outlets.is_some() || filter.person.is_some() {
            let ids: Vec<String> = rows.iter().flat_map(|p| &p.ids).map(i64::to_string).collect();
            format!("AND x.person IN ({})", ids.join(","))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT x.person, d.sha256, max(x.cited) FROM doc_people x JOIN documents d ON d.id = x.doc
             WHERE {} {only} GROUP BY x.person, d.sha256 ORDER BY d.sha256",
            in_scope.sql
        );
        let at: HashMap<i64, usize> = rows
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.ids.iter().map(move |id| (*id, i)))
            .collect();
        let found = self.rows(&sql, &in_scope.params, |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?))
        })?;
        for (person, sha, cited) in found {
            if let Some(&i) = at.get(&person) {
                list_document(&mut rows[i].row, sha, cited, filter.cited);
            }
        }
        Ok(())
    }
}

/// Adds a document to a row's lists; a merged person may meet the same
/// document twice, next to each other since they come in hash order.
fn list_document(row: &mut Row, sha: String, cited: bool, cited_only: bool) {
    if cited && row.cited_in.last() != Some(&sha) {
        row.cited_in.push(sha.clone());
    }
    if (cited || !cited_only) && row.named_in.last() != Some(&sha) {
        row.named_in.push(sha);
    }
}

/// The query reading the counts the triggers keep (`whole`), or the one
/// counting the rows of the documents in scope (its `{}`).
fn kept_or_counted(whole: bool, kept: &str, counted: &str, in_scope: &Clause) -> String {
    if whole {
        kept.to_string()
    } else {
        counted.replace("{}", &in_scope.sql)
    }
}

/// Most cited first, then most named, then by name.
fn sort_rows(rows: &mut [Row]) {
    rows.sort_by(|a, b| (b.cited, b.named, &a.name).cmp(&(a.cited, a.named, &b.name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_fts5_that_always_parses() {
        assert_eq!(
            fts_query("regime change").unwrap(),
            "(\"regime\") AND (\"change\")"
        );
        assert_eq!(fts_query("\"regime change\"").unwrap(), "(\"regime change\")");
        assert_eq!(fts_query("iran OR persia").unwrap(), "(\"iran\" OR \"persia\")");
        assert_eq!(
            fts_query("chang* -saudi").unwrap(),
            "((\"chang\"*)) NOT (\"saudi\")"
        );
        assert_eq!(
            fts_query("U.S. McCain's").unwrap(),
            "(\"U.S.\") AND (\"McCain's\")"
        );
        assert_eq!(fts_query("say \"\"\"").unwrap(), "(\"say\")");
        assert!(fts_query("-only").is_err());
        assert!(fts_query("  ... ").is_err());
        assert!(fts_query("OR").is_err());
    }

    #[test]
    fn snippet_markers_become_ranges() {
        let (text, ranges) = highlights("the \u{1}regime\u{2} fell\nand \u{1}é\u{2}");
        assert_eq!(text, "the regime fell and é");
        assert_eq!(ranges, vec![(4, 10), (20, 22)]);
        assert_eq!(&text[4..10], "regime");
    }
}
