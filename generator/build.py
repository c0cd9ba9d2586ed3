"""The build pipeline, top to bottom: config → sources → site model → Markdown → templates → output."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generator.config import Config, load_config
from generator.errors import Problem, Problems, SitegenError
from generator.i18n import load_translations
from generator.markdown import Converter, Rendered
from generator.model import Site
from generator.render import Renderer
from generator.site import load_site
from generator.templates import make_environment
from generator.writer import check_output_dir, write_site


@dataclass(frozen=True)
class BuildOptions:
    site: Path
    output: Path | None = None
    drafts: bool = False
    strict: bool = False


@dataclass
class BuildResult:
    """What a build did, for the summary line."""

    output: Path
    pages: Counter[str] = field(default_factory=Counter)
    missing: dict[str, list[str]] = field(default_factory=dict)
    files: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def build(options: BuildOptions) -> BuildResult:
    """Build the whole site, or raise SitegenError leaving the previous output untouched."""
    started = time.perf_counter()
    root = options.site.resolve()
    config = load_config(root)
    output = options.output if options.output is not None else root / "output"
    output = check_output_dir(output, root, config.content_dir)
    problems = Problems()

    site = load_site(config, drafts=options.drafts, problems=problems)
    bodies = convert_markdown(site, problems)
    envs = environments(config, site, problems)
    problems.raise_if_errors(strict=options.strict)
    files = write_site(Renderer(site, bodies, envs).outputs(), output)

    result = BuildResult(output=output, files=files, warnings=problems.warnings)
    result.pages = Counter(p.lang for p in site.pages.values())
    result.missing = missing_translations(site)
    result.seconds = time.perf_counter() - started
    return result


def convert_markdown(site: Site, problems: Problems) -> dict[tuple[str, str], Rendered]:
    """Render every page's Markdown, with links to source files written as their URLs."""
    converter = Converter(unsafe_html=site.config.unsafe_html)
    links = link_targets(site)
    bodies = {}
    for page in site.pages.values():
        if not page.body and page.kind != "page":
            continue
        folder = page.rel.rsplit("/", 1)[0] if "/" in page.rel else ""
        rendered = converter.convert(page.body, f"{page.lang}/{folder}".rstrip("/"), links.get,
                                     page.body_line)
        for line, message in rendered.problems:
            problems.add(page.path, message, line, 1, warning=message.startswith("unsafe link"))
        bodies[page.key] = rendered
    return bodies


def link_targets(site: Site) -> dict[str, str]:
    """Map `<lang>/<source path>` of every page and content file to its URL."""
    targets = {f"{p.lang}/{p.rel}": p.url for p in site.pages.values()}
    content = site.config.content_dir
    for asset in site.assets:
        if asset.source.is_relative_to(content):
            rel = asset.source.relative_to(content).as_posix()
            targets[rel] = site.config.base_path + asset.output
    return targets


def environments(config: Config, site: Site, problems: Problems) -> dict[str, jinja2.Environment]:
    """One Jinja environment per language, with that language's compiled catalog."""
    theme = site.theme_dirs[0]
    return {
        lang.code: make_environment(config.root, theme, lang.locale,
                                    load_translations(theme, lang.code, lang.locale, problems), config.base_url)
        for lang in config.languages
    }


def missing_translations(site: Site) -> dict[str, list[str]]:
    """Per language, the source pages of other languages that have no translation in it."""
    out: dict[str, list[str]] = {code: [] for code in site.config.codes}
    for group in site.translations.values():
        for code in site.config.codes:
            if code not in group:
                first = site.pages[next(iter(group.values()))]
                if first.path.is_file():
                    out[code].append(f"{first.lang}/{first.rel}")
    return {code: sorted(v) for code, v in out.items()}


__all__ = ["BuildOptions", "BuildResult", "SitegenError", "build"]
