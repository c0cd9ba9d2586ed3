"""The build pipeline, top to bottom: config → sources → site model → Markdown → templates → output.

`build()` makes a whole site into a staging folder and swaps it in. `Builder` keeps what it learnt
between builds so that `sitegen serve` re-renders only what an edit affects.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jinja2

from generator import feeds, search, translations
from generator.cache import Cache, code_version, fingerprint, tree_stats
from generator.config import CONFIG_FILE, Config, load_config
from generator.convert import Bodies
from generator.errors import Problem, Problems, SitegenError
from generator.frontmatter import SourceCache
from generator.i18n import load_translations
from generator.model import Page, Site
from generator.parallel import iter_chunks
from generator.progress import track
from generator.render import Job, Output, Renderer
from generator.site import load_site, reload_pages
from generator.templates import SharedBytecode, make_environment
from generator.writer import Staging, check_output_dir, remove_stale, replace_changed, staging

PageKey = tuple[str, str]


@dataclass(frozen=True)
class BuildOptions:
    site: Path
    output: Path | None = None
    drafts: bool = False
    strict: bool = False
    progress: bool = False
    cache: bool = True
    watch: bool = False  # for `sitegen serve`: keep what rebuilds need, also when nothing had changed


@dataclass
class BuildResult:
    """What a build did, for the summary line."""

    output: Path
    pages: dict[str, int] = field(default_factory=dict)
    status: dict[str, translations.LanguageStatus] = field(default_factory=dict)
    files: int = 0
    written: int = 0
    rendered: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = True
    up_to_date: bool = False


def build(options: BuildOptions) -> BuildResult:
    """Build the whole site, or raise SitegenError leaving the previous output untouched."""
    return Builder(options).full()


class Builder:
    """Builds a site, and rebuilds it after edits re-rendering only the affected pages."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.root = options.site.resolve()
        self.cache = SourceCache()
        self.site: Site | None = None
        self.bodies: Bodies | None = None
        self.digests: dict[str, str] = {}  # output path -> sha256 of what is there now
        self.deps: dict[PageKey, set[PageKey]] = {}  # page -> the pages its output shows
        self.envs: dict[str, jinja2.Environment] | None = None
        self._by_path: dict[Path, PageKey] | None = None  # source file -> page, while the pages stay the same
        self.output = (options.output if options.output is not None else self.root / "output").resolve()

    # -- the pipeline ------------------------------------------------------------------------------------
    def _load(self) -> tuple[Config, Site, dict[str, jinja2.Environment], Problems]:
        config = load_config(self.root)
        output = self.options.output if self.options.output is not None else self.root / "output"
        self.output = check_output_dir(output, self.root, config.content_dir)
        problems = Problems()
        site = load_site(config, drafts=self.options.drafts, problems=problems, cache=self.cache)
        envs = environments(config, site, problems)
        return config, site, envs, problems

    def full(self) -> BuildResult:
        """Load, check and render everything, then swap the new output in (or do nothing if nothing changed)."""
        started = time.perf_counter()
        remove_stale(self.output)
        cache = Cache(self.root) if self.options.cache else None
        try:
            inputs = self._inputs_fingerprint()
            intact = cache is not None and self.output.is_dir() \
                and cache.get_state("output") == _as_json(tree_stats([self.output]))
            if intact and cache is not None and cache.get_state("inputs") == inputs and self.site is None:
                summary = cache.get_state("summary")
                if isinstance(summary, dict) and (not self.options.watch or self._resume(cache)):
                    return BuildResult(output=self.output, pages=summary["pages"], files=summary["files"],
                                       seconds=time.perf_counter() - started, up_to_date=True,
                                       status={k: translations.LanguageStatus(k, **v)
                                               for k, v in summary["status"].items()})
            config, site, envs, problems = self._load()
            bodies = Bodies(site, self.root if cache is not None else None)
            renderer = Renderer(site, bodies, envs)
            previous = cache.get_state("digests") if cache is not None and intact else None
            with staging(self.output, previous) as (folder, stop):
                digests, deps = self._render(renderer, folder, stop, problems)
                problems.raise_if_errors(strict=self.options.strict)
                for item in renderer.outputs_of_site():
                    stop.check()
                    digests[item.path] = folder.put(item)
                bodies.close()  # (the workers converted and cached every body)
                stop.check()
                folder.commit(search.index if config.search else None)
            self.site, self.bodies, self.digests, self.deps, self.envs = site, bodies, digests, deps, envs
            self._by_path = None
            self._warm_up()
            result = self._result(site, problems, started, len(digests), written=len(digests),
                                  rendered=len(site.pages), full=True)
            if cache is not None:
                cache.put_state({"inputs": inputs, "output": _as_json(tree_stats([self.output])), "digests": digests,
                                 "deps": {"/".join(k): sorted("/".join(r) for r in reads) for k, reads in deps.items()},
                                 "summary": {"pages": result.pages, "files": result.files,
                                             "status": {k: v.as_dict() for k, v in result.status.items()}}})
            return result
        finally:
            if cache is not None:
                cache.close()

    def _resume(self, cache: Cache) -> bool:
        """Take up the last build (its site model, files and dependencies) instead of rendering again."""
        digests, deps = cache.get_state("digests"), cache.get_state("deps")
        if not isinstance(digests, dict) or not isinstance(deps, dict):
            return False
        _, self.site, self.envs, _ = self._load()
        self._by_path = None

        def key(text: str) -> PageKey:
            lang, _, rel = text.partition("/")
            return lang, rel

        self.digests, self.deps = digests, {key(k): {key(r) for r in reads} for k, reads in deps.items()}
        self._warm_up()
        return True

    def _warm_up(self) -> None:
        """For `serve`: compile the templates now (the workers compiled their own), not on the first edit."""
        if not self.options.watch or self.envs is None:
            return
        for env in self.envs.values():
            for name in env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml"))):
                try:
                    env.get_template(name)
                except jinja2.TemplateError:
                    pass  # reported when a page uses it

    def _render(self, renderer: Renderer, folder: Staging, stop: _Stoppable,
                problems: Problems) -> tuple[dict[str, str], dict[PageKey, set[PageKey]]]:
        """Render and write every page and tag list on all cores; collect digests, dependencies, problems."""
        site = renderer.site
        jobs = renderer.jobs()
        digests: dict[str, str] = {}
        deps: dict[PageKey, set[PageKey]] = {}
        results = iter_chunks(_render_chunk, jobs, {"renderer": renderer, "staging": folder},
                              weight=renderer.job_weight)
        with closing(results):  # on an error or a stop, the workers end before the staging folder goes
            for job, files, reads, found in track(results, len(jobs), "Rendering", self.options.progress):
                stop.check()
                digests.update(files)
                if reads is not None:
                    key = (job[1], job[2])
                    deps[key] = reads
                    _report(problems, site.pages[key], found)
        return digests, deps

    def _inputs_fingerprint(self) -> str:
        """Every input of a build, cheaply: sitegen's code, the options, and each input file's size and time."""
        from generator.discover import PACKAGE_DIR

        folders = [self.root / CONFIG_FILE] + [self.root / d for d in ("content", "templates", "themes", "data",
                                                                       "static")]
        folders += [p for p in (PACKAGE_DIR / "themes", PACKAGE_DIR.parent / "themes") if p not in folders]
        folders = [p for p in dict.fromkeys(folders) if p.exists()]
        return fingerprint([code_version(), self.options.drafts, self.options.strict, str(self.output),
                            tree_stats(folders)])

    def update(self, changed: Iterable[Path]) -> BuildResult:
        """Rebuild after `changed` files were edited, added or removed; same output as a clean build."""
        changed = [Path(p).resolve() for p in changed]
        content = (self.root / "content").resolve()
        if self.site is None or not changed or any(not p.is_relative_to(content) or p.suffix != ".md"
                                                  for p in changed):
            return self.full()
        started = time.perf_counter()
        old = self.site
        site, envs, problems, patched = self._reload(old, changed)
        if not patched and (set(site.pages) != set(old.pages) or any(
                site.pages[k].url != old.pages[k].url or site.pages[k].translation_key != old.pages[k].translation_key
                for k in site.pages)) or _tag_files(old) != _tag_files(site):
            return self.full()  # pages or tag lists came, went or moved: every switcher and list may change
        bodies = Bodies(site, self.root if self.options.cache else None, previous=self.bodies)
        renderer = Renderer(site, bodies, envs)
        changed_pages = {k for k, page in site.pages.items() if old.pages.get(k) is not page
                         and old.pages.get(k) != page}
        for key in sorted(changed_pages):  # check the edited pages before writing anything
            body = bodies.get(key)
            _report(problems, site.pages[key], body.problems if body else ())
        problems.raise_if_errors(strict=self.options.strict)
        # A page that moved within its section shifts its neighbours' windows: count the section as changed.
        moved = {k for lists in ("children", "subsections") for sec, keys in getattr(site, lists).items()
                 if getattr(old, lists).get(sec) != keys for k in keys}
        touched = changed_pages | moved
        affected = touched | {k for k, reads in self.deps.items() if reads & touched}
        outputs: list[Output] = []
        for key in sorted(affected):
            # A list that is affected only through some of its entries: just its pages showing them.
            reasons = self.deps.get(key, set()) & touched
            only = reasons if key not in touched and reasons <= set(site.children.get(key, ())) else None
            outputs.extend(renderer.page_outputs(site.pages[key], only))
        self.deps.update(renderer.deps)
        for job, only in _tag_jobs(old, site, changed_pages):
            outputs.extend(renderer.job_outputs(job, only))
        outputs.extend(renderer.special_pages())
        prefixes = feeds.feed_prefixes(site.config)
        for lang in site.config.codes:  # (a feed made again unchanged is not written)
            if any(feeds.may_show(s.pages[k], lang, prefixes) for k in changed_pages for s in (old, site)):
                outputs.append(renderer.feed(lang))
        if any((old.pages[k].date, old.pages[k].updated) != (site.pages[k].date, site.pages[k].updated)
               for k in changed_pages):
            outputs.append(renderer.sitemap())
        written = replace_changed(self.output, outputs, self.digests)
        if site.config.search and written:
            search.index(self.output)
        bodies.flush()
        bodies.close()
        self.site, self.bodies, self.envs = site, bodies, envs
        return self._result(site, problems, started, len(self.digests), written=written,
                            rendered=len(affected), full=False)  # (no translation status: serve shows none)

    def _reload(self, old: Site, changed: list[Path]) -> tuple[Site, dict[str, jinja2.Environment], Problems, bool]:
        """The site after `changed` content files were edited: only they are read again when that is
        enough (no page comes, goes or moves: the last value is then True), else everything."""
        if self._by_path is None:
            self._by_path = {page.path: key for key, page in old.pages.items()}
        by_path = self._by_path
        if self.envs is not None and all(p in by_path and p.is_file() for p in changed):
            sources, bad = self.cache.load_all(changed)
            if bad:
                raise SitegenError(bad)
            site = reload_pages(old, {by_path[p]: sources[p] for p in changed})
            if site is not None:
                return site, self.envs, Problems(), True
        _, site, envs, problems = self._load()
        self._by_path = None
        return site, envs, problems, False

    def _result(self, site: Site, problems: Problems, started: float, files: int, written: int, rendered: int,
                full: bool) -> BuildResult:
        counts: dict[str, int] = {}
        for page in site.pages.values():
            counts[page.lang] = counts.get(page.lang, 0) + 1
        return BuildResult(output=self.output, pages=counts, status=translations.status(site) if full else {},
                           files=files, written=written, rendered=rendered, warnings=problems.warnings,
                           seconds=time.perf_counter() - started, full=full)

    def watched(self) -> list[Path]:
        """What a change to should trigger a rebuild: the config, content, templates, themes, data, static."""
        return [self.root / CONFIG_FILE] + [self.root / d for d in ("content", "templates", "themes", "data", "static")]


def _as_json(value: object) -> object:
    """The value as it comes back from the cache (tuples become lists)."""
    import json

    return json.loads(json.dumps(value))


def _report(problems: Problems, page: Page, found: Iterable[tuple[int, str]]) -> None:
    """Add the problems found in a page's Markdown (an unsafe link, removed, is only a warning)."""
    for line, message in found:
        problems.add(page.path, message, line, 1, warning=message.startswith("unsafe link"))


def _tag_files(site: Site) -> set[tuple[str, str, int]]:
    """Each tag and how many list pages it has: when these change, files appear or go."""
    size = site.config.pagination
    return {(t.lang, t.slug, -(-len(t.pages) // size)) for tags in site.tags.values() for t in tags}


def _tag_jobs(old: Site, new: Site, changed: set[PageKey]) -> list[tuple[Job, set[PageKey] | None]]:
    """The tag lists that show any of the `changed` pages (all of a language's when its home changed),
    each with the pages to re-render it for (None: all its pages, as when its order or members changed)."""
    jobs: dict[Job, set[PageKey] | None] = {}

    def add(job: Job, keys: set[PageKey] | None) -> None:
        current = jobs.get(job, set())
        jobs[job] = None if current is None or keys is None else current | keys

    for key in changed:
        lang, page, before = key[0], new.pages[key], old.pages[key]
        if page.kind == "home":
            add(("tags", lang, ""), None)
            for tag in new.tags.get(lang, ()):
                add(("tag", lang, tag.slug), None)
        same_place = page.tags == before.tags and page.sort_key == before.sort_key
        if page.tags != before.tags:
            add(("tags", lang, ""), None)
        for site in (old, new):
            for tag in site.tags.get(lang, ()):
                if key in tag.pages:
                    add(("tag", lang, tag.slug), {key} if same_place else None)
    return sorted(jobs.items(), key=lambda item: item[0])


class _Stoppable(Protocol):
    def check(self) -> None: ...


JobResult = tuple[Job, list[tuple[str, str]], "set[PageKey] | None", tuple[tuple[int, str], ...]]


def _render_chunk(state: dict[str, Any], jobs: Sequence[Job]) -> list[JobResult]:
    """In a worker: render and write `jobs`; return each one's files and digests, and for a page what
    pages it read and the problems found in its Markdown."""
    renderer: Renderer = state["renderer"]
    folder: Staging = state["staging"]
    bodies = renderer.bodies
    bodies.prefetch([(lang, name) for kind, lang, name in jobs if kind == "page"])
    out: list[JobResult] = []
    for job in jobs:
        files = [(item.path, folder.put(item)) for item in renderer.job_outputs(job)]
        if job[0] == "page":
            key = (job[1], job[2])
            body = bodies.get(key)
            out.append((job, files, renderer.deps.pop(key), body.problems if body else ()))
        else:
            out.append((job, files, None, ()))
    bodies.flush()
    bodies.forget()
    return out


def environments(config: Config, site: Site, problems: Problems) -> dict[str, jinja2.Environment]:
    """One Jinja environment per language, with that language's compiled catalog."""
    theme = site.theme_dirs[0]
    compiled = SharedBytecode()  # the languages' environments differ in catalogs, not in compiled code
    return {
        lang.code: make_environment(config.root, theme, lang.locale,
                                    load_translations(theme, lang.code, lang.locale, problems), config.base_url,
                                    compiled)
        for lang in config.languages
    }


__all__ = ["BuildOptions", "BuildResult", "Builder", "Page", "SitegenError", "build"]
