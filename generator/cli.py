"""The command line. Thin: parse options, call one function of the pipeline, print the outcome."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from generator import __version__, keeper, writer
from generator.build import BuildOptions, BuildResult, build
from generator.errors import SitegenError

SITE = click.option("--site", "site", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                    show_default=True, help="The site's folder (with site.yaml and content/).")
DEBUG = click.option("--debug", is_flag=True, help="Show a traceback with errors.")
_LEFT_TO_THE_END: list[object] = []  # what `main`'s exit frees at once


def _fail(exc: SitegenError, debug: bool) -> NoReturn:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    if debug:
        traceback.print_exception(exc)
    sys.exit(1)


@contextmanager
def _reported(debug: bool) -> Iterator[None]:
    """A SitegenError or an OSError (disk full, no permission) as one line each on stderr and exit 1;
    a traceback only with --debug."""
    try:
        yield
    except SitegenError as exc:
        _fail(exc, debug)
    except OSError as exc:
        if debug:
            raise
        click.echo(f"{exc.filename or 'output'}: {exc.strerror or exc}", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def cli() -> None:
    """Build multilingual static websites from Markdown."""


@cli.command("build")
@SITE
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the site [default: <site>/output].")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--no-cache", is_flag=True, help="Ignore and do not update <site>/.sitegen-cache.")
@click.option("--timings", is_flag=True, help="Print the seconds spent in each stage.")
@DEBUG
def build_command(site: Path, output: Path | None, drafts: bool, strict: bool, no_cache: bool, timings: bool,
                  debug: bool) -> None:
    """Build the site into the output folder."""
    keeper.AT_EXIT = True  # (this process ends with the build: `main` forks the keeper last)
    with _reported(debug):
        result = build(BuildOptions(site=site, output=output, drafts=drafts, strict=strict, progress=True,
                                    cache=not no_cache, digests=False))  # (the state is not used here)
    print_summary(result)
    if timings:
        for stage, seconds in result.timings.items():
            click.echo(f"  {seconds:7.3f} s  {stage}")
    _LEFT_TO_THE_END.append(result)  # (freed one by one, a big build's values take a tenth of a second)


def print_summary(result: BuildResult) -> None:
    """The build summary: pages per language, missing and stale translations, warnings, time."""
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    langs = ", ".join(f"{lang}: {n}" for lang, n in result.pages.items())
    total = sum(result.pages.values())
    if result.up_to_date:
        click.echo(f"Nothing changed since the last build of {total} pages ({langs}), {result.files} files "
                   f"into {result.output} in {result.seconds:.2f} s.")
    elif not result.full:
        click.echo(f"Rebuilt {result.rendered} of {total} pages ({langs}), {result.written} of {result.files} "
                   f"files changed in {result.output}, in {result.seconds:.2f} s.")
    else:
        click.echo(f"Built {total} pages ({langs}), {result.files} files into {result.output} "
                   f"in {result.seconds:.2f} s.")
    for lang, st in result.status.items():
        if st.missing:
            click.echo(f"  {lang}: {len(st.missing)} page(s) without a translation: "
                       + ", ".join(st.missing[:5]) + (" … ('sitegen translations' lists them all)"
                                                      if len(st.missing) > 5 else ""))
        if st.stale:
            click.echo(f"  {lang}: {len(st.stale)} stale translation(s): "
                       + ", ".join(st.stale[:5]) + (" …" if len(st.stale) > 5 else ""))
    if result.warnings:
        click.echo(f"  {len(result.warnings)} warning(s).")


@cli.command("serve")
@SITE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--output", type=click.Path(path_type=Path), default=None)
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
def serve_command(site: Path, host: str, port: int, output: Path | None, drafts: bool) -> None:
    """Build, serve on http://127.0.0.1:8000 and rebuild and reload the browser on every save."""
    from generator.serve import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving on {host}: other machines on the network can see this preview", err=True)
    serve(BuildOptions(site=site, output=output, drafts=drafts, watch=True), host=host, port=port)


@cli.command("new")
@SITE
@click.argument("path")
def new_command(site: Path, path: str) -> None:
    """Create <section>/<name>.md in every language, with front matter filled in."""
    from generator.scaffold import new_page

    try:
        for created in new_page(site.resolve(), path, dt.date.today()):
            click.echo(f"created {created}")
    except SitegenError as exc:
        _fail(exc, False)


@cli.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--languages", default="en", show_default=True,
              help="Language codes in order, separated by commas (the first is the default), e.g. vi,en,ja.")
@click.option("--title", default="My site", show_default=True, help="The site's title, in every language.")
def init_command(folder: Path, languages: str, title: str) -> None:
    """Create a new site in FOLDER (new or empty): site.yaml, a home and an about page per language."""
    from generator.scaffold import init_site, parse_languages

    try:
        written = init_site(folder, parse_languages(languages), title)
    except SitegenError as exc:
        _fail(exc, False)
    except OSError as exc:
        click.echo(f"{exc.filename or folder}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    click.echo(f"Created a site in {folder} ({len(written)} files). Replace the placeholder texts, then:")
    click.echo(f"  sitegen serve --site {folder}")


@cli.command("translations")
@SITE
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@click.option("--mark-done", "mark", type=click.Path(path_type=Path), default=None,
              help="Record that this translation is up to date with its original.")
def translations_command(site: Path, as_json: bool, mark: Path | None) -> None:
    """Show, per language, missing and stale translations."""
    from generator import translations
    from generator.config import load_config
    from generator.site import load_site

    try:
        config = load_config(site.resolve())
        model = load_site(config)
        if mark is not None:
            page = next((p for p in model.pages.values() if p.path.resolve() == mark.resolve()), None)
            source = translations.original(model, page) if page else None
            if page is None or source is None:
                raise _not_a_translation(mark)
            digest = translations.mark_done(page.path, source)
            click.echo(f"{mark}: translated_from: {digest} (content/{source.lang}/{source.rel})")
            return
        status = translations.status(model)
    except SitegenError as exc:
        _fail(exc, False)
    if as_json:
        click.echo(json.dumps({lang: st.as_dict() for lang, st in status.items()}, ensure_ascii=False, indent=2))
        return
    for lang, st in status.items():
        click.echo(f"{lang}: {st.pages} pages, {len(st.missing)} missing, {len(st.stale)} stale, "
                   f"{len(st.untracked)} not tracked")
        for label, paths in (("missing", st.missing), ("stale", st.stale)):
            for p in paths:
                click.echo(f"  {label}: {p}")
    if any(st.untracked for st in status.values()):
        click.echo("Pages 'not tracked' do not say which version of the original they translate: "
                   "run 'sitegen translations --mark-done PATH' once each is checked.")


def _not_a_translation(path: Path) -> SitegenError:
    from generator.errors import error

    return error(path, "not a translation of a page in the default language (or not a content page)")


@cli.command("check")
@SITE
@click.option("--strict", is_flag=True, help="Treat the source report's warnings as errors.")
@DEBUG
def check_command(site: Path, strict: bool, debug: bool) -> None:
    """Build into a temporary folder and check links, anchors, alt text, descriptions, catalogs, sources.

    The source report lists, per page, figures stated without 'sources:', vague sources (compiled by the
    editors, without a 'note' saying from what) and empty fields of structured front matter such as 'park:'.
    """
    from generator.check import check

    try:
        result = check(site.resolve(), strict=strict)
    except SitegenError as exc:
        _fail(exc, debug)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    report = result.sources
    if report.problems:
        click.echo("Source report" + (" (errors under --strict):" if strict else " (warnings):"))
        for problem in report.problems:
            click.echo(str(problem), err=True)
    problems = [*result.problems, *report.problems]
    errors = [p for p in problems if not p.warning]
    click.echo(report.summary())
    click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s).")
    sys.exit(1 if errors else 0)


@cli.command("deploy")
@SITE
@click.argument("target", required=False)
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="The built site to publish [default: <site>/output].")
@click.option("--dry-run", is_flag=True, help="Show what would be sent and deleted; change nothing.")
@click.option("--max-deletes", type=click.IntRange(min=0), default=256, show_default=True,
              help="Refuse to delete more files than this without --yes.")
@click.option("--yes", is_flag=True, help="Allow more deletions than --max-deletes.")
@DEBUG
def deploy_command(site: Path, target: str | None, output: Path | None, dry_run: bool, max_deletes: int,
                   yes: bool, debug: bool) -> None:
    """Publish output/ to TARGET of site.yaml's deploy list (the first by default): S3, SSH or a git branch."""
    from generator.deploy import DeployOptions, deploy

    with _reported(debug):
        result = deploy(DeployOptions(site=site, target=target, output=output, dry_run=dry_run,
                                      max_deletes=max_deletes, yes=yes, progress=True))
    t = result.target
    if result.dry_run:
        for path in result.sent:
            click.echo(f"would send {path}")
        for path in result.deleted:
            click.echo(f"would delete {path}")
    for note in result.notes:
        click.echo(f"note: {note}")
    verb = ("Would send", "would delete") if result.dry_run else ("Sent", "deleted")
    click.echo(f"{verb[0]} {len(result.sent)} file(s), {verb[1]} {len(result.deleted)}, {result.unchanged} "
               f"unchanged: {t.name} ({t.url}) in {result.seconds:.2f} s.")


@cli.group("i18n")
def i18n_group() -> None:
    """Keep the theme's UI catalogs (gettext, via Babel) up to date."""


def _theme_and_languages(site: Path) -> tuple[Path, list[tuple[str, str]]]:
    """The site's theme folder and its (code, locale) pairs, or exit 1 with the located error."""
    from generator.config import load_config
    from generator.discover import theme_dirs
    from generator.errors import error

    try:
        config = load_config(site.resolve())
        dirs = theme_dirs(config.root, config.theme)
        if not dirs:
            raise error(config.source_file, f"theme {config.theme!r} not found")
    except SitegenError as exc:
        _fail(exc, False)
    return dirs[0], [(lang.code, lang.locale) for lang in config.languages]


@i18n_group.command("extract")
@SITE
def i18n_extract(site: Path) -> None:
    """Write the theme's messages.pot from its templates."""
    from generator.i18n import write_template

    theme, _ = _theme_and_languages(site)
    pot, catalog = write_template(theme)
    click.echo(f"{pot}: {len(catalog)} strings")


@i18n_group.command("update")
@SITE
def i18n_update(site: Path) -> None:
    """Extract the strings and update every language's messages.po (new strings left untranslated)."""
    from babel.messages.pofile import read_po

    from generator.i18n import update_catalogs

    theme, languages = _theme_and_languages(site)
    for path in update_catalogs(theme, languages):
        if path.suffix == ".po":
            with path.open("rb") as fh:
                catalog = read_po(fh)
            missing = sum(1 for m in catalog if m.id and not m.string)
            click.echo(f"{path}: {len(catalog)} strings, {missing} untranslated")
        else:
            click.echo(f"{path}: written")


def main() -> None:
    """The `sitegen` command. It ends the process without freeing its objects one by one, which after a big
    build takes a noticeable time for nothing (exit handlers still run, output is flushed)."""
    writer.BACKGROUND_REMOVAL = True  # (the replaced output goes in a process that outlives this one)
    keeper.BACKGROUND = True  # (and so does writing the cache for the next build)
    try:
        cli(prog_name="sitegen")
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    keeper.finish()  # (the cache for the next build: in a process forked now, which outlives this one)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
