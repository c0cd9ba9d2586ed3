"""The build cache (generator/cache.py): front matter and Markdown kept between builds come back as they were made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO, page, write_files
from generator.cache import Cache
from generator.frontmatter import SourceCache, parse, read_text


def test_front_matter_from_the_cache_is_what_parsing_gives(tmp_path: Path):
    files = sorted((REPO / "content").rglob("*.md"))
    write_files(tmp_path / "extra", {
        "a.md": page("Kiểu", "Thân.", date="2024-02-29", updated="2024-03-01T10:20:30+07:00", weight="3",
                     tags="[a, b]") + "",
        "b.md": "---\ntitle: 'x'\nparams: {n: 1.5, l: [1, {k: v}], d: 2020-01-01, none: null, yes: true}\n---\nB\n",
        "c.md": "---\ntitle: c\n1: integer key\n---\nC\n",  # a key JSON would turn into text: not kept
    })
    files += sorted((tmp_path / "extra").glob("*.md"))
    store = Cache(tmp_path)
    try:
        sources = SourceCache(store=store)
        first, bad = sources.load_all(files)
        assert not bad
        assert store.get_frontmatter() == {}  # (kept by the build's keeper, after its output)
        sources.keep(store)
        kept = store.get_frontmatter()
        assert len(kept) >= len(files) - 1  # all but c.md (files with the same front matter share one entry)
        second, bad = SourceCache(store=store).load_all(files)
        assert not bad
        for path in files:
            expected = parse(read_text(path), path)
            for got in (first[path], second[path]):
                assert repr(got) == repr(expected), path
    finally:
        store.close()


@contextmanager
def _one_page_kept(tmp_path: Path, title: str) -> Iterator[tuple[Cache, SourceCache]]:
    """A cache holding the front matter of a.md (`title`), and the sources that kept it."""
    write_files(tmp_path, {"a.md": page(title, "Thân.")})
    store = Cache(tmp_path)
    try:
        sources = SourceCache(store=store)
        sources.load_all([tmp_path / "a.md"])
        sources.keep(store)
        yield store, sources
    finally:
        store.close()


def test_a_kept_entry_is_used_instead_of_parsing(tmp_path: Path):
    with _one_page_kept(tmp_path, "Gốc") as (store, _):
        (digest, value), = store.get_frontmatter().items()
        store.put_frontmatter([(digest, value.replace("Gốc", "Đã lưu"))])
        found, _ = SourceCache(store=store).load_all([tmp_path / "a.md"])
        assert found[tmp_path / "a.md"].meta["title"] == "Đã lưu"


def test_a_file_gone_after_it_was_found_is_a_located_problem_and_one_read_back_is_stamped(tmp_path: Path):
    write_files(tmp_path, {"a.md": page("A", "Thân.")})
    sources = SourceCache()
    found, bad = sources.load_all([tmp_path / "a.md", tmp_path / "gone.md"])
    assert list(found) == [tmp_path / "a.md"]
    (problem,) = bad
    assert "gone.md" in str(problem) and "cannot read this file" in str(problem)
    again, _ = sources.load_all([tmp_path / "a.md"])
    assert again[tmp_path / "a.md"] is found[tmp_path / "a.md"]  # (the stamp taken as it was read matches)
    (tmp_path / "a.md").write_text(page("A đã sửa", "Thân."), encoding="utf-8")
    edited, _ = sources.load_all([tmp_path / "a.md"])
    assert edited[tmp_path / "a.md"].meta["title"] == "A đã sửa"


def test_markdown_kept_in_the_cache_comes_back_the_same(tmp_path: Path):
    from generator.markdown import Rendered

    rendered = Rendered("<h2 id=\"muc\">Mục \"một\"</h2>\n<p>Đoạn văn.</p>",
                        ({"level": 2, "id": "muc", "name": "Mục \"một\"", "children": []},), ((3, "unsafe link"),))
    cache = Cache(tmp_path)
    try:
        cache.put_markdown([("k", rendered)])
        assert cache.get_markdown(["k", "missing"]) == {"k": rendered}
        assert cache.db is not None
        cache.db.execute("UPDATE markdown SET meta='[not json'")  # damaged: as if nothing were kept
        assert cache.get_markdown(["k"]) == {}
    finally:
        cache.close()


def test_a_cache_kept_by_another_version_is_emptied_and_made_anew(tmp_path: Path):
    import sqlite3

    from generator.markdown import Rendered

    (tmp_path / ".sitegen-cache").mkdir()
    old = sqlite3.connect(tmp_path / ".sitegen-cache" / "cache.sqlite3")
    old.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT)")
    old.execute("INSERT INTO state VALUES ('schema', '3/0123456789abcdef')")
    old.execute("CREATE TABLE markdown (key TEXT PRIMARY KEY, value TEXT)")  # (the columns of that version)
    old.execute("INSERT INTO markdown VALUES ('k', '[\"<p>old</p>\", [], []]')")
    old.commit()
    old.close()
    cache = Cache(tmp_path)
    try:
        assert cache.get_markdown(["k"]) == {}
        cache.put_markdown([("k", Rendered("<p>mới</p>", (), ()))])
        assert cache.get_markdown(["k"]) == {"k": Rendered("<p>mới</p>", (), ())}
    finally:
        cache.close()


def test_once_kept_front_matter_parsed_later_is_not_collected(tmp_path: Path):
    with _one_page_kept(tmp_path, "A") as (_, sources):
        for n in range(3):  # as `sitegen serve` parses each save of a page, with no keeper after its first build
            (tmp_path / "a.md").write_text(page(f"A {n}", "Thân."), encoding="utf-8")
            found, _ = sources.load_all([tmp_path / "a.md"])
            assert found[tmp_path / "a.md"].meta["title"] == f"A {n}"
        assert sources.pending == {}


def test_edits_after_a_kept_build_collect_no_front_matter_to_keep(make_site):
    from generator.build import Builder, BuildOptions

    site = make_site({"content/vi/_index.md": page("Trang chủ", "Xin chào."),
                      "content/en/_index.md": page("Home", "Hello."),
                      "content/vi/tin/a.md": page("A", "Thân.")})
    builder = Builder(BuildOptions(site=site, watch=True))  # as `sitegen serve` holds it
    builder.full()
    assert builder.state is not None
    for n in range(3):
        (site / "content/vi/tin/a.md").write_text(page(f"A {n}", "Thân."), encoding="utf-8")
        builder.update([site / "content/vi/tin/a.md"])
    assert builder.state.sources.pending == {}
