"""The build cache (generator/cache.py): checked front matter kept between builds gives the same sources."""

from __future__ import annotations

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


def test_a_kept_entry_is_used_instead_of_parsing(tmp_path: Path):
    write_files(tmp_path, {"a.md": page("Gốc", "Thân.")})
    store = Cache(tmp_path)
    try:
        sources = SourceCache(store=store)
        sources.load_all([tmp_path / "a.md"])
        sources.keep(store)
        (digest, value), = store.get_frontmatter().items()
        store.put_frontmatter([(digest, value.replace("Gốc", "Đã lưu"))])
        found, _ = SourceCache(store=store).load_all([tmp_path / "a.md"])
        assert found[tmp_path / "a.md"].meta["title"] == "Đã lưu"
    finally:
        store.close()
