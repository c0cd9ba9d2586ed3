"""Spread independent work over all cores with forked worker processes.

Workers are forked after the parent has built the site model, so they inherit it instead of having it
pickled; only the chunk of keys goes out and only the results come back. Results keep input order, so
output does not depend on scheduling. Forking while other threads run can deadlock a child (a lock held by
another thread is copied locked), so then the work runs in this process instead: under `sitegen serve`,
whose file watcher and web server are threads, a rebuild is serial.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STATE: dict[str, Any] = {}
MIN_ITEMS = 64  # below this, forking costs more than it saves


def workers() -> int:
    """How many processes to use: SITEGEN_JOBS if set, else the cores this process may run on."""
    env = os.environ.get("SITEGEN_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True when worker processes may be forked: the platform forks and no other thread is running."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _run(func: Callable[[dict[str, Any], Sequence[T]], list[R]], chunk: Sequence[T]) -> list[R]:
    return func(_STATE, chunk)


def map_chunks(func: Callable[[dict[str, Any], Sequence[T]], list[R]], items: Sequence[T],
               state: dict[str, Any]) -> list[R]:
    """`func(state, chunk)` over chunks of `items`, in worker processes when that pays; results in order."""
    return list(iter_chunks(func, items, state))


def iter_chunks(func: Callable[[dict[str, Any], Sequence[T]], list[R]], items: Sequence[T],
                state: dict[str, Any], weight: Callable[[T], int] | None = None) -> Generator[R, None, None]:
    """Like `map_chunks`, but yield results as their chunks arrive, so they need not all fit in memory.
    With `weight` (an item's cost, in typical items), chunks hold about equal work: an item of weight 50
    gets a chunk of its own."""
    jobs = workers()
    if jobs < 2 or len(items) < MIN_ITEMS or not can_fork():
        for i in range(0, len(items), 64):
            yield from func(state, items[i:i + 64])
        return
    _STATE.clear()
    _STATE.update(state)
    chunks = _chunks(items, jobs, weight)
    gc.freeze()  # workers' collections then skip the inherited heap, which stays shared, not copied
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        pending = [pool.submit(_run, func, chunk) for chunk in chunks[: jobs * 4]]
        following = iter(chunks[jobs * 4:])
        while pending:  # a bounded window of chunks in flight, consumed in order
            part = pending.pop(0).result()
            nxt = next(following, None)
            if nxt is not None:
                pending.append(pool.submit(_run, func, nxt))
            yield from part
    finally:  # also when the consumer stops early: no worker is left running
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()
        _STATE.clear()


def _chunks(items: Sequence[T], jobs: int, weight: Callable[[T], int] | None) -> list[Sequence[T]]:
    """Consecutive chunks of `items`, about eight per worker, each at most 64 items' worth of work or a
    single heavier item."""
    costs = [max(1, weight(item)) for item in items] if weight is not None else [1] * len(items)
    size = max(8, min(64, sum(costs) // (jobs * 8)))
    chunks: list[Sequence[T]] = []
    start = load = 0
    for i, cost in enumerate(costs):
        if load and load + cost > size:  # a heavy item starts a chunk rather than overfilling one
            chunks.append(items[start:i])
            start, load = i, 0
        load += cost
    if start < len(items):
        chunks.append(items[start:])
    return chunks


def outlive(work: Callable[[], None]) -> bool:
    """Run `work` in a forked process that outlives this one, quiet (its standard streams on /dev/null), and
    return True; False, having done nothing, where forking is not safe (`can_fork`)."""
    if not can_fork():
        return False
    if os.fork() != 0:
        return True
    try:  # the child: quiet, and gone when done
        devnull = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(devnull, std)
        work()
    finally:
        os._exit(0)
