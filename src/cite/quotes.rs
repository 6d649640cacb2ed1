//! Pairing quote marks into quotations, including the two conventions for
//! quotes over several paragraphs: every paragraph opens with a quote mark
//! and only the last one closes, or a quote opened in one paragraph closes
//! in a later one. An unbalanced mark never swallows more than its own
//! paragraph.

use super::token::{Kind, QuoteMark, Token};

/// A quotation: token indices of its marks and the byte range of the words
/// between them.
#[derive(Debug, Clone)]
pub struct Quotation {
    /// The token of the opening mark.
    pub open: usize,
    /// The token of the closing mark, if it had one.
    pub close: Option<usize>,
    /// Byte offsets of the quoted words (after the opening mark, before the
    /// closing one).
    pub start: u32,
    pub end: u32,
    /// The last token of the quoted words.
    pub last: usize,
}

/// Marker for a token outside every quotation.
pub const OUTSIDE: u32 = u32::MAX;

pub struct Quotes {
    pub list: Vec<Quotation>,
    /// Per token: the index of the quotation it lies in, or [`OUTSIDE`].
    pub inside: Vec<u32>,
}

pub fn find(text: &str, tokens: &[Token]) -> Quotes {
    let mut pairer = Pairer {
        text,
        tokens,
        list: Vec::new(),
        open: None,
    };
    let mut i = 0;
    let mut para = tokens.first().map_or(0, |t| t.para);
    while i < tokens.len() {
        if tokens[i].para != para {
            para = tokens[i].para;
            if pairer.open.is_some() {
                let next = pairer.new_paragraph(i);
                if next > i {
                    i = next;
                    continue;
                }
            }
        }
        if let Kind::Quote(mark) = tokens[i].kind {
            pairer.mark(i, mark);
        }
        i += 1;
    }
    if let Some(open) = pairer.open.take() {
        pairer.unclosed(open, tokens.len());
    }
    let mut inside = vec![OUTSIDE; tokens.len()];
    for (q, quote) in pairer.list.iter().enumerate() {
        for slot in &mut inside[quote.open..=quote.close.unwrap_or(quote.last)] {
            *slot = q as u32;
        }
    }
    Quotes {
        list: pairer.list,
        inside,
    }
}

struct Pairer<'a> {
    text: &'a str,
    tokens: &'a [Token],
    list: Vec<Quotation>,
    open: Option<usize>,
}

impl Pairer<'_> {
    /// A paragraph starts at token `i` while a quote is open: it goes on
    /// if this paragraph starts with a quote mark, or closes one before it
    /// opens another. Returns where to continue.
    fn new_paragraph(&mut self, i: usize) -> usize {
        let open = self.open.expect("called only while a quote is open");
        let para = self.tokens[i].para;
        let first = &self.tokens[i];
        if matches!(first.kind, Kind::Quote(QuoteMark::Open | QuoteMark::Straight)) && self.opens(i) {
            return i + 1;
        }
        let next_mark = self.tokens[i..]
            .iter()
            .take_while(|t| t.para == para)
            .position(|t| matches!(t.kind, Kind::Quote(_)))
            .map(|p| p + i);
        match next_mark {
            Some(m) if !self.opens(m) => i,
            _ => {
                self.unclosed(open, i);
                self.open = None;
                i
            }
        }
    }

    /// Whether the mark at `i` opens a quotation, judging a straight mark
    /// by what stands around it.
    fn opens(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        match t.kind {
            Kind::Quote(QuoteMark::Open) => true,
            Kind::Quote(QuoteMark::Close) => false,
            _ => {
                let before = self.text[..t.start as usize].chars().next_back();
                let after = self.text[t.end as usize..].chars().next();
                let spaced_before = before.is_none_or(|c| c.is_whitespace() || "([{—–-".contains(c));
                let word_after = after.is_some_and(|c| c.is_alphanumeric() || "'‘…$£€.".contains(c));
                spaced_before && word_after
            }
        }
    }

    fn mark(&mut self, i: usize, mark: QuoteMark) {
        match (self.open, mark) {
            (None, QuoteMark::Close) => {}
            (None, _) => self.open = Some(i),
            (Some(open), QuoteMark::Open) if self.opens(i) => {
                // A new opening mark while one is open: the earlier one was
                // never closed.
                self.unclosed(open, i);
                self.open = Some(i);
            }
            (Some(open), QuoteMark::Straight)
                if self.opens(i) && self.tokens[open].para != self.tokens[i].para =>
            {
                self.unclosed(open, i);
                self.open = Some(i);
            }
            (Some(open), _) => {
                self.close(open, i);
                self.open = None;
            }
        }
    }

    fn close(&mut self, open: usize, close: usize) {
        if close > open + 1 {
            self.list.push(Quotation {
                open,
                close: Some(close),
                start: self.tokens[open].end,
                end: self.tokens[close].start,
                last: close - 1,
            });
        }
    }

    /// A quotation whose closing mark never came: it runs to the end of the
    /// last token before `until`.
    fn unclosed(&mut self, open: usize, until: usize) {
        if until > open + 1 {
            let last = until - 1;
            self.list.push(Quotation {
                open,
                close: None,
                start: self.tokens[open].end,
                end: self.tokens[last].end,
                last,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::token::tokenize;
    use super::*;

    fn quoted(text: &str) -> Vec<&str> {
        let tokens = tokenize(text);
        find(text, &tokens)
            .list
            .iter()
            .map(|q| &text[q.start as usize..q.end as usize])
            .collect()
    }

    #[test]
    fn straight_and_curly_quotes_pair() {
        assert_eq!(quoted("He said \"yes, now\" and “no.”"), ["yes, now", "no."]);
    }

    #[test]
    fn a_quote_opened_in_one_paragraph_closes_in_the_next() {
        let text = "wrote: “The first part.\n\nThe second part.”\n\nAfter.";
        assert_eq!(quoted(text), ["The first part.\n\nThe second part."]);
    }

    #[test]
    fn each_paragraph_reopening_the_quote_continues_it() {
        let text = "said: “One.\n\n“Two.\n\n“Three.”\nOutside \"x y\".";
        assert_eq!(quoted(text), ["One.\n\n“Two.\n\n“Three.", "x y"]);
    }

    #[test]
    fn an_unbalanced_mark_stays_in_its_paragraph() {
        let text = "He said “never mind\n\nA new paragraph with “a quote” in it.";
        assert_eq!(quoted(text), ["never mind", "a quote"]);
    }
}
