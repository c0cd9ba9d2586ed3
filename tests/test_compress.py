"""Precompressed siblings (generator/compress.py, written by generator/writer.py): a deterministic `.br`
and `.gz` beside every text file, written only for the files a build writes (unchanged files keep theirs,
hard-linked or untouched)."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli

from conftest import build, page, tree_digest, write_files
from generator.compress import BR, COMPRESSIBLE, GZ, SUFFIXES, brotlied

FILES = {
    "content/vi/a.md": page("Trang A", "Đồng Xâm. " * 50),
    "content/en/a.md": page("Page A", "Dong Xam. " * 50, translation_key="a"),
    "content/vi/b.md": page("Trang B", "Thân bài B. " * 50),
    "static/notes.txt": "văn bản " * 100,
    "static/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(300),
}


def _siblings(out: Path) -> dict[str, Path]:
    return {p.relative_to(out).as_posix(): p for p in out.rglob("*") if p.name.endswith(SUFFIXES)}


def test_brotli_gives_back_the_same_bytes_and_the_same_file_each_time():
    for data in (b"", b"x", "Thái Bình – vùng đất. ".encode() * 3000, bytes(range(256)) * 400):
        packed = brotlied(data)
        assert brotli.decompress(packed) == data and brotlied(data) == packed
    text = "Đồng Xâm, Thái Bình. ".encode() * 500
    assert len(brotlied(text)) < len(gzip.compress(text, 9, mtime=0))


def test_every_text_file_has_deterministic_brotli_and_gzip_siblings(make_site, tmp_path: Path):
    site = make_site(FILES)
    out = tmp_path / "out"
    assert build(site, "--output", out, "--no-cache").exit_code == 0
    texts = [p for p in out.rglob("*") if p.is_file() and p.name.endswith(COMPRESSIBLE)]
    assert any(p.suffix == ".html" for p in texts) and any(p.suffix == ".css" for p in texts)
    for path in texts:
        packed = path.with_name(path.name + GZ).read_bytes()
        assert gzip.decompress(packed) == path.read_bytes(), path
        assert packed[3] == 0 and packed[4:8] == bytes(4), f"{path}: a file name or a time in the header"
        assert brotli.decompress(path.with_name(path.name + BR).read_bytes()) == path.read_bytes(), path
    assert not (out / "logo.png.gz").exists() and not (out / "logo.png.br").exists()
    assert (out / "notes.txt.gz").exists() and (out / "notes.txt.br").exists()
    again = tmp_path / "again"
    assert build(site, "--output", again, "--no-cache").exit_code == 0
    assert tree_digest(out) == tree_digest(again)


def test_a_rebuild_compresses_only_what_it_writes(make_site, tmp_path: Path):
    site = make_site(FILES)
    out = tmp_path / "out"
    assert build(site, "--output", out).exit_code == 0
    first = {rel: p.stat() for rel, p in _siblings(out).items()}
    assert "vi/a/index.html.gz" in first and "vi/a/index.html.br" in first

    # nothing changed: nothing is written
    assert build(site, "--output", out).exit_code == 0
    assert {rel: (p.stat().st_ino, p.stat().st_mtime_ns) for rel, p in _siblings(out).items()} == \
           {rel: (st.st_ino, st.st_mtime_ns) for rel, st in first.items()}

    # one page edited: its sibling is new, an unrelated page's sibling is the same file
    write_files(site, {"content/vi/b.md": page("Trang B", "Thân bài B, đã sửa. " * 50)})
    assert build(site, "--output", out).exit_code == 0
    now = _siblings(out)
    assert now["vi/b/index.html.gz"].stat().st_mtime_ns != first["vi/b/index.html.gz"].st_mtime_ns
    assert now["vi/b/index.html.br"].stat().st_mtime_ns != first["vi/b/index.html.br"].st_mtime_ns
    assert gzip.decompress(now["vi/b/index.html.gz"].read_bytes()) == (out / "vi/b/index.html").read_bytes()
    assert brotli.decompress(now["vi/b/index.html.br"].read_bytes()) == (out / "vi/b/index.html").read_bytes()
    for suffix in SUFFIXES:
        assert now["en/a/index.html" + suffix].stat().st_ino == first["en/a/index.html" + suffix].st_ino

    # a page added (a full render into a new folder): unchanged files and their siblings are hard-linked
    write_files(site, {"content/vi/c.md": page("Trang C", "Mới. " * 50)})
    before = {rel: p.stat().st_ino for rel, p in _siblings(out).items()}
    assert build(site, "--output", out).exit_code == 0
    after = _siblings(out)
    assert "vi/c/index.html.gz" in after and "vi/c/index.html.br" in after
    css = [rel for rel in after if rel.startswith("assets/css/")]
    assert css and all(after[rel].stat().st_ino == before[rel] for rel in css)

    # the result is what a clean build gives
    clean = tmp_path / "clean"
    assert build(site, "--output", clean, "--no-cache").exit_code == 0
    assert tree_digest(out) == tree_digest(clean)


def test_precompress_false_writes_no_compressed_copies(make_site, tmp_path: Path):
    from conftest import SITE_YAML

    site = make_site(FILES, site_yaml=SITE_YAML.replace("search: false", "search: true") + "precompress: false\n")
    out = tmp_path / "out"
    assert build(site, "--output", out, "--no-cache").exit_code == 0
    assert (out / "vi/a/index.html").is_file() and (out / "pagefind").is_dir()
    assert not _siblings(out), sorted(_siblings(out))[:5]
    write_files(site, {"content/vi/a.md": page("Trang A", "Đã sửa.")})  # an incremental rebuild writes none either
    assert build(site, "--output", out).exit_code == 0 and build(site, "--output", out).exit_code == 0
    write_files(site, {"content/vi/a.md": page("Trang A", "Sửa lần nữa.")})
    assert build(site, "--output", out).exit_code == 0
    assert "Sửa lần nữa" in (out / "vi/a/index.html").read_text() and not _siblings(out)
