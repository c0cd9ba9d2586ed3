"""Search in each language, Vietnamese with or without tone marks, checked in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, chromium, run_process, search_results, serve_folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("search") / "output"
    proc = run_process("build", "--site", REPO, "--output", out)
    assert proc.returncode == 0, proc.stderr
    assert (out / "pagefind/pagefind.js").is_file()
    with serve_folder(out) as base:
        yield base


def test_index_is_deterministic(tmp_path: Path):
    outs = []
    for n in range(2):
        out = tmp_path / f"o{n}"
        assert run_process("build", "--site", REPO, "--output", out).returncode == 0
        outs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()})
    assert outs[0] == outs[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium("search is checked in a real browser") as b:
        yield b


def results(browser, base: str, lang: str, query: str) -> list[str]:
    # One CI run in three (2 December 2026, under xdist) found no page for "industrial park" once, and the
    # next run did: look a second time before concluding that nothing matches (cause not found yet).
    return search_results(browser, base, lang, query) or search_results(browser, base, lang, query)


@pytest.mark.parametrize("query,expected", [
    ("dong xam", "/vi/van-hoa-du-lich/lang-nghe/"),
    ("Đồng Xâm", "/vi/van-hoa-du-lich/lang-nghe/"),
    ("thai binh", "/vi/"),
    ("dau tu", "/vi/huong-dan-dau-tu/"),
    ("khu công nghiệp", "/vi/dia-diem-dau-tu/khu-cong-nghiep/"),
])
def test_vietnamese_queries_with_and_without_marks(browser, served, query, expected):
    urls = results(browser, served, "vi", query)
    assert urls, query
    assert all(u.startswith("/vi/") for u in urls)
    assert any(u.startswith(expected) for u in urls), (query, urls)


def test_den_finds_both_den_and_den(browser, served):
    urls = results(browser, served, "vi", "den")
    assert urls and all(u.startswith("/vi/") for u in urls)


def test_marked_query_ranks_exact_matches_first(browser, served):
    urls = results(browser, served, "vi", "đền")
    first_page = browser.new_page()
    first_page.goto(served + urls[0])
    assert "đền" in first_page.inner_text("main").lower()
    first_page.close()


@pytest.mark.parametrize("query", ["industrial park", "silver", "Thái Bình", "investment"])
def test_english_queries_return_only_english_pages(browser, served, query):
    urls = results(browser, served, "en", query)
    assert urls and all(u.startswith("/en/") for u in urls), (query, urls)


def test_search_is_usable_by_keyboard(browser, served):
    page = browser.new_page()
    page.goto(f"{served}/en/search/")
    page.keyboard.press("Tab")  # skip link
    for _ in range(40):
        if page.evaluate("document.activeElement && document.activeElement.id") == "search-q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type("craft villages")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results a", timeout=20000)
    for _ in range(3):  # past the search button, onto the first result
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    assert page.evaluate("document.activeElement.closest('#search-results') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/en/" in page.url and "/search/" not in page.url
    page.close()


def test_results_show_title_section_and_highlighted_summary(browser, served):
    page = browser.new_page()
    page.goto(f"{served}/en/search/?q=silver")
    page.wait_for_selector("#search-results a", timeout=20000)
    html = page.inner_html("#search-results")
    assert "<mark>" in html.lower() and 'class="meta"' in html
    page.close()


def test_header_search_box_leads_to_results(browser, served):
    page = browser.new_page()
    page.goto(f"{served}/vi/")
    page.fill("#header-q", "dong xam")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results a", timeout=20000)
    assert "/vi/search/" in page.url
    page.close()


def shown(browser, base: str, lang: str, query: str):
    """The search page with `query` run; its results shown."""
    page = browser.new_page()
    page.goto(f"{base}/{lang}/search/?q={query}")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('“')", timeout=20000)
    return page


WORDS = "t => (t.normalize('NFC').match(/[\\p{L}\\p{M}\\p{N}]+/gu) || []).map(w => w.toLowerCase())"


@pytest.mark.parametrize("query", ["den", "thai binh", "dong xam"])
def test_excerpts_are_the_pages_own_words(browser, served, query):
    """No hidden word list (đ written as d) shows in an excerpt: every word of an excerpt is a word that
    the page shows."""
    page = shown(browser, served, "vi", query)
    results = page.eval_on_selector_all("#search-results li", f"""lis => lis.slice(0, 8).map(li => [
        new URL(li.querySelector('a').href).pathname, ({WORDS})(li.querySelector('p:last-child').textContent)])""")
    assert results
    for path, words in results:
        target = browser.new_page()
        target.goto(served + path)
        visible = set(target.evaluate(f"({WORDS})(document.body.innerText)"))
        target.close()
        assert set(words) <= visible, (path, sorted(set(words) - visible))
    assert page.evaluate("document.querySelectorAll('[data-pagefind-meta^=\"alt\"]').length") == 0
    page.close()


def test_dong_xam_marks_both_words(browser, served):
    page = shown(browser, served, "vi", "dong xam")
    first = page.inner_html("#search-results li:first-child")
    assert "/vi/van-hoa-du-lich/lang-nghe/" in first
    assert "<mark>Đồng</mark>" in first and "<mark>Xâm" in first
    page.close()


def test_the_real_count_and_the_results_past_the_first_twenty(browser, served):
    page = shown(browser, served, "vi", "den")
    import re

    count = int(re.search(r"\d+", page.inner_text("#search-status")).group())
    assert count > 20 and page.locator("#search-results li").count() == 20
    assert "20" in page.inner_text("#search-status") and page.is_visible("#search-more")
    while page.is_visible("#search-more"):
        before = page.locator("#search-results li").count()
        page.click("#search-more")
        page.wait_for_function(f"document.querySelectorAll('#search-results li').length > {before}")
        assert page.evaluate("document.activeElement.closest('#search-results li') !== null")
    urls = page.eval_on_selector_all("#search-results a", "els => els.map(e => e.pathname)")
    assert len(urls) == count == len(set(urls))
    # the pages that have the word "đền" (temple) are among the first ten
    assert {"/vi/van-hoa-du-lich/le-hoi/", "/vi/van-hoa-du-lich/di-san/"} <= set(urls[:10]), urls[:10]
    page.close()


def test_without_javascript_the_topics_list_is_a_link(served, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for lang in ("vi", "en"):
        page.goto(f"{served}/{lang}/search/")
        link = page.locator("main noscript a, main a[href$='/tags/']").first
        assert page.locator(f"main a[href='/{lang}/tags/']").count() == 1, lang
        assert link.is_visible()
    context.close()


def test_results_move_nothing_in_view(browser, served):
    """A query from the address: the results come after the first paint and shift nothing (CLS 0)."""
    for width, height in ((360, 640), (1280, 900)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{served}/vi/search/?q=dong+xam")
        page.wait_for_selector("#search-results a", timeout=20000)
        shift = page.evaluate("""() => new Promise(done => {
            let sum = 0;
            new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) sum += e.value; })
              .observe({type: "layout-shift", buffered: true});
            setTimeout(() => done(sum), 300);
        })""")
        assert shift == 0, (width, shift)
        context.close()
