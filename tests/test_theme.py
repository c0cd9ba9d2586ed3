"""The default theme on the example site: size budget, markup that runs under a strict CSP, the park and
project directories, the key statistics in both locales, and each page's language. No browser needed."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import REPO, build, page

THEME = REPO / "themes" / "default"
LANGS = ("vi", "en")


class Markup(HTMLParser):
    """Collects what a strict Content-Security-Policy would block, plus the attributes tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lang: str | None = None
        self.body_classes: list[str] = []
        self.links: list[str] = []
        self._script_open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not a.get("src") and a.get("type") != "application/ld+json":
            self.problems.append("inline <script>")
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "body":
            self.body_classes = (a.get("class") or "").split()
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_data(self, data: str) -> None:
        if data.strip() in ("None", "Undefined"):
            self.problems.append(f"rendered {data.strip()!r}")


def parse(path: Path) -> Markup:
    parser = Markup()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def out(example_output: Path) -> Path:
    return example_output


@pytest.fixture(scope="module")
def pages(out: Path) -> dict[Path, Markup]:
    return {p: parse(p) for p in sorted(out.rglob("*.html"))}


def with_template(pages: dict[Path, Markup], lang: str, template: str) -> list[Path]:
    return [p for p, m in pages.items() if m.lang == lang and f"template-{template}" in m.body_classes]


def url_of(out: Path, path: Path) -> str:
    return "/" + path.parent.relative_to(out).as_posix() + "/"


def test_theme_css_and_js_stay_under_50_kb():
    files = [p for p in (THEME / "static").rglob("*") if p.suffix in (".css", ".js")]
    total = sum(p.stat().st_size for p in files)
    assert files and total < 50_000, f"{total} bytes in {[p.name for p in files]}"


def test_theme_css_has_a_print_stylesheet_and_visible_focus():
    css = (THEME / "static/assets/css/style.css").read_text(encoding="utf-8")
    assert "@media print" in css and ":focus-visible" in css and ".skip-link:focus" in css


def test_no_page_has_inline_styles_scripts_or_event_handlers(pages):
    assert len(pages) > 50
    bad = {p.name + " " + str(p.parent): m.problems for p, m in pages.items() if m.problems}
    assert not bad, bad


def test_every_page_declares_the_language_of_its_folder(out, pages):
    for path, markup in pages.items():
        rel = path.relative_to(out)
        if len(rel.parts) > 1 and rel.parts[0] in LANGS:
            assert markup.lang == rel.parts[0], rel


def test_landmarks_skip_link_and_alt_text(out):
    for lang in LANGS:
        html = (out / lang / "index.html").read_text(encoding="utf-8")
        assert html.index('class="skip-link" href="#main"') < html.index("<header")
        for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
            assert landmark in html
        assert not re.search(r"<img(?![^>]*\balt=)", html)


@pytest.mark.parametrize("kind, field", [("park", "park"), ("project", "project")])
def test_directories_list_every_entry_with_filters_and_downloads(out, pages, kind, field):
    for lang in LANGS:
        lists = with_template(pages, lang, f"{kind}-list")
        assert len(lists) == 1, f"no {kind}-list page in {lang}: set `template: {kind}-list` on its section"
        html = lists[0].read_text(encoding="utf-8")
        base = url_of(out, lists[0])
        entries = [p for p in with_template(pages, lang, kind) if url_of(out, p).startswith(base)]
        records = json.loads((lists[0].parent / "data.json").read_text(encoding="utf-8"))
        assert records["type"] == field
        assert sorted(urlsplit(r["url"]).path for r in records["items"]) \
            == sorted(url_of(out, p) for p in entries) and entries
        for entry in entries:
            assert f'<a href="{url_of(out, entry)}">' in html, entry
        assert html.count("<tr data-item") == len(entries)
        form = re.search(r'<form class="filters"[^>]*>', html).group(0)
        # shown from the first paint (nothing moves when site.js comes); nojs.css hides them without JavaScript
        assert " hidden" not in form and 'data-filter="' in form
        assert re.search(r'<noscript><link rel="stylesheet" href="/assets/css/nojs\.[0-9a-f]{10}\.css"></noscript>', html)
        for name in ("status", "district") + (("sector",) if kind == "project" else ()):
            assert re.search(rf'<select id="[\w-]+-{name}" name="{name}">', html), name
        assert re.search(r'<label for="[\w-]+-status">', html)
        # The section's export: the downloads are linked and written beside the page.
        for fmt in ("csv", "json"):
            assert f'href="{base}data.{fmt}"' in html
            assert (lists[0].parent / f"data.{fmt}").is_file()


def test_park_page_shows_only_the_facts_it_has(pages):
    expected = {"vi": ("446 ha", "số liệu năm 2015", "Đang mở rộng", "Tiền Hải"),
                "en": ("446 ha", "figure for 2015", "Expanding", "Tiền Hải")}
    for lang in LANGS:
        park = next(p for p in with_template(pages, lang, "park") if "tien-hai" in p.parent.name
                    and "2" not in p.parent.name)
        html = park.read_text(encoding="utf-8")
        facts = html[html.index('class="wrap facts"'):html.index('class="wrap page-body"')]
        for text in expected[lang]:
            assert text in facts, (lang, text)
        assert "Occupancy" not in facts and "Tỷ lệ lấp đầy" not in facts  # null fields are left out
        assert "Leasable area" not in facts and "Diện tích đất cho thuê" not in facts


def test_project_page_formats_capital_per_locale(pages):
    for lang, capital in (("vi", "2,69 tỷ USD"), ("en", "USD 2.69 billion")):
        project = next(p for p in with_template(pages, lang, "project") if "lng" in p.parent.name)
        html = project.read_text(encoding="utf-8")
        assert capital in html and "TB-LNG-01" in html


def test_statistics_table_and_chart_are_formatted_per_locale(out, pages):
    for lang, growth, gdp in (("vi", "7,37%", "123.328 tỷ đồng"), ("en", "7.37%", "123,328 billion VND")):
        stats = with_template(pages, lang, "stats")
        assert len(stats) == 1, f"no stats page in {lang}: set `template: stats` on key-statistics.md"
        html = stats[0].read_text(encoding="utf-8")
        table = html[html.index('<table class="data-table stats-table">'):html.index("</table>")]
        assert "<caption>" in table and '<th scope="col">' in table and '<th scope="row">' in table
        row = next(r for r in table.split("<tr>") if growth in r)
        assert "2023" in row and ("Cục Thống kê" if lang == "vi" else "Statistics Office") in row
        assert gdp in table
        svg = html[html.index('<svg class="chart-svg"'):]
        svg = svg[:svg.index("</svg>")]
        assert 'role="img"' in svg and "aria-labelledby=" in svg
        assert "<title id=" in svg and "<desc id=" in svg
        assert growth in svg and svg.count('class="chart-bar') == 6
        for year in range(2017, 2025):
            assert f">{year}</text>" in svg
        other = "7.37" if lang == "vi" else "7,37"
        assert other not in table and other not in svg
        # The home page shows key figures, each with its year and source, and the same chart.
        home = (out / lang / "index.html").read_text(encoding="utf-8")
        figures = home[home.index('<ul class="figures">'):]
        figures = figures[:figures.index("</ul>")]
        assert figures.count('<li class="figure-card">') >= 4
        assert figures.count('class="figure-year"') == figures.count('class="figure-source"') \
            == figures.count('<li class="figure-card">')
        assert '<svg class="chart-svg"' in home


def test_ui_strings_are_translated_in_vietnamese(out):
    html = (out / "vi" / "index.html").read_text(encoding="utf-8")
    for text in ("Chuyển đến nội dung chính", "Số liệu nổi bật", "Tin mới nhất", "Danh mục"):
        assert text in html
    for english in ("Skip to content", "Key figures", "Latest news"):
        assert english not in html


def test_a_minimal_site_and_empty_park_fields_render(make_site, tmp_path):
    park = ("park: {type: null, district: null, total_area_ha: null, area_year: null, sectors: [],"
            " status: null}\n")
    files = {}
    for lang, section, name in (("vi", "Khu công nghiệp", "Khu A"), ("en", "Parks", "Park A")):
        files[f"content/{lang}/parks/_index.md"] = page(section, "", template="park-list", export="park")
        files[f"content/{lang}/parks/a.md"] = f"---\ntitle: {name}\ntemplate: park\n{park}---\nText.\n"
    site = make_site(files)
    result = build(site, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out/en/parks/index.html").read_text(encoding="utf-8")
    assert "Park A" in html and ">None<" not in html
    # Empty fields give empty cells: no dash, no placeholder text.
    for lang in ("en", "vi"):
        listing = (tmp_path / f"out/{lang}/parks/index.html").read_text(encoding="utf-8")
        table = listing[listing.index("<table"):listing.index("</table>")]
        assert "—" not in table and "not specified" not in table and "chưa có thông tin" not in table
    article = (tmp_path / "out/en/parks/a/index.html").read_text(encoding="utf-8")
    assert "None" not in article.split("<main")[1]


def test_root_404_for_hosts_that_serve_only_that_one(example_output: Path):
    """GitHub Pages and object stores serve /404.html for every missing path: the default language's 404,
    with a link to each language's home."""
    root = (example_output / "404.html").read_text(encoding="utf-8")
    assert root == (example_output / "vi" / "404.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in root
    for lang in ("vi", "en"):
        assert f'href="/{lang}/" hreflang="{lang}"' in root
    assert 'href="/vi/" hreflang="vi"' in (example_output / "en" / "404.html").read_text(encoding="utf-8")


def test_home_advertises_no_section_with_nothing_of_its_own(example_output: Path):
    """The media section (no pages, no sources: it only points elsewhere) is not one of the home's cards."""
    for lang, media, products in (("vi", "/vi/tu-lieu/", "/vi/san-pham-chu-luc/"), ("en", "/en/media/", "/en/products/")):
        home = (example_output / lang / "index.html").read_text(encoding="utf-8")
        cards = re.findall(r'<li class="card"><h3><a href="([^"]+)"', home)
        assert products in cards and media not in cards, (lang, cards)
        assert (example_output / media.strip("/") / "index.html").is_file()
