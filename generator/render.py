"""Render the site model into output files: pages, section lists, tags, feeds, 404s and the root chooser.

The work is cut into `Job`s that can run in any process in any order; each returns its files and, for a
page, the pages its outputs read (its dependencies, for rebuilds).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from generator import exports, feeds, hosting, search, seo, urls, video
from generator.brochure import Brochures
from generator.context import Contexts, Reads
from generator.convert import Bodies
from generator.model import Page, PageKey, Site, Tag
from generator.templates import get_template, precompile, render


@dataclass(frozen=True, order=True)
class Job:
    """One unit of rendering: a page of the content ("page", lang, source path), a language's tag index
    ("tags", lang), one tag's lists ("tag", lang, slug), a feed ("feed", lang), a printable brochure
    ("brochure", lang), the sitemap ("sitemap") or the 404 and search pages with the root chooser ("special")."""

    kind: str
    lang: str = ""
    name: str = ""

    @property
    def page(self) -> PageKey:
        return (self.lang, self.name)


# The kinds of job whose reads a build keeps (under `job.page`), so that `plan` runs them again after an edit.
TRACKED = ("page", "brochure")


def tracked_job(key: PageKey) -> Job:
    """The job whose reads are kept under `key`: a page's, or a language's brochure (name "")."""
    return Job("page", *key) if key[1] else Job("brochure", key[0])


@dataclass(frozen=True)
class Output:
    """One file of the built site: rendered bytes, or a source file to copy."""

    path: str  # relative to the output folder, POSIX
    data: bytes | None = None
    source: Path | None = None


class Renderer:
    """Makes each job's output files from the site model, the Markdown bodies and one Jinja env per language."""

    def __init__(self, site: Site, bodies: Bodies, envs: Mapping[str, jinja2.Environment],
                 cache_root: Path | None = None) -> None:
        self.site = site
        self.config = site.config
        self.bodies = bodies
        self.envs = envs
        self.fingerprinted = fingerprints(site)
        self.contexts = Contexts(site, bodies, self.fingerprinted)
        self.brochures = Brochures(site, self.contexts, envs, cache_root)  # (keeps its PDFs in `cache_root`)

    def jobs(self) -> list[Job]:
        """Everything rendered from templates or the model, as independent units of work in a fixed order."""
        jobs = [Job("page", lang, rel) for lang, rel in self.site.pages]
        for lang in self.config.codes:
            jobs.append(Job("tags", lang))
            jobs.extend(Job("tag", lang, tag.slug) for tag in self.site.tags.get(lang, ()))
            jobs.append(Job("feed", lang))
        jobs.extend(Job("brochure", lang) for lang in self.brochures.languages())
        return jobs + [Job("sitemap"), Job("special")]

    def template_choices(self) -> dict[str, list[list[str]]]:
        """The templates the jobs start from, by language: for each, the names of which the first found
        is used."""
        out = {}
        for lang in self.envs:
            pages = sorted({tuple(self._template_names(p)) for p in self.site.pages.values() if p.lang == lang})
            special = ["tags.html", "tag.html", "404.html", "chooser.html"] + ["search.html"] * self.config.search
            special += ["brochure.html"] if lang in self.brochures.languages() else []
            out[lang] = [list(names) for names in pages] + [[name] for name in special]
        return out

    def precompile(self) -> None:
        """Compile, here, the templates the jobs will use (see templates.precompile), so that workers forked
        after this inherit them."""
        for lang, choices in self.template_choices().items():
            precompile(self.envs[lang], choices)

    def job_weight(self, job: Job) -> int:
        """About how many pages' worth of rendering `job` is (a list job renders one page per chunk of
        entries), so that the work can be shared out evenly."""
        if job.kind == "page":
            return 1 + len(self.site.children.get(job.page, ())) // self.config.pagination
        if job.kind == "tag":
            return 1 + len(self.site.tag(job.lang, job.name).pages) // self.config.pagination
        if job.kind == "sitemap":
            return 1 + len(self.site.pages) // 20
        if job.kind == "brochure":
            return 64
        return 4

    def run(self, job: Job, only: set[PageKey] | None = None) -> tuple[list[Output], frozenset[PageKey]]:
        """The files of one job and the pages they read; for a list, with `only`, just its pages that show
        one of those pages."""
        reads: Reads = set()
        if job.kind == "page":
            outputs = list(self.page_outputs(self.site.pages[job.page], reads, only))
        elif job.kind == "tags":
            outputs = [self.tag_index(job.lang, reads)]
        elif job.kind == "tag":
            outputs = list(self.tag_pages(self.site.tag(job.lang, job.name), reads, only))
        elif job.kind == "feed":
            outputs = [self.feed(job.lang)]
        elif job.kind == "sitemap":
            outputs = [Output("sitemap.xml", seo.sitemap(self.site))]
        elif job.kind == "brochure":
            made = self.brochures.made(job.lang)
            outputs = [Output(made.output, made.pdf)]
            reads.update(made.pages)
        else:
            outputs = list(self.special_pages(reads))
        return outputs, frozenset(reads)

    def outputs_of_site(self) -> Iterator[Output]:
        """The files that are no job's: robots.txt, hosting configs, static files."""
        yield Output("robots.txt", seo.robots(self.site))
        for name, data in hosting.configs(self.config, self.fingerprinted, video.site_frame_hosts(self.site)).items():
            yield Output(name, data)
        replaced = self.bodies.pictures.replaced()  # (originals of processed images: written by their page)
        for asset in self.site.assets:
            if asset.output in replaced:
                continue
            yield Output(self.fingerprinted.get(asset.output, asset.output), source=asset.source)

    def feed(self, lang: str) -> Output:
        bodies = {p.key: body.html for p in feeds.feed_pages(self.site, lang) if (body := self.bodies.get(p.key))}
        return Output(urls.feed("", lang), feeds.atom(self.site, lang, bodies, self.config.base_url))

    def page_outputs(self, page: Page, reads: Reads, only: set[PageKey] | None = None) -> Iterator[Output]:
        """The page's file, or a section's list pages and exports."""
        for path, cached in self.bodies.pictures.outputs(page.key):  # the images this page is the first to use
            yield Output(path, source=Path(cached))
        template = get_template(self.envs[page.lang], self._template_names(page))
        if page.kind != "section":
            ctx = self.contexts.page(page, reads, brochure=self.brochures.link(page, reads))
            yield Output(page.output, self._render(template, ctx, page.path))
            return
        yield from self.export_outputs(page, reads)
        children = self.site.children.get(page.key, ())
        # A directory (a section that exports its entries) or `paginate: false` lists everything at once.
        whole = page.params.get("paginate") is False or isinstance(page.params.get("export"), str)
        size = max(1, len(children)) if whole else self.config.pagination
        chunks = [children[i:i + size] for i in range(0, len(children), size)] or [()]
        for number, chunk in enumerate(chunks, start=1):
            if only is not None and only.isdisjoint(chunk):
                continue
            url = urls.numbered(page.url, number)
            ctx = self.contexts.page(page, reads, children=self.contexts.pages(chunk, reads),
                                     paginator=paginator(page.url, number, len(chunks)),
                                     brochure=self.brochures.link(page, reads))
            if number > 1:
                ctx["canonical"] = self.contexts.absolute(url)
            yield Output(self.out(url), self._render(template, ctx, page.path))

    def export_outputs(self, page: Page, reads: Reads) -> Iterator[Output]:
        """A section with `export: <field>` also writes its entries as data.csv and data.json."""
        field = page.params.get("export")
        if not isinstance(field, str):
            return
        records = exports.rows(self.contexts.pages(self.site.children.get(page.key, ()), reads), field,
                               self.config.base_url)
        folder = page.output[: -len("index.html")]
        yield Output(folder + "data.csv", exports.to_csv(records))
        yield Output(folder + "data.json", exports.to_json(records, field))

    def tag_index(self, lang: str, reads: Reads) -> Output:
        url = urls.tags(self.config.base_path, lang)
        index = self._generated(lang, "tags/", "tags", "", url, "sitegen:tags")
        ctx = self.contexts.generated(index, reads, tags=self.site.tags.get(lang, ()))
        return Output(self.out(url), self._render(get_template(self.envs[lang], ["tags.html"]), ctx,
                                                  self.site.home(lang).path))

    def tag_pages(self, tag: Tag, reads: Reads, only: set[PageKey] | None = None) -> Iterator[Output]:
        lang = tag.lang
        template = get_template(self.envs[lang], ["tag.html"])
        size = self.config.pagination
        chunks = [tag.pages[i:i + size] for i in range(0, len(tag.pages), size)]
        for number, chunk in enumerate(chunks, start=1):
            if only is not None and only.isdisjoint(chunk):
                continue
            url = urls.numbered(tag.url, number)
            page = self._generated(lang, f"tags/{tag.slug}", "tag", tag.name, url, f"sitegen:tag:{tag.slug}")
            ctx = self.contexts.generated(page, reads, tag=tag, children=self.contexts.pages(chunk, reads),
                                          paginator=paginator(tag.url, number, len(chunks)))
            yield Output(self.out(url), self._render(template, ctx, self.site.home(lang).path))

    @staticmethod
    def _template_names(page: Page) -> list[str]:
        """The templates that may render the page, the first found first."""
        return [f"{page.template}.html"] + ([f"{page.kind}.html"] if page.kind != "page" else []) + ["page.html"]

    def special_pages(self, reads: Reads) -> Iterator[Output]:
        """Each language's 404 and search page, and the root's language chooser."""
        base = self.config.base_path
        for lang in self.config.codes:
            home = self.site.home(lang)
            page = self._generated(lang, "404", "404", "", urls.not_found(base, lang), "sitegen:404")
            ctx = self.contexts.generated(page, reads)
            not_found = self._render(get_template(self.envs[lang], ["404.html"]), ctx, home.path)
            yield Output(urls.not_found("", lang), not_found)
            if lang == self.config.default_language:  # GitHub Pages and object stores serve only /404.html
                yield Output("404.html", not_found)
            if self.config.search:
                url = urls.search(base, lang)
                page = self._generated(lang, "search/", "search", "", url, "sitegen:search")
                ctx = self.contexts.generated(page, reads, bundle=f"{base}{search.BUNDLE}/")
                yield Output(self.out(url), self._render(get_template(self.envs[lang], ["search.html"]), ctx,
                                                         home.path))
        yield self.chooser(reads)

    def chooser(self, reads: Reads) -> Output:
        """The root page: choose a language (by the browser's languages with JavaScript, by links without)."""
        lang = self.config.default_language
        home = self.site.home(lang)
        ctx = self.contexts.page(home, reads)
        ctx["homes"] = [{"code": lg.code, "name": lg.name, "url": self.site.home(lg.code).url,
                         "title": self.config.title.get(lg.code, ""), "locale": lg.locale}
                        for lg in self.config.languages]
        ctx["canonical"] = self.contexts.absolute(self.config.base_path)
        ctx["alternates"] = ([self.contexts.alternate(h["code"], h["url"]) for h in ctx["homes"]]
                             + [self.contexts.alternate("x-default", self.config.base_path)])
        template = get_template(self.envs[lang], ["chooser.html"])
        return Output("index.html", self._render(template, ctx, home.path))

    def out(self, url: str) -> str:
        """The output file for a site URL."""
        return urls.output_file(self.config.base_path, url)

    def _generated(self, lang: str, rel: str, kind: str, title: str, url: str, key: str) -> Page:
        """A page the site model does not hold (tag lists, 404, search), for templates to show."""
        return Page(lang=lang, rel=rel, path=Path(rel.split("/")[0]), kind=kind, title=title, url=url,
                    section="_index.md", translation_key=key)

    @staticmethod
    def _render(template: jinja2.Template, ctx: dict[str, Any], source: Path) -> bytes:
        return render(template, ctx, source).encode("utf-8")


class PagerLink(NamedTuple):
    """One page of a list, as its pager links it."""

    number: int
    url: str
    current: bool = False


class PagerRun:
    """A run of consecutive pager links (PAGER_RUN of them). A run that does not hold the page being
    rendered is one object on every page of its list (made once per list), so that templates' `shared()`
    renders it once and knows it by identity (hashing its links on every page would cost more)."""

    __slots__ = ("pages", "current")

    def __init__(self, pages: tuple[PagerLink, ...], current: bool = False) -> None:
        self.pages = pages
        self.current = current


PAGER_RUN = 10


def paginator(base: str, number: int, total: int) -> dict[str, Any]:
    """What templates need to link the pages of a list: its number, total and neighbours' URLs, and every
    page's link, also in runs (see PagerRun)."""
    runs = list(_pager_runs(base, total))
    at = (number - 1) // PAGER_RUN
    if 0 <= at < len(runs):
        runs[at] = PagerRun(tuple(p._replace(current=True) if p.number == number else p for p in runs[at].pages),
                            True)
    return {"number": number, "total": total,
            "prev_url": urls.numbered(base, number - 1) if number > 1 else None,
            "next_url": urls.numbered(base, number + 1) if number < total else None,
            "pages": [p for run in runs for p in run.pages], "runs": runs}


@functools.lru_cache(maxsize=1024)
def _pager_runs(base: str, total: int) -> tuple[PagerRun, ...]:
    """The links to every page of a list, none current, in runs (made once per list, not once per page)."""
    links = [PagerLink(n, urls.numbered(base, n)) for n in range(1, total + 1)]
    return tuple(PagerRun(tuple(links[i:i + PAGER_RUN])) for i in range(0, total, PAGER_RUN))


FINGERPRINTED = (".css", ".js")


def fingerprints(site: Site) -> dict[str, str]:
    """Static CSS and JS under assets/ get a content hash in their name, so they can be cached for a year."""
    out = {}
    content = site.config.content_dir
    for asset in site.assets:
        if asset.output.startswith("assets/") and asset.output.endswith(FINGERPRINTED) \
                and not asset.source.is_relative_to(content):
            digest = hashlib.sha256(asset.source.read_bytes()).hexdigest()[:10]
            stem, dot, ext = asset.output.rpartition(".")
            out[asset.output] = f"{stem}.{digest}.{ext}"
    return out
