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
    with pytest.raises(SystemExit, match="no summary"):
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
