"""Overlapped apply: start each step as soon as the steps it needs are done, each in its own thread.

`run_steps` takes the step ids in wizard order, what each must wait for (Engine.needs, limited to
the steps of this run) and the function that applies one step. The first failure stops new starts;
the steps already running finish, and every outcome is reported. `sequential=True` keeps the old
order: one step at a time, in the caller's thread, stopping at the first failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepOutcome:
    """What became of one step of the run."""

    step_id: str
    started: bool = False
    result: Any = None
    error: BaseException | None = None
    start_s: float | None = None  # time.monotonic() at start and end
    end_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.started and self.end_s is not None and self.error is None


@dataclass
class Schedule:
    """Every step's outcome (in the order given) and the start/finish events as they happened."""

    outcomes: dict[str, StepOutcome]
    events: list[tuple[str, str]] = field(
        default_factory=list
    )  # ("started"|"finished"|"failed", id)

    @property
    def failed(self) -> list[StepOutcome]:
        """The steps that raised, in the order they failed."""
        order = [sid for kind, sid in self.events if kind == "failed"]
        return [self.outcomes[sid] for sid in order]

    @property
    def not_started(self) -> list[str]:
        return [sid for sid, o in self.outcomes.items() if not o.started]


Listener = Callable[[str, str], None]


class _Run:
    def __init__(self, ids: Sequence[str], on_event: Listener | None):
        self.schedule = Schedule({sid: StepOutcome(sid) for sid in ids})
        self.lock = threading.Lock()
        self.on_event = on_event

    def event(self, kind: str, step_id: str) -> None:
        with self.lock:
            outcome = self.schedule.outcomes[step_id]
            if kind == "started":
                outcome.started, outcome.start_s = True, time.monotonic()
            else:
                outcome.end_s = time.monotonic()
            self.schedule.events.append((kind, step_id))
        if self.on_event is not None:
            self.on_event(kind, step_id)

    def run_one(self, step_id: str, run: Callable[[str], Any]) -> None:
        """Apply one step and record its outcome; never raises except on the caller's Ctrl-C."""
        self.event("started", step_id)
        try:
            self.schedule.outcomes[step_id].result = run(step_id)
        except BaseException as exc:
            self.schedule.outcomes[step_id].error = exc
            self.event("failed", step_id)
            return
        self.event("finished", step_id)


def run_steps(
    ids: Sequence[str],
    needs: Callable[[str], Iterable[str]],
    run: Callable[[str], Any],
    *,
    sequential: bool = False,
    on_event: Listener | None = None,
    cancel: Callable[[], None] | None = None,
) -> Schedule:
    """Apply `ids` (in wizard order): overlapped by default, one after the other with `sequential`.

    A step starts once every step it `needs` that is part of this run has finished without error.
    After the first failure nothing new starts. On Ctrl-C in the caller's thread, `cancel()` asks
    the running steps to stop before their next AWS call, they are waited for, and the interrupt
    is raised again.
    """
    state = _Run(ids, on_event)
    if sequential:
        for step_id in ids:
            state.run_one(step_id, run)
            if state.schedule.outcomes[step_id].error is not None:
                break
        return state.schedule
    wanted = set(ids)
    waits = {sid: set(needs(sid)) & wanted for sid in ids}
    pending = list(ids)
    running: dict[Future[None], str] = {}
    done: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, len(ids)), thread_name_prefix="step") as pool:
        try:
            while True:
                if not state.schedule.failed:
                    for step_id in [s for s in pending if waits[s] <= done]:
                        pending.remove(step_id)
                        running[pool.submit(state.run_one, step_id, run)] = step_id
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    step_id = running.pop(future)
                    if state.schedule.outcomes[step_id].error is None:
                        done.add(step_id)
        except KeyboardInterrupt:
            if cancel is not None:
                cancel()
            wait(running)
            raise
    return state.schedule
