"""Every URL of the built site is made here: pages of lists, tags, feeds, search, 404s, output files.

Site URLs are site-absolute paths that start with the config's `base_path` and end in "/" (a folder
served by its index.html), except files such as feeds. `is_safe` is the one rule for link schemes.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin

_BLOCKED_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def is_safe(url: str) -> bool:
    """False for javascript:, vbscript: and data: URLs, however they are disguised (case, spaces, control
    characters, percent-escapes)."""
    return not _BLOCKED_SCHEME.match(_CONTROL.sub("", unquote(url)))


def language_root(base_path: str, lang: str) -> str:
    """The folder of one language, e.g. /vi/."""
    return f"{base_path}{lang}/"


def numbered(url: str, number: int) -> str:
    """Page `number` (from 1) of a paginated list whose first page is `url`."""
    return url if number == 1 else f"{url}page/{number}/"


def tags(base_path: str, lang: str) -> str:
    return f"{language_root(base_path, lang)}tags/"


def tag(base_path: str, lang: str, slug: str) -> str:
    return f"{tags(base_path, lang)}{slug}/"


def search(base_path: str, lang: str) -> str:
    return f"{language_root(base_path, lang)}search/"


def feed(base_path: str, lang: str) -> str:
    return f"{language_root(base_path, lang)}feed.xml"


def not_found(base_path: str, lang: str) -> str:
    return f"{language_root(base_path, lang)}404.html"


def output_file(base_path: str, url: str) -> str:
    """The file, relative to the output folder, that serves a site URL (a folder URL gets index.html)."""
    rel = url[len(base_path):]
    return rel + "index.html" if rel.endswith("/") or not rel else rel


def absolute(base_url: str, url: str) -> str:
    """`url` made absolute against the site's `base_url` (a site path gets the scheme and host)."""
    if url.startswith("/") and not url.startswith("//") and not any(c in url for c in ("/.", "?", "#", "\\")):
        scheme, sep, rest = base_url.partition("://")
        if sep:
            return f"{scheme}://{rest.split('/', 1)[0]}{url}"
    return urljoin(base_url, url)
