"""`sitegen init`: a new, neutral site in any languages that builds, passes `check` and serves."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build, free_port, run, run_process, tree_digest, wait_for_port
from generator.scaffold import parse_languages


@pytest.fixture(scope="module")
def new_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "hoi-an"
    result = run("init", folder, "--languages", "vi,en,ja", "--title", "Hội An")
    assert result.exit_code == 0, result.output
    return folder


def test_three_languages_build_with_their_lang_attribute(new_site: Path):
    result = build(new_site)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    for code in ("vi", "en", "ja"):
        home = (new_site / f"output/{code}/index.html").read_text(encoding="utf-8")
        assert re.search(rf'<html lang="{code}"', home)
        assert (new_site / f"output/{code}/about/index.html").is_file()
    assert '<html lang="vi"' in (new_site / "output/index.html").read_text(encoding="utf-8")  # the first language


def test_passes_check_without_a_warning(new_site: Path):
    proc = run_process("check", "--site", new_site)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("0 error(s), 0 warning(s).") and proc.stderr == ""


def test_is_neutral_and_derives_locales(new_site: Path):
    text = (new_site / "site.yaml").read_text(encoding="utf-8")
    assert "locale: vi_VN" in text and "locale: en_US" in text and "locale: ja_JP" in text
    assert '"日本語"' in text and '"Hội An"' in text
    everything = " ".join(p.read_text(encoding="utf-8") for p in new_site.rglob("*") if p.is_file()
                          and "output" not in p.parts and ".sitegen-cache" not in p.parts)
    assert "Thái Bình" not in everything and "GovernmentOrganization" not in everything
    assert sorted(p.relative_to(new_site / "content").as_posix() for p in (new_site / "content").rglob("*.md")) == [
        "en/_index.md", "en/about.md", "ja/_index.md", "ja/about.md", "vi/_index.md", "vi/about.md"]
    assert "write this page in 日本語 (ja)" in (new_site / "content/ja/_index.md").read_text(encoding="utf-8")


def test_serves(new_site: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(new_site), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, proc)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/ja/about/")
        resp = conn.getresponse()
        assert resp.status == 200 and '<html lang="ja"' in resp.read().decode("utf-8")
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    before = tree_digest(folder)
    proc = run_process("init", folder, "--languages", "en")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.fullmatch(rf"{re.escape(str(folder))}: is not an empty folder;.*nothing was written\)\n", proc.stderr)
    assert tree_digest(folder) == before
    assert run("init", folder / "notes.txt").exit_code == 1  # nor a file
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("init", empty).exit_code == 0 and (empty / "content/en/_index.md").is_file()  # the default: en


@pytest.mark.parametrize("languages", ["vi,xx", "EN", "und", "ja_JP", "vi,,en", "vi,vi", "en-ZZZZZ"])
def test_refuses_a_language_babel_does_not_know(tmp_path: Path, languages: str):
    proc = run_process("init", tmp_path / "site", "--languages", languages)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"--languages {languages}: ") and proc.stderr.count("\n") == 1
    assert not (tmp_path / "site").exists()


def test_locales_are_derived_from_the_codes():
    assert [(lang.code, lang.locale, lang.name) for lang in parse_languages("pt-BR,zh,zh-Hant,fr")] == [
        ("pt-BR", "pt_BR", "Português (Brasil)"), ("zh", "zh_Hans_CN", "中文"),
        ("zh-Hant", "zh_Hant_TW", "中文 (繁體)"), ("fr", "fr_FR", "Français")]
