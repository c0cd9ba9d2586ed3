"""The command line on random small sites: exit 0 or 1 with located messages, never a traceback (issue 13)."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SITE_YAML, build, page, tiny_png
from generator.cli import cli

# A problem: `path:line:col: message` (a folder or a whole file may have no line: `path: message`).
LOCATED = re.compile(r"^\S.*?(:\d+:\d+)?: (warning: )?\S.*$")
PROGRESS = re.compile(r"^\w+(…|: done \(\d+ files\)\.)$")  # the non-interactive progress lines

# File and folder names: Vietnamese in NFC and NFD, case variants, the names the engine treats specially.
NAMES = st.sampled_from(["a", "About", "about", "Việt", unicodedata.normalize("NFD", "Việt"), "lịch-sử", "_index",
                         "index", "x y", "2019", "ß", "İ", "-", "日本", "bad\udcff", "tab\tx"])  # \udcff: the byte ff
FIELD_LINES = st.sampled_from([
    "title: A", "title: Lịch sử", "title: 5", "title: [a, b]", "title:", "title: 'x'", "date: 2019-03-08",
    "date: tomorrow", "date: 2019-13-45", "updated: [1]", "tags: 5", "tags: [a, {b: c}]", "tags: [Đầu tư, x]",
    "weight: x", "weight: 3", "draft: no", "draft: true", "slug: ../../x", "slug: C:\\\\x", "slug: '-'",
    "slug: lich-su", "translation_key: home", "translation_key: 5", "template: '../x'", "template: park",
    "template: nope", "summary: {a: 1}", "summary: 100 ha in 2024", "sources: [x, {title: T, url: 'javascript:x'}]",
    "sources: [{title: T, date: 2025-01-02, publisher: Compiled by the site editors}]", "sources: 5",
    "park: {total_area_ha: 3, developer: null, distances_km: {ha_noi: null}}", "park: null", "export: park",
    "paginate: false", "lang: no", "a: &x [1]", "b: *x", "c: !!python/object/apply:os.system [ls]", "d: [",
    "e: '\\x00'", "title: A\ntitle: B", "  bad indent: 1", "x: !!binary aGk=", "title: !!binary aGk=",
    "tags: !!set {a, b}", "park: !!omap [{a: 1}]", "summary: !!timestamp 2019-01-01", "date: 2019-02-30",
])
MARKDOWN = st.text(alphabet=st.sampled_from("ab ạ\n\t#*_`[]()!<>|-:.0123456789%/\\&;\"'{}"), max_size=60)


GOOD_LINES = st.sampled_from(["date: 2019-03-08", "tags: [Đầu tư, x]", "weight: 3", "summary: 100 ha", "slug: s",
                              "translation_key: k", "template: park", "park: {total_area_ha: 3, developer: null}",
                              "sources: [x, {title: T, date: 2025-01-02}]", "draft: true", "export: park"])


@st.composite
def content_file(draw: st.DrawFn, valid: bool = False) -> bytes:
    """A content file: front matter of chosen lines (closed or not), Markdown, in odd encodings; when `valid`,
    only with fields the engine accepts, so that the site gets as far as rendering."""
    shape = "front matter" if valid else draw(st.sampled_from(["front matter"] * 3 + ["unclosed", "none", "empty"]))
    if shape == "empty":
        return b""
    fields = draw(st.lists(GOOD_LINES if valid else FIELD_LINES, max_size=4, unique=True))
    if valid or draw(st.booleans()):
        fields.insert(0, "title: T")
    body = draw(MARKDOWN) + draw(st.sampled_from(["", "[link](b.md)", "[up](../_index.md#x)", "![](img.png)",
                                                 "{{ x }}", "<script>x</script>", "[x](JaVaScRiPt:y)"]))
    head = "---\n" + "".join(f"{f}\n" for f in fields) + ("" if shape == "unclosed" else "---\n")
    text = body if shape == "none" else head + body
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    encoding = draw(st.sampled_from(["utf-8", "bom"] if valid else ["utf-8", "utf-8", "utf-8", "bom", "invalid"]))
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + data
    elif encoding == "invalid":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + data[at:]
    return data


@st.composite
def site_tree(draw: st.DrawFn, valid: bool | None = None) -> dict[str, str | bytes]:
    """site.yaml and a few content files in the configured languages, a missing one or an unknown one."""
    files: dict[str, str | bytes] = {}
    if valid is None:
        valid = draw(st.booleans())  # half the sites only have files the engine accepts
    if draw(st.integers(0, 9)):  # now and then no site.yaml at all
        yaml_text = SITE_YAML
        if not draw(st.integers(0, 4)):
            yaml_text = yaml_text.replace("  - {code: en, name: English, locale: en_US}\n", "")
        files["site.yaml"] = yaml_text
    for lang in draw(st.lists(st.sampled_from(["vi", "en", "fr"]), min_size=0, max_size=2, unique=True)):
        if draw(st.integers(0, 3)):
            files[f"content/{lang}/_index.md"] = draw(content_file(valid))
        for _ in range(draw(st.integers(0, 4))):
            folder = draw(st.lists(NAMES, max_size=2))
            name = draw(NAMES) + draw(st.sampled_from([".md", ".md", ".md", ".png", "~", ""]))
            files["/".join([f"content/{lang}", *folder, name])] = draw(content_file(valid))
    return files


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Write `files` below `root`; of a file and a folder of the same name, the first one written stays."""
    root.mkdir()
    for rel, data in files.items():
        path = root / rel
        if any(p.is_file() for p in path.parents) or path.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--site", str(root)], catch_exceptions=True)


def assert_clean_exit(result: Result) -> None:
    """Exit 0 or 1; on 1, at least one located message; never a traceback or an unexpected exception."""
    where = f"exit {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{type(result.exception).__name__}: {result.exception}\n{where}"
    assert result.exit_code in (0, 1), where
    assert "Traceback" not in result.output, where
    problems = [line for line in result.stderr.splitlines() if line and not PROGRESS.match(line)]
    assert all(LOCATED.match(line) for line in problems), where
    if result.exit_code == 1:
        assert problems, where


# A few seconds in the suite; for a long run: SITEGEN_ROBUST_EXAMPLES=3000 pytest tests/test_cli_robust.py
EXAMPLES = int(os.environ.get("SITEGEN_ROBUST_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(site_tree(), st.sampled_from(["build", "build", "build", "check"]))
def test_random_sites_exit_cleanly(files, command):
    with tempfile.TemporaryDirectory(prefix="sitegen-robust-") as tmp:
        root = Path(tmp) / "site"
        write_tree(root, files)
        extra = ["--no-cache"] if command == "build" else []
        assert_clean_exit(invoke(root, command, *extra))


# -- the cases found this way, kept as plain tests ---------------------------------------------------------

def test_index_md_at_a_language_root_is_its_home_page(make_site):
    site = make_site({"content/vi/index.md": page("Trang chủ", "Xin chào.")})
    (site / "content/vi/_index.md").unlink()
    result = build(site)
    assert result.exit_code == 0, result.output
    assert "Xin chào." in (site / "output/vi/index.html").read_text(encoding="utf-8")
    assert not (site / "output/vi/index").exists()


def test_index_md_beside_the_home_page_is_a_located_error(make_site):
    site = make_site({"content/vi/index.md": page("Trang chủ 2")})
    result = build(site)
    assert result.exit_code == 1
    assert re.search(r"content/vi/_index\.md:1:1: a folder cannot hold both index\.md .* and _index\.md", result.output)


def test_a_bundle_keeps_its_subfolders_and_holds_no_pages(make_site):
    site = make_site({"content/en/about/index.md": page("About", "![Map](images/map.png)"),
                      "content/en/about/images/map.png": tiny_png()})
    result = build(site)
    assert result.exit_code == 0, result.output
    assert (site / "output/en/about/images/map.png").is_file()
    site = make_site({"content/en/about/more.md": page("More"), "content/en/about/x/_index.md": page("X")})
    result = build(site)
    assert result.exit_code == 1
    for rel in ("about/more.md", "about/x/_index.md"):
        assert f"content/en/{rel}:1:1: this page lies inside the page bundle about/index.md" in result.output


def test_links_to_nowhere_and_named_pipes_are_skipped_with_a_warning(make_site):
    site = make_site()
    content = site / "content/en"
    (content / "loop.md").symlink_to("loop.md")
    (content / "dangling.md").symlink_to("nowhere.md")
    os.mkfifo(content / "pipe.md")  # reading it would wait forever
    result = build(site)
    assert result.exit_code == 0, result.output
    for name, why in (("loop", "leads nowhere"), ("dangling", "leads nowhere"), ("pipe", "not a regular file")):
        assert re.search(rf"content/en/{name}\.md: warning: .*{why}", result.output), result.output


def test_names_that_are_not_utf8_or_hold_control_characters_are_located_errors(make_site):
    site = make_site()
    folder = os.fsencode(site / "content/en")
    for name in (b"bad\xff.md", b"tab\tname.md", b"new\nline.md"):
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(b"---\ntitle: B\n---\n")
    result = build(site)
    assert result.exit_code == 1
    assert "content/en/new\\nline.md: the name" in result.output  # one line per problem, still
    assert "content/en/bad\ufffd.md: the name 'bad\ufffd.md' is not valid UTF-8" in result.output
    assert "content/en/tab\\tname.md: the name 'tab\\\\tname.md' is not valid UTF-8 or holds control" in result.output
