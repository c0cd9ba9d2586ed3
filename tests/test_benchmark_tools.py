"""The benchmark scripts' own arithmetic (they run builds for minutes; what they add up is checked here)."""

import importlib.util
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


def _callgrind(folder: Path, pid: int, instructions: int) -> None:
    (folder / f"cg.{pid}").write_text(f"# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: {pid}\n"
                                      f"cmd: python -m generator build\npart: 1\nevents: Ir\nfl=x.c\nfn=f\n"
                                      f"1 {instructions}\nsummary: {instructions}\n\ntotals: {instructions + 7}\n")


def test_instructions_counts_the_build_and_leaves_out_the_keeper(tmp_path):
    instructions = _load("instructions")
    # pids in numeric, not alphabetical order: 9998 is the main process, 10001 the keeper (forked last)
    for pid, n in ((9998, 1_000), (9999, 200), (10000, 300), (10001, 5_000)):
        _callgrind(tmp_path, pid, n)
    with_keeper = instructions.count(tmp_path, keeper=True)
    assert (with_keeper.main, with_keeper.workers, with_keeper.processes) == (1_000, 500, 3)
    assert with_keeper.total == 1_500
    everything = instructions.count(tmp_path, keeper=False)
    assert (everything.main, everything.workers, everything.processes) == (1_000, 5_500, 4)


def test_instructions_refuses_a_process_that_did_not_end(tmp_path):
    instructions = _load("instructions")
    _callgrind(tmp_path, 1, 10)
    (tmp_path / "cg.2").write_text("# callgrind format\nversion: 1\nevents: Ir\n")  # (cut off: no summary)
    with pytest.raises(SystemExit, match="no summary"):
        instructions.count(tmp_path, keeper=False)
