"""What a build keeps for the next one, written once its output is in place.

The cache is for the next build, not this one: the command line (`BACKGROUND`) leaves writing it to a
forked process that outlives the command, so that a cold build with the cache on takes hardly longer than
one without.
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

from generator.parallel import can_fork, outlive

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
    """Run `work` (which writes the cache in `folder`, over connections it opens itself): in a forked
    process holding the cache's lock when `BACKGROUND` and forking are allowed, else here and now."""
    if not (BACKGROUND and fcntl is not None and can_fork()):
        work()
        return
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError:  # no cache folder to lock: keep nothing rather than race another build
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # (another build's keeper may still be writing)
        if not outlive(work):  # (the child holds the lock until it ends)
            work()
    finally:
        os.close(fd)
