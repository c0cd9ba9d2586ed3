"""Two ways of building the same corpus, cold, in turns: which is faster, stage by stage.

Run from the repository with any Python 3.11+:

    python benchmarks/pairs.py --pages 5000 --pairs 8                      # cache on against --no-cache
    python benchmarks/pairs.py --b-src /tmp/src-old --b-args ""            # this checkout against an older copy

This machine's builds vary by ±15 % from one minute to the next, more than most changes worth measuring: a
single run of each says little. Here A and B take turns (A B, then B A, …), each cold (output folder and cache
moved aside, inputs read just before, the disk synced: see measure.py), each with `--timings`; after a build
with the cache on, its keeper is waited for, untimed. It prints the median wall time and the median of each
stage for A and B, and the median of the ratios B ÷ A of the pairs, which the machine's drift from minute to
minute does not move as much as the ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_speed  # noqa: E402
from measure import empty_trash  # noqa: E402
from stages import stage_times  # noqa: E402

WORK = build_speed.WORK


Runs = list[tuple[float, dict[str, float]]]  # seconds of each build, and its stages


def median_of(runs: Runs, stage: str) -> float:
    return statistics.median(s if stage == "whole process" else t.get(stage, 0.0) for s, t in runs)


def one(tool: build_speed.Sitegen, site: Path, output: Path, extra: list[str]) -> tuple[float, dict[str, float]]:
    """Seconds of one cold build, and its stages (its keeper waited for, untimed)."""
    build_speed.clean(site, output)
    m = build_speed.build(tool, site, output, "build", "--timings", *extra)
    return m.seconds, stage_times(m.output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    build_speed.add_variant_options(parser, pages=5000)
    parser.add_argument("--pairs", type=int, default=8, help="pairs of builds (default 8)")
    args = parser.parse_args()
    a, b, site = build_speed.variants(args)
    output = WORK / "out-pairs"
    runs: dict[str, Runs] = {"A": [], "B": []}
    try:
        for n in range(args.pairs):
            for name in ("A", "B") if n % 2 == 0 else ("B", "A"):
                tool, extra = a if name == "A" else b
                runs[name].append(one(tool, site, output, extra))
            print(f"  pair {n + 1}/{args.pairs}: A {runs['A'][-1][0]:.2f} s, B {runs['B'][-1][0]:.2f} s", flush=True)
    finally:
        build_speed.clean(site, output)
        empty_trash()
    print(f"\nA: {a[0].src} {args.a_args}\nB: {b[0].src} {args.b_args}\n")
    stages = list(runs["A"][0][1])
    print(f"{'':28} {'A':>8} {'B':>8}")
    for stage in ["whole process", *stages]:
        print(f"{stage:28} {median_of(runs['A'], stage):7.3f}s {median_of(runs['B'], stage):7.3f}s")
    ratios = [bs / as_ for (as_, _), (bs, _) in zip(runs["A"], runs["B"], strict=True)]
    print(f"\nB ÷ A, median of the {args.pairs} pairs: {statistics.median(ratios):.3f} "
          f"(pairs from {min(ratios):.3f} to {max(ratios):.3f})")


if __name__ == "__main__":
    main()
