//! Who the text cites: speakers of direct quotes (before, after or inside
//! the quote, pronouns resolved to the person last named who fits, a role
//! named instead of the person), reported speech ("X said that",
//! "according to X", "X told Y"), and outlets whose content is reported
//! ("Y reported", "wrote in Y", "appeared on Y").

use super::doc::Doc;
use super::outlets::OutletMention;
use super::people::{People, PersonMention};
use super::token::{Kind, QuoteMark};
use super::words;

/// A person's quotation or reported claim, with the cue that attributes it.
#[derive(Debug, Clone)]
pub struct Said {
    pub person: usize,
    pub start: u32,
    pub end: u32,
    /// Token of the cue word.
    pub cue: (usize, usize),
    pub direct: bool,
}

pub struct Attribution {
    pub said: Vec<Said>,
    /// Per person: cited.
    pub person_cited: Vec<bool>,
    /// Per outlet mention: the outlet is cited there.
    pub outlet_cited: Vec<bool>,
}

/// Who a cue's subject turned out to be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Speaker {
    Person(usize),
    Outlet(usize),
}

/// Words before an outlet that make its content reported.
const BEFORE_OUTLET: &[&[&str]] = &[
    &["according", "to"],
    &["told"],
    &["tell"],
    &["tells"],
    &["telling"],
    &["interview", "with"],
    &["interview", "on"],
    &["interviewed", "by"],
    &["conversation", "with"],
    &["speaking", "to"],
    &["speaking", "with"],
    &["spoke", "to"],
    &["spoke", "with"],
    &["talking", "to"],
    &["talked", "to"],
    &["said", "to"],
    &["appeared", "on"],
    &["appearing", "on"],
    &["appears", "on"],
    &["appearance", "on"],
    &["wrote", "in"],
    &["wrote", "for"],
    &["writes", "in"],
    &["writes", "for"],
    &["writing", "in"],
    &["writing", "for"],
    &["written", "for"],
    &["published", "by"],
    &["published", "in"],
    &["reported", "by"],
    &["quoted", "by"],
    &["quoted", "in"],
    &["cited", "by"],
    &["broadcast", "on"],
    &["aired", "on"],
    &["posted", "on"],
    &["wrote", "on"],
    &["said", "on"],
    &["tweeted", "on"],
    &["announced", "on"],
    &["shared", "on"],
    &["statement", "to"],
    &["via"],
];

/// The most tokens a reported clause takes on either side of its cue.
const CLAUSE: usize = 80;

/// Nouns that say a name is a publication: "Nikkei, the business daily".
const OUTLET_NOUNS: &[&str] = &[
    "daily",
    "newspaper",
    "paper",
    "tabloid",
    "broadsheet",
    "weekly",
    "magazine",
    "agency",
    "broadcaster",
    "network",
    "channel",
    "outlet",
    "site",
    "website",
    "wire",
    "station",
    "programme",
    "program",
    "show",
    "podcast",
    "newsletter",
    "journal",
];

/// Verbs after an outlet that report its content: "the Times reported".
const OUTLET_VERBS: &[&str] = &[
    "reported",
    "reports",
    "reporting",
    "said",
    "says",
    "wrote",
    "writes",
    "revealed",
    "reveals",
    "found",
    "published",
    "publishes",
    "broadcast",
    "aired",
    "quoted",
    "cited",
    "noted",
    "claimed",
    "claims",
    "added",
    "learned",
    "obtained",
    "confirmed",
    "confirms",
    "disclosed",
    "estimated",
    "predicted",
    "projected",
    "called",
    "declared",
    "announced",
    "stated",
    "alleged",
    "editorialized",
    "opined",
    "warned",
    "argued",
    "concluded",
    "showed",
    "shows",
    "first",
    "has",
    "had",
    "carried",
    "ran",
    "runs",
    "printed",
    "headlined",
    "splashed",
    "posted",
    "shared",
    "calling",
    "describing",
    "described",
    "asked",
    "quoting",
    "citing",
    "interviewed",
    "editorialised",
    "commented",
];

/// Determiners that make a cue word a noun ("a report", "his remarks").
const DETERMINERS: &[&str] = &[
    "a", "an", "the", "his", "her", "its", "their", "our", "my", "your", "this", "these", "those", "such",
    "'s", "many", "some", "any", "no", "every", "each", "new", "recent", "earlier", "latest",
];

pub fn attribute(doc: &Doc, people: &People, outlets: &[OutletMention]) -> Attribution {
    let mut a = Attributor {
        doc,
        people,
        outlets,
        said: Vec::new(),
        person_cited: vec![false; people.persons.len()],
        outlet_cited: vec![false; outlets.len()],
        speaker_of_quote: vec![None; doc.quotes.list.len()],
        person_at: vec![u32::MAX; doc.len()],
        outlet_at: vec![u32::MAX; doc.len()],
        seen: std::collections::HashSet::new(),
        last_direct_cue: vec![None; people.persons.len()],
        last_speaker: std::cell::Cell::new(None),
        unfit: std::cell::RefCell::new(Vec::new()),
    };
    for (k, m) in people.mentions.iter().enumerate() {
        a.person_at[m.first] = k as u32;
    }
    for (k, m) in outlets.iter().enumerate() {
        a.outlet_at[m.first] = k as u32;
    }
    a.outlet_contexts();
    let according = a.according_to();
    a.speech_cues(&according);
    a.continued_quotes();
    Attribution {
        said: a.said,
        person_cited: a.person_cited,
        outlet_cited: a.outlet_cited,
    }
}

/// Whether an outlet mention stands where the text reports its content.
pub fn outlet_context(doc: &Doc, first: usize, last: usize) -> bool {
    cited_before(doc, first) || cited_after(doc, last)
}

pub fn cited_before(doc: &Doc, first: usize) -> bool {
    let mut j = first;
    while j > 0 && doc.is_any(j - 1, &["the", "a", "an"]) {
        j -= 1;
    }
    let lower_case = |k: usize| !doc.tokens[k].cap || doc.tokens[k].initial;
    BEFORE_OUTLET.iter().any(|pattern| {
        pattern.len() <= j
            && pattern
                .iter()
                .enumerate()
                .all(|(k, w)| doc.is(j - pattern.len() + k, w) && lower_case(j - pattern.len() + k))
    }) || publication_before(doc, j)
        || spoken_on(doc, j)
}

/// "said in a televised address on Al-Manar", "made a claim on RTE",
/// "asked about it by NHK": words reported as spoken on or to the outlet.
fn spoken_on(doc: &Doc, j: usize) -> bool {
    if j == 0 || !doc.is_any(j - 1, &["on", "to", "by"]) {
        return false;
    }
    let by = doc.is(j - 1, "by");
    (j.saturating_sub(8)..j - 1).any(|k| {
        doc.same_sentence(k, j)
            && !doc.tokens[k].cap
            && if by {
                doc.is_any(
                    k,
                    &[
                        "asked",
                        "questioned",
                        "interviewed",
                        "quoted",
                        "cited",
                        "contacted",
                        "reached",
                    ],
                )
            } else {
                doc.is_any(k, &words::SPEECH_VERBS) || doc.is_any(k, SPOKEN_NOUNS)
            }
    })
}

/// Nouns for something said, which "on Y" places on an outlet.
const SPOKEN_NOUNS: &[&str] = &[
    "address",
    "speech",
    "claim",
    "claims",
    "comments",
    "remarks",
    "interview",
    "appearance",
    "statement",
    "message",
    "post",
    "video",
    "broadcast",
    "segment",
];

/// "an opinion piece in Huffington Post", "a report by Reuters".
fn publication_before(doc: &Doc, j: usize) -> bool {
    if j < 2 || !doc.is_any(j - 1, &["in", "on", "for", "by", "from", "with"]) {
        return false;
    }
    (j.saturating_sub(4)..j - 1).any(|k| doc.is_any(k, &words::PUBLICATION_NOUNS) && !doc.tokens[k].cap)
}

fn cited_after(doc: &Doc, last: usize) -> bool {
    let mut j = last + 1;
    if j < doc.len() && doc.tokens[j].kind == Kind::Possessive {
        j += 1;
    }
    // "Nikkei, the business daily, reported": over an appositive, which
    // may itself say that this is a publication.
    if j < doc.len()
        && doc.tokens[j].kind == Kind::Comma
        && let Some(end) = super::people::appositive_end(doc, j + 1)
    {
        if (j + 1..end).any(|k| doc.is_any(k, OUTLET_NOUNS) && !doc.tokens[k].cap) {
            return true;
        }
        if doc.tokens[end].kind == Kind::Comma {
            j = end + 1;
        }
    }
    if j >= doc.len() || !doc.same_sentence(last, j) || doc.tokens[j].cap {
        return false;
    }
    if doc.is_any(j, OUTLET_VERBS) {
        let auxiliary = doc.is_any(j, &["has", "had", "first"]);
        return !auxiliary || doc.is_any(j + 1, OUTLET_VERBS);
    }
    let container = ["channel", "channels", "account", "accounts", "page", "pages"];
    let reach = if doc.tokens[last + 1].kind == Kind::Possessive {
        4
    } else {
        2
    };
    (j..doc.len().min(j + reach))
        .any(|k| doc.is_any(k, &words::PUBLICATION_NOUNS) && !doc.is_any(k, &container) && !doc.tokens[k].cap)
}

struct Attributor<'a, 't> {
    doc: &'a Doc<'t>,
    people: &'a People,
    outlets: &'a [OutletMention],
    said: Vec<Said>,
    person_cited: Vec<bool>,
    outlet_cited: Vec<bool>,
    speaker_of_quote: Vec<Option<usize>>,
    /// Per token: the person mention starting there.
    person_at: Vec<u32>,
    outlet_at: Vec<u32>,
    seen: std::collections::HashSet<(usize, u32, u32)>,
    /// Per person: the cue of their latest direct quote.
    last_direct_cue: Vec<Option<(usize, usize)>>,
    /// The person last cited, and the token of the cue.
    last_speaker: std::cell::Cell<Option<(usize, usize)>>,
    /// People a pronoun may not stand for at the cue being read.
    unfit: std::cell::RefCell<Vec<usize>>,
}

impl Attributor<'_, '_> {
    fn outlet_contexts(&mut self) {
        for (k, m) in self.outlets.iter().enumerate() {
            if !self.doc.quoted(m.first)
                && (outlet_context(self.doc, m.first, m.last) || self.its_journalist_reports(m.last))
            {
                self.outlet_cited[k] = true;
            }
        }
    }

    /// "CNN's Jake Tapper reported": the outlet's journalist speaks for it.
    fn its_journalist_reports(&self, last: usize) -> bool {
        let doc = self.doc;
        let name = last + 2;
        if !(doc
            .tokens
            .get(last + 1)
            .is_some_and(|t| t.kind == Kind::Possessive))
            || name >= doc.len()
        {
            return false;
        }
        let Some(m) = self.person_at.get(name).copied().filter(|&m| m != u32::MAX) else {
            return false;
        };
        let after = self.people.mentions[m as usize].last + 1;
        (after..doc.len().min(after + 3)).any(|k| self.is_cue(k) && !doc.is_any(k, &words::CLAUSE_ONLY_VERBS))
    }

    /// "according to X": X is cited, and the sentence's other reporting
    /// verbs are part of what X reported. Returns the sentences it covers.
    fn according_to(&mut self) -> Vec<u32> {
        let doc = self.doc;
        let mut sentences = Vec::new();
        for i in 0..doc.len().saturating_sub(1) {
            if !(doc.is(i, "according") && doc.is(i + 1, "to")) || doc.quoted(i) {
                continue;
            }
            let mut j = i + 2;
            while j < doc.len() && doc.is_any(j, &["the", "a", "an"]) {
                j += 1;
            }
            // "according to Quartz' Dan Kopf": the person after the outlet.
            let found = (j..doc.len().min(j + 5))
                .take_while(|&k| doc.same_sentence(i, k))
                .find_map(|k| self.person_at.get(k).copied().filter(|&m| m != u32::MAX));
            if let Some(m) = found {
                let mention = self.people.mentions[m as usize];
                let clause = self.sentence_without(i, mention.last);
                self.cite(mention.person, clause, (i, i + 1), false);
            }
            let outlet = (j..doc.len().min(j + 6)).any(|k| self.outlet_at[k] != u32::MAX);
            if found.is_some() || outlet {
                sentences.push(doc.tokens[i].sent);
            }
        }
        sentences
    }

    fn speech_cues(&mut self, according: &[u32]) {
        let doc = self.doc;
        for i in 0..doc.len() {
            if doc.tokens[i].cap || doc.quoted(i) || !doc.is_any(i, &words::SPEECH_VERBS) {
                continue;
            }
            if i > 0 && (doc.is_any(i - 1, DETERMINERS) || self.passive(i) || self.negated(i))
                || doc.is_any(i + 1, &["nothing"])
            {
                continue;
            }
            let quotes = self.quotes_around(i);
            // Nobody quotes themselves by name: a pronoun speaker is not a
            // person the quotation names.
            self.unfit.replace(self.named_inside(&quotes));
            let Some((speaker, inverted)) = self.subject(i) else {
                continue;
            };
            let clause_only = doc.is_any(i, &words::CLAUSE_ONLY_VERBS);
            if clause_only && quotes.is_empty() && !inverted && !self.has_complement(i) {
                continue;
            }
            let covered = according.contains(&doc.tokens[i].sent);
            match speaker {
                Speaker::Person(_) if covered && quotes.is_empty() => {}
                Speaker::Person(p) => {
                    if quotes.is_empty() {
                        let clause = self.reported_clause(i, inverted);
                        self.cite(p, clause, (i, i), false);
                    }
                    for q in quotes {
                        let quote = &doc.quotes.list[q];
                        self.speaker_of_quote[q] = Some(p);
                        self.cite(p, Some((quote.start, quote.end)), (i, i), true);
                    }
                }
                Speaker::Outlet(k) => self.outlet_cited[k] = true,
            }
        }
    }

    /// "declined to comment", "did not respond", "would not say": a
    /// refusal cites nobody.
    fn negated(&self, cue: usize) -> bool {
        let doc = self.doc;
        let before = |k: usize| cue >= k && doc.is_any(cue - k, &["not", "n't", "never", "no"]);
        before(1)
            || before(2)
            || cue >= 2
                && doc.is(cue - 1, "to")
                && doc.is_any(
                    cue - 2,
                    &[
                        "declined",
                        "refused",
                        "declines",
                        "refuses",
                        "unwilling",
                        "unable",
                    ],
                )
    }

    /// "was told", "is said to": a participle after a form of "be" is
    /// passive, and its subject did not speak.
    fn passive(&self, cue: usize) -> bool {
        let doc = self.doc;
        let mut j = cue;
        while j > 0
            && doc.is_any(
                j - 1,
                &["also", "often", "widely", "reportedly", "never", "not", "later"],
            )
        {
            j -= 1;
        }
        j > 0
            && doc.is_any(
                j - 1,
                &["is", "are", "was", "were", "be", "been", "being", "get", "got"],
            )
            && !doc.norm(cue).ends_with("ing")
    }

    fn cite(&mut self, person: usize, span: Option<(u32, u32)>, cue: (usize, usize), direct: bool) {
        self.person_cited[person] = true;
        self.last_speaker.set(Some((person, cue.0)));
        if let Some((start, end)) = span
            && end > start
            && self.seen.insert((person, start, end))
        {
            if direct {
                self.last_direct_cue[person] = Some(cue);
            }
            self.said.push(Said {
                person,
                start,
                end,
                cue,
                direct,
            });
        }
    }

    /// "said that", "said:", "said," followed by a clause.
    fn has_complement(&self, i: usize) -> bool {
        let doc = self.doc;
        doc.is(i + 1, "that")
            || (i + 1 < doc.len() && doc.tokens[i + 1].kind == Kind::Colon)
            || (doc.is(i + 1, "in") || doc.is(i + 1, "on")) && doc.is(i + 3, "that")
    }

    /// The quotations a cue introduces or follows: `X said: “...”`,
    /// `“...,” X said`, `“...,” he said, “...”`.
    fn quotes_around(&self, cue: usize) -> Vec<usize> {
        let doc = self.doc;
        let mut found = Vec::new();
        // Backwards: a closing mark within a few tokens, only the speaker
        // and commas in between.
        let mut j = cue;
        let mut steps = 0;
        while j > 0 && steps < 8 {
            j -= 1;
            steps += 1;
            let t = &doc.tokens[j];
            // A quotation that ended the sentence before belongs to this
            // cue only when this sentence is no more than "X said.".
            let earlier = t.sent != doc.tokens[cue].sent && !self.short_sentence(cue);
            if let Some(q) = self.closing_quote(j).filter(|_| !earlier) {
                found.push(q);
                break;
            }
            if earlier || matches!(t.kind, Kind::Stop | Kind::Colon) || t.para != doc.tokens[cue].para {
                break;
            }
            if matches!(t.kind, Kind::Comma) {
                continue;
            }
            if t.kind == Kind::Quote(QuoteMark::Open) || self.is_cue(j) {
                break;
            }
        }
        // Forwards: an opening mark after the cue, its speaker and a comma
        // or colon, possibly at the start of the next paragraph.
        let mut j = cue + 1;
        let mut steps = 0;
        while j < doc.len() && steps < 10 {
            if let Some(q) = self.opening_quote(j) {
                found.push(q);
                break;
            }
            let t = &doc.tokens[j];
            if matches!(t.kind, Kind::Stop)
                && !self.opening_quote(j + 1).is_some_and(|_| t.kind == Kind::Colon)
            {
                break;
            }
            if t.para != doc.tokens[cue].para && !matches!(doc.tokens[j - 1].kind, Kind::Colon) {
                break;
            }
            // "Asked why Charles was not answering, Harry suggested ... “...”":
            // the quote is the nearer cue's.
            if self.is_cue(j) {
                break;
            }
            j += 1;
            steps += 1;
        }
        found.dedup();
        found
    }

    /// The cue's sentence has at most 8 tokens: "“...” Musk said.".
    fn short_sentence(&self, cue: usize) -> bool {
        let doc = self.doc;
        let sent = doc.tokens[cue].sent;
        // Bounded walks: a sentence may be megabytes long.
        let start = (0..cue)
            .rev()
            .take(9)
            .take_while(|&k| doc.tokens[k].sent == sent)
            .count();
        let end = (cue..doc.len())
            .take(9)
            .take_while(|&k| doc.tokens[k].sent == sent)
            .count();
        start + end <= 8
    }

    fn closing_quote(&self, j: usize) -> Option<usize> {
        let q = self.doc.quotes.inside[j];
        let quote = self.doc.quotes.list.get(q as usize)?;
        (quote.close == Some(j) && !self.is_title(quote.open)).then_some(q as usize)
    }

    /// A quotation after "on", "in", "of", "the", "titled"... is a title or
    /// a name ("on “State of the Union,”"), not words someone said.
    fn is_title(&self, open: usize) -> bool {
        const BEFORE_TITLES: [&str; 12] = [
            "on", "in", "of", "the", "a", "an", "titled", "entitled", "dubbed", "named", "from", "at",
        ];
        open > 0 && !self.doc.tokens[open - 1].cap && self.doc.is_any(open - 1, &BEFORE_TITLES)
    }

    fn opening_quote(&self, j: usize) -> Option<usize> {
        let q = *self.doc.quotes.inside.get(j)?;
        let quote = self.doc.quotes.list.get(q as usize)?;
        (quote.open == j).then_some(q as usize)
    }

    /// The speaker of a reporting verb: after it when inverted (`, said
    /// X`, `,” added the prosecutor`), else the nearest person or pronoun
    /// before it in the sentence, else an outlet before it.
    fn subject(&self, cue: usize) -> Option<(Speaker, bool)> {
        let doc = self.doc;
        let inverted = cue > 0
            && (matches!(doc.tokens[cue - 1].kind, Kind::Comma | Kind::Quote(_)) || doc.tokens[cue].initial);
        if inverted && let Some(s) = self.speaker_after(cue) {
            return Some((s, true));
        }
        let sent = doc.tokens[cue].sent;
        let participle = doc.norm(cue).ends_with("ing");
        let mut outlet = None;
        let mut j = cue;
        while j > 0 && cue - j < 60 {
            j -= 1;
            if doc.tokens[j].sent != sent {
                break;
            }
            if doc.quoted(j) {
                continue;
            }
            if let Some(m) = self.person_mention_ending(j) {
                return (!m.modifier).then_some((Speaker::Person(m.person), false));
            }
            if let Some(p) = self.pronoun(j) {
                return Some((Speaker::Person(p), false));
            }
            if outlet.is_none() && self.outlet_at[j] != u32::MAX {
                outlet = Some(Speaker::Outlet(self.outlet_at[j] as usize));
            }
            if doc.is_any(j, &["they", "we", "i", "you", "it", "them", "others"]) && outlet.is_none() {
                return None;
            }
            let next_to_cue = j + 1 == cue || self.only_adverbs_between(j, cue);
            if next_to_cue && doc.is(j, "who") {
                // "interviewed the former president, who said": the
                // person before "who", or nobody named.
                let before = if j >= 2 && doc.tokens[j - 1].kind == Kind::Comma {
                    j - 2
                } else {
                    j.saturating_sub(1)
                };
                return self
                    .person_mention_ending(before)
                    .filter(|m| m.last == before && !m.modifier)
                    .map(|m| (Speaker::Person(m.person), false));
            }
            if next_to_cue
                && doc.capitalised(j)
                && self.outlet_covering(j).is_none()
                && !self.after_preposition(j)
            {
                // "Tesla Inc said", "the Pentagon said": a named body (but
                // not "Don Bacon of Nebraska told").
                return None;
            }
            let t = &doc.tokens[j];
            let bare_noun = t.kind == Kind::Word
                && !t.cap
                && !doc.is_any(j, &words::STOP_WORDS)
                && !doc.norm(j).ends_with("ly");
            if !participle && bare_noun && (j + 1 == cue || self.only_adverbs_between(j, cue)) {
                // "the prince said": a role an earlier person holds;
                // "officials said": nobody named.
                if !doc.is_any(j, &words::ROLE_NOUNS) {
                    return outlet.map(|o| (o, false));
                }
                if j > 0 && doc.is_any(j - 1, &["the", "'s"]) {
                    return self.holder_of_role(j, cue).map(|p| (Speaker::Person(p), false));
                }
            }
        }
        outlet.map(|o| (o, false))
    }

    /// The capitalised run ending at `j` follows a preposition.
    fn after_preposition(&self, j: usize) -> bool {
        let doc = self.doc;
        let mut k = j;
        while k > 0 && j - k < 6 && doc.capitalised(k - 1) && doc.same_sentence(k - 1, j) {
            k -= 1;
        }
        k > 0
            && doc.is_any(
                k - 1,
                &["of", "in", "from", "at", "for", "to", "with", "by", "near"],
            )
    }

    fn outlet_covering(&self, j: usize) -> Option<usize> {
        (j.saturating_sub(6)..=j).rev().find_map(|s| {
            let k = *self.outlet_at.get(s)? as usize;
            let m = self.outlets.get(k)?;
            (m.first <= j && j <= m.last).then_some(k)
        })
    }

    fn person_mention_ending(&self, j: usize) -> Option<PersonMention> {
        // Mentions are short: look back a few tokens for one covering j.
        (j.saturating_sub(6)..=j).rev().find_map(|s| {
            let m = *self.people.mentions.get(*self.person_at.get(s)? as usize)?;
            (m.first <= j && j <= m.last).then_some(m)
        })
    }

    /// After an inverted cue: a name, a pronoun, or a role that an earlier
    /// person holds ("the regime's deputy public prosecutor").
    fn speaker_after(&self, cue: usize) -> Option<Speaker> {
        let doc = self.doc;
        let mut j = cue + 1;
        while j < doc.len() && doc.is_any(j, &["the", "a", "an"]) {
            j += 1;
        }
        if j >= doc.len() || !doc.same_sentence(cue, j) {
            return None;
        }
        // The name may come after its titles: "said Superintendent Robert
        // Runcie".
        let named = (j..doc.len().min(j + 4))
            .take_while(|&k| doc.capitalised(k) && doc.same_sentence(cue, k))
            .find_map(|k| self.person_mention_ending(k).filter(|m| m.first >= cue));
        if let Some(m) = named {
            return self.ends_clause(m.last + 1).then_some(Speaker::Person(m.person));
        }
        if let Some(p) = self.pronoun(j) {
            return self.ends_clause(j + 1).then_some(Speaker::Person(p));
        }
        let end = super::people::appositive_end(doc, j).unwrap_or(doc.len().min(j + 8));
        let role = (j..end)
            .rev()
            .find(|&k| doc.is_any(k, &words::ROLE_NOUNS) && !doc.tokens[k].cap)?;
        if !self.ends_clause(role + 1) {
            return None;
        }
        self.holder_of_role(role, cue).map(Speaker::Person)
    }

    /// After an inverted speaker ("..., said X"), the clause must end:
    /// "said Kevin Hassett, the director, remained the front-runner" is
    /// reported speech about Hassett, not by him.
    fn ends_clause(&self, k: usize) -> bool {
        let doc = self.doc;
        if k >= doc.len() || !doc.same_sentence(k - 1, k) {
            return true;
        }
        if doc.tokens[k].kind != Kind::Comma {
            return matches!(
                doc.tokens[k].kind,
                Kind::Stop | Kind::Quote(_) | Kind::Colon | Kind::Punct
            ) || doc.is_any(
                k,
                &[
                    "in", "on", "at", "during", "after", "before", "when", "while", "last", "this",
                ],
            );
        }
        let mut next = k + 1;
        if let Some(end) = super::people::appositive_end(doc, k + 1)
            && !doc.is_any(k + 1, &["and", "but", "who", "which"])
        {
            if doc.tokens[end].kind != Kind::Comma {
                return true;
            }
            next = end + 1;
        }
        // What follows the comma must not be the clause's own verb.
        let t = match doc.tokens.get(next) {
            Some(t) if doc.same_sentence(k, next) => t,
            _ => return true,
        };
        !(t.kind == Kind::Word
            && !t.cap
            && !doc.is_any(next, &words::STOP_WORDS)
            && !doc.norm(next).ends_with("ly"))
            || doc.is_any(next, &["adding", "noting", "saying"])
    }

    /// The person last named, before `at`, whose role has the noun at
    /// `noun` ("prince" for "Prince Faisal", "prosecutor" for "the
    /// regime's deputy public prosecutor").
    fn holder_of_role(&self, noun: usize, at: usize) -> Option<usize> {
        let word = self.doc.norm(noun);
        self.last_person_before(at, |p| {
            self.people.persons[p].role.as_deref().is_some_and(|r| {
                r.to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == word)
            })
        })
    }

    fn only_adverbs_between(&self, j: usize, cue: usize) -> bool {
        const ADVERBS: &[&str] = &[
            "also",
            "has",
            "had",
            "have",
            "then",
            "later",
            "recently",
            "reportedly",
            "once",
            "again",
            "would",
            "will",
            "could",
            "might",
        ];
        (j + 1..cue).all(|k| self.doc.is_any(k, ADVERBS) || self.doc.norm(k).ends_with("ly"))
    }

    /// A pronoun at `j` that stands for the person last named (outside
    /// quotes) whose gender fits.
    fn pronoun(&self, j: usize) -> Option<usize> {
        let gender = words::gender_of(words::PRONOUNS, self.doc.norm(j))?;
        let unfit = self.unfit.borrow();
        let fits = |p: usize| {
            let g = self.people.persons[p].gender;
            (g == gender || g == 'u') && !unfit.contains(&p)
        };
        // "“...,” he added" after a paragraph that quoted him: the speaker
        // goes on.
        let doc = self.doc;
        let after_quote = (1..=2).any(|back| {
            j >= back
                && matches!(doc.tokens[j - back].kind, Kind::Quote(_))
                && (back == 1 || doc.tokens[j - 1].kind == Kind::Comma)
        });
        let salient = self.last_salient_person_before(j, &fits);
        if after_quote
            && let Some((p, cue)) = self.last_speaker.get()
            && fits(p)
            && self.people.persons[p].gender == gender
            && doc.tokens[j].para <= doc.tokens[cue].para + 1
            && (salient == Some(p) || !self.recent_mentions(j).any(|m| m.first > cue && fits(m.person)))
        {
            return Some(p);
        }
        salient.or_else(|| self.last_person_before(j, fits))
    }

    /// The people named inside these quotations.
    fn named_inside(&self, quotes: &[usize]) -> Vec<usize> {
        let mentions = &self.people.mentions;
        let mut named = Vec::new();
        for &q in quotes {
            let quote = &self.doc.quotes.list[q];
            let from = mentions.partition_point(|m| m.first < quote.open);
            named.extend(
                mentions[from..]
                    .iter()
                    .take_while(|m| m.first <= quote.last)
                    .map(|m| m.person),
            );
        }
        named
    }

    /// The person last named as a possible subject: not the object of a
    /// preposition, not a possessive modifier.
    fn last_salient_person_before(&self, at: usize, fits: &impl Fn(usize) -> bool) -> Option<usize> {
        let doc = self.doc;
        let salient = |m: &&PersonMention| {
            // Over titles: "Princess Diana" after "mother of".
            let mut first = m.first;
            while first > 0
                && m.first - first < 6
                && doc.capitalised(first - 1)
                && doc.same_sentence(first - 1, m.first)
            {
                first -= 1;
            }
            let prev = first.checked_sub(1);
            !m.modifier
                && fits(m.person)
                && !prev.is_some_and(|k| {
                    !doc.tokens[k].cap && doc.is_any(k, &["of", "to", "for", "from", "about", "with"])
                })
        };
        let nearest = self.recent_mentions(at).find(salient)?;
        // In that sentence, the first fitting person is the likelier
        // subject: "Zelenskyy thanked Biden. “...,” he wrote."
        let sent = doc.tokens[nearest.first].sent;
        self.recent_mentions(at)
            .skip_while(|m| doc.tokens[m.first].sent != sent)
            .take_while(|m| doc.tokens[m.first].sent == sent)
            .filter(salient)
            .last()
            .map(|m| m.person)
    }

    fn is_cue(&self, j: usize) -> bool {
        let t = &self.doc.tokens[j];
        t.kind == Kind::Word && !t.cap && self.doc.is_any(j, &words::SPEECH_VERBS)
    }

    fn last_person_before(&self, at: usize, fits: impl Fn(usize) -> bool) -> Option<usize> {
        self.recent_mentions(at)
            .find(|m| fits(m.person))
            .map(|m| m.person)
    }

    /// The last dozen people named outside quotations before `at`, the
    /// nearest first.
    fn recent_mentions(&self, at: usize) -> impl Iterator<Item = &PersonMention> {
        let mentions = &self.people.mentions;
        let before = mentions.partition_point(|m| m.first < at);
        mentions[..before]
            .iter()
            .rev()
            .take(40)
            .filter(|m| !self.doc.quoted(m.first))
            .take(12)
    }

    /// The words a reporting verb attributes: after "that" or the cue, or
    /// before the cue when the speaker comes after it.
    fn reported_clause(&self, cue: usize, inverted: bool) -> Option<(u32, u32)> {
        let doc = self.doc;
        let sent = doc.tokens[cue].sent;
        // At most CLAUSE tokens either side: a "sentence" may be a
        // megabyte of text without a full stop.
        let in_sentence = |k: usize| k < doc.len() && doc.tokens[k].sent == sent && k.abs_diff(cue) <= CLAUSE;
        let mut from = cue + 1;
        while in_sentence(from)
            && (doc.is(from, "that") || matches!(doc.tokens[from].kind, Kind::Comma | Kind::Colon))
        {
            from += 1;
        }
        let mut to = from;
        while in_sentence(to + 1) {
            to += 1;
        }
        if !inverted && in_sentence(from) && to > from + 2 {
            let to = if doc.tokens[to].kind == Kind::Stop {
                to - 1
            } else {
                to
            };
            return Some((doc.tokens[from].start, doc.tokens[to].end));
        }
        let mut start = cue;
        while start > 0 && cue - start < CLAUSE && doc.tokens[start - 1].sent == sent {
            start -= 1;
        }
        let mut end = cue.checked_sub(1)?;
        while end > start && matches!(doc.tokens[end].kind, Kind::Comma | Kind::Quote(_)) {
            end -= 1;
        }
        (end > start).then(|| (doc.tokens[start].start, doc.tokens[end].end))
    }

    /// The sentence around "according to X", without that phrase.
    fn sentence_without(&self, according: usize, source_end: usize) -> Option<(u32, u32)> {
        let doc = self.doc;
        let sent = doc.tokens[according].sent;
        let mut start = according;
        while start > 0 && according - start < CLAUSE && doc.tokens[start - 1].sent == sent {
            start -= 1;
        }
        if start + 2 < according {
            let mut end = according - 1;
            while end > start && matches!(doc.tokens[end].kind, Kind::Comma) {
                end -= 1;
            }
            return Some((doc.tokens[start].start, doc.tokens[end].end));
        }
        let mut from = source_end + 1;
        while from < doc.len() && doc.tokens[from].kind == Kind::Comma {
            from += 1;
        }
        let mut to = from;
        while to + 1 < doc.len() && to - from < CLAUSE && doc.tokens[to + 1].sent == sent {
            to += 1;
        }
        (from < to).then(|| (doc.tokens[from].start, doc.tokens[to].end))
    }

    /// A quotation with no cue of its own that follows, in the next
    /// paragraph, a quotation whose speaker is known, with nobody else
    /// named in between, is the same speaker going on.
    fn continued_quotes(&mut self) {
        let doc = self.doc;
        for q in 1..doc.quotes.list.len() {
            if self.speaker_of_quote[q].is_some() {
                continue;
            }
            let Some(p) = self.speaker_of_quote[q - 1] else {
                continue;
            };
            let (prev, this) = (&doc.quotes.list[q - 1], &doc.quotes.list[q]);
            let prev_end = prev.close.unwrap_or(prev.last);
            let gap_para = doc.tokens[this.open].para - doc.tokens[prev_end].para;
            let starts_paragraph =
                this.open == 0 || doc.tokens[this.open - 1].para != doc.tokens[this.open].para;
            let nobody_between = (prev_end + 1..this.open).all(|k| self.person_at[k] == u32::MAX);
            let words_between = (prev_end + 1..this.open)
                .filter(|&k| doc.tokens[k].is_word())
                .count();
            if gap_para == 1 && starts_paragraph && nobody_between && words_between == 0 {
                self.speaker_of_quote[q] = Some(p);
                let cue = self.last_direct_cue[p].unwrap_or((this.open, this.open));
                self.cite(p, Some((this.start, this.end)), cue, true);
            }
        }
    }
}
