//! A page's tree: html5ever's WHATWG tokenizer (character references, raw
//! text states, attribute rules) under a small tree builder of our own.
//!
//! html5ever's own tree builder implements the whole standard, but its
//! scope checks walk the stack of open elements, so 100,000 nested `<div>`s
//! cost minutes; and a reader of articles needs none of foster parenting
//! or the adoption agency. This builder knows void elements, the implied
//! end tags that matter for text (`p`, `li`, `dd`/`dt`, table cells,
//! options, headings), raw text elements, and caps the depth as Chromium
//! does (at [`MAX_DEPTH`], further elements become siblings), so that every
//! step is bounded and parsing stays linear.
//!
//! The tree is an arena: nodes refer to each other by index, so dropping a
//! deep tree recurses nowhere and every walk is a loop.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{Attribute, LocalName};

/// Chromium's limit on the depth of the tree its HTML parser builds.
pub const MAX_DEPTH: usize = 512;

/// Index of a node in [`Dom::nodes`].
pub type NodeId = u32;
const NONE: NodeId = u32::MAX;
/// The document node, parent of everything.
pub const ROOT: NodeId = 0;

#[derive(Debug)]
pub struct Node {
    pub parent: NodeId,
    first_child: NodeId,
    last_child: NodeId,
    next_sibling: NodeId,
    pub data: Data,
}

#[derive(Debug)]
pub enum Data {
    Document,
    Element(Element),
    Text(StrTendril),
}

#[derive(Debug)]
pub struct Element {
    pub name: LocalName,
    pub attrs: Vec<Attribute>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| &*a.name.local == name)
            .map(|a| &*a.value)
    }
}

#[derive(Debug)]
pub struct Dom {
    pub nodes: Vec<Node>,
}

impl Dom {
    pub fn parse(html: &str) -> Dom {
        let tokenizer = Tokenizer::new(Builder::default(), TokenizerOpts::default());
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(html));
        let _ = tokenizer.feed(&input);
        tokenizer.end();
        tokenizer.sink.tree.into_inner().dom
    }

    pub fn element(&self, id: NodeId) -> Option<&Element> {
        match &self.nodes[id as usize].data {
            Data::Element(e) => Some(e),
            _ => None,
        }
    }

    /// The element's tag name, or "" for other nodes.
    pub fn name(&self, id: NodeId) -> &str {
        self.element(id).map_or("", |e| &e.name)
    }

    pub fn text(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id as usize].data {
            Data::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id as usize].parent;
        (p != NONE).then_some(p)
    }

    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            dom: self,
            next: self.nodes[id as usize].first_child,
        }
    }

    /// `id` and everything under it, in document order.
    pub fn descendants(&self, id: NodeId) -> Descendants<'_> {
        Descendants {
            dom: self,
            root: id,
            next: Some(id),
        }
    }

    /// The node after `id` in document order that is not inside `id`, but
    /// within `root`.
    pub fn next_outside(&self, id: NodeId, root: NodeId) -> Option<NodeId> {
        let mut at = id;
        loop {
            if at == root {
                return None;
            }
            let node = &self.nodes[at as usize];
            if node.next_sibling != NONE {
                return Some(node.next_sibling);
            }
            at = node.parent;
            if at == NONE {
                return None;
            }
        }
    }

    /// All the text under `id`, as written (whitespace included).
    pub fn text_content(&self, id: NodeId) -> String {
        let mut out = String::new();
        for n in self.descendants(id) {
            if let Some(t) = self.text(n) {
                out.push_str(t);
            }
        }
        out
    }

    /// The text under `id`, whitespace collapsed, or `None` once it
    /// passes `max` bytes: cheap on large subtrees.
    pub fn short_text(&self, id: NodeId, max: usize) -> Option<String> {
        let mut out = String::new();
        for n in self.descendants(id) {
            if let Some(t) = self.text(n) {
                for word in t.split_whitespace() {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(word);
                }
                if out.len() > max {
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Elements named `name` in document order.
    pub fn elements_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = NodeId> + 'a {
        self.descendants(ROOT).filter(move |&n| self.name(n) == name)
    }

    fn push(&mut self, parent: NodeId, data: Data) -> NodeId {
        let id = NodeId::try_from(self.nodes.len()).unwrap_or(NONE);
        if id == NONE {
            // Four billion nodes do not fit in memory; never reached.
            return NONE;
        }
        self.nodes.push(Node {
            parent,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            data,
        });
        let p = &mut self.nodes[parent as usize];
        let last = p.last_child;
        p.last_child = id;
        if last == NONE {
            p.first_child = id;
        } else {
            self.nodes[last as usize].next_sibling = id;
        }
        id
    }
}

pub struct Children<'a> {
    dom: &'a Dom,
    next: NodeId,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        (self.next != NONE).then(|| {
            let id = self.next;
            self.next = self.dom.nodes[id as usize].next_sibling;
            id
        })
    }
}

pub struct Descendants<'a> {
    dom: &'a Dom,
    root: NodeId,
    next: Option<NodeId>,
}

impl Descendants<'_> {
    /// Skips what is under the node last returned.
    pub fn skip_children(&mut self, of: NodeId) {
        self.next = self.dom.next_outside(of, self.root);
    }
}

impl Iterator for Descendants<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        let id = self.next?;
        let first = self.dom.nodes[id as usize].first_child;
        self.next = if first != NONE {
            Some(first)
        } else {
            self.dom.next_outside(id, self.root)
        };
        Some(id)
    }
}

/// Character references decoded as the tokenizer decodes them in text
/// (`&amp;`, `&#039;`, `&rsquo;`): for values that reach us still escaped,
/// like strings inside JSON-LD, which HTML leaves as raw text.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    struct Collect(RefCell<String>);
    impl TokenSink for Collect {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::CharacterTokens(t) = token {
                self.0.borrow_mut().push_str(&t);
            }
            TokenSinkResult::Continue
        }
    }
    let opts = TokenizerOpts {
        initial_state: Some(html5ever::tokenizer::states::State::RawData(RawKind::Rcdata)),
        ..TokenizerOpts::default()
    };
    let tokenizer = Tokenizer::new(Collect(RefCell::new(String::new())), opts);
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(s));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.into_inner()
}

/// Elements that never have content.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "frame"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Start tags that close an open `p` (the standard's list).
fn closes_p(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "center"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "ul"
            | "li"
            | "dd"
            | "dt"
            | "listing"
            | "xmp"
    )
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Where a search of the open elements for an implied end stops.
fn is_scope_boundary(name: &str) -> bool {
    matches!(
        name,
        "html" | "table" | "td" | "th" | "caption" | "template" | "object" | "applet" | "marquee" | "button"
    )
}

/// Raw text: the tokenizer must not look for tags inside.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "textarea" | "title" => Some(RawKind::Rcdata),
        _ => None,
    }
}

struct Builder {
    tree: RefCell<Tree>,
}

impl Default for Builder {
    fn default() -> Builder {
        let dom = Dom {
            nodes: vec![Node {
                parent: NONE,
                first_child: NONE,
                last_child: NONE,
                next_sibling: NONE,
                data: Data::Document,
            }],
        };
        Builder {
            tree: RefCell::new(Tree {
                dom,
                open: vec![ROOT],
                keep_text: true,
                foreign: 0,
                seen: [false; 3],
            }),
        }
    }
}

struct Tree {
    dom: Dom,
    /// The stack of open elements, the document at the bottom.
    open: Vec<NodeId>,
    /// False inside a script or style whose text no reader needs.
    keep_text: bool,
    /// Open `svg` and `math` elements, where `<x/>` closes itself.
    foreign: usize,
    /// Whether `html`, `head`, `body` were opened: a second one is ignored.
    seen: [bool; 3],
}

impl Tree {
    fn current(&self) -> NodeId {
        self.open.last().copied().unwrap_or(ROOT)
    }

    /// Index in `open` of the innermost element named as `want` says,
    /// searching no further than `stop` says.
    fn find_open(&self, want: impl Fn(&str) -> bool, stop: impl Fn(&str) -> bool) -> Option<usize> {
        for (i, &id) in self.open.iter().enumerate().rev().take(MAX_DEPTH + 1) {
            let name = self.dom.name(id);
            if want(name) {
                return Some(i);
            }
            if stop(name) {
                return None;
            }
        }
        None
    }

    fn close_to(&mut self, index: usize) {
        for &id in &self.open[index..] {
            let name = self.dom.name(id);
            if name == "svg" || name == "math" {
                self.foreign = self.foreign.saturating_sub(1);
            }
        }
        self.open.truncate(index.max(1));
    }

    fn implied_ends(&mut self, name: &str) {
        if closes_p(name)
            && let Some(i) = self.find_open(|n| n == "p", is_scope_boundary)
        {
            self.close_to(i);
        }
        let found = match name {
            "li" => self.find_open(|n| n == "li", |n| is_scope_boundary(n) || n == "ul" || n == "ol"),
            "dd" | "dt" => self.find_open(|n| n == "dd" || n == "dt", |n| is_scope_boundary(n) || n == "dl"),
            "tr" => self.find_open(|n| n == "tr", |n| n == "table" || n == "html"),
            "td" | "th" => self.find_open(|n| n == "td" || n == "th", |n| n == "tr" || n == "table"),
            "option" => self.find_open(|n| n == "option", |n| n == "select" || n == "html"),
            _ if is_heading(name) => self.find_open(is_heading, |_| true),
            _ => None,
        };
        if let Some(i) = found {
            self.close_to(i);
        }
    }

    fn start(&mut self, tag: Tag) -> TokenSinkResult<()> {
        let name = tag.name.clone();
        if let Some(i) = ["html", "head", "body"].iter().position(|n| *n == &*name) {
            if self.seen[i] {
                return TokenSinkResult::Continue;
            }
            self.seen[i] = true;
        }
        if self.foreign == 0 {
            self.implied_ends(&name);
        }
        let raw = raw_kind(&name);
        let keep = match &*name {
            "script" => tag
                .attrs
                .iter()
                .any(|a| &*a.name.local == "type" && a.value.to_ascii_lowercase().contains("ld+json")),
            "style" => false,
            _ => true,
        };
        let parent = self.current();
        let id = self.dom.push(
            parent,
            Data::Element(Element {
                name: name.clone(),
                attrs: tag.attrs,
            }),
        );
        let empty = is_void(&name) || (tag.self_closing && self.foreign > 0);
        if empty || self.open.len() > MAX_DEPTH || id == NONE {
            return TokenSinkResult::Continue;
        }
        self.open.push(id);
        if name == *"svg" || name == *"math" {
            self.foreign += 1;
        }
        match raw {
            Some(kind) if self.foreign == 0 => {
                self.keep_text = keep;
                TokenSinkResult::RawData(kind)
            }
            _ if name == *"plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    fn end(&mut self, tag: &Tag) {
        self.keep_text = true;
        if &*tag.name == "br" {
            let parent = self.current();
            self.dom.push(
                parent,
                Data::Element(Element {
                    name: tag.name.clone(),
                    attrs: Vec::new(),
                }),
            );
            return;
        }
        if let Some(i) = self.find_open(|n| n == &*tag.name, |_| false) {
            self.close_to(i);
        }
    }

    fn characters(&mut self, text: StrTendril) {
        if !self.keep_text {
            return;
        }
        let parent = self.current();
        let last = self.dom.nodes[parent as usize].last_child;
        if last != NONE
            && let Data::Text(t) = &mut self.dom.nodes[last as usize].data
        {
            t.push_tendril(&text);
            return;
        }
        self.dom.push(parent, Data::Text(text));
    }
}

impl TokenSink for Builder {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut tree = self.tree.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return tree.start(tag),
                TagKind::EndTag => tree.end(&tag),
            },
            Token::CharacterTokens(text) => tree.characters(text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(dom: &Dom, id: NodeId) -> String {
        let mut out = String::new();
        for c in dom.children(id) {
            match &dom.nodes[c as usize].data {
                Data::Element(e) => {
                    out.push_str(&format!("<{}>", e.name));
                    out.push_str(&shape(dom, c));
                    out.push_str(&format!("</{}>", e.name));
                }
                Data::Text(t) => out.push_str(t),
                Data::Document => {}
            }
        }
        out
    }

    fn body(html: &str) -> String {
        let dom = Dom::parse(html);
        let body = dom.elements_named("body").next().unwrap_or(ROOT);
        shape(&dom, body)
    }

    #[test]
    fn implied_end_tags_close_paragraphs_and_items() {
        assert_eq!(body("<body><p>a<p>b<div>c</div>"), "<p>a</p><p>b</p><div>c</div>");
        assert_eq!(body("<body><ul><li>a<li>b</ul>"), "<ul><li>a</li><li>b</li></ul>");
        assert_eq!(
            body("<body><ul><li>a<ul><li>b</ul>c</ul>"),
            "<ul><li>a<ul><li>b</li></ul>c</li></ul>"
        );
        assert_eq!(body("<body><p>a<br>b</br>c"), "<p>a<br></br>b<br></br>c</p>");
    }

    #[test]
    fn raw_text_is_not_markup_and_scripts_are_dropped() {
        let dom = Dom::parse("<title>a <b> &amp; c</title><script>x = '<p>';</script><style>p{}</style>");
        let title = dom.elements_named("title").next().unwrap();
        assert_eq!(dom.text_content(title), "a <b> & c");
        assert_eq!(dom.elements_named("p").count(), 0);
        let script = dom.elements_named("script").next().unwrap();
        assert_eq!(dom.text_content(script), "");
        let dom = Dom::parse(r#"<script type="application/ld+json">{"a":"<p>"}</script>"#);
        let script = dom.elements_named("script").next().unwrap();
        assert_eq!(dom.text_content(script), r#"{"a":"<p>"}"#);
    }

    #[test]
    fn depth_is_capped_and_deep_trees_drop_without_recursion() {
        let html = "<div>x".repeat(100_000);
        let dom = Dom::parse(&html);
        let mut depth = 0;
        let mut at = dom.nodes.len() as NodeId - 1;
        while let Some(p) = dom.parent(at) {
            depth += 1;
            at = p;
        }
        assert!(depth <= MAX_DEPTH + 2, "depth {depth}");
        assert_eq!(dom.text_content(ROOT).len(), 100_000);
    }

    #[test]
    fn references_are_decoded_and_markup_is_text() {
        assert_eq!(
            unescape("Lindsey O&#039;Donnell &amp; A&rsquo;B <i>x</i>"),
            "Lindsey O'Donnell & A’B <i>x</i>"
        );
        assert_eq!(unescape("plain"), "plain");
    }

    #[test]
    fn stray_end_tags_are_ignored() {
        assert_eq!(body("<body></div></p>a<b>b</i>c</b>d"), "a<b>bc</b>d");
    }
}
