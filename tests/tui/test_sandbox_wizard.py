"""The wizard on the real engine, real steps and the embedded sandbox (real boto3 over
HTTP): the whole walk from the fresh seed, responsiveness under 200 ms latency, and
resuming a long operation after quitting."""

from __future__ import annotations

import time

import pytest

from bootstrap_tui.engine import Options
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.messages import ApplyProgress, ApplyStarted, Failed, VerifyDone
from bootstrap_tui.tui.screens.attester import AskAttester
from bootstrap_tui.tui.screens.confirm import ConfirmApply
from bootstrap_tui.tui.screens.steps import StepScreen
from tests.tui.conftest import KeyLatency, click, quiet, wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DONE = ("verified", "skipped")


@pytest.fixture
def sandbox(monkeypatch):
    from bootstrap_tui.sandbox.testing import running_sandbox

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with running_sandbox(seed="fresh", op_delay_s=0.3) as box:
        yield box


def _app(sandbox, state_file, profile: str = "startup-minimal") -> BootstrapApp:
    options = Options(endpoint_url=sandbox.endpoint, state_file=state_file, profile=profile)
    return quiet(BootstrapApp(options, sandbox=True, list_aws_profiles=False))


def _prepare(sandbox, state_file, until: str, profile: str = "startup-minimal") -> None:
    """Apply every step before `until` with the engine alone (the UI is tested later)."""
    from bootstrap_tui.engine import Engine

    engine = Engine(
        Options(
            endpoint_url=sandbox.endpoint,
            state_file=state_file,
            profile=profile,
            simulate_console=True,
        )
    )
    engine.connect()
    try:
        for sid in engine.step_ids():
            if sid == until:
                break
            engine.apply(sid, confirm_destructive=lambda p: True)
    finally:
        engine.close()


async def _to_steps(pilot, app) -> StepScreen:
    await wait_for(pilot, lambda: app.engine is not None or app.errors, timeout=30, what="connect")
    assert not app.errors, app.errors
    if not isinstance(app.screen, StepScreen):
        await wait_for(pilot, lambda: not app.screen.query_one("#continue").disabled)
        await pilot.press("enter")
    await wait_for(
        pilot, lambda: isinstance(app.screen, StepScreen) and app.screen.ready, what="step screen"
    )
    return app.screen


async def _start_apply(pilot, app, screen, step_id: str) -> None:
    """Select the step, press `a`, confirm the listed changes with a click."""
    screen.select_step(step_id)
    await pilot.pause()
    await pilot.press("a")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ConfirmApply) and app.screen.query("#confirm-yes"),
        timeout=60,
        what="confirmation",
    )
    await pilot.pause()
    await click(pilot, "#confirm-yes")


async def _apply_step(pilot, app, screen, step_id: str, timeout: float = 120) -> str:
    screen.select_step(step_id)
    await pilot.pause()
    applied, errors = len(app.applied), len(app.errors)
    await pilot.press("a")
    started = time.monotonic()
    while True:
        if isinstance(app.screen, ConfirmApply) and app.screen.query("#confirm-yes"):
            await pilot.pause()
            if app.screen.destructive:
                for key in step_id:
                    await pilot.press(key)
            await click(pilot, "#confirm-yes")
        if len(app.errors) > errors:
            raise AssertionError(f"{step_id}: {app.errors[-1][1]}")
        if len(app.applied) > applied and app.applying is None and not app.verifying:
            break
        assert time.monotonic() - started < timeout, f"apply of {step_id} did not finish"
        await pilot.pause(0.05)
    status = app.engine.state.status(step_id)
    if status == "manual-pending":
        status = await _do_manual(pilot, app, screen, step_id)
    return status


async def _do_manual(pilot, app, screen, step_id: str) -> str:
    await pilot.press("4")
    await pilot.pause()
    before = len(app.errors)
    done = len([m for m in app.messages_seen if isinstance(m, VerifyDone)])
    if screen.query_one("#simulate").display:
        await click(pilot, "#simulate")  # attests and verifies again by itself
    else:
        while screen._focus_next_manual():  # the user ticks each item once done
            await pilot.press("space")
            await pilot.pause()
            if isinstance(app.screen, AskAttester):  # asked once, on the first tick
                await pilot.press("J", "a", "n", "e", "space", "D", "o", "e", "enter")
                await wait_for(
                    pilot,
                    lambda: not isinstance(app.screen, AskAttester),
                    what="who attests recorded",
                )
        assert "all" in str(screen.query_one(".manual-header").render())
        await pilot.press("v")
    await wait_for(
        pilot,
        lambda: (
            len(app.errors) > before
            or not app.verifying
            and len([m for m in app.messages_seen if isinstance(m, VerifyDone)]) > done
        ),
        timeout=60,
        what="verify after the manual items",
    )
    assert len(app.errors) == before, app.errors[-1]
    return app.engine.state.status(step_id)


@pytest.mark.slow
async def test_walks_the_wizard_on_the_sandbox_from_the_fresh_seed(sandbox, tmp_path):
    """Every step of startup-minimal, at 80x24, from the fresh seed to verified."""
    app = _app(sandbox, tmp_path / "state.yaml")
    seen: list = []
    app.messages_seen = seen
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _to_steps(pilot, app)
        assert app.sub_title == (
            f"account {sandbox.management_account_id} · SANDBOX · baseline startup-minimal"
        )
        outcome = {}
        for step in app.engine.steps:
            outcome[step.id] = await _apply_step(pilot, app, screen, step.id)
        failed = [m for m in seen if isinstance(m, Failed)]
        assert not failed, [str(m.error) for m in failed]
        assert {k: v for k, v in outcome.items() if v not in DONE} == {}, outcome
        rows = app.engine.status()
        assert all(r["status"] in DONE for r in rows), rows
        progress = str(screen.query_one("#overall-progress").render())
        assert progress.startswith(f"{sum(r['status'] == 'verified' for r in rows)}/10 verified")
        await pilot.press("ctrl+q")


async def test_aws_error_is_readable_and_the_app_stays_usable(sandbox, tmp_path):
    """A denied call (sandbox fault deny=...) shows what failed and the fix, no traceback;
    the user keeps navigating and, once the permission is back, the same apply works."""
    state_file = tmp_path / "state.yaml"
    _prepare(sandbox, state_file, until="organization")
    sandbox.configure(faults="deny=organizations:CreateOrganization")
    app = _app(sandbox, state_file)
    seen: list = []
    app.messages_seen = seen
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await _to_steps(pilot, app)
        await _start_apply(pilot, app, screen, "organization")
        await wait_for(pilot, lambda: app.errors, timeout=60, what="the denied call")
        kind, text = app.errors[-1]
        assert kind == "apply"
        assert "organizations:CreateOrganization" in text and "→" in text, text
        assert "Traceback" not in text
        assert app.engine.state.status("organization") == "failed"
        head = str(screen.query_one("#step-head").render())
        assert "✘ failed" in head and "CreateOrganization" in head
        screen.sidebar.list_view.focus()
        await pilot.press("down")
        assert screen.sidebar.list_view.index == 3
        sandbox.configure(faults="")
        status = await _apply_step(pilot, app, screen, "organization")
        assert status == "verified"
        await pilot.press("ctrl+q")


async def test_navigation_answers_while_apply_runs_at_200ms_latency(sandbox, tmp_path):
    """Each key is handled while the apply worker is still inside the engine calling AWS: a UI
    blocked by the worker would handle the keys only after it finished. (How fast the keys are
    handled is a speed figure, printed here; the test does not time it.)"""
    state_file = tmp_path / "state.yaml"
    _prepare(sandbox, state_file, until="organization")
    sandbox.configure(latency_ms=200)
    app = _app(sandbox, state_file)
    seen: list = []
    latency = KeyLatency()
    busy: list[bool] = []

    def hook(message):
        seen.append(message)
        latency(message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = await _to_steps(pilot, app)
        await _start_apply(pilot, app, screen, "organization")
        await wait_for(
            pilot, lambda: any(isinstance(m, ApplyStarted) for m in seen), what="apply to start"
        )
        screen.sidebar.list_view.focus()
        times = []
        for key, expected in (("down", 3), ("down", 4), ("up", 3), ("down", 4), ("down", 5)):
            times.append(await latency.press(pilot, key))
            busy.append(app._active > 0)  # a worker is inside the engine, calling AWS
            assert screen.sidebar.list_view.index == expected
        print(f"key -> sidebar latency: max {max(times):.3f}s over {len(times)} keys")
        assert all(busy), "every key must be handled while the apply worker is still running"
        await pilot.press("ctrl+q")


@pytest.mark.slow
async def test_quitting_mid_landing_zone_resumes_polling_on_next_start(sandbox, tmp_path):
    """soc2 uses Control Tower: quit while CreateLandingZone is IN_PROGRESS (its operation
    id is in the state file), start again, and the wizard resumes polling by itself,
    without starting a second landing zone."""
    from bootstrap_tui.state import read_state_file

    state_file = tmp_path / "state.yaml"
    _prepare(sandbox, state_file, until="control-tower", profile="soc2")
    sandbox.configure(op_delay_s=30.0)
    app = _app(sandbox, state_file, profile="soc2")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _to_steps(pilot, app)
        await _start_apply(pilot, app, screen, "control-tower")
        await wait_for(
            pilot,
            lambda: "landing-zone" in app.engine.state.operations("control-tower"),
            timeout=60,
            what="the landing zone's operation id",
        )
        panel = screen.operation
        assert panel.running
        assert "Applying Control Tower" in str(panel.query_one("#op-title").render())
        assert "elapsed" in str(panel.query_one("#op-elapsed").render())
        assert "resumes polling" in str(panel.query_one("#op-reassure").render())
        await pilot.press("ctrl+q")
    data = read_state_file(state_file)
    assert data["steps"]["control-tower"]["status"] == "in-progress"
    recorded = data["steps"]["control-tower"]["operations"]["landing-zone"]
    sandbox.configure(op_delay_s=0.2)
    app = _app(sandbox, state_file, profile="soc2")
    seen: list = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await wait_for(
            pilot,
            lambda: any(isinstance(m, ApplyStarted) and m.resumed for m in seen),
            timeout=30,
            what="resume",
        )
        assert isinstance(app.screen, StepScreen)  # returning user: straight to the step
        assert "Resuming" in str(app.screen.operation.query_one("#op-title").render())
        await wait_for(pilot, lambda: app.applying is None, timeout=120, what="resumed apply")
        assert not app.errors, app.errors
        assert app.engine.state.status("control-tower") in ("verified", "applied")
        assert app.engine.state.operations("control-tower") == {}
        progress = [
            m.text for m in seen if isinstance(m, ApplyProgress) and m.step_id == "control-tower"
        ]
        assert any("landing zone" in p for p in progress), progress
        await pilot.press("ctrl+q")
    from bootstrap_tui.sandbox.testing import client

    zones = client(sandbox, "controltower").list_landing_zones()["landingZones"]
    assert len(zones) == 1, f"a second landing zone was started: {zones}"
    assert recorded["id"]


async def test_wizard_starts_its_own_sandbox_in_a_worker(tmp_path, monkeypatch):
    """`run_wizard(options, sandbox=True)` without an endpoint: the Welcome screen comes
    first, the sandbox starts in a worker (moto is never imported on the UI path),
    and it is stopped on quit."""
    from bootstrap_tui.tui.screens.welcome import WelcomeScreen

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app = quiet(
        BootstrapApp(
            Options(state_file=tmp_path / "state.yaml"), sandbox=True, list_aws_profiles=False
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        await wait_for(
            pilot,
            lambda: app.engine is not None or app.errors,
            timeout=30,
            what="sandbox + connect",
        )
        assert not app.errors, app.errors
        assert app.sub_title.endswith("· SANDBOX · baseline startup-minimal")
        assert app.own_sandbox is not None
        await pilot.press("ctrl+q")
    assert app.own_sandbox is None


async def test_demo_contacts_follow_the_email_domain_typed(sandbox, tmp_path):
    """Issue 15, Low: on the sandbox, the demo root and contact emails move to the email
    domain the user types, and the saved answers keep it."""
    from textual.widgets import Input

    app = _app(sandbox, tmp_path / "state.yaml")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_steps(pilot, app)
        screen.select_step("management-account")
        await pilot.pause()
        await pilot.press("2")  # the Inputs tab, its first field focused
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="a field focused")
        while app.focused.id != "field-email_domain":
            await pilot.press("tab")
        await pilot.press("ctrl+a", "ctrl+k", *"acme-rockets.si")
        await pilot.pause()
        value = lambda name: screen.query_one(f"#field-{name}", Input).value  # noqa: E731
        assert value("email_domain") == "acme-rockets.si"
        assert value("root_email") == "aws@acme-rockets.si"
        for key in ("billing", "operations", "security"):
            assert value(f"{key}_contact_email") == f"aws-{key}@acme-rockets.si"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                (app.engine.state.answers("management-account") or {}).get("security_contact_email")
                == "aws-security@acme-rockets.si"
            ),
            what="answers saved",
        )
        await pilot.press("ctrl+q")


def test_unattended_demo_contacts_follow_the_answered_domain(sandbox, tmp_path):
    """Without the wizard: an answers file with only the domain gives contacts on it."""
    from bootstrap_tui.engine import Engine

    answers = tmp_path / "answers.yaml"
    answers.write_text("management-account:\n  email_domain: acme-rockets.si\n")
    engine = Engine(
        Options(endpoint_url=sandbox.endpoint, state_file=tmp_path / "s.yaml", answers_file=answers)
    )
    engine.connect()
    try:
        got = engine.answers("management-account")
    finally:
        engine.close()
    assert got["root_email"] == "aws@acme-rockets.si"
    assert got["billing_contact_email"] == "aws-billing@acme-rockets.si"
