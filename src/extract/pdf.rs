//! PDF to text.
//!
//! The reader is the `pdf-extract` crate (0.12, on `lopdf` 0.42): pure Rust,
//! no system library, nothing fetched at run time, maintained, and it lays
//! text out from glyph positions (spaces from gaps, line breaks from
//! vertical moves), decoding fonts' encodings and ToUnicode maps, where
//! `lopdf`'s own `extract_text` only concatenates the strings shown and so
//! runs words together in justified or kerned text. Its price is that it
//! `unwrap`s freely: a malformed file makes it panic rather than fail.
//!
//! So nothing here trusts it:
//!
//! - Documents above [`MAX_BYTES`] are refused before parsing.
//! - The reader runs on a thread of its own with a large stack, under
//!   `catch_unwind`, and the caller waits at most [`DEADLINE`] for it. A
//!   panic becomes a reason; a reader still busy at the deadline is
//!   abandoned (it runs on, detached, until it finishes or the process
//!   exits: a thread cannot be killed) and the caller gets a reason.
//! - A stack overflow aborts the process, which `catch_unwind` cannot
//!   prevent, and `pdf-extract` recurses without a bound in two places: up a
//!   page's `/Parent` chain for inherited attributes, and into form XObjects
//!   (`Do`). Before reading, [`check_recursion`] walks both exactly as it
//!   would and refuses a document whose chains loop or nest too deep.
//! - The default panic hook would print the reader's panics on stderr. A
//!   panic hook is process-global, so it is not swapped per call: the first
//!   call installs, once, a hook that stays silent on the reader's own
//!   threads (a thread-local flag) and hands every other panic to the hook
//!   that was installed before it. The cost: a hook installed later by
//!   someone else replaces this one, and then the reader's panics are
//!   printed again (harmlessly); a panic on another thread during the
//!   instant of installation gets the default hook.
//!
//! All of this relies on unwinding: a profile with `panic = "abort"` would
//! turn a reader panic into the end of the process (no profile sets it).
//!
//! Known gaps: a decompression bomb (a small stream inflating to gigabytes)
//! is not bounded, as `lopdf` inflates streams whole; a page on which the
//! reader fails is left out if other pages gave text.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Once, mpsc};
use std::thread;
use std::time::Duration;

use pdf_extract::content::Content;
use pdf_extract::{
    ColorSpace, ConvertToFmt, Dictionary, Document, MediaBox, Object, OutputDev, OutputError, Path,
    PlainTextOutput, Stream, Transform,
};

/// The largest PDF read; a larger one is archived without text.
pub const MAX_BYTES: usize = 64 << 20;

/// How long a caller waits for the reader.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The reader thread's stack, generous (only what is used is mapped):
/// `lopdf`'s parsers allow 100 levels of nesting, and `pdf-extract`
/// recurses once per form XObject level, a few KiB each.
const STACK_BYTES: usize = 64 << 20;

/// The longest `/Parent` chain read; real page trees are a few levels deep.
const MAX_TREE_DEPTH: usize = 256;

/// The deepest nesting of form XObjects read; real documents rarely pass
/// ten, and [`STACK_BYTES`] holds thousands of levels even unoptimised.
const MAX_FORM_DEPTH: usize = 64;

/// The longest reason quoted from the reader (its errors and panic messages).
const MAX_REASON_CHARS: usize = 300;

/// The text of a PDF document, or why there is none. The text is the
/// pages' text in order, a blank line between pages, lines without
/// trailing white space, never two blank lines in a row, no control
/// characters but `\n` and `\t`, and a final newline. The reason starts
/// with "no text extracted: ".
pub fn text(bytes: &[u8]) -> Result<String, String> {
    text_within(bytes, DEADLINE)
}

fn text_within(bytes: &[u8], deadline: Duration) -> Result<String, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "no text extracted: the PDF is too large to read ({} bytes; the limit is {} MiB)",
            bytes.len(),
            MAX_BYTES >> 20
        ));
    }
    if bytes.is_empty() {
        return Err("no text extracted: not a readable PDF (the file is empty)".to_string());
    }
    install_quiet_hook();
    let owned = bytes.to_vec();
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name("provenance-pdf".to_string())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            QUIET.with(|quiet| quiet.set(true));
            let result = match panic::catch_unwind(|| read(&owned)) {
                Ok(result) => result,
                Err(payload) => Err(format!("not a readable PDF ({})", panic_message(&*payload))),
            };
            // The caller may have stopped waiting.
            let _ = sender.send(result);
        });
    if let Err(e) = spawned {
        return Err(format!("no text extracted: could not start the PDF reader ({e})"));
    }
    match receiver.recv_timeout(deadline) {
        Ok(result) => result.map_err(|reason| format!("no text extracted: {reason}")),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "no text extracted: the PDF took too long to read (gave up after {} s)",
            deadline.as_secs()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("no text extracted: the PDF reader stopped without an answer".to_string())
        }
    }
}

thread_local! {
    /// Set on the reader's threads: their panics are expected and reported
    /// as reasons, not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

fn install_quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    format!("the reader panicked: {}", one_line(message))
}

/// Runs on the reader's thread. The reason lacks the "no text extracted: "
/// prefix.
fn read(bytes: &[u8]) -> Result<String, String> {
    let doc = Document::load_mem(bytes).map_err(|e| match e {
        pdf_extract::Error::Decryption(_)
        | pdf_extract::Error::InvalidPassword
        | pdf_extract::Error::UnsupportedSecurityHandler(_) => {
            format!("the PDF is encrypted ({})", one_line(&e.to_string()))
        }
        e => unreadable(&e),
    })?;
    // `lopdf` decrypts with the empty user password by itself, which opens
    // documents restricted by an owner password only; it leaves the others
    // as they were.
    if doc.trailer.has(b"Encrypt") && !doc.was_encrypted() {
        return Err("the PDF is encrypted".to_string());
    }
    let count = doc.get_pages().len();
    if count == 0 {
        return Err("not a readable PDF (no pages found)".to_string());
    }
    check_recursion(&doc).map_err(|why| format!("not a readable PDF ({why})"))?;
    let (pages, failure) = read_pages(&doc, count);
    let text = normalise(&pages);
    if !text.is_empty() {
        return Ok(text);
    }
    match failure {
        Some(why) => Err(format!("not a readable PDF ({why})")),
        None => Err("the PDF has no text layer (scanned pages?)".to_string()),
    }
}

fn unreadable(e: &dyn fmt::Display) -> String {
    format!("not a readable PDF ({})", one_line(&e.to_string()))
}

/// One line of at most [`MAX_REASON_CHARS`] characters, for quoting.
fn one_line(s: &str) -> String {
    let mut out = String::new();
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > MAX_REASON_CHARS {
        out = out.chars().take(MAX_REASON_CHARS).collect();
        out.push('…');
    }
    out
}

/// The text of each page, in order, and why the first page that failed
/// did. All pages are read in one pass; if the reader fails on one, the
/// pages after it are read one at a time (each such call looks the page up
/// from the start of the page tree, so that is kept for the failing case).
fn read_pages(doc: &Document, count: usize) -> (Vec<String>, Option<String>) {
    let mut out = PageText::default();
    let (failed, why) = match attempt(&mut out, |out| pdf_extract::output_doc(doc, out)) {
        Ok(()) => return (out.pages, None),
        // The pages are numbered from 1, in order, and all before the
        // failing one are done.
        Err(why) => (out.pages.len() + 1, why),
    };
    let failure = format!("page {failed}: {why}");
    for number in failed + 1..=count {
        let page = u32::try_from(number).unwrap_or(u32::MAX);
        // The first failure is the one reported.
        let _ = attempt(&mut out, |out| pdf_extract::output_doc_page(doc, out, page));
    }
    (out.pages, Some(failure))
}

/// Runs the reader on `out`, turning an error or a panic into a reason and
/// dropping the text of the page it was on.
fn attempt(
    out: &mut PageText,
    run: impl FnOnce(&mut PageText) -> Result<(), OutputError>,
) -> Result<(), String> {
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(&mut *out)));
    let result = match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(one_line(&output_error(&e))),
        Err(payload) => Err(panic_message(&*payload)),
    };
    if result.is_err() {
        out.current = None;
    }
    result
}

fn output_error(e: &OutputError) -> String {
    match e {
        OutputError::FormatError(e) => e.to_string(),
        OutputError::IoError(e) => e.to_string(),
        OutputError::PdfError(e) => e.to_string(),
    }
}

/// `pdf-extract`'s plain text layout, page by page.
#[derive(Default)]
struct PageText {
    /// The text of the pages done.
    pages: Vec<String>,
    /// The page being read: the layout and the buffer it writes to.
    current: Option<(PlainTextOutput<Sink>, Sink)>,
}

impl PageText {
    fn page(&mut self) -> Result<&mut PlainTextOutput<Sink>, OutputError> {
        match &mut self.current {
            Some((layout, _)) => Ok(layout),
            None => Err(OutputError::FormatError(fmt::Error)),
        }
    }
}

impl OutputDev for PageText {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        let sink = Sink::default();
        let mut layout = PlainTextOutput::new(sink.clone());
        layout.begin_page(page_num, media_box, art_box)?;
        self.current = Some((layout, sink));
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.page()?.end_page()?;
        if let Some((_, sink)) = self.current.take() {
            self.pages.push(sink.0.take());
        }
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        self.page()?
            .output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.page()?.begin_word()
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        self.page()?.end_word()
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        self.page()?.end_line()
    }

    fn stroke(
        &mut self,
        ctm: &Transform,
        colorspace: &ColorSpace,
        color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        self.page()?.stroke(ctm, colorspace, color, path)
    }

    fn fill(
        &mut self,
        ctm: &Transform,
        colorspace: &ColorSpace,
        color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        self.page()?.fill(ctm, colorspace, color, path)
    }
}

/// A string that the layout writes to and [`PageText`] takes from.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<String>>);

impl fmt::Write for Sink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.borrow_mut().push_str(s);
        Ok(())
    }
}

impl ConvertToFmt for Sink {
    type Writer = Sink;

    fn convert(self) -> Sink {
        self
    }
}

/// Joins the pages' text with a blank line between pages, trims trailing
/// white space from every line, keeps at most one blank line in a row and
/// none at either end, drops control characters other than `\n` and `\t`
/// (CR, CR LF, VT, FF and NEL end lines), spells out the Latin ligatures
/// U+FB00 to U+FB06 (fonts map ligature glyphs to them: "ﬁnal" would not
/// match "final"), and ends with a newline unless empty.
fn normalise(pages: &[String]) -> String {
    let mut out = String::new();
    let mut blank = false;
    let mut line = String::new();
    let end_line = |line: &mut String, out: &mut String, blank: &mut bool| {
        let kept = line.trim_end();
        if kept.is_empty() {
            *blank = !out.is_empty();
        } else {
            if *blank {
                out.push('\n');
                *blank = false;
            }
            out.push_str(kept);
            out.push('\n');
        }
        line.clear();
    };
    for page in pages {
        if !out.is_empty() {
            blank = true;
        }
        let mut chars = page.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    chars.next_if_eq(&'\n');
                    end_line(&mut line, &mut out, &mut blank);
                }
                '\n' | '\u{b}' | '\u{c}' | '\u{85}' => end_line(&mut line, &mut out, &mut blank),
                '\t' => line.push(c),
                '\u{fb00}' => line.push_str("ff"),
                '\u{fb01}' => line.push_str("fi"),
                '\u{fb02}' => line.push_str("fl"),
                '\u{fb03}' => line.push_str("ffi"),
                '\u{fb04}' => line.push_str("ffl"),
                '\u{fb05}' | '\u{fb06}' => line.push_str("st"),
                c if c.is_control() => {}
                c => line.push(c),
            }
        }
        end_line(&mut line, &mut out, &mut blank);
    }
    out
}

/// Refuses a document on which `pdf-extract` would recurse without end or
/// too deep, by following the same references it would: from each page up
/// the `/Parent` chain for `/Resources` and `/MediaBox`, and down each
/// `Do` of a form XObject.
fn check_recursion(doc: &Document) -> Result<(), String> {
    let empty = Dictionary::new();
    let mut forms = Forms::default();
    for (number, id) in doc.get_pages() {
        let Ok(page) = doc.get_dictionary(id) else {
            continue;
        };
        let resources = inherited(doc, page, b"Resources", |o| o.as_dict().is_ok())
            .map_err(|why| format!("page {number}: {why}"))?;
        inherited(doc, page, b"MediaBox", |o| o.as_array().is_ok())
            .map_err(|why| format!("page {number}: {why}"))?;
        let resources = resources.and_then(|o| o.as_dict().ok()).unwrap_or(&empty);
        let Ok(content) = doc.get_page_content(id) else {
            continue;
        };
        forms
            .height(doc, &content, resources, 0)
            .map_err(|why| format!("page {number}: {why}"))?;
    }
    Ok(())
}

/// `pdf-extract`'s single dereference (the object a reference names), or
/// `None` where it would panic.
fn deref<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        _ => Some(object),
    }
}

/// The value of `key` on `dict` or the nearest `/Parent` that has one
/// `found` accepts, found as `pdf-extract`'s `get_inherited` does; an error
/// if the chain loops or is too long.
fn inherited<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    key: &[u8],
    found: impl Fn(&Object) -> bool,
) -> Result<Option<&'a Object>, String> {
    let mut dict = dict;
    let mut seen = HashSet::new();
    loop {
        if let Ok(value) = dict.get(key) {
            match deref(doc, value) {
                Some(value) if found(value) => return Ok(Some(value)),
                // Where pdf-extract would panic, it goes no further.
                None => return Ok(None),
                Some(_) => {}
            }
        }
        let Some(parent) = dict
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok()
        else {
            return Ok(None);
        };
        if !seen.insert(std::ptr::from_ref(parent)) {
            return Err("its page tree loops back on itself".to_string());
        }
        if seen.len() > MAX_TREE_DEPTH {
            return Err(format!("its page tree is more than {MAX_TREE_DEPTH} levels deep"));
        }
        dict = parent;
    }
}

/// A content stream or form XObject, with the resources it is read with,
/// by address.
type Key = (*const Stream, *const Dictionary);

/// The form XObjects reached so far: their nesting heights once known, and
/// those being walked.
#[derive(Default)]
struct Forms {
    heights: HashMap<Key, usize>,
    walking: HashSet<Key>,
}

impl Forms {
    /// How deep the forms that `content` draws with `resources` nest, at
    /// `depth` levels down: an error if that loops or passes [`MAX_FORM_DEPTH`].
    fn height<'a>(
        &mut self,
        doc: &'a Document,
        content: &[u8],
        resources: &'a Dictionary,
        depth: usize,
    ) -> Result<usize, String> {
        let Ok(content) = Content::decode(content) else {
            return Ok(0);
        };
        let mut height = 0;
        for operation in &content.operations {
            if operation.operator != "Do" {
                continue;
            }
            let Some((form, form_resources)) = form(doc, resources, operation.operands.first()) else {
                continue;
            };
            let key: Key = (std::ptr::from_ref(form), std::ptr::from_ref(form_resources));
            let below = match self.heights.get(&key) {
                Some(&known) => known,
                None => {
                    if !self.walking.insert(key) {
                        return Err("its form XObjects draw themselves".to_string());
                    }
                    if depth + 1 > MAX_FORM_DEPTH {
                        return Err(format!("its form XObjects nest more than {MAX_FORM_DEPTH} deep"));
                    }
                    let contents = match form.decompressed_content() {
                        Ok(contents) => contents,
                        Err(_) => form.content.clone(),
                    };
                    let below = self.height(doc, &contents, form_resources, depth + 1)?;
                    self.walking.remove(&key);
                    self.heights.insert(key, below);
                    below
                }
            };
            if depth + 1 + below > MAX_FORM_DEPTH {
                return Err(format!("its form XObjects nest more than {MAX_FORM_DEPTH} deep"));
            }
            height = height.max(1 + below);
        }
        Ok(height)
    }
}

/// The XObject that a `Do` with `operand` draws, and the resources
/// `pdf-extract` reads it with (its own, else the caller's).
fn form<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
    operand: Option<&Object>,
) -> Option<(&'a Stream, &'a Dictionary)> {
    let name = operand?.as_name().ok()?;
    let xobjects = deref(doc, resources.get(b"XObject").ok()?)?.as_dict().ok()?;
    let form = deref(doc, xobjects.get(name).ok()?)?.as_stream().ok()?;
    let own = form
        .dict
        .get(b"Resources")
        .ok()
        .and_then(|o| deref(doc, o))
        .and_then(|o| o.as_dict().ok());
    Some((form, own.unwrap_or(resources)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use pdf_extract::ObjectId;

    const PAGE1: &str = "According to the Washington Times, Senator John McCain said the plan would fail.";
    const PAGE2: &str = "The second page says that the committee will meet again on Tuesday.";

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/pdf/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn refused(bytes: &[u8]) -> String {
        match text(bytes) {
            Ok(text) => panic!("expected no text, got {text:?}"),
            Err(reason) => {
                assert!(reason.starts_with("no text extracted: "), "{reason}");
                reason
            }
        }
    }

    /// A deterministic xorshift64 generator.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Checks the promises about the text's shape.
    fn assert_normal(text: &str) {
        assert!(!text.is_empty());
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
        assert!(!text.starts_with('\n'), "{text:?}");
        assert!(!text.contains("\n\n\n"), "{text:?}");
        for line in text.lines() {
            assert_eq!(line, line.trim_end(), "{text:?}");
        }
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{text:?}"
        );
    }

    #[test]
    fn pages_come_in_order_with_a_blank_line_between() {
        let text = text(&fixture("text.pdf")).unwrap();
        assert_eq!(text, format!("{PAGE1}\n\n{PAGE2}\n"));
    }

    #[test]
    fn text_beyond_ascii_comes_through_the_fonts_unicode_map() {
        // The lines are 20 points apart in 11-point type: more than the
        // 1.5 line heights at which pdf-extract sees a paragraph break.
        let text = text(&fixture("unicode.pdf")).unwrap();
        assert_eq!(
            text,
            "Le Monde a écrit que la « réforme » échouerait, selon Zoë Müller.\n\n\
             The final “word”: Ελλάδα.\n"
        );
    }

    #[test]
    fn an_owner_password_alone_does_not_stop_reading() {
        let text = text(&fixture("encrypted-empty-password.pdf")).unwrap();
        assert_eq!(text, format!("{PAGE1}\n\n{PAGE2}\n"));
    }

    #[test]
    fn a_user_password_does() {
        assert_eq!(
            refused(&fixture("encrypted.pdf")),
            "no text extracted: the PDF is encrypted"
        );
    }

    #[test]
    fn a_drawing_has_no_text_layer() {
        assert_eq!(
            refused(&fixture("no-text.pdf")),
            "no text extracted: the PDF has no text layer (scanned pages?)"
        );
    }

    #[test]
    fn broken_input_is_refused_with_a_reason() {
        let whole = fixture("text.pdf");
        let reason = refused(&whole[..whole.len() / 2]);
        assert!(
            reason.starts_with("no text extracted: not a readable PDF ("),
            "{reason}"
        );
        assert_eq!(
            refused(b""),
            "no text extracted: not a readable PDF (the file is empty)"
        );
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let noise: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
        refused(&noise);
        let mut garbage = b"%PDF-1.7\n".to_vec();
        garbage.extend(&noise);
        refused(&garbage);
        refused(b"%PDF-1.7\n%%EOF\n");
    }

    #[test]
    fn a_pdf_above_the_limit_is_not_read() {
        let mut big = fixture("text.pdf");
        big.resize(MAX_BYTES + 1, b' ');
        let reason = refused(&big);
        assert!(reason.contains("too large"), "{reason}");
    }

    #[test]
    fn mutated_pdfs_never_panic_nor_hang() {
        let whole = fixture("text.pdf");
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let (mut read, mut refused) = (0, 0);
        for round in 0..2000 {
            let mut bytes = whole.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
            // Sometimes a byte of the digits, delimiters and keywords that
            // the structure hangs on.
            if rng.below(2) == 0 {
                let at = rng.below(bytes.len());
                bytes[at] = b"0123456789 /<>[]()R"[rng.below(19)];
            }
            match text_within(&bytes, Duration::from_secs(20)) {
                Ok(text) => {
                    assert_normal(&text);
                    read += 1;
                }
                Err(reason) => {
                    assert!(
                        reason.starts_with("no text extracted: "),
                        "round {round}: {reason}"
                    );
                    assert!(!reason.contains("too long"), "round {round}: {reason}");
                    refused += 1;
                }
            }
        }
        // Flips in the compressed content stream make most variants
        // unreadable; the rest must still be read.
        assert!(read > 100 && refused > 100, "{read} read, {refused} refused");
    }

    #[test]
    fn normalising_cleans_lines_and_joins_pages() {
        let pages = [
            "\n\n  Title \r\nbody\tline\u{0}\u{7}  \r\r\r\nend\u{c}".to_string(),
            String::new(),
            " \n".to_string(),
            "\u{85}next page\n\n\n".to_string(),
        ];
        assert_eq!(normalise(&pages), "  Title\nbody\tline\n\nend\n\nnext page\n");
        let ligatures = ["\u{fb00} \u{fb01} \u{fb02} \u{fb03} \u{fb04} \u{fb05} \u{fb06}".to_string()];
        assert_eq!(normalise(&ligatures), "ff fi fl ffi ffl st st\n");
        assert_eq!(normalise(&[String::new(), " \t\n".to_string()]), "");
    }

    /// A one-page document with `content`, made with `lopdf`: `extra` gets
    /// the page's ID, the page and the page tree's root, and may add objects.
    fn document(
        content: &[u8],
        extra: impl FnOnce(&mut Document, ObjectId, &mut Dictionary, &mut Dictionary),
    ) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let page_id = doc.new_object_id();
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content.to_vec()));
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", Object::Reference(pages_id));
        page.set("Contents", Object::Reference(content_id));
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Count", Object::Integer(1));
        extra(&mut doc, page_id, &mut page, &mut pages);
        doc.objects.insert(page_id, Object::Dictionary(page));
        pages.set("Kids", Object::Array(vec![Object::Reference(page_id)]));
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference(pages_id));
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", Object::Reference(catalog_id));
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    fn media_box() -> Object {
        Object::Array([0, 0, 612, 792].map(Object::Integer).to_vec())
    }

    #[test]
    fn a_hand_made_document_is_read() {
        // The checks below refuse documents like this one but for a loop.
        let bytes = document(
            b"BT /F1 12 Tf 72 700 Td (Plain words) Tj ET",
            |doc, _, page, _| {
                let resources = helvetica(doc);
                page.set("Resources", Object::Dictionary(resources));
                page.set("MediaBox", media_box());
            },
        );
        assert_eq!(text(&bytes).unwrap(), "Plain words\n");
    }

    #[test]
    fn a_page_tree_that_loops_is_refused() {
        // No MediaBox anywhere, and the page tree's root names the page as
        // its parent: pdf-extract would climb for ever.
        let bytes = document(b"", |_, page_id, _, pages| {
            pages.set("Parent", Object::Reference(page_id));
        });
        let reason = refused(&bytes);
        assert!(reason.contains("page tree loops"), "{reason}");
    }

    #[test]
    fn a_form_that_draws_itself_is_refused() {
        let bytes = document(b"/X0 Do", |doc, _, page, _| {
            let mut form = Dictionary::new();
            form.set("Type", Object::Name(b"XObject".to_vec()));
            form.set("Subtype", Object::Name(b"Form".to_vec()));
            // No resources of its own: it is read with the page's, in
            // which /X0 is itself.
            let form_id = doc.add_object(Stream::new(form, b"/X0 Do".to_vec()));
            let mut xobjects = Dictionary::new();
            xobjects.set("X0", Object::Reference(form_id));
            let mut resources = Dictionary::new();
            resources.set("XObject", Object::Dictionary(xobjects));
            page.set("Resources", Object::Dictionary(resources));
            page.set("MediaBox", media_box());
        });
        let reason = refused(&bytes);
        assert!(reason.contains("draw themselves"), "{reason}");
    }

    fn helvetica(doc: &mut Document) -> Dictionary {
        let mut font = Dictionary::new();
        font.set("Type", Object::Name(b"Font".to_vec()));
        font.set("Subtype", Object::Name(b"Type1".to_vec()));
        font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
        let font_id = doc.add_object(font);
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font_id));
        let mut resources = Dictionary::new();
        resources.set("Font", Object::Dictionary(fonts));
        resources
    }

    /// A page that draws form /X, which draws its /X, `depth` forms deep;
    /// the innermost shows "Deep".
    fn nested_forms(depth: usize) -> Vec<u8> {
        document(b"/X Do", |doc, _, page, _| {
            let mut resources = helvetica(doc);
            let mut content = b"BT /F1 12 Tf 72 700 Td (Deep) Tj ET".to_vec();
            for _ in 0..depth {
                let mut form = Dictionary::new();
                form.set("Type", Object::Name(b"XObject".to_vec()));
                form.set("Subtype", Object::Name(b"Form".to_vec()));
                form.set("Resources", Object::Dictionary(resources));
                let id = doc.add_object(Stream::new(form, content));
                let mut xobjects = Dictionary::new();
                xobjects.set("X", Object::Reference(id));
                resources = Dictionary::new();
                resources.set("XObject", Object::Dictionary(xobjects));
                content = b"/X Do".to_vec();
            }
            page.set("Resources", Object::Dictionary(resources));
            page.set("MediaBox", media_box());
        })
    }

    #[test]
    fn forms_nested_to_the_limit_are_read() {
        // The stack that the limit allows for holds, even unoptimised.
        assert_eq!(text(&nested_forms(MAX_FORM_DEPTH)).unwrap(), "Deep\n");
    }

    #[test]
    fn forms_nested_deeper_are_refused() {
        let reason = refused(&nested_forms(MAX_FORM_DEPTH + 1));
        assert!(reason.contains("nest more than"), "{reason}");
    }
}
