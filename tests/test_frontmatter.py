"""Front matter splitting and field checks."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
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


def test_impossible_date_is_located():
    with pytest.raises(SitegenError, match=r"x\.md:4:7: YAML error: not a date \(month must be in 1\.\.12\)"):
        parse("---\ntitle: A\nx: [1,\n  {d: 2019-13-45}]\n---\n", "x.md")


def test_duplicate_keys_rejected():
    with pytest.raises(SitegenError, match=r"x\.md:3:1: duplicate key 'title'"):
        parse("---\ntitle: A\ntitle: B\n---\n", "x.md")


# -- fuzz: documents with front matter, so that the YAML and field checks are reached ------------------------
FIELDS = ["title", "slug", "date", "updated", "summary", "draft", "weight", "template", "tags", "translation_key",
          "sources", "park", "custom"]
SOURCE_FIELDS = ["title", "publisher", "year", "date", "url", "note", "other"]
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.dates() | st.sampled_from(["no", "2019-03-08", "https://x.org", "../x", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(SOURCE_FIELDS) | st.text(max_size=5), inner, max_size=3),
                      max_leaves=8)
YAML_TEXT = st.text(alphabet=st.sampled_from("ab1 :-[]{}&*!|>'\"%@`#,?\t\n"), max_size=12)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A content file with `---` front matter: random fields as YAML, or raw lines that may not be YAML."""
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=5))
    if draw(st.integers(0, 3)):  # mostly with a usable title, so that the other fields decide
        fields = {"title": draw(st.sampled_from(["A", "Lịch sử", "2019"])), **fields}
    if draw(st.booleans()):
        fm = yaml.safe_dump(fields, allow_unicode=True, default_flow_style=draw(st.booleans()))
    else:
        lines = draw(st.lists(st.tuples(st.sampled_from(FIELDS), YAML_TEXT), max_size=4))
        fm = "".join(f"{key}: {value}\n" for key, value in [("title", fields.get("title", "A")), *lines])
    close = draw(st.sampled_from(["---", "...", "--- ", "---"]))
    return f"---\n{fm}{close}\n" + draw(st.text(max_size=30))


def stage(text: str) -> str:
    """How far parse() got: 'split', 'yaml' or 'fields' (the field checks ran)."""
    try:
        parse(text, "x.md")
    except SitegenError as exc:
        message = str(exc)
        if "front matter not closed" in message or "no front matter" in message:
            return "split"
        if "YAML" in message or "duplicate key" in message or "must be 'key: value' lines" in message:
            return "yaml"
    return "fields"


def test_fuzz_reaches_yaml_and_field_checks_and_only_our_error_escapes():
    stages: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(documents())
    def run(text: str) -> None:
        reached = stage(text)  # anything but a SitegenError fails the test here
        event(reached)
        stages[reached] += 1

    run()
    total = sum(stages.values())
    # Most documents get through the split and the YAML, and the field checks see them: the test is not hollow.
    assert stages["fields"] >= total * 0.5, stages
    assert stages["yaml"] > 0, stages


@given(st.text(max_size=200))
def test_fuzz_any_text_only_our_error_escapes(text):
    try:
        parse(text, "x.md")
    except SitegenError:
        pass
