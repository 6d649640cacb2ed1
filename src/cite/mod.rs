//! The sources analyser: which outlets and people a text names, and which
//! of them it cites (quotes, paraphrases, or presents as the source of a
//! claim). Rules over tokens and bundled word lists, no model: linear in
//! the text's length, and every result carries byte offsets into the
//! exact text that `provenance text ID` prints.
//!
//! The pipeline: [`token`] splits the text, [`quotes`] pairs quote marks,
//! [`doc`] finds listed names (outlets, places, organisations), then
//! [`outlets`] and [`people`] decide who is named and [`attribute`] who is
//! cited.

mod attribute;
mod doc;
pub mod lexicon;
mod outlets;
mod people;
mod quotes;
mod token;
mod words;

use serde::{Deserialize, Serialize};

use crate::entry::Tool;

pub use lexicon::{OutletKind, OutletRecord};

pub const NAME: &str = "provenance-sources";
/// Bump whenever the rules or the bundled lists change what a text yields.
pub const VERSION: &str = "2";

/// Texts longer than this are not analysed for sources: a news text is a
/// few hundred KiB at most, and the analysis holds the whole text and its
/// tokens in memory.
pub const MAX_TEXT: u64 = 16 << 20;

pub fn analyser() -> Tool {
    Tool {
        name: NAME.to_string(),
        version: VERSION.to_string(),
    }
}

/// What a text names and cites: the result stored for each document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sources {
    /// The outlet that published the text, from what the page says about
    /// itself (v2); it is in `outlets` only when the text names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    pub outlets: Vec<CitedOutlet>,
    pub people: Vec<CitedPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedOutlet {
    /// The gazetteer's canonical name.
    pub name: String,
    pub kind: OutletKind,
    /// The outlet's main domain, if it has one.
    pub domain: Option<String>,
    /// ISO 3166-1 alpha-2, or "INT".
    pub country: String,
    /// The text attributes content to it somewhere.
    pub cited: bool,
    pub mentions: Vec<Mention>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedPerson {
    /// The fullest form the text uses, without titles.
    pub name: String,
    /// A title or role the text gives ("Senator", "Secretary of State").
    pub role: Option<String>,
    pub cited: bool,
    pub mentions: Vec<Mention>,
    pub quotes: Vec<Quote>,
}

/// A place in the text: `text` is exactly the bytes `start..end`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub start: u32,
    pub end: u32,
    pub text: String,
}

/// Words attributed to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub start: u32,
    pub end: u32,
    pub text: String,
    /// The word that attributes it: "said", "wrote", "according to".
    pub cue: String,
    /// `direct` for words in quote marks, `reported` for reported speech.
    pub kind: QuoteKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    Direct,
    Reported,
}

impl Sources {
    /// Records the text's publisher. Its own name in its pages (a
    /// dateline, a copyright line) is a mention like any other, named and
    /// not cited; it is cited only where the text attributes words or
    /// claims to it, as for any outlet.
    pub fn published_by(mut self, outlet: &str) -> Sources {
        self.publisher = Some(outlet.to_string());
        self
    }

    /// Checks the promise every result makes about `text`, the text it was
    /// computed from: each mention and quote lies within it, on character
    /// boundaries, and its `text` is exactly those bytes.
    pub fn check_offsets(&self, text: &str) -> Result<(), String> {
        let outlet_spans = self.outlets.iter().flat_map(|o| {
            o.mentions
                .iter()
                .map(move |m| (&o.name, "outlet mention", m.start, m.end, &m.text))
        });
        let person_spans = self.people.iter().flat_map(|p| {
            let mentions = p
                .mentions
                .iter()
                .map(move |m| (&p.name, "person mention", m.start, m.end, &m.text));
            mentions.chain(
                p.quotes
                    .iter()
                    .map(move |q| (&p.name, "quote", q.start, q.end, &q.text)),
            )
        });
        for (who, what, start, end, claimed) in outlet_spans.chain(person_spans) {
            let (start, end) = (start as usize, end as usize);
            match text.get(start..end) {
                Some(slice) if slice == claimed => {}
                Some(_) => {
                    return Err(format!(
                        "{what} of {who:?}: text differs from bytes {start}..{end}"
                    ));
                }
                None => {
                    return Err(format!(
                        "{what} of {who:?}: {start}..{end} is not a slice of the {}-byte text",
                        text.len()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Finds the outlets and people a text names and cites.
pub fn extract(text: &str) -> Sources {
    let lex = lexicon::lexicon();
    let doc = doc::Doc::new(text, lex);
    let mut found_outlets = outlets::find(&doc, lex);
    let mut found_people = people::find(&doc, lex);
    surnames_over_outlets(&doc, &mut found_outlets, &mut found_people);
    outlets_over_names(&found_outlets, &mut found_people);
    let cited = attribute::attribute(&doc, &found_people, &found_outlets);
    Sources {
        publisher: None,
        outlets: outlet_results(&doc, lex, &found_outlets, &cited),
        people: person_results(&doc, &found_people, &cited),
    }
}

/// "Bloomberg" in a text about Michael Bloomberg is him, unless it stands
/// where an outlet does ("told Bloomberg", "according to Bloomberg").
fn surnames_over_outlets(
    doc: &doc::Doc,
    found: &mut Vec<outlets::OutletMention>,
    people: &mut people::People,
) {
    found.retain(|m| {
        if m.first != m.last || doc.tokens[m.first].kind == token::Kind::Url {
            return true;
        }
        let word = doc.norm(m.first);
        let Some(person) = people
            .persons
            .iter()
            .position(|p| p.surname == word && p.first_name.is_some())
        else {
            return true;
        };
        // "told Bloomberg", "according to Bloomberg" stay the outlet;
        // "Bloomberg said" is the person.
        if attribute::cited_before(doc, m.first) {
            return true;
        }
        people.mentions.push(people::PersonMention {
            first: m.first,
            last: m.last,
            person,
            modifier: doc
                .tokens
                .get(m.last + 1)
                .is_some_and(|t| t.kind == token::Kind::Possessive),
        });
        false
    });
    people.mentions.sort_by_key(|m| m.first);
}

/// A short form the text turned out to use as an outlet ("Tasnim, a news
/// agency, reported") is not also a person.
fn outlets_over_names(found: &[outlets::OutletMention], people: &mut people::People) {
    let mut covered: Vec<(usize, usize)> = found.iter().map(|m| (m.first, m.last)).collect();
    covered.sort_unstable();
    people.mentions.retain(|m| {
        let at = covered.partition_point(|&(first, _)| first <= m.last);
        !covered[..at]
            .iter()
            .rev()
            .take(2)
            .any(|&(first, last)| first <= m.last && m.first <= last)
    });
}

fn mention(doc: &doc::Doc, first: usize, last: usize) -> Mention {
    let start = doc.tokens[first].start;
    let end = doc.tokens[last].end;
    Mention {
        start,
        end,
        text: doc.text[start as usize..end as usize].to_string(),
    }
}

fn outlet_results(
    doc: &doc::Doc,
    lex: &lexicon::Lexicon,
    found: &[outlets::OutletMention],
    cited: &attribute::Attribution,
) -> Vec<CitedOutlet> {
    let mut out: Vec<(u32, CitedOutlet)> = Vec::new();
    let mut slots: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (k, m) in found.iter().enumerate() {
        let slot = *slots.entry(m.outlet).or_insert_with(|| {
            let record = &lex.outlets[m.outlet as usize];
            out.push((
                m.outlet,
                CitedOutlet {
                    name: record.name.clone(),
                    kind: record.kind,
                    domain: record.domains.first().cloned(),
                    country: record.country.clone(),
                    cited: false,
                    mentions: Vec::new(),
                },
            ));
            out.len() - 1
        });
        let entry = &mut out[slot].1;
        entry.cited |= cited.outlet_cited[k];
        entry.mentions.push(mention(doc, m.first, m.last));
    }
    out.into_iter().map(|(_, o)| o).collect()
}

fn person_results(
    doc: &doc::Doc,
    found: &people::People,
    cited: &attribute::Attribution,
) -> Vec<CitedPerson> {
    let mut mentions: Vec<Vec<Mention>> = vec![Vec::new(); found.persons.len()];
    let mut order: Vec<usize> = Vec::new();
    for m in &found.mentions {
        if mentions[m.person].is_empty() {
            order.push(m.person);
        }
        mentions[m.person].push(mention(doc, m.first, m.last));
    }
    let mut quotes: Vec<Vec<Quote>> = vec![Vec::new(); found.persons.len()];
    for s in &cited.said {
        quotes[s.person].push(Quote {
            start: s.start,
            end: s.end,
            text: doc.text[s.start as usize..s.end as usize].to_string(),
            cue: doc.slice(s.cue.0, s.cue.1).to_string(),
            kind: if s.direct {
                QuoteKind::Direct
            } else {
                QuoteKind::Reported
            },
        });
    }
    order
        .into_iter()
        .map(|p| {
            let person = &found.persons[p];
            let (f, l) = person.name;
            let mut quotes = std::mem::take(&mut quotes[p]);
            quotes.sort_by_key(|q| q.start);
            CitedPerson {
                name: doc.slice(f, l).to_string(),
                role: person.role.clone(),
                cited: cited.person_cited[p],
                mentions: std::mem::take(&mut mentions[p]),
                quotes,
            }
        })
        .collect()
}
#[cfg(test)]
mod construction_tests;
#[cfg(test)]
mod tests;
