"""Parallel, cached and incremental builds give the same bytes as a clean serial build."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SITE_YAML, page, run_process, tree_digest, write_files

PAGES = 90  # above parallel.MIN_ITEMS, so the parallel path runs


def corpus(root: Path) -> dict[str, str]:
    files = {"content/vi/tin/_index.md": page("Tin tức"), "content/en/tin/_index.md": page("News")}
    for i in range(PAGES // 2):
        body = f"## Phần {i}\n\nĐoạn văn [liên kết](p{(i + 1) % (PAGES // 2)}.md) **đậm** và | a | b |\n"
        files[f"content/vi/tin/p{i}.md"] = page(f"Tin {i}", body, date=f"2024-01-{i % 28 + 1:02d}", tags="[a, b]")
        files[f"content/en/tin/p{i}.md"] = page(f"News {i}", f"Text [link](p{i}.md).", date=f"2024-01-{i % 28 + 1:02d}")
    return files


def clean_serial(site: Path, tmp: Path, name: str) -> dict[str, str]:
    copy = tmp / f"{name}-site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".sitegen-*", "output"))  # (the cache, old outputs)
    out = tmp / f"{name}-out"
    proc = run_process("build", "--site", copy, "--output", out, "--no-cache", env={"SITEGEN_JOBS": "1"})
    assert proc.returncode == 0, proc.stderr
    return tree_digest(out)


def test_parallel_cached_and_incremental_builds_match_a_clean_serial_build(make_site, tmp_path):
    site = make_site(corpus(tmp_path))
    out = site / "output"
    parallel = run_process("build", "--site", site, env={"SITEGEN_JOBS": "2"})
    assert parallel.returncode == 0, parallel.stderr
    assert tree_digest(out) == clean_serial(site, tmp_path, "a")

    again = run_process("build", "--site", site, env={"SITEGEN_JOBS": "2"})
    assert again.returncode == 0 and "Nothing changed" in again.stdout
    assert tree_digest(out) == clean_serial(site, tmp_path, "b")

    untouched = out / "vi/tin/p20/index.html"
    mtime = untouched.stat().st_mtime_ns
    write_files(site, {"content/vi/tin/p3.md": page("Tin 3", "Nội dung mới.", date="2024-01-04", tags="[a, c]")})
    edited = run_process("build", "--site", site, env={"SITEGEN_JOBS": "2"})
    assert edited.returncode == 0 and "Built" in edited.stdout
    assert tree_digest(out) == clean_serial(site, tmp_path, "c")
    assert untouched.stat().st_mtime_ns == mtime  # unchanged files are kept, not rewritten
    assert "Nội dung mới." in (out / "vi/tin/p3/index.html").read_text()


def test_a_changed_template_invalidates_the_cache(make_site, tmp_path):
    site = make_site(corpus(tmp_path))
    assert run_process("build", "--site", site).returncode == 0
    write_files(site, {"templates/page.html": "{{ page.title }} / {{ content }}"})
    proc = run_process("build", "--site", site)
    assert proc.returncode == 0 and "Nothing changed" not in proc.stdout
    assert (site / "output/vi/tin/p1/index.html").read_text().startswith("Tin 1 / ")


def test_serve_updates_match_a_clean_serial_build(make_site, tmp_path):
    """`sitegen serve` re-renders only what an edit affects (pages, the tag lists showing them); the
    output stays that of a clean build, also when an edit moves a page in a list or changes its tags."""
    from generator.build import Builder, BuildOptions

    site = make_site(corpus(tmp_path), site_yaml=SITE_YAML + "feeds: {sections: [tin], limit: 5}\n")
    Builder(BuildOptions(site=site)).full()
    builder = Builder(BuildOptions(site=site, watch=True))
    assert builder.full().up_to_date  # serve takes up the last build's model and dependencies from the cache
    edits = [
        ("body", {"content/vi/tin/p5.md": page("Tin 5", "Đoạn mới.", date="2024-01-06", tags="[a, b]")}),
        ("a tag less", {"content/vi/tin/p3.md": page("Tin 3", "x", date="2024-01-04", tags="[a]")}),
        ("date", {"content/vi/tin/p7.md": page("Tin 7", "y", date="2023-12-31", tags="[a, b]")}),
        ("home", {"content/vi/_index.md": page("Trang chủ mới", "Xin chào.")}),
        ("section title", {"content/vi/tin/_index.md": page("Tin tức mới")}),
        ("two pages", {"content/en/tin/p2.md": page("News 2 new", "Text.", date="2024-01-03"),
                       "content/en/tin/p4.md": page("News 4", "Text [link](p2.md).", date="2024-02-01")}),
        ("new tag", {"content/vi/tin/p1.md": page("Tin 1", "z", date="2024-01-02", tags="[a, b, mới]")}),
        ("slug", {"content/vi/tin/p8.md": page("Tin 8", "z", date="2024-01-09", tags="[a, b]", slug="tam")}),
    ]
    for number, (what, files) in enumerate(edits):
        write_files(site, files)
        result = builder.update([site / rel for rel in files])
        assert tree_digest(site / "output") == clean_serial(site, tmp_path, f"edit{number}"), what
        assert result.full == (what in ("new tag", "slug")), what  # files come and go: a full build


def test_chunks_share_out_work_by_weight():
    """A heavy job (a tag list of many pages) gets a chunk of its own instead of joining 63 others at
    the end of the build, where one worker would render it all while the other waits."""
    from generator.parallel import _chunks

    items = list(range(1000)) + [f"heavy{i}" for i in range(40)]
    weight = lambda item: 55 if isinstance(item, str) else 1  # noqa: E731
    chunks = _chunks(items, 2, weight)
    assert [x for chunk in chunks for x in chunk] == items
    assert all(len(chunk) == 1 for chunk in chunks if isinstance(chunk[0], str))
    assert len(chunks) > 1000 // 64 + 30
    assert _chunks(items, 2, None) == [items[i:i + 64] for i in range(0, len(items), 64)]
