"""Babel: the theme's gettext catalogs, compiled at build time, and locale-aware formatting."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_territory_currencies,
)
from babel.numbers import format_currency as _format_currency
from babel.support import NullTranslations, Translations

from generator.discover import PACKAGE_DIR
from generator.errors import Problems

DOMAIN = "messages"


def catalog_path(theme_dir: Path, lang: str) -> Path:
    return theme_dir / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def shipped(theme_dir: Path) -> bool:
    """Whether `theme_dir` is a theme installed with sitegen rather than one in the site's themes/ folder."""
    installed = {(PACKAGE_DIR / "themes").resolve(), (PACKAGE_DIR.parent / "themes").resolve()}
    return theme_dir.resolve().parent in installed


def load_translations(theme_dir: Path, lang: str, locale: str, problems: Problems) -> NullTranslations:
    """Compile the theme's catalog for `lang` in memory; report untranslated strings as warnings."""
    path = catalog_path(theme_dir, lang)
    if not path.is_file():
        # A theme shipped with sitegen speaks the languages it has catalogs for, and a site cannot add one
        # to the installed package: its text in English is then the theme's choice, not the site's problem.
        if not shipped(theme_dir):
            problems.add(path, f"no UI catalog for language {lang!r} (locale {locale}); the theme's text will "
                               "be in English: run 'sitegen i18n update'", warning=True)
        return NullTranslations()
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, abort_invalid=True)
    except PoFileError as exc:
        problems.add(path, f"malformed catalog for locale {locale}: {exc}", getattr(exc, "lineno", 0), 1)
        return NullTranslations()
    except (ValueError, UnicodeDecodeError) as exc:
        problems.add(path, f"cannot read catalog for locale {locale}: {exc}")
        return NullTranslations()
    for message in catalog:
        if message.id and (not message.string or (isinstance(message.string, tuple)
                                                 and not all(message.string))):
            line = message.lineno or 0
            problems.add(path, f"UI string {message.id!r} has no {locale} translation", line, 1, warning=True)
        elif message.id and message.fuzzy:
            problems.add(path, f"UI string {message.id!r} is marked fuzzy for {locale}; check it and remove "
                               "the fuzzy flag", message.lineno or 0, 1, warning=True)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@functools.lru_cache(maxsize=4096)
def _date(value: dt.date, format: str, locale: str) -> str:
    """A date in words (lists show the same dates on many pages, and Babel is slow)."""
    return _format_date(value, format=format, locale=locale)


@dataclass(frozen=True)
class Formatter:
    """Formats dates, numbers, percentages and money in one locale."""

    locale: str

    def date(self, value: dt.date | dt.datetime | str | None, format: str = "long") -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return _date(value, format, self.locale)

    def number(self, value: float | int | Decimal, digits: int | None = None) -> str:
        if digits is not None:
            fmt = "#,##0" + ("." + "0" * digits if digits else "")
            return format_decimal(value, format=fmt, locale=self.locale)
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float | int | Decimal, digits: int = 2, points: bool = False) -> str:
        """Format a fraction (0.0737) or, with points=True, a value already in percent (7.37)."""
        fraction = Decimal(str(value)) / 100 if points else value
        fmt = "#,##0" + ("." + "#" * digits if digits else "") + "%"
        return format_percent(fraction, format=fmt, locale=self.locale)

    def currency(self, value: float | int | Decimal, currency: str | None = None, digits: int | None = None) -> str:
        """Format money in `currency` (by default the currency of the locale's country), with the locale's
        decimals, or none when `digits` is 0 or the currency has no minor unit (VND, JPY)."""
        code = currency or local_currency(self.locale)
        if digits == 0 or (digits is None and get_currency_precision(code) == 0):
            return _format_currency(value, code, locale=self.locale, format_type="standard",
                                    currency_digits=False, decimal_quantization=True,
                                    format="¤#,##0" if _symbol_first(self.locale) else "#,##0 ¤")
        return _format_currency(value, code, locale=self.locale)

    def compact(self, value: float | int, digits: int = 1) -> str:
        return format_compact_decimal(value, format_type="long", fraction_digits=digits, locale=self.locale)


@functools.lru_cache(maxsize=64)
def local_currency(locale: str) -> str:
    """The currency of the locale's country (as of a fixed date, so that a build does not depend on today)."""
    territory = Locale.parse(locale).territory
    currencies = get_territory_currencies(territory, start_date=_FIXED_DATE.date()) if territory else []
    if not currencies:
        raise ValueError(f"locale {locale} names no country, so it has no currency: give one, "
                         "e.g. value | currency('EUR')")
    return str(currencies[0])


def _symbol_first(locale: str) -> bool:
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return bool(pattern.strip().startswith("¤"))


def extract(theme_dir: Path) -> Catalog:
    """Extract the theme's UI strings from its templates (Babel's Jinja2 extractor)."""
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="sitegen theme", version=None, creation_date=_FIXED_DATE,
                      revision_date=_FIXED_DATE, fuzzy=False)
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            theme_dir / "templates", method_map, options, strip_comment_tags=True):
        catalog.add(message, None, [(f"templates/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def write_template(theme_dir: Path) -> tuple[Path, Catalog]:
    """Extract the theme's strings into locales/messages.pot; return its path and the catalog."""
    from babel.messages.pofile import write_po

    template = extract(theme_dir)
    pot = theme_dir / "locales" / f"{DOMAIN}.pot"
    pot.parent.mkdir(parents=True, exist_ok=True)
    with pot.open("wb") as fh:
        write_po(fh, template, width=100, sort_output=True, omit_header=False)
    return pot, template


def update_catalogs(theme_dir: Path, languages: list[tuple[str, str]]) -> list[Path]:
    """Write messages.pot and bring every language's messages.po up to date; return the files written."""
    from babel.messages.pofile import write_po

    pot, template = write_template(theme_dir)
    written = [pot]
    for lang, locale in languages:
        path = catalog_path(theme_dir, lang)
        if path.is_file():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
        else:
            catalog = Catalog(locale=locale, project="sitegen theme", creation_date=_FIXED_DATE,
                              revision_date=_FIXED_DATE, fuzzy=False)
        catalog.update(template, update_header_comment=False)
        catalog.revision_date = _FIXED_DATE
        catalog.creation_date = _FIXED_DATE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, include_previous=False, ignore_obsolete=True)
        written.append(path)
    return written


_FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
