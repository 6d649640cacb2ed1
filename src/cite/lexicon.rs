//! The data the citation rules consult, bundled into the binary from data/
//! so that nothing is read or downloaded at run time: the outlet
//! gazetteer, given names, places, organisations, demonyms and the English
//! vocabulary. Built once per process.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::token::{self, Kind};

/// One line of data/outlets/*.jsonl: the gazetteer's format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutletRecord {
    /// The canonical name, as the outlet styles itself.
    pub name: String,
    pub kind: OutletKind,
    /// ISO 3166-1 alpha-2, or "INT".
    pub country: String,
    /// Registrable domains, the main one first.
    pub domains: Vec<String>,
    /// Other names that, capitalised in running text, mean this outlet.
    pub aliases: Vec<String>,
    /// Names that mean it only when the text makes clear which outlet is
    /// meant ("the Post", "the Times").
    pub short_forms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutletKind {
    News,
    Magazine,
    Agency,
    Broadcaster,
    Platform,
}

impl OutletKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutletKind::News => "news",
            OutletKind::Magazine => "magazine",
            OutletKind::Agency => "agency",
            OutletKind::Broadcaster => "broadcaster",
            OutletKind::Platform => "platform",
        }
    }

    /// The kind [`OutletKind::as_str`] wrote, back.
    pub fn parse(s: &str) -> Option<OutletKind> {
        [
            OutletKind::News,
            OutletKind::Magazine,
            OutletKind::Agency,
            OutletKind::Broadcaster,
            OutletKind::Platform,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Bundles data files by their path from the repository's root.
macro_rules! bundled {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../", $path)))),*]
    };
}

/// The gazetteer files, in the order their outlets are numbered.
pub const OUTLET_FILES: &[(&str, &str)] = bundled!(
    "data/outlets/global.jsonl",
    "data/outlets/americas.jsonl",
    "data/outlets/europe.jsonl",
    "data/outlets/world.jsonl",
    "data/outlets/specialist.jsonl",
);
const GIVEN_NAMES: &str = include_str!("../../data/names/given-names.tsv");
const PLACES: &str = include_str!("../../data/names/places.txt");
const ORGANISATIONS: &str = include_str!("../../data/names/organisations.txt");
const DEMONYMS: &str = include_str!("../../data/names/demonyms.txt");
const ENGLISH: &str = include_str!("../../data/words/english.txt");

/// What a matched phrase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An outlet; `weak` forms count only when the text makes clear which
    /// outlet they mean.
    Outlet {
        index: u32,
        weak: bool,
    },
    Organisation,
    Place,
    Demonym,
}

/// A name as a sequence of normalised tokens.
#[derive(Debug)]
pub struct Phrase {
    pub words: Vec<String>,
    /// Per word: must match with the same case (acronyms like "AP").
    pub exact: Vec<bool>,
    /// Per word: written in lower case in the name ("Time magazine"), so
    /// it may be lower case in the text.
    pub lower: Vec<bool>,
    /// The text must have "the" right before it ("the Hill", "the
    /// Guardian"): without it the word is an ordinary one.
    pub needs_the: bool,
    /// Later words may be written in lower case ("Huffington post"): only
    /// when the first word is distinctive, so that "India today" is not
    /// India Today.
    pub loose_case: bool,
    pub target: Target,
}

pub struct Lexicon {
    pub outlets: Vec<OutletRecord>,
    /// Phrases by their first normalised word, longest first.
    phrases: HashMap<String, Vec<Phrase>>,
    domains: HashMap<String, u32>,
    given: HashMap<String, char>,
    english: HashSet<&'static str>,
}

/// Lower case with the typographic apostrophe made plain, so that
/// "People’s" and "People's" compare equal.
pub fn normalise(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.to_lowercase().replace('’', "'")
}

pub fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(Lexicon::build)
}

/// Lines of a bundled list, without the header comments.
fn entries(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Parses the bundled gazetteer; an error names the file and line.
pub fn parse_outlets() -> Result<Vec<OutletRecord>, String> {
    let mut out = Vec::new();
    for (file, text) in OUTLET_FILES {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = serde_json::from_str(line).map_err(|e| format!("{file}:{}: {e}", n + 1))?;
            out.push(record);
        }
    }
    Ok(out)
}

impl Lexicon {
    fn build() -> Lexicon {
        let outlets = parse_outlets().expect("the bundled gazetteer parses: a test checks every line");
        let english: HashSet<&'static str> = entries(ENGLISH).collect();
        let given: HashMap<String, char> = entries(GIVEN_NAMES)
            .filter_map(|l| {
                let (name, g) = l.split_once('\t')?;
                Some((normalise(name), g.chars().next().unwrap_or('u')))
            })
            .collect();
        let mut lexicon = Lexicon {
            outlets: Vec::new(),
            phrases: HashMap::new(),
            domains: HashMap::new(),
            given,
            english,
        };
        for (list, target) in [
            (PLACES, Target::Place),
            (ORGANISATIONS, Target::Organisation),
            (DEMONYMS, Target::Demonym),
        ] {
            for name in entries(list) {
                lexicon.add_phrase(name, target, false);
            }
        }
        lexicon.add_outlets(&outlets);
        lexicon.outlets = outlets;
        for list in lexicon.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
        }
        lexicon
    }

    fn add_outlets(&mut self, outlets: &[OutletRecord]) {
        // A strong form claimed by two outlets ("ABC") is weak for both:
        // only a fuller mention in the same text can say which is meant.
        let mut owners: HashMap<String, HashSet<u32>> = HashMap::new();
        for (i, o) in outlets.iter().enumerate() {
            for form in std::iter::once(&o.name).chain(&o.aliases) {
                owners.entry(key_of(form)).or_default().insert(i as u32);
            }
        }
        for (i, o) in outlets.iter().enumerate() {
            let index = i as u32;
            for form in std::iter::once(&o.name).chain(&o.aliases) {
                let shared = owners.get(&key_of(form)).is_some_and(|s| s.len() > 1);
                // The gazetteer lists a name among its own short forms when
                // the name alone is ambiguous ("Time", "The State").
                let own_short = o.short_forms.iter().any(|f| key_of(f) == key_of(form));
                let weak = shared || own_short || self.ordinary_name(form);
                self.add_phrase(form, Target::Outlet { index, weak }, true);
            }
            for form in &o.short_forms {
                self.add_phrase(form, Target::Outlet { index, weak: true }, true);
            }
            for d in &o.domains {
                self.domains.entry(d.to_ascii_lowercase()).or_insert(index);
            }
        }
    }

    /// A one-word outlet name that is also a place or a given name
    /// ("Iran", "Stuff"? no: "Jordan") means the outlet only in context.
    fn ordinary_name(&self, form: &str) -> bool {
        let words = phrase_words(strip_the(form));
        words.len() == 1 && {
            let w = &words[0].0;
            self.given.contains_key(w) || self.phrase_is(w, Target::Place)
        }
    }

    fn phrase_is(&self, word: &str, target: Target) -> bool {
        self.phrases
            .get(word)
            .is_some_and(|ps| ps.iter().any(|p| p.words.len() == 1 && p.target == target))
    }

    fn add_phrase(&mut self, name: &str, target: Target, outlet: bool) {
        let stripped = strip_the(name);
        let words = phrase_words(stripped);
        if words.is_empty() {
            return;
        }
        let had_the = stripped.len() != name.len();
        let needs_the = outlet
            && had_the
            && words.len() == 1
            && (self.is_english(&words[0].0) || self.given.contains_key(&words[0].0));
        let first_word = &words[0].0;
        let loose_case = outlet
            && !self.is_english(first_word)
            && !self.given.contains_key(first_word)
            && !self.phrase_is(first_word, Target::Place);
        let first = words[0].0.clone();
        let lower = phrase_tokens(stripped).map(|(_, _, lower)| lower).collect();
        let (words, exact) = words.into_iter().unzip();
        let phrase = Phrase {
            words,
            exact,
            lower,
            needs_the,
            loose_case,
            target,
        };
        let list = self.phrases.entry(first).or_default();
        if !list
            .iter()
            .any(|p| p.words == phrase.words && p.target == phrase.target)
        {
            list.push(phrase);
        }
    }

    /// Phrases that start with this normalised word, longest first.
    pub fn phrases_from(&self, word: &str) -> &[Phrase] {
        self.phrases.get(word).map_or(&[], Vec::as_slice)
    }

    pub fn outlet_of_domain(&self, host: &str) -> Option<u32> {
        let mut host = host.trim_start_matches("www.");
        loop {
            if let Some(&i) = self.domains.get(host) {
                return Some(i);
            }
            host = host.split_once('.')?.1;
            if !host.contains('.') {
                return None;
            }
        }
    }

    /// The canonical names of the outlets a user's name for one means: a
    /// name, an alias, a short form or a domain, in any case.
    pub fn outlets_named(&self, name: &str) -> Vec<&str> {
        let key = key_of(name);
        let host = name.trim().to_ascii_lowercase();
        let host = host.trim_start_matches("www.");
        self.outlets
            .iter()
            .filter(|o| {
                let forms = std::iter::once(&o.name).chain(&o.aliases).chain(&o.short_forms);
                forms.map(|f| key_of(f)).any(|k| k == key) || o.domains.iter().any(|d| d == host)
            })
            .map(|o| o.name.as_str())
            .collect()
    }

    /// The gender a given name implies, if it is one.
    pub fn given_name(&self, word: &str) -> Option<char> {
        self.given.get(word).copied()
    }

    pub fn is_english(&self, word: &str) -> bool {
        self.english.contains(word)
    }

    /// A single word listed as a place, organisation or demonym.
    pub fn single(&self, word: &str) -> Option<Target> {
        self.phrases
            .get(word)?
            .iter()
            .find(|p| p.words.len() == 1 && !matches!(p.target, Target::Outlet { .. }))
            .map(|p| p.target)
    }
}

fn strip_the(name: &str) -> &str {
    let t = name.trim();
    match t.get(..4) {
        Some(the) if t.len() > 4 && the.eq_ignore_ascii_case("the ") => &t[4..],
        _ => t,
    }
}

fn key_of(form: &str) -> String {
    normalise(strip_the(form))
}

/// A name's tokens, normalised, each with whether it must match exactly
/// (an acronym: "AP" is not "ap").
fn phrase_words(name: &str) -> Vec<(String, bool)> {
    phrase_tokens(name)
        .map(|(word, exact, _)| (word, exact))
        .collect()
}

/// Each token of a name: normalised, an acronym, written in lower case.
fn phrase_tokens(name: &str) -> impl Iterator<Item = (String, bool, bool)> + '_ {
    token::tokenize(name)
        .into_iter()
        .filter(|t| !matches!(t.kind, Kind::Quote(_)))
        .map(|t| {
            let text = &name[t.start as usize..t.end as usize];
            (normalise(text), t.upper, !text.chars().any(char::is_uppercase))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_gazetteer_parses_and_has_a_thousand_outlets() {
        let outlets = parse_outlets().unwrap_or_else(|e| panic!("{e}"));
        assert!(outlets.len() >= 1000, "{} outlets", outlets.len());
    }

    #[test]
    fn gazetteer_names_are_unique_and_domains_and_countries_well_formed() {
        let outlets = parse_outlets().unwrap_or_else(|e| panic!("{e}"));
        let mut names = std::collections::HashSet::new();
        let mut domains = std::collections::HashSet::new();
        for o in &outlets {
            assert!(names.insert(o.name.to_lowercase()), "{} is listed twice", o.name);
            assert!(
                o.country == "INT"
                    || (o.country.len() == 2 && o.country.bytes().all(|b| b.is_ascii_uppercase())),
                "{}: country {}",
                o.name,
                o.country
            );
            for d in &o.domains {
                let valid = d.contains('.')
                    && !d.starts_with("www.")
                    && d.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
                assert!(valid, "{}: domain {d}", o.name);
                assert!(
                    domains.insert(d.clone()),
                    "{}: domain {d} belongs to another outlet",
                    o.name
                );
            }
        }
    }

    #[test]
    fn leading_the_is_required_only_for_ordinary_words() {
        let lex = lexicon();
        let hill = lex
            .phrases_from("hill")
            .iter()
            .find(|p| p.words.len() == 1 && matches!(p.target, Target::Outlet { .. }));
        if let Some(p) = hill {
            assert!(p.needs_the);
        }
        let wt = lex
            .phrases_from("washington")
            .iter()
            .find(|p| p.words == ["washington", "times"])
            .expect("The Washington Times is in the gazetteer");
        assert!(!wt.needs_the);
    }
}
