"""Search: a Pagefind index per language, built over the written site (no search server).

Pagefind ignores tone marks when it matches, but not đ → d. The search page therefore also tries each
word of a query that starts with d with đ (themes/default/static/assets/js/search.js), so that `dong xam`
finds and marks Đồng Xâm; the pages carry no hidden word lists (they showed in excerpts and skewed ranking).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from generator.compress import compress_folder
from generator.errors import error

BUNDLE = "pagefind"
# Pagefind's own prebuilt UIs: the theme has its own search page, so these are not shipped.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


def index(site_dir: Path, compress: bool = True) -> None:
    """Write the Pagefind bundle into `site_dir/pagefind/`, byte-identical for the same pages (with a gzip
    copy of its script and entry file when `compress`). A bundle already there goes first: Pagefind
    would leave the chunks of an earlier index of other pages beside the new ones."""
    try:
        import pagefind  # noqa: F401  (the package ships the binary)
    except ImportError:
        raise error(site_dir, "search is on but Pagefind is not installed: pip install 'pagefind[extended]'") from None
    shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", BUNDLE,
                           "--silent"], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise error(site_dir, f"building the search index failed: {detail[0]}")
    bundle = site_dir / BUNDLE
    for name in _UNUSED:
        (bundle / name).unlink(missing_ok=True)
    entry = bundle / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    if compress:
        compress_folder(bundle)  # pagefind.js and the entry file; its index chunks are gzipped already
