"""Discovery files: sitemap (schema-valid, with alternates), robots, Atom feeds, Open Graph, JSON-LD."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
import xmlschema

from conftest import REPO, build, run_process

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seo") / "output"
    proc = run_process("build", "--site", REPO, "--output", out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_sitemap_is_valid_and_lists_every_page_with_alternates(example: Path):
    schema = xmlschema.XMLSchema(str(DATA / "sitemap.xsd"))
    schema.validate(str(example / "sitemap.xml"))
    text = (example / "sitemap.xml").read_text()
    locs = re.findall(r"<loc>([^<]+)</loc>", text)
    pages = [p for p in example.rglob("index.html") if p.parent != example
             and not any(part in p.as_posix() for part in ("/tags/", "/page/", "/search/"))]
    assert len(locs) == len(pages)
    assert ('<xhtml:link rel="alternate" hreflang="en" href="https://thaibinh.example.org/en/about/history/" />'
            in text)
    assert 'hreflang="x-default" href="https://thaibinh.example.org/vi/gioi-thieu/lich-su/"' in text


def test_robots_points_to_sitemap(example: Path):
    assert "Sitemap: https://thaibinh.example.org/sitemap.xml" in (example / "robots.txt").read_text()


def test_feeds_per_language_parse_and_are_linked(example: Path):
    for lang in ("vi", "en"):
        feed = feedparser.parse((example / lang / "feed.xml").read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert len(feed.entries) >= 4
        dates = [e.published for e in feed.entries]
        assert dates == sorted(dates, reverse=True)
        assert all(e.link.startswith(f"https://thaibinh.example.org/{lang}/") for e in feed.entries)
        html = (example / lang / "index.html").read_text()
        assert f'<link rel="alternate" type="application/atom+xml" href="/{lang}/feed.xml"' in html


def test_open_graph_and_json_ld(example: Path):
    html = (example / "en/news/external-information-plan-2019/index.html").read_text()
    assert '<meta property="og:locale" content="en_US">' in html
    assert '<meta property="og:locale:alternate" content="vi_VN">' in html
    assert '<meta property="og:image" content="https://thaibinh.example.org/assets/img/share.png">' in html
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]
    types = {b["@type"] for b in blocks}
    assert {"GovernmentOrganization", "NewsArticle"} <= types
    article = next(b for b in blocks if b["@type"] == "NewsArticle")
    assert article["datePublished"] == "2019-03-08" and article["inLanguage"] == "en"


def test_assets_are_fingerprinted(example: Path):
    css = list((example / "assets/css").glob("style.*.css"))
    assert len(css) == 1 and re.fullmatch(r"style\.[0-9a-f]{10}\.css", css[0].name)
    assert f'href="/assets/css/{css[0].name}"' in (example / "vi/index.html").read_text()


def test_hostile_title_stays_text_in_json_ld_and_feed(make_site):
    evil = '"><script>alert(1)</script>'
    site = make_site({"content/vi/news/x.md": f"---\ntitle: '{evil}'\ndate: 2024-01-02\nsummary: '{evil}'\n---\nBody\n"})
    assert build(site).exit_code == 0
    html = (site / "output/vi/news/x/index.html").read_text()
    assert "<script>alert" not in html
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]
    assert any(b.get("headline") == evil for b in blocks)
    feed_text = (site / "output/vi/feed.xml").read_text()
    assert "<script>" not in feed_text
    assert feedparser.parse(feed_text).entries[0].title == evil


def _organization(site: Path) -> dict[str, object]:
    html = (site / "output/en/index.html").read_text()
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]
    return next(b for b in blocks if b.get("@id") == "https://example.org/#organization")


def test_json_ld_names_a_plain_organization_unless_site_yaml_says_otherwise(make_site):
    site = make_site()
    assert build(site).exit_code == 0
    assert _organization(site)["@type"] == "Organization"  # the engine knows no kind of publisher
    site.joinpath("site.yaml").write_text(site.joinpath("site.yaml").read_text() + "organization: {type: NGO}\n")
    assert build(site).exit_code == 0
    org = _organization(site)
    assert org["@type"] == "NGO" and org["name"] == "Test site" and org["url"] == "https://example.org/en/"
