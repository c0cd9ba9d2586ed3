"""Progress for long commands: a rich bar on a terminal, plain lines elsewhere (CI, pipes)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def interactive() -> bool:
    return sys.stderr.isatty()


def track(items: Iterable[T], total: int, description: str, enabled: bool = True) -> Iterator[T]:
    """Yield `items`, showing progress: a bar on a terminal, a start and an end line otherwise."""
    if not enabled:
        yield from items
        return
    if interactive():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(description, total=total)
            for item in items:
                yield item
                bar.advance(task)
        return
    print(f"{description}…", file=sys.stderr, flush=True)  # the total is only an estimate
    count = 0
    for item in items:
        count += 1
        yield item
    print(f"{description}: done ({count} files).", file=sys.stderr, flush=True)
