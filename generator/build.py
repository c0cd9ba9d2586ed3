"""The build pipeline, top to bottom: config → discover → parse → site model, checked → render → write → commit.

`build()` is the pipeline. A build renders only what changed since the last one when it can tell: from
the state the last build left in memory (`sitegen serve`) or in the cache (`sitegen build`); the rebuild
plan itself is `generator.plan`. Everything else renders into a staging folder that is swapped in whole.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator import images, keeper, search, state, translations
from generator.brochure import Prints
from generator.cache import FOLDER, Cache, CompiledTemplates, code_version, files_below, fingerprint, scan
from generator.config import CONFIG_FILE, Config, load_config
from generator.convert import Bodies
from generator.discover import PACKAGE_DIR, skipped
from generator.errors import Problem, Problems, SitegenError
from generator.frontmatter import SourceCache
from generator.i18n import load_translations
from generator.model import Page, PageKey, Site
from generator.parallel import iter_chunks
from generator.plan import Deps, Outline, Plan, outline, plan
from generator.progress import track
from generator.render import TRACKED, Job, Renderer
from generator.site import load_site, reload_pages
from generator.templates import make_environment, precompile
from generator.writer import Staging, check_output_dir, remove_stale, replace_changed, staging

INPUT_FOLDERS = ("content", "templates", "themes", "data", "static")


@dataclass(frozen=True)
class BuildOptions:
    site: Path
    output: Path | None = None
    drafts: bool = False
    strict: bool = False
    progress: bool = False
    cache: bool = True
    watch: bool = False  # for `sitegen serve`: keep the site model for rebuilds, also when nothing changed
    digests: bool = True  # the SHA-256 of each output as it is written, for a later build in this process
    # (`sitegen build` leaves them to the cache's keeper)


@dataclass(frozen=True)
class BuildState:
    """What a build leaves for the next one: its site model and, for every output, what it is and reads."""

    site: Site
    outline: Outline
    envs: Mapping[str, jinja2.Environment]
    bodies: Bodies | None  # None: restored from the cache, nothing converted yet
    sources: SourceCache  # parsed content files, reused while a file is unchanged
    digests: Mapping[str, str]  # output path -> SHA-256 of what is there now
    deps: Deps  # page -> the pages its outputs read


@dataclass(frozen=True)
class BuildResult:
    """What a build did, for the summary line, and its state for the next build."""

    output: Path
    pages: dict[str, int]
    status: dict[str, translations.LanguageStatus] = field(default_factory=dict)
    files: int = 0
    written: int = 0
    rendered: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = True
    up_to_date: bool = False
    state: BuildState | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, in pipeline order
    brochures_pending: tuple[str, ...] = ()  # under serve: languages whose new brochure is still to print


def build(options: BuildOptions, last: BuildState | None = None,
          changed: Collection[Path] | None = None) -> BuildResult:
    """Build the site, or raise SitegenError leaving the previous output untouched.

    With `last` (the state of the previous build in this process) and the files `changed` since, or with
    the last build's state in the cache, only the outputs that an edit affects are made again."""
    started = time.perf_counter()
    clock = _Stopwatch()
    root = options.site.resolve()
    config = load_config(root)
    output = check_output_dir(options.output or root / "output", root, config.content_dir)
    remove_stale(output)
    with _open_cache(root, options.cache) as cache:
        # (a rebuild under serve knows its last state: it neither takes nor keeps fingerprints)
        inputs = _inputs(root, options, output) if last is None and cache is not None else None
        kept = state.read(cache, output, inputs) if cache is not None and inputs is not None else None
        if kept is not None and inputs is not None:  # (else the keeper takes them from what this build read)
            inputs = inputs.stamped()
        clock.lap("config and last state")
        if kept is not None and inputs is not None and kept.pages == inputs.pages and not options.watch:
            return _up_to_date(kept, output, started)
        problems = Problems()
        restored = kept.last(config) if kept is not None else None
        marked = kept.marked if kept is not None and restored is not None else None  # pages showing images
        if kept is not None and restored is not None and inputs is not None:  # start where the last build ended
            last, changed = _restored(config, restored, problems, cache), kept.changed(inputs)
        site, envs, sources = _load(config, options, problems, last, changed, cache)
        clock.lap("discover, parse, site model")
        scanned = _with_pictures(site, last.site if last is not None else None, marked)
        pictures = images.prepare(scanned, root if cache is not None else None, problems)  # (encodes what changed)
        problems.raise_if_errors(strict=options.strict)
        keeping = cache is not None and inputs is not None  # (this build's keeper will write the cache)
        bodies = Bodies(site, root if cache is not None else None, previous=last.bodies if last else None,
                        pictures=pictures, spool=f"{os.getpid()}.{time.time_ns()}" if keeping else None,
                        look=cache is not None and cache.has_markdown())
        renderer = Renderer(site, bodies, envs, root if cache is not None else None)
        renderer.brochures.warn(problems)
        new_outline = outline(site, last.site if last is not None else None, last.outline if last else None)
        todo = plan(last.outline, new_outline, last.deps) if last is not None and _content_only(root, changed) \
            else None
        renderer.brochures.defer = options.watch and todo is not None  # (serve prints apart: Builder.prints)
        clock.lap("plan")
        deps: Deps
        if todo is None:
            digests, deps = _render_all(renderer, output, restored.digests if restored else None, problems,
                                         options)
            written: list[str] = list(digests)
        else:
            assert last is not None
            digests, deps, written = _render_planned(renderer, todo, output, last, problems, options)
        bodies.close()
        clock.lap("render and write")
        new_state = BuildState(site, new_outline, envs, bodies, sources, digests, deps)
        result = _result(new_state, output, problems, started, len(written), todo)
        if cache is not None and inputs is not None:
            cache.close()  # (the keeper opens its own connection: it may be another process)
            keep = _Keep(root, inputs, kept, restored, new_state, result, scanned, marked,
                         None if todo is None else written, renderer.template_choices)
            keeper.keep(root / FOLDER, keep.run)
            sources.detach()  # (the keeper has what it needs, now or in the process it is forked into)
        clock.lap("keep state")
        return dataclasses.replace(result, timings=clock.laps)


def watched(root: Path) -> list[Path]:
    """Every input of a build that exists: site.yaml, the input folders and the themes shipped with sitegen."""
    paths = [root / CONFIG_FILE] + [root / d for d in INPUT_FOLDERS]
    paths += [PACKAGE_DIR / "themes", PACKAGE_DIR.parent / "themes"]
    return [p for p in dict.fromkeys(paths) if p.exists()]


class Builder:
    """Keeps the last build's state, so that `update()` after an edit renders only what it affects.

    Under serve (`watch`), an edit of a brochure's pages does not wait for WeasyPrint: the brochure keeps
    its last PDF and its print job waits in `prints`; once printed in another process
    (`brochure.print_apart`, into `prints.printed`), `reprint` writes the PDF and the pages that link it."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.root = options.site.resolve()
        self.output = (options.output or self.root / "output").resolve()
        self.state: BuildState | None = None
        self.prints = Prints()

    @property
    def site(self) -> Site | None:
        return self.state.site if self.state is not None else None

    def full(self) -> BuildResult:
        """Build from scratch (or from the cache's last state): the first build of a session."""
        self.prints.take()
        return self._queue(self._keep(build(self.options)), None)

    def update(self, changed: Iterable[Path]) -> BuildResult:
        """Rebuild after `changed` files were edited, added or removed; the same output as a clean build
        (under serve, once the brochures in `prints` are printed and `reprint` has run)."""
        paths = [Path(p).resolve() for p in changed]
        return self._queue(self._keep(build(self.options, self.state, paths)), paths)

    def reprint(self) -> BuildResult | None:
        """Write the brochures printed apart (`prints.printed`) that are still current and re-render the pages
        that link them (None when newer edits made them all stale). The search index is made again only
        when a page changed."""
        started = time.perf_counter()
        renderer = self._renderer()
        if renderer is None or self.state is None:
            return None
        brochures = renderer.brochures
        brochures.defer = True  # (only what `printed` holds is written)
        outputs, deps = [], dict(self.state.deps)
        try:
            langs = brochures.accept(self.prints.take_printed())
            if not langs:
                return None
            jobs = [Job("brochure", lang) for lang in langs]
            jobs += [Job("page", *key) for lang in langs for key in sorted(brochures.linked_from[lang])]
            for job in jobs:
                files, deps[job.page] = renderer.run(job)
                outputs.extend(files)
        finally:
            renderer.bodies.close()
        config, digests = self.state.site.config, dict(self.state.digests)
        written = replace_changed(self.output, outputs, digests, config.precompress)
        if config.search and any(path.endswith(".html") for path in written):
            search.index(self.output, config.precompress)
        self.state = dataclasses.replace(self.state, digests=digests, deps=deps)
        return _result(self.state, self.output, Problems(), started, len(written),
                       Plan(frozenset(), tuple((job, None) for job in jobs)))

    def watched(self) -> list[Path]:
        return watched(self.root)

    def _keep(self, result: BuildResult) -> BuildResult:
        self.output = result.output
        self.state = result.state if result.state is not None else self.state
        return result

    def _queue(self, result: BuildResult, paths: list[Path] | None) -> BuildResult:
        """Under serve: after a rebuild that rendered some pages, queue the print of each brochure with a page
        among `paths` (None: any brochure) that the rebuild left unprinted."""
        if not self.options.watch:
            return result
        if result.full or self.state is None:
            self.prints.take()  # (a whole build prints every brochure)
        elif not result.up_to_date:
            site = self.state.site
            keys = {site.by_path[p] for p in paths if p in site.by_path} if paths is not None else None
            langs = [lang for (lang, rel), reads in self.state.deps.items()
                     if not rel and (keys is None or reads & keys)]
            renderer = self._renderer() if langs else None
            if renderer is not None:
                self.prints.note(renderer.brochures, langs)
                renderer.bodies.close()
        return dataclasses.replace(result, brochures_pending=tuple(sorted(self.prints.jobs)))

    def _renderer(self) -> Renderer | None:
        """A renderer of the last build's site model and bodies (None before a build)."""
        if self.state is None or self.state.bodies is None:
            return None
        last = self.state.bodies
        bodies = Bodies(self.state.site, self.root if self.options.cache else None, previous=last,
                        pictures=last.pictures)
        return Renderer(self.state.site, bodies, self.state.envs, self.root if self.options.cache else None)


# -- the stages --------------------------------------------------------------------------------------------
def _load(config: Config, options: BuildOptions, problems: Problems, last: BuildState | None,
          changed: Collection[Path] | None,
          cache: Cache | None) -> tuple[Site, Mapping[str, jinja2.Environment], SourceCache]:
    """The site model, checked, and its template environments. After an edit of pages alone, only the
    edited files are read again, when no page comes, goes or moves."""
    if last is not None and changed is not None and not changed:
        return last.site, last.envs, last.sources
    if last is not None and changed and all(p in last.site.by_path and p.is_file() for p in changed):
        edited, bad = last.sources.load_all(list(changed))
        if bad:
            raise SitegenError(bad)
        site = reload_pages(last.site, {last.site.by_path[p]: edited[p] for p in changed})
        if site is not None:
            return site, last.envs, last.sources
    sources = last.sources if last is not None else SourceCache(store=cache)
    site = load_site(config, drafts=options.drafts, problems=problems, cache=sources)
    return site, environments(config, site, problems, cache), sources


def _render_all(renderer: Renderer, output: Path, previous: Mapping[str, str] | None, problems: Problems,
                options: BuildOptions) -> tuple[dict[str, str], dict[PageKey, frozenset[PageKey]]]:
    """Render every job on all cores into a staging folder, check, and swap it in."""
    site = renderer.site
    jobs = renderer.jobs()
    digests: dict[str, str] = {}
    deps: dict[PageKey, frozenset[PageKey]] = {}
    config = site.config
    # (without them, the keeper works them out for the next build: `_Keep`; they are needed here to link
    # the previous build's files, though)
    with staging(output, dict(previous) if previous is not None else None, config.precompress,
                 digests=options.digests) as (folder, stop):
        renderer.brochures.prepare()  # (once, here: the pages that link a brochure show its size)
        if _compiled(renderer.envs).kept():  # (then loading them here costs little; else each worker compiles
            renderer.precompile()            # those it uses, side by side, and the keeper keeps them)
        results = iter_chunks(_render_chunk, jobs, {"renderer": renderer, "staging": folder},
                              weight=renderer.job_weight)
        with closing(results):  # on an error or a stop, the workers end before the staging folder goes
            for job, files, reads, found in track(results, len(jobs), "Rendering", options.progress):
                stop.check()
                digests.update(files)
                if job.kind in TRACKED:
                    deps[job.page] = reads
                if job.kind == "page":
                    _report(problems, site.pages[job.page], found)
        problems.raise_if_errors(strict=options.strict)
        for item in renderer.outputs_of_site():
            stop.check()
            digests[item.path] = folder.put(item)
        stop.check()
        folder.commit((lambda found: search.index(found, config.precompress)) if config.search else None)
    return digests, deps


def _render_planned(renderer: Renderer, todo: Plan, output: Path, before: BuildState,
                    problems: Problems, options: BuildOptions) -> tuple[dict[str, str], Deps, list[str]]:
    """Render the jobs of the plan, check, and replace the files whose bytes changed in place."""
    site, bodies = renderer.site, renderer.bodies
    for key in sorted(todo.changed):  # check the edited pages before writing anything
        body = bodies.get(key)
        _report(problems, site.pages[key], body.problems if body else ())
    outputs = []
    deps = dict(before.deps)
    for job, only in todo.jobs:
        files, reads = renderer.run(job, set(only) if only is not None else None)
        outputs.extend(files)
        if job.kind in TRACKED and only is None:
            deps[job.page] = reads
    problems.raise_if_errors(strict=options.strict)
    digests = dict(before.digests)
    written = replace_changed(output, outputs, digests, site.config.precompress)
    if site.config.search and written:
        search.index(output, site.config.precompress)
    bodies.flush()
    return digests, deps, written


def _result(state: BuildState, output: Path, problems: Problems, started: float, written: int,
            todo: Plan | None) -> BuildResult:
    counts: dict[str, int] = {}
    for page in state.site.pages.values():
        counts[page.lang] = counts.get(page.lang, 0) + 1
    return BuildResult(output=output, pages=counts, status=translations.status(state.site), files=len(state.digests),
                       written=written, rendered=len(state.site.pages) if todo is None else todo.pages,
                       warnings=problems.warnings, seconds=time.perf_counter() - started, full=todo is None,
                       up_to_date=todo is not None and not todo.jobs, state=state)


class _Stopwatch:
    """Seconds spent in each stage of one build, for `sitegen build --timings` and the benchmarks."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._last
        self._last = now


def _up_to_date(kept: state.Kept, output: Path, started: float) -> BuildResult:
    summary = kept.summary
    return BuildResult(output, dict(summary["pages"]), files=summary["files"], up_to_date=True,
                       status={k: translations.LanguageStatus(k, **v) for k, v in summary["status"]},
                       seconds=time.perf_counter() - started)


# -- what the cache keeps between builds ------------------------------------------------------------------
@contextmanager
def _open_cache(root: Path, enabled: bool) -> Iterator[Cache | None]:
    if enabled:
        keeper.wait(root / FOLDER)  # (the last build's keeper may still be writing)
    cache = Cache(root) if enabled else None
    try:
        yield cache
    finally:
        if cache is not None:
            cache.close()


def _restored(config: Config, last: state.Last, problems: Problems, cache: Cache | None) -> BuildState:
    """The last build's state from what the cache kept, as `sitegen serve` holds it in memory."""
    return BuildState(last.site, last.outline, environments(config, last.site, problems, cache), None,
                      SourceCache(store=cache), last.digests, last.deps)


@dataclass(frozen=True)
class _Keep:
    """What a build keeps for the next, once its output is in place (`run`, by generator.keeper): the
    Markdown its workers spooled, the front matter it parsed and its state; `scanned` and `marked`: the
    pages whose images this build looked at and the last build's `_marked`; `written`: the files a planned
    build replaced (None: all)."""

    root: Path
    inputs: state.Inputs
    kept: state.Kept | None
    restored: state.Last | None
    new: BuildState
    result: BuildResult
    scanned: Site
    marked: frozenset[PageKey] | None
    written: list[str] | None
    templates: Callable[[], dict[str, list[list[str]]]]  # the templates the jobs start from (asked if needed)

    def run(self) -> None:
        cache = Cache(self.root)
        new = self.new
        inputs = self.inputs if self.inputs.pages is not None else self.inputs.stamped(new.sources.stamps())
        try:
            if new.bodies is not None:
                new.bodies.keep(cache)
            new.sources.keep(cache)
            if any(not digest for digest in new.digests.values()):  # (a cold build did not work them out)
                try:
                    new = dataclasses.replace(new, digests=_digests(self.result.output, new.digests))
                except OSError:  # the output changed already: the next build starts afresh
                    return
            # (a rebuild re-indexes search in place: then the output folder must be looked at again)
            output, written = self.result.output, self.written
            stats = (scan([output]) if self.kept is None or written is None or new.site.config.search
                     else self.kept.patched(output, written))
            summary = {"pages": list(self.result.pages.items()), "files": self.result.files,  # (in order)
                       "status": [[k, v.as_dict()] for k, v in self.result.status.items()]}
            state.write(cache, inputs, stats, new, _marked(self.scanned, self.marked), summary, self.restored,
                        written)
            compiled = _compiled(new.envs)
            if not cache.has_templates():  # (a cold build's workers compiled them: they cannot keep them)
                for lang, choices in self.templates().items():
                    precompile(new.envs[lang], choices)
            compiled.keep(cache)
        finally:
            cache.close()


def _digests(output: Path, digests: Mapping[str, str]) -> dict[str, str]:
    """`digests` (output path -> SHA-256 or "") with the SHA-256 of each file of `output` that has none."""
    return {path: digest or hashlib.sha256((output / path).read_bytes()).hexdigest()
            for path, digest in digests.items()}


def _inputs(root: Path, options: BuildOptions, output: Path) -> state.Inputs:
    """Every input, cheaply (sitegen's code, the options, each input file's size and time): all but the
    Markdown pages as one fingerprint, and the Markdown pages, not yet looked at (`Inputs.stamped`). Only
    an edit of pages alone can be planned: a picture or an attachment beside a page is copied or encoded
    by a whole build."""
    content = root / "content"
    markdown, assets = [], []
    for entry in files_below(content, skipped):
        if entry.name.endswith(".md"):
            markdown.append(entry.path)
            continue
        try:
            st = entry.stat()
        except OSError:
            continue
        assets.append((entry.path, (st.st_size, st.st_mtime_ns)))
    others = scan([p for p in watched(root) if p != content], ignore=skipped)
    return state.Inputs(fingerprint([code_version(), options.drafts, options.strict, str(output),
                                     sorted(others.items()), sorted(assets)]), tuple(markdown))


def _with_pictures(site: Site, last: Site | None, marked: frozenset[PageKey] | None) -> Site:
    """The site with only the pages whose images must be looked at again: all of them, or, when the last
    build said which pages' Markdown shows images (`marked`), those, the pages made again since, and the
    pages with an `image` or a `gallery` (the others' bodies are not even read)."""
    if marked is None or last is None:
        return site
    pages = {k: p for k, p in site.pages.items() if k in marked or last.pages.get(k) is not p
             or "image" in p.params or "gallery" in p.params}
    return dataclasses.replace(site, pages=pages)


def _marked(scanned: Site, before: frozenset[PageKey] | None) -> frozenset[PageKey]:
    """The pages whose Markdown shows images after this build (see `_with_pictures`)."""
    found = {k for k, p in scanned.pages.items() if "![" in p.body}
    return frozenset(found | ((before or frozenset()) - scanned.pages.keys()))


def _content_only(root: Path, changed: Collection[Path] | None) -> bool:
    """Whether the edited files are all Markdown content (anything else may change every output; None:
    any file may have changed)."""
    content = (root / "content").resolve()
    return changed is not None and all(p.is_relative_to(content) and p.suffix == ".md" for p in changed)


def _report(problems: Problems, page: Page, found: Iterable[tuple[int, str]]) -> None:
    """Add the problems found in a page's Markdown (an unsafe link, removed, is only a warning)."""
    for line, message in found:
        problems.add(page.path, message, line, 1, warning=message.startswith("unsafe link"))


JobResult = tuple[Job, list[tuple[str, str]], frozenset[PageKey], tuple[tuple[int, str], ...]]


def _render_chunk(state: dict[str, Any], jobs: Sequence[Job]) -> list[JobResult]:
    """In a worker: render and write `jobs`; return each one's files and digests, the pages it read and,
    for a page, the problems found in its Markdown."""
    renderer: Renderer = state["renderer"]
    folder: Staging = state["staging"]
    bodies = renderer.bodies
    bodies.prefetch([job.page for job in jobs if job.kind == "page"])
    out: list[JobResult] = []
    for job in jobs:
        outputs, reads = renderer.run(job)
        files = [(item.path, folder.put(item)) for item in outputs]
        body = bodies.get(job.page) if job.kind == "page" else None
        out.append((job, files, reads, body.problems if body else ()))
    bodies.flush()
    bodies.forget()
    return out


def _compiled(envs: Mapping[str, jinja2.Environment]) -> CompiledTemplates:
    """The compiled templates the languages' environments share (see `environments`)."""
    shared = next(iter(envs.values())).bytecode_cache
    assert isinstance(shared, CompiledTemplates)
    return shared


def environments(config: Config, site: Site, problems: Problems,
                 cache: Cache | None = None) -> dict[str, jinja2.Environment]:
    """One Jinja environment per language, with that language's compiled catalog."""
    theme = site.theme_dirs[0]
    compiled = CompiledTemplates(cache)  # the languages' environments differ in catalogs, not in compiled code
    return {
        lang.code: make_environment(config.root, theme, lang.locale,
                                    load_translations(theme, lang.code, lang.locale, problems), config.base_url,
                                    compiled)
        for lang in config.languages
    }


__all__ = ["BuildOptions", "BuildResult", "BuildState", "Builder", "Page", "SitegenError", "build", "watched"]
