"""Issue 19, in the wizard: while a long apply runs, the founder moves on. The real engine,
real steps and the sandbox playing AWS's durations (``--durations realistic``, scaled), real
boto3 over HTTP: the sidebar lists what runs with its elapsed time and estimate, another step
is planned and attested meanwhile, a step that needs the running one says what it waits for,
and the entry leaves when the apply ends (a failed one with its error shown)."""

from __future__ import annotations

import pytest

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.messages import (
    ApplyProgress,
    ApplyStarted,
    ConsoleSimulated,
    OperationFinished,
    PlanReady,
)
from tests.tui.conftest import click, quiet, wait_for
from tests.tui.test_sandbox_wizard import _start_apply, _to_steps

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TIME_SCALE = 15  # CreateAccount: typically 3 minutes on AWS, 12 s here (4-20 s)


@pytest.fixture
def realistic(monkeypatch):
    from bootstrap_tui.sandbox.testing import running_sandbox

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with running_sandbox(
        seed="fresh", op_delay_s=0.3, durations="realistic", time_scale=TIME_SCALE
    ) as box:
        yield box


def _ready_for_accounts(sandbox, state_file) -> None:
    """The management account and the organization set up; root MFA and the rest left to do."""
    engine = Engine(
        Options(endpoint_url=sandbox.endpoint, state_file=state_file, profile="startup-minimal")
    )
    engine.connect()
    try:
        for step_id in ("management-account", "organization"):
            engine.apply(step_id, confirm_destructive=lambda p: True)
    finally:
        engine.close()


def _app(sandbox, state_file) -> BootstrapApp:
    options = Options(
        endpoint_url=sandbox.endpoint, state_file=state_file, profile="startup-minimal"
    )
    return quiet(BootstrapApp(options, sandbox=True, list_aws_profiles=False))


def _text(screen, selector: str) -> str:
    widget = screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _index(seen: list, cls: type, step_id: str, **match) -> int:
    for i, message in enumerate(seen):
        if isinstance(message, cls) and getattr(message, "step_id", None) == step_id:
            if all(getattr(message, k) == v for k, v in match.items()):
                return i
    raise AssertionError(f"no {cls.__name__} for {step_id} in {seen}")


async def test_the_founder_works_on_while_accounts_are_created_in_the_background(
    realistic, tmp_path
):
    state_file = tmp_path / "state.yaml"
    _ready_for_accounts(realistic, state_file)
    app = _app(realistic, state_file)
    seen: list = []
    async with app.run_test(size=(100, 32), message_hook=seen.append) as pilot:
        screen = await _to_steps(pilot, app)
        before = _text(screen, "#time-left")
        assert before.startswith("time left: about "), before

        await _start_apply(pilot, app, screen, "accounts")
        await wait_for(pilot, lambda: "accounts" in app.running, what="the apply to start")
        entry = app.running["accounts"]
        assert entry.kind == "create-account"
        assert entry.estimate == pytest.approx(180 / TIME_SCALE)  # 4 accounts, 5 at a time
        await wait_for(
            pilot,
            lambda: "Running in background" in _text(screen, "#background"),
            what="the sidebar entry",
        )
        sidebar = _text(screen, "#background")
        assert "◐ Accounts\n" in sidebar and " elapsed\n" in sidebar, sidebar
        assert sidebar.endswith(" left") or sidebar.endswith("any moment now"), sidebar
        first = sidebar
        await wait_for(
            pilot,
            lambda: _text(screen, "#background") not in (first, ""),
            timeout=3,
            what="the elapsed time to tick",
        )

        # meanwhile: plan root MFA, which does not need the accounts, and do its console part
        screen.select_step("root-mfa")
        await pilot.pause()
        await pilot.press("p")
        await wait_for(
            pilot,
            lambda: any(isinstance(m, PlanReady) and m.step_id == "root-mfa" for m in seen),
            what="the root-mfa plan",
        )
        await pilot.press("4")
        await click(pilot, "#simulate")
        await wait_for(
            pilot,
            lambda: any(isinstance(m, ConsoleSimulated) for m in seen),
            what="the simulated console action",
        )
        assert "accounts" in app.running, "the accounts finished before the test could overlap"

        # a step that needs the accounts waits, and says for what
        screen.select_step("guardrails")
        await pilot.pause()
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: any(n.startswith("Guardrails") and "waits for" in n for n in _notes(app)),
            what="the waiting message",
        )
        waiting = next(n for n in _notes(app) if "waits for" in n)
        assert "waits for Accounts (" in waiting and "still running in the background" in waiting
        assert not any(isinstance(m, ApplyStarted) and m.step_id == "guardrails" for m in seen)
        # nor is a step the running one builds on applied again under it
        screen.select_step("organization")
        await pilot.pause()
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: any("builds on AWS Organizations" in n for n in _notes(app)),
            what="the message about the organization",
        )
        assert not any(isinstance(m, ApplyStarted) and m.step_id == "organization" for m in seen)

        await wait_for(
            pilot, lambda: not app.running, timeout=60, what="the accounts apply to finish"
        )
        await pilot.pause()
        assert _text(screen, "#background") == ""
        assert not app.errors, app.errors
        assert app.engine.state.status("accounts") in ("verified", "applied")
        # the overlap, in the order the messages came
        started = _index(seen, ApplyStarted, "accounts")
        planned = _index(seen, PlanReady, "root-mfa")
        finished = _index(seen, OperationFinished, "accounts", kind="apply")
        assert started < planned < finished
        assert sum(isinstance(m, OperationFinished) and m.kind == "apply" for m in seen) == 1
        # the progress lines' estimates are the sandbox's scaled time, not AWS's minutes
        lines = [m.text for m in seen if isinstance(m, ApplyProgress) and m.step_id == "accounts"]
        assert any("(typically 4s–20s each)" in line for line in lines), lines
        # nothing long is left in startup-minimal once the accounts exist
        assert _text(screen, "#time-left") == ""

        # the dependent step now applies
        screen.select_step("guardrails")
        await pilot.pause()
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: any(isinstance(m, PlanReady) and m.step_id == "guardrails" for m in seen),
            timeout=60,
            what="the guardrails plan",
        )
        await pilot.press("ctrl+q")


async def test_a_failed_background_apply_shows_its_error_and_leaves_the_sidebar(
    realistic, tmp_path
):
    state_file = tmp_path / "state.yaml"
    _ready_for_accounts(realistic, state_file)
    realistic.configure(faults="deny=organizations:DescribeCreateAccountStatus")
    app = _app(realistic, state_file)
    seen: list = []
    async with app.run_test(size=(100, 32), message_hook=seen.append) as pilot:
        screen = await _to_steps(pilot, app)
        await _start_apply(pilot, app, screen, "accounts")
        screen.select_step("root-mfa")  # the founder moved on
        await wait_for(pilot, lambda: app.errors, timeout=60, what="the failed apply")
        kind, text = app.errors[-1]
        assert kind == "apply" and "DescribeCreateAccountStatus" in text and "→" in text, text
        assert "Traceback" not in text
        await wait_for(pilot, lambda: not app.running, what="the entry to leave")
        await pilot.pause()
        assert _text(screen, "#background") == ""
        assert sum(isinstance(m, OperationFinished) and m.kind == "apply" for m in seen) == 1
        assert app.engine.state.status("accounts") == "failed"
        screen.select_step("accounts")
        await pilot.pause(0.2)
        assert "✘ failed" in _text(screen, "#step-head")
        await pilot.press("ctrl+q")
