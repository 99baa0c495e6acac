"""Small things a founder noticed in the first hour: where the keyboard is on the Welcome screen,
and empty fields that show an example marked as one instead of something that reads like a value."""
from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Button, Input, RadioSet

import bootstrap_tui.tui
from bootstrap_tui.model import Field
from bootstrap_tui.tui.widgets.form import StepForm


async def test_the_welcome_screen_shows_where_the_keyboard_is(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        choice = app.screen.query_one("#connect-mode", RadioSet)
        button = app.screen.query_one("#connect", Button)
        choice.focus()
        await pilot.pause()
        framed = choice.styles.border_top
        assert framed[0] == "thick" and not button.styles.text_style.reverse
        button.focus()
        await pilot.pause()
        assert choice.styles.border_top != framed  # the frame follows the keyboard
        assert button.styles.text_style.reverse and button.styles.text_style.bold


class _Form(App):
    CSS_PATH = str(Path(bootstrap_tui.tui.__file__).with_name("app.tcss"))

    def compose(self) -> ComposeResult:
        yield StepForm("management-account", [
            (Field("security_email", "Security contact email", kind="email"), None, "missing"),
            (Field("company", "Company name", kind="name", required=False), None, "missing"),
            (Field("note", "A note", kind="text", required=False), None, "missing")])


async def test_empty_fields_show_a_marked_example_in_muted_italics():
    app = _Form()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        empty = list(app.query(".field-row Input").results(Input))
        assert [i.placeholder for i in empty] == [
            "e.g. security@acme.example", "e.g. Acme Rockets (optional)", "(optional)"]
        for field in empty:
            assert field.placeholder.startswith("e.g. ") or field.placeholder in ("(optional)", "(required)"), \
                field.placeholder
            style = field.get_component_rich_style("input--placeholder")
            assert style.italic, field.id
