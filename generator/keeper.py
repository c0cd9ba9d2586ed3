"""What a build keeps for the next one, written once its output is in place.

The cache is for the next build, not this one: the command line (`BACKGROUND`) leaves writing it to a
process that outlives the command, forked as the command ends (`finish`), so that a cold build with the
cache on takes hardly longer than one without.
That process holds a lock on the cache (`<site>/.sitegen-cache/keep.lock`) until it is done, and every
build waits for the lock before it reads the cache (`wait`). In-process callers (`sitegen serve`, tests)
and a process running other threads keep it right there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no process outlives the command, nothing to wait for
    fcntl = None  # type: ignore[assignment]

from generator.parallel import outlive

BACKGROUND = False  # set by the command line
LOCK_FILE = "keep.lock"


def wait(folder: Path) -> None:
    """Return once no process is keeping a build in the cache `folder` (at once when none is)."""
    if fcntl is None:
        return
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no lock file: nothing was ever kept there
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)  # (which releases the lock)


def keep(folder: Path, work: Callable[[], None]) -> None:
    """Run `work` (which writes the cache in `folder`, over connections it opens itself): when `BACKGROUND`,
    later, in a process that outlives the command (`finish`), else here and now."""
    if BACKGROUND and fcntl is not None:
        _later.append((folder, work))
    else:
        work()


def finish() -> None:
    """The command line's last step: start the work `keep` left for later, in a forked process that holds
    the cache's lock until it is done (here, where forking is not safe). Forked last, the process that
    outlives the command shares this one's memory with nothing left to change it: no page is copied."""
    while _later:
        folder, work = _later.pop(0)
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError:  # no cache folder to lock: keep nothing rather than race another build
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # (another build's keeper may still be writing)
            if not outlive(work):  # (the child holds the lock until it ends)
                work()
        finally:
            os.close(fd)


_later: list[tuple[Path, Callable[[], None]]] = []
