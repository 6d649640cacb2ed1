//! The index (index.sqlite): it agrees with the log after every kind of
//! write and every kind of damage, search finds what it should and
//! nothing else, and the filters combine as documented (docs/INDEX.md).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::*;

const CRASH_VAR: &str = "PROVENANCE_TEST_CRASH_AT";

fn index_path(env: &Env) -> std::path::PathBuf {
    env.path("archive/index.sqlite")
}

/// The IDs `list --json` prints with these extra arguments.
fn listed(env: &Env, args: &[&str]) -> BTreeSet<String> {
    let mut all = vec!["list", "--json"];
    all.extend_from_slice(args);
    env.run(&all)
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sha256"].as_str().unwrap().to_string())
        .collect()
}

/// The IDs `search --json QUERY` finds, best first; none is exit 1.
fn found(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search", "--json", "--limit", "0"];
    all.extend_from_slice(args);
    let run = env.run(&all);
    let hits = run.json();
    let hits = hits.as_array().unwrap();
    assert_eq!(run.code, if hits.is_empty() { 1 } else { 0 }, "{}", run.stderr);
    hits.iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// No finding about the index (an interrupted command may leave others).
fn assert_index_agrees(env: &Env) {
    let (code, report) = env.verify();
    assert_eq!(code, 0, "{report:#}");
    let problems = env.problems();
    assert!(problems.iter().all(|p| !p.starts_with("index_")), "{problems:?}");
}

fn assert_verifies_clean(env: &Env) {
    let (code, report) = env.verify();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
}

fn write_text(env: &Env, rel: &str, text: &str) -> String {
    env.write(rel, text);
    rel.to_string()
}

const CITING: &str = "The minister resigned on Tuesday, according to Reuters. \"We will not be silenced,\" \
     said Senator John McCain, who called the regime change plan reckless.\n";
const PLAIN: &str = "A quiet afternoon at the harbour; the ferries ran late and nobody complained.\n";

#[test]
fn index_agrees_with_the_log_after_add_reanalyze_and_import() {
    let env = Env::new();
    let first = env.add(&[&write_text(&env, "a.txt", CITING)]);
    // The first reader builds the index.
    assert_eq!(
        listed(&env, &["--person", "McCain"]),
        BTreeSet::from([first[0].clone()])
    );
    assert!(index_path(&env).exists());
    // Later writes bring it up to date themselves.
    let second = env.add(&[&write_text(
        &env,
        "b.txt",
        &format!("{PLAIN}Reuters reported it first.\n"),
    )]);
    assert_verifies_clean(&env);
    assert_eq!(
        listed(&env, &["--outlet", "Reuters"]),
        BTreeSet::from([first[0].clone(), second[0].clone()])
    );
    env.run(&["reanalyze"]).ok();
    assert_verifies_clean(&env);
    let warc = env.write(
        "in.warc",
        warc_record(
            &[
                ("WARC-Type", "resource"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:7c1e2a7e-0000-4000-8000-000000000001>",
                ),
                ("WARC-Date", "2023-02-03T04:05:06Z"),
                ("WARC-Target-URI", "https://www.example.com/harbour"),
                ("Content-Type", "text/plain"),
            ],
            b"The harbour master, according to the BBC, closed the port.\n",
        ),
    );
    env.run(&["import", "--warc", warc.to_str().unwrap()]).ok();
    assert_verifies_clean(&env);
    assert_eq!(listed(&env, &["--domain", "example.com"]).len(), 1);
    assert_eq!(found(&env, &["harbour"]).len(), 2);
    // SQLite's and FTS5's own checks agree.
    let deep = env.run(&["verify", "--json", "--index-integrity"]).ok().json();
    assert_eq!(deep["findings"], serde_json::json!([]), "{deep:#}");
}

/// An archive of one plain document, indexed, then an `add` of the citing
/// text (b.txt) killed at `point`.
fn add_citing_crashing_at(env: &Env, point: &str) {
    env.add(&[&write_text(env, "a.txt", PLAIN)]);
    env.run(&["reindex"]).ok();
    write_text(env, "b.txt", CITING);
    let out = env.cmd(&["add", "b.txt"]).env(CRASH_VAR, point).output().unwrap();
    assert!(!out.status.success(), "add armed at {point} was not killed");
}

#[test]
fn an_index_killed_mid_update_is_behind_and_catches_up_when_next_used() {
    let env = Env::new();
    add_citing_crashing_at(&env, "index-applied");
    // The add was acknowledged (the head moved) before the index update
    // died: the index is merely behind, which is a warning.
    let (code, report) = env.verify();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(env.problems(), ["index_stale"]);
    assert_eq!(found(&env, &["McCain"]), [sha_hex(CITING.as_bytes())]);
    assert_verifies_clean(&env);
}

#[test]
fn an_unacknowledged_add_never_reaches_the_index() {
    let env = Env::new();
    add_citing_crashing_at(&env, "log-synced");
    // Readers see the head, not the tail.
    assert!(found(&env, &["McCain"]).is_empty());
    env.run(&["verify", "--repair"]).ok();
    assert!(found(&env, &["McCain"]).is_empty());
    assert_index_agrees(&env);
    env.add(&["b.txt"]);
    assert_eq!(found(&env, &["McCain"]), [sha_hex(CITING.as_bytes())]);
}

#[test]
fn a_deleted_index_is_rebuilt_when_next_used() {
    let env = Env::new();
    let ids = env.add(&[&write_text(&env, "a.txt", CITING)]);
    env.run(&["reindex"]).ok();
    std::fs::remove_file(index_path(&env)).unwrap();
    // Writes do not rebuild it (one add must not cost a full rebuild)...
    env.add(&[&write_text(&env, "b.txt", PLAIN)]);
    assert!(!index_path(&env).exists());
    assert_verifies_clean(&env);
    // ...its next reader does.
    assert_eq!(found(&env, &["regime"]), ids);
    assert!(index_path(&env).exists());
    assert_verifies_clean(&env);
}

#[test]
fn a_corrupt_index_is_reported_by_verify_and_rebuilt_by_its_next_reader() {
    for damage in ["garbage", "truncated", "zeroed pages"] {
        let env = Env::new();
        let ids = env.add(&[&write_text(&env, "a.txt", CITING)]);
        env.run(&["reindex"]).ok();
        let path = index_path(&env);
        let bytes = std::fs::read(&path).unwrap();
        let damaged = match damage {
            "garbage" => b"this is not a database".repeat(100),
            "truncated" => bytes[..bytes.len() / 3].to_vec(),
            _ => {
                let mut b = bytes.clone();
                let end = b.len();
                b[4096..end].fill(0);
                b
            }
        };
        std::fs::write(&path, damaged).unwrap();
        let (code, _) = env.verify();
        assert_eq!(code, 1, "{damage}");
        assert_eq!(env.problems(), ["index_damaged"], "{damage}");
        let deep = env.run(&["verify", "--json", "--index-integrity"]).code(1).json();
        assert_eq!(deep["findings"][0]["problem"], "index_damaged", "{damage}");
        assert_eq!(found(&env, &["McCain"]), ids, "{damage}");
        assert_verifies_clean(&env);
    }
}

#[test]
fn an_index_row_that_disagrees_with_the_log_is_an_error_that_repair_mends() {
    let env = Env::new();
    env.add(&[
        &write_text(&env, "a.txt", CITING),
        &write_text(&env, "b.txt", PLAIN),
    ]);
    env.run(&["reindex"]).ok();
    let edits = [
        "UPDATE captures SET label = 'elsewhere.txt' WHERE seq = 1",
        "UPDATE captures SET retrieved = retrieved + 1000 WHERE seq = 4",
        "DELETE FROM analyses WHERE seq = 2",
        "DELETE FROM doc_outlets",
        "DELETE FROM texts WHERE rowid = 2",
        "INSERT INTO analyses VALUES (99, 1, 1, 'ab', 0, NULL, 0, NULL, NULL, NULL)",
        "UPDATE state SET last_entry = 'ab'",
    ];
    for edit in edits {
        env.run(&["reindex"]).ok();
        let conn = rusqlite::Connection::open(index_path(&env)).unwrap();
        assert_eq!(conn.execute(edit, []).unwrap(), 1, "{edit}");
        drop(conn);
        let (code, report) = env.verify();
        assert_eq!(code, 1, "{edit}: {report:#}");
        let problems = env.problems();
        assert!(
            !problems.is_empty() && problems.iter().all(|p| p == "index_mismatch"),
            "{edit}: {problems:?}"
        );
        let repair = env.run(&["verify", "--repair"]).ok();
        assert!(
            repair.out().contains("rebuilt the index"),
            "{edit}: {}",
            repair.out()
        );
        assert_verifies_clean(&env);
    }
}

#[test]
fn an_index_of_another_history_is_rebuilt_not_caught_up() {
    let env = Env::new();
    env.add(&[&write_text(&env, "a.txt", PLAIN)]);
    env.run(&["reindex"]).ok();
    let saved = env.path("saved");
    std::fs::create_dir(&saved).unwrap();
    for f in ["log.jsonl", "head.json"] {
        std::fs::copy(env.path(&format!("archive/{f}")), saved.join(f)).unwrap();
    }
    env.add(&[&write_text(&env, "b.txt", CITING)]);
    assert_eq!(found(&env, &["McCain"]).len(), 1);
    // The log goes back, and another document takes the same place: the
    // index has as many entries as the log, but not the same ones.
    for f in ["log.jsonl", "head.json"] {
        std::fs::copy(saved.join(f), env.path(&format!("archive/{f}"))).unwrap();
    }
    std::fs::remove_file(env.path("archive/tree.hashes")).unwrap();
    let other = "The ferry strike, according to the BBC, ended at dawn.\n";
    let ids = env.add(&[&write_text(&env, "c.txt", other)]);
    assert!(found(&env, &["McCain"]).is_empty());
    assert_eq!(found(&env, &["ferry", "strike"]), ids);
    assert_index_agrees(&env);
}

// ---- search ----

/// Documents whose words are known, by name.
fn search_corpus(env: &Env) -> std::collections::BTreeMap<&'static str, String> {
    let docs = [
        (
            "phrase",
            "The regime change in Iran was debated at length by the council.\n",
        ),
        (
            "apart",
            "A change of regime is unlikely, the council concluded.\n",
        ),
        ("accent", "The café society of Tehran met at the Café Naderi.\n"),
        (
            "repeat",
            "Iran. Iran, Iran and again Iran: the word of the day in the council.\n",
        ),
        (
            "other",
            "Markets closed higher on Friday after a quiet session.\n",
        ),
    ];
    let rels: Vec<String> = docs
        .iter()
        .map(|(name, text)| write_text(env, &format!("{name}.txt"), text))
        .collect();
    let refs: Vec<&str> = rels.iter().map(String::as_str).collect();
    let ids = env.add(&refs);
    docs.iter().map(|(n, _)| *n).zip(ids).collect()
}

#[test]
fn search_finds_what_it_should_and_nothing_else() {
    let env = Env::new();
    let d = search_corpus(&env);
    let set = |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| d[n].clone()).collect() };
    let got = |args: &[&str]| -> BTreeSet<String> { found(&env, args).into_iter().collect() };
    assert_eq!(got(&["regime", "change"]), set(&["phrase", "apart"]));
    assert_eq!(got(&["\"regime change\""]), set(&["phrase"]));
    assert_eq!(got(&["regime", "-unlikely"]), set(&["phrase"]));
    assert_eq!(got(&["cafe"]), set(&["accent"]), "accents are ignored");
    assert_eq!(got(&["CAFÉ"]), set(&["accent"]), "case is ignored");
    assert_eq!(got(&["chang*"]), set(&["phrase", "apart"]));
    assert_eq!(got(&["markets", "OR", "tehran"]), set(&["other", "accent"]));
    assert_eq!(got(&["council"]), set(&["phrase", "apart", "repeat"]));
    assert!(got(&["submarine"]).is_empty());
    assert!(
        got(&["regim"]).is_empty(),
        "whole words, unless a prefix is asked for"
    );
    // Punctuation is a separator, never a syntax error.
    assert_eq!(got(&["Iran:", "(council)"]), set(&["phrase", "repeat"]));
    // The document that says it most comes first.
    assert_eq!(found(&env, &["iran"])[0], d["repeat"]);
    let best = env.run(&["search", "--json", "--limit", "1", "iran"]).ok().json();
    assert_eq!(best.as_array().unwrap().len(), 1);
}

#[test]
fn search_marks_the_words_found_in_its_snippets() {
    let env = Env::new();
    let d = search_corpus(&env);
    let hits = env.run(&["search", "--json", "regime"]).ok().json();
    for hit in hits.as_array().unwrap() {
        let snippet = hit["snippet"].as_str().unwrap();
        let ranges = hit["highlights"].as_array().unwrap();
        assert!(!ranges.is_empty(), "{hit}");
        for r in ranges {
            let (s, e) = (r[0].as_u64().unwrap() as usize, r[1].as_u64().unwrap() as usize);
            assert_eq!(snippet[s..e].to_lowercase(), "regime", "{hit}");
        }
    }
    let colored = env
        .run(&["search", "--color", "always", "\"regime change\""])
        .ok();
    // A phrase is marked as one.
    assert!(
        colored.out().contains("\x1b[1;31mregime change\x1b[0m"),
        "{}",
        colored.out()
    );
    assert!(colored.out().contains(&d["phrase"][..12]));
    let plain = env.run(&["search", "regime"]).ok();
    assert!(!plain.out().contains('\x1b'), "no colour into a pipe");
}

#[test]
fn search_reads_a_page_s_article_text_not_its_markup() {
    let env = Env::new();
    let page = "<html><head><title>Harbour strike ends</title>\
        <script>var secretword = 1;</script></head>\
        <body><article><p>The harbour strike ended at dawn, the union said, after talks through the night \
        that both sides described as long and difficult.</p></article></body></html>";
    let ids = env.add(&[&write_text(&env, "page.html", page)]);
    assert_eq!(found(&env, &["harbour", "strike"]), ids);
    assert!(found(&env, &["secretword"]).is_empty());
    let hit = &env.run(&["search", "--json", "dawn"]).ok().json()[0];
    assert_eq!(hit["title"], "Harbour strike ends");
    assert_eq!(hit["media_type"], "text/html");
}

#[test]
fn a_query_with_no_word_is_a_one_line_usage_error() {
    let env = Env::new();
    search_corpus(&env);
    for q in ["...", "-iran", "\"\"", "OR"] {
        let run = env.run(&["search", q]).code(2);
        assert!(
            run.one_line_error().contains("give at least one word"),
            "{q}: {}",
            run.stderr
        );
    }
}

// ---- filters ----

/// What a test knows of one document, from the log and its sources result.
struct Facts {
    id: String,
    host: String,
    retrieved: String,
    media_type: String,
    /// (name, cited)
    outlets: Vec<(String, bool)>,
    people: Vec<(String, bool)>,
}

/// Documents with known domains, dates and media types, imported from a
/// WARC file so that each has the URL and date a test chooses.
fn filter_corpus(env: &Env) -> Vec<Facts> {
    let docs = [
        (
            "https://www.example.com/a",
            "2020-01-02T03:04:05Z",
            "text/plain",
            "The port closed early, according to Reuters. \"It was a mistake,\" said Senator John McCain.\n",
        ),
        (
            "https://news.example.com/b",
            "2021-06-01T23:59:59Z",
            "text/html",
            "<html><head><title>Port report</title></head><body><article><p>John McCain visited the \
             port on Monday, and the BBC reported that the strike would end soon after the talks.</p>\
             </article></body></html>",
        ),
        (
            "https://example.org/c",
            "2021-06-02T00:00:00Z",
            "text/plain",
            "Port officials, according to Reuters, expect record traffic this year.\n",
        ),
        (
            "https://notexample.com/d",
            "2022-03-03T12:00:00Z",
            "text/plain",
            "A port report without anyone quoted: Reuters and the BBC were not there.\n",
        ),
        (
            "https://example.com/e",
            "2019-12-31T23:59:59Z",
            "application/json",
            "{\"port\": \"report\", \"note\": \"McCain said nothing\"}",
        ),
    ];
    let mut warc = Vec::new();
    for (i, (url, date, media_type, body)) in docs.iter().enumerate() {
        let id = format!("<urn:uuid:00000000-0000-4000-8000-{i:012}>");
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {media_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        warc.extend(warc_record(
            &[
                ("WARC-Type", "response"),
                ("WARC-Record-ID", &id),
                ("WARC-Date", date),
                ("WARC-Target-URI", url),
                ("Content-Type", "application/http; msgtype=response"),
            ],
            &[head.as_bytes(), body.as_bytes()].concat(),
        ));
    }
    let path = env.write("corpus.warc", warc);
    env.run(&["import", "--warc", path.to_str().unwrap()]).ok();
    docs.iter()
        .map(|(url, date, media_type, body)| {
            let id = sha_hex(body.as_bytes());
            let sources = env.run(&["sources", "--json", &id]).ok().json();
            let pairs = |key: &str| -> Vec<(String, bool)> {
                sources[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o: &Value| {
                        (
                            o["name"].as_str().unwrap().to_string(),
                            o["cited"].as_bool().unwrap(),
                        )
                    })
                    .collect()
            };
            Facts {
                id,
                host: url.split('/').nth(2).unwrap().to_string(),
                retrieved: date.to_string(),
                media_type: media_type.to_string(),
                outlets: pairs("outlets"),
                people: pairs("people"),
            }
        })
        .collect()
}

/// One combination of filters, as arguments and as a predicate.
#[derive(Clone, Default, Debug)]
struct Combo {
    outlet: Option<&'static str>,
    person: Option<&'static str>,
    cited: bool,
    since: Option<&'static str>,
    until: Option<&'static str>,
    domain: Option<&'static str>,
    media_type: Option<&'static str>,
}

impl Combo {
    fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        let mut opt = |flag: &str, v: Option<&str>| {
            if let Some(v) = v {
                a.push(flag.to_string());
                a.push(v.to_string());
            }
        };
        opt("--outlet", self.outlet);
        opt("--person", self.person);
        opt("--since", self.since);
        opt("--until", self.until);
        opt("--domain", self.domain);
        opt("--media-type", self.media_type);
        if self.cited {
            a.push("--cited".into());
        }
        a
    }

    /// The documented meaning, written independently of the index.
    fn admits(&self, f: &Facts) -> bool {
        let names = |list: &[(String, bool)], want: &dyn Fn(&str) -> bool| {
            list.iter().any(|(n, cited)| want(n) && (*cited || !self.cited))
        };
        let outlet_ok = self.outlet.is_none_or(|o| names(&f.outlets, &|n| n == o));
        let person_ok = self.person.is_none_or(|p| names(&f.people, &|n| n.contains(p)));
        let cited_ok = !self.cited
            || self.outlet.is_some()
            || self.person.is_some()
            || f.outlets.iter().chain(&f.people).any(|(_, c)| *c);
        let day = &f.retrieved[..10];
        let since_ok = self.since.is_none_or(|s| day >= s);
        let until_ok = self.until.is_none_or(|u| day <= u);
        let domain_ok = self
            .domain
            .is_none_or(|d| f.host == d || f.host.ends_with(&format!(".{d}")));
        let media_ok = self.media_type.is_none_or(|m| match m.strip_suffix("/*") {
            Some(top) => f.media_type.starts_with(&format!("{top}/")),
            None => f.media_type == m,
        });
        outlet_ok && person_ok && cited_ok && since_ok && until_ok && domain_ok && media_ok
    }
}

fn combos() -> Vec<Combo> {
    let mut out = Vec::new();
    for outlet in [None, Some("Reuters"), Some("BBC")] {
        for person in [None, Some("McCain")] {
            for cited in [false, true] {
                for (since, until) in [
                    (None, None),
                    (Some("2021-06-01"), None),
                    (None, Some("2021-06-01")),
                ] {
                    for domain in [None, Some("example.com")] {
                        for media_type in [None, Some("text/*")] {
                            out.push(Combo {
                                outlet,
                                person,
                                cited,
                                since,
                                until,
                                domain,
                                media_type,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn filters_combine_as_documented_on_list_search_and_sources() {
    let env = Env::new();
    let facts = filter_corpus(&env);
    // The corpus must exercise what the filters tell apart.
    assert!(
        facts
            .iter()
            .any(|f| f.outlets.iter().any(|(n, c)| n == "Reuters" && *c))
    );
    assert!(
        facts
            .iter()
            .any(|f| f.outlets.iter().any(|(n, c)| n == "Reuters" && !*c))
    );
    assert!(
        facts
            .iter()
            .any(|f| f.people.iter().any(|(n, c)| n.contains("McCain") && *c))
    );
    assert!(
        facts
            .iter()
            .any(|f| f.people.iter().any(|(n, c)| n.contains("McCain") && !*c))
    );
    let mut nonempty = 0;
    for (i, combo) in combos().into_iter().enumerate() {
        let want: BTreeSet<String> = facts
            .iter()
            .filter(|f| combo.admits(f))
            .map(|f| f.id.clone())
            .collect();
        nonempty += usize::from(!want.is_empty());
        let args = combo.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(listed(&env, &args), want, "list {combo:?}");
        // Search shares the filters' code: every third combination.
        if i % 3 == 0 {
            let mut query = args.clone();
            query.push("port");
            let got: BTreeSet<String> = found(&env, &query).into_iter().collect();
            assert_eq!(got, want, "search {combo:?}");
        }
    }
    assert!(nonempty > 30, "too few combinations select anything: {nonempty}");
    let exact: BTreeSet<String> = facts
        .iter()
        .filter(|f| f.media_type == "text/plain")
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(listed(&env, &["--media-type", "text/plain"]), exact);
}

#[test]
fn a_filtered_list_prints_the_rows_the_log_gives() {
    let env = Env::new();
    filter_corpus(&env);
    // The filtered table is printed from the index, the whole one from
    // the log: a row must read the same either way.
    let whole = env.run(&["list"]).ok().out();
    for args in [
        &["--domain", "example.com"][..],
        &["--media-type", "text/*", "--cited"],
    ] {
        let mut cmd = vec!["list"];
        cmd.extend_from_slice(args);
        let filtered = env.run(&cmd).ok().out();
        let rows: Vec<&str> = filtered.lines().collect();
        assert!(rows.len() > 2, "{args:?}: {filtered}");
        for row in &rows {
            assert!(
                whole.lines().any(|l| l == *row),
                "{args:?}: {row:?} is not in\n{whole}"
            );
        }
    }
}

#[test]
fn sources_over_the_archive_counts_only_the_documents_the_filters_choose() {
    let env = Env::new();
    let facts = filter_corpus(&env);
    let all = env.run(&["sources", "--json"]).ok().json();
    assert_eq!(all["documents"], 5);
    // Filters that choose every document give the archive-wide answer.
    let everything = env
        .run(&["sources", "--json", "--since", "1900-01-01"])
        .ok()
        .json();
    assert_eq!(everything, all);
    let scoped = env
        .run(&[
            "sources",
            "--json",
            "--domain",
            "example.com",
            "--since",
            "2020-01-01",
        ])
        .ok()
        .json();
    let in_scope: Vec<&Facts> = facts
        .iter()
        .filter(|f| {
            f.host.ends_with("example.com") && f.host != "notexample.com" && &f.retrieved[..4] >= "2020"
        })
        .collect();
    assert_eq!(scoped["documents"], in_scope.len());
    let reuters = scoped["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Reuters")
        .unwrap();
    let naming: BTreeSet<String> = in_scope
        .iter()
        .filter(|f| f.outlets.iter().any(|(n, _)| n == "Reuters"))
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(reuters["named"], naming.len());
    let named_in: BTreeSet<String> = reuters["named_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(named_in, naming);
    // The capture filters choose documents, so they need no ID.
    let run = env
        .run(&["sources", &facts[0].id, "--domain", "example.com"])
        .code(2);
    assert!(run.one_line_error().contains("without an ID"));
}

#[test]
fn bad_filter_values_are_one_line_usage_errors() {
    let env = Env::new();
    env.add(&[&write_text(&env, "a.txt", PLAIN)]);
    for (flag, value, says) in [
        ("--since", "last week", "--since last week"),
        ("--until", "2026-13-01", "--until 2026-13-01"),
        ("--domain", "exa mple.com", "--domain exa mple.com"),
        ("--media-type", "text/", "--media-type text/"),
        (
            "--outlet",
            "The Nonexistent Gazette",
            "no outlet in the gazetteer",
        ),
    ] {
        for cmd in ["list", "sources"] {
            let run = env.run(&[cmd, flag, value]).code(2);
            assert!(
                run.one_line_error().contains(says),
                "{cmd} {flag} {value}: {}",
                run.stderr
            );
        }
    }
}
