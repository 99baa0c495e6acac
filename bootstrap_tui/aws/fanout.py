"""Run one function over many tasks (accounts x regions) on a bounded thread pool."""

from __future__ import annotations

import contextvars
import queue
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar
from collections.abc import Callable, Iterable, Sequence

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")
_AHEAD = 2  # tasks queued per worker beyond the running ones


def fan_out(
    tasks: Iterable[T],
    fn: Callable[[T], R],
    *,
    max_workers: int = 16,
    on_result: Callable[[T, R | BaseException], None] | None = None,
) -> list[tuple[T, R | BaseException]]:
    """Call `fn(task)` for every task with at most `max_workers` running at once.

    An exception is captured as that task's result and never stops the others.
    `on_result(task, result)` runs in the caller's thread as each task completes
    (so it may update UI state or a shared list without locking); the returned
    list is in task order. KeyboardInterrupt (or an exception raised by
    `on_result`) cancels the work not yet started and is re-raised.

    Tasks are handed to the pool a few at a time, in order, and finished ones come back
    through a queue: the cost per task stays constant however many there are (waiting on
    every pending future at once costs time in proportion to their number, for each one
    that finishes).
    """
    items = list(tasks)
    results: list[Any] = [None] * len(items)
    if not items:
        return []
    workers = max(1, max_workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fan-out")
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    window = workers * _AHEAD
    submitted = 0

    def submit(i: int) -> None:
        future = pool.submit(contextvars.copy_context().run, fn, items[i])

        def done(future: Future[Any]) -> None:
            if future.cancelled():
                return  # interrupted: nobody is waiting for it any more
            error = future.exception()
            results[i] = error if error is not None else future.result()
            finished.put(i)

        future.add_done_callback(done)

    try:
        for _ in range(min(window, len(items))):
            submit(submitted)
            submitted += 1
        for _ in range(len(items)):
            i = finished.get()
            if submitted < len(items):
                submit(submitted)
                submitted += 1
            if on_result is not None:
                on_result(items[i], results[i])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return list(zip(items, results, strict=True))


def in_waves(tasks: Sequence[T], key: Callable[[T], K], size: int) -> list[T]:
    """``tasks`` reordered so that their keys (accounts) come ``size`` at a time, in the order
    each key first appears, every task of a wave before the next wave's; the order within a
    wave is kept (so the calls of one check still go to ``size`` accounts at once)."""
    waves: dict[K, int] = {}
    for task in tasks:
        waves.setdefault(key(task), len(waves) // max(1, size))
    ordered = sorted(range(len(tasks)), key=lambda i: (waves[key(tasks[i])], i))
    return [tasks[i] for i in ordered]


def account_tasks(
    factory: Any, accounts: Sequence[str] | None, regions: Sequence[str] | None
) -> list[tuple[str, str]]:
    """Every (account, region) pair; no accounts means the caller's own, no regions the home one."""
    accounts = list(accounts or [factory.caller_account])
    regions = list(regions or [factory.region])
    return [(account, region) for account in accounts for region in regions]
