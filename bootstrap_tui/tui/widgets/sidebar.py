"""The step list: every step in wizard order with an icon AND a word for its status."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ListItem, ListView, Static

from bootstrap_tui.tui.background import running_text
from bootstrap_tui.tui.present import STEP_STATUS, progress_line, step_badge


class StepItem(ListItem):
    def __init__(self, number: int, step_id: str, title: str, status: str) -> None:
        super().__init__(id=f"step-{step_id}")
        self.step_id = step_id
        self.number = number
        self.title = title
        self.status = status

    def compose(self) -> ComposeResult:
        yield Label(f"{self.number:>2} {self.title}", classes="step-title")
        yield Label(self._badge(), classes="step-status")

    def _badge(self) -> str:
        return f"   {step_badge(self.status)}"

    def set_status(self, status: str) -> None:
        if status == self.status and self.is_mounted:
            return
        old = STEP_STATUS.get(self.status, ("", "", "pending"))[2]
        self.status = status
        new = STEP_STATUS.get(status, ("", "", "pending"))[2]
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")
        try:
            self.query_one(".step-status", Label).update(self._badge())
        except Exception:
            pass

    def on_mount(self) -> None:
        self.add_class(f"-{STEP_STATUS.get(self.status, ('', '', 'pending'))[2]}")


class StepSidebar(Vertical):
    """Overall progress line (and the time left), the list of steps, and what runs in the
    background (tui/background.py), its clocks ticking each second."""

    def __init__(
        self, rows: list[dict[str, Any]], selected: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rows = rows
        ids = [r["id"] for r in rows]
        self.initial_index = ids.index(selected) if selected in ids else 0

    def compose(self) -> ComposeResult:
        yield Static(progress_line(self.rows), id="overall-progress")
        yield Static("", id="time-left")
        yield ListView(
            *[StepItem(i, r["id"], r["title"], r["status"]) for i, r in enumerate(self.rows, 1)],
            initial_index=self.initial_index,
            id="step-list",
        )
        yield Static("", id="background")

    def on_mount(self) -> None:
        self._ticker = self.set_interval(1.0, self.tick, pause=True)
        self.tick()

    def tick(self) -> None:
        """Show the background operations and the time left as they are now."""
        app: Any = self.app
        running = getattr(app, "running", {})
        text = running_text(running)
        box = self.query_one("#background", Static)
        box.update(text)
        box.display = bool(text)
        left = self.query_one("#time-left", Static)
        line = app.time_left_line() if hasattr(app, "time_left_line") else ""
        left.update(line)
        left.display = bool(line)
        if running:
            self._ticker.resume()
        else:
            self._ticker.pause()

    @property
    def list_view(self) -> ListView:
        return self.query_one("#step-list", ListView)

    def refresh_status(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.query_one("#overall-progress", Static).update(progress_line(rows))
        self.tick()
        by_id = {r["id"]: r["status"] for r in rows}
        for item in self.query(StepItem):
            item.set_status(by_id.get(item.step_id, "pending"))

    def select(self, step_id: str) -> None:
        for index, item in enumerate(self.list_view.children):
            if isinstance(item, StepItem) and item.step_id == step_id:
                self.list_view.index = index
                return

    @property
    def selected(self) -> str | None:
        item = self.list_view.highlighted_child
        return item.step_id if isinstance(item, StepItem) else None
