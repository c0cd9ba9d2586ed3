"""What a deploy sends: the local files with their hashes and headers, and the pure diff against a remote."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.compress import SUFFIXES
from generator.hosting import IMMUTABLE, NGINX_BROTLI_FILE, NGINX_FILE, REVALIDATE, Hosting
from generator.writer import MARKER  # the build's marker file: never deployed

HOST_FILES = frozenset({".htaccess", NGINX_FILE, NGINX_BROTLI_FILE, "_redirects", "_headers"})  # other hosts' rules
TEXT_TYPES = frozenset({"application/javascript", "application/json", "application/xml", "application/atom+xml",
                        "application/rss+xml", "image/svg+xml", "application/manifest+json"})
EXTRA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
               ".webmanifest": "application/manifest+json", ".pf_fragment": "application/octet-stream",
               ".pf_index": "application/octet-stream", ".pf_meta": "application/octet-stream",
               ".pagefind": "application/octet-stream", ".avif": "image/avif", ".webp": "image/webp",
               ".woff2": "font/woff2", ".woff": "font/woff", ".xml": "application/xml", ".csv": "text/csv",
               ".md": "text/markdown", ".json": "application/json", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class LocalFile:
    """One file of output/ as it is to be stored: its content hashes and the headers it is served with."""

    path: str  # relative, with '/'
    sha256: str
    size: int
    content_type: str
    cache_control: str

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")

    def entry(self) -> dict[str, str]:
        """What the remote manifest records: enough to tell whether the stored object is this one."""
        return {"sha256": self.sha256, "content_type": self.content_type, "cache_control": self.cache_control}


@dataclass(frozen=True)
class Plan:
    """What to send (assets first, then HTML) and what to delete afterwards; everything else is in place."""

    assets: tuple[LocalFile, ...]
    pages: tuple[LocalFile, ...]  # HTML, sent after every asset so no page points at a missing asset
    deletes: tuple[str, ...]
    unchanged: int

    @property
    def uploads(self) -> tuple[LocalFile, ...]:
        return self.assets + self.pages

    @property
    def empty(self) -> bool:
        return not self.assets and not self.pages and not self.deletes


def content_type(path: str) -> str:
    """The Content-Type of an output file, with `charset=utf-8` for text."""
    suffix = Path(path).suffix.lower()
    kind = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(path, strict=False)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in TEXT_TYPES:
        return kind + "; charset=utf-8"
    return kind


def cache_control(path: str, hosting: Hosting) -> str:
    """The hosting description's policy: a year and immutable for fingerprinted assets, else revalidate."""
    if path in hosting.fingerprinted or re.search(hosting.asset_pattern, path):
        return IMMUTABLE
    return REVALIDATE


def output_paths(output: Path, skip: frozenset[str] = HOST_FILES) -> list[str]:
    """Every file below `output` that is deployed, as sorted relative paths: not the build's marker, not the
    files of `skip`, and not the precompressed siblings (`.gz`, `.br`), which object stores and GitHub Pages
    cannot choose by Accept-Encoding (their CDNs compress by themselves)."""
    files = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    return sorted(rel for rel in files if rel != MARKER and rel not in skip and not any(
        rel.endswith(suffix) and rel[:-len(suffix)] in files for suffix in SUFFIXES))


def local_files(output: Path, hosting: Hosting, skip: frozenset[str] = HOST_FILES) -> dict[str, LocalFile]:
    """Hash every deployed file of `output` and give it its headers."""
    out: dict[str, LocalFile] = {}
    for rel in output_paths(output, skip):
        data = (output / rel).read_bytes()
        out[rel] = LocalFile(rel, hashlib.sha256(data).hexdigest(), len(data),
                             content_type(rel), cache_control(rel, hosting))
    return out


def diff(local: dict[str, LocalFile], manifest: dict[str, dict[str, str]], etags: dict[str, str]) -> Plan:
    """Compare `local` with the remote: `etags` lists what is stored (path → ETag), `manifest` what deploys
    recorded (path → LocalFile.entry() and the ETag the upload got back). A file is sent unless the manifest
    has its hash and headers and the stored object still has the ETag recorded; a stored path that is not in
    `local` is deleted."""
    send: list[LocalFile] = []
    for path, f in sorted(local.items()):
        known = dict(manifest.get(path) or {})
        etag = known.pop("etag", None)
        if path not in etags or etags[path] != etag or known != f.entry():
            send.append(f)
    deletes = tuple(sorted(set(etags) - set(local)))
    return Plan(tuple(f for f in send if not f.is_html), tuple(_html_order(f for f in send if f.is_html)), deletes,
                len(local) - len(send))


def _html_order(pages: Iterable[LocalFile]) -> list[LocalFile]:
    """Deeper pages first and each folder's index last, so a list never links to a page not yet there."""
    return sorted(pages, key=lambda f: (-f.path.count("/"), f.path.endswith("index.html"), f.path))
