"""Films (issue 14): self-hosted with subtitles, or YouTube/Vimeo loaded only on the visitor's click."""

from __future__ import annotations

import re

from conftest import build, chromium, serve_folder

FILM_PAGE = """---
title: Films
video:
  - src: https://www.youtube.com/watch?v=abcDEF12345
    title: A remote film
    poster: poster.png
    transcript: "Line one.\\n\\nLine two."
  - src: film.mp4
    title: A film of our own
    poster: poster.png
    subtitles: {vi: film.vi.vtt, en: film.en.vtt}
    transcript: "Words."
---
Text.
"""
VTT = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"


def film_site(make_site):
    return make_site({
        "content/en/media/_index.md": "---\ntitle: Media\n---\n",
        "content/en/media/films.md": FILM_PAGE,
        "content/en/media/film.mp4": b"\x00\x00\x00\x18ftypmp42",
        "content/en/media/film.vi.vtt": VTT, "content/en/media/film.en.vtt": VTT,
        "content/en/media/poster.png": b"\x89PNG\r\n\x1a\n",
    })


def test_films_render_with_subtitles_transcript_and_a_frame_without_address(make_site):
    site = film_site(make_site)
    result = build(site)
    assert result.exit_code == 0, result.output
    html = (site / "output/en/media/films/index.html").read_text()
    frame = re.search(r"<iframe [^>]*>", html)
    assert frame and " src=" not in frame.group() and 'title="A remote film"' in frame.group()
    assert 'href="https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1" target="film-' in html
    assert '<track kind="subtitles" srclang="en" src="film.en.vtt" label="EN" default>' in html
    assert '<track kind="subtitles" srclang="vi" src="film.vi.vtt" label="VI">' in html
    assert 'preload="none"' in html and "Line one." in html and "<summary>Transcript</summary>" in html
    headers = (site / "output/_headers").read_text()
    assert "frame-src https://www.youtube-nocookie.com;" in headers and "vimeo" not in headers


def test_no_film_no_frame_src(make_site):
    site = make_site()
    assert build(site).exit_code == 0
    assert "frame-src" not in (site / "output/_headers").read_text()


def test_nothing_leaves_the_site_before_the_click(make_site):
    site = film_site(make_site)
    assert build(site).exit_code == 0
    with chromium("to check that a film loads nothing before a click") as browser, \
            serve_folder(site / "output") as base:
        tab = browser.new_page(viewport={"width": 1000, "height": 800})
        requests: list[str] = []
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(base + "/en/media/films/")
        tab.wait_for_load_state("networkidle")
        tab.mouse.wheel(0, 3000)
        tab.wait_for_timeout(500)
        assert requests and all(url.startswith(base) for url in requests), requests
        tab.locator("a.video-poster").click()
        tab.wait_for_timeout(500)
        assert any(url.startswith("https://www.youtube-nocookie.com/embed/abcDEF12345") for url in requests)
        assert tab.locator("a.video-poster").is_hidden()
