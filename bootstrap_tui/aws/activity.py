"""What the tool is doing when it calls AWS, and an opt-in log of the calls by activity.

``doing("check:org.all-features")`` labels every AWS call made inside it (in this thread,
and in the fan-out threads it starts, which copy the context). With
``BOOTSTRAP_TUI_CALL_LOG=FILE`` set, each distinct (activity, service, operation, kind of
account) is appended to FILE as one JSON line when the process exits: the record that
``bootstrap-tui iam-policy``'s declarations are tested against (tests/core/test_iam_policy.py).
Nothing secret is logged: no parameters, no account ids.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar

CALL_LOG_ENV = "BOOTSTRAP_TUI_CALL_LOG"
_current: ContextVar[str] = ContextVar("bootstrap_tui_activity", default="connect")
_seen: set[tuple[str, str, str, str]] = set()
_lock = threading.Lock()
_path = os.environ.get(CALL_LOG_ENV) or None


@contextlib.contextmanager
def doing(label: str) -> Iterator[None]:
    """Label the AWS calls made inside the block (``check:ID``, ``plan:STEP``, ``apply:STEP``, ``verify``)."""
    token = _current.set(label)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def note(service: str, operation: str, member: bool) -> None:
    """Remember one call (only while a call log is wanted)."""
    if _path is None:
        return
    entry = (_current.get(), service, operation, "member" if member else "management")
    if entry not in _seen:
        with _lock:
            _seen.add(entry)


def start_log(path: str | None) -> None:
    """Log to ``path`` from now on (None stops); the environment variable does this at import."""
    global _path
    _path = path


def seen() -> set[tuple[str, str, str, str]]:
    with _lock:
        return set(_seen)


def _write() -> None:
    if _path is None or not _seen:
        return
    with contextlib.suppress(OSError), open(_path, "a", encoding="utf-8") as out:
        for activity, service, operation, kind in sorted(seen()):
            out.write(
                json.dumps(
                    {
                        "activity": activity,
                        "service": service,
                        "operation": operation,
                        "account": kind,
                    }
                )
                + "\n"
            )


atexit.register(_write)
