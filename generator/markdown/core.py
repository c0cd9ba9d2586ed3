"""Markdown to HTML: Python-Markdown with safe defaults and links written as page URLs."""

from __future__ import annotations

import posixpath
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element

import markdown as _md
from markdown.extensions.toc import TocExtension, TocTreeprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

from generator import plain_markdown
from generator.slugs import toc_slugify

EXTENSIONS = ["tables", "footnotes", "toc", "attr_list", "admonition", "fenced_code"]
_BLOCKED_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_RAW_BAD_LINK = re.compile(r"""((?:href|src|action|formaction)\s*=\s*["']?)\s*(?:javascript|vbscript):""", re.I)

_CELL_ALIGN = re.compile(r"text-align: (left|center|right);")

# resolve(source_rel_path_of_target) -> URL or None when no such file
Resolver = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Rendered:
    """A page's HTML body, its table of contents and the problems found in its links."""

    html: str
    toc: tuple[dict[str, Any], ...]
    problems: tuple[tuple[int, str], ...]  # (line, message)


def safe_href(url: str) -> bool:
    """False for javascript:, vbscript: and data: URLs, however they are disguised."""
    return not _BLOCKED_SCHEME.match(_CONTROL.sub("", unquote(url)))


class _Links(Treeprocessor):
    """Rewrites links to source files as URLs, drops unsafe URLs and event-handler attributes, and turns the
    tables extension's `style="text-align: …"` into an `align-…` class (the site's CSP allows no inline style)."""

    def __init__(self, md: _md.Markdown | None, unsafe_html: bool) -> None:
        super().__init__(md)
        self.unsafe_html = unsafe_html
        self.source_dir = ""
        self.resolve: Resolver = lambda rel: None
        self.problems: list[tuple[str, str]] = []  # (link text as written, message)

    def run(self, root: Element) -> None:
        for el in root.iter():
            if el.tag in ("th", "td") and (align := _CELL_ALIGN.fullmatch(el.get("style", ""))):
                del el.attrib["style"]
                el.set("class", f"{el.get('class', '')} align-{align.group(1)}".strip())
            if not self.unsafe_html:
                for name in [a for a in el.attrib if a.lower().startswith("on") or a.lower() == "style"]:
                    del el.attrib[name]
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None:
                    new = self.rewrite(value)
                    if new is None:
                        del el.attrib[attr]
                    else:
                        el.set(attr, new)

    def rewrite(self, url: str) -> str | None:
        if not safe_href(url):
            self.problems.append((url, f"unsafe link {url[:40]!r} removed (javascript:, vbscript: and data: "
                                       "links are not allowed)"))
            return None
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(("/", "#", "?")) or not parts.path:
            return url
        target = posixpath.normpath(posixpath.join(self.source_dir, unquote(parts.path)))
        found = self.resolve(target)
        if found is None:
            self.problems.append((url, f"link to {unquote(parts.path)!r}, which does not exist "
                                       f"(looked for content/{target})"))
            return url
        return found + (f"#{parts.fragment}" if parts.fragment else "")


class TooSlow(Exception):
    """Conversion of one page took longer than the converter's time limit."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt pathological input (Python-Markdown is quadratic on some of it) after `seconds`."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TooSlow()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Parts of Python-Markdown that can only act on text containing a given string. A page that lacks the
# string is converted without them: the same HTML, less work (most pages use few features).
_OPTIONAL_EXTENSIONS = {"tables": ("|",), "footnotes": ("[^",), "admonition": ("!!!",),
                        "fenced_code": ("```", "~~~"), "attr_list": ("{",)}
_OPTIONAL_INLINE = {"backtick": ("`",), "escape": ("\\",), "reference": ("[",), "link": ("[",),
                    "image_link": ("![",), "image_reference": ("![",), "short_reference": ("[",),
                    "short_image_ref": ("![",), "autolink": ("<",), "automail": ("<",), "linebreak": ("  \n",),
                    "html": ("<",), "entity": ("&",), "em_strong": ("*", "_"), "footnote": ("[^",)}
_OPTIONAL_BLOCKS = {"hashheader": ("#",), "setextheader": ("=", "-"), "hr": ("-", "_", "*"),
                    "olist": tuple(f"{d}." for d in range(10)), "ulist": ("*", "-", "+"), "quote": (">",),
                    "reference": ("]:",)}
_TOC_MARKER = "[TOC]"


def _features(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The optional extensions, inline patterns and block processors that `text` could use."""
    if any(c in text for c in "\t\r\x02\x03"):  # seen as Python-Markdown sees it: a tab can end "  \n"
        text = text.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    def present(table: dict[str, tuple[str, ...]]) -> frozenset[str]:
        return frozenset(n for n, needles in table.items() if any(x in text for x in needles))

    return present(_OPTIONAL_EXTENSIONS), present(_OPTIONAL_INLINE), present(_OPTIONAL_BLOCKS)


class _Inline(InlineProcessor):
    """Python-Markdown's inline pass, skipping for each run of text the patterns whose trigger
    (a `*`, a `[`, …) it lacks: they could not match it, so the result is the same."""

    def __init__(self, md: _md.Markdown) -> None:
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


class Converter:
    """Reusable Python-Markdown converters (one per combination of features); `convert` each page.

    With `selective` (the default), each page is converted by a Markdown instance without the parts its
    text cannot use; `selective=False` is stock Python-Markdown, against which the tests compare.
    """

    def __init__(self, unsafe_html: bool = False, time_limit: float = 20.0, backlink_title: str | None = None,
                 selective: bool = True) -> None:
        self.unsafe_html = unsafe_html
        self.time_limit = time_limit
        self.backlink_title = backlink_title or "↩ %d"
        self.selective = selective
        self._converters: dict[object, tuple[_md.Markdown, _Links]] = {}
        self._plain_links = _Links(None, unsafe_html)  # rewrites the links of pages plain_markdown renders

    def _converter(self, text: str) -> tuple[_md.Markdown, _Links]:
        key = _features(text) if self.selective else None
        found = self._converters.get(key)
        if found is None:
            found = self._converters[key] = self._make(key)
        if self.selective:
            toc = found[0].treeprocessors["toc"]
            toc.wants_div = toc.marker = _TOC_MARKER if _TOC_MARKER in text else ""  # type: ignore[attr-defined]
        return found

    def _make(self, key: tuple[frozenset[str], frozenset[str], frozenset[str]] | None) -> tuple[_md.Markdown, _Links]:
        configs = {"slugify": toc_slugify, "permalink": False}
        extensions: list[str | TocExtension] = [e for e in EXTENSIONS
                                                if key is None or e not in _OPTIONAL_EXTENSIONS or e in key[0]]
        if key is not None:
            extensions[extensions.index("toc")] = _TocExtension(**configs)
        md = _md.Markdown(extensions=extensions, output_format="html",
                          extension_configs={"toc": configs, "footnotes": {"UNIQUE_IDS": False,
                                                                           "BACKLINK_TITLE": self.backlink_title}})
        if not self.unsafe_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
        if key is not None:
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
        links = _Links(md, self.unsafe_html)
        md.treeprocessors.register(links, "sitegen-links", 7)
        return md, links

    def convert(self, text: str, source_dir: str, resolve: Resolver, first_line: int = 1) -> Rendered:
        """Convert Markdown `text` from a file in `source_dir` (relative to the content language root)."""
        links = self._plain_links
        links.source_dir, links.resolve, links.problems = source_dir, resolve, []
        plain = plain_markdown.render(text, links.rewrite, self.unsafe_html) if self.selective else None
        if plain is not None:
            html, tokens = plain
        else:
            md, links = self._converter(text)
            md.reset()
            links.source_dir, links.resolve, links.problems = source_dir, resolve, []
            try:
                with _time_limit(self.time_limit):
                    html = md.convert(text)
            except TooSlow:
                return Rendered("", (), ((first_line, f"this page took more than {self.time_limit:g} s to "
                                                      "convert and was stopped: look for very long runs of "
                                                      "'[' or '*'"),))
            except RecursionError:
                return Rendered("", (), ((first_line, "this page nests too deeply to convert (lists or quotes "
                                                      "hundreds of levels deep)"),))
            tokens = getattr(md, "toc_tokens", [])
        if self.unsafe_html:
            html = _RAW_BAD_LINK.sub(r"\1#blocked:", html)
        toc = tuple(_plain_toc(tokens))
        problems = tuple((_line_of(text, written, first_line), msg) for written, msg in links.problems)
        return Rendered(html, toc, problems)


def _plain_toc(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": t["id"], "name": t["name"], "level": t["level"], "children": _plain_toc(t["children"])}
            for t in tokens]


def _line_of(text: str, needle: str, first_line: int) -> int:
    """The line of the file on which `needle` first appears in the body (best effort)."""
    for probe in (f"]({needle}", needle, quote(needle, safe="/#:?=&")):
        pos = text.find(probe)
        if pos >= 0:
            return first_line + text.count("\n", 0, pos)
    return first_line
