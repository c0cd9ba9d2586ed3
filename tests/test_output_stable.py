"""The default theme's output, byte for byte: a guard for work that must not change a byte (issue 19).

A small seeded corpus from benchmarks/corpus.py (40 pages a language, both shapes) is built with a few
additions that reach the theme's less common paths: a notice and menus (a page, a plain URL, an external
URL), a contact page (the footer looks it up), a third language with only a home, one section and one
page (so other pages' switchers lead to the nearest page there, with the "not translated" notice) and a
stale translation. The SHA-256 of every output file is compared with the manifest in
tests/data/output-stable.json.

When the output changes on purpose (a theme or engine change meant to show), record the manifest again and
commit it with the change:

    SITEGEN_REFRESH_MANIFEST=1 .venv/bin/pytest tests/test_output_stable.py -n 0

The manifest also changes when benchmarks/corpus.py changes what it writes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from conftest import REPO, build, tree_digest

MANIFEST = REPO / "tests" / "data" / "output-stable.json"
REFRESH = os.environ.get("SITEGEN_REFRESH_MANIFEST") == "1"
PAGES = 40
SHAPES = ("articles", "reports")


def load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus", module)
    spec.loader.exec_module(module)
    return module


def front_matter(title: str, **fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n{extra}---\n"


def make_site(root: Path, shape: str) -> None:
    """The corpus of `shape` in `root`, with the additions the module docstring lists."""
    corpus = load_corpus()
    corpus.generate(root, PAGES, seed=1, shape=shape)
    config_file = root / "site.yaml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["languages"].append({"code": "ja", "name": "日本語", "locale": "ja_JP"})
    config["title"]["ja"] = "紅河デルタ – ベンチマーク"
    config["notice"] = {"vi": "Thông báo <thử> & kiểm tra.", "en": "A notice <with> & markup-like text."}
    config["menus"] = {
        "vi": [{"title": "Tin tức", "page": "news/_index.md"}, {"title": "Chủ đề", "url": "/vi/tags/"},
               {"title": "Liên hệ", "page": "contact.md"}],
        "en": [{"title": "News", "page": "news/_index.md"}, {"title": "Elsewhere", "url": "https://example.com/"},
               {"title": "Contact", "page": "contact.md"}],
        "ja": [{"title": "ニュース", "page": "news/_index.md"}],
    }
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    content = root / "content"
    (content / "vi" / "contact.md").write_text(front_matter("Liên hệ") + "\nGọi cho chúng tôi.\n", encoding="utf-8")
    (content / "en" / "contact.md").write_text(front_matter("Contact") + "\nCall us.\n", encoding="utf-8")
    (content / "ja" / "news").mkdir(parents=True)
    (content / "ja" / "_index.md").write_text(front_matter("ホーム") + "\nようこそ。\n", encoding="utf-8")
    (content / "ja" / "news" / "_index.md").write_text(front_matter("ニュース") + "\n", encoding="utf-8")
    (content / "ja" / corpus.page_rel(0)).write_text(front_matter("記事", date="2024-05-01") + "\n本文。\n",
                                                     encoding="utf-8")
    stale = content / "en" / corpus.page_rel(2)
    text = stale.read_text(encoding="utf-8")
    stale.write_text(text.replace("---\n", '---\ntranslated_from: "000000000000"\n', 1), encoding="utf-8")


def manifest(tmp_path: Path) -> dict[str, str]:
    """`<shape>/<output path>` → SHA-256, for every output file of each shape's site."""
    out: dict[str, str] = {}
    for shape in SHAPES:
        site = tmp_path / shape / "site"
        make_site(site, shape)
        folder = tmp_path / shape / "output"
        result = build(site, "--output", folder, "--no-cache")
        assert result.exit_code == 0, result.output
        out.update({f"{shape}/{rel}": digest for rel, digest in tree_digest(folder).items()})
    return out


def test_output_is_byte_identical_to_the_recorded_manifest(tmp_path: Path) -> None:
    got = manifest(tmp_path)
    if REFRESH:
        MANIFEST.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip(f"recorded {len(got)} files in {MANIFEST.relative_to(REPO)}")
    want = json.loads(MANIFEST.read_text(encoding="utf-8"))
    changed = sorted(k for k in got.keys() & want.keys() if got[k] != want[k])
    missing, extra = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
    assert not (changed or missing or extra), (
        f"output differs from {MANIFEST.name}: {len(changed)} changed {changed[:10]}, {len(missing)} missing "
        f"{missing[:10]}, {len(extra)} new {extra[:10]}; if that is meant, refresh it "
        "(SITEGEN_REFRESH_MANIFEST=1, see the module docstring) and diff a changed file by hand first")
