"""The site model: immutable values passed between the pipeline's stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator import urls
from generator.config import Config
from generator.errors import error

PageKey = tuple[str, str]  # (language code, source path below content/<lang>/)


@dataclass(frozen=True)
class SourceFile:
    """A file found under content/<lang>/: `rel` is its NFC POSIX path below that folder."""

    lang: str
    rel: str
    path: Path

    @property
    def is_markdown(self) -> bool:
        return self.rel.endswith(".md")


@dataclass(frozen=True)
class Page:
    """A page or section page of one language, ready to render."""

    lang: str
    rel: str  # source path below content/<lang>/, e.g. "about/history.md" or "about/_index.md"
    path: Path
    kind: str  # "page", "section" or "home"
    title: str
    url: str  # site-absolute path ending in "/", e.g. "/vi/gioi-thieu/lich-su/"
    section: str | None  # rel of the section page this page belongs to
    translation_key: str
    date: dt.date | None = None
    updated: dt.date | None = None
    summary: str = ""
    weight: int = 0
    template: str = "page"
    draft: bool = False
    tags: tuple[str, ...] = ()
    sources: tuple[dict[str, Any], ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    body_line: int = 1
    base_path: str = "/"
    digest: str = ""  # of the source file's text
    source_body: str | None = field(default="", repr=False, compare=False)  # None: not read yet (see body)

    @property
    def body(self) -> str:
        """The Markdown body. A page restored from the cache (`generator.state`) reads it from its file the
        first time it is asked for, and only if the file still holds the text the page was made from."""
        if self.source_body is None:
            from generator.frontmatter import read_text, split, text_digest

            text = read_text(self.path)
            if text_digest(text) != self.digest:
                raise error(self.path, "the file changed while the site was being built: build again")
            object.__setattr__(self, "source_body", split(text, self.path)[1])
        assert self.source_body is not None
        return self.source_body

    @property
    def key(self) -> tuple[str, str]:
        return (self.lang, self.rel)

    @property
    def output(self) -> str:
        """The file this page is written to, relative to the output folder."""
        return urls.output_file(self.base_path, self.url)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """Sections list pages by weight, then newest date first, then title, then path."""
        ordinal = -(self.date.toordinal()) if self.date else 0
        return (self.weight, ordinal, self.title.casefold(), self.rel)


@dataclass(frozen=True)
class Asset:
    """A file copied to the output unchanged."""

    source: Path
    output: str  # relative to the output folder


@dataclass(frozen=True)
class Tag:
    """A tag of one language and the pages that carry it."""

    lang: str
    name: str
    slug: str
    url: str
    pages: tuple[tuple[str, str], ...]  # page keys


@dataclass(frozen=True)
class Site:
    """Everything known about the site after loading and checking, before rendering."""

    config: Config
    pages: dict[tuple[str, str], Page]  # by (lang, rel), in output order
    children: dict[tuple[str, str], tuple[tuple[str, str], ...]]  # section key -> page keys, sorted
    subsections: dict[tuple[str, str], tuple[tuple[str, str], ...]]
    translations: dict[str, dict[str, tuple[str, str]]]  # translation key -> lang -> page key
    tags: dict[str, tuple[Tag, ...]]  # lang -> tags sorted by name
    assets: tuple[Asset, ...]
    theme_dirs: tuple[Path, ...]
    data: dict[str, Any]

    def translation(self, page: Page, lang: str) -> Page | None:
        """The same page in `lang`, or None."""
        key = self.translations.get(page.translation_key, {}).get(lang)
        return self.pages[key] if key else None

    def home(self, lang: str) -> Page:
        return self.pages[(lang, "_index.md")]

    @cached_property
    def by_path(self) -> dict[Path, PageKey]:
        """The page made from each source file."""
        return {page.path: key for key, page in self.pages.items()}

    def tag(self, lang: str, slug: str) -> Tag:
        """The tag of `lang` with that slug."""
        return next(t for t in self.tags[lang] if t.slug == slug)

    def alternates(self, page: Page) -> list[tuple[str, str]]:
        """(hreflang, URL) of the page in each language it exists in, then the x-default one: what the
        page's hreflang links and the sitemap both list."""
        out = []
        for language in self.config.languages:
            found = self.translation(page, language.code)
            if found:
                out.append((language.code, found.url))
        default = self.translation(page, self.config.default_language) or page
        out.append(("x-default", self.config.base_path if page.kind == "home" else default.url))
        return out
