"""`sitegen new`: a new page in every configured language, never overwriting a file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from generator.config import load_config
from generator.errors import error
from generator.slugs import slugify

_PLACEHOLDER = {"vi": "Tiêu đề trang", "en": "Page title"}


def new_page(root: Path, path: str, today: dt.date) -> list[Path]:
    """Create content/<lang>/<path>.md for every language; refuse if any of them exists."""
    config = load_config(root)
    rel = path.strip().strip("/")
    if rel.endswith(".md"):
        rel = rel[:-3]
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or not re.fullmatch(r"[\w.-]+", p) for p in parts):
        raise error(path, "give the new page as <section>/<name>, e.g. news/investment-forum-2026")
    if slugify(parts[-1]) != parts[-1]:
        raise error(path, f"use a lowercase name without spaces or marks, e.g. {slugify(parts[-1]) or 'page'}")
    targets = [config.content_dir / lang / f"{rel}.md" for lang in config.codes]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise error(existing[0], "already exists; nothing was created (choose another name)")
    key = rel
    for lang, target in zip(config.codes, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        title = _PLACEHOLDER.get(lang, _PLACEHOLDER["en"])
        target.write_text(
            "---\n"
            f'title: "{title}"\n'
            f"date: {today.isoformat()}\n"
            f"translation_key: {key}\n"
            'summary: ""\n'
            "tags: []\n"
            "sources: []\n"
            "---\n\n", encoding="utf-8")
    return targets


__all__ = ["new_page"]
