"""Template helpers."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import example, given
from hypothesis import strategies as st

from generator.templates import absolute_url


@given(st.sampled_from(["https://thaibinh.example.org/", "https://a.org/sub/", "http://127.0.0.1:8000/p/"]),
       st.text(alphabet=st.sampled_from(list("/.?#:ab %đ\\")), max_size=20))
@example("https://a.org/", "//evil.example/")
@example("https://a.org/sub/", "/a/../b")
def test_absolute_url_is_urljoin(base, url):
    """The fast path for site paths gives what urljoin gives."""
    assert absolute_url(base, url) == urljoin(base, url)
