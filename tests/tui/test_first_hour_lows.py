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


async def test_the_welcome_screen_shows_where_the_keyboard_is_and_nothing_moves(make_app):
    """The focused connect choice carries an accent bar and the focused button is reversed;
    moving the focus changes colours only, so a choice stays under the pointer."""
    from textual.widgets import Button, RadioSet

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        choice = app.screen.query_one("#connect-mode", RadioSet)
        button = app.screen.query_one("#connect", Button)
        keys = app.screen.query_one("#mode-keys")
        choice.focus()
        await pilot.pause()
        focused_bar, place = choice.styles.border_left, keys.region
        assert focused_bar[0] == "thick" and not button.styles.text_style.reverse
        button.focus()
        await pilot.pause()
        assert choice.styles.border_left[0] == "thick"
        assert choice.styles.border_left[1] != focused_bar[1]  # the accent follows the keyboard
        assert button.styles.text_style.reverse and button.styles.text_style.bold
        assert keys.region == place
        await pilot.click("#mode-keys")
        await pilot.pause()
        assert app.screen.mode == "keys" and app.screen.query_one("#keys-box").display
