#!/usr/bin/env python3
"""The peer of benches/html.rs: trafilatura's throughput on the same pages.

Reads ../shared/html-dev/pages/*.html (or $HTML_DEV/pages) as bytes, sorted
by file name, with each page's URL from gold.json, exactly as benches/html.rs
does; one warm-up pass, then whole passes until at least $HTML_BENCH_SECS
seconds (default 3) have gone by, on one thread, in process. Prints the same
figures in the same format as benches/html.rs, ending in `MBPS <n>`.

Usage: python scripts/trafilatura_bench.py     (scripts/bench-html runs it
in its venv, with trafilatura installed there)

The call: trafilatura.bare_extraction(html_bytes, url=url,
with_metadata=True), with trafilatura's defaults otherwise (its balanced
mode, fast=False, so the readability/jusText fallback comparison runs as in
its own evaluations; output_format="python"). It does the job that
provenance::html::analyse does: decode the bytes (trafilatura sniffs the
encoding), parse, extract the article's main text and its metadata (title,
authors, date, site name, description, ...), and hand both back as objects,
a Document with .text as plain text. extract(..., with_metadata=True) would
do the same work and then serialise it (a metadata header and a
fingerprint) into a string, which ours does not do, so bare_extraction is
the like-for-like call.

trafilatura, htmldate and courlan keep LRU caches keyed on strings (lines
of text, date candidates); passing over the same 17 pages again and again
would let later passes hit what earlier ones cached, which a stream of new
pages would not (about 10% faster here). So trafilatura.meta.reset_caches()
runs before every pass, outside the timing (it takes about 10 ms, mostly a
gc.collect(), against about 0.5 s a pass), and within a pass the pages are
all different, as in real use.

One thread: trafilatura and lxml do not start threads of their own;
scripts/bench-html still sets OMP/OpenBLAS/MKL thread counts to 1 (nothing
here uses them).
"""

import json
import os
import pathlib
import sys
import time

import trafilatura
from trafilatura.meta import reset_caches

MB = 1e6


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    d = pathlib.Path(os.environ.get("HTML_DEV") or root / ".." / "shared" / "html-dev").resolve()
    min_secs = float(os.environ.get("HTML_BENCH_SECS") or 3)
    gold = json.loads((d / "gold.json").read_text(encoding="utf-8"))
    paths = sorted((d / "pages").glob("*.html"))
    if not paths:
        sys.exit(f"no pages in {d / 'pages'}")
    pages = [(p.read_bytes(), gold[p.name]["url"]) for p in paths]
    size = sum(len(html) for html, _ in pages)

    print(f"trafilatura {trafilatura.__version__} (Python {sys.version.split()[0]}), "
          "bare_extraction(html_bytes, url=url, with_metadata=True)")
    print(f"pages: {len(pages)} files, {size / MB:.2f} MB of HTML, one thread ({d / 'pages'})")

    # Warm-up: one pass, which also gives the size of what comes out.
    text_bytes = titled = 0
    for html, url in pages:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        if doc is not None:
            text_bytes += len((doc.text or "").encode("utf-8"))
            titled += bool(doc.title)
    print(f"out per pass: {text_bytes / 1e3:.0f} KB of text, {titled} of {len(pages)} pages with a title")

    runs, secs, cpu = 0, 0.0, 0.0
    while runs == 0 or secs < min_secs:
        reset_caches()  # untimed: see the module's docstring
        t, c = time.perf_counter(), time.thread_time()
        for html, url in pages:
            trafilatura.bare_extraction(html, url=url, with_metadata=True)
        secs += time.perf_counter() - t
        cpu += time.thread_time() - c
        runs += 1

    mb = size * runs / MB
    print(f"trafilatura.bare_extraction: {size / MB:.2f} MB x {runs} runs = {mb:.1f} MB in {secs:.3f} s: "
          f"{mb / secs:.2f} MB/s, {len(pages) * runs / secs:.1f} pages/s "
          f"(CPU time {cpu:.3f} s: {mb / cpu:.2f} MB/s)")
    print(f"MBPS {mb / secs:.4f}")
    print(f"CPU_MBPS {mb / cpu:.4f}")


if __name__ == "__main__":
    main()
