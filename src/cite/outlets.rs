//! Which outlets a text names: gazetteer names and aliases, URLs and bare
//! domains, and short forms ("the Post") once the text has said which
//! outlet they stand for.

use std::collections::HashMap;

use super::attribute;
use super::doc::{Doc, Hit};
use super::lexicon::{Lexicon, OutletKind, Target};
use super::token::Kind;
use super::words;

/// One place where the text names an outlet.
#[derive(Debug, Clone, Copy)]
pub struct OutletMention {
    pub first: usize,
    pub last: usize,
    pub outlet: u32,
}

/// Words after a one-word outlet name that keep it an outlet ("Bloomberg
/// News", "Reuters TV"); any other capitalised word makes a longer name of
/// something else ("Reuters Institute").
const OUTLET_SUFFIXES: &[&str] = &[
    "news",
    "tv",
    "television",
    "radio",
    "online",
    "opinion",
    "digital",
    "live",
    "channel",
    "newsroom",
];

/// Prepositions that make a one-letter outlet name ("X") a platform.
const PLATFORM_PREPOSITIONS: &[&str] = &["on", "to", "via", "from"];

pub fn find(doc: &Doc, lex: &Lexicon) -> Vec<OutletMention> {
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    for hit in &doc.hits {
        match hit.target {
            Target::Outlet { index, weak: false } if stands_alone(doc, lex, hit) => {
                strong.push(OutletMention {
                    first: hit.first,
                    last: hit.last,
                    outlet: index,
                })
            }
            Target::Outlet { weak: true, .. } if stands_alone(doc, lex, hit) => weak.push(hit),
            _ => {}
        }
    }
    for (i, t) in doc.tokens.iter().enumerate() {
        if t.kind == Kind::Url
            && let Some(outlet) = lex.outlet_of_domain(&host_of(doc.raw(i)))
        {
            strong.push(OutletMention {
                first: i,
                last: i,
                outlet,
            });
        }
    }
    // A short form names an outlet on its own where the text treats it as
    // one ("Tasnim reported", "wrote on X") and it can mean only one, or
    // where it is that outlet's full name with its capital "The" ("The
    // Times" mid-sentence is the outlet called exactly that).
    let mut pending = Vec::new();
    let mut resolved = Vec::new();
    let anchors = Anchors::new(&strong);
    for hit in weak {
        if let Some(m) = anchors.resolve(hit) {
            resolved.push(m);
        } else if let Some(outlet) = self_evident(doc, lex, hit) {
            resolved.push(OutletMention {
                first: hit.first,
                last: hit.last,
                outlet,
            });
        } else {
            pending.push(hit);
        }
    }
    strong.extend(resolved);
    strong.sort_by_key(|m| m.first);
    // Self-evident short forms now vouch for their other mentions.
    let anchors = Anchors::new(&strong);
    let late: Vec<OutletMention> = pending.iter().filter_map(|hit| anchors.resolve(hit)).collect();
    strong.extend(late);
    strong.sort_by_key(|m| m.first);
    strong
}

fn self_evident(doc: &Doc, lex: &Lexicon, hit: &Hit) -> Option<u32> {
    // "BBC Radio 4's Front Row": a programme after its broadcaster.
    let after_outlet = hit.first >= 2
        && doc.tokens[hit.first - 1].kind == Kind::Possessive
        && matches!(
            doc.hits.get(doc.hit_at[hit.first - 2] as usize).map(|h| h.target),
            Some(Target::Outlet { .. })
        );
    if let [only] = hit.candidates[..]
        && (after_outlet || attribute::outlet_context(doc, hit.first, hit.last))
    {
        return Some(only);
    }
    let the = hit.first.checked_sub(1)?;
    if doc.raw(the) != "The" {
        return None;
    }
    let full = doc.slice(the, hit.last);
    let mut named = hit
        .candidates
        .iter()
        .filter(|&&c| lex.outlets[c as usize].name.eq_ignore_ascii_case(full));
    match (named.next(), named.next()) {
        (Some(&c), None) => Some(c),
        _ => None,
    }
}

/// The host of a URL or bare domain, lower case, without "www.".
fn host_of(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
    host.trim_start_matches("www.").to_string()
}

/// A one-word name counts only where it cannot be something else: not an
/// ordinary word opening a sentence ("Time will tell"), not glued to other
/// capitalised words that make a longer name ("Reuters Institute"), and a
/// one-letter name only after "on", "to", "via" or "from".
fn stands_alone(doc: &Doc, lex: &Lexicon, hit: &Hit) -> bool {
    if hit.first != hit.last {
        return true;
    }
    let i = hit.first;
    let word = doc.norm(i);
    if doc.tokens[i].upper {
        return true;
    }
    if word.chars().count() == 1 {
        let after_preposition = i > 0 && doc.is_any(i - 1, PLATFORM_PREPOSITIONS);
        return after_preposition
            && !(i + 1 < doc.len() && doc.capitalised(i + 1) && doc.same_sentence(i, i + 1));
    }
    if lex.is_english(word) {
        // "Time", "People", "Fortune": ordinary words, so only where the
        // text treats them as a publication; platforms ("Telegram") are
        // named as such wherever they are capitalised mid-sentence.
        let platform = match hit.target {
            Target::Outlet { index, .. } => lex.outlets[index as usize].kind == OutletKind::Platform,
            _ => false,
        };
        let possessive_name = doc.tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Possessive)
            && i + 2 < doc.len()
            && doc.capitalised(i + 2);
        // "The Economist" with its capital "The" mid-sentence is the title.
        let titled = i > 0 && doc.raw(i - 1) == "The" && !doc.tokens[i - 1].initial;
        if !doc.proper_cap(i)
            || possessive_name
            || !(platform || titled || attribute::outlet_context(doc, i, i))
        {
            return false;
        }
    }
    let name_like = |j: usize| {
        doc.capitalised(j)
            && doc.same_sentence(i, j)
            && doc.hit_at[j] == super::doc::NONE
            && !doc.is_any(j, &words::STOP_WORDS)
    };
    let before = i > 0 && name_like(i - 1) && !doc.tokens[i - 1].initial;
    let after = i + 1 < doc.len() && name_like(i + 1) && !doc.is_any(i + 1, OUTLET_SUFFIXES);
    !before && !after
}

/// Where each outlet is named in full, in text order.
struct Anchors(HashMap<u32, Vec<usize>>);

impl Anchors {
    fn new(strong: &[OutletMention]) -> Anchors {
        let mut by_outlet: HashMap<u32, Vec<usize>> = HashMap::new();
        for m in strong {
            by_outlet.entry(m.outlet).or_default().push(m.first);
        }
        for starts in by_outlet.values_mut() {
            starts.sort_unstable();
        }
        Anchors(by_outlet)
    }

    /// A weak form names the outlet the text has named in full, the
    /// nearest such mention before it winning (else the first after it);
    /// without one it names nothing.
    fn resolve(&self, hit: &Hit) -> Option<OutletMention> {
        let before = |c: &u32| {
            let starts = self.0.get(c)?;
            let n = starts.partition_point(|&s| s < hit.first);
            n.checked_sub(1).map(|k| (starts[k], *c))
        };
        let after = |c: &u32| self.0.get(c).and_then(|starts| starts.first()).map(|&s| (s, *c));
        let chosen = hit
            .candidates
            .iter()
            .filter_map(before)
            .max()
            .or_else(|| hit.candidates.iter().filter_map(after).min())?;
        Some(OutletMention {
            first: hit.first,
            last: hit.last,
            outlet: chosen.1,
        })
    }
}
