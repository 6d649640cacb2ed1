//! `diff OLD NEW` compares the texts of two documents; `history URL` lists
//! the captures of a URL (its URL captures are tested with a real server in
//! fetch.rs; here only what needs no network).

use std::process::Command;

use serde_json::Value;

use crate::harness::*;

const OLD: &str = "Talks in Geneva\n\
    \n\
    The minister said on Tuesday that the talks had failed after two days.\n\
    Both delegations left the city the same evening.\n\
    \n\
    A spokesman declined to comment.\n";

/// `OLD` with one sentence edited: the kind of silent correction `diff`
/// is for.
fn edited() -> String {
    OLD.replace("talks had failed after", "talks had stalled after")
}

/// An archive holding OLD and its edit; returns their IDs.
fn old_and_new() -> (Env, String, String) {
    let env = Env::new();
    env.write("old.txt", OLD);
    env.write("new.txt", edited());
    let ids = env.add(&["old.txt", "new.txt"]);
    (env, ids[0].clone(), ids[1].clone())
}

#[test]
fn line_diff_shows_the_changed_sentence_in_unified_format_and_exits_1() {
    let (env, old, new) = old_and_new();
    let out = env.run(&["diff", &old[..8], &new[..8]]).code(1).out();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&format!("--- {old}\t")), "{out}");
    assert!(lines[1].starts_with(&format!("+++ {new}\t")), "{out}");
    assert_eq!(lines[2], "@@ -1,6 +1,6 @@", "{out}");
    assert!(
        lines.contains(&"-The minister said on Tuesday that the talks had failed after two days."),
        "{out}"
    );
    assert!(
        lines.contains(&"+The minister said on Tuesday that the talks had stalled after two days."),
        "{out}"
    );
    assert!(
        lines.contains(&" Both delegations left the city the same evening."),
        "{out}"
    );
}

#[test]
fn line_diff_is_a_patch_that_turns_the_old_text_into_the_new() {
    let (env, old, new) = old_and_new();
    let diff = env.run(&["diff", &old, &new]).code(1);
    env.write("patched.txt", OLD);
    env.write("change.diff", &diff.stdout);
    let status = Command::new("patch")
        .current_dir(env.root())
        .args(["--quiet", "patched.txt", "change.diff"])
        .status()
        .expect("run patch");
    assert!(status.success(), "patch refused:\n{}", diff.out());
    assert_eq!(
        std::fs::read_to_string(env.path("patched.txt")).unwrap(),
        edited()
    );
}

#[test]
fn line_diff_json_has_hunks_of_lines() {
    let (env, old, new) = old_and_new();
    let v = env.run(&["--json", "diff", &old, &new]).code(1).json();
    assert_eq!(v["old"], old.as_str());
    assert_eq!(v["new"], new.as_str());
    assert_eq!(v["same_bytes"], false);
    assert_eq!(v["same_text"], false);
    assert!(v.get("changes").is_none(), "{v:#}");
    let hunks = v["hunks"].as_array().unwrap();
    assert_eq!(hunks.len(), 1, "{v:#}");
    let h = &hunks[0];
    assert_eq!(
        (&h["old_start"], &h["old_lines"], &h["new_start"], &h["new_lines"]),
        (&Value::from(1), &Value::from(6), &Value::from(1), &Value::from(6))
    );
    let ops: Vec<(&str, &str)> = h["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["op"].as_str().unwrap(), l["text"].as_str().unwrap()))
        .collect();
    assert!(ops.contains(&(
        "-",
        "The minister said on Tuesday that the talks had failed after two days."
    )));
    assert!(ops.contains(&(
        "+",
        "The minister said on Tuesday that the talks had stalled after two days."
    )));
    assert_eq!(ops[0], (" ", "Talks in Geneva"));
}

#[test]
fn word_diff_marks_the_changed_word_inline_with_its_line() {
    let (env, old, new) = old_and_new();
    let out = env.run(&["diff", "--words", &old, &new]).code(1).out();
    assert!(out.contains("old line 3, new line 3:"), "{out}");
    assert!(
        out.contains(
            "  The minister said on Tuesday that the talks had [-failed-]{+stalled+} after two days."
        ),
        "{out}"
    );
    // Only the changed passage: no unchanged paragraph is printed.
    assert!(!out.contains("Both delegations"), "{out}");
    assert!(!out.contains("spokesman"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("1 passage changed: 1 word removed, 1 word added"),
        "{out}"
    );
}

#[test]
fn word_diff_json_spells_out_both_texts() {
    let (env, old, new) = old_and_new();
    let v = env.run(&["diff", &old, &new, "--words", "--json"]).code(1).json();
    assert_eq!(v["same_text"], false);
    assert!(v.get("hunks").is_none(), "{v:#}");
    let changes = v["changes"].as_array().unwrap();
    let runs = |op: &str| -> Vec<&str> {
        changes
            .iter()
            .filter(|c| c["op"] == op)
            .map(|c| c["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(runs("delete"), ["failed"]);
    assert_eq!(runs("insert"), ["stalled"]);
    let spell = |skip: &str| -> String {
        changes
            .iter()
            .filter(|c| c["op"] != skip)
            .map(|c| c["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(spell("insert"), OLD);
    assert_eq!(spell("delete"), edited());
}

#[test]
fn same_text_in_other_bytes_says_so_and_exits_0() {
    let env = Env::new();
    let text = "Le ministre a parlé.\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    env.write("utf8.txt", text);
    env.write("utf16.txt", &utf16);
    let ids = env.add(&["utf8.txt", "utf16.txt"]);
    assert_ne!(ids[0], ids[1]);
    let run = env.run(&["diff", &ids[0], &ids[1]]).ok();
    assert_eq!(run.out(), "the bytes differ but the text is the same\n");
    let v = env.run(&["diff", &ids[0], &ids[1], "--json"]).ok().json();
    assert_eq!(v["same_bytes"], false);
    assert_eq!(v["same_text"], true);
    assert_eq!(v["hunks"], Value::Array(vec![]));
    env.run(&["diff", "--words", &ids[0], &ids[1]]).ok();
}

#[test]
fn identical_documents_say_so_and_exit_0() {
    let (env, old, _) = old_and_new();
    let run = env.run(&["diff", &old[..10], &old]).ok();
    assert_eq!(
        run.out(),
        format!("identical: {} and {old} are the same bytes\n", &old[..10])
    );
    let v = env.run(&["--json", "diff", &old, &old]).ok().json();
    assert_eq!(
        (&v["same_bytes"], &v["same_text"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
}

#[test]
fn a_document_without_text_is_a_one_line_error_naming_it() {
    let (env, old, _) = old_and_new();
    env.write(
        "pixel.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0",
    );
    let png = &env.add(&["pixel.png"])[0];
    for args in [
        ["diff", old.as_str(), png.as_str()],
        ["diff", png.as_str(), old.as_str()],
    ] {
        let run = env.run(&args).code(2);
        let err = run.one_line_error();
        assert!(err.contains(png.as_str()) && err.contains("has no text"), "{err}");
        assert!(err.contains("image/png"), "{err}");
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn an_unknown_id_is_a_one_line_error() {
    let (env, old, _) = old_and_new();
    let run = env.run(&["diff", &old, "0123456789abcdef"]).code(2);
    let err = run.one_line_error();
    assert!(err.contains("0123456789abcdef"), "{err}");
    env.run(&["diff", "nothex!", &old]).code(2).one_line_error();
}

#[test]
fn history_of_a_url_never_captured_is_a_one_line_negative_answer() {
    let (env, _, _) = old_and_new();
    let url = "https://example.org/never-fetched";
    let run = env.run(&["history", url]).code(1);
    assert!(run.one_line_error().contains(url), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.out());
    // JSON readers still get a document to parse.
    let run = env.run(&["--json", "history", url]).code(1);
    assert_eq!(run.json(), Value::Array(vec![]));
    assert!(run.one_line_error().contains(url));
}

#[test]
fn history_ignores_file_captures_even_under_the_same_name() {
    let env = Env::new();
    env.write("example.org/index.html", "<p>a file, not a fetch</p>\n");
    env.add(&["example.org/index.html"]);
    for name in ["example.org/index.html", "example.org/index.html/"] {
        let run = env.run(&["history", name]).code(1);
        assert!(run.one_line_error().contains(name), "{}", run.stderr);
    }
}
