"""Vietnamese-aware slugs: `Đồng Xâm` → `dong-xam`, with đ kept as d, never dropped."""

from __future__ import annotations

import functools
import re
import unicodedata

_SEPARATORS = re.compile(r"[^\w]+|_+")
_DASHES = re.compile(r"-{2,}")


class _FoldTable(dict[int, str]):
    """`str.translate` table filled on first use: each character's folded form."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in "đĐ":
            out = "d" if ch == "đ" else "D"
        else:
            decomposed = unicodedata.normalize("NFD", ch)
            if decomposed[0] < "\u0250":  # Latin: drop the marks
                out = "".join(c for c in decomposed if not unicodedata.combining(c))
            else:  # kana voicing marks and the like belong to the letter
                out = ch
        self[code] = out
        return out


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Strip tone and other marks from Latin letters and map đ to d; other scripts stay intact."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_FOLD))


@functools.lru_cache(maxsize=8192)  # tags and folder names repeat on thousands of pages
def slugify(text: str, separator: str = "-") -> str:
    """Return a lowercase URL segment of letters, digits and `separator`; never `.`, `/` or empty marks."""
    return _slug(text, separator)


def _slug(text: str, separator: str) -> str:
    words = _SEPARATORS.split(fold(text).lower())
    slug = separator.join(w for w in words if w)
    if separator == "-":
        slug = _DASHES.sub("-", slug)
    return slug


def toc_slugify(value: str, separator: str) -> str:
    """Heading ids for Python-Markdown's toc extension (`## Đà Nẵng` → `da-nang`). Not kept, as `slugify`
    keeps what it made: headings seldom repeat, and kept they were megabytes in every worker."""
    return _slug(value, separator) or "section"
