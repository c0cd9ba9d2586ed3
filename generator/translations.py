"""Translation status: which pages are missing in a language, and which translations are stale."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import error
from generator.frontmatter import read_text, split
from generator.model import Page, Site

FIELD = "translated_from"


def source_hash(page: Page) -> str:
    """A short hash of what a translator translates: the title and the body."""
    return _hash(page.title, page.body)


@functools.lru_cache(maxsize=1024)  # each translation's page asks for its original's
def _hash(title: str, body: str) -> str:
    text = f"{title}\n{body.strip()}\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def original(site: Site, page: Page) -> Page | None:
    """The page in the default language that `page` translates, if `page` is a translation."""
    if page.lang == site.config.default_language:
        return None
    return site.translation(page, site.config.default_language)


def is_stale(site: Site, page: Page) -> bool:
    """True when the translation records a version of its original that is no longer current."""
    source = original(site, page)
    recorded = page.params.get(FIELD)
    return source is not None and isinstance(recorded, str) and recorded != source_hash(source)


@dataclass
class LanguageStatus:
    lang: str
    pages: int = 0
    missing: list[str] = field(default_factory=list)  # source paths of originals with no translation here
    stale: list[str] = field(default_factory=list)  # translations whose original changed since
    untracked: list[str] = field(default_factory=list)  # translations that do not say what they translate

    def as_dict(self) -> dict[str, object]:
        return {"pages": self.pages, "missing": self.missing, "stale": self.stale, "untracked": self.untracked}


def status(site: Site) -> dict[str, LanguageStatus]:
    out = {code: LanguageStatus(code) for code in site.config.codes}
    for page in site.pages.values():
        if not page.params:
            continue  # a section page made up for a folder without _index.md
        out[page.lang].pages += 1
        source = original(site, page)
        if source is not None:
            if is_stale(site, page):
                out[page.lang].stale.append(f"content/{page.lang}/{page.rel}")
            elif FIELD not in page.params:
                out[page.lang].untracked.append(f"content/{page.lang}/{page.rel}")
    for group in site.translations.values():
        first = site.pages[group.get(site.config.default_language) or next(iter(group.values()))]
        if not first.params:
            continue  # a section page made up for a folder without _index.md
        for code in site.config.codes:
            if code not in group:
                out[code].missing.append(f"content/{first.lang}/{first.rel}")
    for st in out.values():
        st.missing.sort()
        st.stale.sort()
        st.untracked.sort()
    return out


_FIELD_LINE = re.compile(rf"^{FIELD}:.*$", re.M)


def mark_done(path: Path, source: Page) -> str:
    """Record in `path`'s front matter that it translates the current version of `source`."""
    text = read_text(path)
    fm, _, _ = split(text, path)
    if fm is None:
        raise error(path, "no front matter to record the translation in", 1, 1)
    value = f"{FIELD}: {source_hash(source)}"
    start = text.index("\n") + 1
    if _FIELD_LINE.search(fm):
        new_fm = _FIELD_LINE.sub(value, fm, count=1)
    else:
        new_fm = fm + ("" if fm.endswith("\n") or not fm else "\n") + value + "\n"
    new_text = text[:start] + new_fm + text[start + len(fm):]
    path.write_text(new_text, encoding="utf-8")
    return source_hash(source)
