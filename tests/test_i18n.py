"""Babel formatting filters and catalogs."""

from __future__ import annotations

import datetime as dt

from babel.messages.pofile import read_po

from generator.discover import PACKAGE_DIR
from generator.i18n import Formatter, extract

THEME = PACKAGE_DIR.parent / "themes" / "default"


def test_dates_numbers_percent_currency_per_locale():
    vi, en = Formatter("vi_VN"), Formatter("en_US")
    assert vi.date(dt.date(2019, 3, 8)) == "8 tháng 3, 2019"
    assert en.date(dt.date(2019, 3, 8)) == "March 8, 2019"
    assert vi.number(1234.5) == "1.234,5" and en.number(1234.5) == "1,234.5"
    assert vi.percent(7.37, points=True) == "7,37%" and en.percent(7.37, points=True) == "7.37%"
    assert vi.currency(123328, "VND") == "123.328 ₫" and en.currency(1500, "USD") == "$1,500.00"


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
