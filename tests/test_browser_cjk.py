"""The Japanese and Korean pages in Debian's Chromium: every page loads cleanly and fits a 360 px phone, its
language switcher lands on pages that exist; axe-core finds nothing serious; search in Japanese and Korean
finds the park directory and stays in the visitor's language. (The Nu HTML checker reads them with every
other page: test_browser.py::test_nu_html_checker_accepts_every_page.)"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from conftest import open_page, search_results, settle, watch_network

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ("ja", "ko")
PAGES = {"home": "/{}/", "parks": "/{}/locations/industrial-parks/", "park": "/{}/locations/industrial-parks/tien-hai/",
         "statistics": "/{}/why-invest/key-statistics/", "procedures": "/{}/guide/procedures/",
         "incentives": "/{}/why-invest/incentives/"}


def cjk_pages(out: Path, lang: str) -> list[str]:
    """Every page of `lang` in the built site, as a URL path."""
    return sorted("/" + p.parent.relative_to(out).as_posix() + "/" for p in (out / lang).rglob("index.html"))


@pytest.mark.parametrize("lang", LANGS)
def test_every_cjk_page_fits_a_phone_and_its_switcher_lands_on_a_page(browser, server, out, lang):
    """Each page at 360 px in one tab (its stylesheet and scripts cached, as for a visitor going from page
    to page), the two languages in parallel under xdist."""
    pages = cjk_pages(out, lang)
    assert len(pages) >= 27
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    seen: list[str] = []  # console errors, page errors and failed requests of the page being checked
    page.on("console", lambda m: seen.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("response", lambda r: seen.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    watch_network(page)
    problems, targets = [], set()
    for path in pages:
        seen.clear()
        page.goto(server + path)
        settle(page)
        if seen:
            problems.append((path, list(seen)))
        if page.evaluate("document.documentElement.lang") != lang:
            problems.append((path, "lang"))
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            problems.append((path, "scrolls sideways"))
        # each language code stays on one line (a squeezed switcher once broke JA into J / A)
        if max(page.evaluate("[...document.querySelectorAll('.switcher .lang-code')]"
                             ".map(e => e.getBoundingClientRect().height)")) > 28:
            problems.append((path, "switcher squeezed"))
        if page.evaluate("getComputedStyle(document.body).fontFamily").find("Noto Sans CJK") < 0:
            problems.append((path, "no CJK font stack"))
        targets.update(page.eval_on_selector_all(".switcher a", "els => els.map(e => e.getAttribute('href'))"))
    context.close()
    assert problems == []
    # the switcher leads to every other language (this one's pages are led to from the other's)
    assert {"vi", "en", "ja", "ko"} - {lang} <= {t.split("/")[1] for t in targets} <= {"vi", "en", "ja", "ko"}
    for href in sorted(targets):
        with urllib.request.urlopen(server + href) as response:  # noqa: S310 (our own local server)
            assert response.status == 200, href


@pytest.mark.parametrize("lang, prop, value", [("ja", "line-break", "strict"), ("ko", "word-break", "keep-all")])
def test_line_breaking_follows_each_languages_rules(browser, server, lang, prop, value):
    page = open_page(browser, server, PAGES["home"].format(lang))
    assert page.evaluate(f"getComputedStyle(document.querySelector('main p')).getPropertyValue('{prop}')") == value
    page.context.close()


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_no_serious_violations_on_cjk_pages(browser, server, name, lang, width):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(browser, server, PAGES[name].format(lang), width=width, height=900)
    violations = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []
    page.context.close()


@pytest.mark.parametrize("lang, query, expected", [
    ("ja", "工業団地", "/ja/locations/industrial-parks/"),
    ("ko", "산업단지", "/ko/locations/industrial-parks/"),
    ("ja", "投資優遇", "/ja/why-invest/incentives/"),
    ("ko", "투자 인센티브", "/ko/why-invest/incentives/"),
])
def test_search_in_japanese_and_korean_stays_in_the_visitors_language(browser, server, lang, query, expected):
    urls = search_results(browser, server, lang, query)
    assert expected in urls, urls
    assert all(u.startswith(f"/{lang}/") for u in urls), urls
