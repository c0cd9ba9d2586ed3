"""The editor's loop without a server: incremental rebuilds, new pages, translation status, checks."""

from __future__ import annotations

import json
import re
import shutil

from conftest import REPO, build, page, run, tiny_png, tree_digest, write_files
from generator.build import Builder, BuildOptions


def test_incremental_rebuilds_equal_a_clean_build(make_site, tmp_path):
    files = {"content/vi/news/_index.md": page("Tin"), "content/en/news/_index.md": page("News")}
    for i in range(6):
        files[f"content/vi/news/n{i}.md"] = page(f"Tin {i}", f"Nội dung {i}.", date=f"2024-01-0{i + 1}", tags="[a]")
        files[f"content/en/news/n{i}.md"] = page(f"News {i}", f"Body {i}.", date=f"2024-01-0{i + 1}")
    site = make_site(files)
    shutil.copytree(REPO / "themes/default", site / "themes/default")  # a fixed theme for the whole test
    builder = Builder(BuildOptions(site=site))
    builder.full()
    edits = [
        {"content/vi/news/n1.md": page("Tin 1", "Sửa nội dung.", date="2024-01-02", tags="[a]")},
        {"content/en/news/n2.md": page("News two", "Body two.", date="2024-01-03")},  # title: lists change
        {"content/vi/news/n3.md": page("Tin 3", "Thẻ mới.", date="2024-01-04", tags="[b]")},  # tags change
        {"content/vi/news/n9.md": page("Tin mới", "Trang mới.", date="2024-02-01")},  # a new page
        {"content/vi/news/_index.md": page("Tin tức", "Giới thiệu.")},  # a section's title
    ]
    for edit in edits:
        write_files(site, edit)
        builder.update([site / p for p in edit])
        clean = tmp_path / f"clean{edits.index(edit)}"
        assert build(site, "--output", clean).exit_code == 0
        assert tree_digest(site / "output") == tree_digest(clean), edit
    (site / "content/vi/news/n9.md").unlink()
    builder.update([site / "content/vi/news/n9.md"])
    assert build(site, "--output", tmp_path / "clean-last").exit_code == 0
    assert tree_digest(site / "output") == tree_digest(tmp_path / "clean-last")


def test_editing_one_page_re_renders_only_what_shows_it(make_site):
    files = {f"content/vi/s{i}/_index.md": page(f"Mục {i}") for i in range(3)}
    files.update({f"content/vi/s{i}/p{j}.md": page(f"T {i}{j}") for i in range(3) for j in range(5)})
    files["content/en/s0/p0.md"] = page("P 00")
    site = make_site(files)
    builder = Builder(BuildOptions(site=site))
    builder.full()
    write_files(site, {"content/vi/s0/p0.md": page("T 00", "Mới.")})
    result = builder.update([site / "content/vi/s0/p0.md"])
    assert not result.full
    # the page, its translation, its section, the home page and the theme's lists of its neighbours;
    # not the other sections' pages
    assert 4 <= result.rendered <= 9 and sum(result.pages.values()) >= 20
    assert result.written >= 1


def test_new_creates_every_language_and_refuses_to_overwrite(make_site):
    site = make_site()
    result = run("new", "--site", site, "news/dien-dan-2026")
    assert result.exit_code == 0, result.output
    for lang in ("vi", "en"):
        text = (site / f"content/{lang}/news/dien-dan-2026.md").read_text()
        assert "translation_key: news/dien-dan-2026" in text and re.search(r"date: \d{4}-\d\d-\d\d", text)
    assert "Tiêu đề trang" in (site / "content/vi/news/dien-dan-2026.md").read_text()
    before = (site / "content/vi/news/dien-dan-2026.md").read_text()
    again = run("new", "--site", site, "news/dien-dan-2026")
    assert again.exit_code == 1 and "already exists" in again.output
    assert (site / "content/vi/news/dien-dan-2026.md").read_text() == before
    assert run("new", "--site", site, "../outside").exit_code == 1
    assert build(site).exit_code == 0


def test_translation_status_missing_stale_and_mark_done(make_site):
    site = make_site({
        "content/vi/a.md": page("A", "Bản gốc."),
        "content/en/a.md": page("A", "Translation."),
        "content/vi/b.md": page("B", "Chỉ có tiếng Việt."),
    })
    assert run("translations", "--site", site, "--mark-done", site / "content/en/a.md").exit_code == 0
    assert "translated_from:" in (site / "content/en/a.md").read_text()
    data = json.loads(run("translations", "--site", site, "--json").output)
    assert data["en"]["missing"] == ["content/vi/b.md"] and data["en"]["stale"] == []
    write_files(site, {"content/vi/a.md": page("A", "Bản gốc đã sửa.", updated="2025-07-01")})
    data = json.loads(run("translations", "--site", site, "--json").output)
    assert data["en"]["stale"] == ["content/en/a.md"]
    text = run("translations", "--site", site).output
    assert "en: 2 pages, 1 missing, 1 stale" in text and "stale: content/en/a.md" in text
    result = build(site)
    assert "en: 1 stale translation(s): content/en/a.md" in result.output
    html = (site / "output/en/a/index.html").read_text()
    assert "The Vietnamese original of this page was updated on July 1, 2025" in html
    assert 'href="/vi/a/" hreflang="vi"' in html
    run("translations", "--site", site, "--mark-done", site / "content/en/a.md")
    build(site)
    assert "original of this page" not in (site / "output/en/a/index.html").read_text()


def test_check_finds_links_anchors_alt_descriptions_and_sources(make_site):
    site = make_site({
        "content/vi/a.md": page("A", "## Phần một\n\n[ok](b.md#phan-hai) [bad](b.md#khong-co)\n\n![](anh.png)\n\n"
                                     "Diện tích 101,89 ha.", summary="Một trang."),
        "content/vi/anh.png": tiny_png(),
        "content/vi/b.md": page("B", "## Phần hai\n", summary="x" * 170),
    })
    result = run("check", "--site", site)
    assert result.exit_code == 1
    out = result.output
    assert re.search(r"content/vi/a\.md:\d+:1: link 'b\.md#khong-co'|a\.md:\d+:\d+: link '/vi/b/#khong-co'", out), out
    assert "phan-hai" not in out
    assert re.search(r"a\.md:\d+:\d+: image '(/vi/)?anh\.png' has no alt text", out), out
    assert re.search(r"b\.md:\d+:1: summary is 170 characters", out)
    assert re.search(r"a\.md:\d+:1: warning: states figures \('101,89 ha'\) but lists no sources", out)
    assert re.search(r"_index\.md:1:1: no description", out)


def test_check_passes_on_the_example_site():
    result = run("check", "--site", REPO)
    assert result.exit_code == 0, result.output
