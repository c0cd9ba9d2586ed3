"""What templates see: the per-language site context and each page's context.

Every page read while a context is made (lists, switcher, breadcrumbs, `ref()`) is added to the
`Reads` set of the job that asked for it, so a rebuild knows which outputs an edit affects. Each job has
its own set: nothing read for one job leaks into another's dependencies.

What is the same on every page of a section (breadcrumbs, page positions: `Sections`) or of a language
(partials rendered by templates' `shared()`: `Fragments`) is worked out once and reused, reads included.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from generator import feeds, geomap, images, seo, translations, urls, video
from generator.convert import Bodies
from generator.errors import error
from generator.model import Page, PageKey, Site, Tag
from generator.slugs import slugify

Reads = set[PageKey]


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


class Contexts:
    """Makes template contexts from the site model and the converted Markdown bodies."""

    def __init__(self, site: Site, bodies: Bodies, fingerprinted: dict[str, str]) -> None:
        self.site = site
        self.config = site.config
        self.bodies = bodies
        self.fingerprinted = fingerprinted
        self._tags: dict[tuple[str, str], Tag] = {}
        self._homes: dict[PageKey, tuple[dict[str, Any], frozenset[PageKey]]] = {}
        self._asset_urls = {a.output: self.config.base_path + fingerprinted.get(a.output, a.output)
                            for a in site.assets}
        self._share_image = self._find_share_image()
        self._locales = {lg.code: lg.locale for lg in self.config.languages}
        self.sections = Sections(site)
        self.fragments = Fragments(self.language)
        self.site_context = {code: self._site_context(code) for code in self.config.codes}

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
            "search_url": urls.search(cfg.base_path, lang) if cfg.search else None,
            "share_image": self.share_image(),
        }

    def share_image(self) -> str | None:
        """The absolute URL of the theme's image for link previews, if it has one."""
        return self._share_image

    def _find_share_image(self) -> str | None:
        rel = "assets/img/share.png"
        return self.absolute(self.config.base_path + rel) if rel in self._asset_urls else None

    def asset(self, rel: str) -> str:
        """Templates' `asset('assets/css/style.css')`: the URL of the fingerprinted file."""
        rel = rel.lstrip("/")
        found = self._asset_urls.get(rel)
        if found is None:
            raise error(rel, "a template asks for asset() of a file that is not in the theme's or site's static/")
        return found

    def absolute(self, url: str) -> str:
        return urls.absolute(self.config.base_url, url)

    def alternate(self, code: str, url: str) -> dict[str, str]:
        """One hreflang alternate: the language code (or x-default), absolute URL and locale (made each time:
        kept, they were three dicts a page, in every worker, for the whole build)."""
        locale = self._locales[self.config.default_language if code == "x-default" else code]
        return {"hreflang": code, "href": self.absolute(url), "locale": locale}

    def alternates(self, page: Page) -> list[dict[str, str]]:
        """The page in each language it exists in, and the x-default one, for hreflang links."""
        return [self.alternate(code, url) for code, url in self.site.alternates(page)]

    def switcher(self, page: Page, reads: Reads) -> list[Link]:
        out = []
        for language in self.config.languages:
            target, exact = nearest_translation(self.site, page, language.code)
            reads.add(target.key)
            out.append(Link(language.name, target.url, language.code, language.code == page.lang, exact))
        return out

    def breadcrumbs(self, page: Page, reads: Reads) -> list[Link]:
        crumbs, crumb_reads = self.sections.breadcrumbs(page.lang, page.section)
        reads.update(crumb_reads)
        return list(crumbs)

    def pages(self, keys: tuple[PageKey, ...] | list[PageKey], reads: Reads) -> list[Page]:
        reads.update(keys)
        return [self.site.pages[k] for k in keys]

    def content(self, page: Page, reads: Reads) -> Markup:
        reads.add(page.key)
        body = self.bodies.get(page.key)
        return Markup(body.html) if body else Markup("")

    def ref(self, lang: str, rel: str, reads: Reads) -> Page:
        """Templates' `ref('about/_index.md')`: the page of the current language from that source file."""
        page = self.site.pages.get((lang, rel))
        if page is None:
            raise error(f"content/{lang}/{rel}", "a template refers to this file, which does not exist")
        reads.add(page.key)
        return page

    def lookup(self, lang: str, rel: str, reads: Reads) -> Page | None:
        """Templates' `lookup('contact.md')`: the page from that source file, or None if there is none."""
        page = self.site.pages.get((lang, rel))
        if page is not None:
            reads.add(page.key)
        return page

    def neighbours(self, page: Page, count: int, reads: Reads) -> list[Page]:
        """Up to `count` pages of `page`'s section around it (a window, so long sections stay cheap)."""
        return self.pages(self.sections.window(page, count), reads)

    def language(self, lang: str, reads: Reads) -> dict[str, Any]:
        """What a partial that is the same on every page of `lang` may read (see `Fragments`)."""
        return {"site": self.site_context[lang], "lang": lang, "locale": self._locales[lang],
                "asset": self.asset, "ref": lambda rel: self.ref(lang, rel, reads),
                "lookup": lambda rel: self.lookup(lang, rel, reads),
                "pages_in": lambda rel: self.pages(self.site.children.get((lang, rel), ()), reads)}

    def page(self, page: Page, reads: Reads, **extra: Any) -> dict[str, Any]:
        """The context of a page of the content; what it reads goes into `reads`."""
        lang = page.lang
        reads.update((page.key, self.site.home(lang).key))
        original = translations.original(self.site, page)
        if original is not None:
            reads.add(original.key)
        switcher = self.switcher(page, reads)
        canonical = self.absolute(page.url)
        ctx = {
            "site": self.site_context[lang], "page": page, "lang": lang, "locale": self._locales[lang],
            "content": self.content(page, reads), "toc": body.toc if (body := self.bodies.get(page.key)) else (),
            "canonical": canonical, "alternates": self.alternates(page),
            "switcher": switcher, "untranslated": [s for s in switcher if not s.available],
            "breadcrumbs": self.breadcrumbs(page, reads),
            "children": self.pages(self.site.children.get(page.key, ()), reads),
            "subsections": self.pages(self.site.subsections.get(page.key, ()), reads),
            "page_tags": [self.tag(lang, name) for name in page.tags],
            "paginator": None,
            "ref": lambda rel: self.ref(lang, rel, reads),
            "asset": self.asset,
            "stale_original": original if translations.is_stale(self.site, page) else None,
            "image": (image := images.page_image(self.bodies.pictures, page)),  # the page's `image:`, if any
            "og_image": self.absolute(image["og"]) if image and image["og"] else None,
            "jsonld": seo.structured_data(self.site, page, canonical,
                                          self.absolute(image["og"]) if image and image["og"] else self.share_image()),
            "lookup": lambda rel: self.lookup(lang, rel, reads),
            "neighbours": lambda count=10: self.neighbours(page, count, reads),
            "pages_in": lambda rel: self.pages(self.site.children.get((lang, rel), ()), reads),
            "content_of": lambda other: self.content(other, reads),
            "gallery": images.gallery(self.bodies.pictures, page),  # the page's `gallery:` (partials/gallery.html)
            "films": video.films(page),  # the page's `video:` entries (partials/video.html)
            "locator_map": lambda parks=(), kinds=None, title="": locator_map(self.site, page, parks, kinds, title),
            "exports": ([{"format": f, "url": f"{page.url}data.{f}"} for f in ("csv", "json")]
                        if isinstance(page.params.get("export"), str) and page.kind == "section" else []),
        }
        ctx.update(extra)
        ctx["shared"] = self.fragments.bind(lang, reads, ctx)  # (partials the same on every page of `lang`)
        return ctx

    def tag(self, lang: str, name: str) -> Tag:
        """The tag a page names (spellings that differ only in case or marks are one tag)."""
        found = self._tags.get((lang, name))
        if found is None:
            found = self._tags[(lang, name)] = self.site.tag(lang, slugify(name) or "tag")
        return found

    def generated(self, page: Page, reads: Reads, **extra: Any) -> dict[str, Any]:
        """The context of a generated page of a language (tag list, 404, search): its home's context, with
        the switcher leading to the same page in each language where the page exists there."""
        home = self.site.home(page.lang)
        cached = self._homes.get(home.key)
        if cached is None:  # the same for each of the (thousands of) tag pages of a language
            home_reads: Reads = set()
            cached = self._homes[home.key] = (self.page(home, home_reads), frozenset(home_reads))
        base, home_reads_frozen = cached
        reads.update(home_reads_frozen)
        ctx = {**base, **extra}
        ctx.update(page=page, content=Markup(""), toc=(), canonical=self.absolute(page.url),
                   breadcrumbs=[Link(home.title, home.url)], children=extra.get("children", []), subsections=[])
        root = urls.language_root(self.config.base_path, page.lang)
        tail = page.url[len(root):]
        if page.kind in ("tags", "search"):  # these exist in every language
            ctx["switcher"] = [Link(s.title, urls.language_root(self.config.base_path, s.code) + tail, s.code,
                                    s.current, True) for s in base["switcher"]]
            ctx["alternates"] = [self.alternate(s.code, s.url) for s in ctx["switcher"]]
        elif page.kind == "404":
            ctx["switcher"] = [Link(s.title, self.site.home(s.code).url, s.code, s.current, True)
                               for s in base["switcher"]]
            ctx["alternates"] = []
            ctx["canonical"] = None
        else:
            ctx["alternates"] = []
        ctx["untranslated"] = [s for s in ctx["switcher"] if not s.available]
        ctx["shared"] = self.fragments.bind(page.lang, set(), ctx)  # (its reads are not kept, as its lookup()'s)
        return ctx


class Sections:
    """What is the same for every page of a section, worked out once per section: its breadcrumbs and where
    each of its pages stands (for the aside's window of neighbours)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._crumbs: dict[tuple[str, str | None], tuple[tuple[Link, ...], frozenset[PageKey]]] = {}
        self._places: dict[PageKey, dict[PageKey, int]] = {}

    def breadcrumbs(self, lang: str, section: str | None) -> tuple[tuple[Link, ...], frozenset[PageKey]]:
        """The links from the language's home down to `section`, and the pages they read."""
        found = self._crumbs.get((lang, section))
        if found is None:
            chain, reads, rel = [], set(), section
            while rel is not None:
                sec = self.site.pages[(lang, rel)]
                reads.add(sec.key)
                chain.append(Link(sec.title, sec.url))
                rel = sec.section
            found = self._crumbs[(lang, section)] = (tuple(reversed(chain)), frozenset(reads))
        return found

    def window(self, page: Page, count: int) -> tuple[PageKey, ...]:
        """Up to `count` pages of `page`'s section around it."""
        if page.section is None:
            return ()
        section = (page.lang, page.section)
        keys = self.site.children.get(section, ())
        places = self._places.get(section)
        if places is None:
            places = self._places[section] = {key: i for i, key in reversed(list(enumerate(keys)))}
        at = places.get(page.key)
        if at is None:
            return ()
        start = max(0, min(at - count // 2, len(keys) - count))
        return keys[start:start + count]


class Fragments:
    """Templates' `shared("partials/footer.html")`: a partial that is the same on every page of a language,
    rendered once per language and reused, with the pages it read added to each page's reads. With values,
    `shared("partials/card.html", child=child)`, it is rendered once per language and values (a page
    stands for its key).

    Such a partial sees only the language's context (`Contexts.language`: site, lang, locale, asset, ref,
    lookup, pages_in) and its values. One that reads anything else of the page (a site's own override, say)
    is rendered each time with the page's context instead, as `{% include %}` would but without variables
    the including template set. (So a shared partial must not branch on `page is defined`: it would be
    rendered once, without the page.)"""

    def __init__(self, language: Callable[[str, Reads], dict[str, Any]]) -> None:
        self._language = language
        self._made: dict[tuple[Any, ...], tuple[Markup, frozenset[PageKey]] | None] = {}

    def bind(self, lang: str, reads: Reads, page: dict[str, Any]) -> Callable[..., Markup]:
        """`shared()` for a page of `lang` whose context is `page` and whose reads go into `reads`."""

        @jinja2.pass_environment  # (not the context, which Jinja would copy for each call in a loop)
        def shared(env: jinja2.Environment, name: str, **values: Any) -> Markup:
            key = (lang, name, *[(k, _identity(v)) for k, v in values.items()]) if values else (lang, name)
            try:
                made = self._made.get(key, _UNSEEN)  # (one hash of the key: a run of links costs ten)
            except TypeError:  # a value that cannot be a key: rendered each time
                return Markup(env.get_template(name).render({**page, **values}))
            if made is _UNSEEN:
                made = self._render(env, key, values)
            if made is None:
                return Markup(env.get_template(name).render({**page, **values}))
            reads.update(made[1])
            return made[0]

        return shared

    def _render(self, env: jinja2.Environment, key: tuple[Any, ...],
                values: dict[str, Any]) -> tuple[Markup, frozenset[PageKey]] | None:
        own: Reads = set()
        try:
            made = (Markup(env.get_template(key[1]).render({**self._language(key[0], own), **values})),
                    frozenset(own))
        except jinja2.UndefinedError:  # it reads the page's own variables
            made = None
        self._made[key] = made
        return made


_UNSEEN: tuple[Markup, frozenset[PageKey]] = (Markup(""), frozenset())  # (compared by identity)


def _identity(value: Any) -> Any:
    """What `value` is, as part of a key: a page's key, a list's items, the value itself."""
    if isinstance(value, Page):
        return ("page", value.key)
    if isinstance(value, list):
        return tuple(_identity(v) for v in value)
    return value


def locator_map(site: Site, page: Page, parks: Iterable[Page], kinds: Sequence[str] | None,
                title: str) -> dict[str, Any] | None:
    """Templates' `locator_map(parks, kinds)`: an SVG map of `parks` (pages with `park: {lat, lon}`) and the
    places of data/places.yaml of `kinds` (all when None), with the list of them all; None without an
    outline in data/geo/."""
    outline = geomap.load_outline(site.config.root)
    if outline is None:
        return None
    places = [geomap.park_place(p.title, p.url, p.params) or geomap.Place(p.title, math.nan, math.nan, "park",
                                                                           p.url) for p in parks]
    places += geomap.places_from_data(site.data.get("places"), page.lang, site.config.default_language, kinds)
    box = geomap.Projection(outline.box)  # (only the places the map shows are numbered, as in its list)
    places = [p for p in places if not math.isnan(p.lat) and box.inside(p.lon, p.lat)]
    ident = "map-" + hashlib.sha256(page.url.encode()).hexdigest()[:8]
    return {"svg": Markup(geomap.draw(places, outline, title, ident)), "source": outline.source,
            "licence": outline.licence, "id": ident,
            "items": [{"name": p.name, "url": p.url, "kind": p.kind, "shown": True} for p in places]}
