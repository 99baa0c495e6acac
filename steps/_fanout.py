"""Fan-out inside a step: one function over many accounts (or regions) at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bootstrap_tui.aws import fan_out


def parallel(items: list[Any], fn: Callable[[Any], Any], workers: int = 8) -> list[Any]:
    """fn over items concurrently; results in order. Every call finishes; then the first
    exception (in item order) is re-raised."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    results = [result for _item, result in fan_out(items, fn, max_workers=workers)]
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
