"""Plain Markdown rendered directly, byte for byte as Python-Markdown renders it with sitegen's extensions.

Most pages are plain: paragraphs, `#` headings, flat lists, pipe tables, links, `*emphasis*` and
`**strong**`. For those, `render` builds the HTML with a few regular expressions instead of Python-Markdown's
block parser, element tree, inline pass and serializer, about ten times faster. Anything else (code, quotes,
footnotes, attribute lists, images, escapes, raw HTML, nested or loose lists, setext headings, entities …)
makes `render` return None, and the caller converts the page with Python-Markdown itself.

The rules below follow Python-Markdown's own: which line starts which block, how list items and table cells are
split, how `*` runs pair up (its delimiter algorithm; only runs that pair unambiguously are taken), how text and
attributes are escaped and where the serializer puts new lines, and how the toc extension makes heading ids.
The tests compare `render` with Python-Markdown on generated documents, on the benchmark corpus and on the
example site; the converter takes this path only with a Python-Markdown version they ran against
(`core.VERIFIED`).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable
from typing import Any

from markdown.extensions.toc import nest_toc_tokens, strip_tags, unique

from generator.slugs import toc_slugify

# rewrite(url) -> the URL to write, or None when the link is to be dropped (the caller records why)
Rewrite = Callable[[str], "str | None"]

# Anything that could take another path through Python-Markdown, wherever it stands: control characters
# and odd whitespace, escapes, code, raw HTML, attribute lists, entities and the footnote extension's
# placeholders. What matters at the start or end of a line (indents, quotes, fences, admonitions, headings,
# rules, list items, trailing spaces) is checked line by line; images, footnotes, reference definitions and
# runs of three `*` leave a `[`, `]` or `*` that no link or emphasis takes, which sends the text back too.
_OUTSIDE_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\\\\`<{]")
_PLACEHOLDERS = ("zz1337820767766393qq", "qq3936677670287331zz")
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);", re.I)
_SPECIAL_START = frozenset(" >~!#-=*_+0123456789")
_HEADING = re.compile(r"(#{1,6}) ([^#\s](?:.*[^#\s])?)")
_ITEM = re.compile(r"(?:[*+-]|\d+\.) +")
_RULE = re.compile(r"[-=*_+ ]+")  # a line that could be a rule or a setext underline
_LINK = re.compile(r"(?<!!)\[([^\[\]]+)\]\(([^()\[\]\s\"'<>]+)\)")
_STARS = re.compile(r"(\*+)")
_SLOT = re.compile("\x02([0-9]+)\x03")


class _Outside(Exception):
    """The text uses Markdown outside the plain subset."""


def render(text: str, rewrite: Rewrite, unsafe_html: bool = False) -> tuple[str, list[dict[str, Any]]] | None:
    """The HTML of `text` and its nested heading tokens, or None when `text` is not plain Markdown.

    `rewrite` is called on each link's URL in document order, as Python-Markdown's tree walk would.
    """
    if not text.strip():
        return "", []
    if _OUTSIDE_CHARS.search(text) or any(x in text for x in _PLACEHOLDERS) or ("&" in text and _ENTITY.search(text)):
        return None
    if unsafe_html and "&#" in text:  # the raw-HTML pass writes `&#1` as the character reference `&#1;`
        return None
    doc = _Document(rewrite, unsafe_html)
    try:
        for block in text.strip("\n").split("\n\n"):
            if block:  # three or more new lines in a row leave an empty block or one starting with new lines
                doc.block(block.lstrip("\n").split("\n"))
    except _Outside:
        return None
    return "\n".join(doc.parts), nest_toc_tokens(doc.headings)  # type: ignore[arg-type, return-value]


class _Document:
    """The HTML of one document, block by block."""

    def __init__(self, rewrite: Rewrite, unsafe_html: bool) -> None:
        self.rewrite = rewrite
        self.unsafe_html = unsafe_html
        self.parts: list[str] = []
        self.headings: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.counters: dict[str, int] = {}
        self.last = ""  # the tag of the last top-level element

    def emit(self, tag: str, html: str) -> None:
        self.parts.append(html)
        self.last = tag

    def block(self, lines: list[str]) -> None:
        """One block: lines between blank lines, none of them empty."""
        items = 0
        for i, line in enumerate(lines):
            if line[-1] == " " or "|" in line:
                return self.table(lines)  # (which takes no line that ends with a space)
            if line[0] not in _SPECIAL_START:
                continue
            if line[0] == "#":  # a heading splits its block, as Python-Markdown's hash-header processor
                if i:
                    self.block(lines[:i])
                self.heading(line)
                if i + 1 < len(lines):
                    self.block(lines[i + 1:])
                return None
            if line[0] in " >" or line.startswith(("~~~", "!!!")) or _RULE.fullmatch(line):
                raise _Outside
            items += _ITEM.match(line) is not None
        if items:
            return self.listing(lines)
        self.emit("p", "<p>" + self.inline("\n".join(lines)) + "</p>")
        return None

    def heading(self, line: str) -> None:
        m = _HEADING.fullmatch(line)
        if m is None:
            raise _Outside
        level, inner = len(m.group(1)), self.inline(m.group(2))
        name = strip_tags(inner) if "<" in inner else " ".join(inner.split())  # what strip_tags leaves of it
        anchor = unique(toc_slugify(_html.unescape(name), "-"), self.ids, self.counters)
        self.headings.append({"level": level, "id": anchor, "name": name})
        self.emit("h", f'<h{level} id="{_attribute(anchor)}">{inner}</h{level}>')

    def listing(self, lines: list[str]) -> None:
        if self.last in ("ul", "ol"):  # Python-Markdown joins it to the list before, as a loose list
            raise _Outside
        items = []
        for line in lines:
            m = _ITEM.match(line)
            if m is None:
                raise _Outside
            item = line[m.end():]
            if item[0] in "#>" or item.startswith(("~~~", "!!!")) or _ITEM.match(item) or _RULE.fullmatch(item):
                raise _Outside  # a heading, quote, fence, admonition, list or rule inside the item
            items.append(f"<li>{self.inline(item)}</li>")
        tag = "ol" if lines[0][0].isdigit() else "ul"
        self.emit(tag, f"<{tag}>\n" + "\n".join(items) + f"\n</{tag}>")

    def table(self, lines: list[str]) -> None:
        if len(lines) < 2 or any(len(line) < 2 or line[0] != "|" or line[-1] != "|" for line in lines):
            raise _Outside
        rows = [line[1:-1].split("|") for line in lines]
        header, separator = rows[0], rows[1]
        if len(separator) != len(header) or not set("".join(separator)) <= set("|:- "):
            raise _Outside
        aligns = [_align(cell.strip(" ")) for cell in separator]
        body: list[list[str] | None] = [*rows[2:]] or [None]  # None: Python-Markdown's empty row
        out = ["<table>", "<thead>", self.row("th", header, aligns), "</thead>", "<tbody>"]
        out += [self.row("td", cells, aligns) for cells in body]
        out += ["</tbody>", "</table>"]
        self.emit("table", "\n".join(out))

    def row(self, tag: str, cells: list[str] | None, aligns: list[str | None]) -> str:
        out = ["<tr>"]
        for i, align in enumerate(aligns):
            text = "" if cells is None or i >= len(cells) else cells[i].strip(" ")
            css = f' class="align-{align}"' if align and cells is not None else ""
            out.append(f"<{tag}{css}>{self.inline(text) if text else ''}</{tag}>")
        out.append("</tr>")
        return "\n".join(out)

    def inline(self, text: str) -> str:
        """Links, then emphasis around them, as Python-Markdown's inline patterns in their order."""
        if "[" not in text and "]" not in text:
            return _emphasis(text)
        links: list[str] = []

        def link(m: re.Match[str]) -> str:
            url = self.rewrite(m.group(2))
            if url is None:
                raise _Outside
            links.append(f'<a href="{_attribute(url)}">{_emphasis(m.group(1))}</a>')
            return f"\x02{len(links) - 1}\x03"

        text = _LINK.sub(link, text)
        if "[" in text or "]" in text:
            raise _Outside
        return _SLOT.sub(lambda m: links[int(m.group(1))], _emphasis(text))


def _emphasis(text: str) -> str:
    """Escaped text with `*em*` and `**strong**`; every `*` run must pair with the next one of its length
    around text that neither starts nor ends with a space, where Python-Markdown's delimiter algorithm has
    no choice to make."""
    if "_" in text:
        raise _Outside
    if "&" in text:
        text = text.replace("&", "&amp;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "*" not in text:
        return text
    parts = _STARS.split(text)
    if len(parts) % 4 != 1:
        raise _Outside
    out = [parts[0]]
    for i in range(1, len(parts), 4):
        opener, inner, closer, after = parts[i:i + 4]
        if len(opener) != len(closer) or len(opener) > 2 or not inner or inner[0].isspace() or inner[-1].isspace():
            raise _Outside
        tag = "em" if len(opener) == 1 else "strong"
        out.append(f"<{tag}>{inner}</{tag}>{after}")
    return "".join(out)


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _align(cell: str) -> str | None:
    if cell.startswith(":"):
        return "center" if cell.endswith(":") else "left"
    return "right" if cell.endswith(":") else None
