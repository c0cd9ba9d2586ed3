"""Write the site into a staging folder beside the output folder and swap it in only on success."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from generator.compress import GZ as GZ  # (re-exported: generator/deploy/plan.py skips the siblings)
from generator.compress import encoders
from generator.errors import error
from generator.parallel import outlive
from generator.render import Output

MARKER = ".sitegen"  # in every output folder we made; we replace no folder without it
_STAGING_PREFIX = ".sitegen-staging-"
_OLD_PREFIX = ".sitegen-old-"
BACKGROUND_REMOVAL = False  # set by the command line: see _discard


def check_output_dir(output: Path, site_root: Path, content_dir: Path) -> Path:
    """Refuse an output folder whose replacement would destroy something that is not ours."""
    out = output.resolve()
    home = Path.home().resolve()
    protected = {"/": Path("/"), "$HOME": home, "the site folder": site_root.resolve(),
                 "the content folder": content_dir.resolve()}
    for name, path in protected.items():
        if out == path:
            raise error(output, f"refusing to use {name} as the output folder; choose e.g. {site_root / 'output'}")
    for name, path in (("the site folder", site_root.resolve()), ("the content folder", content_dir.resolve())):
        if path.is_relative_to(out):
            raise error(output, f"refusing to use a parent of {name} as the output folder")
        if name == "the content folder" and out.is_relative_to(path):
            raise error(output, "refusing to write the output inside the content folder")
    if out.exists() and not out.is_dir():
        raise error(output, "the output path exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise error(output, f"{output} is not empty and was not made by sitegen (no {MARKER} file); "
                            "empty it or choose another --output")
    return out


def _safe_join(root: Path, rel: str) -> Path:
    """Join a POSIX relative path to `root`, refusing anything that would leave it."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\x00" in rel or "\\" in rel or not pure.parts:
        raise error(rel, "refusing to write outside the output folder")
    return root.joinpath(*pure.parts)


class _Stop:
    """Remembers a SIGTERM until the writer is at a safe point to stop (between two files, before the
    swap). Raising from the handler itself could leave a lock held (in a fork hook, say)."""

    signum = 0

    def check(self) -> None:
        if self.signum:
            raise SystemExit(128 + self.signum)


@contextmanager
def _terminate_as_exit() -> Iterator[_Stop]:
    """Turn SIGTERM into an orderly stop, so the staging folder is cleaned up."""
    stop = _Stop()

    def handler(signum: int, frame: object) -> None:
        stop.signum = signum

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield stop
        return
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def remove_stale(output: Path) -> None:
    """Remove staging folders left by a build that was killed outright."""
    parent = output.parent
    if not parent.is_dir():
        return
    for child in parent.iterdir():
        if child.name.startswith((_STAGING_PREFIX + output.name + "-", _OLD_PREFIX + output.name + "-")):
            shutil.rmtree(child, ignore_errors=True)


class Staging:
    """A folder beside the output that a build writes into, swapped in for the output only on success.

    `put` may be called from forked workers as well as from the building process. A file whose bytes are
    those the previous build wrote (`previous`: path -> SHA-256, trusted only while the old output is
    intact) is hard-linked from the old output, so it keeps its time and a deploy can skip it. Without
    `previous`, the SHA-256 of what is written is worked out only if `digests`.
    """

    def __init__(self, output: Path, previous: dict[str, str] | None = None, compress: bool = True,
                 digests: bool = True) -> None:
        output.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(output)
        self.output = output
        self.previous = previous or {}
        self.compress = compress  # write the precompressed siblings beside each text file (generator/compress.py)
        self.digests = digests or bool(self.previous)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{output.name}-", dir=output.parent))
        self._made: set[str] = set()

    def put(self, item: Output) -> str:
        """Write one file; return the SHA-256 of its bytes ("" if no digests are asked for)."""
        target = _safe_join(self.folder, item.path)
        folder = str(target.parent)
        if folder not in self._made:
            try:
                os.mkdir(folder)  # the usual case: each page has a folder of its own
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass
            self._made.add(folder)
        data = _bytes(item)
        digest = hashlib.sha256(data).hexdigest() if self.digests else ""
        if digest and self.previous.get(item.path) == digest:
            try:
                os.link(self.output / item.path, target)
                if self.compress:
                    for suffix, encode in encoders(item.path):  # linked too when the old output has them
                        _link_or_write(self.output / (item.path + suffix), target.with_name(target.name + suffix),
                                       encode, data)
                return digest
            except OSError:
                pass
        _write(target, data)
        if self.compress:
            for suffix, encode in encoders(item.path):
                _write(target.with_name(target.name + suffix), encode(data))
        return digest

    def commit(self, finish: Callable[[Path], None] | None = None) -> None:
        """Mark the folder as ours, run `finish` on it (the search indexer), and swap it in."""
        (self.folder / MARKER).write_text("Built by sitegen. This folder is replaced on every build.\n")
        if finish is not None:
            finish(self.folder)
        os.chmod(self.folder, 0o755)
        _swap(self.folder, self.output)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def replace_changed(output: Path, outputs: Iterable[Output], digests: dict[str, str],
                    compress: bool = True) -> list[str]:
    """Replace in the live `output`, one file at a time, each output whose bytes differ from what is
    there (`digests`: path -> SHA-256, updated); return the paths written. A SIGTERM waits until every
    file is written, so a stopped rebuild leaves no mix of old and new pages."""
    written: list[str] = []
    with _terminate_as_exit() as stop:
        for item in outputs:
            data = _bytes(item)
            digest = hashlib.sha256(data).hexdigest()
            if digests.get(item.path) == digest:
                continue
            target = _safe_join(output, item.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.sitegen-tmp")
            _write(tmp, data)
            os.replace(tmp, target)
            digests[item.path] = digest
            written.append(item.path)
            for suffix, encode in encoders(item.path) if compress else ():
                _write(tmp, encode(data))
                os.replace(tmp, target.with_name(target.name + suffix))
                written.append(item.path + suffix)
        stop.check()
    return written


def _link_or_write(old: Path, new: Path, encode: Callable[[bytes], bytes], data: bytes) -> None:
    """A precompressed sibling of a file linked from the old output: linked too when it is there."""
    try:
        os.link(old, new)
    except OSError:
        _write(new, encode(data))


def _bytes(item: Output) -> bytes:
    return item.source.read_bytes() if item.source is not None else (item.data or b"")


def _write(path: Path, data: bytes) -> None:
    """Write a new file with plain system calls (a Python file object costs a few more per file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


@contextmanager
def staging(output: Path, previous: dict[str, str] | None = None, compress: bool = True,
            digests: bool = True) -> Iterator[tuple[Staging, _Stop]]:
    """A `Staging` for `output`, removed if the build fails or is stopped (SIGTERM) before its commit.

    Check the `_Stop` between steps: a SIGTERM is acted on there, not in the middle of a write.
    """
    folder = Staging(output, previous, compress, digests)
    try:
        with _terminate_as_exit() as stop:
            yield folder, stop
    except BaseException:
        folder.discard()
        raise


def _swap(staging: Path, output: Path) -> None:
    """Put `staging` in place of `output` with renames, so the old site stays whole until the last step."""
    if not output.exists():
        os.rename(staging, output)
        return
    old = Path(tempfile.mkdtemp(prefix=f"{_OLD_PREFIX}{output.name}-", dir=output.parent))
    os.rmdir(old)
    os.rename(output, old)
    try:
        os.rename(staging, output)
    except BaseException:
        os.rename(old, output)
        raise
    _discard(old)


def _discard(folder: Path) -> None:
    """Remove the replaced output. The command line (`BACKGROUND_REMOVAL`) leaves that to a forked process
    that outlives it: the new site is in place already, and unlinking some ten thousand files is seconds
    of a build for nothing; what such a process could not finish goes with the next build
    (`remove_stale`)."""
    if not (BACKGROUND_REMOVAL and outlive(lambda: shutil.rmtree(folder, ignore_errors=True))):
        shutil.rmtree(folder, ignore_errors=True)
