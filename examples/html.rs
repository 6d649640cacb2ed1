//! Prints what the HTML analyser makes of pages, without an archive:
//! `cargo run --release --example html -- [--text] PAGE.html [URL]`.
//! scripts/score-html runs it over ../shared/html-dev.

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let text_only = args.first().is_some_and(|a| a == "--text");
    if text_only {
        args.remove(0);
    }
    let Some(path) = args.first() else {
        eprintln!("usage: html [--text] PAGE.html [URL]");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("html: {path}: {e}");
            std::process::exit(2);
        }
    };
    let page = provenance::html::analyse(&bytes, None, args.get(1).map(String::as_str));
    if text_only {
        print!("{}", page.text);
        return;
    }
    let out = serde_json::json!({
        "metadata": page.metadata,
        "encoding": page.charset.encoding.name(),
        "text": page.text,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}
