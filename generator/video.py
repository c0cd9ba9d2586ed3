"""Films (issue 14): a page's `video:` entries, self-hosted or on YouTube/Vimeo, for `partials/video.html`.

A remote film is an `<iframe>` with no address and a poster link that targets it by name: nothing is asked
of the film's host until the visitor clicks, and the site's CSP allows that host for frames only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from generator.model import Page, Site

_YOUTUBE = re.compile(r"^https://(?:www\.)?(?:youtube\.com/watch\?v=|youtu\.be/|youtube\.com/embed/)"
                      r"(?P<id>[\w-]{6,20})")
_VIMEO = re.compile(r"^https://(?:www\.)?(?:vimeo\.com/|player\.vimeo\.com/video/)(?P<id>\d{4,12})")
HOSTS = {"youtube": "https://www.youtube-nocookie.com", "vimeo": "https://player.vimeo.com"}


def entries(page: Page) -> list[Mapping[str, Any]]:
    """The page's `video:` entries (one mapping or a list of them)."""
    value = page.params.get("video")
    items = value if isinstance(value, list) else [value] if value else []
    return [v for v in items if isinstance(v, Mapping) and isinstance(v.get("src"), str)]


def remote(src: str) -> tuple[str, str] | None:
    """(host kind, embed URL that plays on load) for a YouTube or Vimeo address, else None."""
    if m := _YOUTUBE.match(src):
        return "youtube", f"{HOSTS['youtube']}/embed/{m.group('id')}?autoplay=1"
    if m := _VIMEO.match(src):
        return "vimeo", f"{HOSTS['vimeo']}/video/{m.group('id')}?autoplay=1"
    return None


def films(page: Page) -> list[dict[str, Any]]:
    """What the template needs of each film: kind, URLs (relative ones as written: they are files beside the
    page), poster, subtitles by language and transcript."""
    out = []
    for number, item in enumerate(entries(page), start=1):
        src = str(item["src"])
        found = remote(src)
        subs = item.get("subtitles")
        subs = subs if isinstance(subs, Mapping) else {}
        out.append({
            "id": "film-" + hashlib.sha256(f"{page.url}{number}{src}".encode()).hexdigest()[:8],
            "kind": found[0] if found else "file", "embed": found[1] if found else None,
            "host": urlsplit(found[1]).netloc if found else None,
            "src": src, "type": "video/webm" if src.endswith(".webm") else "video/mp4",
            "title": str(item.get("title") or page.title), "poster": item.get("poster"),
            "subtitles": [{"lang": lang, "src": str(path)} for lang, path in sorted(subs.items())],
            "transcript": str(item.get("transcript") or ""),
        })
    return out


def frame_hosts(pages: Iterable[Page]) -> list[str]:
    """The hosts of the remote films of `pages`: the CSP's `frame-src`."""
    return sorted({HOSTS[found[0]] for page in pages for item in entries(page)
                   if (found := remote(str(item["src"])))})


def site_frame_hosts(site: Site) -> list[str]:
    return frame_hosts(site.pages.values())
