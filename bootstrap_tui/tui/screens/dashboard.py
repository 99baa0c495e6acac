"""Dashboard: verify for the whole baseline, grouped by step, account and region,
filterable to failures, with a per-framework coverage summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Static

from bootstrap_tui.errors import BootstrapError
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.bars import bars_text
from bootstrap_tui.tui.present import check_badge, where_label
from bootstrap_tui.tui.widgets.header import AppHeader
from bootstrap_tui.tui.widgets.results import detail_text, status_cell

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine

FAILURES = ("FAIL", "ERROR")


class DashboardScreen(Screen[None]):
    app = getters.app(BootstrapApp)

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "verify_all", "Verify all"),
        Binding("f", "toggle_failures", "Failures only"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.results: list[Any] = []
        self.rows: list[Any] = []
        self.live = 0

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Vertical(id="dash-body"):
            yield Static("Whole baseline", id="dash-title")
            yield Static("", id="dash-counts")
            yield Static("", id="dash-coverage")
            with Horizontal(id="dash-controls"):
                yield Checkbox(filter_label(False), value=False, id="failures-only", compact=True)
                yield Button("Verify all", id="verify-all", compact=True, variant="primary")
                yield Button("Export", id="dash-export", compact=True)
            table: DataTable[str | Text] = DataTable(
                id="dash-table", cursor_type="row", zebra_stripes=True
            )
            table.add_columns("Step", "Account", "Region", "Status", "Check", "Message")
            yield table
            yield Static("", id="dash-detail")
        yield Footer()

    def on_mount(self) -> None:
        run = self.app.last_full_run
        if run is not None:
            self.show_run(run.results)
        else:
            self.query_one("#dash-counts", Static).update("Not verified yet.")
            self.action_verify_all()
        self.query_one("#dash-table", DataTable).focus()

    # ------------------------------------------------------------------ data
    def verifying(self) -> None:
        self.live = 0
        self.query_one("#dash-counts", Static).update("Verifying the whole baseline…")

    def add_live(self, result: Any) -> None:
        self.live += 1
        self.query_one("#dash-counts", Static).update(
            f"Verifying the whole baseline… {self.live} result(s) so far"
        )

    def show_run(self, results: list[Any]) -> None:
        self.results = list(results)
        counts = {k: 0 for k in ("PASS", "FAIL", "WARN", "MANUAL", "ERROR")}
        for r in self.results:  # NOT_APPLICABLE is listed only when some result has it
            counts[r.status.value] = counts.get(r.status.value, 0) + 1
        self.query_one("#dash-counts", Static).update(
            "  ".join(f"{check_badge(k)} {v}" for k, v in counts.items())
            + f"   ({len(self.results)} results)"
        )
        self.query_one("#dash-coverage", Static).update(self._bars())
        self._fill()

    def _bars(self) -> Text | str:
        """The exported checklist's framework bars, from this run and the state."""
        from bootstrap_tui.report.export import checklist_of, framework_bars

        run = self.app.last_full_run
        try:
            return bars_text(framework_bars(checklist_of(self.engine, verify_run=run)))
        except BootstrapError as exc:
            return f"Framework summary unavailable: {exc.message}"

    def _fill(self) -> None:
        table = self.query_one("#dash-table", DataTable)
        table.clear()
        only_failures = self.query_one("#failures-only", Checkbox).value
        order = {s.id: i for i, s in enumerate(self.engine.steps)}
        rows = [r for r in self.results if not only_failures or r.status.value in FAILURES]
        rows.sort(
            key=lambda r: (order.get(r.step_id, 99), r.account or "", r.region or "", r.check_id)
        )
        self.rows = rows
        last: tuple[str, str, str] = ("", "", "")
        names = self.engine.known_account_names()
        for index, r in enumerate(rows):
            step = r.step_id if r.step_id != last[0] else ""
            account = r.account or "–"
            show_account = (
                where_label(r.account, None, names) if (r.step_id, account) != last[:2] else ""
            )
            region = r.region or "–"
            show_region = region if (r.step_id, account, region) != last else ""
            last = (r.step_id, account, region)
            table.add_row(
                Text(step, style="bold"),
                show_account,
                show_region,
                status_cell(r.status),
                r.check_id,
                _cut(r.message, 60),
                key=str(index),
            )
        if not rows:
            self.query_one("#dash-detail", Static).update(
                "No failures." if only_failures and self.results else ""
            )

    @on(DataTable.RowHighlighted, "#dash-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.query_one("#dash-detail", Static).update(detail_text(self.rows[event.cursor_row]))

    # ------------------------------------------------------------------ actions
    @on(Checkbox.Changed, "#failures-only")
    def _switched(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = filter_label(event.value)
        self._fill()

    def action_toggle_failures(self) -> None:
        switch = self.query_one("#failures-only", Checkbox)
        switch.value = not switch.value

    @on(Button.Pressed, "#verify-all")
    def action_verify_all(self) -> None:
        self.app.start_verify(None)

    @on(Button.Pressed, "#dash-export")
    def action_export(self) -> None:
        self.app.open_export()

    def action_back(self) -> None:
        self.app.pop_screen()


def filter_label(on: bool) -> str:
    """The filter's state in words (the toggle alone shows it only by colour)."""
    return "Failures only (f): on" if on else "Failures only (f): off"


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
