//! HTML pages, PDFs and media types on the real binary: article text and
//! metadata scored on the real news pages of ../shared/html-dev, charsets
//! as a browser decides them, pathological pages, the publisher kept apart
//! from the outlets a text cites.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::*;
use crate::http_server::{Reply, Server};

fn html_dev() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/html-dev")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn show(env: &Env, id: &str) -> Value {
    env.run(&["show", id, "--json"]).ok().json()
}

/// Word counts, for token F1 against a hand-extracted body.
fn tokens(s: &str) -> HashMap<String, u32> {
    let mut m = HashMap::new();
    for w in s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *m.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    m
}

fn token_f1(got: &str, want: &str) -> f64 {
    let (g, w) = (tokens(got), tokens(want));
    let shared: u32 = g.iter().map(|(k, n)| (*n).min(*w.get(k).unwrap_or(&0))).sum();
    let (gn, wn): (u32, u32) = (g.values().sum(), w.values().sum());
    if shared == 0 {
        return 0.0;
    }
    let (p, r) = (
        f64::from(shared) / f64::from(gn),
        f64::from(shared) / f64::from(wn),
    );
    2.0 * p * r / (p + r)
}

/// The hand-extracted article body of a page (tests/fixtures/sources/
/// html-dev): its first line is the headline and a "By" line the byline,
/// which the article text leaves to the metadata.
fn hand_body(page: &str) -> String {
    let name = page.replace(".html", ".txt");
    let text = std::fs::read_to_string(fixture("sources").join("html-dev").join(name)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.starts_with("By "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn html_dev_pages_meet_the_quality_floors() {
    let gold: Value =
        serde_json::from_str(&std::fs::read_to_string(html_dev().join("gold.json")).unwrap()).unwrap();
    let gold = gold.as_object().unwrap();
    let env = Env::new();
    let mut names: Vec<&String> = gold.keys().collect();
    names.sort();
    let paths: Vec<String> = names
        .iter()
        .map(|n| html_dev().join("pages").join(n).to_string_lossy().into_owned())
        .collect();
    let ids = env.add(&paths.iter().map(String::as_str).collect::<Vec<_>>());
    let (mut title, mut authors, mut date, mut with, mut with_n, mut without, mut without_n) =
        (0, 0, 0, 0, 0, 0, 0);
    let mut f1s = Vec::new();
    let mut report = String::new();
    for (name, id) in names.iter().zip(&ids) {
        let g = &gold[*name];
        let m = show(&env, id)["metadata"].clone();
        let text = env.run(&["text", id]).ok().out();
        let t_ok = collapse(m["title"].as_str().unwrap_or("")) == collapse(g["title"].as_str().unwrap());
        let got_authors: Vec<String> = m["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_lowercase())
            .collect();
        let want_authors: Vec<String> = g["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_lowercase())
            .collect();
        let a_ok = got_authors == want_authors;
        let d_ok = m["published"]
            .as_str()
            .is_some_and(|d| d.get(..10) == g["published"].as_str());
        let snippets = |key: &str| {
            g[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
        };
        let found = snippets("with").iter().filter(|s| text.contains(*s)).count();
        let leaked = snippets("without").iter().filter(|s| text.contains(*s)).count();
        let f1 = token_f1(&text, &hand_body(name));
        title += usize::from(t_ok);
        authors += usize::from(a_ok);
        date += usize::from(d_ok);
        with += found;
        with_n += snippets("with").len();
        without += snippets("without").len() - leaked;
        without_n += snippets("without").len();
        f1s.push(f1);
        report.push_str(&format!(
            "{name:40} title {t_ok:5} authors {a_ok:5} date {d_ok:5} with {found}/{} without {}/{} F1 {f1:.3}\n",
            snippets("with").len(),
            snippets("without").len() - leaked,
            snippets("without").len()
        ));
    }
    let mean_f1 = f1s.iter().sum::<f64>() / f1s.len() as f64;
    report.push_str(&format!(
        "title {title}/17, authors {authors}/17, date {date}/17, with {with}/{with_n}, without {without}/{without_n}, token F1 {mean_f1:.3}\n"
    ));
    println!("{report}");
    // Floors at the measured figures (docs/HTML.md explains each miss: a
    // gold from another version of the page, a truncated gold title, a
    // gold date the page does not show).
    assert!(title >= 15 && authors >= 14 && date >= 15, "{report}");
    assert!(with >= 48 && without >= 50, "{report}");
    assert!(mean_f1 >= 0.93, "{report}");
}

#[test]
fn metadata_comes_from_json_ld_meta_tags_and_the_byline() {
    let env = Env::new();
    env.write(
        "story.html",
        r#"<!DOCTYPE html><html lang="en-GB"><head>
<title>Ministers face questions over the bridge contract | The Guardian</title>
<link rel="canonical" href="https://www.theguardian.com/uk/2024/mar/05/bridge-contract">
<meta property="og:site_name" content="the Guardian">
<meta property="og:title" content="Ministers face questions over bridge contract">
<meta name="description" content="A contract worth £40m was awarded without a tender, documents show.">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebSite","name":"The Guardian"},
 {"@type":"NewsArticle","headline":"Ministers face questions over the bridge contract",
  "datePublished":"2024-03-05T06:00:00+00:00","dateModified":"2024-03-05T09:30:00Z",
  "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Organization","name":"The Guardian"}]}]}
</script></head><body>
<nav><a href="/">Home</a> <a href="/uk">UK</a></nav>
<article><h1>Ministers face questions over the bridge contract</h1>
<p class="byline">By Jane Doe</p>
<p>A contract worth £40m for the new bridge was awarded without a tender, according to documents seen by the Guardian, which the transport department declined to discuss.</p>
<p>The minister, Robert Smith, said on Monday that every rule had been followed, and that the contract would be published in full within weeks.</p>
<aside class="related"><h2>Related stories</h2><a href="/x">Bridge opens late</a></aside>
</article>
<div class="comments"><p>Great article, thanks for writing it, I agree with every word of it.</p></div>
<footer>© 2024 Guardian News &amp; Media Limited</footer>
</body></html>"#,
    );
    let id = env.add(&["story.html"]).remove(0);
    let m = show(&env, &id)["metadata"].clone();
    assert_eq!(m["title"], "Ministers face questions over the bridge contract");
    assert_eq!(m["authors"], serde_json::json!(["Jane Doe"]));
    assert_eq!(m["published"], "2024-03-05T06:00:00Z");
    assert_eq!(m["modified"], "2024-03-05T09:30:00Z");
    assert_eq!(
        m["canonical_url"],
        "https://www.theguardian.com/uk/2024/mar/05/bridge-contract"
    );
    assert_eq!(m["site_name"], "the Guardian");
    assert_eq!(m["outlet"], "The Guardian");
    assert_eq!(m["language"], "en-GB");
    assert_eq!(
        m["description"],
        "A contract worth £40m was awarded without a tender, documents show."
    );
    let text = env.run(&["text", &id]).ok().out();
    assert!(
        text.starts_with("A contract worth £40m for the new bridge"),
        "{text}"
    );
    assert!(text.contains("\n\nThe minister, Robert Smith, said"), "{text}");
    for furniture in ["Home", "Related stories", "Great article", "©", "By Jane Doe"] {
        assert!(!text.contains(furniture), "{furniture:?} in {text}");
    }
    let human = env.run(&["show", &id]).ok().out();
    assert!(human.contains("authors     Jane Doe"), "{human}");
    assert!(human.contains("the article text of an HTML page"), "{human}");
}

#[test]
fn bylines_name_each_author_and_not_the_outlet() {
    let env = Env::new();
    env.write(
        "byline.html",
        "<html><head><meta name=author content='Rob Picheta, CNN'></head><body><article>\
         <p>Prince Harry and Meghan spoke for two hours, and the palace has not yet answered any of it.</p></article></body></html>",
    );
    env.write(
        "two.html",
        "<html><body><article><p class=byline>By Jane Doe and John Roe</p>\
         <p>The council voted on Tuesday to close the library, after a debate that lasted well into the night.</p></article></body></html>",
    );
    let ids = env.add(&["byline.html", "two.html"]);
    assert_eq!(
        show(&env, &ids[0])["metadata"]["authors"],
        serde_json::json!(["Rob Picheta"])
    );
    assert_eq!(
        show(&env, &ids[1])["metadata"]["authors"],
        serde_json::json!(["Jane Doe", "John Roe"])
    );
}

#[test]
fn non_pages_show_every_metadata_key_as_null() {
    let env = Env::new();
    env.write("note.txt", "Just a note.\n");
    let id = env.add(&["note.txt"]).remove(0);
    let m = show(&env, &id)["metadata"].clone();
    for key in [
        "title",
        "published",
        "modified",
        "canonical_url",
        "site_name",
        "outlet",
        "language",
        "description",
    ] {
        assert!(m[key].is_null(), "{key}: {m}");
    }
    assert_eq!(m["authors"], serde_json::json!([]));
}

#[test]
fn the_publisher_is_recorded_and_cited_only_where_the_text_cites_it() {
    let env = Env::new();
    env.write(
        "reuters.html",
        r#"<html><head><link rel="canonical" href="https://www.reuters.com/world/story-id"></head><body><article>
<p>LONDON (Reuters) - The central bank held rates on Thursday, according to the Washington Post, which cited two officials.</p>
<p>Reporting by Reuters staff; editing by the desk, who checked every figure in this story.</p></article></body></html>"#,
    );
    env.write(
        "guardian.html",
        r#"<html><head><link rel="canonical" href="https://www.theguardian.com/world/story"></head><body><article>
<p>The Guardian reported last year that the contract had been awarded without a tender, and the department did not deny it.</p></article></body></html>"#,
    );
    let ids = env.add(&["reuters.html", "guardian.html"]);
    let s = env.run(&["sources", &ids[0], "--json"]).ok().json();
    assert_eq!(s["publisher"], "Reuters");
    let cited = |s: &Value, name: &str| {
        s["outlets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .map(|o| o["cited"] == true)
    };
    assert_eq!(cited(&s, "The Washington Post"), Some(true), "{s:#}");
    assert_eq!(
        cited(&s, "Reuters"),
        Some(false),
        "the dateline names the publisher: {s:#}"
    );
    let s = env.run(&["sources", &ids[1], "--json"]).ok().json();
    assert_eq!(s["publisher"], "The Guardian");
    assert_eq!(cited(&s, "The Guardian"), Some(true), "{s:#}");
}

/// A page in a legacy encoding, said or not, and one that lies.
#[test]
fn charsets_are_decided_as_a_browser_would_and_lies_are_overruled() {
    let env = Env::new();
    let article =
        "Le café «naïve» a fermé ses portes, et la crème brûlée avec lui, dit le patron du quartier.";
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(article);
    let japanese = "東京で開かれた会議では、新しい政策について長い議論が行われ、多くの記者が質問をしました。";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(japanese);
    let page = |head: &str, body: &[u8]| {
        let mut p = format!("<html><head>{head}</head><body><article><p>").into_bytes();
        p.extend_from_slice(body);
        p.extend_from_slice(b"</p></article></body></html>");
        p
    };
    // (file, bytes, encoding, what decided it, a declaration overruled, text)
    type Case<'a> = (&'a str, Vec<u8>, &'a str, &'a str, Option<&'a str>, &'a str);
    let cases: [Case; 5] = [
        (
            "declared-1252.html",
            page("<meta charset=windows-1252>", &latin),
            "windows-1252",
            "meta",
            None,
            article,
        ),
        (
            "undeclared-1252.html",
            page("", &latin),
            "windows-1252",
            "detected",
            None,
            article,
        ),
        (
            "declared-sjis.html",
            page(
                "<meta http-equiv=Content-Type content='text/html; charset=Shift_JIS'>",
                &sjis,
            ),
            "Shift_JIS",
            "meta",
            None,
            japanese,
        ),
        (
            "undeclared-sjis.html",
            page("", &sjis),
            "Shift_JIS",
            "detected",
            None,
            japanese,
        ),
        (
            "lying.html",
            page("<meta charset=utf-8>", &latin),
            "windows-1252",
            "detected",
            Some("UTF-8"),
            article,
        ),
    ];
    for (name, bytes, encoding, source, overruled, expected) in cases {
        env.write(name, &bytes);
        let id = env.add(&[name]).remove(0);
        assert_eq!(
            sha256sum(&env.blob(&id)),
            id,
            "{name}: the capture keeps its bytes"
        );
        let shown = show(&env, &id);
        assert_eq!(shown["text"]["encoding"], encoding, "{name}: {:#}", shown["text"]);
        assert_eq!(shown["text"]["encoding_source"], source, "{name}");
        assert_eq!(shown["text"]["encoding_overruled"].as_str(), overruled, "{name}");
        assert_eq!(
            env.run(&["text", &id]).ok().out(),
            format!("{expected}\n"),
            "{name}"
        );
    }
}

#[test]
fn the_http_charset_outranks_the_meta_prescan() {
    let env = Env::new();
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode("<html><head><meta charset=iso-8859-7></head><body><p>Déjà vu, à la carte, prêt-à-porter: the phrases came from French.</p></body></html>");
    let body = latin.into_owned();
    let server = Server::http(move |_| {
        Reply::ok(body.clone()).header("Content-Type", "text/html; charset=windows-1252")
    });
    let run = env.run(&["add", &server.url("/page.html")]).ok();
    let id = ids(&run).remove(0);
    let shown = show(&env, &id);
    assert_eq!(shown["text"]["encoding_source"], "http");
    assert!(
        env.run(&["text", &id])
            .ok()
            .out()
            .starts_with("Déjà vu, à la carte")
    );
}

#[test]
fn pathological_pages_are_archived_and_read() {
    let env = Env::new();
    let sentence = "The deepest paragraph still says what it says, however far down it is.";
    let deep = format!(
        "<html><body>{}<p>{sentence}</p>{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    env.write("deep.html", &deep);
    let tangled = "<html><body><table><tr><td><p>Unclosed <b>bold <i>and italic</b> cells</i><td>and rows<tr>\
                   </div></span><p>A paragraph after the debris that says something in a full sentence, at last.<li>stray item\
                   <script>document.write('</p><p>not text')</script><svg><circle/><text>chart label</text></svg></body>";
    env.write("tangled.html", tangled);
    env.write(
        "garbage.html",
        (0..=255u8).cycle().take(100_000).collect::<Vec<u8>>(),
    );
    let ids = env.add(&["deep.html", "tangled.html", "garbage.html"]);
    assert!(env.run(&["text", &ids[0]]).ok().out().contains(sentence));
    let text = env.run(&["text", &ids[1]]).ok().out();
    assert!(
        text.contains("A paragraph after the debris that says something"),
        "{text}"
    );
    assert!(
        !text.contains("not text") && !text.contains("chart label"),
        "{text}"
    );
    env.run(&["show", &ids[2]]).ok();
    assert_eq!(env.verify().0, 0);
}

#[test]
fn a_fifty_megabyte_page_is_read_whole() {
    let env = Env::new();
    let para =
        "<p>According to the report, the committee met again on Tuesday and agreed on nothing at all.</p>\n";
    let page = format!(
        "<html><body><article>{}</article></body></html>",
        para.repeat(50_000_000 / para.len())
    );
    assert!(page.len() >= 49_000_000);
    env.write("big.html", &page);
    let id = env.add(&["big.html"]).remove(0);
    let shown = show(&env, &id);
    assert!(
        shown["text"]["size"].as_u64().unwrap() > 40_000_000,
        "{:#}",
        shown["text"]
    );
    assert_eq!(
        shown["sources"]["status"], "none",
        "too large for the sources analyser: said, not hidden"
    );
}

#[test]
fn pdf_text_is_extracted_and_a_pdf_without_text_says_so() {
    let env = Env::new();
    let pdfs = fixture("pdf");
    let text_pdf = pdfs.join("text.pdf");
    let blank_pdf = pdfs.join("no-text.pdf");
    let ids = env.add(&[text_pdf.to_str().unwrap(), blank_pdf.to_str().unwrap()]);
    let text = env.run(&["text", &ids[0]]).ok().out();
    assert!(
        text.starts_with("According to the Washington Times, Senator John McCain said"),
        "{text}"
    );
    assert!(show(&env, &ids[0])["sources"]["cited_people"].as_u64() >= Some(1));
    let shown = show(&env, &ids[1]);
    assert_eq!(shown["media_type"], "application/pdf");
    assert!(
        shown["text"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no text extracted"),
        "{shown:#}"
    );
    assert_eq!(env.verify().0, 0);
}

#[test]
fn a_media_type_the_bytes_contradict_is_recorded() {
    let env = Env::new();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend([0u8; 64]);
    env.write("photo.html", &png);
    env.write("page.html", "<html><body><p>fine</p></body></html>");
    let ids = env.add(&["photo.html", "page.html"]);
    let shown = show(&env, &ids[0]);
    assert_eq!(shown["media_type"], "image/png");
    assert_eq!(shown["media_type_mismatch"], true);
    assert_eq!(
        shown["captures"][0]["media_type_declared"], "text/html",
        "{shown:#}"
    );
    assert!(env.run(&["show", &ids[0]]).ok().out().contains("they disagree"));
    assert_eq!(show(&env, &ids[1])["media_type_mismatch"], false);
}

#[test]
fn a_page_over_the_parsing_limit_is_archived_with_the_reason() {
    let env = Env::new();
    let mut page = b"<html><body>".to_vec();
    page.resize(64 * 1024 * 1024 + 1, b' ');
    env.write("huge.html", &page);
    let id = env.add(&["huge.html"]).remove(0);
    assert_eq!(sha256sum(&env.blob(&id)), id);
    let shown = show(&env, &id);
    assert_eq!(shown["text"]["status"], "none");
    let reason = shown["text"]["reason"].as_str().unwrap();
    assert!(reason.contains("64 MiB"), "{reason}");
}
