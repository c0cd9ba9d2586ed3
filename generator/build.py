"""The build pipeline, top to bottom: config → discover → parse → site model, checked → render → write → commit.

`build()` is the pipeline. A build renders only what changed since the last one when it can tell: from
the state the last build left in memory (`sitegen serve`) or in the cache (`sitegen build`); the rebuild
plan itself is `generator.plan`. Everything else renders into a staging folder that is swapped in whole.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator import images, search, translations
from generator.cache import Cache, code_version, fingerprint, tree_stats
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
from generator.templates import SharedBytecode, make_environment
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


@dataclass(frozen=True)
class BuildState:
    """What a build leaves for the next one: its site model and, for every output, what it is and reads."""

    site: Site
    outline: Outline
    envs: Mapping[str, jinja2.Environment]
    bodies: Bodies
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
        inputs = _fingerprint(root, options, output) if last is None and cache is not None else None
        kept = _Kept.read(cache, output, inputs) if cache is not None and inputs is not None else None
        clock.lap("config and last state")
        if kept is not None and inputs is not None and kept.content == inputs[1] and not options.watch:
            return BuildResult(output, dict(kept.summary["pages"]), files=kept.summary["files"], up_to_date=True,
                               status={k: translations.LanguageStatus(k, **v) for k, v in kept.summary["status"]},
                               seconds=time.perf_counter() - started)
        problems = Problems()
        site, envs, sources = _load(config, options, problems, last, changed, cache)
        clock.lap("discover, parse, site model")
        pictures = images.prepare(site, root if cache is not None else None, problems)  # (encodes what changed)
        problems.raise_if_errors(strict=options.strict)
        bodies = Bodies(site, root if cache is not None else None, previous=last.bodies if last else None,
                        pictures=pictures)
        renderer = Renderer(site, bodies, envs, root if cache is not None else None)
        renderer.brochures.warn(problems)
        new_outline = outline(site)
        before = last or kept
        todo = plan(before.outline, new_outline, before.deps) if before is not None and (
            last is None or _content_only(root, changed)) else None
        clock.lap("plan")
        deps: Deps
        if todo is None:
            digests, deps = _render_all(renderer, output, kept.digests if kept else None, problems, options)
            written: list[str] = list(digests)
        else:
            assert before is not None
            digests, deps, written = _render_planned(renderer, todo, output, before, problems, options)
        bodies.close()
        clock.lap("render and write")
        state = BuildState(site, new_outline, envs, bodies, sources, digests, deps)
        result = _result(state, output, problems, started, len(written), todo)
        if cache is not None and inputs is not None:
            # (a rebuild re-indexes search in place: then the output folder must be looked at again)
            stats = (tree_stats([output]) if kept is None or todo is None or site.config.search
                     else kept.patched(output, written))
            _Kept.write(cache, inputs, stats, state, result)
        clock.lap("keep state")
        return dataclasses.replace(result, timings=clock.laps)


def watched(root: Path) -> list[Path]:
    """Every input of a build that exists: site.yaml, the input folders and the themes shipped with sitegen."""
    paths = [root / CONFIG_FILE] + [root / d for d in INPUT_FOLDERS]
    paths += [PACKAGE_DIR / "themes", PACKAGE_DIR.parent / "themes"]
    return [p for p in dict.fromkeys(paths) if p.exists()]


class Builder:
    """Keeps the last build's state, so that `update()` after an edit renders only what it affects."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.root = options.site.resolve()
        self.output = (options.output or self.root / "output").resolve()
        self.state: BuildState | None = None

    @property
    def site(self) -> Site | None:
        return self.state.site if self.state is not None else None

    def full(self) -> BuildResult:
        """Build from scratch (or from the cache's last state): the first build of a session."""
        return self._keep(build(self.options))

    def update(self, changed: Iterable[Path]) -> BuildResult:
        """Rebuild after `changed` files were edited, added or removed; the same output as a clean build."""
        return self._keep(build(self.options, self.state, [Path(p).resolve() for p in changed]))

    def watched(self) -> list[Path]:
        return watched(self.root)

    def _keep(self, result: BuildResult) -> BuildResult:
        self.output = result.output
        self.state = result.state if result.state is not None else self.state
        return result


# -- the stages --------------------------------------------------------------------------------------------
def _load(config: Config, options: BuildOptions, problems: Problems, last: BuildState | None,
          changed: Collection[Path] | None,
          cache: Cache | None) -> tuple[Site, Mapping[str, jinja2.Environment], SourceCache]:
    """The site model, checked, and its template environments. After an edit of pages alone, only the
    edited files are read again, when no page comes, goes or moves."""
    if last is not None and changed and all(p in last.site.by_path and p.is_file() for p in changed):
        edited, bad = last.sources.load_all(list(changed))
        if bad:
            raise SitegenError(bad)
        site = reload_pages(last.site, {last.site.by_path[p]: edited[p] for p in changed})
        if site is not None:
            return site, last.envs, last.sources
    sources = last.sources if last is not None else SourceCache(store=cache)
    site = load_site(config, drafts=options.drafts, problems=problems, cache=sources)
    return site, environments(config, site, problems), sources


def _render_all(renderer: Renderer, output: Path, previous: Mapping[str, str] | None, problems: Problems,
                options: BuildOptions) -> tuple[dict[str, str], dict[PageKey, frozenset[PageKey]]]:
    """Render every job on all cores into a staging folder, check, and swap it in."""
    site = renderer.site
    jobs = renderer.jobs()
    digests: dict[str, str] = {}
    deps: dict[PageKey, frozenset[PageKey]] = {}
    config = site.config
    with staging(output, dict(previous) if previous is not None else None, config.precompress) as (folder, stop):
        renderer.brochures.prepare()  # (once, here: the pages that link a brochure show its size)
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


def _render_planned(renderer: Renderer, todo: Plan, output: Path, before: BuildState | _Kept,
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


# -- what the cache keeps between builds ------------------------------------------------------------------
@contextmanager
def _open_cache(root: Path, enabled: bool) -> Iterator[Cache | None]:
    cache = Cache(root) if enabled else None
    try:
        yield cache
    finally:
        if cache is not None:
            cache.close()


def _fingerprint(root: Path, options: BuildOptions, output: Path) -> tuple[str, str]:
    """Every input, cheaply (sitegen's code, the options, each input file's size and time): first all but
    the Markdown pages, then the Markdown pages. Only an edit of pages alone can be planned: a picture or
    an attachment beside a page is copied or encoded by a whole build."""
    content = root / "content"
    others = [p for p in watched(root) if p != content]
    files = tree_stats([content], ignore=skipped) if content.exists() else []
    return (fingerprint([code_version(), options.drafts, options.strict, str(output),
                         tree_stats(others, ignore=skipped), [f for f in files if not f[0].endswith(".md")]]),
            fingerprint([f for f in files if f[0].endswith(".md")]))


def _content_only(root: Path, changed: Collection[Path] | None) -> bool:
    """Whether the edited files are all Markdown content (anything else may change every output)."""
    content = (root / "content").resolve()
    return bool(changed) and all(p.is_relative_to(content) and p.suffix == ".md" for p in changed or ())


@dataclass(frozen=True)
class _Kept:
    """The last build's state as the cache keeps it, when the output folder is as that build left it."""

    content: str
    output: list[tuple[str, int, int]]  # the output folder's files, as `tree_stats` gives them
    outline: Outline
    digests: Mapping[str, str]
    deps: Deps
    summary: dict[str, Any]

    @classmethod
    def read(cls, cache: Cache | None, output: Path, inputs: tuple[str, str]) -> _Kept | None:
        """The kept state, if the inputs other than content and the output folder are unchanged."""
        if cache is None or not output.is_dir() or cache.get_state("inputs") != inputs[0]:
            return None
        stats = tree_stats([output])
        if cache.get_state("output") != _as_json(stats):
            return None
        digests, deps, summary = cache.get_state("digests"), cache.get_state("deps"), cache.get_state("summary")
        try:
            kept_outline = Outline.from_json(cache.get_state("outline"))
            return cls(content=str(cache.get_state("content")), output=stats, outline=kept_outline,
                       digests=dict(digests),
                       deps={_key(k): frozenset(_key(r) for r in reads) for k, reads in deps.items()},
                       summary=dict(summary))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def patched(self, output: Path, written: Iterable[str]) -> list[tuple[str, int, int]]:
        """The output folder's files after `written` (paths below it) were replaced, without walking it."""
        stats = {path: (size, mtime) for path, size, mtime in self.output}
        for rel in written:
            st = (output / rel).stat()
            stats[str(output / rel)] = (st.st_size, st.st_mtime_ns)
        return sorted((path, size, mtime) for path, (size, mtime) in stats.items())

    @staticmethod
    def write(cache: Cache, inputs: tuple[str, str], output: list[tuple[str, int, int]], state: BuildState,
              result: BuildResult) -> None:
        cache.put_state({"inputs": inputs[0], "content": inputs[1], "output": _as_json(output),
                         "digests": dict(state.digests), "outline": state.outline.to_json(),
                         "deps": {"/".join(k): sorted("/".join(r) for r in reads) for k, reads in state.deps.items()},
                         "summary": {"pages": list(result.pages.items()), "files": result.files,  # (in order)
                                     "status": [[k, v.as_dict()] for k, v in result.status.items()]}})


def _key(text: str) -> PageKey:
    lang, _, rel = text.partition("/")
    return lang, rel


def _as_json(value: object) -> object:
    """The value as it comes back from the cache (tuples become lists)."""
    return json.loads(json.dumps(value))


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


__all__ = ["BuildOptions", "BuildResult", "BuildState", "Builder", "Page", "SitegenError", "build", "watched"]
