"""The benchmark scripts' own arithmetic (they run builds for minutes; what they add up is checked here)."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _callgrind(folder: Path, pid: int, parent: int, instructions: int, ended: int, summary: bool = True) -> None:
    """A process's callgrind file (written at `ended`, in seconds) and valgrind log, as valgrind writes them."""
    cg = folder / f"cg.{pid}"
    cg.write_text(f"# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: {pid}\n"
                  f"cmd: python -m generator build\npart: 1\nevents: Ir\nfl=x.c\nfn=f\n1 {instructions}\n"
                  + (f"summary: {instructions}\n\ntotals: {instructions + 7}\n" if summary else ""))
    os.utime(cg, ns=(ended * 10**9, ended * 10**9))
    (folder / f"log.{pid}").write_text(f"=={pid}== Callgrind, a call-graph generating cache profiler\n"
                                       f"=={pid}== Command: python -m generator build\n=={pid}== Parent PID: {parent}\n")


def test_instructions_counts_the_build_and_leaves_out_the_keeper(tmp_path):
    """Process ids wrapped around during the build: the main process is the one whose parent is not in the
    build, the keeper the one that ended after it, whatever their ids."""
    instructions = _load("instructions")
    _callgrind(tmp_path, 32000, 31990, 1_000, ended=50)  # the main process
    _callgrind(tmp_path, 32700, 32000, 100, ended=20)  # parse workers
    _callgrind(tmp_path, 32760, 32000, 100, ended=20)
    _callgrind(tmp_path, 300, 32000, 200, ended=40)  # render workers, after the wrap
    _callgrind(tmp_path, 301, 32000, 100, ended=40)
    _callgrind(tmp_path, 302, 32000, 5_000, ended=90)  # the keeper, which outlives the command
    with_keeper = instructions.count(tmp_path, keeper=True)
    assert (with_keeper.main, with_keeper.workers, with_keeper.processes) == (1_000, 500, 5)
    assert with_keeper.total == 1_500
    everything = instructions.count(tmp_path, keeper=False)
    assert (everything.main, everything.workers, everything.processes) == (1_000, 5_500, 6)


def test_instructions_refuses_a_process_that_did_not_end(tmp_path):
    instructions = _load("instructions")
    _callgrind(tmp_path, 1, 0, 10, ended=5)
    _callgrind(tmp_path, 2, 1, 10, ended=4, summary=False)  # (cut off: no summary)
    with pytest.raises(instructions.build_speed.BenchError, match="no summary"):
        instructions.count(tmp_path, keeper=False)


def test_measured_python_tools_keep_their_compiled_modules(monkeypatch):
    """A machine that says not to write bytecode (PYTHONDONTWRITEBYTECODE) would have every measured run
    of sitegen compile its modules first: measured tools run as installed, other variables passed on."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    measure = _load("measure")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("SITEGEN_BENCH_PROBE", "passed on")
    probe = "import os, sys; print(sys.flags.dont_write_bytecode, os.environ['SITEGEN_BENCH_PROBE'])"
    done = measure.run([sys.executable, "-c", probe])
    assert (done.returncode, done.output.strip()) == (0, "0 passed on")
    done = measure.run([sys.executable, "-c", probe], env={"PYTHONDONTWRITEBYTECODE": "1", "SITEGEN_BENCH_PROBE": "x"})
    assert done.output.strip() == "0 x"


def _size(compare, measure, n: int, sitegen: list[float], no_cache: list[float]):
    """compare.py's results for one size: cold builds of each tool, and sitegen's rebuilds."""
    def m(seconds: float):
        return measure.Measurement(seconds, 100 * 1024, 100 * 1024, 0, "")
    result = compare.SizeResult(n, 2 * n + 22, "reports")
    result.cold = {"sitegen": [m(s) for s in sitegen], "hugo": [m(10.0)] * len(sitegen),
                   "pelican": [m(100.0)] * len(sitegen)}
    result.cold_no_cache = [m(s) for s in no_cache]
    result.rebuild = result.edit = [m(0.5)]
    return result


def test_compare_judges_the_cache_in_instructions_when_they_were_counted():
    """Wall time here cannot tell 2 %: with instructions counted the cache's target is judged on them, and
    the wall-time ratio is still said; without, on wall time."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    measure, compare = _load("measure"), _load("compare")
    instructions = sys.modules["instructions"]
    results = [_size(compare, measure, 1000, [2.0] * 3, [2.0] * 3),
               _size(compare, measure, 5000, [9.0, 11.0, 10.0], [9.0, 10.0, 10.0])]
    judged, notes = compare.targets(results)
    cache = [t for t in judged if "cache on" in t.name]
    assert [(t.name, round(t.value, 3), t.met) for t in cache] == [
        ("reports: sitegen cold build, cache on / --no-cache at N=5000 (median of the runs' ratios)", 1.0, True)]

    count = compare.CacheCount("reports", 500, instructions.Count(1_030, 9_000, 3), instructions.Count(1_000, 8_900, 3))
    judged, notes = compare.targets(results, [count])
    cache = [t for t in judged if "cache on" in t.name]
    assert [(t.name, round(t.value, 4), t.met) for t in cache] == [
        ("reports: sitegen cold build, cache on / --no-cache in instructions at N=500 (callgrind)", 1.0131, True)]
    assert any("in wall time at N=5000 it is 1.000" in note and "1.00 to 1.10" in note for note in notes)
    over = compare.CacheCount("reports", 500, instructions.Count(1_000, 9_300, 3), instructions.Count(1_000, 9_000, 3))
    assert not next(t for t in compare.targets(results, [over])[0] if "cache on" in t.name).met  # (1.03)
    assert len(judged) == len(compare.targets(results)[0])  # (one cache target either way)
