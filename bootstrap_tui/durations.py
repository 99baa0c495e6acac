"""AWS's typical durations for long operations (durations.yaml), and the time-remaining estimate."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from bootstrap_tui.model import Step

DATA = Path(__file__).with_name("durations.yaml")


@cache
def durations() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def clock(seconds: float) -> str:
    """12s, 3m 05s, 1h 02m."""
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def typical_range(kind: str, time_scale: float = 1.0) -> str:
    low, high = durations()[kind]["range_s"]
    return f"{clock(low / time_scale)}–{clock(high / time_scale)}"


def remaining(
    kind: str,
    running: int,
    queued: int,
    max_in_flight: int,
    elapsed_in_flight: float,
    time_scale: float = 1.0,
) -> float:
    """Seconds left if each operation takes the typical time (divided by ``time_scale``): the
    running ones finish, then the queued ones run ``max_in_flight`` at a time."""
    typical = float(durations()[kind]["typical_s"]) / time_scale
    left = max(0.0, typical - elapsed_in_flight) if running else 0.0
    waves = -(-queued // max(1, max_in_flight)) if queued else 0
    return left + waves * typical


def estimate_line(
    kind: str | None,
    running: int,
    queued: int,
    max_in_flight: int,
    elapsed: float,
    elapsed_in_flight: float,
    time_scale: float | None = 1.0,
) -> str:
    """ " · 1m 10s elapsed · about 2m left (typically 1m 00s–5m 00s each)" for a progress line;
    only the elapsed time when ``time_scale`` is None (time_scale_of)."""
    text = f" · {clock(elapsed)} elapsed"
    if kind and kind in durations() and (running or queued) and time_scale is not None:
        left = remaining(kind, running, queued, max_in_flight, elapsed_in_flight, time_scale)
        about = f"about {clock(left)} left" if left > 0 else "any moment now"
        text += f" · {about} (typically {typical_range(kind, time_scale)} each)"
    return text


Counts = dict[str, int]  # operation kind (durations.yaml) -> how many


def time_scale_of(sandbox_info: dict[str, Any] | None) -> float | None:
    """How many times faster than AWS the operations run: 1 on AWS, the sandbox's
    ``--time-scale`` with ``--durations realistic``; None on a sandbox with fixed delays, whose
    waits say nothing about AWS's (no estimate is shown there)."""
    if sandbox_info is None:
        return 1.0
    if sandbox_info.get("durations") == "realistic":
        return float(sandbox_info.get("time_scale") or 1.0)
    return None


def plan_counts(plan: Any) -> Counts:
    """The long operations a plan starts, by kind: each change whose "action resource" is
    listed under a kind's ``changes``."""
    starts = {
        change: kind for kind, entry in durations().items() for change in entry.get("changes", ())
    }
    counts: Counts = {}
    for change in getattr(plan, "changes", ()):
        kind = starts.get(f"{change.action} {change.resource}")
        if kind is not None:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def profile_counts(profile: Any) -> dict[str, Counts]:
    """A fresh organization's long operations per step for a baseline profile (nothing exists
    yet): every account created, and with Control Tower the landing zone, each registered OU
    (parents too, the Security OU excluded) and each control on each of them."""
    counts: dict[str, Counts] = {}
    if profile.accounts:
        counts["accounts"] = {"create-account": len(profile.accounts)}
    tower = profile.control_tower
    if tower.enabled:
        ous: list[str] = []
        for path in tower.register_ous:
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                prefix = "/".join(parts[:depth])
                if prefix not in ous and prefix != "Security":
                    ous.append(prefix)
        counts["control-tower"] = {
            "landing-zone": 1,
            "register-ou": len(ous),
            "enable-control": len(ous) * len(tower.controls),
        }
    return counts


def step_typical(step_id: str, counts: Counts) -> float:
    """Seconds (AWS's, unscaled) a step's long operations typically take: its kinds one after
    the other, each in waves of its ``in_flight``."""
    total = 0.0
    for kind, entry in durations().items():
        count = counts.get(kind, 0)
        if count and entry.get("step") == step_id:
            waves = -(-count // max(1, int(entry.get("in_flight", 1))))
            total += waves * float(entry["typical_s"])
    return total


def wizard_remaining(
    steps: Iterable[Step],
    counts: dict[str, Counts],
    unfinished: Iterable[str],
    running: dict[str, float],
    time_scale: float | None = 1.0,
) -> float | None:
    """Seconds of AWS waiting left before every unfinished step is done, if each operation
    takes its typical time: the longest chain of the step graph, each step starting when the
    steps it requires finish; a ``running`` step (id -> seconds elapsed, real) has done part
    of its share. Divided by ``time_scale``; None when it is None (no estimate)."""
    from bootstrap_tui.registry import order_steps

    if time_scale is None:
        return None
    pending = set(unfinished) | set(running)
    finish: dict[str, float] = {}
    for step in order_steps(steps):
        if step.id not in pending:
            continue
        own = step_typical(step.id, counts.get(step.id, {})) / time_scale
        if step.id in running:
            own = max(0.0, own - running[step.id])
        start = max((finish[r] for r in step.requires if r in finish), default=0.0)
        finish[step.id] = start + own
    return max(finish.values(), default=0.0)
