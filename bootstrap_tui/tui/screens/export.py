"""Export: pick a format and a framework, write the checklist, show the path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from bootstrap_tui.model import FRAMEWORKS
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.widgets.header import AppHeader

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine

FORMATS = {
    "md": ("Markdown checklist", "md"),
    "csv": ("CSV (one row per check and scope)", "csv"),
    "json": ("JSON (versioned, for tools)", "json"),
    "html": ("HTML (printable)", "html"),
    "answers": ("Answers file (replay with --answers)", "yaml"),
}
ALL = "__all__"


def default_path(fmt: str) -> str:
    if fmt == "answers":
        return "bootstrap-tui-answers.yaml"
    return f"bootstrap-tui-checklist.{FORMATS[fmt][1]}"


class ExportScreen(Screen[None]):
    app = getters.app(BootstrapApp)

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "write", "Write file")]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="export-body"):
            yield Static("Export the setup checklist", id="export-title")
            yield Static(
                "Status, evidence, timestamps and framework mappings of every "
                "check, for you or your auditor. Secrets are never included.",
                classes="muted",
            )
            yield Label("Format", classes="section")
            yield Select(
                [(f"{k} — {v[0]}", k) for k, v in FORMATS.items()],
                value="md",
                allow_blank=False,
                id="export-format",
            )
            yield Label("Framework", classes="section")
            yield Select(
                [("all frameworks", ALL)] + [(v, k) for k, v in FRAMEWORKS.items()],
                value=ALL,
                allow_blank=False,
                id="export-framework",
            )
            yield Label("File", classes="section")
            yield Input(default_path("md"), id="export-path")
            with Horizontal(id="export-actions"):
                yield Button("Write file", id="export-write", variant="primary")
                yield Button("Back", id="export-back")
            yield Static("", id="export-result", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-format", Select).focus()

    @on(Select.Changed, "#export-format")
    def _format(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        if path.value in {default_path(k) for k in FORMATS}:
            path.value = default_path(str(event.value))

    @on(Button.Pressed, "#export-write")
    def action_write(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        framework = self.query_one("#export-framework", Select).value
        path = self.query_one("#export-path", Input).value.strip() or default_path(fmt)
        self.query_one("#export-result", Static).update("Writing…")
        self.app.start_export(fmt, None if framework == ALL else [str(framework)], path)

    def show_done(self, path: str, warnings: list[str] | None = None) -> None:
        lines = [f"✔ Wrote {path}"] + [f"⚠ Warning: {w}" for w in warnings or ()]
        self.query_one("#export-result", Static).update("\n".join(lines))

    def show_failure(self, text: str) -> None:
        self.query_one("#export-result", Static).update(f"✘ {text}")

    @on(Button.Pressed, "#export-back")
    def action_back(self) -> None:
        self.app.pop_screen()
