"""Confirmation before switching the baseline profile: which steps it affects, and how."""

from __future__ import annotations


from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

AFTER = {
    "skipped": "the new profile skips it",
    "pending": "the new profile needs it: set it up",
    "stale": "its settings change: apply it again",
}


def change_lines(changes: dict[str, tuple[str, str]]) -> list[str]:
    return [
        f"• {sid}: {before} → {after} ({AFTER.get(after, '')})"
        for sid, (before, after) in changes.items()
    ]


class ConfirmProfile(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, old: str, new: str, changes: dict[str, tuple[str, str]]) -> None:
        super().__init__(id="confirm-profile")
        self.old, self.new, self.changes = old, new, changes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(
                f"Switch the baseline profile from {self.old} to {self.new}?", id="confirm-title"
            )
            with VerticalScroll(id="confirm-changes"):
                lines = change_lines(self.changes) or [
                    "No step has been set up in a way this changes."
                ]
                yield Static("\n".join(lines), id="confirm-list")
            yield Static(
                f"The plans of these steps follow {self.new} from now on; nothing in "
                "AWS changes until you apply them.",
                classes="muted",
            )
            with Horizontal(id="confirm-actions"):
                yield Button(f"Switch to {self.new}", id="confirm-yes", variant="warning")
                yield Button(f"Keep {self.old}", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)
