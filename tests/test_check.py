"""`sitegen check`'s source report: figures without sources, vague sources, empty structured fields."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import build, page, run
from generator.check import VAGUE_SOURCE_MARKERS, is_vague

HOMES = {
    "content/vi/_index.md": page("Trang chủ", "Xin chào.", summary="Trang thử."),
    "content/en/_index.md": page("Home", "Hello.", summary="A test site."),
}
VAGUE = "{title: 'Industrial parks (compiled)', publisher: 'Compiled by the site editors', year: 2024}"
NAMED = "{title: 'Decision 1234/QĐ-TTg', publisher: 'Prime Minister of Vietnam', date: 2022-03-08}"
PARK = """\
---
title: Park
summary: A park.
park:
  total_area_ha: 345
  developer: null
  sectors: []
  distances_km: {ha_noi: 90, noi_bai: null}
sources:
  - {source}
---
About the park.
"""


def report_lines(output: str, site: Path) -> list[str]:
    """The located lines of the source report (after its heading), with paths relative to `site`."""
    _, _, tail = output.partition("Source report")
    return [line.removeprefix(f"{site}/") for line in tail.splitlines()[1:] if re.match(r"^\S+:\d+:\d+: ", line)]


def test_figure_without_sources_is_a_located_warning(make_site):
    site = make_site({**HOMES, "content/vi/a.md": page("A", "Mở đầu.\n\nDiện tích 101,89 ha.", summary="A.")})
    result = run("check", "--site", site)
    assert result.exit_code == 0, result.output
    assert report_lines(result.output, site) == [
        "content/vi/a.md:7:1: warning: states figures ('101,89 ha') but lists no sources: add 'sources:'"]
    assert "Sources: 0 page(s) with vague sources, 1 page(s) with figures but no sources, 0 empty" in result.output


def test_strict_makes_the_report_errors(make_site):
    site = make_site({**HOMES, "content/vi/a.md": page("A", "Diện tích 101,89 ha.", summary="A.")})
    result = run("check", "--site", site, "--strict")
    assert result.exit_code == 1
    assert report_lines(result.output, site) == [
        "content/vi/a.md:5:1: states figures ('101,89 ha') but lists no sources: add 'sources:'"]
    assert "1 error(s), 0 warning(s)." in result.output


def test_a_figure_in_the_summary_or_a_structured_field_needs_sources_too(make_site):
    site = make_site({**HOMES,
                      "content/vi/a.md": page("A", "Chữ.", summary="'Diện tích 50 ha.'"),
                      "content/vi/b.md": "---\ntitle: B\nsummary: B.\npark:\n  area_year: 2024\n"
                                         "  total_area_ha: 345\n---\nChữ.\n"})
    lines = report_lines(run("check", "--site", site).output, site)
    assert "content/vi/a.md:3:1: warning: states figures ('50 ha') but lists no sources: add 'sources:'" in lines
    assert ("content/vi/b.md:6:3: warning: states figures (park.total_area_ha: 345) but lists no sources: "
            "add 'sources:'") in lines


def test_vague_sources_are_reported_at_their_line_unless_a_note_explains(make_site):
    note = VAGUE[:-1] + ", note: 'Sum of the areas in the three zoning decisions cited above'}"
    site = make_site({**HOMES,
                      "content/en/a.md": "---\ntitle: A\nsummary: A.\nsources:\n"
                                         f"  - {NAMED}\n  - {VAGUE}\n  - Vietnamese press\n---\nText.\n",
                      "content/en/b.md": f"---\ntitle: B\nsummary: B.\nsources:\n  - {note}\n---\nText.\n"})
    result = run("check", "--site", site)
    assert result.exit_code == 0, result.output
    assert report_lines(result.output, site) == [
        "content/en/a.md:6:5: warning: vague source 'Industrial parks (compiled)' (Compiled by the site editors): "
        "name the document (publisher, title, date), or add a 'note' on what the editors derived it from",
        "content/en/a.md:7:5: warning: vague source 'Vietnamese press' (no publisher): "
        "name the document (publisher, title, date), or add a 'note' on what the editors derived it from",
    ]
    assert "Sources: 1 page(s) with vague sources, 0 page(s) with figures" in result.output


def test_vague_markers_match_both_languages_and_any_case():
    assert is_vague({"title": "Số liệu", "publisher": "TỔNG HỢP CỦA BAN BIÊN TẬP"})
    assert is_vague({"title": "Kinh tế – xã hội (tổng hợp)", "publisher": None})
    assert not is_vague({"title": "Niên giám thống kê 2023", "publisher": "Cục Thống kê tỉnh Thái Bình"})
    assert all(marker == marker.casefold() for marker in VAGUE_SOURCE_MARKERS)  # compared case-folded


def test_empty_structured_fields_listed_once_per_field_at_the_first(make_site):
    site = make_site({**HOMES, "content/en/park.md": PARK.replace("{source}", NAMED)})
    result = run("check", "--site", site)
    assert result.exit_code == 0, result.output
    assert report_lines(result.output, site) == [
        "content/en/park.md:6:3: warning: park: 3 empty field(s) (developer, sectors, distances_km.noi_bai): "
        "fill them in from a source listed in 'sources:' (until then the theme leaves them out)"]
    assert "0 page(s) with figures but no sources, 3 empty structured field(s) on 1 page(s)," in result.output


def test_data_entries_without_a_source_or_with_a_vague_one(make_site):
    data = ("- {key: a, value: 1.5, source: {vi: 'Cục Thống kê, «Niên giám 2023», 2024', en: 'Statistics Office'}}\n"
            "- {key: b, value: 7}\n"
            "- key: c\n  value: 3\n  source: {vi: Tổng hợp của ban biên tập, en: Compiled by the site editors}\n"
            "- {key: d, value: 4, source: Vietnamese press, note: 'Sum of a and b'}\n")
    site = make_site({**HOMES, "data/statistics.yaml": data})
    result = run("check", "--site", site)
    assert result.exit_code == 0, result.output
    assert report_lines(result.output, site) == [
        "data/statistics.yaml:2:12: warning: b: a figure without a source: add 'source:'",
        "data/statistics.yaml:5:3: warning: c: vague source: name the publisher, the document and its date, or add "
        "a 'note' on what the editors derived it from",
    ]
    assert "2 data entries with a vague source or none." in result.output


def test_a_clean_site_has_no_report(make_site):
    full = PARK.replace("{source}", NAMED).replace("null", "Developer Co.").replace("[]", "[textiles]")
    site = make_site({**HOMES, "content/en/park.md": full})
    result = run("check", "--site", site, "--strict")
    assert result.exit_code == 0, result.output
    assert "Source report" not in result.output
    assert "Sources: 0 page(s) with vague sources, 0 page(s) with figures but no sources, 0 empty" in result.output


def test_source_date_shown_in_the_page_language_else_year(make_site):
    sources = f"sources:\n  - {NAMED}\n  - {{title: Yearbook, year: 2023}}\n"
    site = make_site({**HOMES,
                      "content/vi/a.md": f"---\ntitle: A\n{sources}---\nChữ.\n",
                      "content/en/a.md": f"---\ntitle: A\n{sources}---\nText.\n"})
    assert build(site).exit_code == 0
    vi = (site / "output/vi/a/index.html").read_text(encoding="utf-8")
    en = (site / "output/en/a/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2022-03-08">8 tháng 3, 2022</time>' in vi
    assert '<time datetime="2022-03-08">March 8, 2022</time>' in en
    assert '<span class="source-year">(2023)</span>' in en


def test_source_date_must_be_a_date(make_site):
    site = make_site({**HOMES, "content/en/a.md": "---\ntitle: A\nsources:\n  - {title: T, date: March 2022}\n"
                                                  "---\nText.\n"})
    result = build(site)
    assert result.exit_code == 1
    assert re.search(r"content/en/a\.md:4:\d+: sources: a source date must be YYYY-MM-DD", result.output), \
        result.output
