"""`sitegen check`: everything the build checks, plus what can only be seen in the built pages."""

from __future__ import annotations

import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.build import Builder, BuildOptions
from generator.errors import Problem, Problems
from generator.model import Page

MAX_DESCRIPTION = 160
# A figure: a number followed by a unit, or a percentage (years alone are not figures).
FIGURE = re.compile(r"\d[\d.,]*\s?(?:%|ha\b|km²|km2|km\b|MW\b|GW\b|USD|VND|US\$|\$|đồng|tỷ|triệu|nghìn|billion|"
                    r"million|bn\b|tonnes?|tấn|people\b|người|kg\b)", re.I)


class _Page(HTMLParser):
    """Collects ids, links, images and the meta description of one built page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images_without_alt: list[str] = []
        self.description: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "img" and not (a.get("alt") or "").strip() and a.get("role") != "presentation":
            self.images_without_alt.append(a.get("src") or "")
        if tag == "meta" and a.get("name") == "description":
            self.description = a.get("content") or ""


def check(root: Path) -> list[Problem]:
    """Build `root` into a temporary folder and return every problem found, errors and warnings."""
    work = Path(tempfile.mkdtemp(prefix="sitegen-check-"))
    try:
        builder = Builder(BuildOptions(site=root, output=work / "site", strict=False))
        result = builder.full()
        problems = Problems()
        for warning in result.warnings:  # under check, a warning is something to fix
            problems.items.append(Problem(warning.location, warning.message, warning=False))
        assert builder.site is not None
        check_pages(builder, problems)
        return sorted(problems.items, key=lambda p: (p.location.path, p.location.line, p.message))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_pages(builder: Builder, problems: Problems) -> None:
    site = builder.site
    assert site is not None
    out = builder.output
    base = site.config.base_path
    parsed: dict[Path, _Page] = {}

    def load(path: Path) -> _Page:
        if path not in parsed:
            p = _Page()
            p.feed(path.read_text(encoding="utf-8"))
            parsed[path] = p
        return parsed[path]

    sources = {page.output: page for page in site.pages.values()}
    for html_file in sorted(out.rglob("*.html")):
        rel = html_file.relative_to(out).as_posix()
        page = sources.get(rel)
        doc = load(html_file)
        where = page.path if page else html_file
        if page is not None:
            _check_description(page, doc, problems)
            _check_sources(page, problems)
        for src in doc.images_without_alt:
            problems.add(where, f"image {src!r} has no alt text: describe it in the ![...] part", _line(page, src))
        for href in doc.links:
            message = _check_link(href, html_file, out, base, load)
            if message and page is not None:  # theme links are checked once, on the pages of the content
                problems.add(where, message, _line(page, href.split("#")[0] or href))


def _check_link(href: str, html_file: Path, out: Path, base: str, load: object) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("mailto:", "tel:")):
        return None
    if parts.path:
        path = unquote(parts.path)
        if path.startswith("/"):
            if not path.startswith(base):
                return f"link {href!r} leaves the site's base path {base}"
            target = out / path[len(base):]
        else:
            target = html_file.parent / path
        if target.is_dir() or path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            return f"link {href!r} leads to a page that does not exist"
    else:
        target = html_file
    if parts.fragment and target.suffix == ".html":
        ids = load(target).ids  # type: ignore[operator]
        if unquote(parts.fragment) not in ids:
            return f"link {href!r}: no element with id {parts.fragment!r} on that page"
    return None


def _check_description(page: Page, doc: _Page, problems: Problems) -> None:
    description = (page.summary or "").strip()
    if not description:
        problems.add(page.path, "no description: add 'summary: ...' (at most 160 characters) to the front matter",
                     1, 1)
    elif len(description) > MAX_DESCRIPTION:
        problems.add(page.path, f"summary is {len(description)} characters; search engines show at most "
                                f"{MAX_DESCRIPTION}", _field_line(page, "summary"), 1)


def _check_sources(page: Page, problems: Problems) -> None:
    match = FIGURE.search(page.body)
    if match and not page.sources:
        problems.add(page.path, f"states figures ({match.group(0)!r}) but lists no sources: add 'sources:'",
                     page.body_line + page.body.count("\n", 0, match.start()), 1)


def _field_line(page: Page, name: str) -> int:
    try:
        text = page.path.read_text(encoding="utf-8")
    except OSError:
        return 1
    m = re.search(rf"^{name}:", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _line(page: Page | None, needle: str) -> int:
    if page is None or not needle:
        return 1
    pos = page.body.find(needle)
    return page.body_line + page.body.count("\n", 0, pos) if pos >= 0 else 1


__all__ = ["check"]
