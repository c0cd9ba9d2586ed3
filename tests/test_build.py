"""The build pipeline end to end on small sites."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import build, page, tiny_png, tree_digest


def test_builds_both_languages_with_switcher_and_hreflang(make_site):
    site = make_site({
        "content/vi/about/_index.md": page("Giới thiệu", slug="gioi-thieu"),
        "content/en/about/_index.md": page("About"),
        "content/vi/about/lich-su.md": page("Lịch sử", "Nội dung.", translation_key="history"),
        "content/en/about/history.md": page("History", "Text.", translation_key="history"),
    })
    result = build(site)
    assert result.exit_code == 0, result.output
    out = site / "output"
    vi = (out / "vi/gioi-thieu/lich-su/index.html").read_text()
    en = (out / "en/about/history/index.html").read_text()
    assert '<html lang="vi">' in vi and '<html lang="en">' in en
    for html in (vi, en):
        assert '<link rel="alternate" hreflang="vi" href="https://example.org/vi/gioi-thieu/lich-su/">' in html
        assert '<link rel="alternate" hreflang="en" href="https://example.org/en/about/history/">' in html
        assert 'hreflang="x-default" href="https://example.org/vi/gioi-thieu/lich-su/"' in html
    assert '<link rel="canonical" href="https://example.org/vi/gioi-thieu/lich-su/">' in vi
    assert 'href="/en/about/history/" hreflang="en"' in vi
    assert 'href="/vi/gioi-thieu/lich-su/" hreflang="vi"' in en
    assert (out / "index.html").is_file() and (out / "vi/404.html").is_file() and (out / "en/404.html").is_file()


def test_untranslated_page_switcher_goes_to_nearest_section(make_site):
    site = make_site({
        "content/vi/news/_index.md": page("Tin tức", slug="tin-tuc"),
        "content/en/news/_index.md": page("News"),
        "content/vi/news/only-vi.md": page("Chỉ tiếng Việt"),
    })
    result = build(site)
    assert result.exit_code == 0, result.output
    html = (site / "output/vi/tin-tuc/only-vi/index.html").read_text()
    assert 'href="/en/news/" hreflang="en"' in html
    assert "chưa có bản dịch" in html and "Trang này chưa có bản English." in html
    assert 'hreflang="en" href' not in html.split("</head>")[0].replace('hreflang="en" href="https://example.org/en/', "")
    assert "en: 1 page(s) without a translation: content/vi/news/only-vi.md" in result.output


def test_root_chooser_links_every_language(make_site):
    site = make_site()
    assert build(site).exit_code == 0
    html = (site / "output/index.html").read_text()
    assert 'href="/vi/"' in html and 'href="/en/"' in html
    assert re.search(r"assets/js/chooser\.[0-9a-f]{10}\.js", html) and "<script>" not in html


def test_sections_list_pages_by_weight_date_title_with_pagination(make_site):
    files = {"content/vi/news/_index.md": page("Tin"), "content/en/news/_index.md": page("News")}
    for i in range(5):
        files[f"content/vi/news/n{i}.md"] = page(f"Tin {i}", date=f"2020-01-0{i + 1}")
    files["content/vi/news/first.md"] = page("Đầu tiên", weight="-1")
    site = make_site(files)
    site.joinpath("site.yaml").write_text(site.joinpath("site.yaml").read_text() + "pagination: 2\n")
    assert build(site).exit_code == 0
    out = site / "output/vi/news"
    page1 = (out / "index.html").read_text()
    page2 = (out / "page/2/index.html").read_text()
    page3 = (out / "page/3/index.html").read_text()
    assert page1.index("Đầu tiên") < page1.index("Tin 4")
    assert "Tin 3" in page2 and "Tin 2" in page2 and "Tin 0" in page3 and "Tin 1" in page3
    assert 'href="/vi/news/page/2/" rel="next"' in page1


def test_tags_pages_per_language(make_site):
    site = make_site({
        "content/vi/a.md": page("A", tags="[Đầu tư, Văn hóa]"),
        "content/en/a.md": page("A", tags="[Investment]"),
    })
    assert build(site).exit_code == 0
    out = site / "output"
    assert "A" in (out / "vi/tags/dau-tu/index.html").read_text()
    assert (out / "vi/tags/van-hoa/index.html").is_file()
    assert (out / "en/tags/investment/index.html").is_file()
    assert "Đầu tư" in (out / "vi/tags/index.html").read_text()


def test_a_tag_lists_its_pages_in_section_order_under_its_first_name(make_site):
    from generator.config import load_config
    from generator.site import load_site

    site = make_site({  # (site order: by URL; section order: weight, then newest first, then title)
        "content/vi/a.md": page("A", tags="[Văn hoá]", date="2020-01-01"),
        "content/vi/b.md": page("B", tags="[văn hóa, Văn hoá]", date="2021-01-01"),
        "content/vi/c.md": page("C", tags="[Văn hóa]", weight="-1"),
        "content/vi/d.md": page("D", tags="[Biển]", date="2021-01-01"),
    })
    tags = {t.slug: t for t in load_site(load_config(site)).tags["vi"]}
    assert list(tags) == ["bien", "van-hoa"]
    assert tags["van-hoa"].name == "Văn hoá"  # (a.md's, the first page of the site's order)
    assert [rel for _lang, rel in tags["van-hoa"].pages] == ["c.md", "b.md", "b.md", "a.md"]


def test_drafts_only_with_flag(make_site):
    site = make_site({"content/vi/d.md": page("Nháp", draft="true")})
    assert build(site).exit_code == 0
    assert not (site / "output/vi/d").exists()
    assert build(site, "--drafts").exit_code == 0
    assert (site / "output/vi/d/index.html").is_file()




def test_files_beside_pages_are_copied_and_linkable(make_site):
    site = make_site({
        "content/vi/report/index.md": page("Báo cáo", "[Tải về](bao-cao.pdf) ![Ảnh](anh.png)"),
        "content/vi/report/bao-cao.pdf": b"%PDF-1.4 test",
        "content/vi/report/anh.png": tiny_png(),  # (a real image: an unreadable one is an error, issue 14)
        "content/vi/docs/plan.pdf": b"%PDF plan",
        "content/vi/docs/_index.md": page("Tài liệu", "[Kế hoạch](plan.pdf)"),
    })
    assert build(site).exit_code == 0, build(site).output
    out = site / "output/vi"
    assert (out / "report/bao-cao.pdf").read_bytes() == b"%PDF-1.4 test"
    html = (out / "report/index.html").read_text()
    assert 'href="/vi/report/bao-cao.pdf"' in html and 'src="/vi/report/anh.' in html
    assert 'href="/vi/docs/plan.pdf"' in (out / "docs/index.html").read_text()


def test_links_to_source_files_become_urls_across_languages(make_site):
    site = make_site({
        "content/vi/lich-su.md": page("Lịch sử", "[English](../en/history.md) [Trang chủ](_index.md#top)"),
        "content/en/history.md": page("History", "[Vietnamese](../vi/lich-su.md)"),
    })
    result = build(site)
    assert result.exit_code == 0, result.output
    assert 'href="/en/history/"' in (site / "output/vi/lich-su/index.html").read_text()
    assert 'href="/vi/#top"' in (site / "output/vi/lich-su/index.html").read_text()
    assert 'href="/vi/lich-su/"' in (site / "output/en/history/index.html").read_text()


def test_static_files_of_theme_and_site_are_copied(make_site):
    site = make_site({"static/robots-extra.txt": "hi", "static/assets/css/style.css": "body{}"})
    assert build(site).exit_code == 0
    out = site / "output"
    assert (out / "robots-extra.txt").read_text() == "hi"
    css = list((out / "assets/css").glob("style.*.css"))
    assert [c.read_text() for c in css] == ["body{}"]  # the site's file replaces the theme's
    assert list((out / "assets/js").glob("chooser.*.js"))


def test_site_template_overrides_theme(make_site):
    site = make_site({"templates/page.html": "CUSTOM {{ page.title }}"})
    site.joinpath("content/vi/x.md").write_text(page("Trang X"))
    assert build(site).exit_code == 0
    assert (site / "output/vi/x/index.html").read_text().startswith("CUSTOM Trang X")


def test_three_languages_in_a_temporary_folder(make_site):
    yaml = """\
base_url: https://example.org/
languages:
  - {code: vi, name: Tiếng Việt, locale: vi_VN}
  - {code: en, name: English, locale: en_US}
  - {code: ja, name: 日本語, locale: ja_JP}
title: {vi: Thử, en: Test, ja: テスト}
"""
    site = make_site({"content/ja/_index.md": page("ホーム"), "content/ja/rekishi.md": page("歴史",
                      translation_key="h"), "content/en/history.md": page("History", translation_key="h")},
                     site_yaml=yaml)
    result = build(site)
    assert result.exit_code == 0, result.output
    out = site / "output"
    html = (out / "ja/rekishi/index.html").read_text()
    assert '<html lang="ja">' in html
    assert 'hreflang="en" href="https://example.org/en/history/"' in html
    assert 'href="/ja/"' in (out / "index.html").read_text()
    assert "ja: 1" in result.output or "ja: 2" in result.output


def test_summary_reports_pages_and_time(make_site):
    result = build(make_site())
    assert result.exit_code == 0
    assert "Built 2 pages (vi: 1, en: 1)" in result.output and " s." in result.output


def test_base_url_with_path_prefixes_every_url(make_site):
    site = make_site(site_yaml="""\
base_url: https://example.org/thai-binh/
languages:
  - {code: vi, name: Tiếng Việt, locale: vi_VN}
  - {code: en, name: English, locale: en_US}
title: {vi: Thử, en: Test}
""")
    assert build(site).exit_code == 0
    html = (site / "output/vi/index.html").read_text()
    assert re.search(r'href="/thai-binh/assets/css/style\.[0-9a-f]{10}\.css"', html)
    assert 'hreflang="en" href="https://example.org/thai-binh/en/"' in html


def test_digest_helper_sees_every_file(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/b.txt").write_text("x")
    assert list(tree_digest(tmp_path)) == ["a/b.txt"]


def test_section_export_writes_csv_and_json(make_site):
    import csv
    import io
    import json

    park = "park: {type: khu công nghiệp, total_area_ha: 101.89, sectors: [a, b], distances_km: {ha_noi: 110}}"
    site = make_site({
        "content/vi/parks/_index.md": page("Khu công nghiệp", export="park"),
        "content/vi/parks/a.md": f"---\ntitle: KCN A\n{park}\n---\n",
        "content/vi/parks/b.md": "---\ntitle: KCN B\npark: {total_area_ha: 50}\n---\n",
    })
    assert build(site).exit_code == 0
    out = site / "output/vi/parks"
    data = json.loads((out / "data.json").read_text())
    assert data["items"][0]["title"] == "KCN A" and data["items"][0]["distances_km.ha_noi"] == 110
    assert data["items"][0]["url"] == "https://example.org/vi/parks/a/"
    table = list(csv.DictReader(io.StringIO((out / "data.csv").read_text(encoding="utf-8-sig"))))
    assert table[0]["sectors"] == "a; b" and table[1]["total_area_ha"] == "50" and table[1]["sectors"] == ""


def test_editor_backups_and_drafts_are_no_input(make_site):
    """Building and watching skip the same files: an editor's backup is neither copied nor watched."""
    from generator.build import watched
    from generator.cache import scan
    from generator.discover import skipped

    site = make_site({"content/vi/a.md": page("A"), "content/vi/a.md~": "backup", "content/vi/#a.md#": "lock",
                      "content/vi/_draft-b.md": page("B"), "content/vi/.a.md.swp": "swap"})
    assert build(site).exit_code == 0
    copied = {p.name for p in (site / "output").rglob("*")}
    assert not copied & {"a.md~", "#a.md#", "_draft-b.md", ".a.md.swp"}, copied
    seen = {Path(p).name for p in scan(watched(site), ignore=skipped)}
    assert "a.md" in seen and not seen & {"a.md~", "#a.md#", "_draft-b.md", ".a.md.swp"}, seen


def test_timings_name_every_stage(make_site):
    site = make_site({"content/vi/a.md": page("A", "Một.")})
    result = build(site, "--timings")
    assert result.exit_code == 0, result.output
    for stage in ("discover, parse, site model", "plan", "render and write", "keep state"):
        assert re.search(rf"^\s+\d+\.\d{{3}} s  {re.escape(stage)}$", result.output, re.M), (stage, result.output)
