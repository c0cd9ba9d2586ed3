"""Precompressed siblings: `page.html.gz` beside `page.html`, for nginx's gzip_static and the like.

The bytes of a sibling depend only on the bytes of its file (no name, no time), so equal builds give equal
trees. The writer asks `encoders(path)` which siblings a file gets and writes them; it names no encoding
itself, so adding one here is the whole change.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

GZ = ".gz"
COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt", ".csv", ".webmanifest")

Encoder = tuple[str, Callable[[bytes], bytes]]  # (the sibling's suffix, bytes -> compressed bytes)


def compressible(path: str) -> bool:
    """Whether precompressed siblings are written for the output at `path` (text types only)."""
    return path.endswith(COMPRESSIBLE)


def gzipped(data: bytes) -> bytes:
    """Deterministic gzip: no file name and a zero time in the header, so equal bytes give equal files."""
    return gzip.compress(data, compresslevel=9, mtime=0)


ENCODERS: tuple[Encoder, ...] = ((GZ, gzipped),)
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
