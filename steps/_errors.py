"""AWS errors in the steps: a failure's error code, and a default for expected codes.

`error_code` and `is_not_found` live in bootstrap_tui.aws (the engine reads codes too);
they are named here so a step finds every error helper in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bootstrap_tui.aws import error_code, is_not_found

__all__ = ["call_or", "error_code", "is_not_found"]


def call_or(default: Any, fn: Callable[[], Any], *codes: str) -> Any:
    """fn() or `default` when it fails with one of the given error codes."""
    try:
        return fn()
    except Exception as exc:
        if error_code(exc) in codes:
            return default
        raise
