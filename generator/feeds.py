"""Atom feeds of news and events, one per language."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from generator import urls
from generator.config import Config
from generator.model import Page, Site

ATOM = "http://www.w3.org/2005/Atom"


def may_show(page: Page, lang: str, prefixes: tuple[str, ...]) -> bool:
    """Whether `page` is of the kind the feed of `lang` lists: a dated page below one of `prefixes`."""
    return page.date is not None and page.lang == lang and page.kind == "page" and page.rel.startswith(prefixes)


def feed_prefixes(config: Config) -> tuple[str, ...]:
    """The source folders whose pages feeds list, as `news/`."""
    return tuple(f"{s}/" for s in config.feed_sections)


def feed_pages(site: Site, lang: str) -> list[Page]:
    """The newest dated pages of the feed sections of `lang`, newest first."""
    prefixes = feed_prefixes(site.config)
    pages = [p for p in site.pages.values() if may_show(p, lang, prefixes)]
    pages.sort(key=lambda p: (p.date, p.updated or p.date, p.rel), reverse=True)
    return pages[: site.config.feed_limit]


def feed_url(site: Site, lang: str) -> str:
    return urls.feed(site.config.base_path, lang)


def _timestamp(day: dt.date) -> str:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


def atom(site: Site, lang: str, bodies: dict[tuple[str, str], str], absolute: str) -> bytes:
    """The Atom document for `lang`; `bodies` maps page keys to their HTML."""
    config = site.config
    pages = feed_pages(site, lang)
    home = site.home(lang)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    ET.SubElement(root, f"{{{ATOM}}}title").text = config.title.get(lang, "")
    if config.description.get(lang):
        ET.SubElement(root, f"{{{ATOM}}}subtitle").text = config.description[lang]
    ET.SubElement(root, f"{{{ATOM}}}id").text = absolute + feed_url(site, lang).lstrip("/")
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml",
                                           "href": absolute + feed_url(site, lang).lstrip("/")})
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                           "href": absolute + home.url.lstrip("/")})
    newest = max((p.updated or p.date for p in pages if p.date), default=dt.date(2000, 1, 1))
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _timestamp(newest)
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = config.title.get(lang, "")
    for page in pages:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        url = absolute + page.url.lstrip("/")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = page.title
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": url})
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        assert page.date is not None
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _timestamp(page.date)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _timestamp(page.updated or page.date)
        if page.summary:
            ET.SubElement(entry, f"{{{ATOM}}}summary").text = page.summary
        content = ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "html"})
        content.text = bodies.get(page.key, "")
        for tag in page.tags:
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": tag})
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + xml + b"\n"
