//! Splitting a text into the tokens the citation rules look at: words with
//! their capitalisation, quote marks, possessives, URLs, punctuation, and
//! sentence and paragraph boundaries. One pass over the text; every token
//! keeps its byte offsets, so that every later result can point back into
//! the exact text.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters (and digits, inner hyphens and apostrophes), or an
    /// abbreviation or initial with its period ("Mr.", "W.", "U.S.").
    Word,
    /// Starts with a digit.
    Number,
    /// A double quote mark: straight, curly, low-9 or a guillemet.
    Quote(QuoteMark),
    /// `'s` or `’s` after a word.
    Possessive,
    /// A URL or a bare domain name ("huffpost.com/entry/...").
    Url,
    /// Sentence-ending punctuation: `.`, `!`, `?`, `…`.
    Stop,
    /// A comma.
    Comma,
    /// A colon.
    Colon,
    /// Anything else that is not space: `;`, `(`, `-`, `–`, `&`, ...
    Punct,
}

/// The kind of a double quote mark, which decides how it may pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteMark {
    /// `"`: opens or closes depending on where it stands.
    Straight,
    /// `“` or `„` or `«`.
    Open,
    /// `”` or `»`.
    Close,
}

#[derive(Debug, Clone, Copy)]
pub struct Token {
    pub start: u32,
    pub end: u32,
    pub kind: Kind,
    /// The paragraph (line) the token is on, counted from 0.
    pub para: u32,
    /// The sentence, counted from 0 over the whole text.
    pub sent: u32,
    /// First word of its sentence: its capital letter says nothing.
    pub initial: bool,
    /// Its first character is an upper-case letter.
    pub cap: bool,
    /// Two or more letters, all upper case ("BBC", "U.S.").
    pub upper: bool,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
}

/// Abbreviations whose period neither ends the sentence nor leaves the word.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "cmdr", "adm",
    "maj", "jr", "sr", "st", "rev", "hon", "mt", "ft", "vs", "no", "pres", "supt", "det", "insp", "messrs",
    "mme", "mlle", "fr", "sec", "atty", "cpl", "pvt", "brig", "gens", "reps", "sens", "govs", "drs",
];

/// Abbreviations that may also end a sentence ("... Apple Inc. It said").
const FINAL_ABBREVIATIONS: &[&str] = &["jr", "sr", "inc", "corp", "ltd", "co", "etc", "plc", "llc"];

pub fn tokenize(text: &str) -> Vec<Token> {
    Tokenizer::new(text).run()
}

struct Tokenizer<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    out: Vec<Token>,
    para: u32,
    sent: u32,
    /// The next word starts a sentence.
    at_start: bool,
    /// A sentence has ended, but closing marks right after its stop still
    /// belong to it: the next other token opens the new one.
    ending: bool,
}

impl<'t> Tokenizer<'t> {
    fn new(text: &'t str) -> Tokenizer<'t> {
        Tokenizer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            out: Vec::with_capacity(text.len() / 5),
            para: 0,
            sent: 0,
            at_start: true,
            ending: false,
        }
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(self.pos) {
            let len = c.len_utf8();
            if c == '\n' {
                self.new_paragraph();
                self.pos += len;
            } else if c.is_whitespace() {
                self.pos += len;
            } else if c.is_alphanumeric() {
                self.word();
            } else {
                self.symbol(c);
            }
        }
        self.out
    }

    fn peek(&self, at: usize) -> Option<char> {
        self.text.get(at..)?.chars().next()
    }

    fn new_paragraph(&mut self) {
        // Blank lines between paragraphs do not count as paragraphs.
        if self.out.last().is_some_and(|t| t.para == self.para) {
            self.ending = true;
            self.para += 1;
        }
        self.at_start = true;
    }

    fn end_sentence(&mut self) {
        self.ending = true;
        self.at_start = true;
    }

    fn push(&mut self, start: usize, end: usize, kind: Kind) {
        let word = &self.text[start..end];
        let is_word = matches!(kind, Kind::Word);
        let cap = is_word && word.chars().next().is_some_and(char::is_uppercase);
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let upper = is_word && letters >= 2 && !word.chars().any(char::is_lowercase);
        if self.ending {
            let glued = self.out.last().is_some_and(|t| t.end as usize == start);
            let closing = matches!(
                kind,
                Kind::Quote(QuoteMark::Close | QuoteMark::Straight) | Kind::Punct
            ) && glued
                && matches!(word, "\"" | "”" | "»" | ")" | "]" | "’" | "'");
            if !closing {
                self.sent += 1;
                self.ending = false;
            }
        }
        let initial = is_word && self.at_start;
        if is_word || kind == Kind::Number {
            self.at_start = false;
        }
        self.out.push(Token {
            start: start as u32,
            end: end as u32,
            kind,
            para: self.para,
            sent: self.sent,
            initial,
            cap,
            upper,
        });
    }

    fn word(&mut self) {
        let start = self.pos;
        if let Some(end) = self.url_end(start) {
            self.pos = end;
            self.push(start, end, Kind::Url);
            return;
        }
        let mut end = self.scan_word(start);
        let kind = if self.bytes[start].is_ascii_digit() {
            Kind::Number
        } else {
            Kind::Word
        };
        // "U.S.", "J.K.": single letters joined by periods.
        if kind == Kind::Word && self.text[start..end].chars().count() == 1 {
            end = self.dotted(end);
        }
        let word = &self.text[start..end];
        let lower = word.trim_end_matches('.').to_lowercase();
        let mut stops_sentence = false;
        if kind == Kind::Word && self.bytes.get(end) == Some(&b'.') && !word.ends_with('.') {
            let single = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
            if single || ABBREVIATIONS.contains(&lower.as_str()) {
                end += 1;
            } else if FINAL_ABBREVIATIONS.contains(&lower.as_str()) {
                end += 1;
                stops_sentence = self.sentence_follows(end);
            }
        }
        self.pos = end;
        self.push(start, end, kind);
        if stops_sentence {
            self.end_sentence();
        }
        self.possessive();
    }

    /// Letters and digits, joined by single inner hyphens or apostrophes;
    /// an apostrophe before a final `s` is left for [`possessive`].
    fn scan_word(&self, start: usize) -> usize {
        let mut end = start;
        loop {
            while let Some(c) = self.peek(end).filter(|c| c.is_alphanumeric()) {
                end += c.len_utf8();
            }
            match self.peek(end) {
                Some(j @ ('-' | '\'' | '’' | '‐')) => {
                    let after = end + j.len_utf8();
                    let Some(next) = self.peek(after).filter(|c| c.is_alphanumeric()) else {
                        return end;
                    };
                    if j != '-' && j != '‐' && self.is_possessive_s(after, next) {
                        return end;
                    }
                    end = after;
                }
                _ => return end,
            }
        }
    }

    fn is_possessive_s(&self, at: usize, next: char) -> bool {
        (next == 's' || next == 'S') && !self.peek(at + 1).is_some_and(char::is_alphanumeric)
    }

    /// Extends a single letter over ".X" pairs: "U" of "U.S." becomes
    /// "U.S." (the final period included), a lone initial stays as it is.
    fn dotted(&self, start: usize) -> usize {
        let mut end = start;
        while self.bytes.get(end) == Some(&b'.') {
            match self.peek(end + 1) {
                Some(c)
                    if c.is_alphabetic()
                        && !self
                            .peek(end + 1 + c.len_utf8())
                            .is_some_and(char::is_alphanumeric) =>
                {
                    end += 1 + c.len_utf8();
                }
                _ => break,
            }
        }
        if end > start && self.bytes.get(end) == Some(&b'.') {
            end += 1;
        }
        end
    }

    fn possessive(&mut self) {
        let at = self.pos;
        let Some(q @ ('\'' | '’')) = self.peek(at) else {
            return;
        };
        let after = at + q.len_utf8();
        if let Some(s @ ('s' | 'S')) = self.peek(after)
            && self.is_possessive_s(after, s)
        {
            self.pos = after + 1;
            self.push(at, self.pos, Kind::Possessive);
        }
    }

    /// After a period at `at`: is the next thing a new sentence (a capital,
    /// a digit or a quote after space, or the end of the line)?
    fn sentence_follows(&self, at: usize) -> bool {
        let rest = &self.text[at..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\u{a0}']);
        if trimmed.len() == rest.len() && !rest.is_empty() && !rest.starts_with(['\n', '\r']) {
            return false;
        }
        match trimmed.chars().next() {
            None | Some('\n' | '\r') => true,
            Some(c) => c.is_uppercase() || c.is_ascii_digit() || "\"“„«‘'(".contains(c),
        }
    }

    fn symbol(&mut self, c: char) {
        let start = self.pos;
        let end = start + c.len_utf8();
        self.pos = end;
        let kind = match c {
            '"' => Kind::Quote(QuoteMark::Straight),
            '“' | '„' | '«' => Kind::Quote(QuoteMark::Open),
            '”' | '»' => Kind::Quote(QuoteMark::Close),
            '.' | '!' | '?' | '…' => Kind::Stop,
            ',' => Kind::Comma,
            ':' => Kind::Colon,
            _ => Kind::Punct,
        };
        self.push(start, end, kind);
        if kind == Kind::Stop && self.stop_ends_sentence(end) {
            self.end_sentence();
        }
    }

    /// A stop ends the sentence when what follows (after closing quotes and
    /// brackets) is space and then a new sentence, or the end of the line.
    fn stop_ends_sentence(&self, mut at: usize) -> bool {
        while let Some(c) = self
            .peek(at)
            .filter(|c| "\"”»’')]".contains(*c) || matches!(c, '.' | '!' | '?'))
        {
            at += c.len_utf8();
        }
        self.sentence_follows(at)
    }

    /// The end of a URL or bare domain starting at `start`, if there is one.
    fn url_end(&self, start: usize) -> Option<usize> {
        let rest = &self.text[start..];
        let run = rest
            .find(|c: char| c.is_whitespace() || "\"“”«»<>|{}`".contains(c))
            .unwrap_or(rest.len());
        let candidate = rest[..run].trim_end_matches(|c: char| ".,;:!?)]'’".contains(c));
        let lower = candidate.to_ascii_lowercase();
        let schemed = lower.starts_with("http://") || lower.starts_with("https://");
        if !schemed && !lower.starts_with("www.") && !candidate.contains('.') {
            return None;
        }
        let without_scheme = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
        let host = without_scheme.split(['/', '?', '#', ':']).next().unwrap_or("");
        let raw_host = &candidate[candidate.len() - without_scheme.len()..][..host.len()];
        let plausible = if schemed || lower.starts_with("www.") {
            host.contains('.')
        } else {
            is_domain(raw_host)
        };
        plausible.then(|| start + candidate.len())
    }
}

/// A bare domain as it appears in prose: lower-case labels, the last one a
/// known top-level domain. "U.S" and "Tehran.The" are not domains.
fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let valid = |l: &str| {
        l.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !labels.iter().all(|l| valid(l)) {
        return false;
    }
    let tld = labels[labels.len() - 1];
    let generic = [
        "com", "org", "net", "gov", "edu", "info", "news", "media", "tv", "io", "int", "mil", "biz",
        "online", "press", "today", "world", "live", "blog",
    ];
    (tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_lowercase())) || generic.contains(&tld)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(&str, Kind, bool)> {
        tokenize(text)
            .iter()
            .map(|t| (&text[t.start as usize..t.end as usize], t.kind, t.initial))
            .collect()
    }

    #[test]
    fn abbreviations_and_initials_keep_their_period_and_the_sentence() {
        let w = words("Mr. Smith met George W. Bush in the U.S. on Monday. Then");
        let texts: Vec<&str> = w.iter().map(|x| x.0).collect();
        assert_eq!(
            texts,
            [
                "Mr.", "Smith", "met", "George", "W.", "Bush", "in", "the", "U.S.", "on", "Monday", ".",
                "Then"
            ]
        );
        assert!(!w[1].2, "Smith is not sentence-initial");
        assert!(w[12].2, "Then starts a sentence");
    }

    #[test]
    fn possessives_split_off_and_hyphens_join() {
        let w = words("Khomeini’s henchmen and Iranian-American al-Assad's");
        let texts: Vec<&str> = w.iter().map(|x| x.0).collect();
        assert_eq!(
            texts,
            [
                "Khomeini",
                "’s",
                "henchmen",
                "and",
                "Iranian-American",
                "al-Assad",
                "'s"
            ]
        );
        assert_eq!(w[1].1, Kind::Possessive);
    }

    #[test]
    fn urls_and_bare_domains_are_one_token() {
        let w = words("See huffpost.com/entry/x, https://www.reuters.com/a?b=1. Tehran.The U.S.");
        assert_eq!(w[1], ("huffpost.com/entry/x", Kind::Url, false));
        assert_eq!(w[3].0, "https://www.reuters.com/a?b=1");
        assert_eq!(w[3].1, Kind::Url);
        assert!(w.iter().all(|x| x.0 != "Tehran.The"));
    }

    #[test]
    fn quotes_are_classified() {
        let w = words("“a” \"b\" «c»");
        let kinds: Vec<Kind> = w.iter().map(|x| x.1).collect();
        assert_eq!(kinds[0], Kind::Quote(QuoteMark::Open));
        assert_eq!(kinds[2], Kind::Quote(QuoteMark::Close));
        assert_eq!(kinds[3], Kind::Quote(QuoteMark::Straight));
    }
}
