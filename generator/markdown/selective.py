"""Python-Markdown without the parts a page cannot use: the same HTML, less work (most pages use few features).

Each part is left out only when the page's text lacks every string the part could act on (its trigger:
`|` for tables, `[` for links …) and no part the page does use depends on it (`_NEEDS`); a page with raw
HTML let through (unsafe mode) keeps every part. This reaches into Python-Markdown's internals (processor
names, the inline pass's private methods), so the converter uses it only with a Python-Markdown version it
was verified against (`core.VERIFIED`).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions.toc import TocExtension, TocTreeprocessor
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString

# Extensions, inline patterns and block processors that can only act on text containing one of the strings.
_OPTIONAL_EXTENSIONS = {"tables": ("|",), "footnotes": ("[^",), "admonition": ("!!!",),
                        "fenced_code": ("```", "~~~"), "attr_list": ("{",)}
_OPTIONAL_INLINE = {"backtick": ("`",), "escape": ("\\",), "reference": ("[",), "link": ("[",),
                    "image_link": ("![",), "image_reference": ("![",), "short_reference": ("[",),
                    "short_image_ref": ("![",), "autolink": ("<",), "automail": ("<",), "linebreak": ("  \n",),
                    "html": ("<",), "entity": ("&",), "em_strong": ("*", "_"), "footnote": ("[^",)}
_OPTIONAL_BLOCKS = {"hashheader": ("#",), "setextheader": ("=", "-"), "hr": ("-", "_", "*"),
                    "olist": tuple(f"{d}." for d in range(10)), "ulist": ("*", "-", "+"), "quote": (">",),
                    "reference": ("]:",)}
# What an extension's output depends on besides its own text: fenced_code writes a fence's options
# (`hl_lines="1 3"`) as attributes only when attr_list is loaded, whether or not the page has a `{`.
_NEEDS = {"fenced_code": ("attr_list",)}
TOC_MARKER = "[TOC]"

Features = tuple[frozenset[str], frozenset[str], frozenset[str]]  # extensions, inline patterns, blocks


def features(text: str, raw_html: bool = False) -> Features | None:
    """The optional extensions, inline patterns and block processors that `text` could use; None when only
    stock Python-Markdown can tell: raw HTML (with `raw_html`) makes its html_block preprocessor move text
    around, joining strings that were apart (`Thái &amp; <b>` can end up as `Thái  \n`, a line break)."""
    if raw_html and "<" in text:
        return None
    if any(c in text for c in "\t\r\x02\x03"):  # seen as Python-Markdown sees it: a tab can end "  \n"
        text = text.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)

    def present(table: dict[str, tuple[str, ...]]) -> frozenset[str]:
        return frozenset(n for n, needles in table.items() if any(x in text for x in needles))

    extensions = present(_OPTIONAL_EXTENSIONS)
    extensions |= {needed for name in extensions for needed in _NEEDS.get(name, ())}
    return extensions, present(_OPTIONAL_INLINE), present(_OPTIONAL_BLOCKS)


def extensions(names: list[str], key: Features, toc_configs: dict[str, Any]) -> list[str | TocExtension]:
    """`names` without the optional extensions `key` leaves out, with a toc that writes its HTML on demand."""
    chosen: list[str | TocExtension] = [e for e in names if e not in _OPTIONAL_EXTENSIONS or e in key[0]]
    chosen[chosen.index("toc")] = _TocExtension(**toc_configs)
    return chosen


def trim(md: markdown.Markdown, key: Features) -> None:
    """Leave out the inline patterns and block processors `key` does not name; skip patterns per run of text."""
    _, inline, blocks = key
    for name in _OPTIONAL_INLINE:
        if name not in inline and name in md.inlinePatterns:
            md.inlinePatterns.deregister(name)
    for name in _OPTIONAL_BLOCKS:
        if name not in blocks and name in md.parser.blockprocessors:
            md.parser.blockprocessors.deregister(name)
    md.treeprocessors.register(_Inline(md), "inline", 20)
    block_level = frozenset(md.block_level_elements)
    md.is_block_level = lambda tag: isinstance(tag, str) and tag.lower().rstrip("/") in block_level  # type: ignore[method-assign]


def prepare(md: markdown.Markdown, text: str) -> None:
    """Write the TOC's HTML only for a page that asks for it with `[TOC]`."""
    toc = md.treeprocessors["toc"]
    toc.wants_div = toc.marker = TOC_MARKER if TOC_MARKER in text else ""  # type: ignore[attr-defined]


class _Inline(InlineProcessor):
    """Python-Markdown's inline pass, skipping for each run of text the patterns whose trigger
    (a `*`, a `[`, …) it lacks: they could not match it, so the result is the same."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._needles: list[tuple[str, ...] | None] | None = None

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, AtomicString):
            return data
        if self._needles is None:
            names = {id(self.inlinePatterns[name]): name for name in _OPTIONAL_INLINE if name in self.inlinePatterns}
            self._needles = [_OPTIONAL_INLINE.get(names.get(id(p), "")) for p in self.inlinePatterns]
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns, needles = self.inlinePatterns, self._needles
        start, count = 0, len(needles)
        while patternIndex < count:
            wanted = needles[patternIndex]
            if wanted is not None and not any(x in data for x in wanted):
                patternIndex, start = patternIndex + 1, 0  # as the pattern's failed search would
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


class _Toc(TocTreeprocessor):
    """The toc extension's heading ids and tokens; the TOC's own HTML only for a page with `[TOC]`."""

    wants_div = True

    def build_toc_div(self, toc_list: list[Any]) -> Element:
        return super().build_toc_div(toc_list) if self.wants_div else Element("div")


class _TocExtension(TocExtension):
    TreeProcessorClass = _Toc
