"""`sitegen check`: everything the build checks, plus what can only be seen in the built pages."""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator import images
from generator.build import Builder, BuildOptions
from generator.errors import Problem, Problems, SitegenError
from generator.frontmatter import read_text, split
from generator.model import Page, Site
from generator.yamlutil import YamlDoc, load_yaml

MAX_DESCRIPTION = 160


def figures(units: tuple[str, ...]) -> re.Pattern[str]:
    """A figure: a number followed by `%` or one of `units` as a whole word (a year alone is not one)."""
    words = [re.escape(unit) + (r"(?!\w)" if unit[-1].isalnum() else "") for unit in units]
    return re.compile(r"\d[\d.,]*\s?(?:" + "|".join(["%", *words]) + ")", re.I)


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


@dataclass(frozen=True)
class SourceReport:
    """The editors' to-do list: figures without a source, vague sources, empty structured fields."""

    problems: tuple[Problem, ...] = ()
    unsourced_pages: int = 0
    vague_pages: int = 0
    empty_fields: int = 0
    empty_field_pages: int = 0
    data_entries: int = 0  # entries of data/*.yaml with a vague source or none

    def summary(self) -> str:
        return (f"Sources: {self.vague_pages} page(s) with vague sources, {self.unsourced_pages} page(s) with "
                f"figures but no sources, {self.empty_fields} empty structured field(s) on "
                f"{self.empty_field_pages} page(s), {self.data_entries} data entries with a vague source "
                "or none.")


@dataclass(frozen=True)
class CheckResult:
    """Everything `sitegen check` found: the checks of the built pages, then the source report."""

    problems: list[Problem]
    sources: SourceReport


def check(root: Path, strict: bool = False) -> CheckResult:
    """Build `root` into a temporary folder and return every problem found; the source report is made of
    warnings, or errors when `strict`."""
    work = Path(tempfile.mkdtemp(prefix="sitegen-check-"))
    try:
        builder = Builder(BuildOptions(site=root, output=work / "site", strict=False))
        result = builder.full()
        problems = Problems()
        for warning in result.warnings:  # under check, a warning is something to fix
            problems.items.append(Problem(warning.location, warning.message, warning=False))
        assert builder.site is not None
        check_pages(builder, problems)
        images.audit(builder.site, problems)  # every picture's credit and licence
        return CheckResult(sorted(problems.items, key=_key), source_report(builder.site, strict))
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
    pictures = (builder.state.bodies.pictures.by_url.values()
                if builder.state is not None and builder.state.bodies is not None else ())
    processed = {base + v.path for picture in pictures for v in picture.variants}
    for html_file in sorted(out.rglob("*.html")):
        rel = html_file.relative_to(out).as_posix()
        page = sources.get(rel)
        doc = load(html_file)
        where = page.path if page else html_file
        if page is not None:
            _check_description(page, problems)
        for src in doc.images_without_alt:
            if src in processed:  # a picture of generator.images: images.audit reports it where it is written
                continue
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


def _check_description(page: Page, problems: Problems) -> None:
    description = (page.summary or "").strip()
    if not description:
        problems.add(page.path, "no description: add 'summary: ...' (at most 160 characters) to the front matter",
                     1, 1)
    elif len(description) > MAX_DESCRIPTION:
        problems.add(page.path, f"summary is {len(description)} characters; search engines show at most "
                                f"{MAX_DESCRIPTION}", _field_line(page, "summary"), 1)


# -- the source report ------------------------------------------------------------------------------------

# A source is vague when its publisher or title contains one of these (compared case-folded): the editors
# compiled it rather than citing a document a reader can look up. It stays acceptable when its `note` says
# what the editors derived the figure from.
VAGUE_SOURCE_MARKERS = (
    "compiled by the site editors", "tổng hợp của ban biên tập", "(compiled)", "(tổng hợp)",
    "vietnamese press", "báo chí việt nam",
)
# Front-matter fields of the engine itself; any other field whose value is a mapping (e.g. `park:`,
# `project:`) is a structured field that the theme shows as a fact sheet.
_BUILT_IN = frozenset({"title", "slug", "date", "updated", "summary", "draft", "weight", "template", "tags",
                       "translation_key", "sources", "export", "paginate", "translated_from"})


def is_vague(source: dict[str, Any]) -> bool:
    """Whether `source` names no document of its own (see VAGUE_SOURCE_MARKERS) and no note says why."""
    if isinstance(source.get("note"), str) and source["note"].strip():
        return False
    return _is_vague_text([source.get("publisher"), source.get("title")])


def source_report(site: Site, strict: bool = False) -> SourceReport:
    """Per page: figures stated without `sources:`, vague sources and empty structured fields."""
    problems = Problems()
    unsourced = vague = empty = empty_pages = 0
    figure_pattern = figures(site.config.figure_units)
    for page in sorted(site.pages.values(), key=lambda p: (str(p.path), p.lang, p.rel)):
        if not page.params:  # a section or home page made by the engine, without a file
            continue
        positions = _positions(page)

        def add(message: str, key: tuple[Any, ...], line: int = 0, page: Page = page,
                where: YamlDoc | None = positions) -> None:
            col = 1
            if not line:
                line, col = where.where(*key) if where is not None else (1, 1)
            problems.add(page.path, message, line, col, warning=not strict)

        figure = _figure(page, figure_pattern)
        if figure is not None and not page.sources:
            unsourced += 1
            what, key, line = figure
            add(f"states figures ({what}) but lists no sources: add 'sources:'", key, line)
        bad = [i for i, src in enumerate(page.sources) if is_vague(src)]
        vague += bool(bad)
        for i in bad:
            src = page.sources[i]
            add(f"vague source {src.get('title')!r} ({src.get('publisher') or 'no publisher'}): name the "
                "document (publisher, title, date), or add a 'note' on what the editors derived it from",
                ("sources", i))
        found = False
        for name, value in page.params.items():
            holes = _empty_leaves(value, (name,)) if name not in _BUILT_IN and isinstance(value, dict) else []
            if holes:  # one line per structured field, at its first empty key: a fact sheet has many
                empty += len(holes)
                found = True
                names = ", ".join(".".join(map(str, key[1:])) for key in holes)
                add(f"{name}: {len(holes)} empty field(s) ({names}): fill them in from a source listed in "
                    "'sources:' (until then the theme leaves them out)", holes[0])
        empty_pages += found
    data_entries = _data_report(site.config.root / "data", site.data, problems, strict)
    return SourceReport(tuple(sorted(problems.items, key=_key)), unsourced, vague, empty, empty_pages,
                        data_entries)


def _data_report(folder: Path, data: dict[str, Any], problems: Problems, strict: bool) -> int:
    """Entries of data/*.yaml (mappings with a numeric `value`, as the theme's key figures) without a source
    or with a vague one; return how many."""
    count = 0
    for name in sorted(data):
        path = next((p for p in (folder / f"{name}.yaml", folder / f"{name}.yml") if p.is_file()), None)
        if path is None:
            continue
        try:
            doc = load_yaml(read_text(path), str(path))
        except (OSError, SitegenError):  # reported by the build already
            continue
        for key, entry in _mappings(doc.data, ()):
            field = "source" if "source" in entry else "sources"
            label = entry.get("key") if isinstance(entry.get("key"), str) else ".".join(map(str, key)) or name
            if isinstance(entry.get("value"), (int, float)) and not entry.get(field):
                message, field = f"{label}: a figure without a source: add 'source:'", "value"
            elif entry.get(field) and not entry.get("note") and _is_vague_text(entry[field]):
                message = (f"{label}: vague source: name the publisher, the document and its date, or add a "
                           "'note' on what the editors derived it from")
            else:
                continue
            count += 1
            line, col = doc.where(*key, field)
            problems.add(path, message, line, col, warning=not strict)
    return count


def _mappings(value: Any, key: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], dict[Any, Any]]]:
    """Every mapping in a YAML document, with its key path."""
    out: list[tuple[tuple[Any, ...], dict[Any, Any]]] = []
    if isinstance(value, dict):
        out.append((key, value))
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return out
    for k, v in items:
        if not (isinstance(value, dict) and k in ("source", "sources")):
            out.extend(_mappings(v, (*key, k)))
    return out


def _is_vague_text(value: Any) -> bool:
    """Whether any text in `value` (a source as text, a mapping of texts per language, a list) is vague."""
    if isinstance(value, dict):
        return any(_is_vague_text(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_vague_text(v) for v in value)
    text = unicodedata.normalize("NFC", str(value or "")).casefold()
    return any(marker in text for marker in VAGUE_SOURCE_MARKERS)


def _figure(page: Page, figure: re.Pattern[str]) -> tuple[str, tuple[Any, ...], int] | None:
    """The first figure the page states, its front-matter key and its line (0: the key's line): in the body,
    the summary or a structured field (any number there but a year or an id)."""
    match = figure.search(page.body)
    if match:
        return repr(match.group(0)), (), page.body_line + page.body.count("\n", 0, match.start())
    match = figure.search(page.summary)
    if match:
        return repr(match.group(0)), ("summary",), 0
    for name, value in page.params.items():
        if name not in _BUILT_IN and isinstance(value, dict):
            for key, number in _numbers(value, (name,)):
                return f"{'.'.join(map(str, key))}: {number}", key, 0
    return None


def _numbers(value: Any, key: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], int | float]]:
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _numbers(v, (*key, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _numbers(v, (*key, i))]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not str(key[-1]).endswith(("year", "id")):
        return [(key, value)]
    return []


def _empty_leaves(value: dict[Any, Any], key: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Key paths of the null, blank or empty values of a structured field."""
    out: list[tuple[Any, ...]] = []
    for k, v in value.items():
        if isinstance(v, dict) and v:
            out.extend(_empty_leaves(v, (*key, k)))
        elif v is None or v == [] or v == {} or (isinstance(v, str) and not v.strip()):
            out.append((*key, k))
    return out


def _positions(page: Page) -> YamlDoc | None:
    """Where each front-matter key stands in the page's file (None if it cannot be read again)."""
    try:
        fm, _, _ = split(read_text(page.path), page.path)
        return load_yaml(fm, str(page.path), first_line=2) if fm is not None else None
    except (OSError, SitegenError):
        return None


def _key(p: Problem) -> tuple[str, int, int, str]:
    return (p.location.path, p.location.line, p.location.col, p.message)


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


__all__ = ["VAGUE_SOURCE_MARKERS", "CheckResult", "SourceReport", "check", "is_vague", "source_report"]
