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


def test_digests_are_worked_out_while_writing_only_when_asked_for_or_to_link_old_files(tmp_path):
    """`sitegen build` leaves the SHA-256 of what it wrote to the cache's keeper (generator/build.py, `_Keep`),
    which works them out from the files."""
    import hashlib

    from generator.build import _digests
    from generator.render import Output
    from generator.writer import Staging

    out = tmp_path / "out"
    page = Output("vi/index.html", data="<p>Xin chào</p>".encode())
    sha = hashlib.sha256(page.data or b"").hexdigest()
    for digests, previous, expected in ((True, None, sha), (False, None, ""), (False, {"vi/index.html": "x"}, sha)):
        folder = Staging(out, previous, compress=False, digests=digests)
        try:
            assert folder.put(page) == expected
            assert _digests(folder.folder, {"vi/index.html": ""}) == {"vi/index.html": sha}
        finally:
            folder.discard()
