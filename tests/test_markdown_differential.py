"""The fast paths against stock Python-Markdown on generated documents that use every extension sitegen
loads (code fences with attribute lists and options, `{: …}` lists, admonitions, footnotes, aligned tables,
nested lists, raw HTML), in safe and unsafe mode; and such documents through a whole build.

More examples off-suite: `SITEGEN_MARKDOWN_EXAMPLES=20000 .venv/bin/python -m pytest -q -p no:cacheprovider
tests/test_markdown_differential.py`.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import build, page, tree_digest
from generator.markdown import Converter

EXAMPLES = int(os.environ.get("SITEGEN_MARKDOWN_EXAMPLES", "100"))
TARGETS = {"vi/a.md": "/vi/a/", "vi/b/_index.md": "/vi/b/"}

_WORD = st.sampled_from(["Thái", "Bình", "đồng", "a", "b", "x_y", "R&D", "2024", "(1)", "x>y", "!", "?", ":", "#",
                         "*", "_", "|", "{", "}", "[", "]", "&amp;", "&#123;", "&#1", "&#x41", "&amp", "\\*", "C#",
                         "=", "-", "+", "1."])
_SPAN = st.one_of(
    _WORD, _WORD, _WORD,
    st.sampled_from(["*em*", "**strong**", "_u_", "__uu__", "***both***", "`code`", "``a ` b``", "[a](a.md)",
                     "[b](b/_index.md#x)", "[m](missing.md)", "[e](https://x.org/?a=1&b=2)", "![i](i.png)",
                     "[j](javascript:alert(1))", "[r][ref]", "[ref]", "[^1]", "[^n]", "[^missing]",
                     "<http://x.org>", "<a@b.c>", "<b>x</b>", "<span onclick=\"x\">y</span>", "  \n",
                     "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "&copy;", "\\[", "{ .c }"]))
_TEXT = st.lists(_SPAN, min_size=1, max_size=6).map(" ".join)
_LINES = st.lists(_TEXT, min_size=1, max_size=3).map("\n".join)

# `{ … }` attribute lists: ids, classes, keys with and without values, quoting, event handlers, odd braces.
_ATTR = st.sampled_from(["#id", "#x", ".c", ".python", ".lead", "data-x=\"1\"", "title='t t'", "key=v", "flag",
                         "onclick=\"alert(1)\"", "OnMouseOver='x'", "style=\"color:red\"", "hl_lines=\"1 3\"",
                         "hl_lines=\"2-3\"", "linenums=\"1\"", "use_pygments=false", "lang=py", "href=\"javascript:x\"",
                         "=", "}", "{", "\"", "a=\"<b>&\""])
_ATTRS = st.lists(_ATTR, max_size=4).map(" ".join)
_ATTR_LIST = st.tuples(st.sampled_from(["{", "{:", "{: "]), _ATTRS, st.sampled_from(["}", " }", ""])).map("".join)

_INFO = st.one_of(
    st.sampled_from(["", "python", ".python", " python", "c++", "hl_lines=\"1 3\"", " .python hl_lines=\"1 3\"",
                     "python hl_lines='2'", "{ .python }", "{.python #code}", "{ linenums=True }",
                     "{ guess_lang=False }", "{ .python noclasses=True }", "{ use_pygments=true linenums=yes }",
                     "{ .x onclick=\"alert(1)\" }", "{ .python", "{ }", "{}"]),
    st.tuples(st.sampled_from(["{", "{ ", "{."]), _ATTRS, st.sampled_from(["}", " }"])).map("".join))
_CODE = st.lists(st.sampled_from(["x = 1", "<b>&amp;</b>", "", "    indented", "*not em*", "```", "~~~", "{: .c }",
                                  "[^1]", "| a |", "!!! note"]), max_size=4).map("\n".join)
_FENCE = st.tuples(st.sampled_from(["```", "~~~", "````"]), _INFO, _CODE,
                   st.sampled_from(["```", "~~~", "````", "``` ", ""])).map(
    lambda t: f"{t[0]}{t[1]}\n{t[2]}\n{t[3]}" if t[2] else f"{t[0]}{t[1]}\n{t[3]}")

_HEADING = st.one_of(
    st.tuples(st.sampled_from(["#", "##", "###", "######"]), _TEXT, st.sampled_from(["", " ", " #"]),
              st.one_of(st.just(""), _ATTR_LIST.map(lambda a: " " + a))).map(lambda t: f"{t[0]} {t[1]}{t[2]}{t[3]}"),
    st.tuples(_TEXT, st.sampled_from(["===", "---"]), st.one_of(st.just(""), _ATTR_LIST.map(lambda a: " " + a)))
    .map(lambda t: f"{t[0]}{t[2]}\n{t[1]}"))
_PARAGRAPH = st.one_of(_LINES, st.tuples(_LINES, _ATTR_LIST).map("\n".join),
                       st.tuples(_LINES, _ATTR_LIST).map(" ".join))

_ALIGN = st.sampled_from(["---", ":--", "--:", ":-:", " :---: ", "-"])
_CELL = st.one_of(st.just(""), _TEXT.map(lambda t: t.replace("|", "\\|")))
_TABLE = st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.lists(_CELL, min_size=n, max_size=n), st.lists(_ALIGN, min_size=n, max_size=n),
    st.lists(st.lists(_CELL, min_size=1, max_size=n + 1), max_size=3), st.booleans())).map(
    lambda t: "\n".join(("| {} |" if t[3] else "{}").format(" | ".join(row)) for row in [t[0], t[1], *t[2]]))

_ITEM = st.tuples(st.sampled_from(["-", "*", "+", "1.", "2.", "10."]), _TEXT).map(" ".join)


def _nest(items: list[tuple[int, str]]) -> str:
    return "\n".join(" " * (depth * width) + item for depth, item, width in
                     ((d, i, 4 if d % 2 == 0 else 2) for d, i in items))


_LIST = st.lists(st.tuples(st.integers(0, 3), st.one_of(_ITEM, _TEXT)), min_size=1, max_size=6).map(
    lambda items: _nest([(0, items[0][1] if items[0][1][:1] in "-*+1" else "- " + items[0][1]), *items[1:]]))
_LOOSE_LIST = st.lists(_ITEM, min_size=2, max_size=4).map("\n\n".join)

_ADMONITION = st.tuples(
    st.sampled_from(["note", "warning", "danger", "tip custom", "x-y"]),
    st.sampled_from(["", " \"Lưu ý\"", " \"\"", " \"<b>t</b>\"", " \"a\" b"]),
    st.lists(st.one_of(_LINES, _ITEM, _FENCE, _TABLE, _HEADING, st.just("!!! note\n    inner")), max_size=3)).map(
    lambda t: f"!!! {t[0]}{t[1]}\n" + "\n\n".join("\n".join("    " + line for line in part.split("\n"))
                                                 for part in t[2]))
_FOOTNOTE_DEF = st.tuples(st.sampled_from(["1", "n", "2", "x y"]), _LINES,
                          st.one_of(st.just(""), _LINES.map(lambda s: "\n\n    " + s.replace("\n", "\n    ")))).map(
    lambda t: f"[^{t[0]}]: {t[1]}{t[2]}")
_HTML = st.sampled_from([
    "<div>\n*x*\n</div>", "<div markdown=\"1\">\n*x*\n</div>", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<!-- comment -->", "<p onclick=\"x\">p</p>", "<table><tr><td>x</td></tr></table>",
    "<a href=\"javascript:alert(1)\">x</a>", "<hr>", "<style>p{}</style>", "<div>\n\n- a\n\n</div>"])
_OTHER = st.sampled_from(["[TOC]", "---", "***", "> quote *q*\n> more", "> - a\n> - b", "    indented code",
                          "[ref]: https://x.org/ \"T\"", "[ref]: javascript:alert(1)", "*[HTML]: x", "\\\n"])

_BLOCK = st.one_of(_FENCE, _HEADING, _PARAGRAPH, _TABLE, _LIST, _LOOSE_LIST, _ADMONITION, _FOOTNOTE_DEF, _HTML,
                   _OTHER)
# The same blocks indented (a list item's continuation, code, a raw HTML block's indent), first line or all.
_INDENT = st.sampled_from([" ", "  ", "   ", "    ", "\t", "  \t"])
BLOCK = st.one_of(_BLOCK, _BLOCK, _BLOCK, st.tuples(_INDENT, _BLOCK, st.booleans()).map(
    lambda t: t[0] + (t[1].replace("\n", "\n" + t[0]) if t[2] else t[1])))
DOCUMENT = st.tuples(st.lists(BLOCK, min_size=1, max_size=8),
                     st.lists(st.sampled_from(["\n\n", "\n\n", "\n", "\n\n\n", "  \n", "\n \n", "\r\n\r\n"]),
                              min_size=8, max_size=8)).map(
    lambda t: "".join(block + sep for block, sep in zip(t[0], t[1], strict=False)))


# One converter of each kind for every document, as a build uses one for all its pages.
_CONVERTERS = {unsafe: (Converter(unsafe_html=unsafe, selective=False), Converter(unsafe_html=unsafe))
               for unsafe in (False, True)}


def compare(text: str) -> None:
    """The fast paths give stock Python-Markdown's HTML, TOC and problems, in safe and unsafe mode."""
    for unsafe, (stock, fast) in _CONVERTERS.items():
        expected = stock.convert(text, "vi", TARGETS.get, first_line=4)
        assert fast.convert(text, "vi", TARGETS.get, first_line=4) == expected, f"unsafe_html={unsafe}"


@pytest.mark.parametrize("text", ["```hl_lines=\"1 3\"\na\nb\nc\n```", "``` .python hl_lines=\"1 3\"\na\n```",
                                  "{ }\n\n``` .python hl_lines=\"1 3\"\na\n```"])
def test_fence_options_are_kept_whether_or_not_the_page_has_a_brace(text):
    """fenced_code writes `hl_lines` as an attribute when attr_list is loaded, which the selective
    converter must load with it, not only for a page with a `{`."""
    compare(text)
    assert 'hl_lines="[1, 3]"' in Converter().convert(text, "vi", TARGETS.get).html


@pytest.mark.parametrize("text", ["``` { .python linenums=True }\nx\n```", "Para.\n\n``` { guess_lang=False }\nx\n```",
                                  "a\n\n```\nx\n\n```\n\n``` { .python noclasses=True }\nx\n\ny\n```\n\nb"])
def test_boolean_fence_options_are_a_problem_on_the_page(text):
    """Python-Markdown 3.11 cannot write a boolean option (TypeError): a problem on the fence's line, not a
    traceback."""
    compare(text)
    rendered = Converter().convert(text, "vi", TARGETS.get, first_line=4)
    assert rendered.html == "" and [line for line, _ in rendered.problems] == [4 + text[:text.index("``` {")].count("\n")]
    assert "could not convert this page (TypeError: cannot serialize" in rendered.problems[0][1]


def test_a_page_python_markdown_cannot_convert_fails_the_build_with_a_located_line(make_site):
    site = make_site({"content/vi/a.md": page("A", "Nội dung.")})
    assert build(site).exit_code == 0
    before = tree_digest(site / "output")
    (site / "content/vi/b.md").write_text(page("B", "Đoạn.\n\n``` { .python linenums=True }\nx = 1\n```"))
    result = build(site)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(r"content/vi/b\.md:6:1: Python-Markdown [\d.]+ could not convert this page", result.output)
    assert tree_digest(site / "output") == before


def test_safe_mode_strips_event_handlers_and_style_from_fence_attributes():
    html = Converter().convert("``` { .python #c onclick=\"alert(1)\" OnMouseOver='x' style=\"color:red\" "
                               "data-x=\"1\" }\nx\n```", "vi", TARGETS.get).html
    assert html == '<pre id="c"><code class="language-python" data-x="1">x\n</code></pre>'
    unsafe = Converter(unsafe_html=True).convert("``` { .python onclick=\"f()\" }\nx\n```", "vi", TARGETS.get).html
    assert 'onclick="f()"' in unsafe


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
@example("```hl_lines=\"1 3\"\nx\n```")
@example("``` { .python linenums=True }\nx\n```")
@example("Thái\n  <div>x</div>\n")  # (unsafe mode) raw HTML moves text: these end with a line break
@example("<script>alert(1)</script> Thái &amp; <script>alert(1)</script>\n")
@example("&#1. (")  # (unsafe mode) the raw-HTML pass ends a character reference with `;`
def test_fast_paths_match_stock_python_markdown(text):
    compare(text)


@settings(max_examples=max(EXAMPLES // 3, 30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(BLOCK, min_size=2, max_size=12).map("\n".join))
def test_blocks_without_blank_lines_between_them_match(text):
    compare(text)


@settings(max_examples=max(EXAMPLES // 50, 3), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(DOCUMENT, min_size=1, max_size=12))
def test_generated_pages_build_without_a_traceback(make_site, tmp_path, documents):
    """Every generated page through a whole build: it succeeds, or fails with located lines only."""
    shutil.rmtree(tmp_path / "site", ignore_errors=True)  # (the same folder for every example)
    files = {f"content/vi/p{i}.md": page(f"P{i}", body) for i, body in enumerate(documents)}
    result = build(make_site(files), "--no-cache")
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code:
        problems = [line for line in result.output.splitlines() if re.match(r"\S+:\d+:\d+: ", line)]
        assert problems, result.output
