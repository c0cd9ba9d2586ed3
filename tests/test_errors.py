"""Bad input (../shared/RELIABILITY.md cases 1-16, 18, 19): one located line, exit 1, output untouched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import build, page, run_process, tree_digest, write_files
from generator.frontmatter import parse
from generator.markdown import Converter

LOCATED = re.compile(r"^\S+:\d+:\d+: .+$")


def build_fails(site: Path, *extra: str) -> str:
    """Build once successfully, break nothing more, then check a failing build leaves output untouched."""
    result = build(site, *extra)
    assert result.exit_code == 1, result.output
    return result.output


@pytest.fixture
def good_site(make_site):
    """A site that built once, so a later failure can be checked against its output."""
    site = make_site({"content/vi/a.md": page("A", "Nội dung.")})
    assert build(site).exit_code == 0
    return site


def fails_untouched(site: Path, files: dict[str, str | bytes], *extra: str) -> str:
    before = tree_digest(site / "output")
    write_files(site, files)
    output = build_fails(site, *extra)
    assert tree_digest(site / "output") == before
    assert not [p for p in site.iterdir() if p.name.startswith((".sitegen-staging-", ".sitegen-old-"))]
    return output


def test_1_unclosed_front_matter(good_site):
    out = fails_untouched(good_site, {"content/vi/b.md": "---\ntitle: B\nbody\n"})
    assert "content/vi/b.md:1:1: front matter not closed" in out


def test_2_yaml_error_cites_line_of_md_file(good_site):
    out = fails_untouched(good_site, {"content/vi/b.md": "---\ntitle: B\nsummary: x\ntags: [a\n---\n"})
    line = next(ln for ln in out.splitlines() if "b.md" in ln)
    assert line.startswith(str(Path("content/vi/b.md"))) or "content/vi/b.md:" in line
    assert re.search(r"b\.md:(4|5):\d+: YAML error", line), line


def test_3_wrong_field_types_name_field_and_line(good_site):
    out = fails_untouched(good_site, {"content/vi/b.md": "---\ntitle: B\ndate: tomorrow\ntags: 5\n---\n"})
    assert re.search(r"b\.md:3:\d+: date: 'tomorrow' is not a date", out)
    assert re.search(r"b\.md:4:\d+: tags: must be a list", out)


def test_4_unquoted_no_stays_text():
    src = parse("---\ntitle: A\nlang: no\ndraft: false\n---\n", "x.md")
    assert src.meta["lang"] == "no" and src.meta["draft"] is False


@pytest.mark.parametrize("yaml_text", [
    "x: !!python/object/apply:os.system ['touch /tmp/sitegen-pwned']",
    "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]",
])
def test_5_unsafe_yaml_rejected_fast(good_site, yaml_text):
    start = time.perf_counter()
    out = fails_untouched(good_site, {"content/vi/b.md": f"---\ntitle: B\n{yaml_text}\n---\n"})
    assert time.perf_counter() - start < 10
    assert not Path("/tmp/sitegen-pwned").exists()
    assert "not allowed" in out or "unsupported YAML tag" in out


@pytest.mark.parametrize("slug", ["../../x", "/etc/passwd", "'a\\x00b'", "'C:\\\\x'", "../output-evil"])
def test_6_slug_with_path_parts_rejected(good_site, slug):
    out = fails_untouched(good_site, {"content/vi/b.md": f"---\ntitle: B\nslug: {slug}\n---\n"})
    assert re.search(r"b\.md:3:\d+: slug: .* single URL segment", out), out
    assert not (good_site / "output-evil").exists() and not (good_site.parent / "x").exists()


def test_7_symlink_outside_site_is_skipped_with_warning(good_site, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: SECRET\n---\nsecret text\n")
    (good_site / "content/vi/link.md").symlink_to(secret)
    result = build(good_site)
    assert result.exit_code == 0
    assert "symbolic link leads outside the site" in result.output
    assert "secret text" not in "".join(p.read_text() for p in (good_site / "output").rglob("*.html"))
    assert build(good_site, "--strict").exit_code == 1


def test_8_template_error_on_one_page(good_site):
    out = fails_untouched(good_site, {
        "templates/broken.html": "{% extends 'base.html' %}{% block main %}{{ page.params.missing.x }}{% endblock %}",
        "content/vi/c.md": page("C", template="broken"),
    })
    assert re.search(r"broken\.html:1:1: UndefinedError: .*missing.* \(while rendering .*c\.md\)", out), out


def test_8_template_syntax_error(good_site):
    out = fails_untouched(good_site, {"templates/page.html": "line one\n{% if %}\n"})
    assert re.search(r"page\.html:2:1: template error", out), out


def test_8_sigterm_mid_build_leaves_output_and_no_staging(make_site):
    files = {f"content/vi/p{i}.md": page(f"Trang {i}", "Đoạn văn. " * 200) for i in range(1500)}
    site = make_site(files)
    assert build(site).exit_code == 0
    before = tree_digest(site / "output")
    import subprocess
    import sys

    write_files(site, {"content/vi/p0.md": page("Trang 0", "Đã sửa.")})  # so the next build has work to do
    # (--no-cache: with the cache, this edit is a rebuild of a few pages, too quick to interrupt)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--site", str(site), "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and not any(p.name.startswith(".sitegen-staging-") for p in site.iterdir()):
        time.sleep(0.01)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.terminate()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, err.decode()
    assert tree_digest(site / "output") == before
    assert not [p for p in site.iterdir() if p.name.startswith((".sitegen-staging-", ".sitegen-old-"))]


def test_8_stale_staging_from_killed_build_is_removed(good_site):
    stale = good_site / ".sitegen-staging-output-abc123"
    stale.mkdir()
    (stale / "half.html").write_text("half")
    assert build(good_site).exit_code == 0
    assert not stale.exists()


@pytest.mark.parametrize("where", ["site", "content", "parent", "root", "home"])
def test_9_dangerous_output_folders_refused(good_site, where):
    target = {"site": good_site, "content": good_site / "content", "parent": good_site.parent,
              "root": Path("/"), "home": Path.home()}[where]
    before = tree_digest(good_site / "content")
    result = build(good_site, "--output", str(target))
    assert result.exit_code == 1
    assert "refusing" in result.output
    assert tree_digest(good_site / "content") == before and (good_site / "site.yaml").is_file()


def test_9_output_refused_before_the_cache_or_the_folder_is_touched(good_site):
    """With the cache on, `--output /` used to walk the whole file system (to fingerprint the output)
    before it was refused: the check now comes first."""
    import shutil

    shutil.rmtree(good_site / ".sitegen-cache", ignore_errors=True)
    result = build(good_site, "--output", "/")
    assert result.exit_code == 1 and "refusing" in result.output
    assert not (good_site / ".sitegen-cache").exists()


def test_9_foreign_folder_not_replaced(good_site, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("precious")
    result = build(good_site, "--output", str(foreign))
    assert result.exit_code == 1 and "was not made by sitegen" in result.output
    assert (foreign / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize("files", [
    {"content/vi/x.md": page("X", slug="chung"), "content/vi/y.md": page("Y", slug="chung")},
    {"content/vi/about.md": page("A"), "content/vi/about/index.md": page("B")},
    {"content/vi/About.md": page("A"), "content/vi/about.md": page("B")},
])
def test_10_11_two_sources_for_one_url(good_site, files):
    out = fails_untouched(good_site, files)
    names = [Path(n).name for n in files]
    line = next(ln for ln in out.splitlines() if "same URL" in ln)
    assert all(n in line for n in names), line


def test_11_nfc_and_nfd_names_collide(good_site):
    nfc = unicodedata.normalize("NFC", "Việt.md")
    nfd = unicodedata.normalize("NFD", "Việt.md")
    out = fails_untouched(good_site, {f"content/vi/{nfc}": page("A"), f"content/vi/{nfd}": page("B")})
    assert "same name once Unicode-normalised" in out or "same URL" in out


def test_12_nfd_file_name_gives_nfc_url(make_site):
    nfd = unicodedata.normalize("NFD", "Đồng Xâm.md")
    site = make_site({f"content/vi/{nfd}": page("Đồng Xâm")})
    assert build(site).exit_code == 0
    assert (site / "output/vi/dong-xam/index.html").is_file()


def test_13_raw_html_and_script_links_do_not_pass(make_site):
    body = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](JaVaScRiPt:alert(3)) [y](vbscript:x)"
    site = make_site({"content/vi/x.md": page("X", body)})
    result = build(site)
    assert result.exit_code == 0
    html = (site / "output/vi/x/index.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html and "onerror" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html.lower() and "vbscript:" not in html.lower()
    assert "unsafe link" in result.output


def test_13_unsafe_html_allowed_by_config_still_blocks_script_links(make_site):
    site = make_site({"content/vi/x.md": page("X", '<div class="raw">ok</div>\n\n<a href="javascript:alert(1)">a</a>')})
    site.joinpath("site.yaml").write_text(site.joinpath("site.yaml").read_text() + "markdown: {unsafe_html: true}\n")
    assert build(site).exit_code == 0
    html = (site / "output/vi/x/index.html").read_text()
    assert '<div class="raw">ok</div>' in html and "javascript:" not in html


def test_14_hostile_title_is_escaped_everywhere(make_site):
    site = make_site({"content/vi/x.md": "---\ntitle: '\"><script>alert(1)</script>'\nsummary: '\"><b>'\n---\n"})
    assert build(site).exit_code == 0
    for html_file in (site / "output").rglob("*.html"):
        text = html_file.read_text()
        assert "<script>alert" not in text and '"><b>' not in text, html_file


def test_15_byte_identical_under_tz_seed_and_locale(make_site, tmp_path):
    site = make_site({f"content/vi/p{i}.md": page(f"Trang {i}", tags="[b, a, Đ]", date=f"2020-02-{i + 10}")
                      for i in range(10)})
    digests = []
    for n, env in enumerate([{"TZ": "UTC", "PYTHONHASHSEED": "1", "LC_ALL": "C"},
                             {"TZ": "Asia/Ho_Chi_Minh", "PYTHONHASHSEED": "4242", "LC_ALL": "C.UTF-8"}]):
        out = tmp_path / f"out{n}"
        proc = run_process("build", "--site", site, "--output", out, env=env)
        assert proc.returncode == 0, proc.stderr
        digests.append(tree_digest(out))
    assert digests[0] == digests[1]


def test_16_unknown_locale_names_it(good_site):
    text = good_site.joinpath("site.yaml").read_text().replace("en_US", "xx_QQ")
    out = fails_untouched(good_site, {"site.yaml": text})
    assert "site.yaml:" in out and "unknown locale 'xx_QQ'" in out


def test_16_malformed_catalog_names_locale(good_site):
    import shutil

    from generator.discover import PACKAGE_DIR

    theme = good_site / "themes/default"
    shutil.copytree(PACKAGE_DIR.parent / "themes/default", theme)
    po = theme / "locales/vi/LC_MESSAGES/messages.po"
    po.write_text(po.read_text() + '\nthis is not a catalog line\n')
    out = build_fails(good_site)
    assert "messages.po" in out and "vi_VN" in out


def test_16_missing_ui_string_warns_and_fails_under_strict(good_site):
    import shutil

    from generator.discover import PACKAGE_DIR

    theme = good_site / "themes/default"
    shutil.copytree(PACKAGE_DIR.parent / "themes/default", theme)
    po = theme / "locales/vi/LC_MESSAGES/messages.po"
    po.write_text(po.read_text().replace('msgstr "Nguồn"', 'msgstr ""'))
    result = build(good_site)
    assert result.exit_code == 0 and "'Sources' has no vi_VN translation" in result.output
    assert build(good_site, "--strict").exit_code == 1


def test_18_bom_and_crlf_accepted(make_site):
    site = make_site({"content/vi/x.md": "\ufeff---\r\ntitle: Có BOM\r\n---\r\nDòng một.\r\n"})
    assert build(site).exit_code == 0
    assert "Có BOM" in (site / "output/vi/x/index.html").read_text()


def test_18_invalid_utf8_gives_byte_offset(good_site):
    out = fails_untouched(good_site, {"content/vi/x.md": b"---\ntitle: A\n---\nab\xff\n"})
    assert re.search(r"x\.md:4:3: not valid UTF-8 at byte 19", out), out


def test_19_huge_file_is_refused_quickly(good_site):
    start = time.perf_counter()
    out = fails_untouched(good_site, {"content/vi/huge.md": b"---\ntitle: H\n---\n" + b"x" * (50 * 1024 * 1024)})
    assert "file too large" in out and time.perf_counter() - start < 30


def test_19_pathological_markdown_is_bounded():
    start = time.perf_counter()
    # (a generous limit for the input that converts quickly: on a loaded machine it may take over a second)
    assert Converter(time_limit=10).convert("*_" * 20000, "vi", lambda _: None).problems == ()
    slow = Converter(time_limit=1).convert("[" * 30000, "vi", lambda _: None)
    assert "took more than 1 s" in slow.problems[0][1]
    assert time.perf_counter() - start < 30


def test_errors_are_single_located_lines_without_traceback(good_site):
    out = fails_untouched(good_site, {"content/vi/b.md": "---\ntitle: B\ndate: x\n---\n"})
    assert "Traceback" not in out
    assert all(LOCATED.match(line) for line in out.strip().splitlines()), out


def test_debug_shows_traceback(good_site):
    write_files(good_site, {"content/vi/b.md": "---\ntitle: B\ndate: x\n---\n"})
    proc = run_process("build", "--site", good_site, "--debug")
    assert proc.returncode == 1 and "Traceback" in proc.stderr


def test_usage_error_exits_2(good_site):
    proc = run_process("build", "--no-such-option")
    assert proc.returncode == 2


def test_broken_link_to_missing_file_names_file_and_line(good_site):
    out = fails_untouched(good_site, {"content/vi/b.md": "---\ntitle: B\n---\nmột\n\n[x](khong-co.md)\n"})
    assert re.search(r"b\.md:6:1: link to 'khong-co.md', which does not exist", out), out


def test_config_errors_all_reported_at_once(good_site):
    text = good_site.joinpath("site.yaml").read_text() + "colour: red\npagination: zero\n"
    out = fails_untouched(good_site, {"site.yaml": text})
    assert re.search(r"site\.yaml:\d+:1: unknown key 'colour'", out)
    assert re.search(r"site\.yaml:\d+:1: pagination must be a whole number", out)


def test_env_unchanged():
    assert "SITEGEN_REQUIRE_ALL" not in os.environ or os.environ["SITEGEN_REQUIRE_ALL"] in ("0", "1")


WORKER_ERROR = """
from generator import parallel
from generator.errors import SitegenError, error


def fail(state, chunk):
    raise error("content/vi/x.md", "something is wrong here", 3, 7)


assert parallel.can_fork() and parallel.workers() >= 2, "no worker process would run"
try:
    parallel.map_chunks(fail, list(range(parallel.MIN_ITEMS * 2)), {})
except SitegenError as exc:
    print([str(p) for p in exc.problems])
"""


def test_an_error_raised_in_a_worker_process_arrives_whole(tmp_path):
    """A SitegenError pickled back from a forked worker used to come back one character per problem. (In a
    process of its own: a test process may have threads running, under which nothing forks.)"""
    import pickle

    from generator.errors import error

    again = pickle.loads(pickle.dumps(error("a.md", "bad", 2, 1)))
    assert [str(p) for p in again.problems] == ["a.md:2:1: bad"]
    script = tmp_path / "worker_error.py"
    script.write_text(WORKER_ERROR, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SITEGEN_JOBS": "2"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['content/vi/x.md:3:7: something is wrong here']"
