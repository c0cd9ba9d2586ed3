"""The code stays ruff- and mypy-clean (STYLE.md: typed, tidy)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "generator", "tests", "benchmarks"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean():
    proc = subprocess.run([sys.executable, "-m", "mypy", "generator"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
