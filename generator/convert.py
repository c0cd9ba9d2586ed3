"""Each page's Markdown as HTML, converted when first asked for, in whichever process asks.

Workers that render pages convert the pages they render, so a page's HTML is made once and never
travels between processes. Converted bodies go to the persistent cache, keyed by their text, their
folder and the site's link targets, so a later build reads instead of converting: straight into its
database, or, in a build whose keeper (generator.keeper) will put them there, into a spool file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from generator.cache import Cache, fingerprint, markdown_key, spool_markdown
from generator.errors import SitegenError
from generator.images import Pictures
from generator.markdown import Converter, Rendered
from generator.model import Page, Site

PageKey = tuple[str, str]


def link_targets(site: Site) -> dict[str, str]:
    """Map `<lang>/<source path>` of every page and content file to its URL."""
    targets = {f"{p.lang}/{p.rel}": p.url for p in site.pages.values()}
    content = site.config.content_dir
    for asset in site.assets:
        if asset.source.is_relative_to(content):
            rel = asset.source.relative_to(content).as_posix()
            targets[rel] = site.config.base_path + asset.output
    return targets


def _source_dir(page: Page) -> str:
    folder = page.rel.rsplit("/", 1)[0] if "/" in page.rel else ""
    return f"{page.lang}/{folder}".rstrip("/")


class Bodies:
    """The rendered Markdown of a site's pages, made on first use and kept until `forget`.

    `cache_root` is the site folder whose persistent cache to read and fill (None: no cache). With `spool`
    (a name for this build), what is converted goes to spool files by that name, which the build's keeper
    puts in the cache (`keep`), with keys it works out itself; with `look` False the cache is known to hold
    no converted Markdown (a cold build: no query). Bodies of `previous` (the same site before an edit) are
    reused where the text and the links are the same.
    """

    def __init__(self, site: Site, cache_root: Path | None = None, previous: Bodies | None = None,
                 pictures: Pictures | None = None, spool: str | None = None, look: bool = True) -> None:
        self.site = site
        self.links = link_targets(site)
        self.pictures = pictures or Pictures(site.config.base_path)  # images as <picture>s (generator.images)
        same = (previous is not None and previous.links == self.links
                and previous.pictures.digest == self.pictures.digest)
        self._links_digest: str = (previous._links_digest if same and previous is not None
                                   else fingerprint([sorted(self.links.items()), self.pictures.digest]))
        self._cache_root = cache_root
        self._spool = spool
        self._look = look
        self._cache: Cache | None = None
        self._cache_pid = 0
        self._converter: Converter | None = None
        self._memo: dict[PageKey, Rendered] = {}
        self._fresh: dict[PageKey, Rendered] = {}  # converted here, not yet in the cache
        self._looked: set[PageKey] = set()  # looked for in the cache already
        self._digests: dict[PageKey, str] = {}  # their cache keys
        if same and previous is not None:
            for key, rendered in previous._memo.items():
                old, new = previous.site.pages.get(key), site.pages.get(key)
                if old is not None and new is not None and old.body == new.body and old.rel == new.rel:
                    self._memo[key] = rendered

    def get(self, key: PageKey) -> Rendered | None:
        """The page's HTML, table of contents and link problems (None for a list page without text)."""
        found = self._memo.get(key)
        if found is not None:
            return found
        page = self.site.pages.get(key)
        if page is None or (not page.body and page.kind != "page"):
            return None
        if key not in self._looked:
            self.prefetch([key])
        found = self._memo.get(key)
        if found is None:
            if self._converter is None:
                self._converter = Converter(unsafe_html=self.site.config.unsafe_html)
            found = self._converter.convert(page.body, _source_dir(page), self.links.get, page.body_line)
            if self.pictures.by_url:
                found = Rendered(self.pictures.rewrite(found.html), found.toc, found.problems)
            self._memo[key] = found
            if self._cache_root is not None:
                self._fresh[key] = found
        return found

    def prefetch(self, keys: Iterable[PageKey]) -> None:
        """Read the bodies of `keys` that the persistent cache holds, in one query."""
        cache = self._open() if self._look else None
        if cache is None:
            return
        wanted = {self._key(page): page.key for k in keys if k not in self._memo and k not in self._looked
                  and (page := self.site.pages.get(k)) is not None and (page.body or page.kind == "page")}
        self._looked.update(wanted.values())
        self._digests.update((k, digest) for digest, k in wanted.items())
        for digest, rendered in cache.get_markdown(list(wanted)).items():
            self._memo[wanted[digest]] = rendered

    def flush(self) -> None:
        """Put what this process converted into the persistent cache (or the build's spool)."""
        if self._fresh and self._spool is not None and self._cache_root is not None:
            spool_markdown(self._cache_root, self._spool, self._fresh.items())
        elif self._fresh and (cache := self._open()) is not None:
            cache.put_markdown((self._digests.get(k) or self._key(self.site.pages[k]), r)
                               for k, r in self._fresh.items())
        self._fresh.clear()

    def keep(self, cache: Cache) -> None:
        """Put what this build's workers spooled into `cache` (in its keeper, after the output is written)."""
        self.flush()
        if self._spool is not None:
            cache.merge_spool(self._spool, self._cache_key)

    def _cache_key(self, key: PageKey) -> str | None:
        """The cache key of a page a worker converted (None: none to be had, as when a page restored from
        the cache has no body here and its file changed since)."""
        page = self.site.pages.get(key)
        try:
            return self._key(page) if page is not None else None
        except SitegenError:
            return None

    def forget(self) -> None:
        """Drop the bodies held in memory (a worker, between chunks)."""
        self._memo.clear()
        self._looked.clear()
        self._digests.clear()

    def _key(self, page: Page) -> str:
        return markdown_key(page.body, _source_dir(page), self.site.config.unsafe_html, self._links_digest)

    def _open(self) -> Cache | None:
        """This process's connection to the cache (a forked worker opens its own)."""
        if self._cache_root is None:
            return None
        if self._cache is None or self._cache_pid != os.getpid():
            self._cache, self._cache_pid = Cache(self._cache_root), os.getpid()
        return self._cache

    def close(self) -> None:
        if self._cache is not None and self._cache_pid == os.getpid():
            self._cache.close()
        self._cache = None
