"""Instructions a cold build executes, counted by valgrind (callgrind), for two ways of building the same corpus:
a measure this machine's noise does not move.

Run from the repository with any Python 3.11+ and valgrind installed:

    python benchmarks/instructions.py                       # cache on (A) against --no-cache (B), 500 pages a language
    python benchmarks/instructions.py --shape reports --pages 1000 --runs 3
    python benchmarks/instructions.py --b-src /tmp/src-old --b-args ""      # this checkout against an older copy

Wall time here varies by ±10 % from one build to the next, even between two builds run side by side on a CPU
each: a difference of 2 % (the cost the cache may add to a cold build, issue 19) cannot be told from noise in
fewer than a hundred pairs. The number of instructions a build executes varies far less, for the same reason
rustc-perf and iai count them. What it leaves out: the kernel's work (system calls, page faults, writing files),
waiting, and how fast each instruction runs; see docs/performance.md for the wall-time runs beside it.

Each build runs under `valgrind --tool=callgrind --zero-before=PyOS_AfterFork_Child --trace-children=yes`, cold
(see pairs.py), in turns (A, B, A, B, …), with SITEGEN_JOBS=2 and, for both builds of a turn, the same seed of
Python's string hashes (PYTHONHASHSEED: the turn's number), which alone moves a build's count by up to 1 %.
A forked process starts with its parent's counts (valgrind copies them with the rest of the process): each is
zeroed where Python's fork returns in the child, so that every process counts only its own work (cachegrind,
which cannot, counted what the parent did before forking once more in every worker). Every process of the build
is counted but the one that outlives the command (the cache's keeper, generator/keeper.py), whose work is off the
build's time. Under callgrind a build runs about 150 times slower:
500 pages a language take a few minutes a build. Exit status 2 when valgrind is missing or a build fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_speed  # noqa: E402
from measure import empty_trash  # noqa: E402

WORK = build_speed.WORK
_SUMMARY = re.compile(r"^summary:\s+(\d+)", re.MULTILINE)
_PARENT = re.compile(r"^==\d+== Parent PID: (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class Count:
    """Instructions one build executed: its main process, and the processes it forked and waited for."""

    main: int
    workers: int
    processes: int

    @property
    def total(self) -> int:
        return self.main + self.workers


def count(folder: Path, keeper: bool) -> Count:
    """The instructions of the build whose callgrind files and logs (`cg.<pid>`, `log.<pid>`) are in `folder`;
    with `keeper`, the processes that outlived the build's command (the keeper: their file written after the
    main process's) are left out. The main process is the one whose parent is none of them (process ids can
    wrap around: their order says nothing)."""
    files = {int(f.name.split(".", 1)[1]): f for f in folder.glob("cg.*")}
    if not files:
        raise build_speed.BenchError(f"no callgrind output in {folder}")
    parents = {}
    for pid in files:
        found = _PARENT.search((folder / f"log.{pid}").read_text(errors="replace"))
        if found is None:
            raise build_speed.BenchError(f"{folder / f'log.{pid}'}: no parent process id")
        parents[pid] = int(found.group(1))
    mains = [pid for pid, parent in parents.items() if parent not in files]
    if len(mains) != 1:
        raise build_speed.BenchError(f"{folder}: {len(mains)} processes started the build, not one")
    main = mains[0]
    ended = files[main].stat().st_mtime_ns
    counted = [pid for pid in files if not (keeper and files[pid].stat().st_mtime_ns > ended)]
    irs = {}
    for pid in counted:
        found = _SUMMARY.search(files[pid].read_text(errors="replace"))
        if found is None:
            raise build_speed.BenchError(f"{files[pid]}: no summary line (did the process end?)")
        irs[pid] = int(found.group(1))
    return Count(irs[main], sum(n for pid, n in irs.items() if pid != main), len(irs))


def one(tool: build_speed.Sitegen, site: Path, output: Path, extra: list[str], seed: int,
        files: Path | None = None, jobs: int = 2) -> Count:
    """The instructions of one cold build (its keeper waited for, left out), with Python's string hashes
    seeded by `seed`, in `jobs` processes; callgrind's files are kept in `files` (a new folder) if given."""
    build_speed.clean(site, output)
    # (as installed: its modules compiled already, not compiled from source by each counted build)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([tool.python, "-m", "compileall", "-q", "generator"], cwd=tool.src, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="sitegen-cg-") as tmp:
        command = ["valgrind", "--tool=callgrind", "--zero-before=PyOS_AfterFork_Child", "--trace-children=yes",
                   f"--callgrind-out-file={tmp}/cg.%p", f"--log-file={tmp}/log.%p",
                   *tool.command(site, output), *extra]
        done = subprocess.run(command, cwd=tool.src, env=dict(env, SITEGEN_JOBS=str(jobs), PYTHONHASHSEED=str(seed)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise build_speed.BenchError(f"the build failed (exit status {done.returncode}):\n{done.stderr[-3000:]}")
        build_speed.wait_for_keeper(site)
        if files is not None:
            shutil.copytree(tmp, files)
        return count(Path(tmp), keeper="--no-cache" not in extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    build_speed.add_variant_options(parser, pages=500)
    parser.add_argument("--runs", type=int, default=2, help="builds of each (default 2)")
    parser.add_argument("--files", type=Path, default=None,
                        help="keep callgrind's files in this folder (A1/, B1/, …: for callgrind_annotate)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        raise SystemExit(2)
    a, b, site = build_speed.variants(args)
    output = WORK / "out-instructions"
    counts: dict[str, list[Count]] = {"A": [], "B": []}
    try:
        for n in range(args.runs):
            for name in ("A", "B"):
                tool, extra = a if name == "A" else b
                files = args.files / f"{name}{n + 1}" if args.files is not None else None
                counts[name].append(one(tool, site, output, extra, seed=n, files=files))
                c = counts[name][-1]
                print(f"  run {n + 1}/{args.runs} {name}: {c.total:,} instructions ({c.main:,} in the main process, "
                      f"{c.workers:,} in {c.processes - 1} others)", flush=True)
    except build_speed.BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        build_speed.clean(site, output)
        empty_trash()
    print(f"\nA: {a[0].src} {args.a_args}\nB: {b[0].src} {args.b_args}\n{args.shape}, {args.pages} pages a language\n")
    print(f"{'':24} {'A':>16} {'B':>16} {'B ÷ A':>7} {'A ÷ B':>7}")
    for label, part in (("whole build", lambda c: c.total), ("main process", lambda c: c.main),
                        ("other processes", lambda c: c.workers)):
        ma, mb = (statistics.median(part(c) for c in counts[k]) for k in ("A", "B"))
        print(f"{label:24} {ma:16,.0f} {mb:16,.0f} {mb / ma:7.4f} {ma / mb:7.4f}")
    spread = {k: (max(c.total for c in v) / min(c.total for c in v) - 1) * 100 for k, v in counts.items()}
    print(f"\nspread of the whole build's count from run to run: A {spread['A']:.2f} %, B {spread['B']:.2f} %")


if __name__ == "__main__":
    main()
