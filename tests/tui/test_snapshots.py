"""Snapshot tests (pytest-textual-snapshot) of every screen at 80x24 and 120x40.

They run on the throwaway step set (tests/tui/fakes.py) whose account id, ARN and
results are fixed, and they never show elapsed times or timestamps, so the SVGs are
deterministic. Update with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from bootstrap_tui.tui.screens.confirm import ConfirmApply
from bootstrap_tui.tui.screens.dashboard import DashboardScreen
from bootstrap_tui.tui.screens.export import ExportScreen
from bootstrap_tui.tui.screens.steps import StepScreen
from tests.tui.conftest import wait_for


def frozen(run_before):
    """Run `run_before`, then stop cursor blinking and drop toasts: a deterministic frame."""

    async def wrapped(pilot):
        await run_before(pilot)
        from textual.widgets import Input

        for screen in pilot.app.screen_stack:
            for widget in screen.query(Input):
                widget.cursor_blink = False
        # toasts come and go with timing; not in the frame. clear_notifications() forgets them,
        # but a toast already mounted on a screen (a modal's, or one fading out) stays drawn
        # until its widget goes: remove them from every screen
        pilot.app.clear_notifications()
        for screen in pilot.app.screen_stack:
            for toast in screen.query("Toast"):
                await toast.remove()
        await pilot.pause(0.05)

    return wrapped


SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


async def _connected(pilot):
    app = pilot.app
    await wait_for(
        pilot,
        lambda: app.engine is not None and app.welcome.query_one("#continue").disabled is False,
        what="connect",
    )
    await pilot.pause()


async def _steps(pilot):
    await _connected(pilot)
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, StepScreen) and pilot.app.screen.ready,
        what="step screen",
    )
    await pilot.pause()


async def _settle(pilot):
    app = pilot.app
    await wait_for(pilot, lambda: app.applying is None and not app.verifying, what="workers")
    await pilot.pause(0.1)


@SIZES
def test_welcome(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(_connected))


@SIZES
def test_step_page(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(_steps))


@SIZES
def test_step_inputs_with_validation(snap_compare, make_app, size):
    async def run_before(pilot):
        await _steps(pilot)
        await pilot.press("2")
        form = pilot.app.screen.form
        form.query_one("#field-alias").value = "Bad Alias"
        form.query_one("#field-security_email").value = "founder@gmail.com"
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))


@SIZES
def test_plan(snap_compare, make_app, size):
    async def run_before(pilot):
        await _steps(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: pilot.app.screen.plans, what="plan")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))


@SIZES
def test_destructive_confirmation(snap_compare, make_app, cloud, size):
    cloud.alias, cloud.org = "acme-management", "o-1"

    async def run_before(pilot):
        await _steps(pilot)
        for sid in ("management-account", "organization"):
            pilot.app.engine.state.set_status(sid, "verified")
        pilot.app.screen.select_step("guardrails")
        await pilot.press("a")
        # the frame once the modal is mounted AND its word field has the cursor (under
        # load, a frame taken between the two differed)
        await wait_for(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, ConfirmApply)
                and pilot.app.focused is not None
                and pilot.app.focused.id == "confirm-word"
            ),
        )
        # the "Planning guardrails…" toast may or may not have timed out yet: not part of the frame
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))


@SIZES
def test_verification_results(snap_compare, make_app, cloud, size):
    cloud.alias = "acme-management"

    async def run_before(pilot):
        await _steps(pilot)
        pilot.app.screen.select_step("root-mfa")
        await pilot.press("v")
        await wait_for(pilot, lambda: "root-mfa" in pilot.app.screen.results, what="verify")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))


@SIZES
def test_dashboard(snap_compare, make_app, cloud, size):
    cloud.alias = "acme-management"

    async def run_before(pilot):
        await _steps(pilot)
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, DashboardScreen)
                and pilot.app.last_full_run is not None
            ),
            what="dashboard",
        )
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))


@SIZES
def test_export(snap_compare, make_app, size):
    async def run_before(pilot):
        await _steps(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportScreen))
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))


@SIZES
def test_step_page_with_an_apply_in_the_background(snap_compare, make_app, monkeypatch, size):
    """The sidebar's time left and its "Running in background" entry, on a frozen clock."""
    from bootstrap_tui.tui import background

    monkeypatch.setattr(background, "monotonic", lambda: 1065.0)

    async def run_before(pilot):
        await _steps(pilot)
        app = pilot.app
        monkeypatch.setattr(app, "time_left_line", lambda: background.time_left_line(3150))
        app.running["organization"] = background.Running(
            "organization", "AWS Organizations", None, 180.0, started=1000.0
        )
        app.screen.sidebar.tick()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=frozen(run_before))
