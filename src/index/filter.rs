//! `--outlet`, `--person`, `--cited`, `--since`, `--until`, `--domain` and
//! `--media-type`: which documents (and captures) a command is about, as
//! SQL over the index. Filters of different kinds must all hold.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;

use super::{Index, name_key};
use crate::cite;
use crate::cli::FilterArgs;
use crate::error::{Error, Result};

/// The filters, checked and normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Canonical names the user's `--outlet` stands for.
    pub outlets: Option<Vec<String>>,
    /// `--person` as lower-case words.
    pub person: Option<Vec<String>>,
    pub cited: bool,
    /// Milliseconds since the epoch: `since <= retrieved < until`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// The domain, reversed (`com.example`).
    pub domain: Option<String>,
    pub media_type: Option<MediaType>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaType {
    /// `text/html`
    Exact(String),
    /// `text/*` or `text`: the top-level type, with its slash.
    TopLevel(String),
}

/// A condition in SQL with its parameters, in order.
#[derive(Debug, Default)]
pub struct Clause {
    pub sql: String,
    pub params: Vec<Value>,
}

impl Clause {
    /// The condition that always holds.
    pub fn default_true() -> Clause {
        Clause {
            sql: "1".to_string(),
            params: Vec::new(),
        }
    }
}

impl Filter {
    pub fn new(args: &FilterArgs) -> Result<Filter> {
        Ok(Filter {
            outlets: args.outlet.as_deref().map(outlet_names).transpose()?,
            person: match args.person.as_deref() {
                None => None,
                Some(p) => {
                    let words = name_key(p);
                    if words.is_empty() {
                        return Err(Error::Usage(format!("--person '{p}': give a name")));
                    }
                    Some(words)
                }
            },
            cited: args.cited,
            since: args
                .since
                .as_deref()
                .map(|s| parse_time("--since", s, false))
                .transpose()?,
            until: args
                .until
                .as_deref()
                .map(|s| parse_time("--until", s, true))
                .transpose()?,
            domain: args.domain.as_deref().map(parse_domain).transpose()?,
            media_type: args.media_type.as_deref().map(parse_media_type).transpose()?,
        })
    }

    /// True when any filter on captures (time, domain, media type) is set.
    pub fn on_captures(&self) -> bool {
        self.since.is_some() || self.until.is_some() || self.domain.is_some() || self.media_type.is_some()
    }

    /// True when any filter on what documents cite is set.
    pub fn on_sources(&self) -> bool {
        self.outlets.is_some() || self.person.is_some() || self.cited
    }

    pub fn is_empty(&self) -> bool {
        !self.on_captures() && !self.on_sources()
    }

    /// Whether a row for this outlet is shown: with `--outlet`, only its
    /// outlets; with `--person` alone, none; with `--cited`, only cited.
    pub fn wants_outlet(&self, name: &str, cited: bool) -> bool {
        let wanted = match (&self.outlets, &self.person) {
            (Some(names), _) => names.iter().any(|n| n == name),
            (None, Some(_)) => false,
            (None, None) => true,
        };
        wanted && (cited || !self.cited)
    }

    /// Whether a row for this person is shown, as for outlets.
    pub fn wants_person(&self, name: &str, cited: bool) -> bool {
        let wanted = match (&self.person, &self.outlets) {
            (Some(words), _) => contains_words(&name_key(name), words),
            (None, Some(_)) => false,
            (None, None) => true,
        };
        wanted && (cited || !self.cited)
    }

    /// The condition on one capture, the table aliased `c`.
    pub fn capture_clause(&self) -> Clause {
        let mut c = Clause::default();
        let mut parts = Vec::new();
        if let Some(since) = self.since {
            parts.push("c.retrieved >= ?".to_string());
            c.params.push(Value::Integer(since));
        }
        if let Some(until) = self.until {
            parts.push("c.retrieved < ?".to_string());
            c.params.push(Value::Integer(until));
        }
        if let Some(domain) = &self.domain {
            // The domain itself, or a name below it: one range of the index.
            parts.push("(c.rhost = ? OR (c.rhost >= ? AND c.rhost < ?))".to_string());
            c.params.push(Value::Text(domain.clone()));
            c.params.push(Value::Text(format!("{domain}.")));
            c.params.push(Value::Text(format!("{domain}/")));
        }
        match &self.media_type {
            Some(MediaType::Exact(t)) => {
                parts.push("c.media = ?".to_string());
                c.params.push(Value::Text(t.clone()));
            }
            Some(MediaType::TopLevel(t)) => {
                parts.push("(c.media >= ? AND c.media < ?)".to_string());
                let end = format!("{}0", t.trim_end_matches('/'));
                c.params.push(Value::Text(t.clone()));
                c.params.push(Value::Text(end));
            }
            None => {}
        }
        c.sql = join(parts);
        c
    }

    /// The condition on a document id (the SQL expression `doc`): what it
    /// cites, and, when `captures` is set, that one of its captures
    /// passes the capture filters.
    pub fn document_clause(&self, index: &Index, doc: &str, captures: bool) -> Result<Clause> {
        let mut c = Clause::default();
        let mut parts = Vec::new();
        let cited = if self.cited { " AND x.cited" } else { "" };
        if let Some(names) = &self.outlets {
            parts.push(format!(
                "{doc} IN (SELECT x.doc FROM doc_outlets x JOIN outlets o ON o.id = x.outlet
                 WHERE o.name IN ({}){cited})",
                placeholders(names.len())
            ));
            c.params.extend(names.iter().cloned().map(Value::Text));
        }
        if let Some(words) = &self.person {
            let ids = matching_people(index, words)?;
            parts.push(format!(
                "{doc} IN (SELECT x.doc FROM doc_people x WHERE x.person IN ({}){cited})",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ));
        }
        if self.cited && self.outlets.is_none() && self.person.is_none() {
            parts.push(format!(
                "({doc} IN (SELECT x.doc FROM doc_outlets x WHERE x.cited)
                  OR {doc} IN (SELECT x.doc FROM doc_people x WHERE x.cited))"
            ));
        }
        if captures && self.on_captures() {
            let inner = self.capture_clause();
            parts.push(format!(
                "{doc} IN (SELECT c.doc FROM captures c WHERE {})",
                inner.sql
            ));
            c.params.extend(inner.params);
        }
        c.sql = join(parts);
        Ok(c)
    }
}

fn join(parts: Vec<String>) -> String {
    if parts.is_empty() {
        "1".to_string()
    } else {
        parts.join(" AND ")
    }
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// The people whose name's words contain the wanted words as a run, or
/// are contained in them ("Khomeini" and "Ruhollah Khomeini" match both
/// ways), by their ids.
pub fn matching_people(index: &Index, wanted: &[String]) -> Result<Vec<i64>> {
    let conn = index.conn();
    let mut stmt = conn
        .prepare_cached("SELECT id, key FROM people")
        .map_err(|e| index.error(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| index.error(e))?;
    let mut ids = Vec::new();
    for row in rows {
        let (id, key) = row.map_err(|e| index.error(e))?;
        let words: Vec<String> = key.split(' ').map(str::to_string).collect();
        if contains_words(&words, wanted) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Either list of words contains the other as a run.
pub fn contains_words(name: &[String], query: &[String]) -> bool {
    let within = |long: &[String], short: &[String]| {
        !short.is_empty() && long.windows(short.len()).any(|w| w == short)
    };
    within(name, query) || within(query, name)
}

fn outlet_names(name: &str) -> Result<Vec<String>> {
    let names = cite::lexicon::lexicon().outlets_named(name);
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "--outlet {name}: no outlet in the gazetteer has this name, alias or domain"
        )));
    }
    Ok(names.into_iter().map(str::to_string).collect())
}

/// RFC 3339, or a date (`2026-11-28`) standing for its whole day in UTC:
/// its first instant for `--since`, the first instant of the next day
/// (exclusive) for `--until`.
fn parse_time(flag: &str, s: &str, until: bool) -> Result<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let millis = t.with_timezone(&Utc).timestamp_millis();
        // --until TIME includes TIME itself.
        return Ok(if until { millis + 1 } else { millis });
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        Error::Usage(format!(
            "{flag} {s}: give a date (2026-11-28) or an RFC 3339 time (2026-11-28T14:00:00Z)"
        ))
    })?;
    let day = if until { day.succ_opt().unwrap_or(day) } else { day };
    let start = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    Ok(start.timestamp_millis())
}

fn parse_domain(s: &str) -> Result<String> {
    let host = s
        .trim()
        .trim_start_matches("*.")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if !valid {
        return Err(Error::Usage(format!(
            "--domain {s}: give a domain name such as example.com"
        )));
    }
    Ok(super::fill::reverse_host(&host))
}

fn parse_media_type(s: &str) -> Result<MediaType> {
    let t = s.trim().to_ascii_lowercase();
    let bad = || {
        Error::Usage(format!(
            "--media-type {s}: give a type (text/html) or a top-level type (text/*)"
        ))
    };
    let token = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match t.split_once('/') {
        None if token(&t) => Ok(MediaType::TopLevel(format!("{t}/"))),
        Some((top, "*")) if token(top) => Ok(MediaType::TopLevel(format!("{top}/"))),
        Some((top, sub)) if token(top) && token(sub) => Ok(MediaType::Exact(t.clone())),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_their_whole_day_and_times_are_inclusive() {
        let since = parse_time("--since", "2026-11-28", false).unwrap();
        let until = parse_time("--until", "2026-11-28", true).unwrap();
        assert_eq!(until - since, 86_400_000);
        let t = parse_time("--until", "2026-11-28T12:00:00+01:00", true).unwrap();
        assert_eq!(t, since + 11 * 3_600_000 + 1);
        assert!(parse_time("--since", "yesterday", false).is_err());
    }

    #[test]
    fn domains_are_reversed_and_checked() {
        assert_eq!(parse_domain("WWW.Example.com.").unwrap(), "com.example.www");
        assert_eq!(parse_domain("*.example.com").unwrap(), "com.example");
        assert!(parse_domain("exa mple.com").is_err());
        assert!(parse_domain("").is_err());
    }

    #[test]
    fn media_types_exact_or_top_level() {
        assert_eq!(
            parse_media_type("Text/HTML").unwrap(),
            MediaType::Exact("text/html".into())
        );
        assert_eq!(
            parse_media_type("text/*").unwrap(),
            MediaType::TopLevel("text/".into())
        );
        assert_eq!(
            parse_media_type("image").unwrap(),
            MediaType::TopLevel("image/".into())
        );
        assert!(parse_media_type("text/").is_err());
    }

    #[test]
    fn names_match_as_runs_of_words_both_ways() {
        let w = |s: &str| name_key(s);
        assert!(contains_words(&w("Ruhollah Khomeini"), &w("khomeini")));
        assert!(contains_words(&w("McCain"), &w("John McCain")));
        assert!(!contains_words(&w("John McCain"), &w("Cindy McCain")));
    }
}
