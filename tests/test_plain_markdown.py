"""The plain-Markdown path gives Python-Markdown's HTML, TOC and link problems, byte for byte, and takes
the pages it should."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from generator.markdown import Converter, core
from generator.markdown import plain as plain_markdown
from generator.markdown.links import Links

# The plain path runs only with a verified Python-Markdown (test_markdown.py fails on any other).
pytestmark = pytest.mark.skipif(core.INSTALLED not in core.VERIFIED, reason="fast paths off for this Python-Markdown")
TARGETS = {"vi/a.md": "/vi/a/", "vi/b/_index.md": "/vi/b/", "en/c.md": "/en/c/"}


def both(text: str, unsafe: bool = False):
    """(stock Python-Markdown's result, sitegen's result, whether the plain path took the text)."""
    resolve = TARGETS.get
    full = Converter(unsafe_html=unsafe, selective=False).convert(text, "vi", resolve, first_line=3)
    ours = Converter(unsafe_html=unsafe).convert(text, "vi", resolve, first_line=3)
    links = Links(None, unsafe)
    links.source_dir, links.resolve = "vi", resolve
    return full, ours, plain_markdown.render(text, links.rewrite, unsafe) is not None


PLAIN = [
    "Một đoạn văn.\nDòng thứ hai, *nghiêng* và **đậm**; a*b*c; R&D > 5.",
    "# Thái Bình\n\n## Đồng Xâm\nĐoạn ngay sau tiêu đề.\n\n## Đồng Xâm\n\n### [Liên kết](a.md) *x*",
    "Trước\n# Giữa\nSau",
    "- một\n- [hai](b/_index.md#x)\n+ ba\n\nĐoạn.\n\n1. first\n2. second\n- mixed",
    "| Chỉ tiêu | Năm | Giá trị |\n| --- | :---: | ---: |\n| GRDP | 2024 | 1,5 |\n| *x* | | |\n| a |",
    "| one |\n||",
    "| a | b |\n|:--|--|",
    "[x](https://example.org/a_b?q=1&r=2) and [y](../en/c.md) and [gone](missing.md) (see [a](a.md)).",
    "**[strong link](a.md)** and *[em](a.md)* and [*in*](a.md)",
    "## !!\n\n## \u2014\n\n## ?",
    "",
    "\n\n\n",
]

NOT_PLAIN = [
    "```\ncode\n```", "`code`", "a\\*b", "<b>x</b>", "Para\n{: .lead }", "_em_", "![i](a.png)", "x[^1]\n\n[^1]: n",
    "[r]: /x", "[a][r]", "[a]", "!!! note\n    x", "***x***", "line  \nbreak", "    code", "> quote", "a\n===",
    "a\n---", "---", "- a\n\n- b", "- a\n  b", "- # h", "- > q", "1. - x", "&amp;", "#no-space", "## trailing #",
    "a\u00a0b", "a\tb", "x | y", "| a |\nb", "*a **b** c*", "*a", "a*", "* a*", "*a *", "**a*", "- a\nb",
    "para\n- item", "[TOC]", "[a](b c)", "[a](<b>)", "[a](b \"t\")", "[a](javascript:x)",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_texts_take_the_plain_path_and_match(text):
    full, ours, plain = both(text)
    assert plain, text
    assert ours == full


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_other_markdown_is_left_to_python_markdown(text):
    full, ours, plain = both(text)
    assert not plain, text
    assert ours == full


@pytest.mark.parametrize("unsafe", [False, True])
def test_table_alignment_becomes_classes_on_both_paths(unsafe):
    """The site's Content-Security-Policy blocks inline styles, so `:-:`/`--:` alignment is a class."""
    full, ours, plain = both("| a | b | c |\n|:-:|--:|:--|\n| 1 | 2 | 3 |", unsafe=unsafe)
    assert plain and ours == full
    assert '<th class="align-center">a</th>' in ours.html and '<td class="align-right">2</td>' in ours.html
    assert '<td class="align-left">3</td>' in ours.html and "style" not in ours.html


def test_link_problems_keep_their_lines():
    full, ours, _ = both("Một\n\n[x](missing.md) [y](a.md)\n\n[z](none.md#top)")
    assert ours.problems == full.problems and [line for line, _ in ours.problems] == [5, 7]


# Tokens the plain path must get right, and a few that must send the page to Python-Markdown.
_WORDS = ["Thái", "Bình", "đồng", "lúa", "R&D", "2024", "a", "b", "x>y", "(", ")", "!", ".", ",", ":", "'", '"',
          "?", "#", "1.", "-", "+", "=", "|", "&", ";"]
_MARKUP = [" ", " ", " ", "\n", "\n", "\n\n", "\n\n", "*", "*", "**", "**", "*a*", "**b**", "a*b*c", "[",
           "]", "[a](a.md)", "[l *e*](b/_index.md#x)", "[m](missing.md)", "[u](https://x.org/?a=1&b=2)",
           "# ", "## ", "### ", "\n- ", "\n+ ", "\n* ", "\n1. ", "\n2. ", "\n| ", " | ", " |", "\n|---|---|",
           "\n| :-- | --: |", "\n| :-: |", "---"]
_OTHER = ["_", "`", "\\", "<b>", "&amp;", "&#1", "  \n", "\n    ", "> ", "{", "[^1]"]
_PLAIN_DOC = st.lists(st.sampled_from((_WORDS + _MARKUP) * 10 + _OTHER), max_size=60).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PLAIN_DOC)
@example("*a*b*c* and **a**b**c**")
@example("x*a**b*")
@example("## a\n## a\n## a_1")
@example("- a\n\n## h\n- b")
@example("\n-  Thái")
@example("&#1. x")  # (unsafe mode) Python-Markdown's raw-HTML pass writes it as `&#1;`
def test_plain_path_matches_python_markdown(text):
    for unsafe in (False, True):
        full, ours, plain = both(text, unsafe)
        event(f"{'plain' if plain else 'python-markdown'}{' (unsafe)' if unsafe else ''}")
        assert ours == full, f"unsafe_html={unsafe}"


_TEXT = st.lists(st.sampled_from(["Thái", "Bình", "R&D", "x>y", "2024.", "(a)", "a.", "#1", "C#", "!", "?", "1+1=2",
                                  "'q'", '"q"', "-", ":"]), min_size=1, max_size=5).map(" ".join)
_SPAN = st.one_of(_TEXT, _TEXT.map("*{}*".format), _TEXT.map("**{}**".format),
                  st.tuples(_TEXT, st.sampled_from(["a.md", "b/_index.md#x", "missing.md", "https://x.org/?a=1&b=2"]))
                  .map(lambda t: f"[{t[0]}]({t[1]})"))
_LINE = st.lists(_SPAN, min_size=1, max_size=4).map(lambda spans: " ".join(spans))
_BLOCK = st.one_of(
    st.lists(_LINE, min_size=1, max_size=3).map("\n".join),
    st.tuples(st.sampled_from(["#", "##", "###", "######"]), _LINE).map(" ".join),
    st.lists(st.tuples(st.sampled_from(["-", "*", "+", "1.", "2."]), _LINE).map(" ".join), min_size=1, max_size=4)
    .map("\n".join),
    st.lists(st.lists(_LINE.filter(lambda x: "|" not in x), min_size=2, max_size=2)
             .map(lambda cells: "| " + " | ".join(cells) + " |"), min_size=1, max_size=3)
    .map(lambda rows: "\n".join([rows[0], "| :-- | --: |", *rows[1:]])))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_BLOCK, min_size=1, max_size=8).map("\n\n".join))
def test_plain_documents_match_python_markdown(text):
    full, ours, plain = both(text)
    event("plain" if plain else "python-markdown")
    assert ours == full


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["| a | b |", "|:-|-:|", "| *x* | [l](a.md) |", "| 1 |", "| 1 | 2 | 3 |",
                                 "||", "| |", "\n"]), min_size=2, max_size=12).map("\n".join))
def test_plain_tables_match_python_markdown(text):
    for unsafe in (False, True):
        full, ours, _ = both(text, unsafe)
        assert ours == full


def test_benchmark_corpus_pages_are_plain_and_match():
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    sys.modules["corpus"] = corpus
    spec.loader.exec_module(corpus)
    docs = [d for d in corpus.documents(40) if d.body.strip()]
    assert len(docs) >= 80
    for doc in docs:
        full, ours, plain = both(doc.body)
        assert plain, doc.rel
        assert ours == full, doc.rel
