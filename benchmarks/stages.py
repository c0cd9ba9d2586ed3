"""Where a cold build's time goes as the site grows: seconds per stage at several sizes, and how each grows.

Run from the repository with any Python 3.11+:

    python benchmarks/stages.py                                  # N = 1000, 5000, 10000 a language, 3 runs
    python benchmarks/stages.py --sizes 500,2000 --runs 1 --shapes reports

For each corpus shape and size (benchmarks/corpus.py, seeded) it builds sitegen cold with `--no-cache
--timings` into an emptied output folder, `--runs` times, and prints the median seconds of each stage of the
pipeline (`sitegen build --timings`) and of the whole process, then milliseconds per page, then the growth of
the time per page from the smallest size to each larger one (1.00 = linear). A stage whose time per page grows
much faster than the whole build's is where to look for work that is not linear in the number of pages. The
machine's other load skews every figure: busy_warning() says when it is high.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_speed  # noqa: E402
import corpus  # noqa: E402
from measure import busy_warning, empty_trash, median, run  # noqa: E402

WORK = build_speed.WORK
_TIMING = re.compile(r"^\s+([\d.]+) s\s+(.+)$", re.M)


def stage_times(output: str) -> dict[str, float]:
    """The stages `sitegen build --timings` printed, in order."""
    return {name.strip(): float(seconds) for seconds, name in _TIMING.findall(output)}


def measure(n: int, runs: int, shape: str, tool: build_speed.Sitegen) -> tuple[int, dict[str, float]]:
    """(pages, median seconds per stage and "whole process") of `runs` cold builds at N=n a language."""
    base = WORK / f"corpus-{n}-s1{'' if shape == 'articles' else '-' + shape}"
    dirs = corpus.ensure(base, n, 1, peers=False, sitegen_src=tool.src, shape=shape)
    output = WORK / f"out-stages-{n}"
    samples: dict[str, list[float]] = {}
    for number in range(1, runs + 1):
        build_speed.clean(dirs.site, output)
        m = build_speed.checked(run(tool.command(dirs.site, output) + ["--no-cache", "--timings"], cwd=tool.src),
                                "sitegen cold build")
        for stage, seconds in [*stage_times(m.output).items(), ("whole process", m.seconds)]:
            samples.setdefault(stage, []).append(seconds)
        print(f"  N={n} {shape} run {number}/{runs}: {m.seconds:.2f} s", flush=True)
    build_speed.clean(dirs.site, output)
    return dirs.markdown_files, {stage: median(values) for stage, values in samples.items()}


def table(shape: str, rows: list[tuple[int, int, dict[str, float]]]) -> str:
    stages = list(dict.fromkeys(stage for _, _, times in rows for stage in times))
    sizes = [f"N={n:,} ({pages:,} p.)" for n, pages, _ in rows]
    width = max(len(s) for s in stages) + 2
    lines = [f"\n{shape}: seconds (median), then ms per page, then growth of ms per page against N={rows[0][0]:,}",
             " " * width + "".join(f"{s:>22}" for s in sizes)]
    for stage in stages:
        seconds = [times.get(stage, float("nan")) for _, _, times in rows]
        per_page = [s * 1000 / pages for s, (_, pages, _) in zip(seconds, rows, strict=True)]
        growth = [p / per_page[0] if per_page[0] else float("nan") for p in per_page]
        cells = "".join(f"{s:8.2f} s {p:5.3f} ms {g:4.2f}" for s, p, g in zip(seconds, per_page, growth, strict=True))
        lines.append(f"{stage:<{width}}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,10000", help="pages per language, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="cold builds per size (default 3)")
    parser.add_argument("--shapes", default=",".join(corpus.SHAPES), help="corpus shapes (default: all)")
    parser.add_argument("--sitegen-src", type=Path, default=build_speed.REPO, help="the sitegen checkout to run")
    args = parser.parse_args(argv)
    tool = build_speed.Sitegen(args.sitegen_src.resolve())
    warning = busy_warning()
    if warning:
        print(warning)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    try:
        for shape in args.shapes.split(","):
            rows = []
            for n in sizes:
                pages, times = measure(n, args.runs, shape, tool)
                rows.append((n, pages, times))
            print(table(shape, rows), flush=True)
    finally:
        empty_trash()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
