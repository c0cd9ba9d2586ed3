"""Markdown to HTML: Python-Markdown with safe defaults and links written as page URLs.

`core` holds the `Converter`; `links` rewrites and checks links; `plain` and `selective` are its two fast
paths, used only with a Python-Markdown version they were verified against.
"""

from generator.markdown.core import Converter, Rendered
from generator.markdown.links import safe_href

__all__ = ["Converter", "Rendered", "safe_href"]
