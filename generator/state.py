"""What a build keeps in the cache for the next `sitegen build`, and how it comes back.

After an edit, the command line starts from the last build as `sitegen serve` does from memory: its site
model (the pages without their Markdown bodies, which a page reads from its file when it is rendered
again), its outline, the pages each output read, and what the output folder held. So a one-page edit
reads one file, not every file of the site.

The values are kept as pickles of plain values (tuples, strings, numbers, dates) and read back by an
unpickler that knows no class but dates and sets: nothing in the cache can make code run.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from generator.cache import Stats, dumps, fingerprint, loads, scan
from generator.config import Config
from generator.model import Asset, Page, PageKey, Site, Tag
from generator.plan import Deps, Outline, PageFacts

T = TypeVar("T")

_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Page) if f.name != "source_body")
_PATH = _PAGE_FIELDS.index("path")
_FACTS = tuple(f.name for f in dataclasses.fields(PageFacts))


# -- the site model without its bodies, its outline and dependencies, in shards ----------------------------
SHARDS = 64  # pages (and output files) are kept in this many groups: an edit rewrites the groups it touches
Entry = tuple[Any, Any, Any]  # a page's fields (path as text), its outline facts, the pages it read (or None),
# these as their places in the site's order of pages


def _shard(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % SHARDS


def _page_shard(key: PageKey) -> int:
    return _shard(f"{key[0]}/{key[1]}")


@dataclass(frozen=True)
class Last:
    """The last build's site model, outline, dependencies and output digests, as kept."""

    site: Site
    outline: Outline
    deps: Deps
    digests: dict[str, str]  # output path -> SHA-256
    structure: tuple[Any, ...]  # what `_structure` gave for the site model


def _structure(site: Site, outline: Outline) -> tuple[Any, ...]:
    """What the site model and outline hold beside their pages, as plain values (the config is not kept:
    a build loads it again)."""
    tags = {lang: [(t.lang, t.name, t.slug, t.url, t.pages) for t in ts] for lang, ts in site.tags.items()}
    return (_PAGE_FIELDS, _FACTS, list(site.pages), site.children, site.subsections, site.translations, tags,
            [(str(a.source), a.output) for a in site.assets], [str(p) for p in site.theme_dirs], site.data,
            outline.lists, outline.tags, outline.pagination)


def _differ(a: object, b: object) -> bool:
    return a is not b and a != b


_FIELDS_OF = operator.attrgetter(*_PAGE_FIELDS)


def _row(page: Page) -> tuple[Any, ...]:
    values = list(_FIELDS_OF(page))
    values[_PATH] = str(values[_PATH])
    return tuple(values)


def _make(cls: type[T], names: Sequence[str], values: Iterable[Any]) -> T:
    """An instance of the frozen dataclass `cls` with these field values, made as pickle makes one (its
    checked `__init__` sets each field through `object.__setattr__`, several times slower)."""
    obj = object.__new__(cls)
    obj.__dict__.update(zip(names, values, strict=True))
    return obj


def _restore(config: Config, structure: Any, entries: dict[PageKey, Entry], digests: dict[str, str]) -> Last:
    """The last build from its kept parts; ValueError if they were kept by another version of the model."""
    (fields, facts, order, children, subsections, translations, tags, assets, themes, data, lists, outline_tags,
     pagination) = structure
    if tuple(fields) != _PAGE_FIELDS or tuple(facts) != _FACTS:
        raise ValueError("the kept site model has other fields")
    pages: dict[PageKey, Page] = {}
    names = (*_PAGE_FIELDS, "source_body")
    for key in order:
        values = [*entries[key][0], None]  # (the body, the last field, is read when asked for)
        values[_PATH] = Path(values[_PATH])
        pages[key] = _make(Page, names, values)
    site = Site(config=config, pages=pages, children=children, subsections=subsections, translations=translations,
                tags={lang: tuple(Tag(*t) for t in ts) for lang, ts in tags.items()},
                assets=tuple(Asset(Path(s), o) for s, o in assets), theme_dirs=tuple(Path(p) for p in themes),
                data=data)
    outline = Outline(pages={k: _make(PageFacts, _FACTS, entries[k][1]) for k in order}, lists=lists, tags=outline_tags,
                      pagination=pagination)
    deps = {k: frozenset(order[i] for i in reads) for k, (_, _, reads) in entries.items() if reads is not None}
    return Last(site, outline, deps, digests, structure)


@dataclass(frozen=True)
class Inputs:
    """What a build is made from, cheaply: a fingerprint of everything but the Markdown pages (sitegen's
    code, the options, every other input file's size and time), the Markdown pages, and each one's size
    and time (`pages`). Those are taken before anything is read where a kept state may be used
    (`stamped()`); a build without one has them from reading the pages (`stamped(read)`, by its keeper):
    each page is looked at once."""

    others: str
    markdown: tuple[str, ...]
    pages: Stats | None = None  # None: not taken yet

    def stamped(self, read: Mapping[str, tuple[int, int]] | None = None) -> Inputs:
        """These inputs with each page's size and time: as the build found it when it read it (`read`),
        else as it is now (the pages it did not read, or all)."""
        read = read or {}
        pages: Stats = {}
        for path in self.markdown:
            stamp = read.get(path)
            if stamp is None:
                try:
                    st = os.stat(path)
                except OSError:  # gone
                    continue
                stamp = (st.st_size, st.st_mtime_ns)
            pages[path] = stamp
        pages.update(read)  # (and a page added after the build listed them, as read)
        return dataclasses.replace(self, pages=pages)


@dataclass(frozen=True)
class Kept:
    """The last build as the cache keeps it, when the output folder is as that build left it."""

    cache: Any  # generator.cache.Cache
    pages: Stats  # the Markdown pages it was made from
    output: Stats  # the output folder's files, as they are (and were after it)
    marked: frozenset[PageKey]  # the pages whose Markdown shows images
    summary: dict[str, Any]

    def changed(self, inputs: Inputs) -> set[Path]:
        """The Markdown pages edited, added or removed since (`inputs` stamped)."""
        now, then = inputs.pages or {}, self.pages
        return {Path(p) for p in now.keys() | then.keys() if now.get(p) != then.get(p)}

    def last(self, config: Config) -> Last | None:
        """The last build's site model and the rest, or None if what was kept cannot be used."""
        try:
            blobs = self.cache.get_blobs()
            entries: dict[PageKey, Entry] = {}
            digests: dict[str, str] = {}
            for n in range(SHARDS):
                entries.update(loads(blobs[f"page/{n}"]))
                digests.update(loads(blobs[f"digest/{n}"]))
            return _restore(config, loads(blobs["structure"]), entries, digests)
        except Exception:  # noqa: BLE001 - whatever is wrong with a kept state, a build does without it
            return None

    def patched(self, output: Path, written: Iterable[str]) -> Stats:
        """The output folder's files after `written` (paths below it) were replaced, without walking it."""
        stats = dict(self.output)
        for rel in written:
            st = (output / rel).stat()
            stats[str(output / rel)] = (st.st_size, st.st_mtime_ns)
        return stats


def _output_digest(stats: Stats) -> str:
    return fingerprint([sorted(stats.items())])


def read(cache: Any, output: Path, inputs: Inputs) -> Kept | None:
    """What the last build kept, if the inputs other than the pages and the output folder are as it left
    them; None otherwise, or if what was kept cannot be read."""
    if not output.is_dir() or cache.get_blob("inputs") != inputs.others.encode():
        return None
    try:
        head = loads(cache.get_blob("head") or b"")
        stats = scan([output])
        if head["output"] != _output_digest(stats):
            return None
        return Kept(cache, head["pages"], stats, head["marked"], head["summary"])
    except Exception:  # noqa: BLE001 - as above
        return None


def write(cache: Any, inputs: Inputs, output: Stats, build: Any, marked: frozenset[PageKey],
          summary: dict[str, Any], last: Last | None, written: Iterable[str] | None) -> None:
    """Keep this build's state (a `generator.build.BuildState`) for the next one. With the `last` build it
    started from and the output files it `written` (None: all), only the shards that changed are written."""
    site, outline, deps = build.site, build.outline, build.deps
    assert inputs.pages is not None, "stamped inputs"
    blobs = {"inputs": inputs.others.encode(),
             "head": dumps({"pages": inputs.pages, "output": _output_digest(output), "marked": marked,
                            "summary": summary})}
    structure = _structure(site, outline)
    if last is None or structure != last.structure:
        blobs["structure"] = dumps(structure)
    keys = site.pages.keys() | deps.keys()
    place = {key: i for i, key in enumerate(site.pages)}
    if last is None or structure[2] != last.structure[2]:  # (the order of pages, which reads refer to)
        dirty = set(range(SHARDS))
    else:
        gone = (last.site.pages.keys() | last.deps.keys()) - keys
        dirty = {_page_shard(k) for k in keys | gone
                 if last.site.pages.get(k) is not site.pages.get(k) or _differ(last.deps.get(k), deps.get(k))}
    if dirty:
        shards: dict[int, dict[PageKey, Entry]] = {n: {} for n in dirty}
        for key in keys:
            n = _page_shard(key)
            if n in dirty:
                page = site.pages.get(key)
                facts = outline.pages.get(key)
                reads = deps.get(key)
                try:
                    places = None if reads is None else sorted(map(place.__getitem__, reads))
                except KeyError:  # an output read a page the site does not have: keep nothing
                    cache.put_blobs({"inputs": b""})
                    return
                shards[n][key] = (_row(page) if page else None,
                                  tuple(getattr(facts, f) for f in _FACTS) if facts else None, places)
        blobs.update((f"page/{n}", dumps(entries)) for n, entries in shards.items())
    files: dict[int, dict[str, str]] = {}
    changed_files = None if last is None or written is None else {_shard(p) for p in written}
    for path, digest in build.digests.items():
        n = _shard(path)
        if changed_files is None or n in changed_files:
            files.setdefault(n, {})[path] = digest
    for n in (range(SHARDS) if changed_files is None else changed_files):
        blobs[f"digest/{n}"] = dumps(files.get(n, {}))
    cache.put_blobs(blobs)


__all__ = ["Inputs", "Kept", "Last", "dumps", "loads", "read", "write"]  # (dumps and loads: generator.cache)
