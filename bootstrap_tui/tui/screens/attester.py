"""Who attests: asked once, the first time a manual item is ticked; kept in the state."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.state import person_name


class AskAttester(ModalScreen[str | None]):
    """Dismisses with the person's name, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="attester-box"):
            yield Static("Who is attesting?", id="attester-title")
            yield Static(
                "Your name (and role) is recorded with each manual item you tick, so "
                "the exported checklist says who vouched for it. Asked once; kept in "
                "the state file. Not a password.",
                classes="muted",
            )
            yield Input(placeholder="e.g. Jane Doe, CTO", id="attester-name")
            yield Static("", id="attester-error")
            with Horizontal(id="attester-actions"):
                yield Button("Record", id="attester-ok", variant="primary")
                yield Button("Cancel", id="attester-cancel")

    def on_mount(self) -> None:
        self.query_one("#attester-name", Input).focus()

    @on(Input.Submitted, "#attester-name")
    @on(Button.Pressed, "#attester-ok")
    def _record(self) -> None:
        try:
            name = person_name(self.query_one("#attester-name", Input).value)
        except ConfigError as exc:
            self.query_one("#attester-error", Static).update(f"✘ {exc.message}")
            return
        self.dismiss(name)

    @on(Button.Pressed, "#attester-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
