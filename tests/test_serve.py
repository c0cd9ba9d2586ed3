"""`sitegen serve` as an editor meets it: a real server, real edits, the livereload websocket."""

from __future__ import annotations

import asyncio
import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

from conftest import free_port, page, wait_for_port


def get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp.status, body


@pytest.fixture
def server(make_site) -> Iterator[tuple[Path, int, subprocess.Popen[str]]]:
    site = make_site({"content/vi/a.md": page("Trang A", "Phiên bản một."),
                      "content/en/a.md": page("Page A", "Version one.")})
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for_port(port, proc)
    yield site, port, proc
    proc.terminate()
    proc.wait(timeout=20)


class Reloads:
    """A livereload client: does the handshake, then counts reload commands."""

    def __init__(self, port: int) -> None:
        self.loop = asyncio.new_event_loop()

        async def connect():  # type: ignore[no-untyped-def]
            return await websocket_connect(f"ws://127.0.0.1:{port}/livereload")

        self.conn = self.loop.run_until_complete(connect())
        self.send({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]})
        assert self.receive(5)["command"] == "hello"
        self.send({"command": "info", "url": f"http://127.0.0.1:{port}/vi/a/"})

    def send(self, message: dict[str, object]) -> None:
        async def write() -> None:
            await self.conn.write_message(json.dumps(message))

        self.loop.run_until_complete(write())

    def receive(self, timeout: float) -> dict[str, object]:
        async def read() -> str | bytes | None:
            return await asyncio.wait_for(self.conn.read_message(), timeout)

        text = self.loop.run_until_complete(read())
        assert text is not None, "the websocket closed"
        return json.loads(text)

    def wait_reload(self, timeout: float = 15) -> None:
        assert self.receive(timeout)["command"] == "reload"

    def close(self) -> None:
        self.conn.close()
        self.loop.close()

    def __enter__(self) -> Reloads:
        time.sleep(0.3)  # let the server register this client before the first edit
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_edit_is_served_and_browser_told_to_reload(server):
    site, port, _ = server
    assert "Phiên bản một." in get(port, "/vi/a/")[1]
    with Reloads(port) as reloads:
        (site / "content/vi/a.md").write_text(page("Trang A", "Phiên bản hai."))
        reloads.wait_reload()
        status, body = get(port, "/vi/a/")
        assert status == 200 and "Phiên bản hai." in body
        assert "livereload.js" in body  # the page carries the reload client


def test_a_page_in_a_new_folder_and_a_moved_page_are_served(server):
    """Folders that appear and files renamed into place (as editors save) are seen too."""
    site, port, _ = server
    with Reloads(port) as reloads:
        folder = site / "content/vi/moi"
        folder.mkdir()
        (folder / "b.md").write_text(page("Trang B", "Trang mới."))
        reloads.wait_reload()
        assert "Trang mới." in get(port, "/vi/moi/b/")[1]
        (site / "content/vi/.a.md.tmp").write_text(page("Trang A", "Lưu kiểu đổi tên."))
        (site / "content/vi/.a.md.tmp").rename(site / "content/vi/a.md")
        reloads.wait_reload()
        assert "Lưu kiểu đổi tên." in get(port, "/vi/a/")[1]


def test_broken_file_shows_overlay_keeps_last_good_page_and_fix_clears_it(server):
    site, port, _ = server
    with Reloads(port) as reloads:
        (site / "content/vi/a.md").write_text("---\ntitle: Trang A\nPhiên bản hỏng.\n")
        reloads.wait_reload()
        status, body = get(port, "/vi/a/")
        assert status == 200 and "Phiên bản một." in body
        assert 'id="sitegen-error"' in body and "a.md:1:1: front matter not closed" in body
        (site / "content/vi/a.md").write_text(page("Trang A", "Đã sửa."))
        reloads.wait_reload()
        status, body = get(port, "/vi/a/")
        assert "Đã sửa." in body and 'id="sitegen-error"' not in body


def test_parent_paths_are_refused(server):
    _, port, _ = server
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/vi/..%2f..%2f..%2fetc/passwd"):
        status, body = get(port, path)
        assert status == 404 and "root:" not in body, path


def test_unknown_page_is_a_404_in_its_language(server):
    _, port, _ = server
    status, body = get(port, "/en/nothing-here/")
    assert status == 404 and '<html lang="en">' in body


def test_listens_on_loopback_only(server):
    _, port, _ = server
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.rsplit(":", 1)
            if int(hexport, 16) == port and state == "0A":
                listening.append(address)
    assert listening and all(a == "0100007F" for a in listening), listening


def test_a_brochure_page_edit_reloads_at_once_and_again_when_printed_apart(make_site, tmp_path):
    """The rebuild does not print: the browser reloads with the old PDF, the server answers while another
    process prints, and the brochure and the page that links it follow with a second reload."""
    from test_brochure import need_weasyprint, pdftotext, small_site

    need_weasyprint()
    site = small_site(make_site)
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, proc, seconds=120)
        pdf = site / "output/en/investor.pdf"
        old = pdf.read_bytes()
        with Reloads(port) as reloads:
            (site / "content/en/invest.md").write_text(page(
                "Invest", " ".join(f"Zone {i}: {i * 7 % 90}% for {i + 3} years." for i in range(80)),
                translation_key="invest", date="2025-03-01"), encoding="utf-8")
            reloads.wait_reload()
            assert "Zone 79" in get(port, "/en/invest/")[1]
            assert pdf.read_bytes() == old  # the rebuild left the print to another process
            assert get(port, "/en/")[0] == 200  # the server answers meanwhile
            reloads.wait_reload(60)
        assert "Zone 79" in pdftotext(pdf)
        size = round(len(pdf.read_bytes()) / 1000)
        assert size != round(len(old) / 1000) and f"PDF, {size} kB" in get(port, "/en/")[1], log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
