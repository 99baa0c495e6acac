"""The exported checklist's pieces in the wizard: who attests is asked once (and kept in
the state), and the dashboard shows the same framework bars as the html checklist."""

from __future__ import annotations

import re

from textual.widgets import Input, Static

from bootstrap_tui.report.export import export_text
from bootstrap_tui.state import read_state_file
from bootstrap_tui.tui.bars import bar_cells, counts_of
from bootstrap_tui.tui.screens.attester import AskAttester
from bootstrap_tui.tui.screens.dashboard import DashboardScreen
from bootstrap_tui.tui.screens.steps import ManualBox
from tests.tui.conftest import wait_for
from tests.tui.test_wizard_flow import _apply_current, _connect


async def _tick_manual(pilot, app):
    await pilot.press("4")
    await pilot.pause()
    box = app.screen.query(ManualBox).first()
    box.scroll_visible(animate=False)
    await pilot.pause()
    box.focus()
    await pilot.press("space")
    return box


async def test_the_first_attestation_asks_who_attests_once(make_app, state_file):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await _apply_current(pilot, app)  # management-account first
        await pilot.press("n")
        assert app.screen.step_id == "root-mfa"
        await _apply_current(pilot, app)
        assert app.engine.state.status("root-mfa") == "manual-pending"

        box = await _tick_manual(pilot, app)
        await wait_for(pilot, lambda: isinstance(app.screen, AskAttester), what="who attests")
        await pilot.press("escape")  # cancelled: nothing recorded, the box is unticked
        await wait_for(pilot, lambda: not isinstance(app.screen, AskAttester))
        assert not box.value and app.engine.state.attestation("root.mfa-device") is None

        await _tick_manual(pilot, app)
        await wait_for(pilot, lambda: isinstance(app.screen, AskAttester), what="asked again")
        await pilot.press("enter")  # an empty name is refused, with the reason
        await pilot.pause()
        assert "1 to 120 characters" in str(
            app.screen.query_one("#attester-error", Static).render()
        )
        for key in "Jane Doe":
            await pilot.press("space" if key == " " else key)
        assert app.screen.query_one("#attester-name", Input).value == "Jane Doe"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.engine.state.attestation("root.mfa-device") is not None,
            what="attestation recorded",
        )
        record = app.engine.state.attestation("root.mfa-device")
        assert record["person"] == "Jane Doe" and record["by"].startswith("arn:aws:")
        assert app.engine.attester() == "Jane Doe"  # from now on, not asked again
    saved = read_state_file(state_file)
    assert saved["attested_by"] == "Jane Doe"
    assert saved["attestations"]["root.mfa-device"]["person"] == "Jane Doe"


def _counts(text: str) -> list[tuple[int, ...]]:
    """(passing, failing, not yet attested, not covered, total) per framework in html."""
    return [
        tuple(int(n) for n in m)
        for m in re.findall(
            r"(\d+) passing · (\d+) failing · (\d+) not yet attested or verified · "
            r"(\d+) not covered \(of (\d+)",
            text,
        )
    ]


async def test_dashboard_shows_the_same_framework_bars_as_the_html_checklist(make_app, cloud):
    cloud.alias = "acme-management"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await pilot.press("d")
        await wait_for(pilot, lambda: app.last_full_run is not None, what="verify all")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        shown = str(app.screen.query_one("#dash-coverage", Static).render())
        html = export_text(app.engine, "html", verify_run=app.last_full_run)
        lines = shown.splitlines()
        for name in ("CIS AWS 3.0", "SOC 2", "ISO 27001:2022", "PCI DSS 4.0", "AWS SSB"):
            assert any(line.startswith(name) for line in lines), name
        in_html = _counts(" ".join(re.findall(r'<td class="counts">(.*?)</td>', html)))
        assert [counts_of(line) for line in lines[:5]] == in_html and len(in_html) == 5
        assert all(len(line) <= 80 for line in lines), "fits an 80-column terminal"
        soc2 = next(line for line in lines if line.startswith("SOC 2"))
        assert counts_of(soc2)[1] == 2  # CC1.1 (org.exists) and CC6.1 (root.mfa-enabled)
        assert "passing" in lines[-1] and "not covered" in lines[-1]


def test_bar_cells_fill_the_width_and_keep_every_state_visible():
    cells = bar_cells({"passing": 1, "failing": 0, "incomplete": 2, "not covered": 185}, 30)
    assert sum(n for _, n in cells) == 30
    assert [s for s, _ in cells] == ["passing", "incomplete", "not covered"]
    assert all(n >= 1 for _, n in cells)
    assert bar_cells({"passing": 0}, 30) == []
