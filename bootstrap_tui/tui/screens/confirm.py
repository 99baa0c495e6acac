"""Confirmation before apply: lists the changes; destructive ones need a typed word."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ConfirmApply(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, step_id: str, title: str, plan: Any) -> None:
        super().__init__(id="confirm")
        self.step_id = step_id
        self.title_text = title
        self.plan = plan

    @property
    def destructive(self) -> bool:
        return bool(self.plan.destructive)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(f"Apply {self.title_text}?", id="confirm-title")
            with VerticalScroll(id="confirm-changes"):
                lines = []
                # destructive and irreversible changes first: they are what needs reading
                for change in sorted(self.plan.changes, key=lambda c: not c.destructive):
                    mark = (
                        "!! IRREVERSIBLE "
                        if change.irreversible
                        else "! DELETE/REPLACE "
                        if change.destructive
                        else "+ "
                    )
                    lines.append(f"{mark}{change.describe()}")
                lines += [
                    escape(f"{kept.mark} {kept.describe()} (left as it is)")
                    for kept in self.plan.kept
                ]
                yield Static("\n".join(lines) or "No changes.", id="confirm-list")
                cost = self._cost_text()
                if cost:
                    yield Static(cost, id="confirm-cost")
            if self.destructive:
                yield Static(
                    f"{len(self.plan.destructive)} change(s) above are {self.plan.confirm_kind} and "
                    f"cannot be undone. Type {self.step_id!r} or 'delete' to confirm.",
                    id="confirm-warning",
                )
                yield Input(placeholder=f"type {self.step_id} or delete", id="confirm-word")
                yield Static("", id="confirm-wrong")
            with Horizontal(id="confirm-actions"):
                yield Button(
                    "Apply",
                    id="confirm-yes",
                    variant="error" if self.destructive else "success",
                    disabled=self.destructive,
                )
                yield Button("Cancel", id="confirm-no")

    def _cost_text(self) -> str:
        """The expected monthly cost of what this step turns on (as in `plan`)."""
        engine = getattr(self.app, "engine", None)
        if engine is None:
            return ""
        from bootstrap_tui.costs import cost_lines, plan_cost

        return "\n".join(cost_lines(plan_cost(engine, self.plan)))

    def on_mount(self) -> None:
        if self.destructive:
            self.query_one("#confirm-word", Input).focus()
        else:
            self.query_one("#confirm-yes", Button).focus()

    def typed_ok(self, text: str) -> bool:
        return text.strip().lower() in (self.step_id.lower(), "delete")

    @on(Input.Changed, "#confirm-word")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm-yes", Button).disabled = not self.typed_ok(event.value)

    @on(Input.Submitted, "#confirm-word")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.typed_ok(event.value):
            self.dismiss(True)
            return
        wrong = self.query_one("#confirm-wrong", Static)
        wrong.update(
            f"✘ {event.value.strip()!r} is not {self.step_id!r} or 'delete': nothing "
            "was applied. Type one of them, or Esc to cancel."
        )
        wrong.display = True

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        if not self.destructive or self.typed_ok(self.query_one("#confirm-word", Input).value):
            self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)
