"""What a build keeps (generator/keeper.py, the spool in generator/cache.py): written after the output, by a
process that outlives the command line, and waited for by the next build."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SITE_YAML, page, run_process, write_files
from generator import keeper
from generator.cache import SPOOL, Cache, spool_markdown
from generator.markdown import Rendered

SLOW_KEEPER = """
import sys, time
from pathlib import Path
from generator import keeper, parallel

folder = Path(sys.argv[1])
assert parallel.can_fork(), "nothing else runs here yet"
keeper.BACKGROUND = True
keeper.AT_EXIT = sys.argv[2] == "at-exit"  # (`sitegen build`; else as `sitegen serve`'s first build)


def work():
    time.sleep(1.5)
    (folder / "kept").write_text("yes")


started = time.perf_counter()
keeper.keep(folder, work)
assert (folder / keeper.LOCK_FILE).exists() != keeper.AT_EXIT  # at exit: nothing started yet
keeper.finish()
print(f"{time.perf_counter() - started:.3f}", (folder / "kept").exists())
"""


@pytest.mark.parametrize("when", ["at-exit", "at-once"])
def test_the_keeper_outlives_the_command_and_the_next_build_waits_for_it(tmp_path: Path, when: str):
    """(In a process of its own: this test process may have threads running, under which nothing forks.)"""
    script = tmp_path / "slow_keeper.py"
    script.write_text(SLOW_KEEPER, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path), when], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    seconds, kept_already = proc.stdout.split()
    assert float(seconds) < 1.0 and kept_already == "False"  # the command did not wait for it
    assert not (tmp_path / "kept").exists()
    started = time.perf_counter()
    keeper.wait(tmp_path)  # as a build does before it reads the cache
    assert (tmp_path / "kept").read_text() == "yes"
    assert time.perf_counter() - started > 0.3


def test_in_process_the_cache_is_kept_before_the_build_returns(tmp_path: Path):
    done: list[bool] = []
    keeper.keep(tmp_path, lambda: done.append(True))  # (BACKGROUND is off: not the command line)
    assert done == [True]
    keeper.wait(tmp_path / "no-cache-here")  # nothing to wait for


def test_a_command_line_build_keeps_its_markdown_front_matter_and_state(tmp_path: Path):
    site = tmp_path / "site"
    pages = {f"content/{lang}/news/n{i}.md": page(f"Tin {i}", f"Đoạn **{i}** của trang.\n\n## Mục\n\nThêm.")
             for lang in ("vi", "en") for i in range(80)}
    write_files(site, {"site.yaml": SITE_YAML,
                       "content/vi/_index.md": page("Trang chủ", "Xin chào."),
                       "content/en/_index.md": page("Home", "Hello."), **pages})
    first = run_process("build", "--site", site)
    assert first.returncode == 0, first.stderr
    keeper.wait(site / ".sitegen-cache")
    spool = site / ".sitegen-cache" / SPOOL
    assert not spool.exists() or not any(spool.iterdir())  # merged into the database
    cache = Cache(site)
    try:
        assert cache.db is not None
        (markdown,), = cache.db.execute("SELECT count(*) FROM markdown")
        assert markdown >= 160
        assert len(cache.get_frontmatter()) == 82  # (a vi page and its en twin have the same front matter)
        assert cache.get_blob("head") is not None
    finally:
        cache.close()
    again = run_process("build", "--site", site)
    assert again.returncode == 0 and "Nothing changed" in again.stdout, again.stdout + again.stderr


def test_the_spool_of_this_build_is_merged_under_its_keys_and_a_cut_record_dropped(tmp_path: Path):
    first = [(("vi", "a.md"), Rendered("<p>một</p>", ({"id": "muc", "name": "Mục", "level": 2},), ())),
             (("en", "a.md"), Rendered("<p>one</p>", (), ((3, "x"),)))]
    keys = {("vi", "a.md"): "k1", ("en", "a.md"): "k2", ("vi", "b.md"): "k3"}
    cache = Cache(tmp_path)
    try:
        spool_markdown(tmp_path, "build1", first)
        spool_markdown(tmp_path, "build1", [(("vi", "b.md"), Rendered("<p>ba</p>", (), ()))])
        spool_markdown(tmp_path, "build0", [(("vi", "b.md"), Rendered("<p>cũ</p>", (), ()))])  # a stopped build's
        folder = tmp_path / ".sitegen-cache" / SPOOL
        (mine,) = folder.glob("build1-*")
        data = mine.read_bytes()
        mine.write_bytes(data[:-5])  # the second record cut off, as by a build stopped while writing it
        cache.merge_spool("build1", keys.get)
        assert cache.get_markdown(["k1", "k2", "k3"]) == {"k1": first[0][1], "k2": first[1][1]}
        assert not any(folder.iterdir())  # the other build's spool is gone too, unread
    finally:
        cache.close()


def test_a_gathered_write_of_more_parts_than_one_call_takes_writes_them_all_in_order(tmp_path: Path):
    from generator.cache import _write_all

    parts = [f"<p>phần {i}</p>".encode() for i in range(3 * os.sysconf("SC_IOV_MAX") + 7)] + [b"", b"end"]
    fd = os.open(tmp_path / "spool", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        _write_all(fd, [b"head"] + parts)
    finally:
        os.close(fd)
    assert (tmp_path / "spool").read_bytes() == b"head" + b"".join(parts)


def test_a_damaged_spool_header_ends_the_merge_there(tmp_path: Path):
    cache = Cache(tmp_path)
    try:
        spool_markdown(tmp_path, "b", [(("vi", "a.md"), Rendered("<p>một</p>", (), ()))])
        spool_markdown(tmp_path, "b", [(("vi", "b.md"), Rendered("<p>hai</p>", (), ()))])
        (mine,) = (tmp_path / ".sitegen-cache" / SPOOL).glob("b-*")
        data = bytearray(mine.read_bytes())
        second = 16 + int.from_bytes(data[:8], "little") + int.from_bytes(data[8:16], "little")
        data[second + 16:second + 20] = b"\xff\xfe\xfd\xfc"  # the second record's header, garbled
        mine.write_bytes(bytes(data))
        cache.merge_spool("b", {("vi", "a.md"): "k1", ("vi", "b.md"): "k2"}.get)
        assert cache.get_markdown(["k1", "k2"]) == {"k1": Rendered("<p>một</p>", (), ())}
    finally:
        cache.close()


COMPILE_LOG = """
import os
import jinja2

_MAIN, _original = os.getpid(), jinja2.Environment._compile


def _logged(self, source, filename):
    with open(os.environ["COMPILE_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{'main' if os.getpid() == _MAIN else 'other'} {filename}\\n")
    return _original(self, source, filename)


jinja2.Environment._compile = _logged
"""


def test_the_keeper_keeps_the_templates_a_cold_build_s_workers_compiled_and_a_full_build_compiles_none(
        tmp_path: Path):
    """The render workers of a cold build compile the templates they use, side by side; its keeper keeps
    them; the next full build (site.yaml changed) loads them before it forks its workers: no process of it
    compiles a template."""
    site, hooks, log = tmp_path / "site", tmp_path / "hooks", tmp_path / "compiled.log"
    pages = {f"content/{lang}/news/n{i}.md": page(f"Tin {i}", f"Đoạn {i}.") for lang in ("vi", "en") for i in range(80)}
    write_files(site, {"site.yaml": SITE_YAML, "content/vi/_index.md": page("Trang chủ", "Xin chào."),
                       "content/en/_index.md": page("Home", "Hello."), **pages})
    write_files(hooks, {"sitecustomize.py": COMPILE_LOG})
    env = {"SITEGEN_JOBS": "2", "COMPILE_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")]))}
    first = run_process("build", "--site", site, env=env)
    assert first.returncode == 0, first.stderr
    keeper.wait(site / ".sitegen-cache")
    compiled = log.read_text(encoding="utf-8").splitlines()
    assert any(line.endswith("/page.html") for line in compiled)
    assert not any(line.startswith("main ") for line in compiled)  # (workers, and the keeper, compiled them)
    cache = Cache(site)
    try:
        assert cache.has_templates()
    finally:
        cache.close()

    log.unlink()
    (site / "site.yaml").write_text(SITE_YAML + "# changed\n", encoding="utf-8")
    again = run_process("build", "--site", site, env=env)
    assert again.returncode == 0 and "Nothing changed" not in again.stdout, again.stdout + again.stderr
    assert not log.exists(), log.read_text(encoding="utf-8")
