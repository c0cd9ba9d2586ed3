"""What a build keeps for the next one (generator/state.py): the site model comes back equal, pages read
their bodies only when asked, an edit reads only what it must, and the cache can hold nothing that runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import REPO, build, page, run, tree_digest, write_files
from generator import frontmatter, state
from generator.build import BuildOptions
from generator.build import build as build_site
from generator.config import load_config
from generator.errors import SitegenError
from generator.plan import outline
from generator.site import load_site


def _site(make_site, pages: int = 12) -> Path:
    files = {"content/vi/tin/_index.md": page("Tin", "Các tin mới."), "content/en/tin/_index.md": page("News"),
             "content/vi/khac/_index.md": page("Khác"), "content/vi/khac/x.md": page("X", "Không liên quan.")}
    for i in range(pages):
        files[f"content/vi/tin/n{i}.md"] = page(f"Tin {i}", f"Nội dung {i}.", date=f"2024-01-{i + 1:02d}",
                                                tags="[a]", sources="[{title: Niên giám, date: 2024-03-01}]")
        files[f"content/en/tin/n{i}.md"] = page(f"News {i}", f"Body {i}.", date=f"2024-01-{i + 1:02d}")
    return make_site(files)


def test_the_kept_site_model_comes_back_equal(make_site):
    site_dir = _site(make_site)
    config = load_config(site_dir)
    site = load_site(config)
    kept = outline(site)
    entries = {k: (state._row(p), tuple(getattr(kept.pages[k], f) for f in state._FACTS), [0, 1])
               for k, p in site.pages.items()}
    structure = state.loads(state.dumps(state._structure(site, kept)))
    last = state._restore(config, structure, state.loads(state.dumps(entries)), {"a.html": "x"})
    assert list(last.site.pages) == list(site.pages)  # the order of output
    assert last.site == site  # (a page's unread body is no part of its equality: its digest is)
    assert last.outline == kept
    first_two = frozenset(list(site.pages)[:2])
    assert all(reads == first_two for reads in last.deps.values())
    restored = last.site.pages[("vi", "tin/n3.md")]
    assert restored.source_body is None  # not read yet
    assert restored.body == site.pages[("vi", "tin/n3.md")].body  # read when asked
    assert restored.sources[0]["date"] == dt.date(2024, 3, 1)


def test_a_page_whose_file_changed_since_it_was_read_says_so(make_site):
    site_dir = _site(make_site, pages=1)
    config = load_config(site_dir)
    site = load_site(config)
    kept = outline(site)
    entries = {k: (state._row(p), tuple(getattr(kept.pages[k], f) for f in state._FACTS), None)
               for k, p in site.pages.items()}
    last = state._restore(config, state._structure(site, kept), entries, {})
    write_files(site_dir, {"content/vi/tin/n0.md": page("Tin 0", "Đã sửa giữa chừng.")})
    with pytest.raises(SitegenError, match="changed while the site was being built"):
        _ = last.site.pages[("vi", "tin/n0.md")].body


def test_the_cache_unpickler_makes_plain_values_only():
    value = {"d": dt.date(2024, 1, 2), "t": dt.datetime(2024, 1, 2, 3, 4), "s": frozenset({("vi", "a")}),
             "l": [1, 2.5, None, True, "chữ", b"x"]}
    assert state.loads(state.dumps(value)) == value
    for other in (Path("/etc"), re.compile("x"), pickle.PickleError("x")):
        data = pickle.dumps(other)
        with pytest.raises(pickle.UnpicklingError, match="not a value the cache keeps"):
            state.loads(hashlib.sha256(data).digest() + data)
    kept = bytearray(state.dumps(value))
    kept[-5] ^= 1  # as an OS crash could leave an entry written without waiting for the disk
    with pytest.raises(pickle.UnpicklingError, match="damaged"):
        state.loads(bytes(kept))


def test_an_edit_reads_only_the_pages_it_renders_again(make_site, monkeypatch):
    site_dir = _site(make_site, pages=30)
    assert build(site_dir).exit_code == 0
    write_files(site_dir, {"content/vi/tin/n5.md": page("Tin 5", "Nội dung mới.", date="2024-01-06", tags="[a]",
                                                        sources="[{title: Niên giám, date: 2024-03-01}]")})
    read: list[str] = []
    real = frontmatter.read_stamped

    def counting(path: Path) -> tuple[str, frontmatter.Stamp]:
        read.append(Path(path).relative_to(site_dir / "content").as_posix())
        return real(path)

    monkeypatch.setattr(frontmatter, "read_stamped", counting)  # (read_text reads through it too)
    result = build_site(BuildOptions(site=site_dir))
    assert not result.full and result.rendered < 20, result  # of 64 pages
    assert "vi/tin/n5.md" in read
    assert len(read) <= result.rendered + 1, read  # the edited file, and the bodies of the pages rendered again
    assert not any(name.startswith("vi/khac/") or name in ("en/tin/n4.md", "en/tin/n6.md") for name in read), read
    assert "Nội dung mới." in (site_dir / "output/vi/tin/n5/index.html").read_text()


def test_a_damaged_kept_state_means_a_whole_build_of_the_same_site(make_site, tmp_path):
    site_dir = _site(make_site)
    assert build(site_dir).exit_code == 0
    db = sqlite3.connect(site_dir / ".sitegen-cache/cache.sqlite3")
    with db:
        db.execute("UPDATE kept SET value = ? WHERE key LIKE 'page/%'", (pickle.dumps(Path("/")),))
    db.close()
    write_files(site_dir, {"content/vi/tin/n1.md": page("Tin 1", "Sửa.", date="2024-01-02", tags="[a]")})
    result = run("build", "--site", site_dir)
    assert result.exit_code == 0 and "Built " in result.output, result.output
    assert build(site_dir, "--output", tmp_path / "clean", "--no-cache").exit_code == 0
    assert tree_digest(site_dir / "output") == tree_digest(tmp_path / "clean")


def test_the_example_site_rebuilds_an_edit_as_a_clean_build_does(tmp_path):
    import shutil

    site_dir = tmp_path / "site"
    shutil.copytree(REPO, site_dir, ignore=shutil.ignore_patterns(".git", ".venv", "output", ".sitegen-*",
                                                                  "benchmarks", "tests", "docs", "node_modules"))
    config = (site_dir / "site.yaml").read_text(encoding="utf-8")
    (site_dir / "site.yaml").write_text(re.sub(r"(?ms)^brochure:.*?(?=^\S|\Z)", "", config), encoding="utf-8")
    assert build(site_dir).exit_code == 0
    target = site_dir / "content/en/why-invest/_index.md"
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    result = run("build", "--site", site_dir)
    assert result.exit_code == 0 and "Rebuilt " in result.output, result.output
    assert build(site_dir, "--output", tmp_path / "clean", "--no-cache").exit_code == 0
    assert tree_digest(site_dir / "output") == tree_digest(tmp_path / "clean")


def test_a_cold_build_looks_at_each_page_once_and_keeps_them_as_read(make_site, monkeypatch):
    site_dir = _site(make_site)
    stats: list[str] = []
    real_stat = frontmatter.os.stat

    def counting(path, *args, **kwargs):
        if str(path).endswith(".md"):
            stats.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setenv("SITEGEN_JOBS", "1")  # (here, where os.stat is counted)
    monkeypatch.setattr(frontmatter.os, "stat", counting)  # (the os module: state's stat too)
    result = build_site(BuildOptions(site=site_dir))  # (kept in this process, before it returns)
    assert result.full and stats == []  # each page fstat'ed as it was read, not stat'ed as well
    monkeypatch.undo()
    again = build_site(BuildOptions(site=site_dir))
    assert again.up_to_date, again  # the sizes and times kept are what a scan finds


def test_inputs_are_stamped_as_read_and_the_pages_not_read_as_they_are(tmp_path: Path):
    write_files(tmp_path, {"a.md": "A", "b.md": "BB"})
    a, b, c = (str(tmp_path / name) for name in ("a.md", "b.md", "c.md"))
    inputs = state.Inputs("others", (a, b, str(tmp_path / "gone.md")))
    stamped = inputs.stamped({a: (1, 5), c: (3, 7)})  # c.md: read, though added after the pages were listed
    st = Path(b).stat()
    assert stamped.pages == {a: (1, 5), b: (2, st.st_mtime_ns), c: (3, 7)}
    assert inputs.pages is None and stamped.others == "others"
