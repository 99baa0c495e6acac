"""Small things a founder noticed in the first hour: empty fields show an example marked as one,
not something that reads like a value."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input

import bootstrap_tui.tui
from bootstrap_tui.model import Field
from bootstrap_tui.tui.widgets.form import StepForm


class _Form(App):
    CSS_PATH = str(Path(bootstrap_tui.tui.__file__).with_name("app.tcss"))

    def compose(self) -> ComposeResult:
        yield StepForm(
            "management-account",
            [
                (Field("security_email", "Security contact email", kind="email"), None, "missing"),
                (Field("company", "Company name", kind="name", required=False), None, "missing"),
                (Field("note", "A note", kind="text", required=False), None, "missing"),
            ],
        )


async def test_empty_fields_show_a_marked_example_in_muted_italics():
    app = _Form()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        empty = list(app.query(".field-row Input").results(Input))
        assert [i.placeholder for i in empty] == [
            "e.g. security@acme.example",
            "e.g. Acme Rockets (optional)",
            "(optional)",
        ]
        for field in empty:
            assert field.placeholder.startswith("e.g. ") or field.placeholder in (
                "(optional)",
                "(required)",
            ), field.placeholder
            style = field.get_component_rich_style("input--placeholder")
            assert style.italic, field.id
