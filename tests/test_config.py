"""The site.yaml schema: it validates (every bad key at once, located), builds Config and documents itself."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import SCHEMA, Config, Derived, load_config, markdown_table, schema_keys
from generator.errors import SitegenError

REPO = Path(__file__).resolve().parent.parent
MINIMAL = """\
base_url: https://example.org/sub
languages:
  - {code: vi, name: Tiếng Việt, locale: vi_VN}
  - {code: en, name: English, locale: en_US}
title: {vi: Trang thử, en: Test site}
"""


def load(tmp_path: Path, text: str) -> Config:
    tmp_path.joinpath("site.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SitegenError) as info:
        load(tmp_path, text)
    return [str(p).split("site.yaml:", 1)[1] for p in info.value.problems]


def test_schema_and_config_have_the_same_fields():
    attrs = [key.attr or name for name, key in schema_keys()]
    assert len(attrs) == len(set(attrs))
    assert set(attrs) == {f.name for f in dataclasses.fields(Config)} - {"root", "source_file"}


def test_missing_keys_take_the_schemas_defaults(tmp_path):
    config = load(tmp_path, MINIMAL)
    assert config.base_url == "https://example.org/sub/" and config.base_path == "/sub/"
    assert config.codes == ("vi", "en") and config.default_language == "vi"  # derived: the first language
    for name, key in schema_keys():
        if not key.required and not isinstance(key.default, Derived):
            assert getattr(config, key.attr or name) == key.default, name
    assert config.organization_type == "Organization" and "tỷ" not in config.figure_units


def test_the_example_sites_values(tmp_path):
    config = load_config(REPO)
    assert config.organization_type == "GovernmentOrganization"
    assert {"tỷ", "người", "VND", "ha"} <= set(config.figure_units)
    assert config.pagination == 12 and config.unsafe_html is False and config.feed_sections == ("news",)
    assert [item.page for item in config.menus["en"]][-1] == "contact.md"


def test_nested_keys_reach_their_fields(tmp_path):
    config = load(tmp_path, MINIMAL + "markdown: {unsafe_html: true}\nfeeds: {sections: [/tin/, su-kien], limit: 3}\n"
                                      "organization: {type: NGO}\nfigure_units: [ha, người]\nsearch: false\n")
    assert config.unsafe_html is True and config.search is False
    assert config.feed_sections == ("tin", "su-kien") and config.feed_limit == 3
    assert config.organization_type == "NGO" and config.figure_units == ("ha", "người")


def test_every_bad_key_is_reported_at_once_at_its_line(tmp_path):
    text = MINIMAL + (
        "colour: red\n"                                 # 6
        "pagination: 0\n"                               # 7
        "search: yes please\n"                          # 8
        "markdown: {unsafe_html: 1, raw: true}\n"       # 9
        "feeds:\n  sections: news\n  limit: many\n"     # 10-12
        "organization: {type: government}\n"            # 13
        "figure_units: ha\n"                            # 14
        "default_language: fr\n"                        # 15
        "description: {vi: Mô tả, de: Beschreibung}\n"  # 16
        "theme: ../x\n"                                 # 17
    )
    assert problems(tmp_path, text) == [  # in the order of the file, each at its key
        "6:1: unknown key 'colour' (known keys: " + ", ".join(SCHEMA) + ")",
        "7:1: pagination must be a whole number of at least 1",
        "8:1: search must be true or false",
        "9:12: markdown.unsafe_html must be true or false",
        "9:28: unknown markdown option 'raw' (known: unsafe_html)",
        "11:3: feeds.sections must be a list of content folders such as [news]",
        "12:3: feeds.limit must be a whole number of at least 1",
        "13:16: organization.type must be a schema.org type such as Organization or GovernmentOrganization",
        "14:1: figure_units must be a list of units such as [ha, km², USD]",
        "15:1: default_language 'fr' is not one of the languages (vi, en)",
        "16:26: description has language 'de', which is not in languages",
        "17:1: theme must be a theme's folder name such as 'default'",
    ]


def test_missing_and_malformed_structure(tmp_path):
    assert problems(tmp_path, "title: x\nfeeds: [news]\nlanguages: []\n") == [
        "1:1: missing required key 'base_url'",
        "2:1: feeds must be a mapping such as {sections: [news], limit: 20}",
        "3:1: languages must be a list of {code, name, locale}",
    ]
    assert load(tmp_path, MINIMAL + "notice:\n").notice == {}
    assert problems(tmp_path, MINIMAL.replace("en: Test site", "de: Test")) == [
        "5:1: title is missing language 'en'",
        "5:24: title has language 'de', which is not in languages",
    ]


def test_readme_table_is_the_schemas():
    readme = REPO.joinpath("README.md").read_text(encoding="utf-8")
    start = readme.index("| key | type | default | what it is |")
    end = readme.index("\n\n", start)
    assert readme[start:end + 1] == markdown_table()
    assert all(f"| `{name}` |" in readme for name, _ in schema_keys())


def test_markdown_table_from_the_command_line():
    out = subprocess.run([sys.executable, "-m", "generator.config", "--markdown"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out == markdown_table() and out.count("\n") == len(schema_keys()) + 2
    bad = subprocess.run([sys.executable, "-m", "generator.config"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 1 and "usage" in bad.stderr and "Traceback" not in bad.stderr


def test_figure_units_decide_what_check_calls_a_figure(tmp_path):
    from generator.check import figures

    neutral = figures(load(tmp_path, MINIMAL).figure_units)
    assert neutral.search("an area of 101,89 ha").group(0) == "101,89 ha"
    assert neutral.search("grew 7.4%") and neutral.search("USD 2 billion, 3 tonnes")
    assert not neutral.search("in 2019, 3 hamlets") and not neutral.search("41.700 tỷ đồng")
    site = figures(load_config(REPO).figure_units)
    assert site.search("41.700 tỷ đồng").group(0) == "41.700 tỷ" and site.search("1,9 triệu người")
    assert figures(()).pattern.endswith("(?:%)")  # no units: percentages only
