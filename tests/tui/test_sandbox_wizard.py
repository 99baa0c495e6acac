"""The wizard on the real engine, real steps and the embedded sandbox (real boto3 over
HTTP): the whole walk from the fresh seed, responsiveness under 200 ms latency, and
resuming a long operation after quitting."""
from __future__ import annotations

import time

import pytest

from bootstrap_tui.engine import Options
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.messages import ApplyStarted, Failed, VerifyDone
from bootstrap_tui.tui.screens.confirm import ConfirmApply
from bootstrap_tui.tui.screens.steps import StepScreen
from tests.tui.conftest import KeyLatency, wait_for

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


def _app(sandbox, state_file) -> BootstrapApp:
    options = Options(endpoint_url=sandbox.endpoint, state_file=state_file)
    return BootstrapApp(options, sandbox=True, list_aws_profiles=False)


async def _to_steps(pilot, app) -> StepScreen:
    await wait_for(pilot, lambda: app.engine is not None or app.errors, timeout=30,
                   what="connect")
    assert not app.errors, app.errors
    if not isinstance(app.screen, StepScreen):
        await wait_for(pilot, lambda: not app.screen.query_one("#continue").disabled)
        await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
                   what="step screen")
    return app.screen


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
            await pilot.click("#confirm-yes")
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
    if screen.query_one("#simulate").display:
        screen.query_one("#simulate").scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click("#simulate")
        await wait_for(pilot, lambda: len(app.errors) > before or all(
            app.engine.state.attestation(m.id) for m in app.engine.by_id[step_id].manual),
            timeout=30, what="simulated console action")
    for box in list(screen.query(".attest")):
        if not box.value:
            box.value = True  # the user ticks the item once done in the console
    await pilot.pause()
    done = len([m for m in app.messages_seen if isinstance(m, VerifyDone)])
    await pilot.press("v")
    await wait_for(pilot, lambda: not app.verifying and len(
        [m for m in app.messages_seen if isinstance(m, VerifyDone)]) > done, timeout=60,
        what="verify")
    return app.engine.state.status(step_id)


async def test_walks_the_wizard_on_the_sandbox_from_the_fresh_seed(sandbox, tmp_path):
    app = _app(sandbox, tmp_path / "state.yaml")
    seen: list = []
    app.messages_seen = seen
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        screen = await _to_steps(pilot, app)
        assert app.sub_title == f"account {sandbox.management_account_id} · SANDBOX"
        outcome = {}
        for step in app.engine.steps:
            outcome[step.id] = await _apply_step(pilot, app, screen, step.id)
        failed = [m for m in seen if isinstance(m, Failed)]
        assert not failed, [str(m.error) for m in failed]
        assert {k: v for k, v in outcome.items() if v not in DONE} == {}, outcome
        rows = app.engine.status()
        assert all(r["status"] in DONE for r in rows), rows
        await pilot.press("ctrl+q")


async def test_navigation_answers_at_once_while_apply_runs_at_200ms_latency(sandbox, tmp_path):
    sandbox.configure(latency_ms=200)
    app = _app(sandbox, tmp_path / "state.yaml")
    seen: list = []
    latency = KeyLatency()

    def hook(message):
        seen.append(message)
        latency(message)

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        screen = await _to_steps(pilot, app)
        screen.select_step("management-account")
        await pilot.press("a")  # plan (in a worker), then the confirmation
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmApply)
                       and app.screen.query("#confirm-yes"), timeout=60, what="confirmation")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: any(isinstance(m, ApplyStarted) for m in seen),
                       what="apply to start")
        screen.sidebar.list_view.focus()
        times = []
        for key, expected in (("down", 1), ("down", 2), ("up", 1), ("down", 2), ("down", 3)):
            times.append(await latency.press(pilot, key))
            assert screen.sidebar.list_view.index == expected
        assert app.applying == "management-account", "the apply worker must still be running"
        print(f"key -> sidebar latency: max {max(times):.3f}s over {len(times)} keys")
        assert max(times) < 0.5, f"key -> sidebar took {max(times):.3f}s while the worker ran"
        await pilot.press("ctrl+q")


async def test_quitting_mid_operation_resumes_polling_on_next_start(sandbox, tmp_path):
    """accounts records CreateAccount request ids before waiting: quit while they are
    IN_PROGRESS, start again, and the wizard resumes polling without creating twice."""
    from bootstrap_tui.engine import Engine

    state_file = tmp_path / "state.yaml"
    options = Options(endpoint_url=sandbox.endpoint, state_file=state_file)
    engine = Engine(options)
    engine.connect()
    try:
        for sid in engine.step_ids():
            if sid == "accounts":
                break
            engine.apply(sid, confirm_destructive=lambda p: True)
    finally:
        engine.close()
    sandbox.configure(op_delay_s=4.0)
    app = _app(sandbox, state_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _to_steps(pilot, app)
        screen.select_step("accounts")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmApply)
                       and app.screen.query("#confirm-yes"), timeout=60, what="confirmation")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: app.engine.state.operations("accounts"), timeout=60,
                       what="an operation id recorded")
        assert app.engine.state.status("accounts") == "in-progress"
        await pilot.press("ctrl+q")
    from bootstrap_tui.state import read_state_file

    data = read_state_file(state_file)
    assert data["steps"]["accounts"]["status"] == "in-progress"
    recorded = dict(data["steps"]["accounts"]["operations"])
    assert recorded
    sandbox.configure(op_delay_s=0.3)
    app = _app(sandbox, state_file)
    seen: list = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await wait_for(pilot, lambda: any(isinstance(m, ApplyStarted) and m.resumed
                                          for m in seen), timeout=30, what="resume")
        await wait_for(pilot, lambda: app.applying is None, timeout=90, what="resumed apply")
        assert not app.errors, app.errors
        assert app.engine.state.status("accounts") in ("verified", "applied"), app.errors
        assert app.engine.state.operations("accounts") == {}
        await pilot.press("ctrl+q")
    names = [a.get("name") for a in sandbox.info()["accounts"] if a.get("name")]
    assert len(names) == len(set(names)), f"an account was created twice: {names}"


async def test_wizard_starts_its_own_sandbox_in_a_worker(tmp_path, monkeypatch):
    """`run_wizard(options, sandbox=True)` without an endpoint: the Welcome screen comes
    first, the sandbox starts in a worker (moto is never imported on the UI path),
    and it is stopped on quit."""
    from bootstrap_tui.tui.screens.welcome import WelcomeScreen

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app = BootstrapApp(Options(state_file=tmp_path / "state.yaml"), sandbox=True,
                       list_aws_profiles=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        await wait_for(pilot, lambda: app.engine is not None or app.errors, timeout=30,
                       what="sandbox + connect")
        assert not app.errors, app.errors
        assert app.sub_title.endswith("· SANDBOX") and app.own_sandbox is not None
        await pilot.press("ctrl+q")
    assert app.own_sandbox is None
