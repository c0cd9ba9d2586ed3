"""`sitegen serve`: build, serve on loopback, rebuild what an edit affects, reload the browser (livereload).

A failed rebuild keeps the last good site served and shows the error over every page until it is fixed.
An edit of a brochure's page does not wait for its print: the browser reloads at once with the brochure
as it was, WeasyPrint prints the new one in another process while the server keeps answering, and the
brochure and the pages that link it are written and the browser reloaded again when it is done.
"""

from __future__ import annotations

import asyncio
import html
import mimetypes
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from generator.brochure import print_apart, printer, weasyprint_version
from generator.build import Builder, BuildOptions, BuildResult
from generator.cache import scan
from generator.discover import skipped
from generator.errors import SitegenError

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
POLL_SECONDS = 0.15  # without file-system events
SETTLE_SECONDS = 0.02


class DevServer:
    """Holds the builder, the last build error and the WSGI app that serves the output folder."""

    def __init__(self, options: BuildOptions, log: Callable[[str], None] = print) -> None:
        self.builder = Builder(options)
        self.log = log
        self.error: SitegenError | None = None
        self.lock = threading.Lock()
        self.snapshot: dict[Path, tuple[int, int]] = {}
        self.reload: Callable[[], None] = lambda: None
        self.printing = False  # brochures are being printed (`print_brochures`)
        self._printer: ProcessPoolExecutor | None = None

    # -- building ----------------------------------------------------------------------------------------
    def initial_build(self) -> None:
        self.snapshot = self.scan()
        self._run(lambda: self.builder.full(), "Built")
        if self.builder.site is not None and self.builder.site.config.brochure:
            self.printer().submit(weasyprint_version)  # (WeasyPrint loaded there before an edit needs it)

    def _run(self, step: Callable[[], BuildResult], verb: str, what: str = "") -> None:
        try:
            with self.lock:
                result = step()
        except SitegenError as exc:
            self._failed(exc)
            return
        self.error = None
        self._done(result, verb, what)

    def _failed(self, exc: SitegenError) -> None:
        self.error = exc
        for problem in exc.problems:
            self.log(f"error: {problem}")
        self.log("The last good site is still served; fix the file and save to rebuild.")

    def _done(self, result: BuildResult, verb: str, what: str) -> None:
        for warning in result.warnings:
            self.log(str(warning))
        scope = "everything" if result.full else f"{result.rendered} page(s), {result.written} file(s) changed"
        self.log(f"{verb} {scope} in {result.seconds * 1000:.0f} ms{what}.")

    def printer(self) -> ProcessPoolExecutor:
        """The process that prints brochures (started on first use, kept: WeasyPrint stays loaded there)."""
        if self._printer is None:
            self._printer = printer()
        return self._printer

    async def print_brochures(self) -> None:
        """Print the brochures that edits left to print, in the printer process (this event loop keeps
        serving meanwhile); then write those still current and the pages that link them, and reload the
        browser. Edits made while printing queue newer jobs, printed next; a job made stale is not printed."""
        if self.printing:
            return  # (the running call takes the new jobs when its print is done)
        self.printing = True
        loop = asyncio.get_running_loop()
        try:
            while jobs := self.builder.prints.take():
                started = time.perf_counter()
                for job in jobs:
                    if job.lang in self.builder.prints.jobs:
                        continue  # a newer edit queued a newer job for this language
                    try:
                        done = await loop.run_in_executor(self.printer(), print_apart, job)
                    except BrokenProcessPool:
                        self.log("The brochure printer stopped; the next brochure edit starts another.")
                        self._printer = None
                        return
                    self.builder.prints.printed.append(done)
                if self._reprint(started):
                    self.reload()
        finally:
            self.printing = False

    def _reprint(self, started: float) -> bool:
        """Write the brochures printed (those still current) and the pages that link them; True when the
        browser should reload. (An edit's error stays shown: this writes the last good site.)"""
        langs = ", ".join(sorted({done.lang for done in self.builder.prints.printed}))
        try:
            with self.lock:
                result = self.builder.reprint()
        except SitegenError as exc:
            self._failed(exc)
            return True
        if result is None:
            return False
        seconds = time.perf_counter() - started
        self._done(result, "Rebuilt", f" (the {langs} brochure printed apart in {seconds:.1f} s)")
        return True

    def close(self) -> None:
        """Stop the printer process."""
        if self._printer is not None:
            self._printer.shutdown(wait=False, cancel_futures=True)
            self._printer = None

    def scan(self) -> dict[Path, tuple[int, int]]:
        """Modification times and sizes of every watched file."""
        return {Path(path): (mtime, size) for path, (size, mtime) in scan(self.builder.watched(), ignore=skipped).items()}

    def poll(self, hints: set[Path] | None = None) -> bool:
        """Rebuild if a watched file changed since the last look; True when the browser should reload.

        `hints` are the files the watcher saw change: only they are looked at (None: every file)."""
        if hints is None:
            now = self.scan()
            changed = {p for p in now.keys() | self.snapshot.keys() if now.get(p) != self.snapshot.get(p)}
            self.snapshot = now
        else:
            changed = set()
            for path in hints:
                try:
                    st = path.stat()
                    stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
                except OSError:
                    stamp = None
                if stamp != self.snapshot.get(path):
                    changed.add(path)
                    if stamp is None:
                        self.snapshot.pop(path, None)
                    else:
                        self.snapshot[path] = stamp
        if not changed:
            return False
        names = ", ".join(sorted(str(p.relative_to(self.builder.root)) for p in changed)[:3])
        self._run(lambda: self.builder.update(changed), "Rebuilt", f" ({names})")
        return True

    # -- serving -----------------------------------------------------------------------------------------
    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve the output folder; refuse paths that leave it; show the build error over HTML pages."""
        root = self.builder.output
        raw = unquote(environ.get("PATH_INFO", "/"))
        parts = [p for p in raw.split("/") if p]
        if any(p in ("..", ".") or "\\" in p or "\x00" in p for p in parts):
            return self._send(start_response, "404 Not Found", b"Not found", "text/plain")
        target = root.joinpath(*parts) if parts else root
        if target.is_dir():
            if not raw.endswith("/"):
                start_response("301 Moved Permanently", [("Location", raw + "/")])
                return [b""]
            target = target / "index.html"
        status = "200 OK"
        if not target.is_file() or not target.resolve().is_relative_to(root.resolve()):
            lang = parts[0] if parts and (root / parts[0] / "404.html").is_file() else None
            target = root / lang / "404.html" if lang else root / "index.html"
            status = "404 Not Found"
            if not target.is_file():
                return self._send(start_response, status, b"Not found", "text/plain")
        data = target.read_bytes()
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype == "text/html" and self.error is not None:
            data = data.replace(b"</body>", overlay(self.error).encode() + b"</body>", 1)
        return self._send(start_response, status, data, ctype)

    @staticmethod
    def _send(start_response: StartResponse, status: str, data: bytes, ctype: str) -> list[bytes]:
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data))),
                                ("Cache-Control", "no-store")])
        return [data]


def ignored(name: str) -> bool:
    """What the build skips is not watched either (hidden files, `_draft…`, editors' backups)."""
    return skipped(name)


class Watcher:
    """Collects the watched files that the operating system reports changed (watchdog: inotify on
    Linux, FSEvents on macOS), and calls `wake` from its thread when there are some."""

    def __init__(self, tops: list[Path], wake: Callable[[], None]) -> None:
        self.tops = [t for t in tops if t.exists()]
        self.wake = wake
        self.lock = threading.Lock()
        self.pending: set[Path] | None = set()  # None: look at every file
        self.observer: Any = None

    def start(self) -> bool:
        """Watch with file-system events; False when they are not available."""
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return False
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                paths = [Path(os.fsdecode(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
                paths = [p for p in paths if watcher.relevant(p)]
                if not paths or (event.is_directory and event.event_type == "modified"):
                    return
                with watcher.lock:
                    if event.is_directory:
                        watcher.pending = None  # a folder came, went or moved: its files with it
                    elif watcher.pending is not None:
                        watcher.pending.update(paths)
                watcher.wake()

        observer = Observer()
        try:
            for top in self.tops:
                observer.schedule(Handler(), str(top.parent if top.is_file() else top),
                                  recursive=not top.is_file())
            observer.daemon = True
            observer.start()
        except OSError:
            return False
        self.observer = observer
        return True

    def relevant(self, path: Path) -> bool:
        for top in self.tops:
            if path == top or (top.is_dir() and path.is_relative_to(top)):
                rel = path.relative_to(top).parts if path != top else (path.name,)
                return not any(part.startswith(".") for part in rel[:-1]) and not ignored(path.name)
        return False

    def everything(self) -> None:
        with self.lock:
            self.pending = None

    def take(self) -> set[Path] | None:
        """The files seen changed since the last call (None: any may have)."""
        with self.lock:
            taken, self.pending = self.pending, set()
        return taken


def overlay(exc: SitegenError) -> str:
    """The error shown over every page while the site does not build."""
    items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in exc.problems)
    return ('<div id="sitegen-error" role="alert" style="position:fixed;inset:auto 0 0 0;z-index:2147483647;'
            'max-height:60vh;overflow:auto;background:#7f1d1d;color:#fff;padding:1rem 1.5rem;'
            'font:14px/1.5 ui-monospace,monospace;box-shadow:0 -4px 16px rgba(0,0,0,.4)">'
            '<strong>sitegen: the site does not build. The last good version is shown.</strong>'
            f'<ul style="margin:.5rem 0 0;padding-left:1.2rem">{items}</ul></div>')


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the preview server until interrupted."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from tornado import ioloop

    dev = DevServer(options)
    dev.initial_build()
    if dev.builder.site is None and not dev.builder.output.is_dir():
        raise SystemExit(1)
    dev.reload = lambda: LiveReloadHandler.reload_waiters()
    loop = ioloop.IOLoop.current()
    # Wait a moment after an event: an editor that saves by truncating and writing makes several.
    watcher = Watcher(dev.builder.watched(), lambda: loop.add_callback(lambda: loop.call_later(SETTLE_SECONDS, tick)))

    def tick() -> None:
        hints = watcher.take()
        if hints == set():
            return
        started = time.perf_counter()
        if dev.poll(hints):
            dev.reload()
            print(f"Browser told to reload ({(time.perf_counter() - started) * 1000:.0f} ms after the change "
                  "was seen).", flush=True)
            if dev.builder.prints.jobs:
                loop.add_callback(dev.print_brochures)

    server = Server(dev.app)
    # livereload polls the working folder itself unless told it already started; we watch on our own.
    LiveReloadHandler._last_reload_time = time.time()
    if not watcher.start():  # no file-system events here: look at every file now and then
        def look() -> None:
            watcher.everything()
            tick()

        ioloop.PeriodicCallback(look, POLL_SECONDS * 1000).start()
    if dev.builder.prints.jobs:  # (a first build planned from the cache's state leaves them, as an edit does)
        loop.add_callback(dev.print_brochures)
    print(f"Serving {dev.builder.output} on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve(port=port, host=host, debug=False, restart_delay=0)
    finally:
        dev.close()
