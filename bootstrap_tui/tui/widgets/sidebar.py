"""The step list: every step in wizard order with an icon AND a word for its status."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ListItem, ListView, Static

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
    """Overall progress line plus the list of steps."""

    def __init__(
        self, rows: list[dict[str, Any]], selected: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rows = rows
        ids = [r["id"] for r in rows]
        self.initial_index = ids.index(selected) if selected in ids else 0

    def compose(self) -> ComposeResult:
        yield Static(progress_line(self.rows), id="overall-progress")
        yield ListView(
            *[StepItem(i, r["id"], r["title"], r["status"]) for i, r in enumerate(self.rows, 1)],
            initial_index=self.initial_index,
            id="step-list",
        )

    @property
    def list_view(self) -> ListView:
        return self.query_one("#step-list", ListView)

    def refresh_status(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.query_one("#overall-progress", Static).update(progress_line(rows))
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
