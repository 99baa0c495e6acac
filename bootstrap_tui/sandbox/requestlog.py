"""The request log: how many AWS API calls of each kind the sandbox received since the last reset.

Served at ``GET /_sandbox/requests`` (``DELETE`` clears it), so that a test or a
benchmark can prove that a converged run changes nothing: ``mutating`` counts
the calls that could change AWS (S3 writes by HTTP method, every other
service by operation name, with the same rule as the read-only guard).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .wire import Call

STATE_KEY = "request-log"
# Calls whose names do not start with a read prefix but change nothing.
NOT_MUTATING = {
    "sts:AssumeRole",
    "sts:GetSessionToken",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
}


def _log(state: Any) -> Counter[str]:
    return state.service_state(STATE_KEY, Counter)


def record(state: Any, call: Call) -> None:
    """Count one request (``service:Operation``; S3 as ``s3:METHOD``)."""
    name = f"{call.service or 'unknown'}:{call.operation or call.method}"
    with state.lock:
        _log(state)[name] += 1


def is_mutating(name: str) -> bool:
    from bootstrap_tui.aws.clients import is_read_only_operation

    service, _, operation = name.partition(":")
    if service == "s3" and operation.isupper():
        return operation not in ("GET", "HEAD")
    return name not in NOT_MUTATING and not is_read_only_operation(operation)


def snapshot(state: Any) -> dict[str, Any]:
    with state.lock:
        counts = dict(_log(state))
    mutating = {name: n for name, n in counts.items() if is_mutating(name)}
    return {
        "total": sum(counts.values()),
        "requests": counts,
        "mutating_total": sum(mutating.values()),
        "mutating": mutating,
    }


def clear(state: Any) -> None:
    with state.lock:
        _log(state).clear()
