"""What templates see: the per-language site context and each page's context.

Every page read while a context is made (lists, switcher, breadcrumbs, `ref()`) is added to the
`Reads` set of the job that asked for it, so a rebuild knows which outputs an edit affects. Each job has
its own set: nothing read for one job leaks into another's dependencies.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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

    def absolute(self, url: str) -> str:
        return urls.absolute(self.config.base_url, url)

    def alternate(self, code: str, url: str) -> dict[str, str]:
        """One hreflang alternate: the language code (or x-default), absolute URL and locale."""
        language = self.config.language(self.config.default_language if code == "x-default" else code)
        return {"hreflang": code, "href": self.absolute(url), "locale": language.locale}

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
        chain = []
        section = page.section
        while section is not None:
            sec = self.site.pages[(page.lang, section)]
            reads.add(sec.key)
            chain.append(Link(sec.title, sec.url))
            section = sec.section
        return list(reversed(chain))

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
        if page.section is None:
            return []
        keys = self.site.children.get((page.lang, page.section), ())
        try:
            at = keys.index(page.key)
        except ValueError:
            return []
        start = max(0, min(at - count // 2, len(keys) - count))
        return self.pages(keys[start:start + count], reads)

    def page(self, page: Page, reads: Reads, **extra: Any) -> dict[str, Any]:
        """The context of a page of the content; what it reads goes into `reads`."""
        lang = page.lang
        reads.update((page.key, self.site.home(lang).key))
        original = translations.original(self.site, page)
        if original is not None:
            reads.add(original.key)
        switcher = self.switcher(page, reads)
        ctx = {
            "site": self.site_context[lang], "page": page, "lang": lang,
            "locale": self.config.language(lang).locale,
            "content": self.content(page, reads), "toc": body.toc if (body := self.bodies.get(page.key)) else (),
            "canonical": self.absolute(page.url), "alternates": self.alternates(page),
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
            "jsonld": seo.structured_data(self.site, page, self.absolute(page.url),
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
        return ctx


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
    ident = "map-" + hashlib.sha256(page.url.encode()).hexdigest()[:8]
    return {"svg": Markup(geomap.draw(places, outline, title, ident)), "source": outline.source,
            "licence": outline.licence, "id": ident,
            "items": [{"name": p.name, "url": p.url, "kind": p.kind, "shown": not math.isnan(p.lat)}
                      for p in places]}
