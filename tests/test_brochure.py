"""The printable brochure (site.yaml `brochure:`): made with WeasyPrint, read back with Poppler's tools."""

from __future__ import annotations

import contextlib
import random
import re
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE_SITE, REPO, REQUIRE_ALL, SITE_YAML, build, need, page, tree_digest
from generator.brochure import CJK_FILE, MAX_BYTES, print_apart, printer, weasyprint_version
from generator.build import Builder, BuildOptions
from generator.config import load_config


def need_weasyprint() -> None:
    """Skip without WeasyPrint (and Debian's Pango), or fail under SITEGEN_REQUIRE_ALL=1."""
    if weasyprint_version() is None:
        message = "WeasyPrint cannot be loaded (pip install weasyprint; apt install libpango-1.0-0)"
        if REQUIRE_ALL:
            pytest.fail(message + " and SITEGEN_REQUIRE_ALL=1 forbids skipping")
        pytest.skip(message)
    need("pdftotext", "the brochure's text is read back with Poppler")


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    text = subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFC", text)


def inflated(data: bytes) -> list[bytes]:
    """The PDF's objects as written, and its compressed streams (where object streams keep the catalog)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(m.group(1)))
    return out


def flat(text: str) -> str:
    return " ".join(text.split())


def bare(text: str) -> str:
    """The text without whitespace (pdftotext breaks Japanese and Korean lines without spaces)."""
    return "".join(text.split())


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text, without whitespace."""
    return [bare(t) for t in pdftotext(pdf).split("\f")[:-1]]


def front(site: Path, lang: str, field: str) -> list[str]:
    """A front-matter field of each of the brochure's pages, in the order site.yaml gives."""
    config = load_config(site)
    out = []
    for entry in config.brochure[lang].pages:
        text = (site / "content" / lang / entry.name).read_text(encoding="utf-8")
        out.append(re.search(rf'^{field}: "?(.*?)"?$', text, re.M).group(1))  # type: ignore[union-attr]
    return out


def chapter_titles(site: Path, lang: str) -> list[str]:
    return front(site, lang, "title")


# -- the example site ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def brochures(example_output: Path) -> dict[str, Path]:
    need_weasyprint()
    config = load_config(EXAMPLE_SITE)
    return {lang: example_output / lang / spec.file for lang, spec in config.brochure.items()}


def test_example_brochures_hold_the_pages_text_in_order(brochures: dict[str, Path]) -> None:
    config = load_config(EXAMPLE_SITE)
    for lang, pdf in brochures.items():
        pages = pdf_pages(pdf)
        starts = []
        # Each chapter starts a page: the running header (brochure title, chapter title), its heading and
        # its summary, in that reading order.
        for title, summary in zip(chapter_titles(EXAMPLE_SITE, lang), front(EXAMPLE_SITE, lang, "summary"),
                                  strict=True):
            head = bare(f"{config.brochure[lang].title} {title} {title} {summary}")
            starts.append(next((i for i, text in enumerate(pages) if text.startswith(head)), -1))
        assert -1 not in starts and starts == sorted(starts), (lang, starts)
        assert len(pdf.read_bytes()) <= MAX_BYTES
    vi = flat(pdftotext(brochures["vi"]))
    # Vietnamese diacritics intact (stacked marks too), the merger notice on the cover, years with figures.
    for phrase in ("Cẩm nang cho nhà đầu tư", "Ưu đãi đầu tư", "Nghị quyết 202/2025/QH15", "Mục lục",
                   "Thủ tục đầu tư", "2024"):
        assert phrase in vi, phrase
    cover = pdf_pages(brochures["en"])[0]
    assert bare("Since 1 July 2025, Thái Bình has been part of Hưng Yên province") in cover
    assert "Informationasof" in cover


def test_every_font_is_embedded_and_the_pdf_is_tagged_a4(brochures: dict[str, Path]) -> None:
    need("pdffonts", "the brochure's fonts are listed with Poppler")
    for pdf in brochures.values():
        rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert rows, "no fonts"
        for row in rows:
            emb = row.split()[-5]
            assert emb == "yes", row
        assert all("Noto" in row for row in rows), rows
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes", info, re.M), info
        assert "(A4)" in info
        assert re.search(r"^CreationDate:", info, re.M), info  # from the content, not the clock
        meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert 'pdfuaid:part="1"' in meta, meta  # PDF/UA-1
        assert f"/Lang ({pdf.parent.name})".encode() in b"".join(inflated(pdf.read_bytes())), "no document language"
        # Working links: the contents and the links between pages lead to the chapters' destinations.
        dests = subprocess.run(["pdfinfo", "-dests", str(pdf)], capture_output=True, text=True, check=True).stdout
        names = set(re.findall(r'"([^"]+)"', dests))
        chapters = len(load_config(EXAMPLE_SITE).brochure[pdf.parent.name].pages)
        assert {f"c{i}" for i in range(1, chapters + 1)} | {"endnotes"} <= names, sorted(names)


def test_contents_page_numbers_are_the_pages_of_the_headings(brochures: dict[str, Path]) -> None:
    config = load_config(EXAMPLE_SITE)
    for lang, pdf in brochures.items():
        pages = pdf_pages(pdf)
        entries, pending = [], ""
        for line in [x for x in pdftotext(pdf, 2, 2).splitlines() if x.strip()][2:]:  # (header, "Contents")
            m = re.fullmatch(r"(.*?)\s*\.{3,}\s*(\d+)", line.strip())
            if m:
                entries.append((bare(f"{pending} {m.group(1)}"), int(m.group(2))))
                pending = ""
            else:
                pending = f"{pending} {line}"
        titles = [bare(t) for t in chapter_titles(EXAMPLE_SITE, lang)]
        assert [t for t, _ in entries][:len(titles)] == titles and len(entries) == len(titles) + 1, entries
        for title, number in entries:
            # The chapter's heading opens that page, under the running header (brochure title, chapter).
            head = bare(config.brochure[lang].title) + title + title
            assert pages[number - 1].startswith(head), (lang, title, number, pages[number - 1][:200])
            assert not any(p.startswith(head) for p in pages[2:number - 1]), (lang, title, "earlier")


def test_the_home_guide_and_contact_pages_link_the_brochure_with_size_and_date(example_output: Path,
                                                                             brochures: dict[str, Path]) -> None:
    for rel in ("en/index.html", "en/guide/index.html", "en/contact/index.html"):
        html = (example_output / rel).read_text(encoding="utf-8")
        link = re.search(r'<aside class="brochure-link[^"]*".*?</aside>', html, re.S)
        assert link, rel
        assert 'href="/en/investor-brochure.pdf"' in link.group(0)
        kb = len(brochures["en"].read_bytes()) / 1000
        assert re.search(rf"PDF, {round(kb)} kB · <time datetime=\"\d{{4}}-\d\d-\d\d\">", link.group(0)), link.group(0)
    assert "brochure-link" not in (example_output / "en/about/index.html").read_text(encoding="utf-8")


def test_example_brochures_show_the_locator_map_with_its_places_and_credit(brochures: dict[str, Path]) -> None:
    # Where a chapter's page shows the locator map (location and logistics: `map: true`; the park directory),
    # the brochure prints it with its labels, the list of its places and the credit of the outline.

    places = yaml.safe_load((EXAMPLE_SITE / "data/places.yaml").read_text(encoding="utf-8"))
    for lang, pdf in brochures.items():
        pages = [p for p in pdf_pages(pdf) if "NaturalEarth" in p]
        assert pages, (lang, "no map")
        # Every language's park directory shows the cities; vi and en also print location and logistics
        # (airports and ports too).
        kinds = ("city",) if lang in ("ja", "ko") else ("city", "airport", "port")
        assert len(pages) == (1 if lang in ("ja", "ko") else 2), lang
        for place in places:
            if place["kind"] in kinds:
                name = bare(place["name"][lang])
                assert any(p.count(name) >= 2 for p in pages), (lang, name)  # the label and the list
        assert len(pdf.read_bytes()) <= MAX_BYTES
    # The map's labels in the font of the brochure's language (Korean ones were in Noto Sans CJK JP).
    for lang, other in (("ja", "CJK-KR"), ("ko", "CJK-JP")):
        fonts = subprocess.run(["pdffonts", str(brochures[lang])], capture_output=True, text=True, check=True).stdout
        assert other not in fonts, (lang, fonts)


# -- a small site --------------------------------------------------------------------------------------------

BROCHURE_YAML = """\
brochure:
  vi:
    title: Cẩm nang đầu tư
    pages: [_index.md, dau-tu.md]
  en:
    title: Investor brochure
    file: investor.pdf
    pages: [_index.md, invest]
"""


def small_site(make_site: Callable[..., Path], yaml: str = BROCHURE_YAML) -> Path:
    return make_site({
        "content/vi/dau-tu.md": page("Đầu tư", "## Ưu đãi\n\nThuế suất 10% trong 15 năm (2024).",
                                     translation_key="invest", date="2025-03-01"),
        "content/en/invest.md": page("Invest", "## Incentives\n\nA 10% tax rate for 15 years (2024).",
                                     translation_key="invest", date="2025-03-01"),
        "content/en/other.md": page("Other", "Not in the brochure."),
    }, site_yaml=SITE_YAML + yaml)


def test_two_builds_give_the_same_bytes_and_the_cache_spares_weasyprint(make_site: Callable[..., Path], tmp_path: Path) -> None:
    need_weasyprint()
    site = small_site(make_site)
    assert build(site, "--output", tmp_path / "a").exit_code == 0
    assert build(site, "--no-cache", "--output", tmp_path / "b").exit_code == 0
    first = (tmp_path / "a/en/investor.pdf").read_bytes()
    assert first == (tmp_path / "b/en/investor.pdf").read_bytes()
    info = subprocess.run(["pdfinfo", "-isodates", str(tmp_path / "a/en/investor.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"^CreationDate:\s+2025-03-01", info, re.M), info  # the newest page's date, not today
    assert "Ưu đãi" in pdftotext(tmp_path / "a/vi/brochure.pdf") and "Thuế suất 10%" in pdftotext(tmp_path / "a/vi/brochure.pdf")
    # The cache keeps each PDF under a digest of what it is made of: a build of the same input takes it
    # from there (what is there is what comes out: WeasyPrint did not run).
    kept = list((site / ".sitegen-cache/brochures").glob("en.*.pdf"))
    assert len(kept) == 1
    kept[0].write_bytes(b"%PDF-kept")
    assert build(site, "--output", tmp_path / "c").exit_code == 0
    assert (tmp_path / "c/en/investor.pdf").read_bytes() == b"%PDF-kept"


def test_source_date_epoch_sets_the_brochure_date(make_site: Callable[..., Path], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    need_weasyprint()
    site = small_site(make_site)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    assert build(site, "--no-cache", "--output", tmp_path / "out").exit_code == 0
    info = subprocess.run(["pdfinfo", "-isodates", str(tmp_path / "out/en/investor.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"^CreationDate:\s+2026-01-01", info, re.M), info
    assert "January 1, 2026" in flat(pdftotext(tmp_path / "out/en/investor.pdf", 1, 1))


def test_an_edit_remakes_the_brochure_only_when_one_of_its_pages_changed(make_site: Callable[..., Path], tmp_path: Path) -> None:
    need_weasyprint()
    site = small_site(make_site)
    builder = Builder(BuildOptions(site=site, output=tmp_path / "out"))
    builder.full()
    assert builder.state is not None and builder.state.deps[("en", "")] == {("en", "_index.md"), ("en", "invest.md")}
    pdf = tmp_path / "out/en/investor.pdf"
    kept = next((site / ".sitegen-cache/brochures").glob("en.*.pdf"))
    kept.write_bytes(b"%PDF-kept")  # would come out if the brochure's job ran with the same input
    other = site / "content/en/other.md"
    other.write_text(page("Other", "Still not in the brochure."), encoding="utf-8")
    builder.update([other])
    assert pdf.read_bytes().startswith(b"%PDF-1")  # the brochure's job did not run
    invest = site / "content/en/invest.md"
    invest.write_text(page("Invest", "## Incentives\n\nA 5% tax rate (2025).", translation_key="invest",
                           date="2025-03-01"), encoding="utf-8")
    result = builder.update([invest])
    assert not result.full
    assert "A 5% tax rate (2025)." in pdftotext(pdf)
    size = round(len(pdf.read_bytes()) / 1000)
    assert f"PDF, {size} kB" in (tmp_path / "out/en/index.html").read_text(encoding="utf-8")


def test_japanese_and_korean_brochures_embed_noto_sans_cjk(make_site: Callable[..., Path], tmp_path: Path) -> None:
    need_weasyprint()
    need("pdffonts", "the brochure's fonts are listed with Poppler")
    if not CJK_FILE.is_file():
        message = "fonts-noto-cjk is not installed (Japanese and Korean brochures); .ci/run installs it"
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)
    yaml = SITE_YAML.replace("  - {code: en, name: English, locale: en_US}\n", "  - {code: en, name: English, locale: en_US}\n"
                             "  - {code: ja, name: 日本語, locale: ja_JP}\n  - {code: ko, name: 한국어, locale: ko_KR}\n")
    yaml = yaml.replace("en: Test site}", "en: Test site, ja: テスト, ko: 테스트}")
    site = make_site({
        "content/ja/_index.md": page("ホーム", "タイビン省の工業団地と投資手続きをご案内します。"),
        "content/ko/_index.md": page("홈", "타이빈의 산업단지와 투자 절차를 안내합니다."),
    }, site_yaml=yaml + "brochure:\n" + "".join(f"  {lang}: {{title: {title}, pages: [_index.md]}}\n" for lang, title in (
        ("vi", "Cẩm nang"), ("en", "Brochure"), ("ja", "投資の手引き"), ("ko", "투자 안내서"))))
    assert build(site, "--output", tmp_path / "out").exit_code == 0
    for lang, family, text in (("ja", "Noto-Sans-CJK-JP", "タイビン省の工業団地と投資手続きをご案内します。"),
                               ("ko", "Noto-Sans-CJK-KR", "타이빈의 산업단지와 투자 절차를 안내합니다.")):
        pdf = tmp_path / "out" / lang / "brochure.pdf"
        rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), rows
        assert any(family in row for row in rows), rows
        assert bare(text) in bare(pdftotext(pdf))  # (Japanese and Korean lines break without spaces)


def test_without_weasyprint_the_build_warns_and_leaves_the_brochure_out(make_site: Callable[..., Path],
                                                                       tmp_path: Path) -> None:
    site = small_site(make_site)
    # A real build in its own process, where `import weasyprint` fails as it does where it is not installed.
    code = ("import sys; sys.modules['weasyprint'] = None; from generator.cli import main; "
            f"sys.argv = ['sitegen', 'build', '--site', {str(site)!r}]; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "warning: the brochure is left out: WeasyPrint cannot be loaded" in done.stdout + done.stderr
    assert not list((site / "output").rglob("*.pdf"))
    assert "brochure-link" not in (site / "output/en/index.html").read_text(encoding="utf-8")


def test_a_brochure_over_3_mb_is_an_error(make_site: Callable[..., Path], tmp_path: Path) -> None:
    need_weasyprint()
    from PIL import Image  # (installed with WeasyPrint)

    site = small_site(make_site)
    # (noise compresses to nothing: four pictures of it, in whichever size the page shows, pass 3 MB)
    for n in range(4):
        noise = Image.frombytes("RGB", (1200, 1000), random.Random(17 + n).randbytes(1200 * 1000 * 3))
        noise.save(site / f"content/en/noise{n}.png")
    (site / "content/en/invest.md").write_text(page("Invest", "\n\n".join(f"![Noise {n}](noise{n}.png)"
                                                                          for n in range(4)),
                                                    translation_key="invest"), encoding="utf-8")
    result = build(site)
    assert result.exit_code == 1
    assert re.search(r"site\.yaml:\d+:\d+: the en brochure is \d+\.\d MB, more than 3 MB", result.output), result.output


@pytest.mark.parametrize(("yaml", "message"), [
    (BROCHURE_YAML.replace("[_index.md, invest]", "[_index.md, nope.md]"),
     r"site\.yaml:14:24: brochure\.en: no page 'nope\.md' in content/en/"),
    ("brochure:\n  vi: {title: Cẩm nang, pages: [_index.md]}\n",
     r"site\.yaml:7:1: brochure is missing language 'en'"),
    (BROCHURE_YAML.replace("file: investor.pdf", "file: ../x.pdf"),
     r"site\.yaml:13:5: brochure\.en\.file must be a file name ending in \.pdf"),
])
def test_a_bad_brochure_entry_is_a_located_error(make_site: Callable[..., Path], yaml: str, message: str) -> None:
    site = small_site(make_site, yaml)
    result = build(site)
    assert result.exit_code == 1
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output


def map_site(make_site: Callable[..., Path]) -> Path:
    """A site whose brochure has a page with `map: true` and the park directory; Park Beta has no position."""
    def park(title: str, where: str = "") -> str:
        return f"---\ntitle: {title}\ntemplate: park\npark:\n  status: operating\n{where}---\nText.\n"

    parks = "content/en/locations/industrial-parks/"
    site = make_site({
        "content/en/why-invest/location-and-logistics.md": page("Location", "Text.", map="true"),
        parks + "_index.md": page("Industrial parks", template="park-list", export="park"),
        parks + "alpha.md": park("Park Alpha", "  lat: 20.45\n  lon: 106.50\n"),
        parks + "beta.md": park("Park Beta"),
        parks + "gamma.md": park("Park Gamma", "  lat: 20.40\n  lon: 106.60\n"),
        "data/places.yaml": (REPO / "data/places.yaml").read_text(encoding="utf-8"),
        "data/geo/red-river-delta.geojson": (REPO / "data/geo/red-river-delta.geojson").read_text(encoding="utf-8"),
    }, site_yaml=SITE_YAML + "brochure:\n  vi: {title: Cẩm nang, pages: [_index.md]}\n  en: {title: Brochure, "
                 "pages: [_index.md, why-invest/location-and-logistics.md, locations/industrial-parks/_index.md]}\n")
    return site


def test_the_locator_map_prints_as_vectors_numbered_as_its_list(make_site: Callable[..., Path],
                                                                tmp_path: Path) -> None:
    need_weasyprint()
    need("pdfimages", "the brochure's pictures are listed with Poppler")
    site = map_site(make_site)
    assert build(site, "--output", tmp_path / "a").exit_code == 0
    assert build(site, "--no-cache", "--output", tmp_path / "b").exit_code == 0
    pdf = tmp_path / "a/en/brochure.pdf"
    assert pdf.read_bytes() == (tmp_path / "b/en/brochure.pdf").read_bytes()  # the map too: the same bytes
    credit = "Location map. Coast and borders: Natural Earth 1:10m (public domain). Positions are approximate."
    # (-raw: in the order drawn, which keeps each label whole where labels overlap)
    raw = subprocess.run(["pdftotext", "-raw", "-f", "4", "-l", "4", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout  # the location chapter (after the cover, contents and home)
    location = flat(unicodedata.normalize("NFC", raw))
    assert credit in location
    names = ["Park Alpha", "Park Gamma", "Hà Nội", "Thái Bình (former capital)", "Hải Phòng", "Nội Bài airport",
             "Cát Bi airport", "Lạch Huyện port"]
    for name in names:
        assert location.count(name) == 2, name  # its label on the map and its line in the list
    assert "Park Beta" not in location  # no position: neither on the map nor in its list
    # The numbers of the markers are those of the list (a park left out does not leave a gap on the map).
    words = [w for line in raw.splitlines() if " / " not in line for w in line.split()]  # (not the footer)
    assert sorted(int(w) for w in words if w.isdigit()) == list(range(1, len(names) + 1)), words
    assert sorted(int(w[:-1]) for w in words if re.fullmatch(r"\d+\.", w)) == list(range(1, len(names) + 1))
    # The park directory's map: its parks and the cities.
    directory = flat(pdftotext(pdf, 5, 5))
    assert credit in directory and "Hải Phòng" in directory and "Nội Bài airport" not in directory
    # Vectors, not a picture; the list links the parks' pages on the site.
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 2, images  # (the header alone)
    objects = b"".join(inflated(pdf.read_bytes()))
    assert b"(https://example.org/en/locations/industrial-parks/alpha/)" in objects


def test_under_serve_an_edit_leaves_the_print_to_another_process_and_a_stale_print_is_not_written(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    """`sitegen serve`'s rebuild keeps the last PDF and queues the print; printed apart, `reprint` writes it
    and the pages that link it: then the output is a clean build's. A print made stale by a newer edit is
    not written."""
    need_weasyprint()
    site, out = small_site(make_site), tmp_path / "out"
    builder = Builder(BuildOptions(site=site, output=out, watch=True))
    builder.full()
    pdf, home = out / "en/investor.pdf", out / "en/index.html"
    old = pdf.read_bytes()
    invest = site / "content/en/invest.md"

    def edit(text: str) -> None:
        invest.write_text(page("Invest", text, translation_key="invest", date="2025-03-01"), encoding="utf-8")

    edit("## Incentives\n\nA 5% tax rate (2025).")
    result = builder.update([invest])
    assert not result.full and result.brochures_pending == ("en",)
    assert pdf.read_bytes() == old  # not printed by the rebuild
    assert "A 5% tax rate" in (out / "en/invest/index.html").read_text(encoding="utf-8")  # the page at once
    stale = builder.prints.take()
    edit(" ".join(f"Zone {i}: {i * 7 % 90}% for {i + 3} years (2025)." for i in range(80)))
    assert builder.update([invest]).brochures_pending == ("en",)
    with printer() as pool:  # (a fork server's process, as under serve)
        builder.prints.printed.extend(pool.map(print_apart, stale))
        assert builder.reprint() is None and pdf.read_bytes() == old  # stale: not written
        builder.prints.printed.extend(pool.map(print_apart, builder.prints.take()))
    result = builder.reprint()
    assert result is not None and result.written and not builder.prints.jobs
    assert "Zone 79" in pdftotext(pdf)
    assert round(len(pdf.read_bytes()) / 1000) != round(len(old) / 1000)
    size = round(len(pdf.read_bytes()) / 1000)
    assert f"PDF, {size} kB" in home.read_text(encoding="utf-8")  # the new size
    assert build(site, "--no-cache", "--output", tmp_path / "clean").exit_code == 0
    assert tree_digest(out) == tree_digest(tmp_path / "clean")  # the PDF's bytes too
