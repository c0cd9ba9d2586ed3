"""`sitegen deploy`: publish the built `output/` to a target named in site.yaml (S3, SSH or a git branch)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import Config, DeployTarget, load_config
from generator.errors import SitegenError, error
from generator.writer import MARKER

DEFAULT_MAX_DELETES = 256


@dataclass(frozen=True)
class DeployOptions:
    """What `sitegen deploy` was asked: the site, the target (the first when None) and the safety limits."""

    site: Path
    target: str | None = None
    output: Path | None = None
    dry_run: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    yes: bool = False
    progress: bool = False
    jobs: int = 16


@dataclass
class DeployResult:
    """What a deploy sent and deleted (or, with --dry-run, would have), and what it leaves to the editor."""

    target: DeployTarget
    sent: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0


def target_error(config: Config, target: DeployTarget, message: str) -> SitegenError:
    """A one-line error located at the target's entry in site.yaml."""
    return error(config.source_file, f"deploy {target.name}: {message}", target.line, target.col)


def choose(config: Config, name: str | None) -> DeployTarget:
    """The target called `name`, or the first one."""
    if not config.deploy:
        raise error(config.source_file, "no deploy targets: add e.g. deploy: [{name: prod, url: 's3://bucket'}] "
                    "(see README, Deploying)")
    if name is None:
        return config.deploy[0]
    for target in config.deploy:
        if target.name == name:
            return target
    known = ", ".join(t.name for t in config.deploy)
    raise error(config.source_file, f"no deploy target {name!r} (known: {known})", config.deploy[0].line, 1)


def refuse_deletes(config: Config, target: DeployTarget, count: int, options: DeployOptions) -> None:
    """Stop before anything changes when more than --max-deletes files would be deleted without --yes."""
    if count > options.max_deletes and not options.yes and not options.dry_run:
        raise target_error(config, target, f"would delete {count} files, more than --max-deletes "
                           f"{options.max_deletes}; nothing was changed: check with --dry-run, then run again "
                           "with --yes (or a higher --max-deletes)")


def deploy(options: DeployOptions) -> DeployResult:
    """Publish the site's output folder to one target."""
    started = time.perf_counter()
    config = load_config(options.site.resolve())
    target = choose(config, options.target)
    output = (options.output or config.root / "output").resolve()
    if not (output / MARKER).is_file():
        raise error(output, f"no built site here (no {MARKER} file): run sitegen build first")
    if target.kind == "s3":
        from generator.deploy.s3 import deploy_s3

        result = deploy_s3(config, target, output, options)
    elif target.kind == "ssh":
        from generator.deploy.ssh import deploy_ssh

        result = deploy_ssh(config, target, output, options)
    else:
        from generator.deploy.git import deploy_git

        result = deploy_git(config, target, output, options)
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["DeployOptions", "DeployResult", "choose", "deploy", "refuse_deletes", "target_error"]
