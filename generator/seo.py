"""Discovery: sitemap.xml with hreflang alternates, robots.txt, Open Graph and JSON-LD data."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

from generator.feeds import feed_prefixes
from generator.model import Page, Site
from generator.urls import absolute as join_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


def sitemap(site: Site) -> bytes:
    """Every page with `xhtml:link` alternates for each translation and x-default."""
    base = site.config.base_url
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for page in site.pages.values():
        url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = join_url(base, page.url)
        modified = page.updated or page.date
        if modified:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = modified.isoformat()
        alternates = site.alternates(page)
        if len(alternates) > 2:  # (the page itself and x-default alone are no alternates)
            for code, href in alternates:
                ET.SubElement(url, f"{{{XHTML_NS}}}link", {"rel": "alternate", "hreflang": code,
                                                          "href": join_url(base, href)})
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def robots(site: Site) -> bytes:
    return (f"User-agent: *\nAllow: /\n\nSitemap: {urljoin(site.config.base_url, 'sitemap.xml')}\n").encode()


def structured_data(site: Site, page: Page, absolute_url: str, image: str | None) -> list[dict[str, Any]]:
    """JSON-LD: the organisation (`organization.type`) everywhere, NewsArticle for dated news, Dataset for stats."""
    config = site.config
    lang = page.lang
    home = join_url(config.base_url, site.home(lang).url)
    org: dict[str, Any] = {"@context": "https://schema.org", "@type": config.organization_type,
                           "@id": config.base_url + "#organization", "name": config.title.get(lang, ""),
                           "url": home}
    if config.description.get(lang):
        org["description"] = config.description[lang]
    out = [org]
    in_feed = page.rel.startswith(feed_prefixes(config))
    if page.kind == "page" and page.date and in_feed:
        article: dict[str, Any] = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": page.title[:110],
            "datePublished": page.date.isoformat(), "dateModified": (page.updated or page.date).isoformat(),
            "inLanguage": lang, "url": absolute_url, "mainEntityOfPage": absolute_url,
            "publisher": {"@id": config.base_url + "#organization"},
            "author": {"@id": config.base_url + "#organization"},
        }
        if page.summary:
            article["description"] = page.summary
        if image:
            article["image"] = [image]
        out.append(article)
    stats = site.data.get("statistics")
    if page.template == "stats" and isinstance(stats, list):
        out.append(dataset(site, page, absolute_url, stats))
    return out


def dataset(site: Site, page: Page, absolute_url: str, stats: list[Any]) -> dict[str, Any]:
    lang = page.lang
    years = sorted({int(s["year"]) for s in stats if isinstance(s, dict) and isinstance(s.get("year"), int)})
    names = _distinct(stats, "label", lang)
    sources = _distinct(stats, "source", lang)
    ds: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Dataset", "name": page.title, "url": absolute_url,
        "inLanguage": lang, "description": page.summary or page.title,
        "creator": {"@id": site.config.base_url + "#organization"},
        "variableMeasured": names, "citation": sources,
    }
    if years:
        ds["temporalCoverage"] = f"{years[0]}/{years[-1]}"
    return ds


def _distinct(stats: list[Any], field: str, lang: str) -> list[str]:
    """The distinct texts in `lang` of a per-language `field` of the statistics, in order."""
    out: list[str] = []
    for s in stats:
        text = s[field].get(lang) if isinstance(s, dict) and isinstance(s.get(field), dict) else None
        if text and text not in out:
            out.append(text)
    return out
