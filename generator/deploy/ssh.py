"""Deploy to a server over SSH with rsync: checksums decide what is sent, deletions come after the transfer.

Where the site's folder on the server is a symbolic link (or does not exist yet), each deploy uploads into a
new release folder beside it (unchanged files hard-linked from the current one) and then switches the link
with one rename, so visitors see the old site or the new one, never a mix. A real folder is updated in place.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import shlex
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.config import Config, DeployTarget
from generator.deploy import DeployOptions, DeployResult, refuse_deletes, target_error
from generator.writer import MARKER

KEEP_RELEASES = 3


def parse_itemized(lines: str) -> tuple[list[str], list[str]]:
    """The files sent and deleted, from rsync's `--out-format=%i|%n` lines (folders and attributes left out)."""
    sent, deleted = [], []
    for line in lines.splitlines():
        item, _, name = line.partition("|")
        if item.startswith("*deleting") and not name.endswith("/"):
            deleted.append(name)
        elif item.startswith((">f", "<f")):
            sent.append(name)
    return sorted(sent), sorted(deleted)


class Server:
    """One `ssh://[user@]host[:port]/path` target: the ssh command, the remote shell and rsync."""

    def __init__(self, config: Config, target: DeployTarget) -> None:
        parts = urlsplit(target.url)
        self.config, self.target = config, target
        self.dest = (f"{unquote(parts.username)}@" if parts.username else "") + str(parts.hostname)
        self.path = posixpath.normpath(unquote(parts.path))
        # SITEGEN_SSH chooses the ssh command and its options, e.g. "ssh -i ~/.ssh/deploy_key"
        self.ssh = [*shlex.split(os.environ.get("SITEGEN_SSH", "ssh")), "-o", "BatchMode=yes"]
        if parts.port:
            self.ssh += ["-p", str(parts.port)]

    def error(self, message: str) -> Exception:
        return target_error(self.config, self.target, message)

    def shell(self, script: str, what: str) -> str:
        """Run `script` with the server's sh; its output, or a located error."""
        proc = self._run([*self.ssh, self.dest, "sh -c " + shlex.quote(script)])
        if proc.returncode == 255:
            raise self.error(f"cannot connect to {self.dest} over SSH: {_last(proc.stderr)}")
        if proc.returncode:
            raise self.error(f"could not {what} on {self.dest}: {_last(proc.stderr) or f'exit {proc.returncode}'}")
        return proc.stdout

    def rsync(self, output: Path, folder: str, *extra: str) -> str:
        """rsync `output/` to `folder` on the server with checksums; the itemized changes."""
        args = ["rsync", "-rlpt", "--chmod=D755,F644", "--checksum", "--out-format=%i|%n",
                f"--exclude=/{MARKER}", "-e", shlex.join(self.ssh), *extra,
                f"{output}/", f"{self.dest}:{shlex.quote(folder)}/"]
        proc = self._run(args)
        if proc.returncode == 255:
            raise self.error(f"cannot connect to {self.dest} over SSH: {_last(proc.stderr)}")
        if proc.returncode:
            raise self.error(f"rsync to {self.dest}:{folder} failed (exit {proc.returncode}): {_last(proc.stderr)}")
        return proc.stdout

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=3600, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise self.error(f"{args[0]} is not installed here (sitegen deploys over SSH with ssh and rsync)") \
                from None
        except subprocess.TimeoutExpired:
            raise self.error(f"{args[0]} to {self.dest} took more than an hour; stopped") from None


def _last(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("Warning:")]
    return lines[-1] if lines else ""


def deploy_ssh(config: Config, target: DeployTarget, output: Path, options: DeployOptions) -> DeployResult:
    """rsync `output` to the server: into a new release and a switched link, or into the folder in place."""
    server = Server(config, target)
    p = shlex.quote(server.path)
    state = server.shell(f"command -v rsync >/dev/null || echo no-rsync; if [ -L {p} ]; then echo link; "
                         f"readlink {p}; elif [ -d {p} ]; then echo folder; elif [ -e {p} ]; then echo other; "
                         "else echo none; fi", "look at the site's folder").split("\n")
    if "no-rsync" in state:
        raise server.error(f"rsync is not installed on {server.dest}")
    kind = next((line for line in state if line in ("link", "folder", "other", "none")), "")
    if not kind:
        raise server.error(f"could not look at {server.path} on {server.dest}: the server's shell said "
                           f"{' '.join(state).strip()[:200]!r}")
    if kind == "other":
        raise server.error(f"{server.path} on {server.dest} is a file, not a folder")
    current = ""
    if kind == "link":
        link = state[state.index("link") + 1]
        current = link if link.startswith("/") else posixpath.join(posixpath.dirname(server.path), link)
    # What would change, against the live folder: the plan, the --max-deletes check and --dry-run's answer.
    live = server.path if kind == "folder" else current
    if live:
        sent, deleted = parse_itemized(server.rsync(output, live, "--dry-run", "--delete"))
    else:
        sent, deleted = sorted(_files(output)), []
    total = len(_files(output))
    result = DeployResult(target, sent, deleted, total - len(sent), dry_run=options.dry_run)
    refuse_deletes(config, target, len(deleted), options)
    if options.dry_run or (not sent and not deleted and kind != "none"):
        return result
    if kind == "folder":
        server.rsync(output, server.path, "--delete-after", "--delay-updates")
        result.notes.append(f"{server.path} is a folder, updated in place; make it a symbolic link to a release "
                            "folder to switch releases at once")
        return result
    releases = posixpath.join(posixpath.dirname(server.path), f".{posixpath.basename(server.path)}.releases")
    name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    new = posixpath.join(releases, name)
    server.shell(f"mkdir -p {shlex.quote(releases)}", "create the release folder")
    server.rsync(output, new, *([f"--link-dest={current}"] if current else []))
    tmp = server.path + ".sitegen-new"
    rel = posixpath.relpath(new, posixpath.dirname(server.path))
    server.shell(f"ln -sfn {shlex.quote(rel)} {shlex.quote(tmp)} && mv -T {shlex.quote(tmp)} {p}",
                 "switch the site's link to the new release")
    server.shell(f"cd {shlex.quote(releases)} && ls -1 | sort | head -n -{KEEP_RELEASES} | "
                 "while read -r old; do rm -rf -- \"$old\"; done", "remove old releases")
    result.notes.append(f"{server.path} now links to {new}")
    return result


def _files(output: Path) -> list[str]:
    return [p.relative_to(output).as_posix() for p in output.rglob("*")
            if p.is_file() and p.relative_to(output).as_posix() != MARKER]
