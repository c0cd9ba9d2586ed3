"""The rebuild plan: from the last build and this one, which outputs an edit affects.

Pure functions on plain values. `outline(site)` keeps of a site model only what other pages' outputs can
show of each page; it is small and made of plain values, so the command line keeps it in the cache
(generator.state) and `sitegen serve` keeps it in memory. `plan(old, new, deps)` compares two outlines with the last build's
dependencies (page -> the pages its outputs read) and returns the jobs to run, or None when pages came,
went or moved and everything must be rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator import feeds
from generator.model import PageKey, Site
from generator.render import Job, tracked_job

Deps = Mapping[PageKey, frozenset[PageKey]]


@dataclass(frozen=True)
class PageFacts:
    """What other outputs can show of one page."""

    url: str
    translation_key: str
    kind: str
    tags: tuple[str, ...]
    sort_key: tuple[Any, ...]
    dates: tuple[str, str]  # date and updated, ISO or ""
    feeds: tuple[str, ...]  # the languages whose feed may list it
    digest: str  # of everything about the page: any change to it changes this


@dataclass(frozen=True)
class Outline:
    """The parts of a site model that decide which outputs an edit affects."""

    pages: Mapping[PageKey, PageFacts]
    lists: Mapping[PageKey, tuple[PageKey, ...]]  # section -> its pages and subsections, in order
    tags: Mapping[tuple[str, str], tuple[PageKey, ...]]  # (lang, slug) -> pages
    pagination: int

    def tag_files(self) -> set[tuple[str, str, int]]:
        """Each tag and how many list pages it has: when these change, files appear or go."""
        return {(lang, slug, -(-len(keys) // self.pagination)) for (lang, slug), keys in self.tags.items()}


def outline(site: Site, last: Site | None = None, last_outline: Outline | None = None) -> Outline:
    """The outline of a site model; the facts of the pages it shares with the `last` site model (the same
    objects, as a rebuild keeps them) are taken from that site's outline."""
    prefixes = feeds.feed_prefixes(site.config)
    pages = {}
    for key, page in site.pages.items():
        if last is not None and last_outline is not None and last.pages.get(key) is page:
            pages[key] = last_outline.pages[key]
            continue
        dates = (page.date.isoformat() if page.date else "", page.updated.isoformat() if page.updated else "")
        in_feeds = tuple(lang for lang in site.config.codes if feeds.may_show(page, lang, prefixes))
        # A page is made from its source file's text and its place: both in the digest (repr is slower).
        made_of = (f"{page.digest}\0{page.lang}\0{page.rel}\0{page.path}\0{page.kind}\0{page.url}\0{page.section}"
                   f"\0{page.base_path}" if page.digest else repr(page))
        digest = hashlib.sha256(made_of.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        pages[key] = PageFacts(page.url, page.translation_key, page.kind, page.tags, page.sort_key, dates,
                               in_feeds, digest)
    lists = {k: v for k, v in site.children.items()}
    for k, v in site.subsections.items():
        lists[k] = lists.get(k, ()) + v
    tags = {(t.lang, t.slug): t.pages for ts in site.tags.values() for t in ts}
    return Outline(pages=pages, lists=lists, tags=tags, pagination=site.config.pagination)


@dataclass(frozen=True)
class Plan:
    """What to render again: jobs, each with the pages its lists must show (None: all its pages)."""

    changed: frozenset[PageKey]  # pages whose own source changed
    jobs: tuple[tuple[Job, frozenset[PageKey] | None], ...]

    @property
    def pages(self) -> int:
        return sum(1 for job, _ in self.jobs if job.kind == "page")


def plan(old: Outline, new: Outline, deps: Deps) -> Plan | None:
    """The jobs that make the output of `new` from that of `old`, or None if every page must be rendered."""
    if old.pages.keys() != new.pages.keys() or old.pagination != new.pagination \
            or old.tag_files() != new.tag_files() or any(
                (o.url, o.translation_key) != (n.url, n.translation_key)
                for o, n in ((old.pages[k], new.pages[k]) for k in new.pages)):
        return None  # pages or tag lists came, went or moved: every switcher and list may change
    changed = frozenset(k for k, facts in new.pages.items() if old.pages[k].digest != facts.digest)
    if not changed:
        return Plan(changed, ())
    # A page that moved within its section shifts its neighbours' windows: count the section as changed.
    moved = {k for sec, keys in new.lists.items() if old.lists.get(sec) != keys for k in keys}
    touched = changed | moved
    affected = touched | {k for k, reads in deps.items() if reads & touched}
    jobs: list[tuple[Job, frozenset[PageKey] | None]] = []
    for key in sorted(affected):
        # A list that is affected only through some of its entries: just its pages showing them.
        reasons = deps.get(key, frozenset()) & touched
        only = reasons if key not in touched and reasons <= set(new.lists.get(key, ())) else None
        jobs.append((tracked_job(key), only))
    jobs.extend(_tag_jobs(old, new, changed))
    for lang in sorted({lang for k in changed for facts in (old.pages[k], new.pages[k]) for lang in facts.feeds}):
        jobs.append((Job("feed", lang), None))
    if any(old.pages[k].dates != new.pages[k].dates for k in changed):
        jobs.append((Job("sitemap"), None))
    jobs.append((Job("special"), None))
    return Plan(changed, tuple(jobs))


def _tag_jobs(old: Outline, new: Outline, changed: frozenset[PageKey]) -> list[tuple[Job, frozenset[PageKey] | None]]:
    """The tag lists that show any of the `changed` pages (all of a language's when its home changed),
    each with the pages to re-render it for (None: all its pages, as when its order or members changed)."""
    jobs: dict[Job, frozenset[PageKey] | None] = {}

    def add(job: Job, keys: frozenset[PageKey] | None) -> None:
        current = jobs.get(job, frozenset())
        jobs[job] = None if current is None or keys is None else current | keys

    members: dict[PageKey, set[tuple[str, str]]] = {}
    for outline_ in (old, new):
        for tag, keys in outline_.tags.items():
            for k in keys:
                members.setdefault(k, set()).add(tag)
    for key in sorted(changed):
        lang, page, before = key[0], new.pages[key], old.pages[key]
        if page.kind == "home":
            add(Job("tags", lang), None)
            for tag_lang, slug in new.tags:
                if tag_lang == lang:
                    add(Job("tag", lang, slug), None)
        same_place = page.tags == before.tags and page.sort_key == before.sort_key
        if page.tags != before.tags:
            add(Job("tags", lang), None)
        for tag_lang, slug in sorted(members.get(key, ())):
            add(Job("tag", tag_lang, slug), frozenset({key}) if same_place else None)
    return sorted(jobs.items(), key=lambda item: item[0])
