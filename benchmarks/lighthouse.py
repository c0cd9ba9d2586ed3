"""Lighthouse (mobile) scores of the example site, served through the generated nginx configuration.

    npm install --prefix /tmp/lh lighthouse           # once; Lighthouse itself, no browser download
    .venv/bin/python benchmarks/lighthouse.py         # builds the site, serves it, 3 runs a page
    .venv/bin/python benchmarks/lighthouse.py --runs 1 --lighthouse /tmp/lh/node_modules/.bin/lighthouse

A benchmark, not a test: it needs Debian's nodejs, chromium and nginx, and npm's `lighthouse`. The site is
built into a temporary folder (or --output is served as it is), nginx serves it with the generated
`nginx-site.conf` (precompressed files, cache and security headers as in production, over plain HTTP on
127.0.0.1; generator.hosting.local_nginx, the same setup as tests/test_hosting.py, with nginx-brotli.conf
where Debian's brotli module is installed), and Lighthouse runs each page `--runs` times in Debian's Chromium (CHROME_PATH): the figures are
the medians of performance, accessibility, best practices and SEO, with the run's LCP, TBT and CLS.
Exit status 1 when a median is below 100.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from generator.hosting import local_nginx

REPO = Path(__file__).resolve().parent.parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = [
    ("home (vi)", "/vi/"),
    ("home (en)", "/en/"),
    ("article (vi)", "/vi/gioi-thieu/lich-su/"),
    ("article (en)", "/en/about/history/"),
    ("park directory (en)", "/en/locations/industrial-parks/"),
    ("park page (en)", "/en/locations/industrial-parks/tien-hai/"),
    ("key statistics (vi)", "/vi/vi-sao-dau-tu/so-lieu-chinh/"),
    ("search 'dong xam' (vi)", "/vi/search/?q=dong+xam"),
]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync"


def run_lighthouse(lighthouse: str, url: str, work: Path, n: int) -> dict[str, float]:
    report = work / f"report-{n}.json"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH") or shutil.which("chromium") or "chromium"}
    cmd = [lighthouse, url, "--quiet", "--output=json", f"--output-path={report}",
           f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0 or not report.is_file():
        raise SystemExit(f"lighthouse failed on {url}: {(proc.stderr or proc.stdout)[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    scores = {c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES}
    audits = data["audits"]
    scores["lcp_ms"] = audits["largest-contentful-paint"]["numericValue"]
    scores["tbt_ms"] = audits["total-blocking-time"]["numericValue"]
    scores["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    failing = [a["id"] for a in audits.values()
               if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    scores["failing"] = failing  # type: ignore[assignment]
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, help="serve this built site instead of building one")
    parser.add_argument("--lighthouse", default=shutil.which("lighthouse") or "/tmp/lh/node_modules/.bin/lighthouse")
    parser.add_argument("--only", help="run only the pages whose label contains this text")
    args = parser.parse_args()
    for tool in ("nginx", "node", "chromium"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install nginx nodejs chromium)")
    if not Path(args.lighthouse).exists():
        raise SystemExit(f"{args.lighthouse} not found: npm install --prefix /tmp/lh lighthouse")
    version = subprocess.run([args.lighthouse, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="sitegen-lighthouse-") as tmp:
        work = Path(tmp)
        out = args.output
        if out is None:
            out = work / "output"
            built = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(REPO), "--output",
                                    str(out), "--no-cache"], capture_output=True, text=True)
            if built.returncode != 0:
                raise SystemExit(built.stderr)
        rows = []
        with local_nginx(out, work) as host:
            for label, path in PAGES:
                if args.only and args.only not in label:
                    continue
                runs = [run_lighthouse(args.lighthouse, f"http://{host}{path}", work, n) for n in range(args.runs)]
                med = {k: statistics.median(r[k] for r in runs) for k in (*CATEGORIES, "lcp_ms", "tbt_ms", "cls")}
                failing = sorted({a for r in runs for a in r["failing"]})  # type: ignore[union-attr]
                rows.append((label, path, med, failing))
                print(f"{label}: " + " / ".join(f"{med[c]:.0f}" for c in CATEGORIES), file=sys.stderr, flush=True)
    print(f"\nLighthouse {version}, mobile, Debian's Chromium, nginx with the generated config; "
          f"median of {args.runs} run(s)\n")
    print("| page | performance | accessibility | best practices | SEO | LCP | TBT | CLS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, path, med, _failing in rows:
        print(f"| {label} `{path}` | " + " | ".join(f"{med[c]:.0f}" for c in CATEGORIES)
              + f" | {med['lcp_ms'] / 1000:.2f} s | {med['tbt_ms']:.0f} ms | {med['cls']:.3f} |")
    notes = [(label, failing) for label, _p, _m, failing in rows if failing]
    if notes:
        print("\nAudits below 0.9 in some run:")
        for label, failing in notes:
            print(f"- {label}: {', '.join(failing)}")
    return 0 if all(med[c] >= 100 for _l, _p, med, _f in rows for c in CATEGORIES) else 1


if __name__ == "__main__":
    sys.exit(main())
