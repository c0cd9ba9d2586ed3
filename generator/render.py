"""Render the site model into output files: pages, section lists, tags, 404s and the root chooser."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator import exports, feeds, hosting, search, seo, translations
from generator.config import Config
from generator.convert import Bodies
from generator.errors import error
from generator.model import Page, Site, Tag
from generator.slugs import slugify
from generator.templates import absolute_url, get_template, render

PageKey = tuple[str, str]
# ("page", lang, source path), ("tags", lang, ""), ("tag", lang, tag slug), ("feed", lang, ""),
# ("sitemap", "", "") or ("special", "", ""): the 404 and search pages and the language chooser
Job = tuple[str, str, str]


@dataclass(frozen=True)
class Output:
    """One file of the built site: rendered bytes, or a source file to copy."""

    path: str  # relative to the output folder, POSIX
    data: bytes | None = None
    source: Path | None = None


@dataclass(frozen=True)
class Link:
    """A language-switcher or breadcrumb entry."""

    title: str
    url: str
    code: str = ""
    current: bool = False
    available: bool = True


def nearest_translation(site: Site, page: Page, lang: str) -> tuple[Page, bool]:
    """The page in `lang`, or its nearest translated section (at worst that language's home)."""
    found = site.translation(page, lang)
    if found:
        return found, True
    section = page.section
    while section is not None:
        sec = site.pages.get((page.lang, section))
        if sec is None:
            break
        found = site.translation(sec, lang)
        if found:
            return found, False
        section = sec.section
    return site.home(lang), False


class Renderer:
    """Builds each output file from the site model, the rendered Markdown and one Jinja env per language."""

    def __init__(self, site: Site, bodies: Bodies, envs: dict[str, jinja2.Environment]) -> None:
        self.site = site
        self.config: Config = site.config
        self.bodies = bodies
        self.envs = envs
        self.fingerprinted = fingerprints(site)
        # For each page, the pages its outputs read (lists, switcher, breadcrumbs, ref()): what to
        # re-render when one of them changes.
        self.deps: dict[PageKey, set[PageKey]] = {}
        self._reads: set[PageKey] = set()
        self._tags: dict[tuple[str, str], Tag] = {}
        self._home_contexts: dict[PageKey, dict[str, Any]] = {}
        self.site_context = {code: self._site_context(code) for code in self.config.codes}

    # -- shared per-language context -------------------------------------------------------------------
    def _site_context(self, lang: str) -> dict[str, Any]:
        cfg = self.config
        menu = []
        for item in cfg.menus.get(lang, ()):
            url = self.site.pages[(lang, item.page)].url if item.page else item.url
            menu.append({"title": item.title, "url": url})
        return {
            "title": cfg.title.get(lang, ""), "description": cfg.description.get(lang, ""),
            "notice": cfg.notice.get(lang, ""), "base_url": cfg.base_url, "base_path": cfg.base_path,
            "languages": cfg.languages, "language": cfg.language(lang), "default_language": cfg.default_language,
            "menu": menu, "params": cfg.params, "data": self.site.data, "home": self.site.home(lang),
            "tags": self.site.tags.get(lang, ()),
            "feed_url": feeds.feed_url(self.site, lang),
            "search_url": f"{self.config.base_path}{lang}/search/" if self.config.search else None,
            "share_image": self.share_image(),
        }

    def share_image(self) -> str | None:
        """The absolute URL of the theme's image for link previews, if it has one."""
        rel = "assets/img/share.png"
        return self.absolute(self.config.base_path + rel) if any(a.output == rel for a in self.site.assets) else None

    def asset(self, rel: str) -> str:
        """Templates' `asset('assets/css/style.css')`: the URL of the fingerprinted file."""
        rel = rel.lstrip("/")
        if rel in self.fingerprinted:
            return self.config.base_path + self.fingerprinted[rel]
        if any(a.output == rel for a in self.site.assets):
            return self.config.base_path + rel
        raise error(rel, "a template asks for asset() of a file that is not in the theme's or site's static/")

    def out(self, url: str) -> str:
        """The output file for a site URL."""
        return url[len(self.config.base_path):] + "index.html"

    def absolute(self, url: str) -> str:
        return absolute_url(self.config.base_url, url)

    def switcher(self, page: Page) -> list[Link]:
        out = []
        for language in self.config.languages:
            target, exact = nearest_translation(self.site, page, language.code)
            self._reads.add(target.key)
            out.append(Link(language.name, target.url, language.code, language.code == page.lang, exact))
        return out

    def alternates(self, page: Page) -> list[dict[str, str]]:
        """The page in each language it exists in, and the x-default one, for hreflang links."""
        out = []
        for language in self.config.languages:
            t = self.site.translation(page, language.code)
            if t:
                out.append(self.alternate(language.code, t.url))
        default = self.site.translation(page, self.config.default_language) or page
        x_default = self.config.base_path if page.kind == "home" else default.url
        out.append(self.alternate("x-default", x_default))
        return out

    def alternate(self, code: str, url: str) -> dict[str, str]:
        """One hreflang alternate: the language code (or x-default), absolute URL and locale."""
        language = self.config.language(self.config.default_language if code == "x-default" else code)
        return {"hreflang": code, "href": self.absolute(url), "locale": language.locale}

    def breadcrumbs(self, page: Page) -> list[Link]:
        chain = []
        section = page.section
        while section is not None:
            sec = self.site.pages[(page.lang, section)]
            self._reads.add(sec.key)
            chain.append(Link(sec.title, sec.url))
            section = sec.section
        return list(reversed(chain))

    def pages(self, keys: tuple[PageKey, ...] | list[PageKey]) -> list[Page]:
        self._reads.update(keys)
        return [self.site.pages[k] for k in keys]

    def content(self, page: Page) -> Markup:
        self._reads.add(page.key)
        body = self.bodies.get(page.key)
        return Markup(body.html) if body else Markup("")

    def ref(self, lang: str, rel: str) -> Page:
        """Templates' `ref('about/_index.md')`: the page of the current language from that source file."""
        page = self.site.pages.get((lang, rel))
        if page is None:
            raise error(f"content/{lang}/{rel}", "a template refers to this file, which does not exist")
        self._reads.add(page.key)
        return page

    def lookup(self, lang: str, rel: str) -> Page | None:
        """Templates' `lookup('contact.md')`: the page from that source file, or None if there is none."""
        page = self.site.pages.get((lang, rel))
        if page is not None:
            self._reads.add(page.key)
        return page

    def neighbours(self, page: Page, count: int) -> list[Page]:
        """Up to `count` pages of `page`'s section around it (a window, so long sections stay cheap)."""
        if page.section is None:
            return []
        keys = self.site.children.get((page.lang, page.section), ())
        try:
            at = keys.index(page.key)
        except ValueError:
            return []
        start = max(0, min(at - count // 2, len(keys) - count))
        return self.pages(keys[start:start + count])

    def context(self, page: Page, **extra: Any) -> dict[str, Any]:
        lang = page.lang
        self._reads.update((page.key, self.site.home(lang).key))
        original = translations.original(self.site, page)
        if original is not None:
            self._reads.add(original.key)
        switcher = self.switcher(page)
        ctx = {
            "site": self.site_context[lang], "page": page, "lang": lang,
            "locale": self.config.language(lang).locale,
            "content": self.content(page), "toc": body.toc if (body := self.bodies.get(page.key)) else (),
            "canonical": self.absolute(page.url), "alternates": self.alternates(page),
            "switcher": switcher, "untranslated": [s for s in switcher if not s.available],
            "breadcrumbs": self.breadcrumbs(page),
            "children": self.pages(self.site.children.get(page.key, ())),
            "subsections": self.pages(self.site.subsections.get(page.key, ())),
            "page_tags": [self._tag(lang, name) for name in page.tags],
            "paginator": None,
            "ref": lambda rel: self.ref(lang, rel),
            "asset": self.asset,
            "stale_original": original if translations.is_stale(self.site, page) else None,
            "jsonld": seo.structured_data(self.site, page, self.absolute(page.url), self.share_image()),
            "search_aliases": search.search_aliases(page.title, page.body) if self.config.search else "",
            "lookup": lambda rel: self.lookup(lang, rel),
            "neighbours": lambda count=10: self.neighbours(page, count),
            "pages_in": lambda rel: self.pages(self.site.children.get((lang, rel), ())),
            "content_of": self.content,
            "exports": ([{"format": f, "url": f"{page.url}data.{f}"} for f in ("csv", "json")]
                        if isinstance(page.params.get("export"), str) and page.kind == "section" else []),
        }
        ctx.update(extra)
        return ctx

    def _tag(self, lang: str, name: str) -> Tag:
        """The tag a page names (spellings that differ only in case or marks are one tag)."""
        found = self._tags.get((lang, name))
        if found is None:
            found = self._tags[(lang, name)] = self._tag_by_slug(lang, slugify(name) or "tag")
        return found

    def _tag_by_slug(self, lang: str, slug: str) -> Tag:
        return next(t for t in self.site.tags[lang] if t.slug == slug)

    # -- outputs -----------------------------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        """Everything rendered from templates or the model, as independent units of work in a fixed order."""
        jobs: list[Job] = [("page", lang, rel) for lang, rel in self.site.pages]
        for lang in self.config.codes:
            jobs.append(("tags", lang, ""))
            jobs.extend(("tag", lang, tag.slug) for tag in self.site.tags.get(lang, ()))
            jobs.append(("feed", lang, ""))
        jobs += [("sitemap", "", ""), ("special", "", "")]
        return jobs

    def job_weight(self, job: Job) -> int:
        """About how many pages' worth of rendering `job` is (a list job renders one page per chunk of
        entries), so that the work can be shared out evenly."""
        kind, lang, name = job
        if kind == "page":
            return 1 + len(self.site.children.get((lang, name), ())) // self.config.pagination
        if kind == "tag":
            return 1 + len(self._tag_by_slug(lang, name).pages) // self.config.pagination
        if kind == "sitemap":
            return 1 + len(self.site.pages) // 20
        return 4

    def job_outputs(self, job: Job, only: set[PageKey] | None = None) -> Iterator[Output]:
        """The files of one job; for a list, with `only`, just its pages that show one of those."""
        kind, lang, name = job
        if kind == "page":
            yield from self.page_outputs(self.site.pages[(lang, name)], only)
        elif kind == "tags":
            yield self.tag_index(lang)
        elif kind == "tag":
            yield from self.tag_pages(lang, self._tag_by_slug(lang, name), only)
        elif kind == "feed":
            yield self.feed(lang)
        elif kind == "sitemap":
            yield self.sitemap()
        else:
            yield from self.special_pages()

    def outputs_of_site(self) -> Iterator[Output]:
        """The files that are no job's: robots.txt, hosting configs, static files."""
        yield Output("robots.txt", seo.robots(self.site))
        for name, data in hosting.configs(self.config, self.fingerprinted).items():
            yield Output(name, data)
        for asset in self.site.assets:
            yield Output(self.fingerprinted.get(asset.output, asset.output), source=asset.source)

    def special_pages(self) -> Iterator[Output]:
        """Each language's 404 and search page, and the root's language chooser."""
        for lang in self.config.codes:
            yield self.not_found(lang)
            if self.config.search:
                yield self.search_page(lang)
        yield self.chooser()

    def feed(self, lang: str) -> Output:
        bodies = {p.key: body.html for p in feeds.feed_pages(self.site, lang) if (body := self.bodies.get(p.key))}
        return Output(f"{lang}/feed.xml", feeds.atom(self.site, lang, bodies, self.config.base_url))

    def sitemap(self) -> Output:
        return Output("sitemap.xml", seo.sitemap(self.site, []))

    def page_outputs(self, page: Page, only: set[PageKey] | None = None) -> Iterator[Output]:
        """The page's file (or a section's list pages and exports), recording what they read; with
        `only`, just the list pages that show one of those pages (what they read is then not recorded)."""
        self._reads = set()
        yield from self._page_outputs(page, only)
        if only is None:
            self.deps[page.key] = self._reads

    def _page_outputs(self, page: Page, only: set[PageKey] | None) -> Iterator[Output]:
        env = self.envs[page.lang]
        names = [f"{page.template}.html"] + ([f"{page.kind}.html"] if page.kind != "page" else []) + ["page.html"]
        template = get_template(env, names)
        if page.kind != "section":
            yield Output(page.output, self._render(template, self.context(page), page.path))
            return
        yield from self.export_outputs(page)
        children = self.site.children.get(page.key, ())
        # A directory (a section that exports its entries) or `paginate: false` lists everything at once.
        whole = page.params.get("paginate") is False or isinstance(page.params.get("export"), str)
        size = max(1, len(children)) if whole else self.config.pagination
        chunks = [children[i:i + size] for i in range(0, len(children), size)] or [()]
        for number, chunk in enumerate(chunks, start=1):
            if only is not None and only.isdisjoint(chunk):
                continue
            url = page.url if number == 1 else f"{page.url}page/{number}/"
            paginator = self._paginator(page.url, number, len(chunks))
            ctx = self.context(page, children=self.pages(chunk), paginator=paginator)
            if number > 1:
                ctx["canonical"] = self.absolute(url)
            yield Output(self.out(url), self._render(template, ctx, page.path))

    def export_outputs(self, page: Page) -> Iterator[Output]:
        """A section with `export: <field>` also writes its entries as data.csv and data.json."""
        field = page.params.get("export")
        if not isinstance(field, str):
            return
        records = exports.rows(self.pages(self.site.children.get(page.key, ())), field, self.config.base_url)
        folder = page.output[: -len("index.html")]
        yield Output(folder + "data.csv", exports.to_csv(records))
        yield Output(folder + "data.json", exports.to_json(records, field))

    @staticmethod
    def _paginator(base: str, number: int, total: int) -> dict[str, Any]:
        def url(n: int) -> str:
            return base if n == 1 else f"{base}page/{n}/"

        return {"number": number, "total": total, "prev_url": url(number - 1) if number > 1 else None,
                "next_url": url(number + 1) if number < total else None,
                "pages": [{"number": n, "url": url(n), "current": n == number} for n in range(1, total + 1)]}

    def tag_outputs(self, lang: str) -> Iterator[Output]:
        """The list of a language's tags and each tag's pages."""
        yield self.tag_index(lang)
        for tag in self.site.tags.get(lang, ()):
            yield from self.tag_pages(lang, tag)

    def tag_index(self, lang: str) -> Output:
        home = self.site.home(lang)
        base = f"{self.config.base_path}{lang}/tags/"
        index = Page(lang=lang, rel="tags/", path=Path("tags"), kind="tags", title="", url=base,
                     section="_index.md", translation_key="sitegen:tags")
        ctx = self._list_context(index, home, tags=self.site.tags.get(lang, ()))
        return Output(self.out(base), self._render(get_template(self.envs[lang], ["tags.html"]), ctx, home.path))

    def tag_pages(self, lang: str, tag: Tag, only: set[PageKey] | None = None) -> Iterator[Output]:
        home = self.site.home(lang)
        template = get_template(self.envs[lang], ["tag.html"])
        size = self.config.pagination
        chunks = [tag.pages[i:i + size] for i in range(0, len(tag.pages), size)]
        for number, chunk in enumerate(chunks, start=1):
            if only is not None and only.isdisjoint(chunk):
                continue
            url = tag.url if number == 1 else f"{tag.url}page/{number}/"
            page = Page(lang=lang, rel=f"tags/{tag.slug}", path=Path("tags"), kind="tag", title=tag.name,
                        url=url, section="_index.md", translation_key=f"sitegen:tag:{tag.slug}")
            ctx = self._list_context(page, home, tag=tag, children=self.pages(chunk),
                                     paginator=self._paginator(tag.url, number, len(chunks)))
            yield Output(self.out(url), self._render(template, ctx, home.path))

    def _list_context(self, page: Page, home: Page, **extra: Any) -> dict[str, Any]:
        """Context for generated pages (tags, 404): the switcher leads to the same list in each language."""
        base = self._home_contexts.get(home.key)
        if base is None:  # the same for each of the (thousands of) tag pages of a language
            base = self._home_contexts[home.key] = self.context(home)
        ctx = {**base, **extra}
        ctx.update(page=page, content=Markup(""), toc=(), canonical=self.absolute(page.url),
                   breadcrumbs=[Link(home.title, home.url)], children=extra.get("children", []), subsections=[])
        tail = page.url[len(f"{self.config.base_path}{page.lang}/"):]
        if page.kind == "tags":
            ctx["switcher"] = [Link(s.title, f"{self.config.base_path}{s.code}/{tail}", s.code, s.current, True)
                               for s in ctx["switcher"]]
            ctx["alternates"] = [self.alternate(s.code, s.url) for s in ctx["switcher"]]
        else:
            ctx["alternates"] = []
        ctx["untranslated"] = [s for s in ctx["switcher"] if not s.available]
        return ctx

    def not_found(self, lang: str) -> Output:
        home = self.site.home(lang)
        page = Page(lang=lang, rel="404", path=Path("404"), kind="404", title="", url=f"{self.config.base_path}{lang}/404.html",
                    section="_index.md", translation_key="sitegen:404")
        ctx = self._list_context(page, home)
        ctx["switcher"] = [Link(s.title, self.site.home(s.code).url, s.code, s.current, True)
                           for s in ctx["switcher"]]
        ctx["canonical"] = None
        return Output(f"{lang}/404.html", self._render(get_template(self.envs[lang], ["404.html"]), ctx, home.path))

    def search_page(self, lang: str) -> Output:
        """The search page of one language; its script queries that language's Pagefind index."""
        home = self.site.home(lang)
        url = f"{self.config.base_path}{lang}/search/"
        page = Page(lang=lang, rel="search/", path=Path("search"), kind="search", title="", url=url,
                    section="_index.md", translation_key="sitegen:search")
        ctx = self._list_context(page, home)
        ctx["switcher"] = [Link(s.title, f"{self.config.base_path}{s.code}/search/", s.code, s.current, True)
                           for s in ctx["switcher"]]
        ctx["alternates"] = [self.alternate(s.code, s.url) for s in ctx["switcher"]]
        ctx["untranslated"] = []
        ctx["bundle"] = f"{self.config.base_path}{search.BUNDLE}/"
        return Output(self.out(url), self._render(get_template(self.envs[lang], ["search.html"]), ctx, home.path))

    def chooser(self) -> Output:
        """The root page: choose a language (by the browser's languages with JavaScript, by links without)."""
        lang = self.config.default_language
        home = self.site.home(lang)
        ctx = self.context(home)
        ctx["homes"] = [{"code": lg.code, "name": lg.name, "url": self.site.home(lg.code).url,
                         "title": self.config.title.get(lg.code, ""), "locale": lg.locale}
                        for lg in self.config.languages]
        ctx["canonical"] = self.absolute(self.config.base_path)
        ctx["alternates"] = ([self.alternate(h["code"], h["url"]) for h in ctx["homes"]]
                             + [self.alternate("x-default", self.config.base_path)])
        template = get_template(self.envs[lang], ["chooser.html"])
        return Output("index.html", self._render(template, ctx, home.path))

    @staticmethod
    def _render(template: jinja2.Template, ctx: dict[str, Any], source: Path) -> bytes:
        return render(template, ctx, source).encode("utf-8")



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
