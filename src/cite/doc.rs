//! One text being analysed: its tokens with their normalised forms, its
//! quotations, and the names from the bundled lists found in it.

use super::lexicon::{Lexicon, Target, normalise};
use super::quotes::{self, OUTSIDE, Quotes};
use super::token::{self, Kind, Token};
use super::words;

/// A run of tokens the lists name: an outlet, an organisation, a place or
/// a demonym.
#[derive(Debug, Clone)]
pub struct Hit {
    pub first: usize,
    pub last: usize,
    pub target: Target,
    /// For a weak outlet form: every outlet that has it.
    pub candidates: Vec<u32>,
}

pub const NONE: u32 = u32::MAX;

pub struct Doc<'t> {
    pub text: &'t str,
    pub tokens: Vec<Token>,
    /// Normalised token texts, concatenated; `norm_at` slices it.
    norm_buf: String,
    norm_end: Vec<u32>,
    pub quotes: Quotes,
    pub hits: Vec<Hit>,
    /// Per token: the hit covering it, or [`NONE`].
    pub hit_at: Vec<u32>,
    /// Per sentence: written in title case, so capitals say nothing.
    title_case: Vec<bool>,
}

impl<'t> Doc<'t> {
    pub fn new(text: &'t str, lex: &Lexicon) -> Doc<'t> {
        let tokens = token::tokenize(text);
        let mut norm_buf = String::with_capacity(text.len());
        let mut norm_end = Vec::with_capacity(tokens.len());
        for t in &tokens {
            norm_buf.push_str(&normalise(&text[t.start as usize..t.end as usize]));
            norm_end.push(norm_buf.len() as u32);
        }
        let quotes = quotes::find(text, &tokens);
        let mut doc = Doc {
            text,
            hit_at: vec![NONE; tokens.len()],
            tokens,
            norm_buf,
            norm_end,
            quotes,
            hits: Vec::new(),
            title_case: Vec::new(),
        };
        doc.title_case = doc.find_title_case();
        doc.match_phrases(lex);
        doc
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The token's text, lower case.
    pub fn norm(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.norm_end[i - 1] as usize };
        &self.norm_buf[start..self.norm_end[i] as usize]
    }

    pub fn raw(&self, i: usize) -> &'t str {
        let t = &self.tokens[i];
        &self.text[t.start as usize..t.end as usize]
    }

    pub fn slice(&self, first: usize, last: usize) -> &'t str {
        &self.text[self.tokens[first].start as usize..self.tokens[last].end as usize]
    }

    /// A listed name covers token `i` that no person's name can take: a
    /// place, an organisation, a demonym, an outlet's full name (a short
    /// form like "State" may still be part of "Secretary of State").
    pub fn blocked(&self, i: usize) -> bool {
        let h = self.hit_at[i];
        h != NONE && !matches!(self.hits[h as usize].target, Target::Outlet { weak: true, .. })
    }

    pub fn quoted(&self, i: usize) -> bool {
        self.quotes.inside[i] != OUTSIDE
    }

    pub fn is(&self, i: usize, word: &str) -> bool {
        i < self.len() && self.norm(i) == word
    }

    pub fn is_any<L: words::Words + ?Sized>(&self, i: usize, list: &L) -> bool {
        i < self.len() && list.has(self.norm(i))
    }

    pub fn same_sentence(&self, a: usize, b: usize) -> bool {
        self.tokens[a].sent == self.tokens[b].sent
    }

    /// Its capital letter is informative: not the first word of a sentence
    /// nor part of a title-case line.
    pub fn proper_cap(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        // After a colon ("Opinion: Twenty-odd years on") a capital says
        // nothing either.
        let after_colon = i > 0 && self.tokens[i - 1].kind == Kind::Colon;
        t.cap && !t.initial && !after_colon && !self.title_case[t.sent as usize]
    }

    /// A capitalised word that may belong to a name (whatever it is).
    pub fn capitalised(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        t.kind == Kind::Word && t.cap && !t.upper
    }

    /// Sentences in which most longer words are capitalised: headlines and
    /// slogans, where case tells nothing.
    fn find_title_case(&self) -> Vec<bool> {
        let sentences = self.tokens.last().map_or(0, |t| t.sent as usize + 1);
        let mut counts = vec![(0u32, 0u32); sentences];
        for (i, t) in self.tokens.iter().enumerate() {
            if t.kind == Kind::Word
                && !t.initial
                && self.norm(i).len() > 3
                && !self.is_any(i, &words::STOP_WORDS)
            {
                let c = &mut counts[t.sent as usize];
                c.0 += 1;
                c.1 += u32::from(t.cap);
            }
        }
        counts
            .iter()
            .map(|&(n, caps)| n >= 3 && caps * 5 >= n * 4)
            .collect()
    }

    fn match_phrases(&mut self, lex: &Lexicon) {
        let mut i = 0;
        while i < self.len() {
            match self.best_phrase(lex, i) {
                Some(hit) => {
                    let next = hit.last + 1;
                    let index = self.hits.len() as u32;
                    for slot in &mut self.hit_at[hit.first..=hit.last] {
                        *slot = index;
                    }
                    self.hits.push(hit);
                    i = next;
                }
                None => i += 1,
            }
        }
    }

    fn best_phrase(&self, lex: &Lexicon, i: usize) -> Option<Hit> {
        let t = &self.tokens[i];
        let starts = match t.kind {
            Kind::Word => t.cap,
            Kind::Number => true,
            _ => false,
        };
        if !starts {
            return None;
        }
        let mut best: Option<(usize, u8, Hit)> = None;
        for p in lex.phrases_from(self.norm(i)) {
            let n = p.words.len();
            if best.as_ref().is_some_and(|(len, _, _)| *len > n) {
                break;
            }
            if !self.phrase_fits(i, p) {
                continue;
            }
            let priority = match p.target {
                Target::Outlet { weak: false, .. } => 4,
                Target::Organisation => 3,
                Target::Place => 2,
                Target::Demonym => 1,
                Target::Outlet { weak: true, .. } => 0,
            };
            if let Some((_, best_priority, hit)) = &mut best {
                if let (Target::Outlet { weak: true, index }, Target::Outlet { weak: true, .. }) =
                    (p.target, hit.target)
                {
                    hit.candidates.push(index);
                }
                if priority <= *best_priority {
                    continue;
                }
            }
            let candidates = match p.target {
                Target::Outlet { weak: true, index } => vec![index],
                _ => Vec::new(),
            };
            let hit = Hit {
                first: i,
                last: i + n - 1,
                target: p.target,
                candidates,
            };
            best = Some((n, priority, hit));
        }
        let (_, _, hit) = best?;
        (!self.part_of_a_personal_name(lex, &hit)).then_some(hit)
    }

    fn phrase_fits(&self, i: usize, p: &super::lexicon::Phrase) -> bool {
        let n = p.words.len();
        if i + n > self.len() || !self.same_sentence(i, i + n - 1) {
            return false;
        }
        let words_match = p.words.iter().zip(&p.exact).enumerate().all(|(k, (w, exact))| {
            let lower_in_name = p.lower.get(k).copied().unwrap_or(false);
            let t = &self.tokens[i + k];
            let case_ok = if *exact {
                t.upper || t.kind == Kind::Number
            } else {
                p.loose_case
                    || lower_in_name
                    || t.cap
                    || t.kind != Kind::Word
                    || words::STOP_WORDS.contains(w.as_str())
            };
            self.norm(i + k) == w && case_ok
        });
        words_match && (!p.needs_the || (i > 0 && self.is(i - 1, "the")))
    }

    /// A one-word place, organisation or outlet that is really part of a
    /// person's name: "Jordan" of "Jordan Peterson", "Bloomberg" of
    /// "Michael Bloomberg", "Washington" of "George Washington".
    fn part_of_a_personal_name(&self, lex: &Lexicon, hit: &Hit) -> bool {
        if hit.first != hit.last {
            return false;
        }
        let i = hit.first;
        let glued = |j: usize| self.capitalised(j) && self.same_sentence(i, j) && !self.tokens[j].upper;
        let mut before = i;
        while before > 0 && i - before < 3 && self.is_initial_letter(before - 1) {
            before -= 1;
        }
        let after_given = before > 0 && glued(before - 1) && lex.given_name(self.norm(before - 1)).is_some();
        // "Trita Parsi": a demonym after an unknown capitalised word is a
        // surname.
        let after_name = matches!(hit.target, Target::Demonym)
            && i > 0
            && glued(i - 1)
            && !self.blocked(i - 1)
            && !lex.is_english(self.norm(i - 1))
            && !(i + 1 < self.len() && self.capitalised(i + 1) && self.same_sentence(i, i + 1));
        let before_surname = i + 1 < self.len()
            && glued(i + 1)
            && lex.given_name(self.norm(i)).is_some()
            && lex.single(self.norm(i + 1)).is_none()
            && !self.is_any(i + 1, &words::NON_PERSON_HEADS);
        after_given || after_name || before_surname
    }

    /// An initial: "W." of "George W. Bush", "R." of "Michael R. Bloomberg".
    fn is_initial_letter(&self, i: usize) -> bool {
        let raw = self.raw(i);
        self.tokens[i].cap && raw.ends_with('.') && raw.chars().count() == 2
    }
}
