"""The command line: `sitegen build` and friends. Thin: parsing, then one call into the pipeline."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from generator import __version__
from generator.build import BuildOptions, BuildResult, build
from generator.errors import SitegenError


def _fail(exc: SitegenError, debug: bool) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    if debug:
        traceback.print_exception(exc)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def cli() -> None:
    """Build multilingual static websites from Markdown."""


@cli.command("build")
@click.option("--site", "site", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The site's folder (with site.yaml and content/).")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the site [default: <site>/output].")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--debug", is_flag=True, help="Show a traceback with errors.")
def build_command(site: Path, output: Path | None, drafts: bool, strict: bool, debug: bool) -> None:
    """Build the site into the output folder."""
    try:
        result = build(BuildOptions(site=site, output=output, drafts=drafts, strict=strict))
    except SitegenError as exc:
        _fail(exc, debug)
        return
    except OSError as exc:
        if debug:
            raise
        click.echo(f"{getattr(exc, 'filename', '') or 'output'}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    print_summary(result)


def print_summary(result: BuildResult) -> None:
    """The build summary: pages per language, missing translations, warnings, time."""
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    langs = ", ".join(f"{lang}: {n}" for lang, n in result.pages.items())
    click.echo(f"Built {sum(result.pages.values())} pages ({langs}), {result.files} files "
               f"into {result.output} in {result.seconds:.2f} s.")
    for lang, missing in result.missing.items():
        if missing:
            click.echo(f"  {lang}: {len(missing)} page(s) without a translation: "
                       + ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))
    if result.warnings:
        click.echo(f"  {len(result.warnings)} warning(s).")


def main() -> None:
    cli(prog_name="sitegen")


@cli.group("i18n")
def i18n_group() -> None:
    """Keep the theme's UI catalogs (gettext, via Babel) up to date."""


def _theme_and_languages(site: Path) -> tuple[Path, list[tuple[str, str]]]:
    from generator.config import load_config
    from generator.discover import theme_dirs

    config = load_config(site.resolve())
    dirs = theme_dirs(config.root, config.theme)
    if not dirs:
        raise SitegenError([])
    return dirs[0], [(lang.code, lang.locale) for lang in config.languages]


@i18n_group.command("extract")
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def i18n_extract(site: Path) -> None:
    """Write the theme's messages.pot from its templates."""
    from babel.messages.pofile import write_po

    from generator.i18n import DOMAIN, extract

    try:
        theme, _ = _theme_and_languages(site)
    except SitegenError as exc:
        _fail(exc, False)
        return
    pot = theme / "locales" / f"{DOMAIN}.pot"
    pot.parent.mkdir(parents=True, exist_ok=True)
    catalog = extract(theme)
    with pot.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)
    click.echo(f"{pot}: {len(catalog)} strings")


@i18n_group.command("update")
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def i18n_update(site: Path) -> None:
    """Extract the strings and update every language's messages.po (new strings left untranslated)."""
    from babel.messages.pofile import read_po

    from generator.i18n import update_catalogs

    try:
        theme, languages = _theme_and_languages(site)
    except SitegenError as exc:
        _fail(exc, False)
        return
    for path in update_catalogs(theme, languages):
        if path.suffix == ".po":
            with path.open("rb") as fh:
                catalog = read_po(fh)
            missing = sum(1 for m in catalog if m.id and not m.string)
            click.echo(f"{path}: {len(catalog)} strings, {missing} untranslated")
        else:
            click.echo(f"{path}: written")
