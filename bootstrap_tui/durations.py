"""AWS's typical durations for long operations (durations.yaml), and the time-remaining estimate."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

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


def typical_range(kind: str) -> str:
    low, high = durations()[kind]["range_s"]
    return f"{clock(low)}–{clock(high)}"


def remaining(
    kind: str, running: int, queued: int, max_in_flight: int, elapsed_in_flight: float
) -> float:
    """Seconds left if each operation takes the typical time: the running ones finish, then the
    queued ones run ``max_in_flight`` at a time."""
    typical = float(durations()[kind]["typical_s"])
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
) -> str:
    """ " · 1m 10s elapsed · about 2m left (typically 1m 00s–5m 00s each)" for a progress line."""
    text = f" · {clock(elapsed)} elapsed"
    if kind and kind in durations() and (running or queued):
        left = remaining(kind, running, queued, max_in_flight, elapsed_in_flight)
        about = f"about {clock(left)} left" if left > 0 else "any moment now"
        text += f" · {about} (typically {typical_range(kind)} each)"
    return text
