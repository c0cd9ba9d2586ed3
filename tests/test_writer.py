"""The writer (generator/writer.py): a whole rebuild swaps the new output in and the old one goes."""

from __future__ import annotations

import time

from conftest import page, run_process, write_files


def test_the_command_line_removes_the_replaced_output_after_it_ends(make_site):
    site = make_site({"content/vi/_index.md": page("Trang chủ", "Chữ."), "content/en/_index.md": page("Home")})
    assert run_process("build", "--site", site).returncode == 0
    write_files(site, {"templates/page.html": "{% extends 'base.html' %}"})  # a whole rebuild
    proc = run_process("build", "--site", site)
    assert proc.returncode == 0 and "Built " in proc.stdout, proc.stderr
    assert "Chữ." in (site / "output/vi/index.html").read_text(encoding="utf-8")
    deadline = time.monotonic() + 30
    while any(p.name.startswith(".sitegen-old-") for p in site.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p.name for p in site.iterdir() if p.name.startswith((".sitegen-old-", ".sitegen-staging-"))]
