"""Markdown conversion: extensions, Vietnamese heading ids, links, safety."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.markdown import Converter, safe_href


def convert(text: str, unsafe: bool = False, targets: dict[str, str] | None = None):
    return Converter(unsafe_html=unsafe).convert(text, "vi/about", (targets or {}).get)


def test_heading_ids_are_vietnamese_aware():
    html = convert("## Đà Nẵng\n\n## Đồng Xâm\n\n## Đồng Xâm").html
    assert 'id="da-nang"' in html and 'id="dong-xam"' in html and 'id="dong-xam_1"' in html


def test_extensions_tables_footnotes_admonitions_attr_lists_fenced_code():
    text = ("| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: Foot\n\n!!! note \"Lưu ý\"\n    Body\n\n"
            "Para\n{: .lead }\n\n```python\nx = 1\n```\n\n[TOC]\n")
    html = convert(text).html
    assert "<table>" in html and 'class="footnote"' in html and 'class="admonition note"' in html
    assert '<p class="lead">Para</p>' in html and '<code class="language-python">' in html
    assert 'class="toc"' in html


def test_links_to_sources_rewritten_and_missing_reported_with_line():
    r = convert("a\n\n[x](lich-su.md#b) [y](../../en/history.md)\n\n[z](none.md)",
                targets={"vi/about/lich-su.md": "/vi/lich-su/", "en/history.md": "/en/history/"})
    assert 'href="/vi/lich-su/#b"' in r.html and 'href="/en/history/"' in r.html
    assert r.problems == ((5, "link to 'none.md', which does not exist (looked for content/vi/about/none.md)"),)


def test_external_and_anchor_links_untouched():
    html = convert("[a](https://x.org/a.md) [b](#top) [c](/vi/) [d](mailto:a@b.c)").html
    assert 'href="https://x.org/a.md"' in html and 'href="#top"' in html and 'href="/vi/"' in html
    assert 'href="mailto:a@b.c"' in html


def test_attr_list_cannot_add_event_handlers():
    html = convert("Para\n{: onclick=\"alert(1)\" style=\"x\" }\n").html
    assert "onclick" not in html and "style" not in html


def test_unsafe_html_off_by_default_on_by_config():
    assert "&lt;b&gt;" in convert("<b>x</b>").html
    assert "<b>x</b>" in convert("<b>x</b>", unsafe=True).html


def test_safe_href():
    for bad in ["javascript:x", "JaVaScRiPt:x", " javascript:x", "java\tscript:x", "vbscript:x", "data:text/html,x",
                "java%09script:x"]:
        assert not safe_href(bad), bad
    for good in ["https://x", "/a", "#b", "a.md", "mailto:x@y"]:
        assert safe_href(good)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]()*_`<>!#-:\n ajđĐ.md/\\\"'{}|")), max_size=300))
def test_fuzz_markdown_only_renders(text):
    r = convert(text)
    assert isinstance(r.html, str)
    assert "<script" not in r.html.lower()


_TOKENS = list("[]()*_`<>!#-:|{}^~&=+.1\\\n\t abđ.md/\"'") + [
    "  \n", "\n\n", "    ", "```", "!!! note", "[^1]", "[^1]: x", "[TOC]", "*a*", "**b**", "_c_", "[a](b.md)",
    "[a][r]", "[r]: /x", "# h", "## Đà Nẵng", "> ", "1. ", "- ", "---", "a\n===", "&amp;", "<http://x>", "`c`"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=120).map("".join))
@example("*a* and [x](y)\n")  # a pattern skipped after a match must not carry the match's position on
@example("## A\n\n[TOC]\n\n## A\n")
@example("[\t\n[")  # a tab expands to the two spaces of a line break
@example("a \x02 \nb")  # so does a space, an STX Python-Markdown drops, and a space
@example("a  \r\nb")
def test_selective_converter_gives_the_same_html_as_the_full_one(text):
    """The shortcuts (parts a page cannot use left out, patterns skipped per run of text, no TOC HTML unless
    [TOC] is written) change nothing: the HTML, TOC and problems are stock Python-Markdown's."""
    full = Converter(selective=False).convert(text, "vi", lambda _: "/x/")
    selective = Converter().convert(text, "vi", lambda _: "/x/")
    assert selective == full


def test_selective_converter_matches_on_the_example_site():
    from conftest import REPO
    from generator.frontmatter import read_text, split

    full, selective = Converter(selective=False), Converter()
    for path in sorted((REPO / "content").rglob("*.md")):
        body = split(read_text(path), path)[1]
        assert selective.convert(body, "vi", lambda _: "/x/") == full.convert(body, "vi", lambda _: "/x/"), path
