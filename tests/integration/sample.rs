//! The archive bundled in the repository works in a fresh clone.

use crate::harness::*;

const SAMPLE_ID: &str = "19552d2cebc07af86a4dbbb1b7c9ff8b29b33b53e4b7a70dca9ae8003a9954ab";

fn sample_copy() -> Env {
    let env = Env::new();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("archive"))
        .arg(env.root())
        .status()
        .unwrap();
    assert!(status.success());
    env
}

#[test]
fn bundled_sample_archive_verifies_and_holds_the_op_ed() {
    let env = sample_copy();
    let (code, report) = env.verify();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report:#}");
    let fixture = fixture("op-ed-regime-change.txt");
    assert_eq!(sha256sum(&fixture), SAMPLE_ID);
    let listed = env.run(&["list", "--json"]).ok().json();
    assert_eq!(listed[0]["sha256"], SAMPLE_ID);
    assert_eq!(
        env.run(&["text", &SAMPLE_ID[..8]]).ok().stdout,
        std::fs::read(&fixture).unwrap()
    );
    env.run(&["verify", fixture.to_str().unwrap()]).ok();
}

#[test]
fn bundled_sample_archive_knows_whom_the_op_ed_cites() {
    let env = sample_copy();
    let sources = env.run(&["sources", &SAMPLE_ID[..8], "--json"]).ok().json();
    let cited: Vec<&str> = sources["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["cited"] == true)
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(cited, ["HuffPost", "Bloomberg News", "The Washington Times"]);
    // The sample is what today's analysers make of it.
    let out = env.run(&["reanalyze"]).ok().out();
    assert!(
        out.contains("unchanged"),
        "scripts/make-sample-archive needs a run: {out}"
    );
}

#[test]
fn bundled_sample_page_has_its_article_text_and_metadata() {
    let env = sample_copy();
    let page = fixture("sample-page.html");
    let id = sha256sum(&page);
    let shown = env.run(&["show", &id[..8], "--json"]).ok().json();
    let m = &shown["metadata"];
    assert_eq!(
        m["title"],
        "Port strike talks collapse as union rejects final offer"
    );
    assert_eq!(m["authors"], serde_json::json!(["Maria Okafor", "Tom Lindqvist"]));
    assert_eq!(m["published"], "2026-11-27T21:40:00Z");
    let text = env.run(&["text", &id[..8]]).ok().out();
    assert!(
        text.starts_with("Negotiations between the dock workers' union"),
        "{text}"
    );
    for furniture in [
        "Share on",
        "Related stories",
        "Sign up",
        "Comments",
        "management refuses",
        "Photo:",
    ] {
        assert!(!text.contains(furniture), "{furniture:?} in {text}");
    }
    let human = env.run(&["show", &id[..8]]).ok().out();
    assert!(
        human.contains("cites people   Dana Whitfield, Priya Raman"),
        "{human}"
    );
}

#[test]
fn bundled_sample_archive_proves_the_op_ed_is_in_its_signed_checkpoint() {
    let env = sample_copy();
    let vkey = env.run(&["key"]).ok().out().trim().to_string();
    let proof = env.run(&["--json", "proof", &SAMPLE_ID[..8]]).ok();
    let file = env.write("proof.json", &proof.stdout);
    let (ok, said) = run_python(
        "tlog_verify.py",
        &["inclusion".as_ref(), vkey.as_ref(), file.as_os_str()],
    );
    assert!(ok, "{said}");
}
