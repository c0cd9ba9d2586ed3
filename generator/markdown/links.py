"""Links in converted Markdown: source-file links written as page URLs, missing targets reported, unsafe
URLs and event-handler attributes removed."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element

import markdown
from markdown.treeprocessors import Treeprocessor

from generator import urls

_RAW_BAD_LINK = re.compile(r"""((?:href|src|action|formaction)\s*=\s*["']?)\s*(?:javascript|vbscript):""", re.I)
_CELL_ALIGN = re.compile(r"text-align: (left|center|right);")
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_ATTRIBUTE = re.compile(r'\s+([^\s="<>/]+)(?:="([^"]*)")?')

# resolve(source_rel_path_of_target) -> URL or None when no such file
Resolver = Callable[[str], "str | None"]


def safe_href(url: str) -> bool:
    """False for javascript:, vbscript: and data: URLs, however they are disguised (`urls.is_safe`)."""
    return urls.is_safe(url)


def block_raw_links(html: str) -> str:
    """Neutralise javascript: and vbscript: URLs in raw HTML (pages that may contain HTML)."""
    return _RAW_BAD_LINK.sub(r"\1#blocked:", html)


def _scripting(name: str) -> bool:
    """An attribute that runs script or sets inline style, which safe mode does not allow."""
    name = name.lower()
    return name.startswith("on") or name == "style"


def _clean_tags(html: str) -> str:
    """`html` whose tags lack event handlers, inline style and unsafe URLs (HTML as Python-Markdown writes it:
    every attribute `name="value"` with `"`, `<` and `>` escaped in the value)."""
    def clean(tag: re.Match[str]) -> str:
        text = tag.group()
        dropped = [m.span() for m in _ATTRIBUTE.finditer(text) if _scripting(m.group(1)) or (
            m.group(1).lower() in ("href", "src") and m.group(2) is not None and not safe_href(m.group(2)))]
        for start, end in reversed(dropped):
            text = text[:start] + text[end:]
        return text

    return _TAG.sub(clean, html)


class Links(Treeprocessor):
    """Rewrites links to source files as URLs, drops unsafe URLs and event-handler attributes, and turns the
    tables extension's `style="text-align: …"` into an `align-…` class (the site's CSP allows no inline style).

    In safe mode it also cleans the HTML that extensions stash as text (a code fence's `{ onclick=… }`)."""

    def __init__(self, md: markdown.Markdown | None, unsafe_html: bool) -> None:
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
                for name in [a for a in el.attrib if _scripting(a)]:
                    del el.attrib[name]
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None:
                    new = self.rewrite(value)
                    if new is None:
                        del el.attrib[attr]
                    else:
                        el.set(attr, new)
        if not self.unsafe_html and self.md is not None:
            stash = self.md.htmlStash.rawHtmlBlocks
            for i, block in enumerate(stash):
                if isinstance(block, str) and "<" in block:
                    stash[i] = _clean_tags(block)

    def rewrite(self, url: str) -> str | None:
        """The URL to write for `url`, or None to drop it (the problem is recorded)."""
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


def line_of(text: str, needle: str, first_line: int) -> int:
    """The line of the file on which `needle` first appears in the body (best effort)."""
    for probe in (f"]({needle}", needle, quote(needle, safe="/#:?=&")):
        pos = text.find(probe)
        if pos >= 0:
            return first_line + text.count("\n", 0, pos)
    return first_line
