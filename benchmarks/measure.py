"""Run one command and measure it: wall time and peak memory of the process and of its whole process tree.

Peak memory is the larger of two figures: ru_maxrss of the child from os.wait4 (exact, but only the largest
single process: forked workers are not added up), and the peak of the summed proportional set size (PSS,
shared pages split between the processes sharing them) of the child and all its descendants, sampled from
/proc every SAMPLE_SECONDS while it runs. For a single process the first is the larger; for a build that forks
workers the second counts what the workers add.

Used by build_speed.py and compare.py; not meant to be run on its own.
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05
TRASH = Path(__file__).resolve().parent / "_work" / "trash"
_retired = itertools.count()


def retire(*paths: Path) -> None:
    """Move `paths` (those that exist) out of the way, into TRASH, instead of deleting them now.

    A build that creates its files right after thousands were deleted pays for the deletion: ext4 without a
    journal (this machine's disk) skips inode numbers freed in the last 5 s, or 300 s while their inode
    table block is dirty (`recently_deleted()` in fs/ext4/ialloc.c), looking each one up on every file it
    creates. Deleting each output just before the next build made every build's kernel time grow, the
    next tool's as much as sitegen's (0.7 s to 3.6 s over six 2,022-page builds). `empty_trash()` deletes
    it all once the measuring is over.
    """
    for path in paths:
        if path.exists() or path.is_symlink():
            TRASH.mkdir(parents=True, exist_ok=True)
            path.rename(TRASH / f"{os.getpid()}-{next(_retired)}-{path.name}")


def warm(*folders: Path) -> None:
    """Read every file below `folders`, so that a build reads its inputs from memory, not from the disk.

    This machine's page cache does not keep files for long, free memory or not: the first build of a
    10,000-page corpus written half an hour before spent 18 s reading it, the next 2 s. Any build an editor
    runs reads files just written; every tool gets the same start.
    """
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                try:
                    with open(os.path.join(root, name), "rb") as fh:
                        while fh.read(1 << 20):
                            pass
                except OSError:
                    pass


def empty_trash() -> None:
    """Delete what `retire` moved away (also what an interrupted run left)."""
    shutil.rmtree(TRASH, ignore_errors=True)


@dataclass(frozen=True)
class Measurement:
    """One run of a command: wall time, memory (KiB), exit code and combined output."""

    seconds: float
    max_rss_kib: int  # ru_maxrss of the child (and of the largest process it waited for)
    tree_pss_kib: int  # sampled peak of the summed PSS of the child and its descendants; 0 without /proc
    returncode: int
    output: str
    after_seconds: float = 0.0  # how long work the command left behind (sitegen's keeper) ran after it ended

    @property
    def peak_mib(self) -> float:
        return max(self.max_rss_kib, self.tree_pss_kib) / 1024


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        pass
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kib(root: int) -> int:
    """The summed PSS of `root` and every process below it, now."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss_kib(pid)
        stack += _children(pid)
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            started = time.perf_counter()
            self.peak = max(self.peak, tree_pss_kib(self.pid))
            # Reading smaps_rollup walks the process's page tables under its memory lock: 15 ms for a 1.2 GB
            # process (Hugo's size here). At a fixed 20 per second that took a third of a core from the build
            # measured, and most from the biggest; waiting nine times as long as a sample took keeps the
            # sampling under a tenth of a core, whatever the size.
            self.done.wait(max(SAMPLE_SECONDS, 9 * (time.perf_counter() - started)))


def run(cmd: Sequence[str | Path], cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Measurement:
    """Run `cmd` to completion and measure it; the output is captured, not shown.

    The disk is synced first, so the build does not pay for writing back (or discarding) what the run
    before it wrote and what was deleted to empty its output folder.
    """
    os.sync()
    # Python tools run as installed: with their compiled modules kept (__pycache__). Where the environment
    # says not to write them (PYTHONDONTWRITEBYTECODE, set on some machines), every run of sitegen compiled
    # its modules from source first: 0.2 s of CPU a run, a quarter of a rebuild with nothing changed.
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        sampler = _Sampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            sampler.done.set()
        seconds = time.perf_counter() - started
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        log.seek(0)
        output = log.read().decode("utf-8", errors="replace")
    return Measurement(seconds, usage.ru_maxrss, sampler.peak, proc.returncode, output)


def busy_warning() -> str | None:
    """A warning when other work is already loading the machine, which makes timings noisy."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if load < 0.5 * cores:
        return None
    return (f"warning: the 1-minute load average is {load:.1f} on {cores} core(s) before starting: other "
            "processes are running and the timings will be noisy")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms"
