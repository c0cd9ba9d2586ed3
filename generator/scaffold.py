"""`sitegen new` (a page in every language) and `sitegen init` (a new site); neither overwrites a file."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from generator.config import LANG_CODE, load_config
from generator.errors import error
from generator.slugs import slugify

_PLACEHOLDER = {"vi": "Tiêu đề trang", "en": "Page title"}


def new_page(root: Path, path: str, today: dt.date) -> list[Path]:
    """Create content/<lang>/<path>.md for every language; refuse if any of them exists."""
    config = load_config(root)
    rel = path.strip().strip("/")
    if rel.endswith(".md"):
        rel = rel[:-3]
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or not re.fullmatch(r"[\w.-]+", p) for p in parts):
        raise error(path, "give the new page as <section>/<name>, e.g. news/investment-forum-2026")
    if slugify(parts[-1]) != parts[-1]:
        raise error(path, f"use a lowercase name without spaces or marks, e.g. {slugify(parts[-1]) or 'page'}")
    targets = [config.content_dir / lang / f"{rel}.md" for lang in config.codes]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise error(existing[0], "already exists; nothing was created (choose another name)")
    key = rel
    for lang, target in zip(config.codes, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        title = _PLACEHOLDER.get(lang, _PLACEHOLDER["en"])
        target.write_text(
            "---\n"
            f'title: "{title}"\n'
            f"date: {today.isoformat()}\n"
            f"translation_key: {key}\n"
            'summary: ""\n'
            "tags: []\n"
            "sources: []\n"
            "---\n\n", encoding="utf-8")
    return targets


@dataclass(frozen=True)
class NewLanguage:
    """A language of a new site: its code, its locale (the code's most likely country) and its own name."""

    code: str
    locale: str
    name: str


def parse_languages(text: str) -> list[NewLanguage]:
    """Languages from `vi,en,ja`: codes that Babel knows, each with a locale such as `ja_JP` derived."""
    codes = [c.strip() for c in text.split(",")]
    out: list[NewLanguage] = []
    for code in codes:
        where = f"--languages {text}"
        if not code:
            raise error(where, "give language codes separated by commas, e.g. --languages vi,en,ja")
        try:
            if not LANG_CODE.match(code):
                raise ValueError(code)
            locale = Locale.parse(code.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            locale = None
        # (Babel reads `und` as English, and drops a subtag it does not know)
        if locale is None or "-".join(filter(None, (locale.language, locale.script, locale.territory))) != code:
            raise error(where, f"unknown language {code!r}: use codes that Babel knows, in lowercase, "
                               "such as vi, en, ja or pt-BR")
        if any(lang.code == code for lang in out):
            raise error(where, f"language {code!r} is listed twice")
        name = locale.get_display_name(locale) or code
        subtags = get_global("likely_subtags")  # e.g. ja -> ja_Jpan_JP, zh_Hant -> zh_Hant_TW
        likely = subtags.get(f"{locale.language}_{locale.script}") or subtags.get(locale.language)
        if locale.territory is None and likely:
            full = Locale.parse(likely)
            try:
                locale = Locale(locale.language, territory=full.territory, script=locale.script)
            except UnknownLocaleError:  # a language written in several scripts (zh_Hans_CN, not zh_CN)
                locale = full
        out.append(NewLanguage(code, str(locale), name[:1].upper() + name[1:]))
    return out


def init_site(folder: Path, languages: list[NewLanguage], title: str) -> list[Path]:
    """Write a new site into `folder` (which must be missing or empty): site.yaml, and a home page and an
    about page per language, with placeholder text for the editor; return the files written."""
    if not title.strip():
        raise error("--title", "give the site a title, e.g. --title 'My site'")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise error(folder, "is not an empty folder; sitegen init writes a new site only into a new or empty "
                            "folder (nothing was written)")
    files = {"site.yaml": _site_yaml(languages, title), ".gitignore": "output/\n.sitegen-cache/\n"}
    for lang in languages:
        files[f"content/{lang.code}/_index.md"] = _page(
            lang, title, "The home page of a new site made with sitegen.",
            "Welcome. Replace this text with the home page in {name}; the about page is [here](about.md).")
        files[f"content/{lang.code}/about.md"] = _page(
            lang, "About", "Who makes this site and why.",
            "Say here who makes this site, and how to reach them. Write this page in {name}.")
    made: list[Path] = []  # what this call created, removed again if it fails half-way (disk full)
    try:
        for rel, text in files.items():
            path = folder / rel
            for parent in reversed([path.parent, *path.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            with path.open("x", encoding="utf-8", newline="\n") as fh:  # "x": never overwrite a file
                made.append(path)
                fh.write(text)
    except OSError:
        for path in reversed(made):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
        raise
    return [path for path in made if path.is_file()]


def _q(text: str) -> str:
    """A YAML scalar for any text (a JSON string is a double-quoted YAML one)."""
    return json.dumps(text, ensure_ascii=False)


def _site_yaml(languages: list[NewLanguage], title: str) -> str:
    def per_language(text: str) -> str:
        return "".join(f"  {lang.code}: {_q(text)}\n" for lang in languages)

    return (
        "# A site made by 'sitegen init'. Every key is in sitegen's README (\"site.yaml\"), or run\n"
        "# python -m generator.config --markdown. Translate the texts below into each language.\n"
        "base_url: https://example.org/  # where the site will be served\n"
        "languages:\n"
        + "".join(f"  - {{code: {_q(lang.code)}, name: {_q(lang.name)}, locale: {lang.locale}}}\n"
                  for lang in languages)
        + f"title:\n{per_language(title)}"
        + f"description:\n{per_language('A new site made with sitegen.')}"
        + "menus:\n"
        + "".join(f"  {lang.code}:\n    - {{title: About, page: about.md}}\n" for lang in languages)
    )


def _page(lang: NewLanguage, title: str, summary: str, body: str) -> str:
    return (
        "---\n"
        f"# Placeholder text in English: write this page in {lang.name} ({lang.code}).\n"
        f"title: {_q(title)}\n"
        f"summary: {_q(summary)}\n"
        "---\n\n"
        f"{body.format(name=lang.name)}\n"
    )


__all__ = ["NewLanguage", "init_site", "new_page", "parse_languages"]
