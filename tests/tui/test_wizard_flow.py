"""Pilot tests of the wizard on the throwaway step set: flows, messages, state."""

from __future__ import annotations

import time

from textual.widgets import Button, Input, Static

from bootstrap_tui.tui.messages import (
    ApplyDone,
    ApplyProgress,
    ApplyStarted,
    Failed,
    PlanReady,
    VerifyDone,
)
from bootstrap_tui.tui.screens.confirm import ConfirmApply
from bootstrap_tui.tui.screens.dashboard import DashboardScreen
from bootstrap_tui.tui.screens.export import ExportScreen
from bootstrap_tui.tui.screens.help import HelpScreen
from bootstrap_tui.tui.screens.steps import StepScreen
from bootstrap_tui.tui.screens.welcome import WelcomeScreen
from tests.tui.conftest import KeyLatency, wait_for


async def _connect(pilot, app):
    await wait_for(pilot, lambda: app.engine is not None, what="connect")
    await wait_for(pilot, lambda: not app.screen.query_one("#continue", Button).disabled)
    await pilot.pause()  # show_identity scrolls after a refresh: click once it has landed
    await pilot.pause()
    await pilot.click("#continue")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
        what="step screen shown",
    )
    await pilot.pause()
    return app.screen


async def _confirm(pilot, app, typed: str | None = None):
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ConfirmApply)
            and app.screen.query("#confirm-yes")
            and app.screen.is_mounted
        ),
        what="confirmation",
    )
    await pilot.pause()
    for key in typed or "":
        await pilot.press(key)
    # A toast or an unfinished layout can take the click; only a click that lands counts.
    started = time.monotonic()
    while not await pilot.click("#confirm-yes"):
        assert time.monotonic() - started < 10, "the Apply button never took a click"
        await pilot.pause(0.05)
    await wait_for(
        pilot, lambda: not isinstance(app.screen, ConfirmApply), what="confirmation to close"
    )


async def _apply_current(pilot, app, *, typed: str | None = None):
    """Press `a`, confirm if asked (typing `typed` first), wait for apply + verify."""
    step_id = app.screen.step_id
    before = len(app.applied)
    await pilot.press("a")

    def settled() -> bool:
        return len(app.applied) > before and app.applying is None and not app.verifying

    started = time.monotonic()
    while not settled():
        if isinstance(app.screen, ConfirmApply):
            await _confirm(pilot, app, typed)
        assert time.monotonic() - started < 15, f"apply of {step_id} did not finish"
        await pilot.pause(0.02)


async def test_walks_every_step_to_verified(make_app, recorder):
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=recorder) as pilot:
        screen = await _connect(pilot, app)
        assert app.sub_title == "account 123456789012 · SANDBOX · baseline startup-minimal"
        assert screen.step_id == "management-account"

        await pilot.press("p")
        await wait_for(pilot, lambda: recorder.of(PlanReady), what="plan")
        plan = recorder.of(PlanReady)[0].plan
        assert [c.name for c in plan.changes] == ["acme-management"]
        await _apply_current(pilot, app)
        assert app.engine.state.status("management-account") == "verified"

        # root-mfa: apply leaves a manual item; the sandbox stand-in does it
        await pilot.press("n")
        assert screen.step_id == "root-mfa"
        await _apply_current(pilot, app)
        assert app.engine.state.status("root-mfa") == "manual-pending"
        assert app.screen.query_one("#simulate", Button).display
        await pilot.press("4")
        await pilot.click("#simulate")
        await wait_for(
            pilot,
            lambda: app.engine.state.status("root-mfa") == "verified",
            what="simulated root MFA",
        )

        # organization: a long operation with progress
        await pilot.press("n")
        await _apply_current(pilot, app)
        assert app.engine.state.status("organization") == "verified"
        progress = [m.text for m in recorder.of(ApplyProgress) if m.step_id == "organization"]
        assert any("IN_PROGRESS" in p for p in progress) and "SUCCEEDED" in progress[-1]

        # guardrails: destructive, typed confirmation
        await pilot.press("n")
        await _apply_current(pilot, app, typed="delete")
        assert app.engine.state.status("guardrails") == "verified"

        assert [r["status"] for r in app.engine.status()] == ["verified"] * 4
        assert "4/4 verified" in str(app.screen.query_one("#overall-progress", Static).render())
        names = recorder.names()
        for kind in (
            "Connected",
            "PlanReady",
            "ApplyStarted",
            "ApplyProgress",
            "ApplyDone",
            "VerifyStarted",
            "VerifyResult",
            "VerifyDone",
            "ConsoleSimulated",
        ):
            assert kind in names, kind
        assert not recorder.of(Failed), [str(m.error) for m in recorder.of(Failed)]
        assert all(m.run.results for m in recorder.of(VerifyDone))


async def test_inline_validation_and_advice(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await pilot.press("2")
        alias = app.screen.query_one("#field-alias", Input)
        alias.value = "Bad Alias!"
        await pilot.pause()
        error = app.screen.query(".field-error").first(Static)
        assert "not a valid alias" in str(error.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.engine.state.answers("management-account") == {}
        alias.value = "acme-prod"
        email = app.screen.query_one("#field-security_email", Input)
        email.value = "founder@gmail.com"
        await pilot.pause()
        assert str(error.render()) == ""
        advice = [str(s.render()) for s in app.screen.query(".field-advice").results(Static)]
        assert any("free-mail" in a for a in advice)
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = app.engine.state.answers("management-account")
        assert saved == {"alias": "acme-prod", "security_email": "founder@gmail.com"}


async def test_destructive_apply_needs_the_typed_word(make_app, cloud):
    cloud.alias, cloud.org = "acme-management", "o-1"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        for sid in ("management-account", "organization"):
            app.engine.state.set_status(sid, "verified")
        app.screen.select_step("guardrails")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmApply))
        assert app.screen.query_one("#confirm-yes", Button).disabled
        for key in "nope":
            await pilot.press(key)
        assert app.screen.query_one("#confirm-yes", Button).disabled
        await pilot.press("escape")
        await pilot.pause()
        assert cloud.default_vpcs == 2 and app.applying is None
        await _apply_current(pilot, app, typed="guardrails")
        assert cloud.default_vpcs == 0


async def test_errors_are_readable_and_app_stays_usable(make_app, recorder):
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=recorder) as pilot:
        screen = await _connect(pilot, app)
        screen.select_step("organization")
        await pilot.press("a")
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: recorder.of(Failed), what="failure")
        kind, text = app.errors[-1]
        assert kind == "apply"
        assert "needs management-account first" in text and "Traceback" not in text
        assert app.engine.state.status("organization") == "planned"
        screen.select_step("management-account")
        await _apply_current(pilot, app)
        assert app.engine.state.status("management-account") == "verified"


async def test_connect_failure_is_shown_on_welcome(make_app, recorder, monkeypatch):
    from bootstrap_tui.errors import AwsError
    from tests.tui import fakes

    def broken(self):
        raise AwsError(
            "the credentials were rejected (InvalidClientTokenId)",
            "run `aws sso login` or check AWS_PROFILE",
        )

    monkeypatch.setattr(fakes.FakeEngine, "connect", broken)
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: recorder.of(Failed))
        await pilot.pause()
        text = str(app.screen.query_one("#identity", Static).render())
        assert "credentials were rejected" in text and "aws sso login" in text
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.screen.query_one("#connect", Button).disabled


async def test_resume_polls_the_recorded_operation(make_app, cloud, recorder, state_file):
    cloud.alias = "acme-management"
    cloud.op_polls = 10_000
    cloud.latency = 0.01
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _connect(pilot, app)
        app.engine.set_answers(
            "management-account", {"alias": "acme-management", "security_email": "sec@example.com"}
        )
        app.engine.state.set_status("management-account", "verified")
        screen.select_step("organization")
        await pilot.press("a")
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: cloud.describes >= 2, what="polling")
        assert app.screen.query_one("#operation").running
        await pilot.press("ctrl+q")
    # quit mid-operation: the state keeps the operation id, the step stays in progress
    from bootstrap_tui.state import read_state_file

    data = read_state_file(state_file)
    assert data["steps"]["organization"]["status"] == "in-progress"
    assert data["steps"]["organization"]["operations"]["create"]["id"] == "op-1"
    cloud.op_polls = 0
    cloud.operations["op-1"] = 3
    polled = cloud.describes
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=recorder) as pilot:
        # returning user: straight to the step view, and polling resumes by itself
        await wait_for(
            pilot, lambda: any(m.resumed for m in recorder.of(ApplyStarted)), what="resumed apply"
        )
        assert isinstance(app.screen, StepScreen)
        await wait_for(
            pilot,
            lambda: app.engine.state.status("organization") == "verified",
            what="resumed operation to finish",
        )
        assert cloud.started_ops == 1, "the operation must not be started twice"
        assert cloud.describes > polled
        assert recorder.of(ApplyDone)[0].step_id == "organization"


async def test_navigation_stays_responsive_during_apply(make_app, cloud):
    cloud.alias = "acme-management"
    cloud.latency = 0.2
    cloud.op_polls = 50
    app = make_app()
    latency = KeyLatency()
    async with app.run_test(size=(120, 40), message_hook=latency) as pilot:
        screen = await _connect(pilot, app)
        app.engine.set_answers(
            "management-account", {"alias": "acme-management", "security_email": "sec@example.com"}
        )
        app.engine.state.set_status("management-account", "verified")
        screen.select_step("organization")
        await pilot.press("a")
        await _confirm(pilot, app)
        await wait_for(pilot, lambda: cloud.describes >= 1, what="apply to be polling")
        screen.sidebar.list_view.focus()
        times = []
        for key, expected in (("up", 1), ("up", 0), ("down", 1), ("down", 2), ("down", 3)):
            times.append(await latency.press(pilot, key))
            assert screen.sidebar.list_view.index == expected
        assert app.applying == "organization", "the worker must still be running"
        assert max(times) < 0.5, f"key -> sidebar took {max(times):.3f}s"
        await wait_for(
            pilot, lambda: screen.step_id == "guardrails", timeout=2, what="detail pane to follow"
        )
        await pilot.press("ctrl+q")


async def test_returning_user_goes_straight_to_the_next_step(make_app, cloud):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await _apply_current(pilot, app)
        await pilot.press("ctrl+q")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        # shown, not only switched to: leaving run_test while the screen's tabs still mount
        # tears them down under Tabs' own mount handler (ValueError: No Tab with id ...)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
            what="step screen shown",
        )
        assert app.screen.step_id == "root-mfa"


async def test_dashboard_filter_and_framework_summary(make_app, cloud):
    cloud.alias = "acme-management"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await pilot.press("d")
        await wait_for(pilot, lambda: app.last_full_run is not None, what="verify all")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        coverage = str(app.screen.query_one("#dash-coverage", Static).render())
        bars = {line[:15].strip(): line for line in coverage.splitlines()}
        assert " 0█ 2█ " in bars["SOC 2"]  # passing, failing: CC1.1 also maps org.exists (FAIL)
        assert " 1█ 0█ " in bars["AWS SSB"]
        assert " 0█ 2█ " in bars["CIS AWS 3.0"]
        assert len(app.screen.rows) == 4
        await pilot.press("f")
        await pilot.pause()
        assert [r.check_id for r in app.screen.rows] == [
            "root.mfa-enabled",
            "org.exists",
            "vpc.no-default",
        ]
        await pilot.press("escape")
        assert isinstance(app.screen, StepScreen)


async def test_export_screen_reports_the_path_or_a_clear_message(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "out.md")
        await pilot.click("#export-write")
        await wait_for(
            pilot,
            lambda: (
                "Writ" not in str(app.screen.query_one("#export-result", Static).render())
                or "Wrote" in str(app.screen.query_one("#export-result", Static).render())
            ),
            what="export result",
        )
        await wait_for(
            pilot,
            lambda: (
                str(app.screen.query_one("#export-result", Static).render()) not in ("", "Writing…")
            ),
        )
        result = str(app.screen.query_one("#export-result", Static).render())
        if result.startswith("✔"):
            assert (tmp_path / "out.md").exists() and str(tmp_path / "out.md") in result
        else:
            assert "Traceback" not in result and result.startswith("✘")


async def test_help_and_command_palette(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _connect(pilot, app)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "Guardrails":
            await pilot.press(key)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.step_id == "guardrails",
            what="palette jump",
        )


async def test_root_user_is_warned_with_the_reason(make_app, monkeypatch):
    from types import SimpleNamespace

    from tests.tui import fakes

    original = fakes.FakeEngine.connect

    def as_root(self):
        original(self)
        self.identity = SimpleNamespace(
            account_id=fakes.ACCOUNT, is_root=True, arn=f"arn:aws:iam::{fakes.ACCOUNT}:root"
        )

    monkeypatch.setattr(fakes.FakeEngine, "connect", as_root)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await pilot.pause()
        text = str(app.screen.query_one("#identity", Static).render())
        assert "ROOT user" in text and "cannot be limited by policies" in text


async def test_quitting_while_the_step_screen_still_mounts_exits_cleanly(make_app, cloud):
    """ctrl+q the moment the step screen is switched to, before its tabs are mounted: the
    wizard leaves with exit code 0, and no error from the half-mounted tabs."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _connect(pilot, app)
        await _apply_current(pilot, app)
        await pilot.press("ctrl+q")
    for _ in range(5):
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(
                pilot, lambda app=app: isinstance(app.screen, StepScreen), what="step screen"
            )
            assert not app.screen.ready
            await pilot.press("ctrl+q")
        assert app.return_code == 0
