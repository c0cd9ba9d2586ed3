"""sitegen deploy over SSH, against OpenSSH's sshd started on 127.0.0.1 with a throwaway host key and user key,
and rsync: a release folder and a symbolic link switched at once, or a folder updated in place."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import SITE_YAML, build, free_port, need, page, run, tree_digest, wait_for_port, write_files
from generator.deploy import DeployOptions, DeployResult, deploy
from generator.deploy.ssh import parse_itemized


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running sshd that lets this user in with a key made here; yields the SITEGEN_SSH command."""
    for tool in ("ssh", "ssh-keygen", "rsync"):
        need(tool, "the SSH deploy tests start sshd and rsync to it")
    sshd_bin = shutil.which("sshd") or shutil.which("sshd", path="/usr/sbin:/usr/local/sbin")
    if sshd_bin is None:
        need("sshd", "the SSH deploy tests start OpenSSH's server (openssh-server)")
    assert sshd_bin is not None
    work = tmp_path_factory.mktemp("sshd")
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)], check=True)
    shutil.copy(work / "user.pub", work / "authorized_keys")
    port = free_port()
    (work / "sshd_config").write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {work / 'host'}
AuthorizedKeysFile {work / 'authorized_keys'}
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
""")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
    host_key = (work / "host.pub").read_text().split()
    (work / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    log = (work / "sshd.log").open("w")
    proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(work / "sshd_config")], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        yield (f"ssh -F /dev/null -i {work / 'user'} -o UserKnownHostsFile={work / 'known_hosts'} "
               f"-o StrictHostKeyChecking=yes -p {port}")
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def news(n: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"content/en/news/_index.md": page("News")}
    for i in range(n):
        files[f"content/en/news/p{i}.md"] = page(f"Story {i}", f"Text {i}.", date=f"2025-01-{i + 1:02d}")
    return files


@pytest.fixture
def site(make_site: Callable[..., Path], sshd: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A built site with targets `mirror` (tmp_path/srv/site, new: released by link) and `inplace`
    (tmp_path/srv/plain, an existing folder)."""
    monkeypatch.setenv("SITEGEN_SSH", sshd)
    user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    srv = tmp_path / "srv"
    (srv / "plain").mkdir(parents=True)
    yaml = SITE_YAML + ("deploy:\n"
                        f"  - {{name: mirror, url: 'ssh://{user}@127.0.0.1{srv}/site'}}\n"
                        f"  - {{name: inplace, url: 'ssh://{user}@127.0.0.1{srv}/plain'}}\n")
    root = make_site(news(3), site_yaml=yaml)
    assert build(root).exit_code == 0
    return root


def go(root: Path, target: str = "mirror", **kwargs: object) -> DeployResult:
    return deploy(DeployOptions(site=root, target=target, **kwargs))  # type: ignore[arg-type]


def published(root: Path) -> dict[str, str]:
    """What a visitor gets: the built output less the build's marker."""
    digest = tree_digest(root / "output")
    digest.pop(".sitegen")
    return digest


def rebuild(root: Path, files: dict[str, str | bytes]) -> None:
    write_files(root, files)
    assert build(root).exit_code == 0


def test_releases_are_switched_by_a_link(site: Path, tmp_path: Path) -> None:
    live = tmp_path / "srv/site"
    first = go(site)
    assert sorted(first.sent) == sorted(published(site)) and first.deleted == []
    assert live.is_symlink() and tree_digest(live) == published(site)
    release = live.resolve()
    again = go(site)
    assert again.sent == [] and again.deleted == [] and live.resolve() == release
    before = published(site)
    (site / "content/en/news/p0.md").unlink()
    rebuild(site, {"content/en/news/p1.md": page("Story 1, revised", "New.", date="2025-01-02")})
    changed = sorted(p for p, h in published(site).items() if before.get(p) != h)
    result = go(site)
    assert result.sent == changed and "en/news/p1/index.html" in changed and "en/news/index.html" in changed
    assert result.deleted == sorted(set(before) - set(published(site))) and "en/news/p0/index.html" in result.deleted
    assert live.resolve() != release and tree_digest(live) == published(site)
    assert os.readlink(live).startswith(".site.releases/")  # relative, so the folder can be moved
    unchanged = "robots.txt"
    assert os.stat(live / unchanged).st_ino == os.stat(release / unchanged).st_ino  # hard-linked, not sent


def test_a_folder_is_updated_in_place(site: Path, tmp_path: Path) -> None:
    plain = tmp_path / "srv/plain"
    (plain / "old.html").write_text("gone")
    dry = run("deploy", "inplace", "--site", site, "--dry-run")
    assert dry.exit_code == 0 and "would delete old.html" in dry.output and "would send en/index.html" in dry.output
    assert [p.name for p in plain.iterdir()] == ["old.html"]
    result = go(site, "inplace")
    assert result.deleted == ["old.html"] and not plain.is_symlink() and tree_digest(plain) == published(site)
    assert go(site, "inplace").sent == []


def test_dry_run_and_max_deletes_change_nothing(site: Path, tmp_path: Path) -> None:
    live = tmp_path / "srv/site"
    assert run("deploy", "--site", site, "--dry-run").exit_code == 0 and not live.exists()
    go(site)
    snapshot = tree_digest(live)
    for i in range(3):
        (site / f"content/en/news/p{i}.md").unlink()
    rebuild(site, {})
    refused = run("deploy", "--site", site, "--max-deletes", "3")
    assert refused.exit_code == 1, refused.output
    assert re.search(r"deploy mirror: would delete \d+ files, more than --max-deletes 3", refused.output)
    assert tree_digest(live) == snapshot
    assert run("deploy", "--site", site, "--dry-run").exit_code == 0 and tree_digest(live) == snapshot
    assert run("deploy", "--site", site, "--yes", "--max-deletes", "3").exit_code == 0
    assert tree_digest(live) == published(site)


def test_an_unreachable_server_is_one_clear_line(site: Path, monkeypatch: pytest.MonkeyPatch, sshd: str) -> None:
    monkeypatch.setenv("SITEGEN_SSH", re.sub(r"-p \d+", f"-p {free_port()}", sshd))
    result = run("deploy", "--site", site)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert re.search(r"site\.yaml:\d+:\d+: deploy mirror: cannot connect to \S+@127\.0\.0\.1 over SSH: .*refused",
                     lines[0]), lines[0]


def test_rsync_itemized_output() -> None:
    sent, deleted = parse_itemized(">f+++++++++|en/index.html\ncd+++++++++|en/news/\n.f..t......|a.css\n"
                                   "*deleting  |old/\n*deleting  |old/x.html\n>fcsT......|b c.html\n")
    assert sent == ["b c.html", "en/index.html"] and deleted == ["old/x.html"]
