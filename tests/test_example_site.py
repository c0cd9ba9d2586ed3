"""The example site (the repository itself): builds, pairs its translations, is byte-identical."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, run_process, tree_digest

HREFLANG = re.compile(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "output"
    proc = run_process("build", "--site", REPO, "--output", out, env={"PYTHONHASHSEED": "0", "TZ": "UTC"})
    assert proc.returncode == 0, proc.stderr
    return out


def test_every_language_has_pages(built: Path):
    assert (built / "vi/index.html").is_file() and (built / "en/index.html").is_file()
    assert len(list((built / "vi").rglob("index.html"))) > 20
    assert len(list((built / "en").rglob("index.html"))) > 20


def test_hreflang_pairs_point_both_ways(built: Path):
    base = "https://thaibinh.example.org/"
    pages = [p for p in built.rglob("index.html") if p.parent != built and "/tags/" not in p.as_posix()]
    checked = 0
    for path in pages:
        html = path.read_text()
        own = base + path.parent.relative_to(built).as_posix() + "/"
        alts = dict(HREFLANG.findall(html))
        if not alts or own not in alts.values():
            continue
        for lang, href in alts.items():
            if lang == "x-default":
                continue
            other = built / href[len(base):] / "index.html"
            assert other.is_file(), f"{path}: {href} does not exist"
            back = dict(HREFLANG.findall(other.read_text()))
            assert own in back.values(), f"{href} does not link back to {own}"
            checked += 1
    assert checked > 80


def test_switcher_lands_on_translation(built: Path):
    html = (built / "vi/gioi-thieu/lich-su/index.html").read_text()
    assert 'href="/en/about/history/" hreflang="en"' in html
    assert 'href="/vi/gioi-thieu/lich-su/" hreflang="vi"' in (built / "en/about/history/index.html").read_text()


def test_site_wide_notice_in_both_languages(built: Path):
    assert "Hưng Yên" in (built / "vi/index.html").read_text()
    assert "Since 1 July 2025" in (built / "en/index.html").read_text()


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path):
    again = tmp_path / "again"
    proc = run_process("build", "--site", REPO, "--output", again,
                       env={"PYTHONHASHSEED": "12345", "TZ": "Pacific/Auckland", "LC_ALL": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(again) == tree_digest(built)
