"""Precompressed siblings: `page.html.gz` and `page.html.br` beside `page.html`, for nginx's gzip_static
and brotli_static, Apache's rewrite rules and the like.

The bytes of a sibling depend only on the bytes of its file (no name, no time; brotli's with the installed
Brotli library's version too), so equal builds give equal trees.
The writer asks `encoders(path)` which siblings a file gets and writes them; it names no encoding itself.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import brotli

GZ = ".gz"
BR = ".br"
# Quality 8 costs what gzip -9 costs and is 9% smaller on the example site; 10 and 11 are 16-18% smaller
# but 20-50 times slower (seconds per 4 MB of text): docs/performance.md.
BROTLI_QUALITY = 8
COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt", ".csv", ".webmanifest")

Encoder = tuple[str, Callable[[bytes], bytes]]  # (the sibling's suffix, bytes -> compressed bytes)


def compressible(path: str) -> bool:
    """Whether precompressed siblings are written for the output at `path` (text types only)."""
    return path.endswith(COMPRESSIBLE)


def gzipped(data: bytes) -> bytes:
    """Deterministic gzip: no file name and a zero time in the header, so equal bytes give equal files."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def brotlied(data: bytes) -> bytes:
    """Deterministic brotli at BROTLI_QUALITY, with a window just large enough for `data` (a window
    larger than the file only costs time: 2.3 s instead of 0.08 s at quality 9 on the example site)."""
    window = max(10, min(24, (len(data) - 1).bit_length()))
    return bytes(brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY, lgwin=window))


ENCODERS: tuple[Encoder, ...] = ((BR, brotlied), (GZ, gzipped))
SUFFIXES = tuple(suffix for suffix, _ in ENCODERS)


def encoders(path: str) -> tuple[Encoder, ...]:
    """The siblings written beside the output at `path`: none for a type that is not text."""
    return ENCODERS if compressible(path) else ()


def compress_folder(folder: Path) -> None:
    """(Re)write the siblings of the compressible files directly in `folder`, for files that another
    program wrote (the search bundle)."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and compressible(path.name):
            data = path.read_bytes()
            for suffix, encode in encoders(path.name):
                path.with_name(path.name + suffix).write_bytes(encode(data))
