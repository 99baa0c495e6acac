"""Sandbox-wide state that moto does not model: root users and long-running operations."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class RootUser:
    """The console-only facts of an account's root user."""

    mfa: bool = False
    access_keys: bool = False
    password_last_used: dt.datetime | None = None
    created: dt.datetime = field(default_factory=utcnow)
    keys_created: dt.datetime | None = None
    access_key_id: str | None = None  # the root access key requests can be signed with
    key_last_used: tuple[dt.datetime, str, str] | None = None  # when, region, service


@dataclass
class AsyncOperation:
    """A long-running AWS operation that reports IN_PROGRESS for ``delay`` seconds.

    ``outcome`` is SUCCEEDED or FAILED; ``on_complete`` runs exactly once, when
    the operation is first observed finished (under the sandbox lock).
    """

    id: str
    kind: str
    started: float
    delay: float
    outcome: str = "SUCCEEDED"
    message: str | None = None
    on_complete: Callable[[AsyncOperation], object] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    start_time: dt.datetime = field(default_factory=utcnow)
    completed: bool = False
    end_time: dt.datetime | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Saved with the wall-clock time it is due, so the wait goes on across restarts."""
        data = dict(self.__dict__)
        data["due_at"] = time.time() + (self.started + self.delay - time.monotonic())
        return data

    def __setstate__(self, data: dict[str, Any]) -> None:
        due_at = data.pop("due_at")
        self.__dict__.update(data)
        self.started = time.monotonic() + (due_at - time.time()) - self.delay

    @property
    def due(self) -> bool:
        return time.monotonic() >= self.started + self.delay

    @property
    def status(self) -> str:
        return self.outcome if self.completed else "IN_PROGRESS"


class SandboxState:
    """Everything the sandbox keeps besides moto's backends."""

    def __init__(self, management_account_id: str, op_delay_s: float):
        self.lock = threading.RLock()
        self.management_account_id = management_account_id
        self.op_delay_s = op_delay_s
        self.roots: dict[str, RootUser] = {}
        self.operations: dict[str, AsyncOperation] = {}
        self.services: dict[str, Any] = {}
        self.durations: Any = None  # timing.RealisticDurations, or None: op_delay_s for all
        self.changes = 0  # requests that may have changed something, and completed operations

    def root(self, account: str) -> RootUser:
        with self.lock:
            return self.roots.setdefault(account, RootUser())

    def delay(self, kind: str, fixed_s: float | None = None) -> float:
        """How long an operation of ``kind`` takes: drawn from AWS's range under ``--durations
        realistic`` (when durations.yaml has it), else ``fixed_s`` or the operation delay."""
        drawn = self.durations.seconds(kind) if self.durations is not None else None
        if drawn is not None:
            return float(drawn)
        return self.op_delay_s if fixed_s is None else fixed_s

    def start_operation(
        self,
        op_id: str,
        kind: str,
        outcome: str = "SUCCEEDED",
        message: str | None = None,
        on_complete: Callable[[AsyncOperation], object] | None = None,
        fixed_s: float | None = None,
        **details: Any,
    ) -> AsyncOperation:
        """``fixed_s``: the delay in fixed mode when it is not the operation delay (0 for the
        operations the sandbox completed at once before realistic durations)."""
        with self.lock:
            operation = AsyncOperation(
                op_id,
                kind,
                time.monotonic(),
                self.delay(kind, fixed_s),
                outcome,
                message,
                on_complete,
                details,
            )
            self.operations[op_id] = operation
            if operation.delay <= 0:
                self._complete(operation)
            return operation

    def cap_waits(self, seconds: float) -> None:
        """Operations in flight finish at the latest ``seconds`` from now (after a restore, the
        sandbox's current operation delay applies)."""
        with self.lock:
            now = time.monotonic()
            for operation in self.operations.values():
                if not operation.completed and operation.started + operation.delay > now + seconds:
                    operation.started, operation.delay = now, seconds

    def tick(self) -> None:
        """Complete every operation whose delay has elapsed."""
        with self.lock:
            for operation in list(self.operations.values()):
                if not operation.completed and operation.due:
                    self._complete(operation)

    def _complete(self, operation: AsyncOperation) -> None:
        self.changes += 1
        operation.completed = True
        operation.end_time = utcnow()
        if operation.on_complete:
            try:
                operation.on_complete(operation)
            except Exception as exc:
                operation.outcome = "FAILED"
                operation.message = f"internal sandbox error: {exc}"

    def service_state(self, name: str, factory: Callable[[], Any]) -> Any:
        with self.lock:
            if name not in self.services:
                self.services[name] = factory()
            return self.services[name]
