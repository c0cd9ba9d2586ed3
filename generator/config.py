"""The site configuration (`site.yaml`): one declarative schema, every bad key reported at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from generator.errors import Problems, SitegenError, error
from generator.yamlutil import YamlDoc, load_yaml

CONFIG_FILE = "site.yaml"
_LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Language:
    """A site language: its code (URL prefix), the name shown in the switcher, and its Babel locale."""

    code: str
    name: str
    locale: str


@dataclass(frozen=True)
class MenuItem:
    """A menu entry: a title and either a content source (`page`) or a plain `url`."""

    title: str
    page: str | None
    url: str | None
    line: int


@dataclass(frozen=True)
class Config:
    """The validated site configuration."""

    root: Path
    base_url: str
    languages: tuple[Language, ...]
    default_language: str
    title: dict[str, str]
    description: dict[str, str]
    theme: str = "default"
    menus: dict[str, tuple[MenuItem, ...]] = field(default_factory=dict)
    notice: dict[str, str] = field(default_factory=dict)
    pagination: int = 10
    unsafe_html: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    feed_sections: tuple[str, ...] = ("news",)
    feed_limit: int = 20
    search: bool = True
    source_file: str = CONFIG_FILE

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always ending in `/` (`/` for a site at the domain root)."""
        return urlsplit(self.base_url).path or "/"

    def language(self, code: str) -> Language:
        return next(lang for lang in self.languages if lang.code == code)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"


# key: (type description, required, docstring). Types are checked in _check_* below.
SCHEMA: dict[str, tuple[str, bool, str]] = {
    "base_url": ("URL", True, "Absolute URL where the site is served, e.g. https://example.org/"),
    "languages": ("list", True, "Languages in order: code, name (shown in the switcher), locale (Babel)"),
    "default_language": ("string", False, "Language of x-default links; the first language if not given"),
    "title": ("per-language text", True, "Site title per language"),
    "description": ("per-language text", False, "Site description per language"),
    "theme": ("string", False, "Theme name: themes/<name>/ in the site, or one shipped with sitegen"),
    "menus": ("per-language list", False, "Primary menu per language: items with title and page or url"),
    "notice": ("per-language text", False, "A site-wide notice shown on every page, per language"),
    "pagination": ("integer", False, "Pages per list page in sections and tags"),
    "markdown": ("mapping", False, "Markdown options: unsafe_html (allow raw HTML, default false)"),
    "params": ("mapping", False, "Free-form values that templates can read as site.params"),
    "search": ("boolean", False, "Build a search index per language with Pagefind (default true)"),
    "feeds": ("mapping", False, "Atom feeds per language: sections (folders, default [news]), limit (20)"),
}


def load_config(root: Path) -> Config:
    """Read and validate `<root>/site.yaml`, reporting every problem at once."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(path, f"no {CONFIG_FILE} here; is --site the site's folder?") from None
    except UnicodeDecodeError as exc:
        raise error(path, f"not valid UTF-8 at byte {exc.start}") from None
    doc = load_yaml(text.replace("\r\n", "\n"), str(path))
    return _validate(root, path, doc)


def _validate(root: Path, path: Path, doc: YamlDoc) -> Config:
    problems = Problems()
    data = doc.data
    if not isinstance(data, dict):
        raise error(path, "site.yaml must be a mapping of keys to values", 1, 1)

    def bad(message: str, *key: Any) -> None:
        problems.add(path, message, *doc.where(*key))

    for key in data:
        if key not in SCHEMA:
            known = ", ".join(SCHEMA)
            bad(f"unknown key {key!r} (known keys: {known})", key)
    for key, (_, required, _doc) in SCHEMA.items():
        if required and key not in data:
            bad(f"missing required key {key!r}")

    base_url = data.get("base_url", "https://example.org/")
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        bad("base_url must be an absolute http(s) URL such as https://example.org/", "base_url")
        base_url = "https://example.org/"
    elif not base_url.endswith("/"):
        base_url += "/"

    languages = _languages(data.get("languages"), bad)
    codes = [lang.code for lang in languages]
    default = data.get("default_language", codes[0] if codes else "")
    if codes and default not in codes:
        bad(f"default_language {default!r} is not one of the languages ({', '.join(codes)})",
            "default_language")

    title = _per_language(data, "title", codes, bad, required=True)
    description = _per_language(data, "description", codes, bad)
    notice = _per_language(data, "notice", codes, bad)
    theme = data.get("theme", "default")
    if not isinstance(theme, str) or not re.fullmatch(r"[\w-]+", theme):
        bad("theme must be a theme's folder name such as 'default'", "theme")
        theme = "default"
    pagination = data.get("pagination", 10)
    if not isinstance(pagination, int) or isinstance(pagination, bool) or pagination < 1:
        bad("pagination must be a whole number of at least 1", "pagination")
        pagination = 10
    unsafe_html = False
    markdown = data.get("markdown", {})
    if not isinstance(markdown, dict):
        bad("markdown must be a mapping such as {unsafe_html: false}", "markdown")
    else:
        for key, value in markdown.items():
            if key != "unsafe_html":
                bad(f"unknown markdown option {key!r} (known: unsafe_html)", "markdown", key)
            elif not isinstance(value, bool):
                bad("markdown.unsafe_html must be true or false", "markdown", key)
            else:
                unsafe_html = value
    params = data.get("params", {})
    if not isinstance(params, dict):
        bad("params must be a mapping", "params")
        params = {}
    menus = _menus(data.get("menus", {}), codes, bad, doc)
    search = data.get("search", True)
    if not isinstance(search, bool):
        bad("search must be true or false", "search")
        search = True
    feed_sections, feed_limit = ("news",), 20
    feeds = data.get("feeds", {})
    if not isinstance(feeds, dict):
        bad("feeds must be a mapping such as {sections: [news], limit: 20}", "feeds")
    else:
        for key in feeds:
            if key not in ("sections", "limit"):
                bad(f"unknown feeds option {key!r} (known: sections, limit)", "feeds", key)
        sections = feeds.get("sections", ["news"])
        if not isinstance(sections, list) or not all(isinstance(x, str) for x in sections):
            bad("feeds.sections must be a list of content folders such as [news]", "feeds", "sections")
        else:
            feed_sections = tuple(x.strip("/") for x in sections)
        limit = feeds.get("limit", 20)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            bad("feeds.limit must be a whole number of at least 1", "feeds", "limit")
        else:
            feed_limit = limit

    problems.raise_if_errors()
    return Config(
        root=root, base_url=base_url, languages=tuple(languages), default_language=default,
        title=title, description=description, theme=theme, menus=menus, notice=notice,
        pagination=pagination, unsafe_html=unsafe_html, params=params, feed_sections=feed_sections,
        feed_limit=feed_limit, search=search, source_file=str(path),
    )


def _languages(raw: Any, bad: Any) -> list[Language]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        bad("languages must be a list of {code, name, locale}", "languages")
        return []
    out: list[Language] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            bad("each language must be a mapping with code, name and locale", "languages", i)
            continue
        for key in item:
            if key not in ("code", "name", "locale"):
                bad(f"unknown language key {key!r} (known: code, name, locale)", "languages", i, key)
        code, name, locale = item.get("code"), item.get("name"), item.get("locale")
        if not isinstance(code, str) or not _LANG_CODE.match(code):
            bad("language code must be a code such as 'vi' or 'en' (quote it)", "languages", i, "code")
            continue
        if any(lang.code == code for lang in out):
            bad(f"language {code!r} is listed twice", "languages", i, "code")
            continue
        if not isinstance(name, str) or not name.strip():
            bad(f"language {code!r} needs a name to show in the switcher", "languages", i)
            name = code
        if not isinstance(locale, str):
            bad(f"language {code!r} needs a Babel locale such as vi_VN", "languages", i)
            continue
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            bad(f"unknown locale {locale!r} for language {code!r} (use one such as vi_VN, en_US, ja_JP)",
                "languages", i, "locale")
            continue
        out.append(Language(code, name, locale))
    return out


def _per_language(data: dict[str, Any], key: str, codes: list[str], bad: Any,
                  required: bool = False) -> dict[str, str]:
    raw = data.get(key)
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {code: raw for code in codes}
    if not isinstance(raw, dict):
        bad(f"{key} must be text or a mapping of language code to text", key)
        return {}
    out: dict[str, str] = {}
    for code, text in raw.items():
        if code not in codes:
            bad(f"{key} has language {code!r}, which is not in languages", key, code)
        elif not isinstance(text, str):
            bad(f"{key}.{code} must be text", key, code)
        else:
            out[code] = text
    if required:
        for code in codes:
            if code not in out:
                bad(f"{key} is missing language {code!r}", key)
    return out


def _menus(raw: Any, codes: list[str], bad: Any, doc: YamlDoc) -> dict[str, tuple[MenuItem, ...]]:
    if not isinstance(raw, dict):
        bad("menus must map each language code to a list of items", "menus")
        return {}
    out: dict[str, tuple[MenuItem, ...]] = {}
    for code, items in raw.items():
        if code not in codes:
            bad(f"menus has language {code!r}, which is not in languages", "menus", code)
            continue
        if not isinstance(items, list):
            bad(f"menus.{code} must be a list of items", "menus", code)
            continue
        menu = []
        for i, item in enumerate(items):
            where = ("menus", code, i)
            if not isinstance(item, dict) or not isinstance(item.get("title"), str):
                bad("a menu item needs a title and either page (a content file) or url", *where)
                continue
            unknown = set(item) - {"title", "page", "url"}
            for key in sorted(unknown):
                bad(f"unknown menu key {key!r} (known: title, page, url)", *where, key)
            page, url = item.get("page"), item.get("url")
            if (page is None) == (url is None) or not isinstance(page or url, str):
                bad("a menu item needs exactly one of page (a content file) or url", *where)
                continue
            if url is not None and re.match(r"\s*(javascript|vbscript|data):", url, re.I):
                bad("menu url must not be a javascript:, vbscript: or data: link", *where, "url")
                continue
            menu.append(MenuItem(item["title"], page, url, doc.where(*where)[0]))
        out[code] = tuple(menu)
    return out


__all__ = ["Config", "Language", "MenuItem", "SitegenError", "load_config", "SCHEMA"]
