"""Profile values as the steps read them."""

from __future__ import annotations

from typing import Any


def pget(ctx: Any, path: str, default: Any = None) -> Any:
    """The profile value at a dotted path; `default` when absent or null (or when the
    profile object has no .get)."""
    getter = getattr(ctx.profile, "get", None)
    value = getter(path, default) if callable(getter) else default
    return default if value is None else value
