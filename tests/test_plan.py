"""The rebuild plan (generator/plan.py) and the command line's incremental builds that use it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from conftest import REPO, build, page, run, tree_digest, write_files
from generator.build import Builder, BuildOptions
from generator.config import load_config
from generator.plan import outline, plan
from generator.render import Job
from generator.site import load_site


def _news_site(make_site):
    files = {"content/vi/news/_index.md": page("Tin"), "content/en/news/_index.md": page("News"),
             "content/vi/other/_index.md": page("Khác"), "content/vi/other/x.md": page("X", "Không liên quan.")}
    for i in range(6):
        files[f"content/vi/news/n{i}.md"] = page(f"Tin {i}", f"Nội dung {i}.", date=f"2024-01-0{i + 1}", tags="[a]")
        files[f"content/en/news/n{i}.md"] = page(f"News {i}", f"Body {i}.", date=f"2024-01-0{i + 1}")
    site = make_site(files)
    shutil.copytree(REPO / "themes/default", site / "themes/default")  # a fixed theme for the whole test
    return site


def _outline(site):
    return outline(load_site(load_config(site)))


def test_plan_of_a_body_edit_is_the_page_and_what_shows_it(make_site):
    site = _news_site(make_site)
    before = _outline(site)
    deps = {("vi", "news/_index.md"): frozenset({("vi", "news/n1.md")}),
            ("vi", "other/x.md"): frozenset({("vi", "other/_index.md")})}
    write_files(site, {"content/vi/news/n1.md": page("Tin 1", "Đã sửa.", date="2024-01-02", tags="[a]")})
    todo = plan(before, _outline(site), deps)
    assert todo is not None and todo.changed == {("vi", "news/n1.md")}
    jobs = dict(todo.jobs)
    assert jobs[Job("page", "vi", "news/n1.md")] is None
    assert jobs[Job("page", "vi", "news/_index.md")] == {("vi", "news/n1.md")}  # only its list page showing n1
    assert Job("page", "vi", "other/x.md") not in jobs
    assert jobs[Job("tag", "vi", "a")] == {("vi", "news/n1.md")}
    assert Job("feed", "vi") in jobs and Job("feed", "en") not in jobs
    assert Job("sitemap") not in jobs  # no date changed


def test_plan_is_none_when_pages_come_or_go_and_empty_when_nothing_changed(make_site):
    site = _news_site(make_site)
    before = _outline(site)
    assert plan(before, _outline(site), {}).jobs == ()
    write_files(site, {"content/vi/news/n9.md": page("Mới")})
    assert plan(before, _outline(site), {}) is None


def test_one_job_s_reads_never_leak_into_another_s(make_site):
    """Rendering a page and then a tag list left the tag list's reads in the page's dependencies."""
    site = _news_site(make_site)
    builder = Builder(BuildOptions(site=site, cache=False))
    builder.full()
    state = builder.state
    assert state is not None
    from generator.render import Renderer

    renderer = Renderer(state.site, state.bodies, state.envs)
    _, home_reads = renderer.run(Job("page", "en", "_index.md"))
    _, tag_reads = renderer.run(Job("tag", "vi", "a"))
    _, again = renderer.run(Job("page", "en", "_index.md"))
    assert home_reads == again
    assert not any(key[1].startswith("news/n") for key in home_reads if key[0] == "vi"), home_reads
    assert ("vi", "news/n1.md") in tag_reads
    assert state.deps[("en", "_index.md")] == home_reads


def test_command_line_rebuild_renders_only_what_an_edit_affects(make_site, tmp_path):
    site = _news_site(make_site)
    assert build(site).exit_code == 0
    edits = [
        {"content/vi/news/n1.md": page("Tin 1", "Sửa nội dung.", date="2024-01-02", tags="[a]")},
        {"content/en/news/n2.md": page("News two", "Body two.", date="2024-01-03")},  # title: its list order
        {"content/vi/news/n3.md": page("Tin 3", "Thẻ mới.", date="2024-01-04", tags="[b]")},  # a new tag
        {"content/vi/news/n4.md": page("Tin 4", "Ngày mới.", date="2023-05-05", tags="[a]")},  # a date
        {"content/vi/news/_index.md": page("Tin tức", "Giới thiệu.")},  # a section's title
        {"content/vi/other/x.md": page("X", "Chỉ trang này.")},
    ]
    for n, edit in enumerate(edits):
        write_files(site, edit)
        result = run("build", "--site", site)
        assert result.exit_code == 0, result.output
        clean = tmp_path / f"clean{n}"
        assert build(site, "--output", clean, "--no-cache").exit_code == 0
        assert tree_digest(site / "output") == tree_digest(clean), edit
    assert re.search(r"Rebuilt \d+ of \d+ pages", result.output), result.output
    rendered = int(re.search(r"Rebuilt (\d+) of", result.output).group(1))  # type: ignore[union-attr]
    assert rendered <= 4, result.output  # x.md, its section, the section's neighbours window: not 30 pages


def test_command_line_rebuild_renders_everything_when_the_output_was_touched(make_site):
    site = _news_site(make_site)
    assert build(site).exit_code == 0
    (site / "output/vi/index.html").write_text("tampered")
    write_files(site, {"content/vi/other/x.md": page("X", "Sửa.")})
    result = build(site)
    assert result.exit_code == 0 and "Built " in result.output, result.output
    assert "tampered" not in (site / "output/vi/index.html").read_text()


THREADS_AND_FORK = """
import os, threading, warnings
from generator import parallel



def pids(state, chunk):
    return [os.getpid() for _ in chunk]


assert parallel.can_fork(), "nothing else runs here yet"
forked = parallel.map_chunks(pids, list(range(500)), {})
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
try:
    assert not parallel.can_fork()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Python 3.12 warns when forking with threads
        serial = parallel.map_chunks(pids, list(range(500)), {})
finally:
    stop.set()
    thread.join()
print(len(set(forked) - {os.getpid()}) > 0, set(serial) == {os.getpid()})
"""


def test_work_runs_in_this_process_while_other_threads_run(tmp_path):
    """Forking with threads running can deadlock the child: then the work is serial (sitegen serve). (In a
    process of its own: this test process may have threads of its own running.)"""
    script = tmp_path / "threads.py"
    script.write_text(THREADS_AND_FORK, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SITEGEN_JOBS": "2"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]  # workers forked at first; none once a thread ran


def test_command_line_rebuild_after_a_file_beside_the_pages_changed(make_site):
    """An attachment (or a picture) beside the pages is copied by a whole build: editing it alone must not
    be taken for 'nothing changed'."""
    site = _news_site(make_site)
    write_files(site, {"content/vi/news/bang-gia.txt": "bản cũ"})
    assert build(site).exit_code == 0
    assert (site / "output/vi/news/bang-gia.txt").read_text() == "bản cũ"
    write_files(site, {"content/vi/news/bang-gia.txt": "bản mới, dài hơn"})
    result = build(site)
    assert result.exit_code == 0 and "Nothing changed" not in result.output, result.output
    assert (site / "output/vi/news/bang-gia.txt").read_text() == "bản mới, dài hơn"
