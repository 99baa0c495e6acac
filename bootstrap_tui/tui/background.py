"""Applies running in the background while the founder works on other steps: what the app
keeps about each, and how the sidebar says it (elapsed time, time left). Pure, no widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING, Any

from bootstrap_tui.durations import (
    clock,
    plan_counts,
    profile_counts,
    step_typical,
    time_scale_of,
    wizard_remaining,
)
from bootstrap_tui.registry import needed_by, waits_on

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine


NOT_APPLIED = ("pending", "planned", "in-progress", "failed")  # their AWS work is still ahead


@dataclass
class Running:
    """One step's apply in a worker: since when, and how long AWS typically takes for it."""

    step_id: str
    title: str
    kind: str | None  # its first long operation (durations.yaml), None when it has none
    estimate: float | None  # seconds, already scaled; None: no estimate (fixed-delay sandbox)
    started: float = field(default_factory=monotonic)
    verifying: bool = False  # applied; the checks of the step run before the worker ends

    def elapsed(self) -> float:
        return monotonic() - self.started

    def state(self) -> str:
        """ "about 1m 55s left", "any moment now", "verifying", or "" without an estimate."""
        if self.verifying:
            return "verifying"
        if not self.estimate:
            return ""
        left = self.estimate - self.elapsed()
        return f"about {clock(left)} left" if left >= 1 else "any moment now"

    def line(self) -> str:
        """ "1m 05s elapsed · about 1m 55s left", for a message."""
        state = self.state()
        return f"{clock(self.elapsed())} elapsed" + (f" · {state}" if state else "")


def step_counts(engine: Engine, plans: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Each step's long operations: from its plan when one was made, else what the baseline
    profile creates in a fresh organization."""
    counts = profile_counts(engine.profile)
    for step_id, plan in plans.items():
        counts[step_id] = plan_counts(plan)
    return counts


def start_running(engine: Engine, step_id: str, plan: Any) -> Running:
    """The entry for an apply that starts now, with its estimate from the plan (or profile)."""
    title = engine.by_id[step_id].title
    scale = time_scale_of(engine.sandbox_info)
    if scale is None:
        return Running(step_id, title, None, None)
    counts = step_counts(engine, {step_id: plan} if plan is not None else {}).get(step_id, {})
    kind = next((k for k, n in counts.items() if n), None)
    typical = step_typical(step_id, counts)
    return Running(step_id, title, kind, typical / scale if typical else None)


def waiting_for(engine: Engine, step_id: str, running: dict[str, Running]) -> list[str]:
    """The steps still being applied in the background that `step_id` needs first."""
    busy = [sid for sid, entry in running.items() if not entry.verifying]
    return waits_on(engine.steps, step_id, busy)


def running_dependants(engine: Engine, step_id: str, running: dict[str, Running]) -> list[str]:
    """The steps being applied in the background that build on `step_id`: applying it again
    now could change what they are working on."""
    dependants = needed_by(engine.steps, step_id)
    return [sid for sid, entry in running.items() if sid in dependants and not entry.verifying]


def time_left(engine: Engine, plans: dict[str, Any], running: dict[str, Running]) -> float | None:
    """Seconds of AWS waiting left for the whole wizard (durations.wizard_remaining)."""
    scale = time_scale_of(engine.sandbox_info)
    if scale is None:
        return None
    unfinished = [r["id"] for r in engine.status() if r["status"] in NOT_APPLIED]
    return wizard_remaining(
        engine.steps,
        step_counts(engine, plans),
        unfinished,
        {sid: entry.elapsed() for sid, entry in running.items()},
        scale,
    )


def time_left_line(seconds: float | None) -> str:
    """The overall estimate under the progress line; empty when nothing long is left."""
    if not seconds or seconds < 1:
        return ""
    return f"time left: about {clock(seconds)}"


def running_text(running: dict[str, Running]) -> str:
    """The sidebar's "Running in background" section, each line short enough for its 25
    columns; empty when nothing runs."""
    if not running:
        return ""
    lines = ["Running in background"]
    for entry in running.values():
        lines.append(f"◐ {entry.title}")
        lines.append(f"  {clock(entry.elapsed())} elapsed")
        state = entry.state()
        if state:
            lines.append(f"  {state}")
    return "\n".join(lines)
