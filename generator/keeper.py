"""What a build keeps for the next one, written once its output is in place.

The cache is for the next build, not this one: the command line (`BACKGROUND`) leaves writing it to a
process that outlives the command (`sitegen build` forks it as the command ends: `AT_EXIT`, `finish`), so
that a cold build with the cache on takes hardly longer than one without.
That process holds a lock on the cache (`<site>/.sitegen-cache/keep.lock`) until it is done, and every
build waits for the lock before it reads the cache (`wait`). `sitegen serve` forks it for its first build
at once (before its server's threads start); in-process callers and a process running other threads keep
it right there.
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
AT_EXIT = False  # set by `sitegen build`, whose process ends once its build is done (not `sitegen serve`'s)
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
    in a process that outlives the command, forked now or, with `AT_EXIT`, as the command ends (`finish`);
    else, or where forking is not safe, here and now."""
    if not (BACKGROUND and fcntl is not None):
        work()
    elif AT_EXIT:
        _later.append((folder, work))
    else:
        _start(folder, work)


def finish() -> None:
    """The command line's last step: start the work `keep` left for it. Forked last, the process that
    outlives the command shares this one's memory with nothing left to change it: no page is copied (a
    value freed after the fork made the kernel copy its page first)."""
    while _later:
        _start(*_later.pop(0))


def _start(folder: Path, work: Callable[[], None]) -> None:
    """`work` in a forked process holding the cache's lock until it is done (here, if forking is not safe)."""
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


_later: list[tuple[Path, Callable[[], None]]] = []
