"""The long-operation panel: progress bar, elapsed time, the operation's own status,
a live log and the reassurance that the app may be closed."""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import ProgressBar, RichLog, Static

REASSURANCE = "You can close the app; on the next start it resumes polling by itself."


def elapsed_text(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d} elapsed"


class OperationPanel(Vertical):
    """Hidden until an apply runs (class -running)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.started: float | None = None
        self.step_id: str | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="op-head"):
            yield Static("", id="op-title")
            yield Static("", id="op-elapsed")
        yield ProgressBar(total=None, show_eta=False, id="op-bar")
        yield Static("", id="op-status")
        yield Static(REASSURANCE, id="op-reassure")
        yield RichLog(id="op-log", max_lines=500, wrap=True, markup=False)

    def start(self, step_id: str, title: str, *, resumed: bool = False) -> None:
        self.step_id = step_id
        self.started = time.monotonic()
        verb = "Resuming" if resumed else "Applying"
        self.query_one("#op-title", Static).update(f"{verb} {title}…")
        self.query_one("#op-status", Static).update("starting")
        bar = self.query_one("#op-bar", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#op-log", RichLog).write(f"{verb.lower()} {step_id}")
        self.add_class("-running")
        self._tick()
        if self._timer is None:
            self._timer = self.set_interval(1.0, self._tick)
        else:
            self._timer.resume()

    def _tick(self) -> None:
        if self.started is not None:
            self.query_one("#op-elapsed", Static).update(
                elapsed_text(time.monotonic() - self.started)
            )

    def progress(self, text: str, done: int | None, total: int | None) -> None:
        self.query_one("#op-status", Static).update(text)
        if total:
            self.query_one("#op-bar", ProgressBar).update(total=total, progress=done or 0)
        self.query_one("#op-log", RichLog).write(text)

    def finish(self, text: str) -> None:
        self.query_one("#op-log", RichLog).write(text)
        self.started = None
        if self._timer is not None:
            self._timer.pause()
        self.remove_class("-running")
        self.step_id = None

    @property
    def running(self) -> bool:
        return self.has_class("-running")
