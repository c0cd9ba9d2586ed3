"""sitegen deploy to a git branch (GitHub Pages), against real repositories: a bare one beside the site, and
the site's own repository, whose working tree, index and current branch must stay as they were."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import SITE_YAML, build, need, page, run, tree_digest, write_files
from generator.deploy import DeployOptions, DeployResult, deploy
from generator.deploy.git import cname, parse_name_status
from generator.deploy.plan import output_paths


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def site(make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A built site in a git repository on branch main, with targets `pages` (a bare repository beside it)
    and `self` (its own repository's gh-pages branch)."""
    need("git", "the git deploy tests commit to real repositories")
    for key, value in (("GIT_AUTHOR_NAME", "Test"), ("GIT_AUTHOR_EMAIL", "test@example.org"),
                       ("GIT_COMMITTER_NAME", "Test"), ("GIT_COMMITTER_EMAIL", "test@example.org")):
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "pages.git")], check=True)
    yaml = SITE_YAML.replace("https://example.org/", "https://thaibinh.example.org/") + (
        "deploy:\n  - {name: pages, url: 'git:../pages.git'}\n  - {name: self, url: 'git:.', branch: gh-pages}\n")
    root = make_site({"content/en/news/_index.md": page("News"),
                      **{f"content/en/news/p{i}.md": page(f"Story {i}", "Text.", date=f"2025-01-0{i + 1}")
                         for i in range(3)},
                      "static/files/report [2025]*.csv": "a,b\n"}, site_yaml=yaml)
    (root / ".gitignore").write_text("output/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "the site")
    assert build(root).exit_code == 0
    return root


def go(root: Path, target: str = "pages", **kwargs: object) -> DeployResult:
    return deploy(DeployOptions(site=root, target=target, **kwargs))  # type: ignore[arg-type]


def branch_files(repo: Path, branch: str = "gh-pages") -> dict[str, str]:
    """Every file of the branch's tree with its blob id."""
    lines = git(repo, "ls-tree", "-r", branch).splitlines()
    return {line.split("\t", 1)[1]: line.split()[2] for line in lines}


def expected(root: Path) -> set[str]:
    return {*output_paths(root / "output", frozenset()), ".nojekyll", "CNAME"}


def test_output_is_committed_to_the_branch_once_per_change(site: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages.git"
    first = go(site)
    assert set(first.sent) == set(branch_files(pages)) == expected(site)
    assert git(pages, "show", "gh-pages:CNAME") == "thaibinh.example.org"
    assert git(pages, "show", "gh-pages:en/index.html") == (site / "output/en/index.html").read_text().strip()
    assert not any(p.endswith((".gz", ".br")) or p == ".sitegen" for p in branch_files(pages))
    assert any((site / "output" / (p + ".br")).is_file() for p in branch_files(pages))  # (there to leave out)
    assert git(pages, "show", "gh-pages:files/report [2025]*.csv") == "a,b"  # names are not patterns
    head = git(pages, "rev-parse", "gh-pages")
    assert go(site).sent == [] and git(pages, "rev-parse", "gh-pages") == head  # no commit when nothing changed
    before = branch_files(pages)
    (site / "content/en/news/p0.md").unlink()
    write_files(site, {"content/en/news/p1.md": page("Story 1, revised", "New.", date="2025-01-02")})
    assert build(site).exit_code == 0
    result = go(site)
    after = branch_files(pages)
    assert result.sent == sorted(p for p in after if before.get(p) != after[p])
    assert "en/news/p1/index.html" in result.sent and "en/news/index.html" in result.sent
    assert result.deleted == sorted(set(before) - set(after)) and "en/news/p0/index.html" in result.deleted
    assert git(pages, "rev-list", "--count", "gh-pages") == "2"
    assert git(pages, "rev-parse", "gh-pages~1") == head


def test_the_sites_own_repository_is_left_as_it_was(site: Path) -> None:
    write_files(site, {"content/en/draft.md": page("Unsaved work")})  # untracked, and a change to a tracked file:
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "# edited\n")
    state = (git(site, "symbolic-ref", "HEAD"), git(site, "rev-parse", "HEAD"), git(site, "status", "--porcelain"),
             git(site, "ls-files", "--stage"), tree_digest(site / "content"))
    result = run("deploy", "self", "--site", site)
    assert result.exit_code == 0, result.output
    assert set(branch_files(site)) == expected(site)
    assert state == (git(site, "symbolic-ref", "HEAD"), git(site, "rev-parse", "HEAD"),
                     git(site, "status", "--porcelain"), git(site, "ls-files", "--stage"), tree_digest(site / "content"))


def test_dry_run_and_max_deletes_commit_nothing(site: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages.git"
    dry = run("deploy", "--site", site, "--dry-run")
    assert dry.exit_code == 0 and "would send .nojekyll" in dry.output
    assert git(pages, "for-each-ref") == ""
    go(site)
    head = git(pages, "rev-parse", "gh-pages")
    for i in range(3):
        (site / f"content/en/news/p{i}.md").unlink()
    assert build(site).exit_code == 0
    assert run("deploy", "--site", site, "--dry-run").exit_code == 0
    refused = run("deploy", "--site", site, "--max-deletes", "1")
    assert refused.exit_code == 1 and "deploy pages: would delete" in refused.output
    assert git(pages, "rev-parse", "gh-pages") == head


def test_a_missing_repository_is_one_clear_line(site: Path) -> None:
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("../pages.git", "../nothing.git"))
    result = run("deploy", "--site", site)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "deploy pages: no git repository at" in result.output and "create it (git init --bare)" in result.output


def test_cname_and_name_status(tmp_path: Path) -> None:
    from generator.config import load_config

    write_files(tmp_path, {"site.yaml": SITE_YAML.replace("https://example.org/", "https://me.github.io/site/")})
    assert cname(load_config(tmp_path)) is None
    write_files(tmp_path, {"site.yaml": SITE_YAML})
    assert cname(load_config(tmp_path)) == "example.org"
    assert parse_name_status("M\0a.html\0D\0b.html\0A\0c d.html\0") == (["a.html", "c d.html"], ["b.html"])
