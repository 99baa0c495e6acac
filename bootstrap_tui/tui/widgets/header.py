"""The screens' header: Textual's, with a title update that survives a header being torn down."""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class AppHeader(Header):
    """Textual's `Header`, except that a title change reaching a header whose title widget is
    already gone (its screen is being replaced) is ignored.

    Textual's own handler catches NoScreen but not NoMatches: setting the app's sub-title
    (the account, on connect) while the Welcome screen was switched out crashed the app.
    """

    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # instead of Header._on_mount, which registers the unguarded update

        async def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except (NoScreen, NoMatches):
                pass

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
