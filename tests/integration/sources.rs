//! `sources`, `reanalyze` and the sources summary of `show`, on the real
//! binary: the results are scored against hand annotations with the
//! project's scorer, every offset is checked against `provenance text`,
//! and the archive-wide view is checked on documents with known answers.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::*;

/// The project's scorer, beside the repository (present in CI).
fn scorer() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/score_sources.py")
}

/// The annotated texts of a development set: (text, gold) pairs.
fn annotated(set: &str) -> Vec<(PathBuf, PathBuf)> {
    let dir = fixture("sources").join(set);
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".gold.json"))
        .map(|gold| {
            let name = gold
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace(".gold.json", ".txt");
            (dir.join(name), gold)
        })
        .collect();
    pairs.sort();
    pairs
}

/// Archives the texts, writes each `sources ID --json` beside the archive,
/// and returns the scorer's arguments (gold, prediction, ...).
fn predictions(env: &Env, pairs: &[(PathBuf, PathBuf)]) -> Vec<String> {
    let mut args = Vec::new();
    for (i, (text, gold)) in pairs.iter().enumerate() {
        let id = env.add(&[text.to_str().unwrap()]).remove(0);
        let run = env.run(&["sources", &id, "--json"]).ok();
        assert_offsets_slice_the_text(env, &id, &run.json());
        let pred = env.write(&format!("pred/{i}.json"), &run.stdout);
        args.push(gold.to_string_lossy().into_owned());
        args.push(pred.to_string_lossy().into_owned());
    }
    args
}

/// Runs the scorer with floors; prints its report (visible with
/// `--nocapture`) and fails below a floor.
fn score(args: &[String], floors: &[(&str, f64)]) -> String {
    let mut cmd = Command::new("python3");
    cmd.arg(scorer()).arg("--verbose");
    for (category, floor) in floors {
        cmd.arg("--min-f1").arg(format!("{category}={floor}"));
    }
    let out = cmd.args(args).output().expect("run python3 with the scorer");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{report}");
    assert!(
        out.status.success(),
        "below the floor:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report
}

/// Every mention and quote names exactly the bytes it claims, in the text
/// `provenance text ID` prints.
fn assert_offsets_slice_the_text(env: &Env, id: &str, sources: &Value) {
    let text = env.run(&["text", id]).ok().stdout;
    let mut checked = 0;
    for list in ["outlets", "people"] {
        for entity in sources[list].as_array().unwrap() {
            let spans = entity["mentions"]
                .as_array()
                .unwrap()
                .iter()
                .chain(entity["quotes"].as_array().into_iter().flatten());
            for span in spans {
                let (start, end) = (
                    span["start"].as_u64().unwrap() as usize,
                    span["end"].as_u64().unwrap() as usize,
                );
                assert!(start <= end && end <= text.len(), "{span} out of the text");
                assert_eq!(
                    &text[start..end],
                    span["text"].as_str().unwrap().as_bytes(),
                    "{span} is not the text's bytes"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0 || sources["people"].as_array().unwrap().is_empty());
}

#[test]
fn op_ed_scores_full_marks_on_outlets_and_at_least_095_on_people() {
    let env = Env::new();
    let text = fixture("op-ed-regime-change.txt");
    let gold = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/op-ed-regime-change.gold.json");
    let args = predictions(&env, &[(text, gold)]);
    score(
        &args,
        &[
            ("outlets", 1.0),
            ("cited_outlets", 1.0),
            ("people", 0.95),
            ("cited_people", 0.95),
        ],
    );
}

#[test]
fn constructed_texts_of_every_construction_score_above_the_floor() {
    let env = Env::new();
    let args = predictions(&env, &annotated("constructed"));
    score(
        &args,
        &[
            ("outlets", 0.95),
            ("cited_outlets", 0.88),
            ("people", 0.93),
            ("cited_people", 0.92),
        ],
    );
}

#[test]
fn real_news_articles_score_above_the_floor() {
    let env = Env::new();
    let args = predictions(&env, &annotated("html-dev"));
    score(
        &args,
        &[
            ("outlets", 0.94),
            ("cited_outlets", 0.75),
            ("people", 0.9),
            ("cited_people", 0.9),
        ],
    );
}

const OP_ED_ID: &str = "19552d2cebc07af86a4dbbb1b7c9ff8b29b33b53e4b7a70dca9ae8003a9954ab";

/// One document: the shape `sources ID --json` promises.
#[test]
fn sources_json_has_the_promised_shape_and_quotes_with_their_cues() {
    let env = Env::new();
    let id = env
        .add(&[fixture("op-ed-regime-change.txt").to_str().unwrap()])
        .remove(0);
    let s = env.run(&["sources", &id[..10], "--json"]).ok().json();
    assert_eq!(s["id"], OP_ED_ID);
    assert_eq!(s["sha256"], OP_ED_ID);
    let outlet = s["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "The Washington Times")
        .expect("the Washington Times is named");
    assert_eq!(outlet["kind"], "news");
    assert_eq!(outlet["domain"], "washingtontimes.com");
    assert_eq!(outlet["cited"], true);
    let people = s["people"].as_array().unwrap();
    let khomeini = people.iter().find(|p| p["name"] == "Khomeini").expect("Khomeini");
    assert_eq!(khomeini["role"], "Ayatollah");
    assert_eq!(khomeini["cited"], true);
    let said = khomeini["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["cue"] == "said")
        .expect("a quote cued by 'said'");
    assert!(
        said["text"]
            .as_str()
            .unwrap()
            .starts_with("Our enemy is neither the United States")
    );
    assert_eq!(said["kind"], "direct");
    let mccain = people
        .iter()
        .find(|p| p["name"] == "John McCain")
        .expect("McCain");
    assert_eq!(mccain["role"], "Senator");
    assert_eq!(mccain["cited"], false);
    assert!(mccain["quotes"].as_array().unwrap().is_empty());
    // Named in full once, then by surname: one person, the fullest name.
    let rajavi: Vec<&Value> = people
        .iter()
        .filter(|p| p["name"].as_str().unwrap().contains("Rajavi"))
        .collect();
    assert_eq!(rajavi.len(), 1, "{rajavi:?}");
    assert_eq!(rajavi[0]["name"], "Maryam Rajavi");
    for not_people in ["Tehran", "Hezbollah", "Revolutionary Guards", "Tirana", "Shah"] {
        assert!(
            people.iter().all(|p| p["name"] != not_people),
            "{not_people} is not a person"
        );
    }
}

#[test]
fn show_summarises_who_a_document_cites() {
    let env = Env::new();
    let id = env
        .add(&[fixture("op-ed-regime-change.txt").to_str().unwrap()])
        .remove(0);
    let out = env.run(&["show", &id]).ok().out();
    let cites = out
        .lines()
        .find(|l| l.trim_start().starts_with("cites people"))
        .expect(&out);
    assert!(
        cites.contains("Maryam Rajavi") && cites.contains("Khomeini"),
        "{cites}"
    );
    let json = env.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(json["sources"]["status"], "extracted");
    assert_eq!(json["sources"]["cited_outlets"], 3);
    let cited: Vec<&str> = json["sources"]["cited"]["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(cited, ["HuffPost", "Bloomberg News", "The Washington Times"]);
}

/// Two documents with known answers for the archive-wide view.
fn two_reports() -> (Env, String, String) {
    let env = Env::new();
    env.write(
        "a.txt",
        "Senator Jane Okafor said on Tuesday that the bill would pass. \
         According to The Washington Post, the vote is set for Friday.\n",
    );
    env.write(
        "b.txt",
        "The plan drew criticism. Jane Okafor, a senator from Ohio, met voters in Dayton, \
         as pictured on washingtonpost.com/politics this week. Reuters reported the delay.\n",
    );
    let ids = env.add(&["a.txt", "b.txt"]);
    (env, ids[0].clone(), ids[1].clone())
}

fn row<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {list:#}"))
}

#[test]
fn sources_without_id_counts_the_documents_that_name_and_cite_each_source() {
    let (env, a, b) = two_reports();
    let all = env.run(&["sources", "--json"]).ok().json();
    assert_eq!(all["documents"], 2);
    let okafor = row(&all["people"], "Jane Okafor");
    assert_eq!(okafor["named"], 2);
    assert_eq!(okafor["cited"], 1);
    assert_eq!(okafor["cited_in"], serde_json::json!([a]));
    let post = row(&all["outlets"], "The Washington Post");
    assert_eq!(
        (post["named"].as_u64(), post["cited"].as_u64()),
        (Some(2), Some(1))
    );
    let mut named_in: Vec<&str> = post["named_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    named_in.sort();
    let mut both = [a.as_str(), b.as_str()];
    both.sort();
    assert_eq!(named_in, both);
    assert_eq!(
        row(&all["outlets"], "Reuters")["cited_in"],
        serde_json::json!([b])
    );
}

#[test]
fn sources_filters_by_person_outlet_alias_or_domain_and_cited() {
    let (env, a, b) = two_reports();
    let person = env.run(&["sources", "--person", "okafor", "--json"]).ok().json();
    assert_eq!(person["people"].as_array().unwrap().len(), 1);
    assert!(person["outlets"].as_array().unwrap().is_empty(), "{person:#}");
    for name in ["WaPo", "washingtonpost.com", "the washington post"] {
        let outlet = env.run(&["sources", "--outlet", name, "--json"]).ok().json();
        let rows = outlet["outlets"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "--outlet {name}: {outlet:#}");
        assert_eq!(rows[0]["name"], "The Washington Post");
    }
    let cited = env.run(&["sources", "--cited", "--json"]).ok().json();
    let names: Vec<&str> = cited["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Reuters") && names.contains(&"The Washington Post"),
        "{names:?}"
    );
    assert!(
        cited["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["cited"].as_u64() > Some(0))
    );
    // The table lists the documents behind a person asked for.
    let table = env.run(&["sources", "--person", "Jane Okafor"]).ok().out();
    assert!(table.contains(&format!("cited in {a}")), "{table}");
    assert!(table.contains(&format!("named in {b}")), "{table}");
    // One document, filtered.
    let one = env.run(&["sources", &a, "--cited", "--json"]).ok().json();
    assert!(
        one["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["cited"] == true)
    );
}

#[test]
fn sources_csv_has_a_header_and_a_row_per_source() {
    let (env, _, _) = two_reports();
    let csv = env.run(&["sources", "--format", "csv"]).ok().out();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("type,name,kind,role,domain,named,cited,named_in,cited_in")
    );
    let okafor = lines.find(|l| l.starts_with("person,Jane Okafor,")).expect(&csv);
    assert!(okafor.contains(",2,1,"), "{okafor}");
}

#[test]
fn unknown_outlet_filter_is_a_one_line_error() {
    let (env, _, _) = two_reports();
    let run = env.run(&["sources", "--outlet", "No Such Gazette"]).code(2);
    assert!(run.one_line_error().contains("No Such Gazette"), "{}", run.stderr);
}

#[test]
fn sources_of_a_document_without_text_is_a_one_line_error() {
    let env = Env::new();
    env.write(
        "image.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89",
    );
    let id = env.add(&["image.png"]).remove(0);
    let run = env.run(&["sources", &id]).code(2);
    let err = run.one_line_error();
    assert!(err.contains(&id) && err.contains("no text"), "{err}");
}

#[test]
fn empty_and_garbage_texts_have_empty_sources_and_verify() {
    let env = Env::new();
    env.write("empty.txt", "");
    // Text-shaped garbage: characters of many scripts, quote marks,
    // apostrophes and capitals in no order (binary bytes are archived as
    // octet-stream, with no text to analyse).
    let alphabet: Vec<char> = "aZ’'\"“”«»„.,:;!? \n—-Mr.Dr.S.A.Жя中文عربيह\u{0301}😀Ωß İ("
        .chars()
        .collect();
    let mut seed = 0x2545_f491_u64;
    let garbage: String = (0..200_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            alphabet[(seed % alphabet.len() as u64) as usize]
        })
        .collect();
    env.write("garbage.txt", garbage);
    env.write("quotes.txt", "“ \" « He said: “never closed\n\n\"\n\n” ” ”\n");
    for file in ["empty.txt", "garbage.txt", "quotes.txt"] {
        let id = env.add(&[file]).remove(0);
        let s = env.run(&["sources", &id, "--json"]).ok().json();
        assert_offsets_slice_the_text(&env, &id, &s);
        if file == "empty.txt" {
            assert_eq!(s["outlets"], serde_json::json!([]));
            assert_eq!(s["people"], serde_json::json!([]));
        }
    }
    assert_eq!(env.verify().0, 0);
}

/// An archive written before the sources analyser existed.
fn archive_before_sources() -> Env {
    let env = Env::new();
    let status = Command::new("cp")
        .arg("-r")
        .arg(fixture("archive-before-sources"))
        .arg(env.archive())
        .status()
        .unwrap();
    assert!(status.success());
    make_writable(&env.archive());
    env
}

#[test]
fn reanalyze_adds_sources_to_an_older_archive_and_then_changes_nothing() {
    let env = archive_before_sources();
    let run = env.run(&["sources", OP_ED_ID]).code(2);
    assert!(run.one_line_error().contains("reanalyze"), "{}", run.stderr);
    let before = env.log_lines();

    let out = env.run(&["reanalyze"]).ok().out();
    assert!(out.contains("provenance-sources"), "{out}");
    let after = env.log_lines();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "old entries are never rewritten"
    );
    assert!(after.len() > before.len(), "a sources entry appended");
    env.run(&["sources", &OP_ED_ID[..8], "--json"]).ok();
    assert_eq!(env.verify().0, 0);

    let again = env.run(&["reanalyze", &OP_ED_ID[..8]]).ok().out();
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(env.log_lines(), after, "nothing new to record");
}

#[test]
fn reanalyze_of_an_unknown_id_changes_nothing() {
    let env = archive_before_sources();
    let before = env.log_lines();
    let run = env.run(&["reanalyze", "deadbeefdeadbeef"]).code(2);
    assert!(
        run.one_line_error().contains("deadbeefdeadbeef"),
        "{}",
        run.stderr
    );
    assert_eq!(env.log_lines(), before);
}
