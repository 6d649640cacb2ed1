//! The article text of a page: what a reader came for, without menus,
//! share bars, newsletter boxes, related stories, captions and comments.
//!
//! Three passes over the tree, each a loop over the arena:
//! 1. prune: elements that are never article text (scripts, navigation,
//!    forms, figures) and elements whose class, id, role or visibility
//!    mark them as page furniture, unless they hold most of the page's
//!    paragraph text (a site that calls its article `header-wrapper`);
//! 2. choose: readability's scoring (each paragraph gives points to its
//!    parent and grandparent, weighted by commas, length and the class
//!    names around it, discounted by link density), the best container,
//!    and its siblings that score close to it;
//! 3. render: the text of what was chosen, a block per paragraph, heading
//!    or list item, blank lines between blocks, blocks that are mostly
//!    links or stock phrases left out.

use super::dom::{Data, Dom, NodeId, ROOT};

/// Elements that are never article text.
fn never_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "video"
            | "audio"
            | "button"
            | "select"
            | "input"
            | "textarea"
            | "head"
            | "title"
            | "img"
            | "picture"
            | "figure"
            | "figcaption"
            | "dialog"
            | "label"
            | "h1"
    )
}

/// Elements that are page furniture unless they hold the article.
fn furniture(name: &str) -> bool {
    matches!(name, "nav" | "aside" | "footer" | "header" | "form" | "menu")
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "main"
            | "blockquote"
            | "pre"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "hr"
            | "address"
            | "center"
            | "details"
            | "summary"
            | "body"
            | "html"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "form"
            | "fieldset"
            | "hgroup"
            | "figure"
    )
}

/// Substrings of class and id that mark furniture (readability's
/// "unlikely candidates" with what news sites added since).
const UNLIKELY: &[&str] = &[
    "-ad-",
    "ad-break",
    "adbox",
    "advert",
    "agegate",
    "ai2html",
    "author-bio",
    "authorbio",
    "banner",
    "breadcrumb",
    "byline",
    "caption",
    "combx",
    "comment",
    "community",
    "consent",
    "cookie",
    "cover-wrap",
    "credit",
    "disqus",
    "dfp",
    "factbox",
    "footer",
    "gdpr",
    "header",
    "legends",
    "masthead",
    "menu",
    "more-stories",
    "most-popular",
    "most-read",
    "newsletter",
    "outbrain",
    "pagination",
    "pager",
    "popup",
    "promo",
    "recirc",
    "recommend",
    "related",
    "remark",
    "replies",
    "rss",
    "share",
    "sharing",
    "shoutbox",
    "sidebar",
    "signup",
    "skyscraper",
    "social",
    "sponsor",
    "subscribe",
    "supplemental",
    "taboola",
    "toolbar",
    "trending",
    "visually-hidden",
    "sr-only",
    "screen-reader",
    "yom-remote",
    "read-more",
    "readmore",
    "keep-reading",
    "next-post",
    "nextstory",
    "next-story",
    "tags",
    "topics",
    "inline-video",
    "video-",
    "print-",
    "timestamp",
    "author-info",
    "contributor",
    "meta-",
    "jp-relatedposts",
    "linkstack",
];

/// Class and id words that mark an ad by themselves.
const UNLIKELY_WORDS: &[&str] = &[
    "ad",
    "ads",
    "adv",
    "advertisement",
    "hidden",
    "hide",
    "nav",
    "promo",
    "bio",
];

/// Substrings that mark the article itself, which overrule [`UNLIKELY`].
const ARTICLE: &[&str] = &[
    "articlebody",
    "article-body",
    "article__body",
    "article-content",
    "article__content",
    "story-body",
    "storybody",
    "story-content",
    "entry-content",
    "post-content",
    "post-body",
    "main-content",
    "body-text",
    "article-text",
    "content-body",
    "rich-text",
    "paywall",
];

const POSITIVE: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog",
    "story",
];
const NEGATIVE: &[&str] = &[
    "-ad-",
    "hidden",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "foot",
    "gdpr",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "tool",
    "widget",
    "caption",
];

/// Short blocks that are page furniture wherever they stand.
const STOCK: &[&str] = &[
    "advertisement",
    "read more",
    "read next",
    "related:",
    "related coverage",
    "related stories",
    "related articles",
    "share this",
    "share on",
    "sign up",
    "subscribe",
    "click here",
    "follow us",
    "all rights reserved",
    "copyright",
    "©",
    "story continues below",
    "continue reading",
    "recommended",
    "min read",
    "skip to",
    "image:",
    "photo:",
    "getty images",
    "you may also like",
    "most popular",
    "newsletter",
    "the latest on",
];

/// Text measures of a subtree.
#[derive(Clone, Copy, Default)]
struct Stats {
    /// Characters of text, whitespace runs counted once.
    text: u32,
    /// Of which inside links.
    link: u32,
    /// Of which inside paragraphs (`p`, `pre`, `blockquote`).
    para: u32,
}

/// The article text of a parsed page; empty when the page has none.
/// `leads` are the page's descriptions: when a paragraph before the
/// article says exactly one of them, it is the standfirst, and the text
/// begins with it.
pub fn article_text(dom: &Dom, leads: &[String]) -> String {
    let n = dom.nodes.len();
    let mut removed = vec![false; n];
    let raw = stats(dom, &removed);
    prune(dom, &raw, &mut removed);
    let stats = stats(dom, &removed);
    // A page too short to score (a notice, a stub) is its whole body,
    // furniture pruned.
    let body = dom.elements_named("body").next().unwrap_or(ROOT);
    let top = choose(dom, &stats, &removed).unwrap_or_else(|| vec![body]);
    let mut out = Renderer::new(dom, &stats, &removed);
    if let Some(standfirst) = leads.iter().find_map(|l| standfirst(dom, top[0], l)) {
        // Pruned or not (it often sits in the header), it is the text's start.
        out.push_block(collapse(&dom.text_content(standfirst)));
    }
    for root in top {
        out.render(root);
    }
    out.finish()
}

/// A paragraph before `first` whose text is the description.
fn standfirst(dom: &Dom, first: NodeId, lead: &str) -> Option<NodeId> {
    let lead = collapse(lead);
    if lead.len() < 40 {
        return None;
    }
    (1..first).rev().take(2000).find(|&id| {
        matches!(dom.name(id), "p" | "h2")
            && !is_within(dom, first, id)
            && collapse(&dom.text_content(id)) == lead
    })
}

fn visible_len(text: &str) -> u32 {
    let mut len = 0u32;
    let mut space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !space {
                len += 1;
            }
            space = true;
        } else {
            len += 1;
            space = false;
        }
    }
    len
}

/// Measures every subtree: nodes come in document order, so children
/// follow their parents and one backward pass sums them up.
fn stats(dom: &Dom, removed: &[bool]) -> Vec<Stats> {
    let mut s = vec![Stats::default(); dom.nodes.len()];
    for id in (1..dom.nodes.len()).rev() {
        if removed[id] {
            continue;
        }
        if let Data::Text(t) = &dom.nodes[id].data {
            s[id].text = visible_len(t);
        }
        match dom.name(id as NodeId) {
            "a" => s[id].link = s[id].text,
            "p" | "pre" | "blockquote" => s[id].para = s[id].text,
            _ => {}
        }
        let here = s[id];
        if let Some(p) = dom.parent(id as NodeId) {
            let p = &mut s[p as usize];
            p.text += here.text;
            p.link += here.link;
            p.para += here.para;
        }
    }
    s
}

fn class_and_id(dom: &Dom, id: NodeId) -> String {
    let Some(e) = dom.element(id) else {
        return String::new();
    };
    let mut s = String::new();
    for key in ["class", "id"] {
        if let Some(v) = e.attr(key) {
            s.push_str(&v.to_ascii_lowercase());
            s.push(' ');
        }
    }
    s
}

fn hidden(dom: &Dom, id: NodeId) -> bool {
    let Some(e) = dom.element(id) else {
        return false;
    };
    if e.attr("hidden").is_some() || e.attr("aria-hidden") == Some("true") {
        return true;
    }
    if let Some(style) = e.attr("style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if style.contains("display:none") || style.contains("visibility:hidden") {
            return true;
        }
    }
    matches!(
        e.attr("role"),
        Some(
            "navigation"
                | "banner"
                | "contentinfo"
                | "complementary"
                | "dialog"
                | "alertdialog"
                | "menu"
                | "menubar"
                | "search"
        )
    )
}

fn unlikely(names: &str) -> bool {
    if names.is_empty() || ARTICLE.iter().any(|a| names.contains(a)) {
        return false;
    }
    UNLIKELY.iter().any(|u| names.contains(u))
        || names
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| UNLIKELY_WORDS.contains(&w))
}

fn prune(dom: &Dom, raw: &[Stats], removed: &mut [bool]) {
    let total = raw[ROOT as usize].para.max(1);
    let mut walk = dom.descendants(ROOT);
    while let Some(id) = walk.next() {
        let Some(e) = dom.element(id) else { continue };
        let name: &str = &e.name;
        if matches!(name, "html" | "body") {
            continue;
        }
        let holds_article = raw[id as usize].para * 2 > total;
        let remove = never_text(name)
            || (!holds_article && (furniture(name) || hidden(dom, id) || unlikely(&class_and_id(dom, id))));
        if remove {
            removed[id as usize] = true;
            for d in dom.descendants(id) {
                removed[d as usize] = true;
            }
            walk.skip_children(id);
        }
    }
}

/// Readability's weight of a class and id: article-like names raise a
/// container, furniture-like names lower it.
fn class_weight(dom: &Dom, id: NodeId) -> f64 {
    let Some(e) = dom.element(id) else { return 0.0 };
    let mut w = 0.0;
    for key in ["class", "id"] {
        if let Some(v) = e.attr(key) {
            let v = v.to_ascii_lowercase();
            if NEGATIVE.iter().any(|n| v.contains(n)) {
                w -= 25.0;
            }
            if POSITIVE.iter().any(|p| v.contains(p)) {
                w += 25.0;
            }
            if ARTICLE.iter().any(|a| v.contains(a)) {
                w += 25.0;
            }
        }
    }
    if e.attr("itemprop") == Some("articleBody") {
        w += 50.0;
    }
    w
}

fn tag_weight(name: &str) -> f64 {
    match name {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

/// The text a node holds directly or through inline elements, as one
/// paragraph would show it, with its comma count.
fn inline_text(dom: &Dom, id: NodeId, removed: &[bool]) -> (u32, u32) {
    let mut len = 0;
    let mut commas = 0;
    let mut walk = dom.descendants(id);
    walk.next();
    while let Some(n) = walk.next() {
        if removed[n as usize] {
            walk.skip_children(n);
            continue;
        }
        if let Some(t) = dom.text(n) {
            len += visible_len(t);
            commas += t.matches(',').count() as u32;
        } else if is_block(dom.name(n)) {
            walk.skip_children(n);
        }
    }
    (len, commas)
}

/// The containers to render, in document order.
fn choose(dom: &Dom, stats: &[Stats], removed: &[bool]) -> Option<Vec<NodeId>> {
    let n = dom.nodes.len();
    let mut score: Vec<Option<f64>> = vec![None; n];
    let init = |id: NodeId, score: &mut Vec<Option<f64>>| {
        *score[id as usize].get_or_insert_with(|| tag_weight(dom.name(id)) + class_weight(dom, id))
    };
    for id in 1..n as NodeId {
        if removed[id as usize]
            || !matches!(
                dom.name(id),
                "p" | "pre" | "td" | "div" | "section" | "li" | "blockquote"
            )
        {
            continue;
        }
        let (len, commas) = inline_text(dom, id, removed);
        if len < 25 {
            continue;
        }
        let points = 1.0 + f64::from(commas) + f64::from((len / 100).min(3));
        let mut at = id;
        for level in 0..5 {
            let Some(parent) = dom.parent(at) else { break };
            if parent == ROOT {
                break;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => f64::from(l) * 3.0,
            };
            init(parent, &mut score);
            if let Some(s) = score[parent as usize].as_mut() {
                *s += points / divider;
            }
            at = parent;
        }
    }
    let density = |id: NodeId| {
        let s = stats[id as usize];
        if s.text == 0 {
            1.0
        } else {
            f64::from(s.link) / f64::from(s.text)
        }
    };
    let final_score = |id: NodeId| score[id as usize].map(|s| s * (1.0 - density(id)));
    let (mut top_id, top_score) = (1..n as NodeId)
        .filter_map(|id| final_score(id).map(|s| (id, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    // The best container may be one of several holding the article (an
    // entry of a live blog, a block between two ads): climb while it holds
    // less than half of the page's paragraph text, or while the parent
    // holds much more and scores nearly as well.
    while let Some(parent) = dom.parent(top_id) {
        if parent == ROOT || matches!(dom.name(parent), "body" | "html") {
            break;
        }
        let ps = final_score(parent).unwrap_or(0.0);
        let more_text = stats[parent as usize].para > stats[top_id as usize].para * 3 / 2;
        let minor = stats[top_id as usize].para * 2 < stats[ROOT as usize].para;
        if (more_text && ps >= top_score * 0.5 || minor) && density(parent) < 0.3 {
            top_id = parent;
        } else {
            break;
        }
    }
    let threshold = (top_score * 0.2).max(10.0);
    let Some(parent) = dom.parent(top_id) else {
        return Some(vec![top_id]);
    };
    let mut chosen = Vec::new();
    for sib in dom.children(parent) {
        if removed[sib as usize] {
            continue;
        }
        let keep = sib == top_id
            || final_score(sib).is_some_and(|s| s >= threshold)
            || (dom.name(sib) == "p" && {
                let s = stats[sib as usize];
                let d = density(sib);
                (s.text > 80 && d < 0.25) || (s.text > 0 && d == 0.0 && ends_sentence(dom, sib))
            });
        if keep {
            chosen.push(sib);
        }
    }
    chosen.extend(same_kind(dom, stats, removed, top_id));
    chosen.sort_unstable();
    chosen.dedup();
    Some(outermost(dom, chosen))
}

/// Drops the nodes inside others of `sorted` (document order): a subtree
/// is a contiguous run of ids.
fn outermost(dom: &Dom, sorted: Vec<NodeId>) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut end = 0;
    for id in sorted {
        if id < end {
            continue;
        }
        end = dom.next_outside(id, ROOT).unwrap_or(NodeId::MAX);
        out.push(id);
    }
    out
}

/// Sites cut an article into chunks between ads, each a container like
/// the best one (`div.article__body` four times): the chunks elsewhere in
/// the page that share its tag and class.
fn same_kind(dom: &Dom, stats: &[Stats], removed: &[bool], top: NodeId) -> Vec<NodeId> {
    let Some(class) = dom
        .element(top)
        .and_then(|e| e.attr("class"))
        .filter(|c| !c.trim().is_empty())
    else {
        return Vec::new();
    };
    let name = dom.name(top);
    (1..dom.nodes.len() as NodeId)
        .filter(|&id| {
            !removed[id as usize]
                && stats[id as usize].para > 0
                && dom.name(id) == name
                && dom.element(id).and_then(|e| e.attr("class")) == Some(class)
        })
        .collect()
}

fn is_within(dom: &Dom, id: NodeId, ancestor: NodeId) -> bool {
    let mut at = id;
    while let Some(p) = dom.parent(at) {
        if p == ancestor {
            return true;
        }
        at = p;
    }
    false
}

fn ends_sentence(dom: &Dom, id: NodeId) -> bool {
    let t = dom.text_content(id);
    let t = t.trim_end();
    t.ends_with('.') || t.ends_with('"') || t.ends_with('”')
}

struct Renderer<'a> {
    dom: &'a Dom,
    stats: &'a [Stats],
    removed: &'a [bool],
    /// The text's blocks, each marked when it is (part of) a `p`.
    blocks: Vec<(String, bool)>,
    current: String,
    /// Inside `pre`: whitespace is kept.
    pre: u32,
    /// Inside `p`: what is flushed is a paragraph the page wrote as one.
    para: u32,
}

impl<'a> Renderer<'a> {
    fn new(dom: &'a Dom, stats: &'a [Stats], removed: &'a [bool]) -> Self {
        Renderer {
            dom,
            stats,
            removed,
            blocks: Vec::new(),
            current: String::new(),
            pre: 0,
            para: 0,
        }
    }

    /// Leaves out a block that is mostly links: a list of related stories,
    /// a tag cloud, a "read more" line.
    fn linky(&self, id: NodeId) -> bool {
        let s = self.stats[id as usize];
        if self.dom.name(id) == "p" && s.text >= 25 {
            // A paragraph that is one long link inside the article is its
            // source ("The generation we love to dump on", linked); teasers
            // say "Read more" and go as stock phrases.
            return false;
        }
        s.text > 0 && f64::from(s.link) / f64::from(s.text) > 0.5
    }

    fn render(&mut self, root: NodeId) {
        // An explicit stack of (node, entering) keeps deep trees off the
        // call stack.
        let mut stack = vec![(root, true)];
        while let Some((id, entering)) = stack.pop() {
            if self.removed[id as usize] {
                continue;
            }
            let name = self.dom.name(id);
            if !entering {
                if is_block(name) {
                    self.flush();
                }
                match name {
                    "pre" => self.pre -= 1,
                    "p" => self.para -= 1,
                    _ => {}
                }
                continue;
            }
            match &self.dom.nodes[id as usize].data {
                Data::Text(t) => self.push_text(t),
                Data::Element(_) => {
                    if name == "br" {
                        self.current.push('\n');
                        continue;
                    }
                    let block = is_block(name);
                    if block {
                        self.flush();
                        if name != "body" && self.linky(id) {
                            continue;
                        }
                    }
                    match name {
                        "pre" => self.pre += 1,
                        "p" => self.para += 1,
                        _ => {}
                    }
                    stack.push((id, false));
                    let children: Vec<NodeId> = self.dom.children(id).collect();
                    stack.extend(children.into_iter().rev().map(|c| (c, true)));
                }
                Data::Document => {
                    stack.extend(
                        self.dom
                            .children(id)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .map(|c| (c, true)),
                    );
                }
            }
        }
        self.flush();
    }

    fn push_text(&mut self, t: &str) {
        if self.pre > 0 {
            self.current.push_str(t);
            return;
        }
        for (i, word) in t.split(|c: char| c.is_whitespace() && c != '\u{a0}').enumerate() {
            if word.is_empty() {
                if i == 0 && !self.current.ends_with([' ', '\n']) && !self.current.is_empty() {
                    self.current.push(' ');
                }
                continue;
            }
            if i > 0 && !self.current.ends_with([' ', '\n']) && !self.current.is_empty() {
                self.current.push(' ');
            }
            self.current.push_str(word);
        }
        if t.ends_with(|c: char| c.is_whitespace() && c != '\u{a0}') && !self.current.ends_with([' ', '\n']) {
            self.current.push(' ');
        }
    }

    fn flush(&mut self) {
        let block = std::mem::take(&mut self.current);
        let lines: Vec<&str> = if self.pre > 0 {
            block.lines().map(str::trim_end).collect()
        } else {
            block.lines().map(str::trim).collect()
        };
        let mut para = String::new();
        for line in lines {
            if line.is_empty() {
                self.push_block(std::mem::take(&mut para));
            } else {
                if !para.is_empty() {
                    para.push('\n');
                }
                para.push_str(line);
            }
        }
        self.push_block(para);
    }

    fn push_block(&mut self, block: String) {
        let block = block.trim();
        if block.is_empty() || is_stock(block) {
            return;
        }
        self.blocks.push((block.to_string(), self.para > 0));
    }

    fn finish(mut self) -> String {
        self.flush();
        // Trailing labels, dates and links after the last paragraph (a text
        // of nothing but such blocks keeps them all).
        if let Some(last) = self
            .blocks
            .iter()
            .rposition(|(b, para)| *para || b.chars().count() >= 50 || ends_like_prose(b))
        {
            self.blocks.truncate(last + 1);
        }
        let blocks: Vec<&str> = self.blocks.iter().map(|(b, _)| b.as_str()).collect();
        let mut text = blocks.join("\n\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ends_like_prose(block: &str) -> bool {
    block
        .trim_end()
        .ends_with(['.', '!', '?', '"', '”', '’', ')', ':'])
}

fn is_stock(block: &str) -> bool {
    if block.chars().count() > 100 {
        return false;
    }
    let lower = block.to_lowercase();
    STOCK.iter().any(|s| lower.contains(s)) || !block.chars().any(char::is_alphanumeric)
}
