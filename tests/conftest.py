"""Shared fixtures: small sites built in tmp_path, the CLI run in-process or as a real process."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.cli import cli

REPO = Path(__file__).resolve().parent.parent
# The example site the theme and browser tests build; another copy can be checked with SITEGEN_EXAMPLE_SITE.
EXAMPLE_SITE = Path(os.environ.get("SITEGEN_EXAMPLE_SITE", REPO))
REQUIRE_ALL = os.environ.get("SITEGEN_REQUIRE_ALL") == "1"

SITE_YAML = """\
base_url: https://example.org/
languages:
  - {code: vi, name: Tiếng Việt, locale: vi_VN}
  - {code: en, name: English, locale: en_US}
title: {vi: Trang thử, en: Test site}
search: false
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def page(title: str, body: str = "", **fields: str) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\ntitle: {title}\n{extra}---\n{body}\n"


@pytest.fixture(scope="session")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site built once (in-process) for the tests that only read its output: once per run,
    also under pytest-xdist, where the first worker to get here builds it and the others wait for it."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp("example") / "out"
        result = build(EXAMPLE_SITE, "--output", folder)
        assert result.exit_code == 0, result.output
        return folder
    import fcntl

    run_root = tmp_path_factory.getbasetemp().parent  # this run's, shared by its workers
    folder, done = run_root / "example-output", run_root / "example-output.done"
    with open(run_root / "example-output.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            result = build(EXAMPLE_SITE, "--output", folder)
            assert result.exit_code == 0, result.output
            done.touch()
    return folder


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Write a minimal bilingual site (plus `files`) into tmp_path/site and return its folder."""

    def make(files: dict[str, str | bytes] | None = None, site_yaml: str = SITE_YAML) -> Path:
        root = tmp_path / "site"
        base = {
            "site.yaml": site_yaml,
            "content/vi/_index.md": page("Trang chủ", "Xin chào."),
            "content/en/_index.md": page("Home", "Hello."),
        }
        base.update(files or {})
        write_files(root, base)
        return root

    return make


def run(*args: str | Path) -> Result:
    """Run the CLI in-process."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def run_process(*args: str | Path, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator` as a separate process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=600)


def build(site: Path, *extra: str | Path) -> Result:
    return run("build", "--site", site, *extra)


def tiny_png() -> bytes:
    """A real 8 x 8 PNG (images are decoded at build time: a few magic bytes are a located error)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file below `folder` with the SHA-256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def need(tool: str, why: str) -> None:
    """Skip when `tool` is missing, or fail under SITEGEN_REQUIRE_ALL=1."""
    if shutil.which(tool) is None:
        message = f"{tool} is not installed ({why}); .ci/run installs it"
        if REQUIRE_ALL:
            pytest.fail(message + " and SITEGEN_REQUIRE_ALL=1 forbids skipping")
        pytest.skip(message)


# -- real servers and a real browser, shared by the browser, search, hosting and serve tests ------------
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen[str] | subprocess.Popen[bytes] | None = None,
                  seconds: float = 60) -> None:
    """Wait until something listens on 127.0.0.1:`port` (failing early if `proc` died)."""
    import socket
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"the server exited with {proc.returncode}") from None
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on 127.0.0.1 (a plain static host); yield its base URL."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


_CHROMIUM: dict[str, Any] = {}  # this test process's Playwright and browser, started at first use


@contextmanager
def chromium(why: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser); skip or fail where missing.

    One browser per test process (Playwright's sync API allows one at a time in a thread, so the
    session-scoped `browser` fixture and the tests' own `with chromium(...)` share it); the contexts
    opened inside the block are closed at its end."""
    need("chromium", why)
    browser = _CHROMIUM.get("browser")
    if browser is None or not browser.is_connected():
        from playwright.sync_api import sync_playwright

        if "playwright" not in _CHROMIUM:
            _CHROMIUM["playwright"] = sync_playwright().start()
        browser = _CHROMIUM["playwright"].chromium.launch(executable_path=shutil.which("chromium"),
                                                          args=CHROMIUM_ARGS)
        _CHROMIUM["browser"] = browser
    before = set(browser.contexts)
    try:
        yield browser
    finally:
        for context in browser.contexts:
            if context not in before:
                context.close()


@pytest.fixture(scope="module", autouse=True)
def _stop_chromium() -> Iterator[None]:
    """Close the process's browser at the end of each test module that started it: Playwright's sync API
    keeps an event loop running in the main thread, under which a later test can neither run its own loop
    (tornado, websockets) nor fork (`parallel.can_fork` sees its thread)."""
    yield
    if (browser := _CHROMIUM.pop("browser", None)) is not None:
        browser.close()
    if (playwright := _CHROMIUM.pop("playwright", None)) is not None:
        playwright.stop()


# -- the example site served (one per test process), and Chromium (one per test module) ------------------
@pytest.fixture(scope="session")
def out(example_output: Path) -> Path:
    """The built example site (the folder the browser tests read)."""
    return example_output


@pytest.fixture(scope="session")
def server(out: Path) -> Iterator[str]:
    """The built example site over HTTP on 127.0.0.1: its base URL."""
    with serve_folder(out) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium("browser tests") as b:
        yield b


def open_page(browser: Any, server: str, path: str, width: int = 1280, height: int = 900, js: bool = True) -> Any:
    """A fresh page at `path`; its console errors, page errors and failed requests are in page.problems."""
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=js)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    watch_network(page)
    page.goto(server + path)
    settle(page)
    page.problems = problems
    return page


QUIET_SECONDS = 0.15  # (pages come from a server on this machine: a request follows another within ms)


def watch_network(page: Any) -> None:
    """Count the requests `page` has in flight, for `settle` (call it before the page navigates)."""
    state = page.sitegen_network = {"in_flight": 0, "since": time.monotonic()}

    def started(_request: Any) -> None:
        state["in_flight"] += 1
        state["since"] = time.monotonic()

    def ended(_request: Any) -> None:
        state["in_flight"] -= 1
        state["since"] = time.monotonic()

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)


def settle(page: Any, timeout: float = 30.0) -> None:
    """Wait until `page` (`watch_network`ed) has loaded and made no request for QUIET_SECONDS. Playwright's
    "networkidle" waits 500 ms of quiet: most of a page's time here, and of the browser tests'."""
    page.wait_for_load_state("load")
    state, deadline = page.sitegen_network, time.monotonic() + timeout
    while state["in_flight"] > 0 or time.monotonic() - state["since"] < QUIET_SECONDS:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{page.url}: still loading after {timeout} s ({state['in_flight']} requests)")
        page.wait_for_timeout(20)  # (Playwright delivers the page's events while it waits)


# The search page has drawn the results of `query` (the status names it, and the list is not busy).
SEARCH_DONE = """query => document.getElementById('search-status').textContent.includes('“' + query + '”')
    && document.getElementById('search-results').getAttribute('aria-busy') === 'false'"""


def search_results(browser: Any, base: str, lang: str, query: str) -> list[str]:
    """The result URLs (paths) that the search page of `lang` on `base` lists for `query`, typed and
    submitted with Enter; Pagefind's own errors (a file it could not load, say) fail the search."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/{lang}/search/")
    page.fill("#search-q", query)
    page.keyboard.press("Enter")
    page.wait_for_function(SEARCH_DONE, arg=query, timeout=20000)
    urls = page.eval_on_selector_all("#search-results a", "els => els.map(e => new URL(e.href).pathname)")
    page.close()
    assert not errors, errors
    return urls
