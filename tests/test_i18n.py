"""Babel formatting filters and catalogs."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from babel.messages.pofile import read_po

from generator.discover import PACKAGE_DIR
from generator.errors import Problems
from generator.i18n import Formatter, extract, load_translations, shipped

THEME = PACKAGE_DIR.parent / "themes" / "default"


def test_dates_numbers_percent_currency_per_locale():
    vi, en = Formatter("vi_VN"), Formatter("en_US")
    assert vi.date(dt.date(2019, 3, 8)) == "8 tháng 3, 2019"
    assert en.date(dt.date(2019, 3, 8)) == "March 8, 2019"
    assert vi.number(1234.5) == "1.234,5" and en.number(1234.5) == "1,234.5"
    assert vi.percent(7.37, points=True) == "7,37%" and en.percent(7.37, points=True) == "7.37%"
    assert vi.currency(123328, "VND") == "123.328 ₫" and en.currency(1500, "USD") == "$1,500.00"
    assert en.currency(1234.6, "VND") == "₫1,235" and en.currency(1234.6, "EUR") == "€1,234.60"
    assert vi.currency(2_690_000_000, "USD", digits=0) == "2.690.000.000 US$"


def test_currency_defaults_to_the_locales_country_not_to_one_site():
    assert Formatter("vi_VN").currency(123328) == "123.328 ₫"
    assert Formatter("en_US").currency(1500) == "$1,500.00"
    assert Formatter("ja_JP").currency(1500) == "￥1,500" and Formatter("de_DE").currency(1500) == "1.500,00\xa0€"
    with pytest.raises(ValueError, match="locale en names no country"):
        Formatter("en").currency(1)


def test_a_missing_catalog_warns_only_for_the_sites_own_theme(tmp_path):
    problems = Problems()
    assert load_translations(THEME, "ja", "ja_JP", problems).gettext("Key figures") == "Key figures"
    assert problems.items == []  # the installed theme speaks vi and en; other languages get its English
    own = tmp_path / "themes/default"
    shutil.copytree(THEME / "locales", own / "locales")
    assert shipped(THEME) and not shipped(own)
    load_translations(own, "ja", "ja_JP", problems)
    assert [p.message for p in problems.warnings] == [
        "no UI catalog for language 'ja' (locale ja_JP); the theme's text will be in English: "
        "run 'sitegen i18n update'"]
    assert load_translations(own, "vi", "vi_VN", Problems()).gettext("Key figures") != "Key figures"


def test_every_catalog_translates_every_theme_string():
    template = extract(THEME)
    ids = {m.id for m in template if m.id}
    assert len(ids) > 10
    for lang, locale in (("vi", "vi_VN"), ("en", "en_US")):
        with open(THEME / f"locales/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
            catalog = read_po(fh, locale=locale)
        translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        assert ids <= translated, f"{lang} lacks: {sorted(ids - translated, key=str)}"


def test_i18n_extract_and_update_keep_catalogs_current(make_site):
    import shutil

    from conftest import run

    site = make_site()
    theme = site / "themes/default"
    shutil.copytree(THEME, theme)
    (theme / "templates/extra.html").write_text('{{ _("A brand new string") }}')
    result = run("i18n", "extract", "--site", site)
    assert result.exit_code == 0 and "messages.pot" in result.output
    assert 'msgid "A brand new string"' in (theme / "locales/messages.pot").read_text()
    result = run("i18n", "update", "--site", site)
    assert result.exit_code == 0 and "1 untranslated" in result.output
    vi = (theme / "locales/vi/LC_MESSAGES/messages.po").read_text()
    assert 'msgid "A brand new string"\nmsgstr ""' in vi and 'msgstr "Nguồn"' in vi  # old translations kept
    assert run("i18n", "update", "--site", site / "nowhere").exit_code == 1
