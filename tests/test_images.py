"""Responsive images (issue 14): <picture> with widths and a modern format, cached, deterministic, checked.

The photos here are test images drawn with Pillow, never presented as the place."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from conftest import build, chromium, page, run, serve_folder, tree_digest
from generator import images
from generator.build import BuildOptions
from generator.build import build as build_site

ARTICLE = ('Intro.\n\n![A test pattern](photo.jpg "A caption"){ credit="Test Author" licence="CC0" }\n\n'
           + "Text. " * 400 + "\n")


def photo(width: int = 2000, height: int = 1500, gps: bool = False, orientation: int = 0, fmt: str = "JPEG") -> bytes:
    """A test image: a gradient with a dark block in its top-left corner (to see the rotation)."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((10, 20, 30), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (20.0, 27.0, 0.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes() if fmt == "JPEG" else None)
    return out.getvalue()


def article(make_site, body: str = ARTICLE, extra: dict[str, str | bytes] | None = None) -> Path:
    files: dict[str, str | bytes] = {"content/en/news/_index.md": page("News"),
                                     "content/en/news/story.md": page("Story", body),
                                     "content/en/news/photo.jpg": photo(gps=True)}
    files.update(extra or {})
    return make_site(files)


def test_markdown_image_becomes_picture_with_widths_modern_format_and_caption(make_site):
    site = article(make_site)
    result = build(site)
    assert result.exit_code == 0, result.output
    html = (site / "output/en/news/story/index.html").read_text()
    figure = re.search(r'<figure class="photo">.*?</figure>', html, re.S)
    assert figure, html
    text = figure.group()
    assert 'type="image/webp"' in text and re.search(r"photo\.\w{8}-480\.webp 480w, .*-960\.webp 960w, "
                                                     r".*-1600\.webp 1600w", text)
    assert 'width="2000" height="1500"' in text and 'alt="A test pattern"' in text
    assert 'decoding="async"' in text
    assert "A caption" in text and "Test Author (CC0)" in text
    assert "credit=" not in text and "licence=" not in text
    out = site / "output/en/news"
    webp = sorted(out.glob("photo.*-*.webp"))
    assert [Image.open(p).width for p in webp] == [1600, 480, 960] and all(Image.open(p).format == "WEBP" for p in webp)
    # the original's URL still answers, with the metadata (GPS) gone
    original = Image.open(out / "photo.jpg")
    assert original.getexif().get(0x8825) is None and original.width <= 1600


def test_small_image_is_never_upscaled_and_png_keeps_png(make_site):
    small = photo(600, 400, fmt="PNG")
    site = article(make_site, "![Small](small.png){ credit=\"T\" licence=\"CC0\" }\n",
                   {"content/en/news/small.png": small})
    assert build(site).exit_code == 0
    out = site / "output/en/news"
    sizes = sorted(Image.open(p).width for p in out.glob("small.*-*.png"))
    assert sizes == [480, 600]
    html = (out / "story/index.html").read_text()
    assert 'width="600" height="400"' in html and "1600w" not in html


def test_exif_orientation_applied_and_output_deterministic(make_site, tmp_path: Path):
    rotated = photo(800, 600, orientation=6)  # stored landscape, shown portrait
    site = article(make_site, "![R](r.jpg){ credit=\"T\" licence=\"CC0\" }\n", {"content/en/news/r.jpg": rotated})
    assert build(site, "--no-cache").exit_code == 0
    out = site / "output/en/news"
    files = sorted(out.glob("r.*-*.webp"))
    assert files and Image.open(files[-1]).size == (600, 800)
    first = tree_digest(site / "output")
    assert build(site, "--no-cache", "--output", tmp_path / "again").exit_code == 0
    assert tree_digest(tmp_path / "again") == first


def test_second_build_encodes_no_image(make_site):
    site = article(make_site)
    first = build_site(BuildOptions(site=site, watch=True))
    assert first.state is not None and first.state.bodies.pictures.encoded == 1
    (site / "content/en/news/story.md").write_text(page("Story", ARTICLE + "\nMore.\n"))
    second = build_site(BuildOptions(site=site, watch=True))
    assert second.state is not None and second.state.bodies.pictures.encoded == 0
    assert len(second.state.bodies.pictures.by_url) == 1


def test_front_matter_image_is_shown_and_is_the_open_graph_image(make_site):
    body = ("---\ntitle: Story\nimage:\n  src: photo.jpg\n  alt: A test pattern\n  credit: Test Author\n"
            "  licence: CC0\n---\nText.\n")
    site = article(make_site, extra={"content/en/news/story.md": body})
    assert build(site).exit_code == 0, build(site).output
    html = (site / "output/en/news/story/index.html").read_text()
    og = re.search(r'<meta property="og:image" content="https://example.org/(en/news/photo\.\w{8}-og\.jpg)">', html)
    assert og, html
    assert Image.open(site / "output" / og.group(1)).size == (1200, 630)
    assert '<div class="page-image"><figure class="photo"><picture>' in html and 'loading="eager"' in html


@pytest.mark.parametrize("name, data, message", [
    ("missing.jpg", None, "does not exist"),
    ("bad.jpg", b"not an image at all", "is not an image"),
    ("cut.jpg", photo(400, 300)[:1500], "damaged or truncated"),
    ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG with script"),
])
def test_bad_images_are_located_errors_and_nothing_is_written(make_site, name, data, message):
    extra: dict[str, str | bytes] = {} if data is None else {f"content/en/news/{name}": data}
    site = article(make_site, f"Intro.\n\n![Alt]({name}){{ credit=\"T\" licence=\"CC0\" }}\n", extra)
    result = build(site)
    assert result.exit_code == 1
    assert re.search(rf"content/en/news/story\.md:6:1: .*{re.escape(message)}", result.output), result.output
    assert "Traceback" not in result.output
    assert not (site / "output").exists()


def test_decompression_bomb_is_refused(make_site, monkeypatch):
    # Pillow's own limit, lowered so that the bomb is small to write (the check is the same)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    site = article(make_site, "![Alt](big.png){ credit=\"T\" licence=\"CC0\" }\n",
                   {"content/en/news/big.png": photo(400, 300, fmt="PNG")})
    result = build(site)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(r"story\.md:4:1: image 'big.png' .* is 400×300 pixels, more than the 100000 pixels allowed "
                     r"\(a decompression bomb\?\)", result.output), result.output
    assert not (site / "output").exists()


def test_check_requires_alt_credit_and_licence(make_site):
    site = article(make_site, "Intro.\n\n![](photo.jpg)\n\n![Alt](photo.jpg){ credit=\"T\" }\n")
    result = run("check", "--site", site)
    assert result.exit_code == 1
    assert re.search(r"story\.md:6:1: image 'photo.jpg' has no alt text and no credit and no licence",
                     result.output)
    assert "photo.jpg' has no alt text: describe" not in result.output  # (once, where it is written)
    assert re.search(r"story\.md:8:1: image 'photo.jpg' has no licence", result.output)


def test_encode_is_pure_and_drops_metadata():
    files, info = images.encode(photo(1000, 700, gps=True))
    again, _ = images.encode(photo(1000, 700, gps=True))
    assert files == again
    assert info["width"] == 1000 and {v[2] for v in info["variants"]} == {480, 960, 1000}
    for data in files.values():
        assert Image.open(io.BytesIO(data)).getexif().get(0x8825) is None


def test_browser_serves_modern_format_with_size_and_no_layout_shift(make_site):
    site = article(make_site, "Intro.\n\n![A test pattern](photo.jpg \"Caption\"){ credit=\"T\" licence=\"CC0\" }\n\n"
                   + "Text. " * 50 + "\n")
    assert build(site).exit_code == 0
    with chromium("to check the picture in a browser") as browser, serve_folder(site / "output") as base:
        tab = browser.new_page(viewport={"width": 1000, "height": 800})
        tab.add_init_script("""window.__cls = 0; new PerformanceObserver(l => { for (const e of l.getEntries())
            if (!e.hadRecentInput) window.__cls += e.value; }).observe({type: 'layout-shift', buffered: true});""")
        tab.goto(base + "/en/news/story/")
        tab.wait_for_load_state("networkidle")
        img = tab.locator("figure.photo img")
        current = img.evaluate("i => i.currentSrc")
        assert re.search(r"\.(webp|avif)$", current), current
        assert img.get_attribute("width") == "2000" and img.get_attribute("height") == "1500"
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        tab.wait_for_timeout(300)
        assert tab.evaluate("window.__cls") == 0


def test_gallery_is_a_grid_of_thumbnails_linking_to_the_large_size(make_site):
    body = ("---\ntitle: Media\ngallery:\n  - {src: b.jpg, alt: Second, credit: T, licence: CC0}\n"
            "  - {src: photo.jpg, alt: First, caption: Caption one, credit: Test Author, licence: CC0}\n---\nText.\n")
    site = article(make_site, extra={"content/en/news/story.md": body, "content/en/news/b.jpg": photo(1200, 900)})
    result = build(site)
    assert result.exit_code == 0, result.output
    html = (site / "output/en/news/story/index.html").read_text()
    grid = re.search(r'<ul class="gallery">.*?</ul>', html, re.S)
    assert grid
    links = re.findall(r'<li><figure><a href="(/en/news/[^"]+)"><picture>', grid.group())
    assert [link.split("/")[-1].split(".")[0] for link in links] == ["b", "photo"]  # in the editor's order
    assert links[1].endswith("-1600.jpg") and (site / "output" / links[1].lstrip("/")).is_file()
    assert "Caption one" in grid.group() and "Test Author (CC0)" in grid.group() and 'sizes="(min-width: 40rem)' in html


def test_a_truncated_photo_is_an_error_also_after_weasyprint_is_imported(make_site):
    """WeasyPrint makes Pillow accept truncated images for the whole process when it is imported."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what `import weasyprint` does (once, whenever it is first imported)
    try:
        site = article(make_site, "Intro.\n\n![Alt](cut.jpg){ credit=\"T\" licence=\"CC0\" }\n",
                       {"content/en/news/cut.jpg": photo(400, 300)[:1500]})
        result = build(site)
        assert ImageFile.LOAD_TRUNCATED_IMAGES  # (left as the process had it)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    assert result.exit_code == 1 and "damaged or truncated" in result.output, result.output


# -- colour profiles -----------------------------------------------------------------------------------------
# Adobe RGB (1998): its colorants (D50-adapted, as its ICC profile holds them) and its gamma of 563/256
ADOBE_RGB = ((0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087), (0.14919, 0.06322, 0.74457))
ADOBE_GAMMA = 563 / 256
D50 = (0.96420, 1.0, 0.82491)
# XYZ (D50) to linear sRGB (Bradford-adapted; Lindbloom's table), to compute the expected colour independently
XYZ_TO_SRGB = ((3.1338561, -1.6168667, -0.4906146), (-0.9787684, 1.9161415, 0.0334540),
               (0.0719453, -0.2289914, 1.4052427))


def adobe_rgb_profile() -> bytes:
    """An ICC v2 matrix/TRC display profile with the primaries, white and gamma of Adobe RGB (1998)."""
    import struct

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    text = b"Test profile with the primaries of Adobe RGB (1998)\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(ADOBE_GAMMA * 256)) + b"\0\0"
    tags = [(b"desc", desc), (b"cprt", b"text\0\0\0\0Public domain\0"), (b"wtpt", xyz(*D50)),
            (b"rXYZ", xyz(*ADOBE_RGB[0])), (b"gXYZ", xyz(*ADOBE_RGB[1])), (b"bXYZ", xyz(*ADOBE_RGB[2])),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += bytes(-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I4sI", size, b"\0\0\0\0", 0x02100000) + b"mntrRGB XYZ " + bytes(12) + b"acsp"
              + bytes(4 + 4 + 4 + 4 + 8) + struct.pack(">I3i", 0, *(round(v * 65536) for v in D50)) + bytes(4 + 16 + 28))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def adobe_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, ...]:
    """An Adobe RGB colour in sRGB, by the formulas (relative colorimetric, as lcms does for matrix profiles)."""
    linear = [(c / 255) ** ADOBE_GAMMA for c in rgb]
    x, y, z = (sum(ADOBE_RGB[i][axis] * linear[i] for i in range(3)) for axis in range(3))
    out = []
    for row in XYZ_TO_SRGB:
        v = min(1.0, max(0.0, row[0] * x + row[1] * y + row[2] * z))
        out.append(round(255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055)))
    return tuple(out)


COLOURS = [(40, 180, 90), (200, 60, 50), (128, 128, 128), (30, 60, 160)]


def swatches(mode: str = "RGB", icc: bytes | None = None) -> bytes:
    """A PNG of four flat colour bands (lossless, so that converted colours can be read back exactly)."""
    image = Image.new(mode, (400, 100))
    for i, colour in enumerate(COLOURS):
        image.paste(colour + ((200,) if mode == "RGBA" else ()), (i * 100, 0, i * 100 + 100, 100))
    out = io.BytesIO()
    image.save(out, "PNG", icc_profile=icc)
    return out.getvalue()


def near(got: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 1) -> bool:
    return len(got) == len(expected) and all(abs(a - b) <= tolerance for a, b in zip(got, expected, strict=True))


def colours(data: bytes) -> list[tuple[int, ...]]:
    image = Image.open(io.BytesIO(data))
    return [image.getpixel((round(image.width * (i * 100 + 50) / 400), image.height // 2)) for i in range(4)]


def test_an_embedded_adobe_rgb_profile_is_converted_to_srgb_and_then_dropped():
    files, _ = images.encode(swatches(icc=adobe_rgb_profile()))
    png = files["400.png"]
    assert "icc_profile" not in Image.open(io.BytesIO(png)).info  # untagged: browsers take it as sRGB
    got = colours(png)
    assert all(near(pixel, adobe_to_srgb(colour)) for colour, pixel in zip(COLOURS, got, strict=True)), got
    # the conversion shows: Adobe RGB's (40, 180, 90) is a greener green than sRGB can show but nearly
    assert got[0][0] < 10 and got[0][2] < 90 - 4
    # the modern formats got the converted colours too (lossy: near them)
    assert all(near(p, q, 6) for p, q in zip(colours(files["400.webp"]), got, strict=True))


def test_alpha_survives_the_conversion_and_srgb_or_a_broken_profile_changes_nothing():
    from PIL import ImageCms

    files, _ = images.encode(swatches("RGBA", icc=adobe_rgb_profile()))
    got = colours(files["400.png"])
    assert all(near(pixel, adobe_to_srgb(colour) + (200,)) for colour, pixel in zip(COLOURS, got, strict=True))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, b"not a profile", adobe_rgb_profile()[:100]):
        files, _ = images.encode(swatches(icc=icc))
        assert colours(files["400.png"]) == COLOURS


def test_an_adobe_rgb_photo_is_shown_converted_on_the_built_page(make_site):
    site = article(make_site, "![Bands](bands.png){ credit=\"T\" licence=\"CC0\" }\n",
                   {"content/en/news/bands.png": swatches(icc=adobe_rgb_profile())})
    result = build(site)
    assert result.exit_code == 0, result.output
    [png] = (site / "output/en/news").glob("bands.*-400.png")
    assert near(colours(png.read_bytes())[0], adobe_to_srgb(COLOURS[0]))


# -- pruning the cache ---------------------------------------------------------------------------------------
def cached(site: Path) -> set[str]:
    return {p.name for p in (site / ".sitegen-cache" / images.FOLDER).iterdir()}


def test_a_whole_build_prunes_the_encodes_no_picture_uses_any_more(make_site):
    site = article(make_site)  # photo.jpg: picture A
    first = build_site(BuildOptions(site=site, watch=True))
    assert first.state is not None and first.state.bodies.pictures.encoded == 1
    a = set(first.state.bodies.pictures.entries)
    assert len(a) == 1 and cached(site) == a
    (site / ".sitegen-cache" / images.FOLDER / "ab").mkdir()  # an entry of an older layout or encoder
    (site / "content/en/news/photo.jpg").write_bytes(photo(1200, 800))  # replaced by picture B
    second = build_site(BuildOptions(site=site, watch=True))
    assert second.state is not None and second.state.bodies.pictures.encoded == 1
    b = set(second.state.bodies.pictures.entries)
    assert b != a and cached(site) == b and second.state.bodies.pictures.pruned == 2
    [entry] = b
    assert {p.name for p in (site / ".sitegen-cache" / images.FOLDER / entry).iterdir()} >= {"meta.json", "960.jpg"}
    third = build_site(BuildOptions(site=site, watch=True))
    assert third.state is not None and third.state.bodies.pictures.encoded == 0
    assert third.state.bodies.pictures.pruned == 0 and cached(site) == b
    # B's files in the output come from the cache
    assert sorted(p.name.split("-")[-1] for p in (site / "output/en/news").glob("photo.*-*.jpg")) == \
        ["1200.jpg", "480.jpg", "960.jpg"]


def test_a_page_that_stops_using_its_picture_leaves_nothing_in_the_cache_and_a_failed_build_prunes_nothing(
        make_site):
    site = article(make_site)
    assert build(site).exit_code == 0 and len(cached(site)) == 1
    (site / "content/en/news/story.md").write_text(page("Story", "![Alt](missing.jpg){ credit=\"T\" licence=\"CC0\" }\n"))
    assert build(site).exit_code == 1 and len(cached(site)) == 1  # an error: kept, the page may come back
    (site / "content/en/news/story.md").write_text(page("Story", "No picture now.\n"))
    assert build(site).exit_code == 0 and cached(site) == set()
