"""Vietnamese-aware slugs and heading ids."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from generator.slugs import fold, slugify


def test_vietnamese_slugs_keep_d():
    assert slugify("Đồng Xâm") == "dong-xam"
    assert slugify("Đà Nẵng") == "da-nang"
    assert slugify("Ưu đãi đầu tư") == "uu-dai-dau-tu"
    assert slugify("Khu công nghiệp Tiền Hải 2") == "khu-cong-nghiep-tien-hai-2"


def test_other_scripts_survive():
    assert slugify("日本語 が") == "日本語-が"  # kana voicing marks are part of the letter
    assert slugify("한국어") == "한국어"


def test_fold_maps_d_and_strips_marks():
    assert fold("Thái Bình, đầu tư, đền, đến") == "Thai Binh, dau tu, den, den"


@given(st.text())
def test_slugify_is_idempotent_and_a_safe_segment(text):
    slug = slugify(text)
    assert slugify(slug) == slug
    assert "/" not in slug and "\\" not in slug and "." not in slug and "\x00" not in slug
    assert not slug.startswith("-") and not slug.endswith("-")
    assert re.fullmatch(r"[\w-]*", slug)


def _fold_by_character(text: str) -> str:
    """The definition `fold` implements with a cached translation table."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)) if decomposed[0] < "\u0250" else ch)
    return unicodedata.normalize("NFC", "".join(out))


@given(st.text())
def test_fold_is_the_per_character_definition(text):
    assert fold(text) == _fold_by_character(text)
