"""The plan view and the apply confirmation show what a plan keeps or leaves alone (its = lines)."""

from __future__ import annotations

from textual.widgets import Static

from bootstrap_tui.engine import Options
from bootstrap_tui.model import Plan
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.screens.confirm import ConfirmApply
from tests.tui.conftest import quiet, wait_for
from tests.tui.test_costs_view import CostedEngine
from tests.tui.test_wizard_flow import _connect


def kept_plan() -> Plan:
    plan = Plan("security-services")
    plan.add("create", "GuardDuty detector", "audit", region="us-east-1")
    plan.keep(
        "keeping",
        "CloudTrail trail",
        "management-events",
        region="us-east-1",
        detail="single-region, your bucket s3://founder-logs",
    )
    return plan


async def test_plan_view_and_confirmation_show_kept_lines(cloud, state_file):
    options = Options(state_file=state_file, endpoint_url="http://127.0.0.1:1")
    app = quiet(
        BootstrapApp(
            options,
            sandbox=True,
            list_aws_profiles=False,
            engine_factory=lambda o: CostedEngine.connected(o, cloud),
        )
    )
    line = "= keeping CloudTrail trail 'management-events' [us-east-1] — single-region, your bucket s3://founder-logs"
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await _connect(pilot, app)
        screen._show_plan(kept_plan())
        await pilot.pause()
        notes = str(screen.query_one("#plan-notes", Static).render())
        assert line in notes, notes

        app.push_screen(ConfirmApply("security-services", "Security services", kept_plan()))
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmApply) and app.screen.query("#confirm-list"),
            what="confirmation",
        )
        listed = str(app.screen.query_one("#confirm-list", Static).render())
        assert line in listed and "(left as it is)" in listed, listed
