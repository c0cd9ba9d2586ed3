"""Deploy to a git branch (GitHub Pages and the like): one commit of `output/` plus `.nojekyll` and `CNAME`.

Everything happens in a temporary bare repository with git's plumbing (`add` into a private index,
`write-tree`, `commit-tree`, `push`): the site's working tree, index and current branch are never touched.
No commit is made when the tree is the branch's tree already.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from generator.config import Config, DeployTarget
from generator.deploy import DeployOptions, DeployResult, refuse_deletes, target_error
from generator.deploy.plan import output_paths

KEEP_ENV = ("GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_TERMINAL_PROMPT")


def remote_of(config: Config, target: DeployTarget) -> tuple[str, bool]:
    """The repository to push to (a local path resolved from the site's folder) and whether it is local."""
    where = target.url[len("git:"):].strip()
    if "://" in where or (":" in where and not Path(where).exists() and "/" not in where.split(":")[0]):
        return where, False  # https://…, ssh://…, git@github.com:owner/repo.git
    return str((config.root / where).resolve()), True


def cname(config: Config) -> str | None:
    """The custom domain for GitHub Pages' CNAME file: base_url's host, unless it is a github.io address."""
    host = urlsplit(config.base_url).hostname or ""
    return None if not host or host.endswith(".github.io") else host


def parse_name_status(text: str) -> tuple[list[str], list[str]]:
    """Files added or changed, and deleted, from `git diff-tree -r --name-status -z` output."""
    fields = text.split("\0")
    sent: list[str] = []
    deleted: list[str] = []
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        (deleted if status.startswith("D") else sent).append(path)
    return sorted(sent), sorted(deleted)


class Git:
    """git commands on a private bare repository and index, in an environment free of the caller's GIT_DIR."""

    def __init__(self, config: Config, target: DeployTarget, tmp: Path) -> None:
        self.config, self.target = config, target
        self.repo, self.index = tmp / "repo.git", tmp / "index"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in KEEP_ENV}
        self.env.update(GIT_INDEX_FILE=str(self.index), GIT_TERMINAL_PROMPT="0", GIT_LITERAL_PATHSPECS="1")

    def error(self, message: str) -> Exception:
        return target_error(self.config, self.target, message)

    def __call__(self, *args: str, what: str, stdin: str | None = None, work_tree: Path | None = None) -> str:
        cmd = ["git", f"--git-dir={self.repo}", "-c", "core.excludesFile=/dev/null", "-c", "core.autocrlf=false"]
        if work_tree is not None:
            cmd.append(f"--work-tree={work_tree}")
        try:
            proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=self.env, input=stdin,
                                  timeout=3600)
        except FileNotFoundError:
            raise self.error("git is not installed here") from None
        if proc.returncode:
            lines = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("hint:")]
            raise self.error(f"could not {what}: {lines[-1].strip() if lines else f'git exit {proc.returncode}'}")
        return proc.stdout.strip()


def deploy_git(config: Config, target: DeployTarget, output: Path, options: DeployOptions) -> DeployResult:
    """Commit `output` onto the target's branch and push it, unless nothing changed."""
    remote, local = remote_of(config, target)
    if local and not Path(remote).exists():
        raise target_error(config, target, f"no git repository at {remote}; create it (git init --bare) first")
    ref = f"refs/heads/{target.branch}"
    with tempfile.TemporaryDirectory(prefix="sitegen-deploy-") as tmp:
        git = Git(config, target, Path(tmp))
        try:
            subprocess.run(["git", "init", "-q", "--bare", str(git.repo)], check=True, env=git.env,
                           capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise target_error(config, target, f"git could not make a temporary repository: {exc}") from None
        listed = git("ls-remote", remote, ref, what=f"reach the repository {remote}")
        parent = listed.split()[0] if listed else None
        parent_tree = None
        if parent:
            git("fetch", "-q", *([] if local else ["--depth=1"]), remote, ref, what=f"fetch {target.branch}")
            parent_tree = git("rev-parse", f"{parent}^{{tree}}", what="read the branch's tree")
        paths = output_paths(output, frozenset())
        git("add", "-f", "--pathspec-from-file=-", "--pathspec-file-nul", what="add output/", work_tree=output,
            stdin="\0".join(paths))
        extras = {".nojekyll": ""}
        domain = cname(config)
        if domain:
            extras["CNAME"] = domain + "\n"
        for name, text in extras.items():
            blob = git("hash-object", "-w", "--stdin", what=f"write {name}", stdin=text)
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", what=f"add {name}")
        tree = git("write-tree", what="write the tree")
        files = [p for p in git("ls-tree", "-r", "-z", "--name-only", tree, what="list the tree").split("\0") if p]
        if parent_tree is not None:
            sent, deleted = parse_name_status(git("diff-tree", "-r", "-z", "--no-renames", "--name-status",
                                                  parent_tree, tree, what="compare with the branch"))
        else:
            sent, deleted = sorted(files), []
        total = len(files)
        result = DeployResult(target, sent, deleted, total - len(sent), dry_run=options.dry_run)
        refuse_deletes(config, target, len(deleted), options)
        if options.dry_run or tree == parent_tree:
            return result
        identity = {} if _configured() else {"GIT_AUTHOR_NAME": "sitegen", "GIT_AUTHOR_EMAIL": "sitegen@localhost"}
        for key, value in identity.items():
            git.env.setdefault(key, value)
            git.env.setdefault(key.replace("AUTHOR", "COMMITTER"), value)
        message = f"sitegen deploy: {len(sent)} file(s) added or changed, {len(deleted)} deleted"
        commit = git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message,
                     what="make the commit")
        git("push", "-q", remote, f"{commit}:{ref}", what=f"push to {target.branch} (run again if someone else "
            "pushed meanwhile)")
        result.notes.append(f"{target.branch} is now {commit[:12]} in {remote}")
        return result


def _configured() -> bool:
    """Whether git knows who commits (user.name and user.email in the user's or system's config)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in KEEP_ENV}
    if env.get("GIT_AUTHOR_NAME") and env.get("GIT_AUTHOR_EMAIL"):
        return True
    checks = [subprocess.run(["git", "config", "--global", "--get", key], capture_output=True, env=env)
              for key in ("user.name", "user.email")]
    return all(c.returncode == 0 for c in checks)
