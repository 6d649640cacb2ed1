//! Robustness of the sources analyser on hostile or degenerate input: it
//! must return (never panic, never hang) on any `&str`, and every offset it
//! reports must point back into the exact text it was given.

use super::{Sources, extract};

/// Runs the analyser and checks the offsets invariant on everything it
/// returns: `start <= end <= len`, both on char boundaries, and `text` is
/// exactly `text[start..end]`. Also checks that the result serialises.
fn check(text: &str) -> Sources {
    let sources = extract(text);
    assert_offsets(text, &sources);
    serde_json::to_string(&sources).expect("Sources serialise to JSON");
    sources
}

fn assert_offsets(text: &str, sources: &Sources) {
    if let Err(e) = sources.check_offsets(text) {
        panic!("{e}");
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

/// Pieces of news text: names with titles, outlets, cues, quote marks of
/// every kind, punctuation, and characters whose case mappings change
/// their length in bytes.
const VOCABULARY: &[&str] = &[
    "said",
    "says",
    "told",
    "wrote",
    "according to",
    "added",
    "the",
    "a",
    "of",
    "in",
    "on",
    "and",
    "that",
    "government",
    "minister",
    "Senator",
    "President",
    "Mr.",
    "Ms.",
    "Dr.",
    "Prof.",
    "Secretary of State",
    "John Thune",
    "Chuck Schumer",
    "Elizabeth Warren",
    "Donald Trump",
    "Thune",
    "Warren",
    "Bloomberg",
    "Michael Bloomberg",
    "Reuters",
    "the Associated Press",
    "AP",
    "BBC",
    "The New York Times",
    "Fox News Sunday",
    "Le Monde",
    "Al Jazeera",
    "reuters.com",
    "https://www.bbc.co.uk/news/x?y=1",
    "Washington",
    "Istanbul",
    "İstanbul",
    "Ⱥlice Kelvin",
    "KELVIN",
    "ẞtraße",
    "ﬁnance",
    "ΣΟΦΙΑ",
    "José",
    "Jose\u{301}",
    "Zoë",
    "O'Brien",
    "O’Brien",
    "Thune's",
    "Thune’s",
    "U.S.",
    "J. R.",
    "Jr.",
    "\"",
    "\"",
    "“",
    "”",
    "„",
    "«",
    "»",
    "'",
    "‘",
    "’",
    ",",
    ".",
    ".",
    "!",
    "?",
    "…",
    ":",
    ";",
    "(",
    ")",
    "—",
    "–",
    "-",
    "&",
    "\n",
    "\n\n",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\r\n",
    "1",
    "60",
    "2024",
    "3.5",
];

fn random_text(rng: &mut Rng, words: usize) -> String {
    let mut text = String::new();
    for _ in 0..words {
        text.push_str(rng.pick(VOCABULARY));
        if rng.below(3) != 0 {
            text.push(' ');
        }
    }
    text
}

const SENTENCE: &str = "Senator Elizabeth Warren told Reuters on Sunday: \"We will not back down.\" \
    According to the Associated Press, Chuck Schumer said the vote would fail, and Warren's aides \
    agreed. “It is a choice,” Thune wrote in The New York Times. ";

#[test]
fn empty_text_yields_nothing() {
    let sources = check("");
    assert!(sources.outlets.is_empty() && sources.people.is_empty());
}

#[test]
fn whitespace_only_text_yields_nothing() {
    let sources = check(" \n\n\t\r\n \u{a0}\u{2028}\u{2029}\u{3000} ");
    assert!(sources.outlets.is_empty() && sources.people.is_empty());
}

#[test]
fn ten_megabyte_single_line_finishes_with_valid_offsets() {
    let mut text = String::with_capacity(10 << 20);
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    while text.len() < 10 << 20 {
        text.push_str(SENTENCE);
        for _ in 0..20 {
            text.push_str(rng.pick(VOCABULARY).trim_matches(['\n', '\r']));
            text.push(' ');
        }
    }
    assert!(!text.contains('\n'));
    let sources = check(&text);
    assert!(
        !sources.people.is_empty(),
        "the names in a 10 MB line are still found"
    );
}

#[test]
fn only_opening_quotes_keep_offsets_valid() {
    for mark in ["“", "„", "«", "\""] {
        let text = format!(
            "{m}Senator John Thune said {m}we have the votes. {m}{m}Reuters reported {m}that. Warren said {m}",
            m = mark
        );
        check(&text);
        check(&format!("{text}\n\n{text}\n{text}"));
        check(&mark.repeat(1000));
    }
}

#[test]
fn only_closing_quotes_keep_offsets_valid() {
    for mark in ["”", "»", "\""] {
        let text = format!(
            "Senator John Thune said{m} we have the votes.{m} Reuters reported{m}{m} that. Warren said.{m}",
            m = mark
        );
        check(&text);
        check(&format!("{m}{text}\n\n{text}\n{m}{text}", m = mark));
        check(&mark.repeat(1000));
    }
}

#[test]
fn odd_count_of_straight_quotes_keeps_offsets_valid() {
    for n in [1, 3, 5, 7, 99] {
        let mut text = String::from("Senator Elizabeth Warren said ");
        for i in 0..n {
            text.push('"');
            text.push_str(if i % 2 == 0 {
                "We will not back down, "
            } else {
                " Thune told the BBC. "
            });
        }
        check(&text);
        check(&text.replace(", ", ".\n\n"));
    }
}

#[test]
fn quote_opened_and_never_closed_over_fifty_paragraphs() {
    for mark in ["“", "\"", "„", "«"] {
        let mut text = format!("Senator Elizabeth Warren said: {mark}We will not back down.\n\n");
        for i in 0..50 {
            text.push_str(&format!(
                "Paragraph {i}: Chuck Schumer told Reuters the vote would fail, according to the AP.\n\n"
            ));
        }
        let sources = check(&text);
        // "An unbalanced mark never swallows more than its own paragraph."
        for p in &sources.people {
            for q in &p.quotes {
                assert!(
                    !q.text.contains("\n\n"),
                    "unclosed {mark} swallowed paragraphs: {:?}",
                    q.text
                );
            }
        }
    }
}

#[test]
fn lossy_decoded_random_bytes_keep_offsets_valid() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..200 {
        let len = 1 + rng.below(if round % 10 == 0 { 64 << 10 } else { 2048 });
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(&String::from_utf8_lossy(&bytes));
        // Garbage with news text spliced in, so that the rules have
        // something to hold on to next to the noise.
        let mut mixed = bytes;
        let at = rng.below(mixed.len() + 1);
        mixed.splice(at..at, SENTENCE.bytes());
        check(&String::from_utf8_lossy(&mixed));
    }
}

#[test]
fn nul_and_control_characters_keep_offsets_valid() {
    let controls: String = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    check(&controls);
    check(&"\0".repeat(10_000));
    let mut text = String::new();
    for (i, c) in SENTENCE.chars().enumerate() {
        text.push(c);
        text.push(controls.chars().nth(i % controls.chars().count()).unwrap());
    }
    check(&text);
    check(&SENTENCE.replace(' ', "\0"));
    check(&SENTENCE.replace(' ', "\u{b}\u{c}\r"));
    check(&SENTENCE.replace('"', "\u{1b}[31m\"\u{1b}[0m"));
}

#[test]
fn every_unicode_plane_sample_keeps_offsets_valid() {
    // A few characters from each of the 17 planes, assigned or not, and
    // the ones whose case mapping changes their length in bytes.
    let samples = [
        'A',
        'é',
        'Ж',
        'א',
        'ب',
        'अ',
        'ก',
        '中',
        '가',
        'ﬁ',
        'İ',
        'ẞ',
        'ß',
        'Σ',
        'ς',
        'K',
        'Ⱥ',
        'ǅ',
        'ΐ',
        '\u{feff}',
        '\u{200b}',
        '\u{2028}',
        '\u{2029}',
        '\u{85}',
        '\u{3000}',
        '\u{fffd}',
        '\u{ffff}',
        '\u{1d400}',
        '\u{10400}',
        '\u{1f600}',
        '\u{20000}',
        '\u{2a6d6}',
        '\u{30000}',
        '\u{40000}',
        '\u{50000}',
        '\u{60000}',
        '\u{70000}',
        '\u{80000}',
        '\u{90000}',
        '\u{a0000}',
        '\u{b0000}',
        '\u{c0000}',
        '\u{d0000}',
        '\u{e0001}',
        '\u{e0100}',
        '\u{f0000}',
        '\u{ffffd}',
        '\u{100000}',
        '\u{10fffd}',
        '\u{10ffff}',
    ];
    let all: String = samples.iter().collect();
    check(&all);
    for &c in &samples {
        // Each as a word, inside a name, as a name's initial, and beside
        // quote marks and cues.
        check(&format!(
            "{c}{c}{c} Senator {c}lizabeth Warren{c} said “{c}” to Reuters{c}. {c}. {c}huck Sc{c}umer told the BBC: \"{c}\"\n\n{c}"
        ));
        check(&format!("Mr. {c}. Thune said. {c}{c}'s aide told {c}.com “no”"));
    }
    // Every 997th scalar value over the whole range, in one text.
    let sweep: String = (0..=0x10ffffu32)
        .step_by(997)
        .filter_map(char::from_u32)
        .collect();
    check(&sweep);
    check(&format!("{SENTENCE}{sweep}{SENTENCE}"));
}

#[test]
fn combining_marks_keep_offsets_valid() {
    check("Jose\u{301} Mari\u{301}a Aznar said “Espan\u{303}a” to El Pai\u{301}s.");
    check("Senator \u{301}\u{302}\u{303} Warren said \"\u{301}\"");
    // A name buried under a hundred combining marks per letter.
    let zalgo: String = "Elizabeth Warren told Reuters"
        .chars()
        .flat_map(|c| std::iter::once(c).chain(std::iter::repeat_n('\u{336}', 100)))
        .collect();
    check(&zalgo);
    check(&"\u{301}".repeat(10_000));
    check(&format!("{}“{}”", "\u{301}".repeat(50), "\u{302}".repeat(50)));
}

#[test]
fn right_to_left_text_keeps_offsets_valid() {
    check("قال الرئيس محمود عباس لوكالة رويترز: «لن نتراجع». Mahmoud Abbas told Reuters.");
    check("אמר ראש הממשלה בנימין נתניהו ל-Haaretz: „לא נוותר”, according to the AP.");
    check("\u{202e}Senator Elizabeth Warren said \"sdrawkcab\"\u{202c} \u{200f}Thune\u{200e} told the BBC.");
    check("\u{2067}Chuck Schumer\u{2069} said “\u{2066}no\u{2069}” to \u{202b}Reuters\u{202c}.");
}

#[test]
fn emoji_and_zwj_sequences_keep_offsets_valid() {
    check("👩‍👩‍👧‍👦 Senator Elizabeth Warren 🇺🇸 said “🔥🔥” to Reuters 📰. Thune👍 told the BBC: \"✅\"");
    check("Warren\u{200d}Thune said. 🏳️‍🌈 “Schumer🏽” 👨🏿‍🚀 wrote.");
    check(&"😀".repeat(100_000));
    check(&"🇺🇸".repeat(10_000));
}

#[test]
fn fixtures_cut_at_random_char_boundaries_keep_offsets_valid() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sources/constructed");
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let mut texts = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures dir") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        texts += 1;
        check(&text);
        for _ in 0..20 {
            let (mut a, mut b) = (rng.below(text.len() + 1), rng.below(text.len() + 1));
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            while !text.is_char_boundary(b) {
                b += 1;
            }
            check(&text[a..b]);
        }
    }
    assert!(texts > 0, "no fixtures in {dir}");
}

#[test]
fn random_texts_from_a_news_vocabulary_keep_offsets_valid() {
    let mut rng = Rng(0x5eed_0f50_0ce5);
    for round in 0..3000 {
        let words = 1 + rng.below(if round % 100 == 0 { 5000 } else { 80 });
        let text = random_text(&mut rng, words);
        // A panic in the analyser or in the check names the input.
        if std::panic::catch_unwind(|| check(&text)).is_err() {
            panic!("round {round}: failed on {text:?}");
        }
    }
}

#[test]
fn offset_check_rejects_a_span_that_is_not_the_text() {
    let text = "Senator Ann Ruiz said: “The bill is dead.”";
    let mut sources = extract(text);
    assert_eq!(sources.check_offsets(text), Ok(()));
    sources.people[0].mentions[0].end -= 1;
    assert!(sources.check_offsets(text).is_err());
    sources.people[0].mentions[0].end = text.len() as u32 + 1;
    assert!(sources.check_offsets(text).is_err());
    let mut quote = extract(text);
    quote.people[0].quotes[0].start += 1;
    assert!(
        quote.check_offsets(text).is_err(),
        "a quote one byte shorter is not its text"
    );
}
