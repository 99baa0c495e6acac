"""AppHeader: a title change that reaches a header without its title widget must not crash the app."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets._header import HeaderTitle

from bootstrap_tui.tui.widgets.header import AppHeader


class _OneHeader(App):
    def compose(self) -> ComposeResult:
        yield AppHeader()


async def test_title_changes_follow_the_app_and_survive_a_header_torn_down():
    app = _OneHeader()
    async with app.run_test() as pilot:
        app.title, app.sub_title = "bootstrap-tui", "account 123456789012"
        await pilot.pause()
        assert "account 123456789012" in str(app.query_one(HeaderTitle).render())
        await app.query_one(HeaderTitle).remove()  # as while its screen is being replaced
        app.sub_title = "account 210987654321 · SANDBOX"
        await pilot.pause()
        assert app.is_running and app.return_code is None
    assert app._exception is None
