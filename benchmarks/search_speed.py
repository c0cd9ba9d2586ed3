"""Search figures for the example site: index size against the site's HTML, and keystroke-to-results time.

Run from the repository (needs Debian's chromium and the project's venv):

    .venv/bin/python benchmarks/search_speed.py [--runs 5]

It builds the example site into benchmarks/_work/search-site, serves it on 127.0.0.1, opens each
language's search page in headless Chromium and, for each query, measures the time from the input event
(the keystroke that completes the query) to the results being on screen, first with a cold index (the
first query of a page load, which fetches Pagefind's code and index chunks) and then warm. Prints medians.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "_work" / "search-site"
QUERIES = {"vi": ["dong xam", "Thái Bình", "khu công nghiệp", "dau tu"], "en": ["industrial park", "silver", "investment"]}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

MEASURE = """async (query) => {
  const input = document.getElementById('search-q');
  const status = document.getElementById('search-status');
  status.textContent = '';
  const start = performance.now();
  input.value = query;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise((resolve) => {
    const done = () => status.textContent.includes('\u201c' + query + '\u201d');
    if (done()) return resolve();
    new MutationObserver((_, obs) => { if (done()) { obs.disconnect(); resolve(); } })
      .observe(status, {childList: true, characterData: true, subtree: true});
  });
  return performance.now() - start;
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(REPO), "--output", str(WORK),
                    "--no-cache"], check=True, capture_output=True)
    html = size(list(WORK.rglob("*.html")))
    bundle = sorted((WORK / "pagefind").rglob("*"))
    index = size([p for p in bundle if p.suffix in (".pf_index", ".pf_fragment", ".pf_meta", ".pf_filter")])
    runtime = size([p for p in bundle if p.suffix not in (".pf_index", ".pf_fragment", ".pf_meta", ".pf_filter")])
    print(f"HTML pages: {html / 1024:.0f} KiB; search index data: {index / 1024:.0f} KiB "
          f"({index / html:.0%} of the HTML); Pagefind runtime (JS + WebAssembly): {runtime / 1024:.0f} KiB")

    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(WORK)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    cold: list[float] = []
    warm: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for _ in range(args.runs):
            for lang, queries in QUERIES.items():
                page = browser.new_context().new_page()
                page.goto(f"{base}/{lang}/search/")
                for n, query in enumerate(queries):
                    (cold if n == 0 else warm).append(page.evaluate(MEASURE, query))
                page.context.close()
        browser.close()
    httpd.shutdown()
    print(f"keystroke to results, first query of a page load (cold): median {statistics.median(cold):.0f} ms "
          f"over {len(cold)}")
    print(f"keystroke to results, later queries (warm): median {statistics.median(warm):.0f} ms over {len(warm)}"
          " (the page waits 120 ms after the last keystroke before searching; included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
