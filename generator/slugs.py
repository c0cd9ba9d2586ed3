"""Vietnamese-aware slugs: `Đồng Xâm` → `dong-xam`, with đ kept as d, never dropped."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[^\w]+|_+")
_DASHES = re.compile(r"-{2,}")


def fold(text: str) -> str:
    """Strip tone and other marks from Latin letters and map đ to d; other scripts stay intact."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed[0] < "\u0250":  # Latin: drop the marks
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
        else:  # kana voicing marks and the like belong to the letter
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def slugify(text: str, separator: str = "-") -> str:
    """Return a lowercase URL segment of letters, digits and `separator`; never `.`, `/` or empty marks."""
    words = _SEPARATORS.split(fold(text).lower())
    slug = separator.join(w for w in words if w)
    if separator == "-":
        slug = _DASHES.sub("-", slug)
    return slug


def toc_slugify(value: str, separator: str) -> str:
    """Heading ids for Python-Markdown's toc extension (`## Đà Nẵng` → `da-nang`)."""
    return slugify(value, separator) or "section"
