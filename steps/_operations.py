"""Long-running asynchronous AWS operations: submitted with a bounded number in flight,
recorded in the state file, polled, and resumed after a stop."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.context import StepContext
from bootstrap_tui.aws import error_code


# Control Tower operations whose ServiceQuotaExceededException means "10 concurrent operations"
CONTROL_TOWER_STARTS = {
    "EnableControl",
    "DisableControl",
    "UpdateEnabledControl",
    "ResetEnabledControl",
    "EnableBaseline",
    "DisableBaseline",
    "UpdateEnabledBaseline",
    "ResetEnabledBaseline",
}


def too_many_in_flight(exc: BaseException) -> bool:
    """AWS refused to start an operation because its documented limit of operations in flight
    is reached (bootstrap_tui/aws_limits.py): try again once one has finished."""
    code = error_code(exc)
    if code == "ConstraintViolationException":
        reason = (getattr(exc, "response", None) or {}).get("Reason")
        return reason == "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED"
    operation = getattr(exc, "operation_name", None)
    if code == "ThrottlingException":  # Identity Center: 10 outstanding creations at most
        return operation == "CreateAccountAssignment"
    return code == "ServiceQuotaExceededException" and operation in CONTROL_TOWER_STARTS


def run_operations(
    ctx: StepContext,
    tasks: Iterable[tuple[str, Any]],
    *,
    submit: Callable[[Any], str | None],
    status: Callable[[str], tuple[str, str | None]],
    what: str,
    interval: float = 30,
    timeout: float = 3600,
    max_in_flight: int = 10,
    kind: str | None = None,
    label: Callable[[Any], str] | None = None,
) -> dict[str, tuple[str, str | None]]:
    """Run asynchronous AWS operations with at most `max_in_flight` at once.

    tasks: (key, payload). A key that already has a recorded operation id is
    resumed (polled) instead of submitted again. submit(payload) starts the
    operation and returns its id (None = nothing to wait for); the id is recorded
    in the state file before any wait. status(op_id) -> (STATUS, message) where
    STATUS is IN_PROGRESS, SUCCEEDED or FAILED. Returns key -> (STATUS, message);
    finished operations are cleared from the state file. A submit that AWS refuses with its
    concurrency error (too_many_in_flight: its limit reached by operations we did not start) is
    retried after the next poll, within ``timeout``.

    Progress: one line per real change (started, resumed, finished), each with one elapsed
    clock for the whole run and, for a `kind` in durations.yaml, the time left if AWS takes
    its typical time; while nothing changes, one line a minute says it is still running.
    """
    from bootstrap_tui.durations import estimate_line

    queue = list(tasks)
    total = len(queue)
    names = {key: (label(payload) if label else key) for key, payload in queue}
    results: dict[str, tuple[str, str | None]] = {}
    in_flight: dict[str, str] = {}
    started = time.monotonic()
    flight_started = started
    last_line = started
    waiting_since: float | None = None

    def say(text: str) -> None:
        nonlocal last_line
        last_line = time.monotonic()
        tail = estimate_line(
            kind,
            len(in_flight),
            len(queue),
            max_in_flight,
            last_line - started,
            last_line - flight_started,
            ctx.time_scale,
        )
        ctx.progress(f"{what}: {text} ({len(results)} of {total} done{tail})", len(results), total)

    for key, _payload in list(queue):
        recorded = ctx.operation(key)
        if recorded and recorded.get("id"):
            in_flight[key] = recorded["id"]
            queue = [t for t in queue if t[0] != key]
            say(f"resuming {names[key]} (request {recorded['id']})")
    while queue or in_flight:
        while queue and len(in_flight) < max_in_flight:
            key, payload = queue[0]
            try:
                op_id = submit(payload)
            except Exception as exc:
                if not too_many_in_flight(exc):
                    raise
                if waiting_since is None:
                    waiting_since = time.monotonic()
                    reason = (getattr(exc, "response", None) or {}).get("Reason")
                    code = " ".join(filter(None, (error_code(exc), reason)))
                    say(
                        f"{names[key]} waits: AWS refused to start it ({code}: too many "
                        "operations in progress); trying again after the next poll"
                    )
                break
            queue.pop(0)
            waiting_since = None
            if op_id is None:
                results[key] = ("SUCCEEDED", None)
                continue
            ctx.record_operation(key, op_id)
            if not in_flight:
                flight_started = time.monotonic()
            in_flight[key] = op_id
            say(f"started {names[key]}")
        for key, op_id in list(in_flight.items()):
            state, message = status(op_id)
            if state in ("SUCCEEDED", "FAILED"):
                results[key] = (state, message)
                ctx.clear_operation(key)
                del in_flight[key]
                say(f"{names[key]} {'done' if state == 'SUCCEEDED' else 'FAILED'}")
        if not (queue or in_flight):
            break
        if time.monotonic() - last_line >= 60:
            say(f"{len(in_flight)} still running")
        if time.monotonic() - started > timeout:
            if waiting_since is not None and not in_flight:
                raise RefusedError(
                    f"{what}: AWS still refused to start {names[queue[0][0]]} after "
                    f"{int(timeout)}s (too many operations in flight in this organization)",
                    "wait for the other operations to finish, then run apply again",
                )
            raise RefusedError(
                f"{what}: {len(in_flight)} operation(s) still running after {int(timeout)}s",
                "they keep running in AWS; run apply again later and polling resumes",
            )
        ctx.wait(ctx.poll_interval(interval))
    return results
