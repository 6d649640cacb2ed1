//! What a page says about itself: headline, authors, dates, canonical URL,
//! publisher, language, description.
//!
//! Each field has an order of witnesses, the most deliberate first:
//! JSON-LD (schema.org NewsArticle and friends, `@graph` included), then
//! OpenGraph, Twitter cards, Dublin Core, `citation_*`, Parse.ly and plain
//! `<meta>` names, then the body (`<h1>`, `<time>`, bylines). Rules and
//! their reasons are in docs/HTML.md.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::dom::{Dom, NodeId, ROOT, unescape};
use crate::cite::lexicon;
use crate::entry::Metadata;

/// A description longer than this is cut (at a character boundary).
const MAX_DESCRIPTION: usize = 1000;
/// Longer "names" are sentences, not bylines.
const MAX_NAME_WORDS: usize = 5;

/// schema.org types whose headline and authors are the page's.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "SocialMediaPosting",
    "ScholarlyArticle",
    "TechArticle",
    "Report",
    "WebPage",
];

/// Everything the page's head and structured data declare.
#[derive(Default)]
struct Declared {
    /// `<meta>` name, property or itemprop (lower case) with its content.
    meta: Vec<(String, String)>,
    title: Option<String>,
    canonical: Option<String>,
    lang: Option<String>,
    /// JSON-LD objects of an article type, best first.
    articles: Vec<Value>,
    h1: Vec<String>,
}

impl Declared {
    fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    fn metas<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.meta
            .iter()
            .filter(move |(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    fn first_meta(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.meta(k))
    }

    /// A string field of the first JSON-LD article that has it.
    fn ld(&self, key: &str) -> Option<String> {
        self.articles.iter().find_map(|a| text_of(a.get(key)?))
    }
}

/// Reads the metadata of a parsed page fetched from `url`.
pub fn read(dom: &Dom, url: Option<&str>) -> Reading {
    let d = declare(dom);
    Reading {
        metadata: metadata(dom, &d, url),
        descriptions: descriptions(&d),
    }
}

/// What [`read`] finds: the metadata, and every description the page
/// declares (the article text begins with the one it shows).
pub struct Reading {
    pub metadata: Metadata,
    pub descriptions: Vec<String>,
}

fn metadata(dom: &Dom, d: &Declared, url: Option<&str>) -> Metadata {
    let base = url.and_then(|u| url::Url::parse(u).ok());
    let canonical_url = canonical(d, base.as_ref());
    let site_name = d
        .first_meta(&["og:site_name", "application-name", "al:android:app_name"])
        .map(str::to_string)
        .or_else(|| d.articles.iter().find_map(|a| name_of(a.get("publisher")?)));
    let outlet = outlet(canonical_url.as_deref(), url, site_name.as_deref());
    let title = title(d, site_name.as_deref());
    let authors = authors(dom, d, site_name.as_deref(), outlet.as_deref());
    let published = date_field(
        d,
        dom,
        "datePublished",
        &[
            "article:published_time",
            "og:article:published_time",
            "og:published_time",
            "datepublished",
            "citation_publication_date",
            "citation_date",
            "dc.date.issued",
            "dcterms.issued",
            "dc.date",
            "dcterms.date",
            "pubdate",
            "og:pubdate",
            "publishdate",
            "publish-date",
            "parsely-pub-date",
            "sailthru.date",
            "date",
        ],
    );
    let modified = date_field(
        d,
        dom,
        "dateModified",
        &[
            "article:modified_time",
            "og:article:modified_time",
            "og:updated_time",
            "datemodified",
            "dcterms.modified",
            "last-modified",
            "revision_date",
        ],
    );
    let language = d
        .lang
        .clone()
        .or_else(|| {
            d.first_meta(&["content-language", "dc.language", "language"])
                .map(str::to_string)
        })
        .or_else(|| d.meta("og:locale").map(|l| l.replace('_', "-")))
        .or_else(|| d.ld("inLanguage"));
    let description = d
        .first_meta(&[
            "og:description",
            "description",
            "twitter:description",
            "dc.description",
        ])
        .map(str::to_string)
        .or_else(|| d.ld("description"))
        .map(|s| cut(&collapse(&s), MAX_DESCRIPTION));
    Metadata {
        title,
        authors,
        published: published.or_else(|| base.as_ref().and_then(|u| date_in_path(u.path()))),
        modified,
        canonical_url,
        site_name,
        outlet,
        language,
        description,
    }
}

/// Every description the page declares, for finding its standfirst.
fn descriptions(d: &Declared) -> Vec<String> {
    let mut out: Vec<String> = ["og:description", "description", "twitter:description"]
        .iter()
        .filter_map(|k| d.meta(k).map(str::to_string))
        .collect();
    out.extend(d.ld("description"));
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn inside(dom: &Dom, id: NodeId, names: &[&str]) -> bool {
    let mut at = id;
    while let Some(p) = dom.parent(at) {
        if names.contains(&dom.name(p)) {
            return true;
        }
        at = p;
    }
    false
}

fn declare(dom: &Dom) -> Declared {
    let mut d = Declared::default();
    for id in dom.descendants(ROOT) {
        let Some(e) = dom.element(id) else { continue };
        match &*e.name {
            "meta" => {
                let key = e
                    .attr("property")
                    .or(e.attr("name"))
                    .or(e.attr("itemprop"))
                    .or(e.attr("http-equiv"));
                if let (Some(k), Some(v)) = (key, e.attr("content")) {
                    d.meta.push((k.trim().to_ascii_lowercase(), v.to_string()));
                }
            }
            "title" if d.title.is_none() && !inside(dom, id, &["svg", "math"]) => {
                d.title = Some(collapse(&dom.text_content(id))).filter(|t| !t.is_empty());
            }
            "link" if d.canonical.is_none() => {
                let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") {
                    d.canonical = e.attr("href").map(|h| h.trim().to_string());
                }
            }
            "html" => {
                d.lang = e
                    .attr("lang")
                    .or(e.attr("xml:lang"))
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
            }
            "h1" => {
                let t = collapse(&dom.text_content(id));
                if !t.is_empty() {
                    d.h1.push(t);
                }
            }
            "script"
                if e.attr("type")
                    .is_some_and(|t| t.to_ascii_lowercase().contains("ld+json")) =>
            {
                if let Ok(v) = serde_json::from_str::<Value>(dom.text_content(id).trim()) {
                    collect_articles(&v, &mut d.articles, 0);
                }
            }
            _ => {}
        }
    }
    // A WebPage is a last resort: prefer the article it describes.
    d.articles
        .sort_by_key(|a| types_of(a).iter().any(|t| t == "WebPage"));
    d
}

fn types_of(v: &Value) -> Vec<String> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![unescape(s)],
        Some(Value::Array(a)) => a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn collect_articles(v: &Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_articles(i, out, depth + 1)),
        Value::Object(map) => {
            if let Some(graph) = map.get("@graph") {
                collect_articles(graph, out, depth + 1);
            }
            if types_of(v).iter().any(|t| ARTICLE_TYPES.contains(&t.as_str())) {
                out.push(v.clone());
            } else if let Some(main) = map.get("mainEntity") {
                collect_articles(main, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A JSON-LD value as text: a string, or the first string of a list.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(collapse(&unescape(s))).filter(|s| !s.is_empty()),
        Value::Array(a) => a.iter().find_map(text_of),
        Value::Object(o) => o.get("@value").and_then(text_of),
        _ => None,
    }
}

fn name_of(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => o.get("name").and_then(text_of),
        Value::Array(a) => a.iter().find_map(name_of),
        other => text_of(other),
    }
}

fn canonical(d: &Declared, base: Option<&url::Url>) -> Option<String> {
    let raw = d
        .canonical
        .clone()
        .or_else(|| d.meta("og:url").map(str::to_string))
        .or_else(|| d.ld("url"))?;
    let resolved = match base {
        Some(b) => b.join(&raw).ok()?,
        None => url::Url::parse(&raw).ok()?,
    };
    matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
}

fn host_of(u: &str) -> Option<String> {
    url::Url::parse(u).ok()?.host_str().map(str::to_ascii_lowercase)
}

/// The publisher in the gazetteer: by the canonical URL's domain, then the
/// page's own URL, then the site name.
fn outlet(canonical: Option<&str>, url: Option<&str>, site_name: Option<&str>) -> Option<String> {
    let lex = lexicon::lexicon();
    [canonical, url]
        .into_iter()
        .flatten()
        .filter_map(host_of)
        .find_map(|h| lex.outlet_of_domain(&h))
        .map(|i| lex.outlets[i as usize].name.clone())
        .or_else(|| {
            let names = lex.outlets_named(site_name?);
            (names.len() == 1).then(|| names[0].to_string())
        })
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether two headlines are versions of one: most words of the shorter
/// appear in the longer.
fn similar(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    if short.len() < 2 {
        return false;
    }
    let shared = short.iter().filter(|w| long.contains(w)).count();
    shared * 10 >= short.len() * 6
}

const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " » ", " · "];

/// "Headline | Section | Site" to "Headline": the longest part.
fn strip_site(title: &str) -> String {
    let mut parts = vec![title];
    for sep in TITLE_SEPARATORS {
        parts = parts.iter().flat_map(|p| p.split(sep)).collect();
    }
    parts
        .into_iter()
        .map(str::trim)
        .max_by_key(|p| p.chars().count())
        .unwrap_or(title)
        .to_string()
}

/// The article's headline: the page's `<h1>` when the declared titles
/// confirm it (sites shorten their `og:title` and append their name to
/// `<title>`, the `<h1>` is what the reader saw), else the declared
/// titles in order.
fn title(d: &Declared, site_name: Option<&str>) -> Option<String> {
    let declared: Vec<String> = [
        d.ld("headline"),
        d.meta("og:title").map(str::to_string),
        d.meta("twitter:title").map(str::to_string),
        d.first_meta(&["parsely-title", "dc.title", "citation_title", "sailthru.title"])
            .map(str::to_string),
        d.ld("name"),
        d.title.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|t| collapse(&t))
    .filter(|t| !t.is_empty())
    .collect();
    let confirmed = d.h1.iter().find(|h| {
        h.chars().count() >= 10 && declared.iter().any(|t| similar(h, t)) && Some(h.as_str()) != site_name
    });
    if let Some(h) = confirmed {
        return Some(h.clone());
    }
    declared.first().map(|t| strip_site(t))
}

/// Authors from structured data, then `<meta>`, then the byline in the body.
fn authors(dom: &Dom, d: &Declared, site_name: Option<&str>, outlet: Option<&str>) -> Vec<String> {
    let is_outlet = |name: &str| {
        let key = words(name);
        site_name.is_some_and(|s| words(s) == key)
            || outlet.is_some_and(|o| words(o) == key)
            || !lexicon::lexicon().outlets_named(name).is_empty()
    };
    let clean = |raws: Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for raw in raws {
            for name in split_names(&raw) {
                let name = without_affiliation(&name, site_name);
                if !is_outlet(&name) && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    };
    let from_ld: Vec<String> = d
        .articles
        .iter()
        .flat_map(|a| people_in(a.get("author").or(a.get("creator"))))
        .collect();
    let found = clean(from_ld);
    if !found.is_empty() {
        return found;
    }
    let mut from_meta: Vec<String> = Vec::new();
    for key in [
        "author",
        "article:author",
        "og:article:author",
        "article:author_name",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "dcterms.creator",
        "citation_author",
        "byl",
    ] {
        from_meta.extend(d.metas(key).filter(|v| !v.contains("://")).map(str::to_string));
        if !from_meta.is_empty() {
            break;
        }
    }
    let found = clean(from_meta);
    if !found.is_empty() {
        return found;
    }
    clean(bylines(dom))
}

/// "Adam Aaronson PhillyVoice Staff" to "Adam Aaronson": bylines run the
/// name into a staff label or the site's name.
fn without_affiliation(name: &str, site_name: Option<&str>) -> String {
    let site: Vec<String> = site_name.map(words).unwrap_or_default();
    let mut ws: Vec<&str> = name.split_whitespace().collect();
    while ws.len() > 2 {
        let last = ws[ws.len() - 1].to_lowercase();
        let staff = matches!(
            last.as_str(),
            "staff" | "writer" | "reporter" | "correspondent" | "contributor" | "editor" | "columnist"
        );
        if staff || site.contains(&last) {
            ws.pop();
        } else {
            break;
        }
    }
    ws.join(" ")
}

/// Person names in a JSON-LD author value; organisations left out.
fn people_in(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().flat_map(|x| people_in(Some(x))).collect(),
        Some(o @ Value::Object(_)) => {
            let types = types_of(o);
            if types
                .iter()
                .any(|t| t == "Organization" || t == "NewsMediaOrganization")
            {
                return Vec::new();
            }
            name_of(o).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// Byline text in the body: `itemprop=author`, `rel=author`, elements
/// whose class names a byline or an author, and short paragraphs that
/// begin "By" or "Author:".
fn bylines(dom: &Dom) -> Vec<String> {
    let mut out = Vec::new();
    let mut walk = dom.descendants(ROOT);
    while let Some(id) = walk.next() {
        let Some(e) = dom.element(id) else { continue };
        if matches!(&*e.name, "script" | "style" | "head") {
            walk.skip_children(id);
            continue;
        }
        let class = e.attr("class").unwrap_or("").to_ascii_lowercase();
        let marked = e.attr("itemprop") == Some("author")
            || e.attr("rel") == Some("author")
            || class.contains("byline")
            || class.contains("author-name")
            || class.contains("authorname");
        let short = marked || matches!(&*e.name, "p" | "span" | "li" | "address");
        let Some(text) = short.then(|| dom.short_text(id, 120)).flatten() else {
            continue;
        };
        let prefixed = text.len() < 60 && byline_prefix(&text).is_some();
        if (marked && !text.is_empty()) || prefixed {
            out.push(text);
            walk.skip_children(id);
        }
        if out.len() >= 4 {
            break;
        }
    }
    out
}

fn byline_prefix(text: &str) -> Option<&str> {
    [
        "By ",
        "BY ",
        "Written by ",
        "Author:",
        "Author :",
        "Auteur :",
        "Auteur:",
        "Auteure :",
        "Von ",
    ]
    .iter()
    .find_map(|p| text.strip_prefix(p))
}

/// "By Jane Doe and John Roe, CNN" to ["Jane Doe", "John Roe", "CNN"]: the
/// caller drops the outlet.
fn split_names(raw: &str) -> Vec<String> {
    let mut s = collapse(raw);
    if let Some(open) = s.find('(') {
        s.truncate(open);
    }
    let s = byline_prefix(&s).unwrap_or(&s).trim().to_string();
    let s = ["Dr. ", "Dr ", "Prof. ", "Professor ", "Mr. ", "Mrs. ", "Ms. "]
        .iter()
        .find_map(|h| s.strip_prefix(h))
        .unwrap_or(&s)
        .to_string();
    let s = s.strip_prefix("by ").unwrap_or(&s);
    let mut names = Vec::new();
    for part in s.split([',', ';', '|', '&', '/']) {
        for piece in split_word(part, "and") {
            let piece = split_word(&piece, "for").into_iter().next().unwrap_or_default();
            let name = piece
                .trim()
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
                .to_string();
            if plausible_name(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Splits at a whole word, in any case.
fn split_word(s: &str, word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for w in s.split_whitespace() {
        if w.eq_ignore_ascii_case(word) {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(w);
        }
    }
    out
}

fn plausible_name(name: &str) -> bool {
    let ws: Vec<&str> = name.split_whitespace().collect();
    !ws.is_empty()
        && ws.len() <= MAX_NAME_WORDS
        && !name.chars().any(|c| c.is_ascii_digit() || c == '@' || c == ':')
        && ws
            .iter()
            .all(|w| w.chars().next().is_some_and(|c| !c.is_lowercase()) || is_particle(w))
        && !matches!(
            name.to_lowercase().as_str(),
            "no author" | "staff" | "admin" | "editor" | "editorial"
        )
}

fn is_particle(w: &str) -> bool {
    matches!(
        w,
        "de" | "van" | "von" | "der" | "da" | "del" | "la" | "le" | "bin" | "al" | "di" | "du"
    )
}

/// A date field: JSON-LD `key`, then the meta names, then `<time>`.
fn date_field(d: &Declared, dom: &Dom, key: &str, metas: &[&str]) -> Option<String> {
    d.ld(key)
        .and_then(|v| iso_date(&v))
        .or_else(|| metas.iter().find_map(|k| d.meta(k).and_then(iso_date)))
        .or_else(|| {
            let itemprop = dom
                .descendants(ROOT)
                .find(|&id| dom.element(id).is_some_and(|e| e.attr("itemprop") == Some(key)))?;
            let e = dom.element(itemprop)?;
            e.attr("datetime").or(e.attr("content")).and_then(iso_date)
        })
        .or_else(|| {
            (key == "datePublished").then(|| {
                dom.elements_named("time")
                    .find_map(|t| dom.element(t)?.attr("datetime").and_then(iso_date))
                    .or_else(|| visible_date(dom, d.lang.as_deref()))
            })?
        })
}

/// A date the page shows in an element whose class or test id says it is
/// one ("Jan 18, 2019", "Date 23.05.2011"). Numeric dates are read
/// month-first only on pages in US English.
fn visible_date(dom: &Dom, lang: Option<&str>) -> Option<String> {
    let us = lang.is_some_and(|l| l.eq_ignore_ascii_case("en-us"));
    let mut walk = dom.descendants(ROOT);
    while let Some(id) = walk.next() {
        let Some(e) = dom.element(id) else { continue };
        if matches!(&*e.name, "script" | "style" | "head") {
            walk.skip_children(id);
            continue;
        }
        let marks = [e.attr("class"), e.attr("data-testid"), e.attr("itemprop")];
        let dated = marks.iter().flatten().any(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("date") || v.contains("time") || v.contains("published")
        }) || dom
            .children(id)
            .any(|c| dom.name(c) == "strong" && collapse(&dom.text_content(c)) == "Date");
        if !dated {
            continue;
        }
        if let Some(date) = dom.short_text(id, 60).and_then(|text| human_date(&text, us)) {
            return Some(date);
        }
    }
    None
}

fn human_date(text: &str, us: bool) -> Option<String> {
    let mut t = text.trim();
    for label in [
        "Date",
        "Written",
        "First published",
        "Published",
        "Posted on",
        "Posted",
        "Publié le",
        "Updated",
        "on",
    ] {
        if let Some(rest) = t.strip_prefix(label) {
            t = rest.trim_start_matches([':', ' ']);
        }
    }
    let numeric: &[&str] = if us {
        &["%m/%d/%Y", "%d.%m.%Y"]
    } else {
        &["%d/%m/%Y", "%d.%m.%Y"]
    };
    iso_date(t).or_else(|| {
        numeric
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
            .map(|d| d.format("%Y-%m-%d").to_string())
    })
}

/// A date as ISO 8601, as precise as given: `2020-02-19`,
/// `2020-02-19T12:00:10`, `2020-09-26T22:00:27+01:00`.
pub fn iso_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    // Dates in words, with whatever follows them ("Feb. 19, 2020 12:00
    // PM", "Wednesday, 19 February 2020 at 9am").
    let words = in_words(s);
    for f in [
        "%B %d, %Y",
        "%b %d, %Y",
        "%d %B %Y",
        "%d %b %Y",
        "%B %d %Y",
        "%b %d %Y",
    ] {
        if let Ok((d, _)) = NaiveDate::parse_and_remainder(&words, f) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    // A date and more we cannot read: its leading ISO date still counts.
    let lead = s.get(..10)?;
    NaiveDate::parse_from_str(lead, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// "Wed, Feb. 19, 2020" to "Feb 19, 2020": no weekday, no abbreviation
/// dots, "Sept" as chrono spells it.
fn in_words(s: &str) -> String {
    let mut t = s.trim();
    if let Some((first, rest)) = t.split_once([',', ' '])
        && is_weekday(first)
    {
        t = rest.trim_start_matches([',', ' ']);
    }
    t.replace(". ", " ").replace("Sept ", "Sep ")
}

/// "Wed", "Wed.", "Wednesday", in any case.
fn is_weekday(word: &str) -> bool {
    const WEEKDAYS: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    w.len() >= 3 && WEEKDAYS.iter().any(|d| d.starts_with(&w))
}

/// `/2020/02/19/` in a URL path.
fn date_in_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    parts.windows(3).find_map(|w| {
        let ok = w[0].len() == 4 && w[1].len() == 2 && w[2].len() == 2;
        ok.then(|| NaiveDate::parse_from_str(&w.join("-"), "%Y-%m-%d").ok())
            .flatten()
            .map(|d| d.format("%Y-%m-%d").to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_split_into_people_without_the_outlet() {
        assert_eq!(split_names("By Jane Doe and John Roe"), ["Jane Doe", "John Roe"]);
        assert_eq!(
            split_names("By Glen Owen And Brendan Carlin For The Mail On Sunday"),
            ["Glen Owen", "Brendan Carlin"]
        );
        assert_eq!(split_names("Rob Picheta, CNN"), ["Rob Picheta", "CNN"]);
        assert_eq!(split_names("Auteur : Kossivi Tiassou"), ["Kossivi Tiassou"]);
        assert!(split_names("No Author").is_empty());
    }

    #[test]
    fn dates_keep_their_precision() {
        assert_eq!(
            iso_date("2020-09-26T22:00:27+0100").as_deref(),
            Some("2020-09-26T22:00:27+01:00")
        );
        assert_eq!(
            iso_date("2020-02-19T12:00:10.372Z").as_deref(),
            Some("2020-02-19T12:00:10Z")
        );
        assert_eq!(
            iso_date("2020-02-19T12:00:10.372").as_deref(),
            Some("2020-02-19T12:00:10")
        );
        assert_eq!(iso_date("2019-01-18").as_deref(), Some("2019-01-18"));
        assert_eq!(iso_date("January 18, 2019").as_deref(), Some("2019-01-18"));
        assert_eq!(
            iso_date("Wed, Feb. 19, 2020 12:00 PM").as_deref(),
            Some("2020-02-19")
        );
        assert_eq!(
            iso_date("Wednesday, 19 February 2020 at 9am").as_deref(),
            Some("2020-02-19")
        );
        assert_eq!(iso_date("Sept. 3, 2021").as_deref(), Some("2021-09-03"));
        assert_eq!(
            iso_date("Wed, 19 Feb 2020 12:00:00 GMT").as_deref(),
            Some("2020-02-19T12:00:00Z")
        );
        assert_eq!(iso_date("yesterday"), None);
        assert_eq!(
            date_in_path("/politics/2020/02/19/story"),
            Some("2020-02-19".into())
        );
    }

    #[test]
    fn titles_lose_the_site_name() {
        assert_eq!(
            strip_site("Thousands of UK academics | Education | The Guardian"),
            "Thousands of UK academics"
        );
        assert!(similar(
            "What we learned from Harry and Meghan's explosive interview",
            "The royal split: 11 things we learned from Harry and Meghan's explosive interview"
        ));
    }
}
