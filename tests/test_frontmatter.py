"""Front matter splitting and field checks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import SitegenError
from generator.frontmatter import parse, split


def test_split_reports_body_line():
    fm, body, line = split("---\ntitle: A\n---\nBody\n", "x.md")
    assert fm == "title: A\n" and body == "Body\n" and line == 4


def test_fields_are_checked_and_typed():
    src = parse("---\ntitle: A\ndate: 2019-03-08\ntags: [a, b, a]\nweight: 3\nsources:\n  - Plan 28\n"
                "  - {title: Report, year: 2023, url: 'https://x.org'}\ncustom: {k: v}\n---\n", "x.md")
    assert src.meta["date"] == dt.date(2019, 3, 8)
    assert src.meta["tags"] == ("a", "b")
    first, second = src.meta["sources"]
    assert first["title"] == "Plan 28" and first["url"] is None
    assert (second["title"], second["year"], second["url"]) == ("Report", 2023, "https://x.org")
    assert src.meta["custom"] == {"k": "v"}


def test_title_required():
    with pytest.raises(SitegenError, match="title is required"):
        parse("---\nsummary: x\n---\n", "x.md")


def test_source_url_must_be_http():
    with pytest.raises(SitegenError, match=r"x\.md:4:\d+: sources: a source url"):
        parse("---\ntitle: A\nsources:\n  - {title: T, url: 'javascript:alert(1)'}\n---\n", "x.md")


def test_duplicate_keys_rejected():
    with pytest.raises(SitegenError, match=r"x\.md:3:1: duplicate key 'title'"):
        parse("---\ntitle: A\ntitle: B\n---\n", "x.md")


@given(st.text(max_size=200))
def test_fuzz_only_our_error_escapes(text):
    try:
        parse(text, "x.md")
    except SitegenError:
        pass
