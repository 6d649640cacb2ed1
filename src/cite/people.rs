//! Which people a text names. A run of capitalised words is a person when
//! the text gives evidence of it: a given name before a surname, a title
//! or honorific, a role noun beside it, a reporting verb after it, a
//! possessive of a person's things, "the X administration". Mentions of
//! one person are merged (the fullest form is the name), and titles and
//! roles are kept apart from the name.

use std::collections::HashMap;

use super::doc::Doc;
use super::lexicon::{Lexicon, Target};
use super::token::Kind;
use super::words;

#[derive(Debug, Clone)]
pub struct Person {
    /// Token range of the fullest mention, for the canonical name.
    pub name: (usize, usize),
    pub surname: String,
    pub first_name: Option<String>,
    /// 'm', 'f' or 'u'.
    pub gender: char,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct PersonMention {
    pub first: usize,
    pub last: usize,
    pub person: usize,
    /// The name only qualifies a noun ("Trump administration", "Khomeini's
    /// henchmen"): it is not the subject of what follows.
    pub modifier: bool,
}

pub struct People {
    pub persons: Vec<Person>,
    pub mentions: Vec<PersonMention>,
}

/// A capitalised run that may be a name.
#[derive(Debug, Clone)]
struct Candidate {
    first: usize,
    last: usize,
    evidence: bool,
    gender: char,
    role: Option<String>,
    modifier: bool,
}

/// Function words that are also given names.
const GIVEN_STOP: &[&str] = &["will", "may", "sun", "hope", "joy", "else"];

/// Prepositions before a place.
const LOCATIVE: &[&str] = &[
    "in", "at", "from", "near", "to", "into", "across", "outside", "inside",
];

/// Words that may stand between a name and its reporting verb.
const BETWEEN_NAME_AND_VERB: &[&str] = &[
    "also",
    "has",
    "had",
    "have",
    "is",
    "was",
    "then",
    "later",
    "recently",
    "reportedly",
    "once",
    "previously",
    "openly",
    "publicly",
    "privately",
    "repeatedly",
    "again",
    "further",
    "simply",
    "would",
    "will",
    "could",
    "might",
    "himself",
    "herself",
    "flatly",
    "quickly",
    "often",
    "never",
    "famously",
    "bluntly",
    "angrily",
    "first",
];

pub fn find(doc: &Doc, lex: &Lexicon) -> People {
    let candidates = candidates(doc, lex);
    merge(doc, candidates)
}

fn candidates(doc: &Doc, lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < doc.len() {
        if !in_run(doc, i, false) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while end + 1 < doc.len() && doc.same_sentence(end, end + 1) && continues_run(doc, end) {
            end += 1;
        }
        // A run never ends on a connector.
        while end > start && !doc.capitalised(end) {
            end -= 1;
        }
        if let Some(c) = candidate(doc, lex, start, end) {
            out.push(c);
        }
        i = end + 1;
    }
    out
}

/// Can token `i` belong to a capitalised run?
fn in_run(doc: &Doc, i: usize, inner: bool) -> bool {
    let t = &doc.tokens[i];
    if doc.blocked(i) || t.kind != Kind::Word {
        return false;
    }
    if doc.capitalised(i) {
        // "Will Smith", "May Mobley": a given name that is also a function
        // word, before a capitalised name.
        let given_first = !inner
            && i + 1 < doc.len()
            && doc.capitalised(i + 1)
            && !doc.blocked(i + 1)
            && doc.same_sentence(i, i + 1);
        return !doc.is_any(i, &words::STOP_WORDS)
            || inner && doc.is(i, "of")
            || given_first && doc.is_any(i, GIVEN_STOP);
    }
    inner && doc.is_any(i, &words::PARTICLES)
}

/// Does the run that reached `end` go on with the next token? Particles
/// join names ("von der Leyen"); "of" and "for" join titles ("Secretary of
/// State").
fn continues_run(doc: &Doc, end: usize) -> bool {
    let next = end + 1;
    if in_run(doc, next, true) && (doc.capitalised(next) || followed_by_cap(doc, next)) {
        return true;
    }
    let title_before = doc.is_any(end, &words::PORTFOLIO) || is_title(doc, end);
    title_before && doc.is_any(next, &["of", "for", "the"]) && followed_by_cap(doc, next)
}

fn followed_by_cap(doc: &Doc, i: usize) -> bool {
    (i + 1..doc.len().min(i + 3))
        .take_while(|&j| doc.same_sentence(i, j))
        .find(|&j| !doc.is_any(j, &words::PARTICLES) && !doc.is(j, "the"))
        .is_some_and(|j| doc.capitalised(j) && !doc.blocked(j))
}

fn is_title(doc: &Doc, i: usize) -> bool {
    words::gender_of(words::TITLES, doc.norm(i).trim_end_matches('.')).is_some()
        || sentence_initial_role(doc, i)
}

/// "Economist Priya Raman told the BBC": a role noun that opens a
/// sentence before a name stands where a title does.
fn sentence_initial_role(doc: &Doc, i: usize) -> bool {
    doc.tokens[i].cap && !doc.proper_cap(i) && doc.is_any(i, &words::ROLE_NOUNS) && followed_by_cap(doc, i)
}

fn honorific(doc: &Doc, i: usize) -> Option<char> {
    words::gender_of(words::HONORIFICS, doc.norm(i).trim_end_matches('.'))
}

/// A word that can be part of a personal name.
fn name_word(doc: &Doc, lex: &Lexicon, i: usize) -> bool {
    let w = doc.norm(i);
    if doc.is_any(i, &words::PARTICLES) && !doc.capitalised(i) {
        return true;
    }
    let bare = w.trim_end_matches('.');
    if w.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let raw = doc.raw(i);
    if raw.len() > 2 && raw.ends_with('s') && raw[..raw.len() - 1].chars().all(|c| c.is_uppercase()) {
        // "MPs", "CEOs"
        return false;
    }
    let english = lex.is_english(w)
        || (w.contains('-') && w.split('-').all(|p| lex.is_english(p)))
        || (!doc.proper_cap(i) && lex.given_name(w).is_none() && common_noun_ending(w));
    let ordinary_initial = !doc.proper_cap(i) && english && lex.given_name(w).is_none();
    doc.capitalised(i)
        && !doc.is_any(i, &words::STOP_WORDS)
        && honorific(doc, i).is_none()
        && !is_title(doc, i)
        && !words::PORTFOLIO.contains(bare)
        && (!words::CALENDAR.contains(bare) || given_name_before_name(doc, lex, i))
        && !words::NON_PERSON_HEADS.contains(bare)
        && !ordinary_initial
}

/// "Jan Hatzius", "April Ryan": a month that is a given name, before a
/// capitalised name.
fn given_name_before_name(doc: &Doc, lex: &Lexicon, i: usize) -> bool {
    lex.given_name(doc.norm(i)).is_some()
        && i + 1 < doc.len()
        && doc.same_sentence(i, i + 1)
        && doc.capitalised(i + 1)
        && !doc.blocked(i + 1)
        && !words::CALENDAR.contains(doc.norm(i + 1))
}

/// Endings of abstract nouns ("Neuroscience", "Globalization"): such a
/// word opening a sentence is not a name.
fn common_noun_ending(w: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "tion", "sion", "ment", "ness", "ity", "ism", "ology", "ience", "ance", "ship", "hood", "ics", "ture",
    ];
    w.len() > 6 && ENDINGS.iter().any(|e| w.ends_with(e))
}

/// Splits a run into role words and a name, and weighs the evidence.
fn candidate(doc: &Doc, lex: &Lexicon, start: usize, end: usize) -> Option<Candidate> {
    let mut first = end;
    if !name_word(doc, lex, end) {
        // "John Major", "Theresa May", "Howard Dean": after a given name,
        // a title or month word is a surname.
        let given_before =
            end > start && lex.given_name(doc.norm(end - 1)).is_some() && doc.capitalised(end - 1);
        if !given_before || words::NON_PERSON_HEADS.contains(doc.norm(end)) {
            return None;
        }
        first = end - 1;
    }
    while first > start && name_word(doc, lex, first - 1) && end - first < 5 {
        first -= 1;
    }
    while first < end && !doc.capitalised(first) {
        first += 1;
    }
    if doc.is(first, "of") || (first..=end).all(|i| is_initial(doc, i) || !doc.capitalised(i)) {
        // "Y." of "D-N.Y.": initials alone name nobody.
        return None;
    }
    let mut c = Candidate {
        first,
        last: end,
        evidence: false,
        gender: 'u',
        role: None,
        modifier: false,
    };
    prefix_evidence(doc, start, &mut c);
    c.evidence |= given_name_evidence(doc, lex, &mut c);
    c.evidence |= role_before(doc, start, &mut c);
    c.evidence |= role_after(doc, &mut c);
    c.evidence |= byline(doc, start);
    let after = context_after(doc, lex, &mut c);
    c.evidence |= after;
    if part_of_a_longer_name(doc, start, &c) {
        // "City Hall", "Office for Budget Responsibility", "the Day" of
        // "Match of the Day": only "the Trump administration" survives.
        c.evidence = c.modifier && after;
    }
    Some(c)
}

/// The candidate is the tail of a longer proper name that is not a
/// person's: a non-title capitalised word right before it in its run,
/// "of"/"for" after a capitalised word, or an article before it.
fn part_of_a_longer_name(doc: &Doc, start: usize, c: &Candidate) -> bool {
    if c.first > start {
        let before = c.first - 1;
        let title_like = is_title(doc, before)
            || honorific(doc, before).is_some()
            || doc.is_any(before, &words::PORTFOLIO)
            || !doc.capitalised(before);
        if !title_like {
            return true;
        }
    }
    if start == 0 || !doc.same_sentence(start - 1, start) {
        return false;
    }
    let prev = start - 1;
    let place_or_body = matches!(
        doc.hits.get(doc.hit_at[prev] as usize).map(|h| h.target),
        Some(Target::Place | Target::Organisation)
    );
    if place_or_body && c.first == start && doc.tokens[prev].kind == Kind::Word && !byline(doc, start) {
        // "Newcastle Central": glued to a place or an organisation (but
        // "House Speaker Mike Johnson" has a title between).
        return true;
    }
    let article = doc.is_any(prev, &["the", "a", "an"]) && !doc.tokens[prev].cap;
    let joined = doc.is_any(prev, &["of", "for"])
        && prev > 0
        && (doc.capitalised(prev - 1) || doc.blocked(prev - 1))
        && !is_title(doc, prev - 1)
        && !doc.is_any(prev - 1, &words::PORTFOLIO);
    article || joined
}

/// "By Will Knight" opening a paragraph, "Reporting by Hyunjoo Jin": a
/// byline or a credit names a person.
fn byline(doc: &Doc, start: usize) -> bool {
    const CREDITS: [&str; 10] = [
        "reporting",
        "editing",
        "writing",
        "edited",
        "written",
        "compiled",
        "photographs",
        "photos",
        "produced",
        "interview",
    ];
    start > 0
        && doc.is(start - 1, "by")
        && (start == 1
            || doc.tokens[start - 2].para != doc.tokens[start - 1].para
            || doc.is_any(start - 2, &CREDITS))
}

fn is_initial(doc: &Doc, i: usize) -> bool {
    let raw = doc.raw(i);
    raw.ends_with('.') && raw.chars().filter(|c| c.is_alphabetic()).count() <= 2
}

/// Honorifics and titles in the run before the name ("Senator", "Mrs.",
/// "Secretary of State").
fn prefix_evidence(doc: &Doc, start: usize, c: &mut Candidate) {
    let mut role_start = None;
    for i in start..c.first {
        if let Some(g) = honorific(doc, i) {
            c.evidence = true;
            c.gender = g;
        } else if is_title(doc, i) || doc.is_any(i, &words::PORTFOLIO) || doc.capitalised(i) {
            if is_title(doc, i) {
                c.evidence = true;
                let g = words::gender_of(words::TITLES, doc.norm(i).trim_end_matches('.')).unwrap_or('u');
                if g != 'u' {
                    c.gender = g;
                }
            }
            role_start.get_or_insert(i);
        }
    }
    if let Some(rs) = role_start {
        let mut re = c.first - 1;
        while re > rs && honorific(doc, re).is_some() {
            re -= 1;
        }
        if c.evidence && honorific(doc, re).is_none() {
            c.role = Some(doc.slice(rs, re).to_string());
        }
    }
}

fn given_name_evidence(doc: &Doc, lex: &Lexicon, c: &mut Candidate) -> bool {
    let Some(g) = lex.given_name(doc.norm(c.first)) else {
        return false;
    };
    if c.gender == 'u' {
        c.gender = g;
    }
    let surname = doc.norm(c.last);
    c.last > c.first && !matches!(lex.single(surname), Some(Target::Organisation))
}

/// "Syrian dictator, Bashar Assad", "opposition leader Maryam Rajavi".
fn role_before(doc: &Doc, start: usize, c: &mut Candidate) -> bool {
    let mut j = start;
    if j > 0 && doc.tokens[j - 1].kind == Kind::Comma {
        j -= 1;
    }
    if j == 0 || !doc.same_sentence(j - 1, start) {
        return false;
    }
    let noun = j - 1;
    if doc.tokens[noun].cap || !doc.is_any(noun, &words::ROLE_NOUNS) {
        return false;
    }
    let mut from = noun;
    while from > 0 && noun - from < 4 && doc.same_sentence(from - 1, noun) && modifies_role(doc, from - 1) {
        from -= 1;
    }
    if c.role.is_none() {
        c.role = Some(doc.slice(from, noun).to_string());
    }
    true
}

/// A word that can stand before a role noun as part of the role: "Syrian
/// dictator", "opposition leader", "deputy public prosecutor"; not a verb
/// ("met Syrian dictator") nor a name.
fn modifies_role(doc: &Doc, i: usize) -> bool {
    let t = &doc.tokens[i];
    if t.kind != Kind::Word || doc.is_any(i, &words::STOP_WORDS) {
        return false;
    }
    if t.cap {
        return matches!(
            doc.hits.get(doc.hit_at[i] as usize).map(|h| h.target),
            Some(Target::Demonym | Target::Place | Target::Organisation)
        );
    }
    let w = doc.norm(i);
    !(w.ends_with("ed") || doc.is_any(i, &words::SPEECH_VERBS) || doc.is_any(i, &IRREGULAR_PAST))
}

/// Past tenses that are not "-ed", which a role phrase never contains.
const IRREGULAR_PAST: [&str; 40] = [
    "met", "saw", "told", "said", "took", "gave", "hit", "beat", "sent", "left", "won", "lost", "chose",
    "knew", "became", "made", "brought", "thought", "sought", "fought", "found", "kept", "led", "read",
    "heard", "held", "paid", "put", "ran", "sat", "spoke", "stood", "wrote", "drew", "got", "let", "set",
    "cut", "shot", "struck",
];

/// "Trita Parsi, the head of the National Iranian American Council",
/// "Abdolsamad Khoramabadi, regime's deputy public prosecutor", "X, who".
fn role_after(doc: &Doc, c: &mut Candidate) -> bool {
    let comma = c.last + 1;
    if comma >= doc.len() || doc.tokens[comma].kind != Kind::Comma {
        return false;
    }
    if doc.is(comma + 1, "who") {
        return true;
    }
    if !opens_appositive(doc, comma + 1) {
        return false;
    }
    let Some(end) = appositive_end(doc, comma + 1) else {
        return false;
    };
    let has_role = (comma + 1..end).any(|i| !doc.tokens[i].cap && doc.is_any(i, &words::ROLE_NOUNS));
    if has_role && c.role.is_none() {
        let mut from = comma + 1;
        while from < end && doc.is_any(from, &["a", "an"]) {
            from += 1;
        }
        c.role = Some(doc.slice(from, end - 1).to_string());
    }
    has_role
}

/// An appositive describes: "the head of", "a leading scientist",
/// "regime's deputy", "45", not "where he served" or another name.
fn opens_appositive(doc: &Doc, i: usize) -> bool {
    if i >= doc.len() {
        return false;
    }
    let t = &doc.tokens[i];
    let describing = [
        "the", "a", "an", "his", "her", "its", "their", "our", "then", "now", "also", "former",
    ];
    doc.is_any(i, &describing)
        || t.kind == Kind::Number
        || (t.kind == Kind::Word && !t.cap && !doc.is_any(i, &words::STOP_WORDS))
        || (t.kind == Kind::Word && t.upper)
        || (doc.capitalised(i) && !doc.is_any(i, &words::STOP_WORDS) && doc.is_any(i + 1, &["'s"]))
}

/// The token after an appositive starting at `from` ends: at a comma, a
/// stop, a quote, a bracket or a reporting verb, within 14 tokens.
pub fn appositive_end(doc: &Doc, from: usize) -> Option<usize> {
    let limit = doc.len().min(from + 14);
    let mut i = from;
    while i < limit && doc.same_sentence(from, i) {
        let t = &doc.tokens[i];
        let verb = !t.cap && doc.is_any(i, &words::SPEECH_VERBS) && i > from;
        if matches!(t.kind, Kind::Comma | Kind::Stop | Kind::Quote(_) | Kind::Colon)
            || verb
            || doc.is(i, "and")
        {
            return (i > from).then_some(i);
        }
        if doc.raw(i) == "(" {
            return (i > from).then_some(i);
        }
        i += 1;
    }
    None
}

/// What follows the name: a reporting verb, "as president", "the
/// murderer", a possessive of a person's things, "administration".
fn context_after(doc: &Doc, lex: &Lexicon, c: &mut Candidate) -> bool {
    let next = c.last + 1;
    if next >= doc.len() || !doc.same_sentence(c.last, next) {
        return false;
    }
    if doc.tokens[next].kind == Kind::Possessive {
        c.modifier = true;
        return (next + 1..doc.len().min(next + 3)).any(|j| doc.is_any(j, &words::POSSESSED_BY_PERSON));
    }
    if !doc.tokens[next].cap && doc.is_any(next, &words::PERSON_LED_NOUNS) {
        c.modifier = true;
        // "the Trump administration", but not "Save Our Family Farms
        // campaign": a name of ordinary words is a slogan or a title.
        return c.first == c.last || (c.first..=c.last).any(|i| !lex.is_english(doc.norm(i)));
    }

    if doc.is_any(next, &["as", "the"])
        && doc.is_any(next + 1, &words::ROLE_NOUNS)
        && !doc.tokens[next + 1].cap
    {
        return true;
    }
    let single_ordinary = c.first == c.last && lex.is_english(doc.norm(c.first)) && !doc.proper_cap(c.first);
    // "The Briar in Douglas say": a place.
    let after_locative =
        c.first == c.last && c.first > 0 && doc.is_any(c.first - 1, LOCATIVE) && !doc.tokens[c.first - 1].cap;
    if single_ordinary || after_locative {
        return false;
    }
    let mut v = next;
    if doc.tokens[next].kind == Kind::Comma {
        if !opens_appositive(doc, next + 1) {
            return false;
        }
        match appositive_end(doc, next + 1) {
            Some(e) if doc.tokens[e].kind == Kind::Comma => v = e + 1,
            Some(e) => v = e,
            None => return false,
        }
    }
    while v < doc.len() && doc.is_any(v, BETWEEN_NAME_AND_VERB) {
        v += 1;
    }
    v < doc.len()
        && !doc.tokens[v].cap
        && doc.is_any(v, &words::SPEECH_VERBS)
        && !doc.is_any(v, &words::CLAUSE_ONLY_VERBS)
}

/// Merges candidates into people: names with evidence make people; any
/// mention of a known surname (or full name) joins the person.
fn merge(doc: &Doc, mut cands: Vec<Candidate>) -> People {
    let mut persons: Vec<Person> = Vec::new();
    let mut mentions: Vec<PersonMention> = Vec::new();
    // Longer names first, so that surnames find their full name.
    cands.sort_by_key(|c| (std::cmp::Reverse(c.last - c.first), c.first));
    let mut by_surname: HashMap<String, Vec<usize>> = HashMap::new();
    // First names of the people found, each with its one owner (None when
    // two people share it).
    let mut by_first: HashMap<String, Option<usize>> = HashMap::new();
    let mut pending = Vec::new();
    for c in cands {
        let surname = doc.norm(c.last).to_string();
        let first_name = (c.last > c.first).then(|| doc.norm(c.first).to_string());
        let known = by_surname
            .get(&surname)
            .and_then(|ids| {
                ids.iter().copied().find(|&p| {
                    let pf = &persons[p].first_name;
                    match (&first_name, pf) {
                        (Some(a), Some(b)) => a == b || initial_of(a, b) || initial_of(b, a),
                        _ => true,
                    }
                })
            })
            .or_else(|| {
                // "Abiy said", after "Abiy Ahmed": one person with that
                // first name, and nobody with it as a surname.
                first_name
                    .is_none()
                    .then(|| by_first.get(&surname).copied().flatten())
                    .flatten()
            });
        match known {
            Some(p) => {
                absorb(doc, &mut persons[p], &c);
                mentions.push(mention(&c, p));
            }
            None if c.evidence => {
                let p = persons.len();
                persons.push(Person {
                    name: (c.first, c.last),
                    surname: surname.clone(),
                    first_name,
                    gender: c.gender,
                    role: c.role.clone(),
                });
                if let Some(first) = &persons[p].first_name {
                    by_first
                        .entry(first.clone())
                        .and_modify(|o| *o = None)
                        .or_insert(Some(p));
                }
                by_surname.entry(surname).or_default().push(p);
                mentions.push(mention(&c, p));
            }
            None => pending.push(c),
        }
    }
    resolve_pending(doc, &persons, &mut mentions, pending);
    mentions.sort_by_key(|m| m.first);
    People { persons, mentions }
}

fn initial_of(initial: &str, name: &str) -> bool {
    let i = initial.trim_end_matches('.');
    i.chars().count() == 1 && name.starts_with(i)
}

fn mention(c: &Candidate, person: usize) -> PersonMention {
    PersonMention {
        first: c.first,
        last: c.last,
        person,
        modifier: c.modifier,
    }
}

/// Folds a further mention into a person: a fuller name, a role, a gender.
fn absorb(doc: &Doc, p: &mut Person, c: &Candidate) {
    let (f, l) = p.name;
    if c.last - c.first > l - f {
        p.name = (c.first, c.last);
        p.first_name = Some(doc.norm(c.first).to_string());
    }
    if p.role.is_none() {
        p.role.clone_from(&c.role);
    }
    if p.gender == 'u' {
        p.gender = c.gender;
    }
}

/// Gives each evidence-less surname mention to the person of that surname
/// mentioned nearest before it, else to the first one after it: one sweep
/// in text order.
fn resolve_pending(
    doc: &Doc,
    persons: &[Person],
    mentions: &mut Vec<PersonMention>,
    mut pending: Vec<Candidate>,
) {
    if pending.is_empty() {
        return;
    }
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut known: Vec<PersonMention> = mentions.clone();
    known.sort_by_key(|m| std::cmp::Reverse(m.first));
    for m in known.iter() {
        first_of.insert(persons[m.person].surname.as_str(), m.person);
    }
    // "Abiy" for "Abiy Ahmed", "Tedros" for "Tedros Adhanom Ghebreyesus":
    // a first name alone, when one person has it.
    let mut known_by_first_name: HashMap<&str, Option<usize>> = HashMap::new();
    for (p, person) in persons.iter().enumerate() {
        if let Some(first) = person.first_name.as_deref() {
            known_by_first_name
                .entry(first)
                .and_modify(|v| *v = v.filter(|&q| q == p))
                .or_insert(Some(p));
        }
    }
    pending.sort_by_key(|c| c.first);
    let mut last_of: HashMap<&str, usize> = HashMap::new();
    let mut k = known.len();
    for c in pending {
        while k > 0 && known[k - 1].first < c.first {
            k -= 1;
            let m = known[k];
            last_of.insert(persons[m.person].surname.as_str(), m.person);
        }
        let surname = doc.norm(c.last);
        let by_first_name = || {
            let alone = c.first == c.last;
            known_by_first_name
                .get(surname)
                .copied()
                .flatten()
                .filter(|_| alone)
        };
        let found = last_of.get(surname).or_else(|| first_of.get(surname)).copied();
        if let Some(p) = found.or_else(by_first_name) {
            mentions.push(mention(&c, p));
        }
    }
}
