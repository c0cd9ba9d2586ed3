"""Read a content file and split and check its YAML front matter."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from generator.errors import Problem, Problems, SitegenError, error
from generator.yamlutil import load_yaml

MAX_FILE_BYTES = 10 * 1024 * 1024
_FENCE = re.compile(r"^---[ \t]*$", re.M)
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_SEGMENT_BAD = re.compile(r"[/\\\x00:]|\.\.|^\.")
_TEMPLATE = re.compile(r"^[\w-]+$")


@dataclass(frozen=True)
class Source:
    """A content file's checked front matter and its Markdown body."""

    meta: dict[str, Any]
    body: str
    body_line: int  # the line of the file where the body starts (1-based)
    lines: dict[str, int]  # line of each front-matter key
    digest: str = ""  # of the file's text: two sources with the same digest make the same page


class FrontMatterStore(Protocol):
    """Where checked front matter is kept between builds (the build cache), by a digest of its text."""

    def get_frontmatter(self) -> dict[str, str]: ...

    def put_frontmatter(self, items: list[tuple[str, str]]) -> None: ...


class SourceCache:
    """Parsed sources by path, reused while the file's size and times are unchanged (for rebuilds).

    With a `store`, the checked front matter of every file is also kept between builds by a digest of its
    text, so that a later build reads a file and splits it, but does not parse or check its YAML again:
    what was parsed waits in `pending` until the build's keeper calls `keep`."""

    def __init__(self, store: FrontMatterStore | None = None) -> None:
        self._items: dict[Path, tuple[tuple[int, int, int], Source]] = {}
        self._store = store
        self.pending: dict[str, Source] = {}  # parsed here, by the digest of its front matter: to keep

    def load_all(self, paths: list[Path]) -> tuple[dict[Path, Source], list[Problem]]:
        """The Source of each readable, valid path (new and changed files are parsed on all cores), and
        the problems of the others. A file seen before is looked at (stat) here; the others only where they
        are read (one stat per source)."""
        from generator.parallel import map_chunks

        todo = [p for p in paths if (hit := self._items.get(p)) is None or hit[0] != _stamp(p)]
        problems: list[Problem] = []
        known = self._store.get_frontmatter() if self._store is not None and todo else {}
        results: list[tuple[Path, Parsed]] = []
        if known:  # reading and splitting is cheap: here, without sending every body between processes
            results = [(p, r) for p, r in zip(todo, _parse_chunk({"known": known, "only_known": True}, todo), strict=True)
                       if r[0] is not None]
            done = {p for p, _r in results}
            todo = [p for p in todo if p not in done]
        # (the workers' results come in the order of `todo`: the paths are not sent back, whose unpickling
        # took this process a tenth of a second at 10,000 pages)
        results += zip(todo, map_chunks(_parse_chunk, todo, {"keep": self._store is not None}), strict=True)
        for path, (found, kept, stamp) in results:
            if isinstance(found, Source):
                self._items[path] = (stamp, found)
                if kept:
                    self.pending[kept] = found
            else:
                self._items.pop(path, None)
                problems.extend(found or ())
        return {p: self._items[p][1] for p in paths if p in self._items}, problems

    def stamps(self) -> dict[str, tuple[int, int]]:
        """The size and modification time of each file parsed, as it was read."""
        return {str(path): (size, mtime) for path, ((mtime, _ctime, size), _source) in self._items.items()}

    def detach(self) -> None:
        """Collect nothing more for keeping: a build keeps once, and what is parsed after (the edits under
        `sitegen serve`, whose first build's keeper may be another process) has no keeper."""
        self._store = None

    def keep(self, store: FrontMatterStore) -> None:
        """Put the front matter parsed so far into `store` (a value JSON cannot tell apart from another is not
        kept: it is parsed every time), and `detach`."""
        self.detach()
        rows = []
        for digest, source in self.pending.items():
            try:
                rows.append((digest, json.dumps(_encode([source.meta, source.lines]), ensure_ascii=False)))
            except (TypeError, ValueError):
                continue
        self.pending = {}
        if rows:
            store.put_frontmatter(rows)


Stamp = tuple[int, int, int]  # a file's modification and change times (ns) and size, as it was read
Parsed = tuple["Source | list[Problem] | None", str | None, Stamp]  # None: not known; the digest to keep


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:  # gone: read again, which says what is wrong
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size


def _parse_chunk(state: dict[str, Any], paths: Sequence[Path]) -> list[Parsed]:
    """Each file's Source (from `state["known"]` front matter when its digest is there) or problems, the
    digest of its front matter when it was parsed here (if `state["keep"]`), for `SourceCache.keep`, and the
    file's stamp as it was read: one result a path, in their order."""
    known: dict[str, str] = state.get("known", {})
    out: list[Parsed] = []
    for path in paths:
        stamp: Stamp = (0, 0, -1)
        try:
            text, stamp = read_stamped(path)
            fm, body, body_line = split(text, path)
            digest = hashlib.sha256(fm.encode("utf-8", "surrogatepass")).hexdigest()[:40] if fm is not None else ""
            hit = known.get(digest) if digest else None
            if hit is not None:
                meta, lines = json.loads(hit, object_hook=_decode)
                out.append((Source(meta, body, body_line, lines, text_digest(text)), None, stamp))
                continue
            if state.get("only_known"):
                out.append((None, None, stamp))
                continue
            source = parse(text, path)
            out.append((source, (digest or None) if state.get("keep") else None, stamp))
        except SitegenError as exc:
            out.append((exc.problems, None, stamp))
        except OSError as exc:  # (gone since it was found, or not readable by this user)
            out.append((error(path, f"cannot read this file: {exc.strerror or exc}").problems, None, stamp))
    return out


def _encode(value: Any) -> Any:
    """Front-matter values as JSON that `_decode` turns back into the same types: each date, datetime,
    tuple and mapping is tagged; anything else JSON would change raises TypeError."""
    if value is None or isinstance(value, (bool, str)) or type(value) is int:
        return value
    if type(value) is float and math.isfinite(value):
        return value
    if type(value) is dt.datetime:
        return {"$dt": value.isoformat()}
    if type(value) is dt.date:
        return {"$d": value.isoformat()}
    if type(value) is tuple:
        return {"$t": [_encode(v) for v in value]}
    if type(value) is list:
        return [_encode(v) for v in value]
    if type(value) is dict and all(type(k) is str and not k.startswith("$") for k in value):
        return {"$m": {k: _encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot keep {type(value).__name__}")


def _decode(value: dict[str, Any]) -> Any:
    """`json.loads`'s object hook for what `_encode` wrote (mappings come inside-out: a tagged one's
    contents are decoded already; an untagged one is a mapping's contents)."""
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == "$m":
            return inner
        if tag == "$t":
            return tuple(inner)
        if tag == "$d":
            return dt.date.fromisoformat(inner)
        if tag == "$dt":
            return dt.datetime.fromisoformat(inner)
    return value


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (BOM and CRLF accepted) as NFC text, or raise a located error."""
    return read_stamped(path)[0]


def read_stamped(path: Path) -> tuple[str, Stamp]:
    """`read_text`, and the file's stamp (times and size) as it was opened."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # plain system calls: a file object costs a few more
    try:
        st = os.fstat(fd)
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise error(path, f"file too large ({size / 1048576:.1f} MiB; the limit is "
                              f"{MAX_FILE_BYTES // 1048576} MiB): split it into several pages")
        chunks = []
        while chunk := os.read(fd, max(size + 1, 65536)):
            chunks.append(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(path, f"not valid UTF-8 at byte {exc.start}: save the file as UTF-8", line, col) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), (st.st_mtime_ns, st.st_ctime_ns, size)


def split(text: str, path: Path | str) -> tuple[str | None, str, int]:
    """Split `text` into (front matter or None, body, line where the body starts)."""
    if not _FENCE.match(text):
        return None, text, 1
    start = text.index("\n") + 1 if "\n" in text else len(text)
    close = _CLOSE.search(text, start)
    if close is None:
        raise error(path, "front matter not closed: add a line '---' after the last field", 1, 1)
    fm = text[start:close.start()]
    end = text.find("\n", close.end())
    body_start = len(text) if end < 0 else end + 1
    return fm, text[body_start:], text.count("\n", 0, body_start) + 1


def parse(text: str, path: Path | str) -> Source:
    """Parse and check a content file's front matter; every bad field is reported at once."""
    fm, body, body_line = split(text, path)
    if fm is None:
        raise error(path, "no front matter: start the file with '---', a 'title: ...' line and '---'", 1, 1)
    doc = load_yaml(fm, str(path), first_line=2)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise error(path, "front matter must be 'key: value' lines", 2, 1)
    problems = Problems()
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, value in data.items():
        line, col = doc.where(key)
        lines[str(key)] = line
        checker = _CHECKS.get(key)
        if checker is None:
            meta[str(key)] = value
            continue
        try:
            meta[key] = checker(value)
        except ValueError as exc:
            vline, vcol = doc.where(key, *getattr(exc, "index", ()))
            problems.add(path, f"{key}: {exc}", vline if vline else line, vcol if vline else col)
    if "title" not in meta and "title" not in lines:
        problems.add(path, "title is required: add a line 'title: ...' to the front matter", 2, 1)
    problems.raise_if_errors()
    return Source(meta, body, body_line, lines, text_digest(text))


def _title(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be non-empty text")
    return v.strip()


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be text (quote it)")
    return v.strip()


def _slug(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be non-empty text")
    if _SEGMENT_BAD.search(v) or v.strip() != v:
        raise ValueError(f"{v!r} must be a single URL segment such as 'lich-su' (no '/', '\\', '..', ':')")
    from generator.slugs import slugify

    slug = slugify(v)
    if not slug:
        raise ValueError(f"{v!r} has no letters or digits to make a URL from")
    return slug


def _date(v: Any) -> dt.date | dt.datetime:
    if isinstance(v, (dt.date, dt.datetime)):
        return v
    if isinstance(v, str):
        try:
            return dt.datetime.fromisoformat(v) if "T" in v or " " in v.strip() else dt.date.fromisoformat(v)
        except ValueError:
            pass
    raise ValueError(f"{v!r} is not a date: write it as YYYY-MM-DD, e.g. 2019-03-08")


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ValueError("must be a whole number, e.g. 10")
    return v


def _template(v: Any) -> str:
    if not isinstance(v, str) or not _TEMPLATE.match(v):
        raise ValueError("must be a template name such as 'page' (letters, digits, '-', '_')")
    return v


def _tags(v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list):
        raise ValueError("must be a list of text, e.g. [đầu tư, công nghiệp]")
    for i, tag in enumerate(v):
        if not isinstance(tag, str) or not tag.strip():
            exc = ValueError("must be a list of text, e.g. [đầu tư, công nghiệp]")
            exc.index = (i,)  # type: ignore[attr-defined]
            raise exc
    return tuple(dict.fromkeys(t.strip() for t in v))


def _sources(v: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(v, list):
        raise ValueError("must be a list; each item text or {title, publisher, year, url}")
    out = []
    for i, item in enumerate(v):
        try:
            out.append(_source(item))
        except ValueError as exc:
            exc.index = (i,)  # type: ignore[attr-defined]
            raise
    return tuple(out)


def _source(item: Any) -> dict[str, Any]:
    if isinstance(item, str) and item.strip():
        item = {"title": item.strip()}
    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        raise ValueError("each source must be text or a mapping with a title")
    unknown = set(item) - {"title", "publisher", "year", "url", "date", "note"}
    if unknown:
        raise ValueError(f"unknown source field {sorted(unknown)[0]!r} (known: title, publisher, year, url, "
                         "date, note)")
    url = item.get("url")
    if url is not None and (not isinstance(url, str) or not re.match(r"https?://", url)):
        raise ValueError("a source url must start with http:// or https://")
    out = {k: item.get(k) for k in ("title", "publisher", "year", "date", "url", "note")}
    if out["date"] is not None:
        out["date"] = _source_date(out["date"])
    return out


def _source_date(v: Any) -> dt.date:
    """A source's date as a date: the theme formats it for the page's language."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"a source date must be YYYY-MM-DD, e.g. 2025-03-08 (not {v!r}); for a year alone use 'year:'")


_CHECKS = {
    "title": _title,
    "slug": _slug,
    "date": _date,
    "updated": _date,
    "summary": _text,
    "draft": _bool,
    "weight": _int,
    "template": _template,
    "tags": _tags,
    "translation_key": _text,
    "sources": _sources,
}

__all__ = ["Source", "SitegenError", "parse", "read_text", "split"]
