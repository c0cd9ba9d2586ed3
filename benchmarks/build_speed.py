"""How fast sitegen builds a generated bilingual corpus: cold, rebuilt with no change, rebuilt after one edit.

Run from the repository with any Python 3.11+ (sitegen itself runs as `.venv/bin/python -m generator` from the
checkout, or from another copy of the sources given with --sitegen-src):

    python benchmarks/build_speed.py                 # N=1000 pages per language, 3 runs
    python benchmarks/build_speed.py --pages 200 --runs 5

Each run builds into a fresh output folder with no cache (cold: the output folder and <site>/.sitegen-cache are
deleted first), then builds again with nothing changed (rebuild), then appends a sentence to one page and
builds again (one edit). It prints the median wall time, pages per second (pages = Markdown files of the
corpus) and peak memory: the larger of ru_maxrss of the sitegen process (os.wait4) and the sampled peak of the
summed PSS of it and the workers it forks (see measure.py). Everything generated goes to benchmarks/_work/
(git-ignored). With --search the site
builds sitegen's search index too (off by default, as Hugo and Pelican build none). Exit status 2 when a
build fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import os
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from measure import Measurement, busy_warning, empty_trash, fmt_seconds, median, retire, run, warm  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "_work"
EDITED_PAGE = ("vi", corpus.page_rel(0))
CACHE_DIR = ".sitegen-cache"


class BenchError(Exception):
    """A build failed: the message holds the command's output."""


@dataclass(frozen=True)
class Sitegen:
    """How to run sitegen: `python -m generator` in `src`, a folder holding generator/ (and themes/)."""

    src: Path = REPO

    @property
    def python(self) -> str:
        venv = REPO / ".venv" / "bin" / "python"
        return str(venv) if venv.exists() else sys.executable

    def command(self, site: Path, output: Path) -> list[str]:
        return [self.python, "-m", "generator", "build", "--site", str(site), "--output", str(output)]


def clean(site: Path, output: Path) -> None:
    """Move away the output folder, leftovers of killed builds beside it, and sitegen's cache: a cold start
    (measure.retire: deleted when the measuring is over)."""
    retire(output, site / CACHE_DIR)
    if output.parent.is_dir():
        for child in output.parent.iterdir():
            if child.name.startswith((f".sitegen-staging-{output.name}-", f".sitegen-old-{output.name}-")):
                retire(child)


def checked(m: Measurement, what: str) -> Measurement:
    if m.returncode != 0:
        tail = "\n".join(m.output.strip().splitlines()[-30:])
        raise BenchError(f"{what} failed with exit status {m.returncode}:\n{tail}")
    return m


def build(tool: Sitegen, site: Path, output: Path, what: str, *extra: str) -> Measurement:
    """One sitegen build, timed until the command ends; then, untimed, until the process it leaves to write
    the cache (generator/keeper.py) is done too, so that it takes nothing from the next measurement."""
    warm(site)
    m = checked(run([*tool.command(site, output), *extra], cwd=tool.src), what)
    return dataclasses.replace(m, after_seconds=wait_for_keeper(site))


def wait_for_keeper(site: Path) -> float:
    """Wait until no sitegen keeper holds the cache's lock; return how long that took (seconds)."""
    started = time.perf_counter()
    try:
        fd = os.open(site / CACHE_DIR / "keep.lock", os.O_RDONLY)
    except OSError:
        return 0.0
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)
    return time.perf_counter() - started


def cold(tool: Sitegen, site: Path, output: Path) -> Measurement:
    clean(site, output)
    return build(tool, site, output, "sitegen cold build")


class PageEditor:
    """Appends a sentence to one page for the one-edit rebuild, and puts the page back afterwards."""

    def __init__(self, site: Path) -> None:
        self.path = site / "content" / EDITED_PAGE[0] / EDITED_PAGE[1]
        self.original = self.path.read_bytes()

    def edit(self, number: int) -> None:
        sentence = f"\nMột câu mới số {number} được thêm vào cuối trang để đo thời gian dựng lại.\n"
        self.path.write_bytes(self.original + sentence.encode("utf-8"))

    def restore(self) -> None:
        self.path.write_bytes(self.original)


@dataclass
class SitegenRuns:
    """Measurements of sitegen on one corpus, by phase."""

    pages: int
    cold: list[Measurement] = field(default_factory=list)
    rebuild: list[Measurement] = field(default_factory=list)
    edit: list[Measurement] = field(default_factory=list)

    def phases(self) -> list[tuple[str, list[Measurement]]]:
        return [("cold", self.cold), ("rebuild, no change", self.rebuild), ("rebuild, one page edited", self.edit)]


def measure(tool: Sitegen, site: Path, output: Path, pages: int, runs: int) -> SitegenRuns:
    """`runs` times: a cold build, a rebuild with no change, a rebuild after editing one page."""
    result = SitegenRuns(pages)
    editor = PageEditor(site)
    try:
        for number in range(runs):
            result.cold.append(cold(tool, site, output))
            result.rebuild.append(build(tool, site, output, "sitegen rebuild with no change"))
            editor.edit(number)
            result.edit.append(build(tool, site, output, "sitegen rebuild after editing one page"))
    finally:
        editor.restore()
    return result


def summary_line(m: Measurement) -> str:
    found = re.search(r"^Built .*$", m.output, re.M)
    return found.group(0) if found else "(no summary line)"


_PROBLEM = re.compile(r"^\S.*?(?::\d+:\d+)?: (?:warning: )?\S")
_PROGRESS = re.compile(r"^[\w ]+: (?:[\d,]+ files…|done \([\d,]+ files\)\.)$")


def problem_lines(m: Measurement) -> list[str]:
    """Errors and warnings sitegen printed (`<file>[:line:col]: [warning: ]message`), not progress lines."""
    return [line for line in m.output.splitlines()
            if _PROBLEM.match(line) and not _PROGRESS.match(line) and not line.startswith("Built ")]


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths, strict=True))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(result: SitegenRuns) -> str:
    rows = [["phase", "median", "min", "max", "pages/s", "peak memory"]]
    for name, runs in result.phases():
        if not runs:
            continue
        times = [m.seconds for m in runs]
        mid = median(times)
        rows.append([name, fmt_seconds(mid), fmt_seconds(min(times)), fmt_seconds(max(times)),
                     f"{result.pages / mid:,.0f}", f"{max(m.peak_mib for m in runs):.0f} MiB"])
    return table(rows)


def add_corpus_options(parser: argparse.ArgumentParser) -> None:
    """The options build_speed.py and compare.py share: the corpus seed, the code measured, search."""
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sitegen-src", type=Path, default=REPO,
                        help="folder with the generator/ package to run (default: this checkout)")
    parser.add_argument("--search", action="store_true",
                        help="build sitegen's search index too (default off: Hugo and Pelican build none)")


Variant = tuple[Sitegen, list[str]]  # sitegen's sources and the options of its build


def add_variant_options(parser: argparse.ArgumentParser, pages: int) -> None:
    """The options of the scripts that build two variants of sitegen on one corpus (pairs.py, instructions.py)."""
    parser.add_argument("--pages", type=int, default=pages, help=f"pages per language (default {pages})")
    parser.add_argument("--shape", default="articles", help="corpus shape: articles or reports")
    parser.add_argument("--a-src", type=Path, default=REPO, help="sitegen sources of A")
    parser.add_argument("--a-args", default="", help="options of A's build (default none)")
    parser.add_argument("--b-src", type=Path, default=None, help="sitegen sources of B (default A's)")
    parser.add_argument("--b-args", default="--no-cache", help="options of B's build (default --no-cache)")


def variants(args: argparse.Namespace) -> tuple[Variant, Variant, Path]:
    """A and B of `add_variant_options`, and the site folder of their corpus (written if it is not there)."""
    a = (Sitegen(args.a_src.resolve()), shlex.split(args.a_args))
    b = (Sitegen((args.b_src or args.a_src).resolve()), shlex.split(args.b_args))
    base = WORK / f"corpus-{args.pages}-s1{'' if args.shape == 'articles' else '-' + args.shape}"
    return a, b, corpus.ensure(base, args.pages, 1, peers=False, sitegen_src=a[0].src, shape=args.shape).site


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        empty_trash()  # (after the results are out: deleting what the builds wrote takes a while)


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000, help="pages per language (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (default 3)")
    add_corpus_options(parser)
    args = parser.parse_args(argv)
    if args.pages < 1 or args.runs < 1:
        parser.error("--pages and --runs must be at least 1")

    base = WORK / f"corpus-{args.pages}-s{args.seed}{'-search' if args.search else ''}"
    busy = busy_warning()
    if busy:
        print(busy, flush=True)
    print(f"corpus: {args.pages} pages per language in {base.relative_to(REPO)} …", flush=True)
    dirs = corpus.ensure(base, args.pages, args.seed, sitegen_src=args.sitegen_src.resolve(), search=args.search)
    output = WORK / f"out-sitegen-{args.pages}"
    try:
        result = measure(Sitegen(args.sitegen_src.resolve()), dirs.site, output, dirs.markdown_files, args.runs)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    first = result.cold[0]
    print(f"sitegen: {summary_line(first)}")
    problems = problem_lines(first)
    if problems:
        print(f"sitegen printed {len(problems)} other line(s) on the cold build, e.g.:")
        for line in problems[:5]:
            print(f"  {line}")
    print(f"\n{dirs.markdown_files} Markdown files ({args.pages} pages per language), {args.runs} run(s):\n")
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
