"""A cache that survives between builds, in `<site>/.sitegen-cache/` (SQLite).

It keeps rendered Markdown by content hash, checked front matter, compiled templates, and the last
build's state (`generator.state`: a fingerprint of every input, so that a build with nothing changed does
nothing, and the site model an edit rebuild starts from). Nothing read from it runs: the state is plain
values behind an unpickler that knows only dates and sets; compiled templates are what Jinja made of the
site's own templates, checked against their source, as Python's __pycache__ is. Most of it is written
after a build's output, by its keeper (`generator.keeper`): a build's workers only append what they
convert to a spool file each, which the keeper puts in the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from generator import __version__
from generator.markdown import Rendered

FOLDER = ".sitegen-cache"
SPOOL = "spool"  # Markdown converted by a build's workers, until its keeper puts it in the database
_SCHEMA = 4
_CODE_DIR = Path(__file__).resolve().parent
Stats = dict[str, tuple[int, int]]  # path -> (size, modification time in ns)


class Cache:
    """Rendered Markdown and the last build's state. Any error reading it means: no cache."""

    def __init__(self, site_root: Path) -> None:
        self.folder = site_root / FOLDER
        self.db: sqlite3.Connection | None = None
        try:
            self.folder.mkdir(exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n") if not (self.folder / ".gitignore").exists() else None
            self.db = sqlite3.connect(self.folder / "cache.sqlite3", timeout=5, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # A cache need not wait for the disk (each commit's fsync also flushed the output files being
            # written, in the middle of a build); what an OS crash could damage is checked when read.
            self.db.execute("PRAGMA synchronous=OFF")
            self.db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT)")
            row = self.db.execute("SELECT value FROM state WHERE key='schema'").fetchone()
            if row is None or row[0] != f"{_SCHEMA}/{code_version()}":  # (what an older sitegen kept goes)
                for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
                    self.db.execute(f'DROP TABLE "{table}"')
                self.db.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT)")
                self.db.execute("INSERT INTO state VALUES ('schema', ?)", (f"{_SCHEMA}/{code_version()}",))
            # Markdown: `meta` is the JSON of [toc, problems], `html` the body's UTF-8 (kept as the workers
            # spooled it: no encoding of megabytes of HTML into JSON and back)
            self.db.execute("CREATE TABLE IF NOT EXISTS markdown (key TEXT PRIMARY KEY, meta TEXT, html BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS frontmatter (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY, value BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS templates (key TEXT PRIMARY KEY, value BLOB)")
        except (OSError, sqlite3.Error):
            self.db = None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    # -- rendered Markdown -------------------------------------------------------------------------------
    def get_markdown(self, keys: list[str]) -> dict[str, Rendered]:
        out: dict[str, Rendered] = {}
        if self.db is None or not keys:
            return out
        try:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                marks = ",".join("?" * len(part))
                for key, meta, html in self.db.execute(f"SELECT key, meta, html FROM markdown WHERE key IN ({marks})",
                                                       part):
                    out[key] = _rendered(bytes(html).decode("utf-8"), *json.loads(meta))
        except (sqlite3.Error, ValueError, TypeError):  # (damaged: as if nothing was kept)
            return {}
        return out

    def has_markdown(self) -> bool:
        """Whether any converted Markdown is kept (not, after a cold build's first steps)."""
        try:
            return self.db is not None and self.db.execute("SELECT 1 FROM markdown LIMIT 1").fetchone() is not None
        except sqlite3.Error:
            return False

    def has_templates(self) -> bool:
        """Whether any compiled template is kept (`CompiledTemplates`)."""
        try:
            return self.db is not None and self.db.execute("SELECT 1 FROM templates LIMIT 1").fetchone() is not None
        except sqlite3.Error:
            return False

    def put_markdown(self, items: Iterable[tuple[str, Rendered]]) -> None:
        self._put_markdown((key, _meta(r.toc, r.problems), r.html.encode("utf-8")) for key, r in items)

    def _put_markdown(self, rows: Iterable[tuple[str, str, bytes | memoryview]]) -> None:
        if self.db is None:
            return
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO markdown VALUES (?, ?, ?)", rows)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            pass

    def merge_spool(self, name: str, key_of: Callable[[tuple[str, str]], str | None]) -> None:
        """Put the Markdown that the build `name` spooled (`spool_markdown`) in the database, under the
        cache key `key_of` gives each page, and remove the spool, also what other builds left there (a
        build that was stopped: its pages' keys are not this build's to work out)."""
        folder = self.folder / SPOOL
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for file in names:
            path = folder / file
            try:
                data = memoryview(path.read_bytes() if file.startswith(f"{name}-") else b"")
                path.unlink()
            except OSError:
                continue
            self._put_markdown((key, _meta(toc, problems), html)
                               for lang, rel, html, toc, problems in _spooled(data)
                               if (key := key_of((lang, rel))) is not None)

    # -- checked front matter, by a digest of its text ---------------------------------------------------
    def get_frontmatter(self) -> dict[str, str]:
        if self.db is None:
            return {}
        try:
            return dict(self.db.execute("SELECT key, value FROM frontmatter"))
        except sqlite3.Error:
            return {}

    def put_frontmatter(self, items: list[tuple[str, str]]) -> None:
        if self.db is None:
            return
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO frontmatter VALUES (?, ?)", items)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            pass

    # -- the last build (generator.state) ----------------------------------------------------------------
    def get_blob(self, key: str) -> bytes | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT value FROM kept WHERE key=?", (key,)).fetchone()
            return bytes(row[0]) if row else None
        except sqlite3.Error:
            return None

    def get_blobs(self) -> dict[str, bytes]:
        if self.db is None:
            return {}
        try:
            return {key: bytes(value) for key, value in self.db.execute("SELECT key, value FROM kept")}
        except sqlite3.Error:
            return {}

    def put_blobs(self, values: dict[str, bytes]) -> None:
        if self.db is None:
            return
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO kept VALUES (?, ?)", list(values.items()))
            self.db.execute("COMMIT")
        except sqlite3.Error:
            pass


def spool_markdown(site_root: Path, name: str, items: Iterable[tuple[tuple[str, str], Rendered]]) -> None:
    """Append converted Markdown (page key, rendered) to this process's file of the build `name`'s spool in
    the cache of `site_root`, for `Cache.merge_spool`: a worker's share of the cache, at the cost of a write.

    A record is two lengths (8 bytes each), a header ([lang, rel, bytes of HTML, toc, problems] per page;
    a pickle, read back by the unpickler that knows no class: a third of JSON's time) and the pages'
    HTML, UTF-8, one after another: the HTML is encoded once, as SQLite will keep it. (Only this build's
    keeper reads it, in the same boot; other builds' spools are deleted unread.)"""
    header, bodies = [], []
    for (lang, rel), r in items:
        html = r.html.encode("utf-8")
        header.append([lang, rel, len(html), r.toc, r.problems])
        bodies.append(html)
    if not header:
        return
    head = pickle.dumps(header, protocol=5)
    size = sum(len(b) for b in bodies)
    record = [len(head).to_bytes(8, "little") + size.to_bytes(8, "little") + head, *bodies]
    folder = site_root / FOLDER / SPOOL
    try:
        folder.mkdir(exist_ok=True)
        fd = os.open(folder / f"{name}-{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
    except OSError:
        return
    try:  # (one write of the parts as they are, not a copy of them joined)
        _write_all(fd, record)
    except OSError:
        pass
    finally:
        os.close(fd)


_IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "writev") else 1  # parts one gathered write may take


def _write_all(fd: int, parts: list[bytes]) -> None:
    """Write `parts` one after another, gathered into as few system calls as the system allows."""
    views = [memoryview(p) for p in parts if p]
    while views:
        batch = views[:_IOV_MAX]
        done = os.writev(fd, batch) if len(batch) > 1 else os.write(fd, batch[0])
        if done <= 0:
            raise OSError("nothing written")
        while views and done >= len(views[0]):  # (a short write goes on where it stopped)
            done -= len(views.pop(0))
        if done:
            views[0] = views[0][done:]


def _spooled(data: memoryview) -> Iterator[tuple[str, str, memoryview, list[Any], list[Any]]]:
    """The records of a spool file (lang, rel, HTML as UTF-8, toc, problems), up to the first that is cut
    off or damaged (a build stopped while writing it)."""
    at = 0
    while at + 16 <= len(data):
        head_size = int.from_bytes(data[at:at + 8], "little")
        body_size = int.from_bytes(data[at + 8:at + 16], "little")
        start, end = at + 16 + head_size, at + 16 + head_size + body_size
        if end > len(data):
            return
        try:
            header = _Unpickler(io.BytesIO(data[at + 16:start])).load()
            sizes = sum(size for _lang, _rel, size, _toc, _problems in header)
        except Exception:  # noqa: BLE001 - damaged: the rest of the file is lost
            return
        if sizes != body_size:
            return
        for lang, rel, size, toc, problems in header:
            yield lang, rel, data[start:start + size], toc, problems
            start += size
        at = end


def _meta(toc: Iterable[Any], problems: Iterable[Any]) -> str:
    return json.dumps([list(toc), [list(p) for p in problems]], ensure_ascii=False, separators=(",", ":"))


def _rendered(html: str, toc: list[Any], problems: list[Any]) -> Rendered:
    return Rendered(html, tuple(toc), tuple((int(line), str(message)) for line, message in problems))


# -- values kept as pickles ------------------------------------------------------------------------------
_ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta"),
            ("datetime", "timezone"), ("builtins", "set"), ("builtins", "frozenset")}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a value the cache keeps")


def dumps(value: object) -> bytes:
    """The value pickled, after the SHA-256 of the pickle (the cache is written without waiting for the
    disk: a damaged entry must not pass for a good one)."""
    return _checked(pickle.dumps(value, protocol=5))


def _checked(data: bytes) -> bytes:
    """`data` after its SHA-256, as the cache keeps a value (checked when read)."""
    return hashlib.sha256(data).digest() + data


def loads(data: bytes) -> Any:
    """What `dumps` made; pickle.UnpicklingError (or another error) for anything else. The unpickler knows
    no class but dates and sets: nothing kept can make code run."""
    if hashlib.sha256(data[32:]).digest() != data[:32]:
        raise pickle.UnpicklingError("a damaged entry")
    return _Unpickler(io.BytesIO(data[32:])).load()


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates, shared by environments made alike (one per language, so each template is
    compiled once, not once per language) and kept in the cache between builds, as Python keeps compiled
    modules in __pycache__ (Jinja checks each one against its template's source and Python's version)."""

    def __init__(self, cache: Cache | None = None) -> None:
        self._code: dict[str, bytes] = {}
        self._unkept: set[str] = set()  # compiled where the cache could not be written (`keep`)
        self._cache = cache
        self._pid = os.getpid()  # (a forked worker must not use its parent's connection)

    def kept(self) -> bool:
        """Whether the cache holds compiled templates (so that loading them costs little)."""
        return self._db() is not None and self._cache is not None and self._cache.has_templates()

    def keep(self, cache: Cache) -> None:
        """Put the templates compiled in this process, where the cache could not be written (the keeper,
        forked), into `cache`."""
        rows = [(key, _checked(self._code[key])) for key in sorted(self._unkept)]
        self._unkept.clear()
        if rows and cache.db is not None:
            try:
                cache.db.executemany("INSERT OR REPLACE INTO templates VALUES (?, ?)", rows)
            except sqlite3.Error:
                pass

    def _db(self) -> sqlite3.Connection | None:
        return self._cache.db if self._cache is not None and os.getpid() == self._pid else None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._code.get(bucket.key)
        db = self._db() if data is None else None
        if db is not None:
            try:
                row = db.execute("SELECT value FROM templates WHERE key=?", (bucket.key,)).fetchone()
            except sqlite3.Error:
                row = None
            kept = bytes(row[0]) if row else b""
            data = self._code[bucket.key] = kept[32:] if hashlib.sha256(kept[32:]).digest() == kept[:32] else b""
        if data:
            bucket.bytecode_from_string(data)  # (which drops it if the source's checksum differs)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._code[bucket.key] = bucket.bytecode_to_string()
        db = self._db()
        if db is None:
            self._unkept.add(bucket.key)
        else:
            try:
                db.execute("INSERT OR REPLACE INTO templates VALUES (?, ?)", (bucket.key, _checked(data)))
            except sqlite3.Error:
                pass


def markdown_key(body: str, source_dir: str, unsafe_html: bool, links_digest: str) -> str:
    text = f"{source_dir}\n{unsafe_html}\n{links_digest}\n{body}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_version() -> str:
    """sitegen's version, the state of its own code (every module, subpackages too) and the versions of
    Python-Markdown and Brotli, so that a changed generator, converter or compressor invalidates the cache."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(__version__.encode())
    for package in ("Markdown", "Brotli"):  # (their output is part of the build's)
        try:
            h.update(f"{package}:{version(package)}".encode())
        except PackageNotFoundError:  # pragma: no cover - a dependency
            pass
    for path in sorted(_CODE_DIR.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(_CODE_DIR).as_posix()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def scan(folders: Iterable[Path], ignore: Callable[[str], bool] | None = None) -> Stats:
    """Size and modification time of every file below `folders` (or of `folders` that are files), but
    names that `ignore` says are no input; symbolic links to folders are not followed."""
    out: Stats = {}
    for top in folders:
        if top.is_dir():
            for entry in files_below(top, ignore):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                out[entry.path] = (st.st_size, st.st_mtime_ns)
        elif top.is_file():
            st = top.stat()
            out[str(top)] = (st.st_size, st.st_mtime_ns)
    return out


def files_below(folder: str | Path, ignore: Callable[[str], bool] | None = None) -> Iterator[os.DirEntry[str]]:
    """Every file below `folder` (unless `ignore` says its name, or a folder's on its way, is no input),
    not looked at (no stat where the folder's listing tells files from folders); symbolic links to
    folders are not followed."""
    stack = [str(folder)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                if ignore is not None and ignore(entry.name):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif not entry.is_dir():  # (a link to a folder is not followed)
                        yield entry
                except OSError:
                    continue


def fingerprint(parts: Iterable[object]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()
