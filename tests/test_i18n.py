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
    assert load_translations(THEME, "fr", "fr_FR", problems).gettext("Key figures") == "Key figures"
    assert problems.items == []  # the installed theme speaks vi, en, ja and ko; other languages get its English
    own = tmp_path / "themes/default"
    shutil.copytree(THEME / "locales", own / "locales")
    assert shipped(THEME) and not shipped(own)
    load_translations(own, "fr", "fr_FR", problems)
    assert [p.message for p in problems.warnings] == [
        "no UI catalog for language 'fr' (locale fr_FR); the theme's text will be in English: "
        "run 'sitegen i18n update'"]
    assert load_translations(own, "vi", "vi_VN", Problems()).gettext("Key figures") != "Key figures"


def test_every_catalog_translates_every_theme_string():
    template = extract(THEME)
    ids = {m.id for m in template if m.id}
    assert len(ids) > 10
    catalogs = sorted(THEME.glob("locales/*/LC_MESSAGES/messages.po"))
    assert {p.parts[-3] for p in catalogs} >= {"vi", "en", "ja", "ko"}
    for path in catalogs:
        with path.open("rb") as fh:
            catalog = read_po(fh)
        lang = path.parts[-3]
        assert catalog.locale is not None and catalog.locale.language == lang, path
        translated = {m.id for m in catalog if m.id and not m.fuzzy
                      and (all(m.string) if isinstance(m.string, tuple) else m.string)}
        assert ids <= translated, f"{lang} lacks: {sorted(ids - translated, key=str)}"
        assert not (translated - ids), f"{lang} has strings no template uses: {sorted(translated - ids, key=str)}"


def test_cjk_catalogs_are_japanese_and_korean_and_keep_their_placeholders():
    import re
    import unicodedata

    placeholder = re.compile(r"%\([a-z]+\)[sd]|\{[a-z]+\}")
    for lang, locale, script in (("ja", "ja_JP", r"[\u3040-\u30ff\u4e00-\u9fff]"), ("ko", "ko_KR", r"[\uac00-\ud7a3]")):
        with open(THEME / f"locales/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
            catalog = read_po(fh, locale=locale)
        for m in catalog:
            if not m.id:
                continue
            source = m.id[-1] if isinstance(m.id, tuple) else m.id
            target = m.string[0] if isinstance(m.string, tuple) else m.string
            assert set(placeholder.findall(target)) == set(placeholder.findall(source)), (lang, m.id)
            assert unicodedata.is_normalized("NFC", target), (lang, m.id)
            if re.search(r"[A-Za-z]{3}", placeholder.sub("", source)) and source not in ("%(area)s ha",
                                                                                        "%(distance)s km"):
                assert re.search(script, target), f"{lang}: {m.id!r} is not translated: {target!r}"
        translations = load_translations(THEME, lang, locale, problems := Problems())
        assert problems.items == [] and translations.gettext("Skip to content") != "Skip to content"


def test_dates_numbers_and_currency_in_japanese_and_korean():
    ja, ko = Formatter("ja_JP"), Formatter("ko_KR")
    assert ja.date(dt.date(2025, 7, 1)) == "2025年7月1日" and ko.date(dt.date(2025, 7, 1)) == "2025년 7월 1일"
    assert ja.number(1234.5) == "1,234.5" and ko.number(1234.5) == "1,234.5"
    assert ja.percent(7.37, points=True) == "7.37%" and ko.percent(7.37, points=True) == "7.37%"
    assert ja.currency(1500) == "￥1,500" and ko.currency(1500) == "₩1,500"
    assert ja.currency(2_690_000_000, "USD", digits=0) == "$2,690,000,000"
    assert ko.currency(2_690_000_000, "USD", digits=0) == "US$2,690,000,000"
    assert ja.compact(2_690_000_000) == "26.9億" and ko.compact(2_690_000_000) == "26.9억"


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
