"""Run one function over many tasks (accounts x regions) on a bounded thread pool."""

from __future__ import annotations

import contextvars
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar
from collections.abc import Callable, Iterable, Sequence

T = TypeVar("T")
R = TypeVar("R")


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
    """
    items = list(tasks)
    results: list[Any] = [None] * len(items)
    if not items:
        return []
    pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="fan-out")
    index: dict[Future[Any], int] = {}
    try:
        for i, task in enumerate(items):
            index[pool.submit(contextvars.copy_context().run, fn, task)] = i
        pending = set(index)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=index.__getitem__):
                i = index[future]
                error = future.exception()
                results[i] = error if error is not None else future.result()
                if on_result is not None:
                    on_result(items[i], results[i])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return list(zip(items, results, strict=True))


def account_tasks(
    factory: Any, accounts: Sequence[str] | None, regions: Sequence[str] | None
) -> list[tuple[str, str]]:
    """Every (account, region) pair; no accounts means the caller's own, no regions the home one."""
    accounts = list(accounts or [factory.caller_account])
    regions = list(regions or [factory.region])
    return [(account, region) for account in accounts for region in regions]
