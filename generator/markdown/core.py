"""The converter: Python-Markdown with sitegen's extensions and safe defaults, and its two fast paths."""

from __future__ import annotations

import importlib.metadata
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import markdown
from markdown.extensions.toc import TocExtension

from generator.markdown import plain, selective
from generator.markdown.links import Links, Resolver, block_raw_links, line_of
from generator.slugs import toc_slugify

EXTENSIONS = ["tables", "footnotes", "toc", "attr_list", "admonition", "fenced_code"]

# Python-Markdown versions the fast paths (plain, selective) were compared against, byte for byte. They
# lean on its internals, so with any other version every page takes stock Python-Markdown: slower, correct.
VERIFIED = frozenset({"3.11.3"})


def _installed() -> str:
    """The version of the Python-Markdown imported ("" when its metadata and the module disagree)."""
    try:
        found = importlib.metadata.version("Markdown")
    except importlib.metadata.PackageNotFoundError:
        return ""
    return found if found == markdown.__version__ else ""


INSTALLED = _installed()


@dataclass(frozen=True)
class Rendered:
    """A page's HTML body, its table of contents and the problems found in it."""

    html: str
    toc: tuple[dict[str, Any], ...]
    problems: tuple[tuple[int, str], ...]  # (line, message)


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


class Converter:
    """Reusable Python-Markdown converters (one per combination of features); `convert` each page.

    With `selective` (the default) and a verified Python-Markdown (`fast`), a plain page is rendered by
    `plain`, and any other page by a Markdown instance without the parts its text cannot use;
    `selective=False` is stock Python-Markdown, against which the tests compare.
    """

    def __init__(self, unsafe_html: bool = False, time_limit: float = 20.0, backlink_title: str | None = None,
                 selective: bool = True) -> None:
        self.unsafe_html = unsafe_html
        self.time_limit = time_limit
        self.backlink_title = backlink_title or "↩ %d"
        self.fast = selective and INSTALLED in VERIFIED
        self._converters: dict[object, tuple[markdown.Markdown, Links]] = {}
        self._plain_links = Links(None, unsafe_html)  # rewrites the links of pages `plain` renders

    def _converter(self, text: str) -> tuple[markdown.Markdown, Links]:
        key = selective.features(text, self.unsafe_html) if self.fast else None
        found = self._converters.get(key)
        if found is None:
            found = self._converters[key] = self._make(key)
        if key is not None:
            selective.prepare(found[0], text)
        return found

    def _make(self, key: selective.Features | None) -> tuple[markdown.Markdown, Links]:
        configs = {"slugify": toc_slugify, "permalink": False}
        extensions: list[str | TocExtension] = (list(EXTENSIONS) if key is None
                                                else selective.extensions(EXTENSIONS, key, configs))
        md = markdown.Markdown(extensions=extensions, output_format="html",
                               extension_configs={"toc": configs, "footnotes": {
                                   "UNIQUE_IDS": False, "BACKLINK_TITLE": self.backlink_title}})
        if not self.unsafe_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
        if key is not None:
            selective.trim(md, key)
        links = Links(md, self.unsafe_html)
        md.treeprocessors.register(links, "sitegen-links", 7)
        return md, links

    def convert(self, text: str, source_dir: str, resolve: Resolver, first_line: int = 1) -> Rendered:
        """Convert Markdown `text` from a file in `source_dir` (relative to the content language root)."""
        links = self._plain_links
        links.source_dir, links.resolve, links.problems = source_dir, resolve, []
        done = plain.render(text, links.rewrite, self.unsafe_html) if self.fast else None
        if done is not None:
            html, tokens = done
        else:
            try:
                md, links = self._converter(text)
                md.reset()
                links.source_dir, links.resolve, links.problems = source_dir, resolve, []
                with _time_limit(self.time_limit):
                    html = md.convert(text)
            except TooSlow:
                return _failed(first_line, f"this page took more than {self.time_limit:g} s to convert and was "
                                           "stopped: look for very long runs of '[' or '*'")
            except RecursionError:
                return _failed(first_line, "this page nests too deeply to convert (lists or quotes hundreds of "
                                           "levels deep)")
            except Exception as error:  # noqa: BLE001 - a bug or limit of Python-Markdown, met by this page
                return _failed(self._failing_line(text, first_line),
                               f"Python-Markdown {markdown.__version__} could not convert this page "
                               f"({type(error).__name__}: {error}): look for an unusual construct here, such as an "
                               "option on a code fence")
            tokens = getattr(md, "toc_tokens", [])
        if self.unsafe_html:
            html = block_raw_links(html)
        toc = tuple(_plain_toc(tokens))
        problems = tuple((line_of(text, written, first_line), msg) for written, msg in links.problems)
        return Rendered(html, toc, problems)

    def _failing_line(self, text: str, first_line: int) -> int:
        """The first line of the blocks (text between blank lines) that fail to convert on their own: the
        shortest failing start of `text`, then its shortest failing end; `first_line` when that cannot be told."""
        separators = list(re.finditer(r"\n\s*\n", text))
        starts, ends = [0] + [m.end() for m in separators], [m.start() for m in separators] + [len(text)]

        def fails(part: str) -> bool:
            md, _ = self._converter(part)
            md.reset()
            try:
                md.convert(part)
            except Exception:  # noqa: BLE001 - the failure being looked for
                return True
            return False

        try:
            with _time_limit(self.time_limit):
                low, high = 0, len(ends) - 1  # the first block with which the text fails: where it ends
                while low < high:
                    middle = (low + high) // 2
                    low, high = (low, middle) if fails(text[:ends[middle]]) else (middle + 1, high)
                first = low  # then the nearest block before it from which it fails: where it starts
                while first > 0 and not fails(text[starts[first]:ends[low]]):
                    first -= 1
        except (TooSlow, RecursionError):
            return first_line
        return first_line + text.count("\n", 0, starts[first])


def _failed(line: int, message: str) -> Rendered:
    """A page that could not be converted: no HTML, one problem."""
    return Rendered("", (), ((line, message),))


def _plain_toc(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": t["id"], "name": t["name"], "level": t["level"], "children": _plain_toc(t["children"])}
            for t in tokens]
