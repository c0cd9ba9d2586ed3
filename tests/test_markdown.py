"""Markdown conversion: extensions, Vietnamese heading ids, links, safety."""

from __future__ import annotations

import importlib
import inspect
import re
from html import unescape

from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.markdown import Converter, core, safe_href, selective


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


# Markup that would run script if it reached the page, with Markdown around it to carry it there.
_HOSTILE = ["<script>alert(1)</script>", "<SCRIPT src=x>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:x\">a</a>",
            "<p style=\"x\" onclick=\"y\">", "[l](javascript:alert(1))", "[l](JaVaScRiPt:x)", "[l](java%09script:x)",
            "[l]( vbscript:x)", "![i](data:text/html,x)", "[r]: javascript:x", "[a][r]", "<javascript:x>",
            "{: onclick=\"x\" }", "{: style=\"x\" onMouseOver=y }", "``` { .p onclick=\"x\" style='y' }",
            "``` { onerror=x hl_lines=\"1\" }", "```", "&lt;script&gt;", "<div>\n", "\n</div>", "\\<script>"]
_TAG = re.compile(r"<([a-z][a-z0-9]*)([^<>]*)>", re.I)
_ATTRIBUTE = re.compile(r"""\s([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")


def _dangerous(html: str) -> list[str]:
    """What in `html` could run script: a script tag, an event handler or style, an unsafe URL."""
    found = []
    for tag in _TAG.finditer(html):
        found += [tag.group()] if tag.group(1).lower() == "script" else []
        for name, value in _ATTRIBUTE.findall(tag.group(2)):
            name, value = name.lower(), unescape(value.strip("\"'"))
            if name.startswith("on") or name == "style" or (name in ("href", "src") and not safe_href(value)):
                found.append(f"{name}={value}")
    return found


def test_the_safety_check_finds_what_unsafe_mode_lets_through():
    html = convert("<script>x</script>\n\n<img src=x onerror=y>\n\n``` { onclick=\"x\" }\nx\n```",
                   unsafe=True).html
    assert len(_dangerous(html)) == 3, html


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_HOSTILE + list("[]()*_`<>!#-:{}|\n \"'") + ["\n\n", "    ", "- ", "x"]),
                max_size=40).map("".join))
@example("<script>alert(1)</script>")
@example("[l](javascript:alert(1))")
@example("x\n{: onclick=\"x\" }")
@example("``` { .p onclick=\"x\" style='y' }\nx\n```")
def test_safe_mode_lets_no_script_through(text):
    r = convert(text)
    assert _dangerous(r.html) == [], r.html


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
    [TOC] is written) change nothing: the HTML, TOC and problems are stock Python-Markdown's, in safe and
    unsafe mode."""
    for unsafe in (False, True):
        full = Converter(unsafe_html=unsafe, selective=False).convert(text, "vi", lambda _: "/x/")
        fast = Converter(unsafe_html=unsafe).convert(text, "vi", lambda _: "/x/")
        assert fast == full, f"unsafe_html={unsafe}"


def test_selective_converter_matches_on_the_example_site():
    from conftest import REPO
    from generator.frontmatter import read_text, split

    full, selective = Converter(selective=False), Converter()
    for path in sorted((REPO / "content").rglob("*.md")):
        body = split(read_text(path), path)[1]
        assert selective.convert(body, "vi", lambda _: "/x/") == full.convert(body, "vi", lambda _: "/x/"), path


def test_this_python_markdown_is_verified():
    """The fast paths run only with a Python-Markdown the equivalence tests passed against: when this fails,
    add the installed version to core.VERIFIED, run tests/test_*markdown*.py (and the differential tests with
    more examples), and keep it only if they pass (3.11.2's toc.unique, for one, takes other arguments)."""
    assert Converter().fast, (f"Python-Markdown {core.INSTALLED or '(version unknown)'} is not in "
                              f"generator.markdown.core.VERIFIED {sorted(core.VERIFIED)}")


def test_an_unverified_python_markdown_turns_both_fast_paths_off(monkeypatch):
    """The fast paths lean on Python-Markdown's internals: any version but the exact ones verified (even a
    new patch release) means stock Python-Markdown for every page, with the same HTML."""
    texts = ["Đoạn *văn* với [liên kết](a.md).", "``` .python hl_lines=\"1 3\"\nx\n```", "| a |\n|:-:|\n| 1 |"]
    for version in ("3.11.99", "3.12.0", ""):
        monkeypatch.setattr(core, "INSTALLED", version)
        converter = Converter()
        assert not converter.fast
        for text in texts:
            stock = Converter(selective=False).convert(text, "vi/about", {"vi/about/a.md": "/vi/a/"}.get)
            assert converter.convert(text, "vi/about", {"vi/about/a.md": "/vi/a/"}.get) == stock
        assert list(converter._converters) == [None]  # every page, the plain one too, through one stock Markdown


def test_the_selective_converter_loads_what_each_extension_depends_on():
    """An extension whose output depends on another being loaded (it looks through `registeredExtensions`,
    as fenced_code does for attr_list) must name it in `selective._NEEDS`, or a page without the other's
    trigger would render differently."""
    for name in core.EXTENSIONS:
        source = inspect.getsource(importlib.import_module(f"markdown.extensions.{name}"))
        if "registeredExtensions" not in source:
            continue
        used = {other for other in core.EXTENSIONS if other != name
                and re.search(rf"^from (?:markdown\.extensions)?\.{other} import", source, re.M)}
        assert used <= set(selective._NEEDS.get(name, ())), name
    assert selective.features("```\nx\n```")[0] == {"fenced_code", "attr_list"}
