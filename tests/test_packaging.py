"""The default theme ships inside the installed package, so any site can say `theme: default`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_contains_theme_templates_static_and_catalogs(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(REPO)], check=True, timeout=300)
    wheel = next(tmp_path.glob("sitegen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("generator/themes/default/templates/base.html",
                     "generator/themes/default/static/assets/css/style.css",
                     "generator/themes/default/locales/vi/LC_MESSAGES/messages.po",
                     "generator/cli.py", "generator/py.typed"):
        assert required in names, required
    assert not any(n.endswith(".mo") for n in names)


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "generator", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "build" in proc.stdout
