"""Assemble and check the site model: URLs, sections, translations, tags, collisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath
from collections import defaultdict
from pathlib import Path
from typing import Any

from generator import discover, urls
from generator.config import Config
from generator.errors import Problems, SitegenError, display_path
from generator.frontmatter import Source, SourceCache, read_text
from generator.model import Asset, Page, Site, SourceFile, Tag
from generator.slugs import slugify
from generator.yamlutil import load_yaml

INDEX = "_index.md"
BUNDLE = "index.md"


def load_site(config: Config, drafts: bool = False, problems: Problems | None = None,
              cache: SourceCache | None = None) -> Site:
    """Read every source file and check the whole site; raise SitegenError listing all problems."""
    problems = problems if problems is not None else Problems()
    cache = cache if cache is not None else SourceCache()
    root = config.root
    themes = discover.theme_dirs(root, config.theme)
    if not themes:
        problems.add(config.source_file, f"theme {config.theme!r} not found (looked in themes/{config.theme}/ "
                                         "and in the themes shipped with sitegen)")
        problems.raise_if_errors()
    if not config.content_dir.is_dir():
        problems.add(config.content_dir, "no content folder: create content/<language>/ with Markdown files")
        problems.raise_if_errors()

    files = {lang: discover.content_files(config.content_dir, lang, root, problems) for lang in config.codes}
    sources, bad = cache.load_all([f.path for lang in config.codes for f in files[lang] if f.is_markdown])
    problems.items.extend(bad)
    pages: list[Page] = []
    assets: list[Asset] = []
    for lang in config.codes:
        if not files[lang]:
            problems.add(config.content_dir / lang, f"no content for language {lang!r}", warning=True)
        lang_pages, lang_assets = _load_language(config, lang, files[lang], drafts, problems, sources)
        pages.extend(lang_pages)
        assets.extend(lang_assets)
    problems.raise_if_errors()

    assets.extend(_static_assets(root, themes[0], problems))
    _check_collisions(pages, assets, problems)
    by_key = {p.key: p for p in sorted(pages, key=lambda p: (config.codes.index(p.lang), p.url, p.rel))}
    translations = _translations(by_key, problems)
    children, subsections = _sections(by_key)
    tags = _tags(config, by_key)
    _check_menus(config, by_key, problems)
    data = _load_data(root / "data", problems)
    problems.raise_if_errors()
    return Site(config=config, pages=by_key, children=children, subsections=subsections,
                translations=translations, tags=tags, assets=tuple(sorted(assets, key=lambda a: a.output)),
                theme_dirs=themes, data=data)


def reload_pages(site: Site, sources: dict[tuple[str, str], Source]) -> Site | None:
    """`site` with the pages whose files were edited made again from their new `sources`.

    None when an edit changes more than those pages (a slug, a translation key or a draft flag, which
    move or hide pages): then the whole site must be loaded again.
    """
    pages = dict(site.pages)
    for key, src in sources.items():
        old = site.pages.get(key)
        meta = src.meta
        if old is None or not old.params or meta.get("slug") != old.params.get("slug") \
                or bool(meta.get("draft")) != bool(old.params.get("draft")) \
                or (meta.get("translation_key") or old.rel) != old.translation_key:
            return None
        pages[key] = _make_page(SourceFile(old.lang, old.rel, old.path), src, old.lang, old.kind, old.url,
                                old.section, old.rel, old.base_path)
    moved = [k for k in sources if pages[k].sort_key != site.pages[k].sort_key]
    children, subsections = dict(site.children), dict(site.subsections)
    for key in moved:
        page = pages[key]
        lists = subsections if page.kind == "section" else children
        if page.section is not None:
            section = (page.lang, page.section)
            lists[section] = tuple(sorted(lists[section], key=lambda k: pages[k].sort_key))
    tags = site.tags
    if moved or any(pages[k].tags != site.pages[k].tags for k in sources):
        tags = _tags(site.config, pages)
    return dataclasses.replace(site, pages=pages, children=children, subsections=subsections, tags=tags)


def _load_language(config: Config, lang: str, files: list[SourceFile], drafts: bool,
                   problems: Problems, sources: dict[Path, Source]) -> tuple[list[Page], list[Asset]]:
    parsed: dict[str, tuple[SourceFile, Any]] = {f.rel: (f, sources[f.path]) for f in files if f.path in sources}
    if BUNDLE in parsed and INDEX not in parsed:
        # content/<lang>/index.md can only mean the home page: as a page bundle it would own the whole language
        parsed[INDEX] = parsed.pop(BUNDLE)
    # Section folders: every folder holding content, with or without an _index.md.
    folders = {""}
    for rel in [f.rel for f in files]:
        parts = rel.split("/")[:-1]
        if parts and parts[-1] and f"{'/'.join(parts)}/{BUNDLE}" in parsed and rel != f"{'/'.join(parts)}/{BUNDLE}":
            parts = parts[:-1]  # a file in a page bundle belongs to the page, not a section
        for i in range(len(parts) + 1):
            folders.add("/".join(parts[:i]))
    bundles = {posixpath.dirname(rel) for rel in parsed if posixpath.basename(rel) == BUNDLE}
    folders = {folder for folder in folders if _bundle_of(folder, bundles) is None}  # a bundle's folders are its own

    folder_urls = {"": urls.language_root(config.base_path, lang)}

    def folder_url(folder: str) -> str:  # (each folder's once: its pages ask again and again)
        url = folder_urls.get(folder)
        if url is None:
            parent, name = posixpath.split(folder)
            index = parsed.get(f"{folder}/{INDEX}")
            seg = index[1].meta.get("slug") if index else None
            url = folder_urls[folder] = f"{folder_url(parent)}{seg or slugify(name) or 'section'}/"
        return url

    pages: list[Page] = []
    drafted: set[str] = set()
    for rel, (f, src) in sorted(parsed.items()):
        meta = src.meta
        if meta.get("draft") and not drafts:
            drafted.add(rel)
            continue
        folder, name = posixpath.split(rel)
        if name == INDEX and folder in bundles:
            problems.add(f.path, "a folder cannot hold both index.md (a page) and _index.md (a section): "
                                 "merge them into one", 1, 1)
            continue
        home = posixpath.dirname(folder) if name == BUNDLE else folder  # the folder that lists the page
        bundle = _bundle_of(home, bundles)
        if bundle is not None:
            problems.add(f.path, f"this page lies inside the page bundle {bundle}/{BUNDLE}, which cannot hold pages: "
                                 f"move it out, or rename {bundle}/{BUNDLE} to {INDEX} to make the folder a section",
                         1, 1)
            continue
        if name == INDEX:
            kind = "home" if folder == "" else "section"
            url = folder_url(folder)
            section = None if folder == "" else _parent_section(folder)
        else:
            stem_source = (posixpath.basename(folder) or "index") if name == BUNDLE else name[:-3]
            slug = meta.get("slug") or slugify(stem_source) or slugify(meta.get("title", ""))
            if not slug:
                problems.add(f.path, "cannot make a URL from this file name or title: add 'slug: ...'",
                             src.lines.get("title", 1), 1)
                continue
            kind = "page"
            url = folder_url(home) + f"{slug}/"
            section = f"{home}/{INDEX}" if home else INDEX
        pages.append(_make_page(f, src, lang, kind, url, section, rel, config.base_path))

    for folder in sorted(folders):
        index_rel = f"{folder}/{INDEX}" if folder else INDEX
        if index_rel not in parsed or index_rel in drafted:
            title = config.title.get(lang, "") if folder == "" else folder.rsplit("/", 1)[-1].replace("-", " ")
            kind = "home" if folder == "" else "section"
            pages.append(Page(lang=lang, rel=index_rel, path=config.content_dir / lang / index_rel, kind=kind,
                              title=title.strip() or lang, url=folder_url(folder),
                              section=None if folder == "" else _parent_section(folder),
                              translation_key=index_rel, base_path=config.base_path))

    page_dirs = {posixpath.dirname(p.rel): p for p in pages if posixpath.basename(p.rel) == BUNDLE}
    section_urls = {p.rel.rsplit("/", 1)[0] if "/" in p.rel else "": p.url for p in pages if p.kind != "page"}
    assets = []
    for f in files:
        if f.is_markdown:
            continue
        folder, name = posixpath.split(f.rel)
        owner = page_dirs.get(folder)
        base = owner.url if owner else section_urls.get(folder, folder_url(folder))
        assets.append(Asset(f.path, base[len(config.base_path):] + name))
    return pages, assets


def _bundle_of(folder: str, bundles: set[str]) -> str | None:
    """The page bundle (a folder with an index.md) that `folder` is or lies in, or None."""
    parts = folder.split("/") if folder else []
    for end in range(len(parts), 0, -1):
        if "/".join(parts[:end]) in bundles:
            return "/".join(parts[:end])
    return None


def _parent_section(folder: str) -> str:
    parent = posixpath.dirname(folder)
    return f"{parent}/{INDEX}" if parent else INDEX


def _make_page(f: SourceFile, src: Any, lang: str, kind: str, url: str, section: str | None, rel: str,
               base_path: str) -> Page:
    meta = src.meta
    date = meta.get("date")
    updated = meta.get("updated")
    return Page(
        lang=lang, rel=rel, path=f.path, kind=kind, title=meta["title"], url=url, section=section,
        translation_key=meta.get("translation_key") or rel,
        date=date.date() if isinstance(date, dt.datetime) else date,
        updated=updated.date() if isinstance(updated, dt.datetime) else updated,
        summary=meta.get("summary", ""), weight=meta.get("weight", 0),
        template=meta.get("template") or ("home" if kind == "home" else "section" if kind == "section" else "page"),
        draft=meta.get("draft", False), tags=meta.get("tags", ()), sources=meta.get("sources", ()),
        params=meta, source_body=src.body, body_line=src.body_line, base_path=base_path, digest=src.digest,
    )


def _static_assets(root: Path, theme: Path, problems: Problems) -> list[Asset]:
    """Theme static files, then the site's own `static/` files, which override them."""
    out: dict[str, Asset] = {}
    for top in (theme / "static", root / "static"):
        for rel, path in discover.walk(top, root if top.is_relative_to(root) else top, problems):
            out[rel] = Asset(path, rel)
    return list(out.values())


def _check_collisions(pages: list[Page], assets: list[Asset], problems: Problems) -> None:
    """Two sources for one output file (also differing only by case or Unicode form) are an error."""
    owners: dict[str, list[Path]] = defaultdict(list)
    for p in pages:
        owners[p.output.casefold()].append(p.path)
    for a in assets:
        owners[a.output.casefold()].append(a.source)
    for output, paths in sorted(owners.items()):
        if len(paths) > 1:
            first, *rest = sorted({display_path(path) for path in paths})
            others = " and ".join(rest) if rest else first
            problems.add(first, f"{others} would also be written to /{output} (the same URL); "
                                "give one of them another slug or file name")


def _translations(pages: dict[tuple[str, str], Page], problems: Problems) -> dict[str, dict[str, tuple[str, str]]]:
    out: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for page in pages.values():
        group = out[page.translation_key]
        if page.lang in group:
            other = pages[group[page.lang]]
            problems.add(page.path, f"translation_key {page.translation_key!r} is also used by "
                                    f"{display_path(other.path)} in the same language")
            continue
        group[page.lang] = page.key
    return dict(out)


def _sections(pages: dict[tuple[str, str], Page]) -> tuple[dict[Any, Any], dict[Any, Any]]:
    children: dict[tuple[str, str], list[Page]] = defaultdict(list)
    subsections: dict[tuple[str, str], list[Page]] = defaultdict(list)
    for page in pages.values():
        if page.section is None:
            continue
        (subsections if page.kind == "section" else children)[(page.lang, page.section)].append(page)
    return ({k: tuple(p.key for p in sorted(v, key=lambda p: p.sort_key)) for k, v in children.items()},
            {k: tuple(p.key for p in sorted(v, key=lambda p: p.sort_key)) for k, v in subsections.items()})


def _tags(config: Config, pages: dict[tuple[str, str], Page]) -> dict[str, tuple[Tag, ...]]:
    """Each language's tags, by name, each with its pages in their sections' order (`Page.sort_key`)."""
    out: dict[str, tuple[Tag, ...]] = {}
    tagged = sorted((p for p in pages.values() if p.tags), key=lambda p: p.sort_key)  # (once, not per tag)
    for lang in config.codes:
        names: dict[str, str] = {}  # slug -> the name the first page of the site's order gives it
        for page in pages.values():
            if page.lang == lang:
                for name in page.tags:
                    names.setdefault(slugify(name) or "tag", name)
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for page in tagged:
            if page.lang == lang:
                key = page.key
                for name in page.tags:
                    members[slugify(name) or "tag"].append(key)
        out[lang] = tuple(Tag(lang, names[slug], slug, urls.tag(config.base_path, lang, slug), tuple(members[slug]))
                          for slug in sorted(names, key=lambda s: (names[s].casefold(), s)))
    return out


def _check_menus(config: Config, pages: dict[tuple[str, str], Page], problems: Problems) -> None:
    """A language's menu names only that language's own pages: a language with part of the site lists
    only what it has (its visitors reach the rest through the language switcher)."""
    for lang, items in config.menus.items():
        for item in items:
            if item.page is not None and (lang, item.page) not in pages:
                problems.add(config.source_file, f"menus.{lang}: item {item.title!r} names content/{lang}/"
                                                 f"{item.page}, which does not exist (a language's menu may only "
                                                 "name its own pages: translate the page or drop the item)",
                             item.line, 1)


def _load_data(folder: Path, problems: Problems) -> dict[str, Any]:
    """Read data/*.yaml (and .yml) files into a mapping by file stem."""
    data: dict[str, Any] = {}
    if not folder.is_dir():
        return data
    for rel, path in discover.walk(folder, folder, problems):
        if not rel.endswith((".yaml", ".yml")) or "/" in rel:
            continue
        try:
            data[rel.rsplit(".", 1)[0]] = load_yaml(read_text(path), str(display_path(path))).data
        except SitegenError as exc:
            problems.extend(exc)
    return data
