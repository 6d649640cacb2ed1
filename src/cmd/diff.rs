//! `diff OLD NEW`: what changed between the texts of two documents, line by
//! line in the unified format of `diff -u`, or word by word with wdiff's
//! markers. The formats are documented in docs/HISTORY-AND-DIFF.md.
//!
//! The texts compared are those the text analyser stored (`provenance text
//! ID`), so that two encodings of one article compare equal.

use std::io::Read;
use std::ops::Range;
use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{ChangeTag, DiffOp, DiffTag, TextDiff};

use super::{Ctx, Exit};
use crate::catalog::{self, Document};
use crate::entry::TextOutcome;
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::output::{Out, count};
use crate::store::BlobStore;

/// Unchanged lines shown around each hunk, as `diff -u` does.
const CONTEXT_LINES: usize = 3;

/// How long the diff may search for the smallest set of changes. Past it,
/// the algorithm settles for a larger but still correct one: two large,
/// very different texts must not hang the command.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Characters of unchanged text kept next to a change in `--words`
/// output; the rest of a long paragraph is elided with [`ELISION`].
const WORD_CONTEXT: usize = 60;

/// The editor's mark for omitted text, so that a reader does not take the
/// gap for part of the document.
const ELISION: &str = "[…]";

/// `diff --json`.
#[derive(Debug, Serialize)]
struct Report {
    old: Digest,
    new: Digest,
    same_bytes: bool,
    same_text: bool,
    /// Line mode only: the hunks of the unified diff.
    #[serde(skip_serializing_if = "Option::is_none")]
    hunks: Option<Vec<Hunk>>,
    /// `--words` only: the whole text as runs of equal, deleted and
    /// inserted text; equal + delete runs spell the old text, equal +
    /// insert runs the new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<Vec<Change>>,
}

/// One hunk, numbered as in the unified format: lines from 1, and an empty
/// side starts at the line after which it lies.
#[derive(Debug, Serialize)]
struct Hunk {
    old_start: usize,
    old_lines: usize,
    new_start: usize,
    new_lines: usize,
    lines: Vec<Line>,
}

#[derive(Debug, Serialize)]
struct Line {
    op: LineOp,
    /// The line without its `\n`.
    text: String,
    /// The last line of a text that does not end in a newline.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_newline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum LineOp {
    #[serde(rename = " ")]
    Context,
    #[serde(rename = "-")]
    Delete,
    #[serde(rename = "+")]
    Insert,
}

impl LineOp {
    /// The line's prefix in the unified format.
    fn sign(self) -> char {
        match self {
            LineOp::Context => ' ',
            LineOp::Delete => '-',
            LineOp::Insert => '+',
        }
    }
}

impl From<ChangeTag> for LineOp {
    fn from(tag: ChangeTag) -> LineOp {
        match tag {
            ChangeTag::Equal => LineOp::Context,
            ChangeTag::Delete => LineOp::Delete,
            ChangeTag::Insert => LineOp::Insert,
        }
    }
}

/// A run of text in a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Change {
    op: Op,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Equal,
    Delete,
    Insert,
}

impl From<ChangeTag> for Op {
    fn from(tag: ChangeTag) -> Op {
        match tag {
            ChangeTag::Equal => Op::Equal,
            ChangeTag::Delete => Op::Delete,
            ChangeTag::Insert => Op::Insert,
        }
    }
}

/// Consecutive changed lines of the line diff (0-based line ranges),
/// compared word by word.
#[derive(Debug)]
struct Block {
    old: Range<usize>,
    new: Range<usize>,
    changes: Vec<Change>,
}

/// The line diff in order: unchanged lines (a range of old lines) and
/// blocks of changed ones.
#[derive(Debug)]
enum Section {
    Same(Range<usize>),
    Changed(Block),
}

type LineDiff<'a> = TextDiff<'a, 'a, 'a, str>;

pub fn run(ctx: &Ctx, old: &str, new: &str, words: bool) -> Result<Exit> {
    let archive = ctx.open()?;
    let old_doc = catalog::find(archive.log(), old)?;
    let new_doc = catalog::find(archive.log(), new)?;
    let mut report = Report::new(&old_doc, &new_doc, words);
    // Identical bytes need no text: two copies of one image are identical.
    if report.same_bytes {
        return say_same(
            ctx,
            &report,
            &format!("identical: {old} and {new} are the same bytes"),
        );
    }
    let old_text = text_of(&old_doc)?;
    let new_text = text_of(&new_doc)?;
    // Text blobs are named by their hash, so equal names are equal texts.
    if old_text == new_text {
        report.same_text = true;
        return say_same(ctx, &report, "the bytes differ but the text is the same");
    }
    let a = read_text(archive.store(), &old_text)?;
    let b = read_text(archive.store(), &new_text)?;
    let deadline = Instant::now() + TIME_LIMIT;
    let diff = TextDiff::configure()
        .deadline(deadline)
        .diff_lines(a.as_str(), b.as_str());
    let mut out = ctx.out();
    if words {
        print_words(&mut out, ctx.json, report, &diff, deadline, (&old_doc, &new_doc))?;
    } else {
        print_lines(&mut out, ctx.json, report, &diff, (&old_doc, &new_doc))?;
    }
    out.finish()?;
    // As diff(1): 0 the same, 1 different, 2 trouble.
    Ok(Exit::Negative)
}

impl Report {
    fn new(old: &Document, new: &Document, words: bool) -> Report {
        let same = old.sha256 == new.sha256;
        Report {
            old: old.sha256,
            new: new.sha256,
            same_bytes: same,
            same_text: same,
            hunks: (!words).then(Vec::new),
            changes: words.then(Vec::new),
        }
    }
}

fn say_same(ctx: &Ctx, report: &Report, message: &str) -> Result<Exit> {
    let mut out = ctx.out();
    if ctx.json {
        out.json(report)?;
    } else {
        out.line(message)?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

/// The digest of a document's text blob, or why it has none.
fn text_of(doc: &Document) -> Result<Digest> {
    let reason = match doc.text() {
        Some(TextOutcome::Extracted { sha256, .. }) => return Ok(*sha256),
        Some(TextOutcome::None { reason }) => reason.clone(),
        None => "it has not been analysed".to_string(),
    };
    Err(Error::NoText {
        id: doc.sha256.to_hex(),
        reason,
    })
}

/// Reads a text blob whole, checking that it is what the analyser stored:
/// a diff of damaged evidence would mislead.
fn read_text(store: &dyn BlobStore, digest: &Digest) -> Result<String> {
    let place = store.describe(digest);
    let mut bytes = Vec::new();
    store
        .open(digest)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&place, "read", e))?;
    if Digest::of(&bytes) != *digest {
        return Err(Error::bad_archive(
            &place,
            "the text no longer hashes to its name: the blob is damaged; run `provenance verify`",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::bad_archive(
            &place,
            format!(
                "the text is not UTF-8 (invalid byte at offset {}); run `provenance verify`",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn print_header(out: &mut Out, (old, new): (&Document, &Document)) -> Result<()> {
    // A tab before the time, as diff -u writes it, so that patch tools
    // read the header.
    out.line(format!("--- {}\t{}", old.sha256, old.latest_capture().retrieved))?;
    out.line(format!("+++ {}\t{}", new.sha256, new.latest_capture().retrieved))
}

// ---- Line mode: the unified format. ----

fn print_lines(
    out: &mut Out,
    json: bool,
    mut report: Report,
    diff: &LineDiff<'_>,
    docs: (&Document, &Document),
) -> Result<()> {
    let hunks = hunks(diff);
    if json {
        report.hunks = Some(hunks);
        return out.json(&report);
    }
    print_header(out, docs)?;
    for hunk in &hunks {
        print_hunk(out, hunk)?;
    }
    Ok(())
}

fn hunks(diff: &LineDiff<'_>) -> Vec<Hunk> {
    diff.grouped_ops(CONTEXT_LINES)
        .iter()
        .filter(|ops| !ops.is_empty())
        .map(|ops| hunk(diff, ops))
        .collect()
}

fn hunk(diff: &LineDiff<'_>, ops: &[DiffOp]) -> Hunk {
    let old = span(ops.iter().map(DiffOp::old_range));
    let new = span(ops.iter().map(DiffOp::new_range));
    let lines = ops
        .iter()
        .flat_map(|op| diff.iter_changes(op))
        .map(|c| Line {
            op: c.tag().into(),
            text: c.value().strip_suffix('\n').unwrap_or(c.value()).to_string(),
            no_newline: c.missing_newline(),
        })
        .collect();
    Hunk {
        old_start: start_line(&old),
        old_lines: old.len(),
        new_start: start_line(&new),
        new_lines: new.len(),
        lines,
    }
}

/// The smallest range covering all of `ranges`.
fn span(mut ranges: impl Iterator<Item = Range<usize>>) -> Range<usize> {
    let first = ranges.next().unwrap_or(0..0);
    ranges.fold(first, |acc, r| acc.start.min(r.start)..acc.end.max(r.end))
}

/// The unified format's start: 1-based, or for an empty side the line
/// after which the change lies (0 at the very start).
fn start_line(lines: &Range<usize>) -> usize {
    if lines.is_empty() {
        lines.start
    } else {
        lines.start + 1
    }
}

fn print_hunk(out: &mut Out, hunk: &Hunk) -> Result<()> {
    out.line(format!(
        "@@ -{},{} +{},{} @@",
        hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines
    ))?;
    for line in &hunk.lines {
        out.line(format!("{}{}", line.op.sign(), line.text))?;
        if line.no_newline {
            out.line("\\ No newline at end of file")?;
        }
    }
    Ok(())
}

// ---- Word mode: wdiff's markers. ----

fn print_words(
    out: &mut Out,
    json: bool,
    mut report: Report,
    diff: &LineDiff<'_>,
    deadline: Instant,
    docs: (&Document, &Document),
) -> Result<()> {
    let sections = sections(diff, deadline);
    if json {
        report.changes = Some(flatten(diff, &sections));
        return out.json(&report);
    }
    print_header(out, docs)?;
    let blocks: Vec<&Block> = sections
        .iter()
        .filter_map(|s| match s {
            Section::Changed(b) => Some(b),
            Section::Same(_) => None,
        })
        .collect();
    for block in &blocks {
        print_block(out, block)?;
    }
    out.line("")?;
    out.line(summary(&blocks))
}

/// Compares word by word only the lines that the line diff found changed:
/// a word diff of the whole text would pair common words ("the", "and")
/// across unrelated paragraphs and scatter markers everywhere.
fn sections(diff: &LineDiff<'_>, deadline: Instant) -> Vec<Section> {
    let mut ranges: Vec<(DiffTag, Range<usize>, Range<usize>)> = Vec::new();
    for op in diff.ops() {
        let (tag, old, new) = op.as_tag_tuple();
        let changed = tag != DiffTag::Equal;
        match ranges.last_mut() {
            // A deletion next to an insertion is one changed passage.
            Some((last, o, n)) if changed && *last != DiffTag::Equal => {
                o.end = old.end;
                n.end = new.end;
            }
            _ => ranges.push((if changed { DiffTag::Replace } else { tag }, old, new)),
        }
    }
    ranges
        .into_iter()
        .map(|(tag, old, new)| match tag {
            DiffTag::Equal => Section::Same(old),
            _ => Section::Changed(block(diff, old, new, deadline)),
        })
        .collect()
}

fn block(diff: &LineDiff<'_>, old: Range<usize>, new: Range<usize>, deadline: Instant) -> Block {
    let a = diff.old_slices()[old.clone()].concat();
    let b = diff.new_slices()[new.clone()].concat();
    let words = TextDiff::configure()
        .deadline(deadline)
        .diff_unicode_words(a.as_str(), b.as_str());
    let mut changes = Vec::new();
    for c in words.iter_all_changes() {
        push(&mut changes, c.tag().into(), c.value());
    }
    Block {
        old,
        new,
        changes: tidy(changes),
    }
}

/// Appends text, joining it to the last run when that has the same op.
fn push(changes: &mut Vec<Change>, op: Op, text: &str) {
    if text.is_empty() {
        return;
    }
    match changes.last_mut() {
        Some(last) if last.op == op => last.text.push_str(text),
        _ => changes.push(Change {
            op,
            text: text.to_string(),
        }),
    }
}

/// Turns `[-a-] [-b-]{+c+} {+d+}` into `[-a b-]{+c d+}`: the spaces kept
/// between changed words break a rewritten phrase into pieces nobody can
/// read. Each run of changes, with the blanks inside it, becomes one
/// deletion followed by one insertion.
fn tidy(changes: Vec<Change>) -> Vec<Change> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        if changes[i].op == Op::Equal {
            push(&mut out, Op::Equal, &changes[i].text);
            i += 1;
            continue;
        }
        let (mut deleted, mut inserted) = (String::new(), String::new());
        while let Some(c) = changes.get(i) {
            let inside = changes.get(i + 1).is_some_and(|next| next.op != Op::Equal);
            match c.op {
                Op::Delete => deleted.push_str(&c.text),
                Op::Insert => inserted.push_str(&c.text),
                Op::Equal if inside && is_blank(&c.text) => {
                    deleted.push_str(&c.text);
                    inserted.push_str(&c.text);
                }
                Op::Equal => break,
            }
            i += 1;
        }
        push(&mut out, Op::Delete, &deleted);
        push(&mut out, Op::Insert, &inserted);
    }
    out
}

/// White space within one line: a newline is structure, kept visible.
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() && c != '\n')
}

/// The whole text as runs, for `--json`.
fn flatten(diff: &LineDiff<'_>, sections: &[Section]) -> Vec<Change> {
    let mut out = Vec::new();
    for section in sections {
        match section {
            Section::Same(old) => push(&mut out, Op::Equal, &diff.old_slices()[old.clone()].concat()),
            Section::Changed(block) => {
                for c in &block.changes {
                    push(&mut out, c.op, &c.text);
                }
            }
        }
    }
    out
}

fn print_block(out: &mut Out, block: &Block) -> Result<()> {
    out.line("")?;
    out.line(block_header(block))?;
    for line in display_lines(&block.changes) {
        let text = format_line(&line);
        out.line(if text.is_empty() {
            text
        } else {
            format!("  {text}")
        })?;
    }
    Ok(())
}

/// Where a passage is: `old line 12, new lines 12-13:`.
fn block_header(block: &Block) -> String {
    let lines = |r: &Range<usize>| match r.len() {
        1 => format!("line {}", r.start + 1),
        _ => format!("lines {}-{}", r.start + 1, r.end),
    };
    match (block.old.is_empty(), block.new.is_empty()) {
        (true, _) => format!("new {}, added:", lines(&block.new)),
        (_, true) => format!("old {}, removed:", lines(&block.old)),
        _ => format!("old {}, new {}:", lines(&block.old), lines(&block.new)),
    }
}

/// A block's changes cut into the lines they are printed on. A change
/// that is only a line break (paragraphs joined or split) shows as `¶`,
/// as it would otherwise be invisible.
fn display_lines(changes: &[Change]) -> Vec<Vec<Change>> {
    let mut lines: Vec<Vec<Change>> = vec![Vec::new()];
    for c in changes {
        let only_breaks = c.op != Op::Equal && c.text.trim().is_empty();
        for (i, piece) in c.text.split('\n').enumerate() {
            if i > 0 {
                if only_breaks {
                    push(current(&mut lines), c.op, "¶");
                }
                lines.push(Vec::new());
            }
            push(current(&mut lines), c.op, piece);
        }
    }
    // A block is whole lines: the newline ending its last one starts no
    // further line.
    if lines.len() > 1 && lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    lines
}

fn current(lines: &mut Vec<Vec<Change>>) -> &mut Vec<Change> {
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    let last = lines.len() - 1;
    &mut lines[last]
}

/// One printed line: changes marked `[-removed-]{+added+}`, unchanged
/// text next to them shortened to [`WORD_CONTEXT`] characters each side.
fn format_line(line: &[Change]) -> String {
    let mut s = String::new();
    for (i, c) in line.iter().enumerate() {
        match c.op {
            Op::Equal => s.push_str(&elide(&c.text, i > 0, i + 1 < line.len())),
            Op::Delete => s.push_str(&format!("[-{}-]", c.text)),
            Op::Insert => s.push_str(&format!("{{+{}+}}", c.text)),
        }
    }
    s
}

/// Unchanged text, keeping its start when a change precedes it and its end
/// when one follows; a line with no change at all is kept whole.
fn elide(text: &str, after_change: bool, before_change: bool) -> String {
    let keep = WORD_CONTEXT * (usize::from(after_change) + usize::from(before_change));
    // Eliding a few characters would save nothing and hide them.
    if keep == 0 || text.chars().count() <= keep + 2 * ELISION.len() {
        return text.to_string();
    }
    match (after_change, before_change) {
        (true, true) => format!("{} {ELISION} {}", head(text), tail(text)),
        (true, false) => format!("{} {ELISION}", head(text)),
        _ => format!("{ELISION} {}", tail(text)),
    }
}

/// The first [`WORD_CONTEXT`] characters, cut at a word boundary where
/// one is near.
fn head(text: &str) -> &str {
    let end = text
        .char_indices()
        .nth(WORD_CONTEXT)
        .map_or(text.len(), |(i, _)| i);
    let cut = &text[..end];
    match cut.rfind(char::is_whitespace) {
        Some(i) if i > cut.len() / 2 => cut[..i].trim_end(),
        _ => cut,
    }
}

/// The last [`WORD_CONTEXT`] characters, cut at a word boundary where one
/// is near.
fn tail(text: &str) -> &str {
    let skip = text.chars().count().saturating_sub(WORD_CONTEXT);
    let start = text.char_indices().nth(skip).map_or(0, |(i, _)| i);
    let cut = &text[start..];
    match cut.find(char::is_whitespace) {
        Some(i) if i < cut.len() / 2 => cut[i..].trim_start(),
        _ => cut,
    }
}

/// `2 passages changed: 3 words removed, 4 words added`.
fn summary(blocks: &[&Block]) -> String {
    let words = |op: Op| -> u64 {
        let n = blocks
            .iter()
            .flat_map(|b| &b.changes)
            .filter(|c| c.op == op)
            .map(|c| c.text.split_whitespace().count())
            .sum::<usize>();
        n as u64
    };
    format!(
        "{} changed: {} removed, {} added",
        count(blocks.len() as u64, "passage", "passages"),
        count(words(Op::Delete), "word", "words"),
        count(words(Op::Insert), "word", "words"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(op: Op, text: &str) -> Change {
        Change {
            op,
            text: text.to_string(),
        }
    }

    fn render(old: &str, new: &str) -> Vec<String> {
        let diff = TextDiff::from_lines(old, new);
        let deadline = Instant::now() + TIME_LIMIT;
        sections(&diff, deadline)
            .iter()
            .filter_map(|s| match s {
                Section::Changed(b) => Some(b),
                Section::Same(_) => None,
            })
            .flat_map(|b| {
                let mut v = vec![block_header(b)];
                v.extend(display_lines(&b.changes).iter().map(|l| format_line(l)));
                v
            })
            .collect()
    }

    #[test]
    fn a_changed_word_is_marked_inline_with_its_line_numbers() {
        let old = "Title\n\nThe talks had failed on Tuesday.\nEnd.\n";
        let new = "Title\n\nThe talks had stalled on Tuesday.\nEnd.\n";
        assert_eq!(
            render(old, new),
            [
                "old line 3, new line 3:",
                "The talks had [-failed-]{+stalled+} on Tuesday."
            ]
        );
    }

    #[test]
    fn a_rewritten_phrase_is_one_deletion_and_one_insertion() {
        let old = "He said the army was to blame.\n";
        let new = "He said rebels were to blame.\n";
        assert_eq!(
            render(old, new),
            [
                "old line 1, new line 1:",
                "He said [-the army was-]{+rebels were+} to blame."
            ]
        );
    }

    #[test]
    fn removed_and_added_paragraphs_say_so() {
        assert_eq!(
            render("a\nb\nc\n", "a\nc\nd\n"),
            ["old line 2, removed:", "[-b-]", "new line 3, added:", "{+d+}"]
        );
    }

    #[test]
    fn joined_paragraphs_show_the_lost_break() {
        assert_eq!(
            render("One.\nTwo.\n", "One. Two.\n"),
            ["old lines 1-2, new line 1:", "One.[-¶-]", "{+ +}Two."]
        );
    }

    #[test]
    fn long_unchanged_text_is_elided_near_changes() {
        let before = "word ".repeat(40);
        let after = " more".repeat(40);
        let line = [
            change(Op::Equal, &before),
            change(Op::Delete, "x"),
            change(Op::Insert, "y"),
            change(Op::Equal, &after),
        ];
        let s = format_line(&line);
        assert!(s.starts_with("[…] word"), "{s}");
        assert!(s.contains("word [-x-]{+y+} more"), "{s}");
        assert!(s.ends_with("more […]"), "{s}");
        assert!(s.chars().count() < 2 * WORD_CONTEXT + 30, "{s}");
    }

    #[test]
    fn elision_respects_multibyte_characters() {
        let text = "é".repeat(200);
        let s = elide(&text, true, true);
        assert!(s.contains(ELISION));
    }

    #[test]
    fn json_changes_spell_both_texts() {
        let old = "a\nThe talks had failed.\nz\n";
        let new = "a\nThe talks had stalled, officials said.\nz\n";
        let diff = TextDiff::from_lines(old, new);
        let changes = flatten(&diff, &sections(&diff, Instant::now() + TIME_LIMIT));
        let spell = |skip: Op| -> String {
            changes
                .iter()
                .filter(|c| c.op != skip)
                .map(|c| c.text.as_str())
                .collect()
        };
        assert_eq!(spell(Op::Insert), old);
        assert_eq!(spell(Op::Delete), new);
    }

    #[test]
    fn hunk_numbers_follow_the_unified_format() {
        let old: String = (1..=10).map(|i| format!("{i}\n")).collect();
        let new = old.replace("5\n", "five\n");
        let diff = TextDiff::from_lines(old.as_str(), new.as_str());
        let h = &hunks(&diff)[0];
        assert_eq!((h.old_start, h.old_lines, h.new_start, h.new_lines), (2, 7, 2, 7));
        let json = serde_json::to_string(&h.lines[3]).unwrap();
        assert_eq!(json, r#"{"op":"-","text":"5"}"#);
    }

    #[test]
    fn a_missing_final_newline_is_flagged() {
        let diff = TextDiff::from_lines("a\nb", "a\nc");
        let h = &hunks(&diff)[0];
        let last = h.lines.last().unwrap();
        assert_eq!(
            (last.op, last.text.as_str(), last.no_newline),
            (LineOp::Insert, "c", true)
        );
    }
}
