//! Writes synthetic collections to archive, so that the benchmarks run on
//! any machine without a corpus: news prose that cites real outlets (the
//! gazetteer in data/) and invented people, HTML pages, and media files.
//! The same seed gives the same bytes.
//!
//! cargo run --release --example synth -- texts --count N --out DIR [--size BYTES] [--seed S]
//! cargo run --release --example synth -- mixed --bytes SIZE --out DIR [--seed S]
//!
//! Each also writes DIR/list.txt, one absolute path a line, for
//! `provenance add --from DIR/list.txt`, and prints one summary line on
//! stderr. scripts/synth-archive wraps both.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use provenance::cite::lexicon::lexicon;

#[derive(Parser)]
#[command(about = "Write synthetic collections for provenance's benchmarks")]
struct Cli {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Subcommand)]
enum Kind {
    /// UTF-8 news and op-ed texts that cite outlets and people
    Texts {
        #[arg(long)]
        count: u64,
        #[arg(long)]
        out: PathBuf,
        /// About how many bytes each text has
        #[arg(long, default_value_t = 5000)]
        size: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Texts, HTML pages and media files totalling about SIZE (2G, 500M, 2GiB)
    Mixed {
        #[arg(long, value_parser = provenance::cli::parse_size)]
        bytes: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let started = Instant::now();
    let (out, outcome) = match &cli.kind {
        Kind::Texts {
            count,
            out,
            size,
            seed,
        } => (out, texts(*count, out, *size, *seed)),
        Kind::Mixed { bytes, out, seed } => (out, mixed(*bytes, out, *seed)),
    };
    match outcome {
        Ok(totals) => {
            eprintln!(
                "synth: wrote {} files ({} texts, {} pages, {} media; {} bytes) to {} in {:.1} s",
                totals.files(),
                totals.texts,
                totals.pages,
                totals.media,
                totals.bytes,
                out.display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synth: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
struct Totals {
    texts: u64,
    pages: u64,
    media: u64,
    bytes: u64,
}

impl Totals {
    fn files(&self) -> u64 {
        self.texts + self.pages + self.media
    }
}

/// Where the files go: numbered, a thousand to a directory, each listed.
struct Collection {
    root: PathBuf,
    list: BufWriter<fs::File>,
    totals: Totals,
}

impl Collection {
    fn create(out: &Path) -> io::Result<Collection> {
        fs::create_dir_all(out)?;
        let root = fs::canonicalize(out)?;
        let list = BufWriter::new(fs::File::create(root.join("list.txt"))?);
        Ok(Collection {
            root,
            list,
            totals: Totals::default(),
        })
    }

    fn write(&mut self, ext: &str, bytes: &[u8]) -> io::Result<()> {
        let n = self.totals.files();
        let dir = self.root.join(format!("{:04}", n / 1000));
        if n.is_multiple_of(1000) {
            fs::create_dir_all(&dir)?;
        }
        let path = dir.join(format!("{n:08}.{ext}"));
        fs::write(&path, bytes)?;
        writeln!(self.list, "{}", path.display())?;
        self.totals.bytes += bytes.len() as u64;
        match ext {
            "txt" => self.totals.texts += 1,
            "html" => self.totals.pages += 1,
            _ => self.totals.media += 1,
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<Totals> {
        self.list.flush()?;
        Ok(self.totals)
    }
}

fn texts(count: u64, out: &Path, size: usize, seed: u64) -> io::Result<Totals> {
    let cast = Cast::new(seed);
    let mut collection = Collection::create(out)?;
    for i in 0..count {
        let mut rng = Rng::new(seed, i);
        let story = cast.story(&mut rng, size);
        collection.write("txt", story.text().as_bytes())?;
    }
    collection.finish()
}

/// Of every ten files, four texts, five pages and one media file: the
/// media hold most of the bytes, as in a real collection.
fn mixed(total: u64, out: &Path, seed: u64) -> io::Result<Totals> {
    let cast = Cast::new(seed);
    let mut collection = Collection::create(out)?;
    let mut i = 0;
    while collection.totals.bytes < total {
        let mut rng = Rng::new(seed, i);
        let left = total - collection.totals.bytes;
        match i % 10 {
            9 => {
                let size = rng.log_uniform(100_000, 50_000_000).min(left.max(100_000));
                let (ext, bytes) = media(&mut rng, size as usize);
                collection.write(ext, &bytes)?;
            }
            k => {
                let size = rng.log_uniform(2_000, 200_000) as usize;
                let story = cast.story(&mut rng, size);
                if k < 4 {
                    collection.write("txt", story.text().as_bytes())?;
                } else {
                    collection.write("html", story.html(&mut rng).as_bytes())?;
                }
            }
        }
        i += 1;
    }
    collection.finish()
}

/// Random bytes behind a PNG or JPEG signature: sniffed as an image, never
/// read for text.
fn media(rng: &mut Rng, size: usize) -> (&'static str, Vec<u8>) {
    let (ext, magic): (&str, &[u8]) = if rng.below(2) == 0 {
        ("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    } else {
        ("jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0")
    };
    let mut bytes = Vec::with_capacity(size.max(magic.len()));
    bytes.extend_from_slice(magic);
    while bytes.len() + 8 <= size {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    (ext, bytes)
}

/// SplitMix64: small, fast, and the same everywhere; each document gets
/// its own stream so that one file's bytes do not depend on the others'.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u64) -> Rng {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index);
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let (lo, hi) = (lo as f64, hi as f64);
        (lo * (hi / lo).powf(self.unit())) as u64
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Ranks drawn with probability proportional to 1/rank^s: a few items in
/// most documents, a long tail in a few each.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut sum = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                sum += 1.0 / (k as f64).powf(s);
                sum
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len() - 1)
    }

    /// `k` distinct ranks.
    fn distinct(&self, rng: &mut Rng, k: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(k);
        while out.len() < k.min(self.cumulative.len()) {
            let r = self.draw(rng);
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

struct Person {
    given: String,
    surname: String,
    /// Before the name: "Senator", "Dr.".
    title: Option<&'static str>,
    /// After the name: "a spokesman for Oxfam".
    role: String,
}

impl Person {
    fn full(&self) -> String {
        format!("{} {}", self.given, self.surname)
    }

    fn titled(&self) -> String {
        match self.title {
            Some(t) => format!("{t} {}", self.full()),
            None => self.full(),
        }
    }
}

/// Outlets by popularity, people by popularity, and the organisations
/// they speak for.
struct Cast {
    outlets: Vec<String>,
    outlet_rank: Zipf,
    people: Vec<Person>,
    person_rank: Zipf,
}

const PEOPLE: usize = 40_000;

const TITLES: &[&str] = &[
    "Senator",
    "Governor",
    "Minister",
    "Dr.",
    "Professor",
    "General",
    "Mayor",
    "Ambassador",
];

const ROLES: &[&str] = &[
    "a spokesman for",
    "a spokeswoman for",
    "a senior official at",
    "an analyst at",
    "a researcher at",
    "the director of",
    "a lawyer for",
    "an adviser to",
];

const SURNAME_HEADS: &[&str] = &[
    "Har", "Bel", "Mor", "Cas", "Dun", "Fer", "Gal", "Hol", "Kov", "Lind", "Mar", "Nor", "Osk", "Pel",
    "Quin", "Rad", "Sal", "Tor", "Val", "Wex", "Yar", "Zel", "Brom", "Cald", "Drav", "Esk", "Fitz", "Gorm",
    "Hask", "Jan", "Kell", "Lom", "Merr", "Nad", "Ol", "Pask", "Ren", "Stav", "Tull", "Ulv",
];

const SURNAME_TAILS: &[&str] = &[
    "ton", "ley", "mann", "sen", "ova", "ski", "ez", "ini", "son", "berg", "wood", "ard", "ell", "ach",
    "dorf", "ek", "ović", "ani", "ström", "hurst",
];

impl Cast {
    fn new(seed: u64) -> Cast {
        let lex = lexicon();
        // Only names that mean one outlet wherever they stand: a bracketed
        // qualifier or a name that is also a common word would not be found.
        let mut outlets: Vec<String> = lex
            .outlets
            .iter()
            .filter(|o| !o.name.contains('(') && !o.short_forms.contains(&o.name))
            .map(|o| o.name.clone())
            .collect();
        // The gazetteer lists agencies first; popularity should not follow
        // its order.
        Rng::new(seed, u64::MAX - 1).shuffle(&mut outlets);
        let people = Cast::people(lex, seed);
        Cast {
            outlet_rank: Zipf::new(outlets.len(), 1.1),
            outlets,
            person_rank: Zipf::new(people.len(), 1.0),
            people,
        }
    }

    fn people(lex: &provenance::cite::lexicon::Lexicon, seed: u64) -> Vec<Person> {
        let given: Vec<&str> = include_str!("../data/names/given-names.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .filter(|g| g.chars().all(|c| c.is_ascii_alphabetic()) && !lex.is_english(&g.to_lowercase()))
            .collect();
        let organisations: Vec<&str> = include_str!("../data/names/organisations.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && l.len() > 8 && l.contains(' '))
            .collect();
        let surnames: Vec<String> = SURNAME_HEADS
            .iter()
            .flat_map(|h| SURNAME_TAILS.iter().map(move |t| format!("{h}{t}")))
            .filter(|s| !lex.is_english(&s.to_lowercase()) && lex.given_name(s).is_none())
            .collect();
        let mut rng = Rng::new(seed, u64::MAX);
        (0..PEOPLE)
            .map(|_| Person {
                given: rng.pick(&given).to_string(),
                surname: rng.pick(&surnames).clone(),
                title: (rng.below(3) == 0).then(|| *rng.pick(TITLES)),
                role: format!("{} {}", rng.pick(ROLES), rng.pick(&organisations)),
            })
            .collect()
    }

    fn story(&self, rng: &mut Rng, size: usize) -> Story {
        let outlets = {
            let k = rng.between(3, 8);
            self.outlet_rank.distinct(rng, k)
        };
        let people = {
            let k = rng.between(3, 8);
            self.person_rank.distinct(rng, k)
        };
        let mut story = Story {
            headline: format!("{} {}", rng.pick(HEADLINE_OPENERS), rng.pick(TOPICS)),
            author: self.people[self.person_rank.draw(rng)].full(),
            paragraphs: Vec::new(),
        };
        let (mut o, mut p) = (0, 0);
        let mut len = 0;
        while len < size || o < outlets.len() || p < people.len() {
            let mut para = String::new();
            filler(rng, &mut para, 1, 3);
            if o < outlets.len() {
                cite_outlet(rng, &mut para, &self.outlets[outlets[o]]);
                o += 1;
            }
            if p < people.len() {
                quote_person(rng, &mut para, &self.people[people[p]], true);
                p += 1;
            } else if rng.below(2) == 0 {
                let again = &self.people[people[rng.below(people.len())]];
                quote_person(rng, &mut para, again, false);
            }
            filler(rng, &mut para, 0, 2);
            len += para.len() + 2;
            story.paragraphs.push(para);
        }
        story
    }
}

struct Story {
    headline: String,
    author: String,
    paragraphs: Vec<String>,
}

impl Story {
    fn text(&self) -> String {
        let mut s = format!("{}\n\nBy {}\n\n", self.headline, self.author);
        for p in &self.paragraphs {
            s.push_str(p);
            s.push_str("\n\n");
        }
        s
    }

    /// A news page: head metadata, navigation and footer around the article.
    fn html(&self, rng: &mut Rng) -> String {
        let date = format!("2026-{:02}-{:02}", rng.between(1, 12), rng.between(1, 28));
        let title = escape(&self.headline);
        let mut s = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{title}</title>\n\
             <meta name=\"author\" content=\"{}\">\n<meta property=\"article:published_time\" content=\"{date}T08:00:00Z\">\n\
             </head><body>\n<nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/politics\">Politics</a></nav>\n\
             <article><h1>{title}</h1>\n<p class=\"byline\">By {}</p>\n",
            escape(&self.author),
            escape(&self.author)
        );
        for p in &self.paragraphs {
            let _ = writeln!(s, "<p>{}</p>", escape(p));
        }
        s.push_str("</article>\n<footer>Subscribe to our newsletter. All rights reserved.</footer>\n</body></html>\n");
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const HEADLINE_OPENERS: &[&str] = &[
    "Questions mount over",
    "What we know about",
    "The hidden cost of",
    "Inside the fight over",
    "Why the debate over",
];

const TOPICS: &[&str] = &[
    "the new energy bill",
    "the border agreement",
    "the housing shortage",
    "the trade talks",
    "the election results",
    "the water crisis",
    "the pension reform",
    "the ceasefire",
];

const SENTENCES: &[&str] = &[
    "The proposal has divided lawmakers for months.",
    "Critics say the plan leaves too many questions unanswered.",
    "The government has not published the full figures.",
    "Officials expect a vote before the end of the year.",
    "Prices rose sharply in the spring and have not come down since.",
    "Several regional governments have already announced their own measures.",
    "The talks resumed on Tuesday after a two-week pause.",
    "Opposition parties called for an independent inquiry.",
    "Local residents described long queues and empty shelves.",
    "The agreement would run for five years and could be extended.",
    "Investors reacted cautiously to the announcement.",
    "The ministry said the measures were temporary.",
    "Aid groups warned that the situation could worsen over the winter.",
    "The court is expected to rule on the case next month.",
    "Turnout was higher than in any election of the past decade.",
    "None of the parties involved has commented on the details.",
];

const CLAIMS: &[&str] = &[
    "the deal was negotiated in haste",
    "the figures had been revised twice",
    "the program would cost far more than announced",
    "the decision was taken without consulting the regions",
    "talks had stalled over the question of funding",
    "the new rules would take effect in January",
    "several officials had resigned in protest",
    "the report had been withheld for weeks",
];

const QUOTES: &[&str] = &[
    "We have never seen anything like this",
    "This is not the end of the process, it is the beginning",
    "The numbers simply do not add up",
    "People deserve to know what was agreed in their name",
    "We will not accept a deal that leaves families behind",
    "Nobody in this building expected the vote to go this way",
    "It is a mistake, and we said so at the time",
    "There is still time to get this right",
];

/// Between `lo` and `hi` sentences that cite no one.
fn filler(rng: &mut Rng, out: &mut String, lo: usize, hi: usize) {
    for _ in 0..rng.between(lo, hi) {
        let sentence = *rng.pick(SENTENCES);
        if !out.ends_with(sentence) {
            push_sentence(out, sentence);
        }
    }
}

fn push_sentence(out: &mut String, sentence: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(sentence);
}

fn cite_outlet(rng: &mut Rng, out: &mut String, outlet: &str) {
    let claim = rng.pick(CLAIMS);
    let sentence = match rng.below(5) {
        0 => format!("According to {outlet}, {claim}."),
        1 => format!("An opinion piece in {outlet} argued that {claim}."),
        2 => format!("{outlet} reported on Monday that {claim}."),
        3 => format!("As {outlet} first reported, {claim}."),
        _ => format!("The claim that {claim} was first made by {outlet}."),
    };
    push_sentence(out, &sentence);
}

/// A quote with its speaker, in straight or curly marks; the first time
/// with the full name and title or role, later by surname.
fn quote_person(rng: &mut Rng, out: &mut String, person: &Person, first: bool) {
    let (open, close) = if rng.below(2) == 0 {
        ('"', '"')
    } else {
        ('\u{201c}', '\u{201d}')
    };
    let quote = rng.pick(QUOTES);
    let sentence = if !first {
        let surname = &person.surname;
        match rng.below(2) {
            0 => format!("{open}{quote},{close} {surname} said."),
            _ => format!("{surname} added that {}.", rng.pick(CLAIMS)),
        }
    } else {
        let (titled, full, role) = (person.titled(), person.full(), &person.role);
        match rng.below(4) {
            0 => format!("{titled} said: {open}{quote}.{close}"),
            1 => format!("{open}{quote},{close} said {full}, {role}."),
            2 => format!("{full}, {role}, told reporters that {}.", rng.pick(CLAIMS)),
            _ => format!("{open}{quote},{close} {titled} said in a statement."),
        }
    };
    push_sentence(out, &sentence);
}
