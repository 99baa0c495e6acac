"""The plan view, the apply confirmation and plain mode show the plan's cost lines."""

from __future__ import annotations

import io

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from textual.widgets import Static

from bootstrap_tui.costs import cost_lines, counts_for, estimate_step
from bootstrap_tui.engine import Options
from bootstrap_tui.registry import order_steps
from bootstrap_tui.model import Plan, Step
from bootstrap_tui.plain import run_plain
from bootstrap_tui.profile import load_profile
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.screens.confirm import ConfirmApply
from tests.tui.conftest import quiet, wait_for
from tests.tui.fakes import ACCOUNT, Cloud, FakeEngine, fake_steps
from tests.tui.test_wizard_flow import _connect

ENTER = "\r"
WIPE = "\x7f" * 40


class SecurityStep(Step):
    id = "security-services"
    title = "Security services"
    summary = "Turns on GuardDuty (billable)."
    requires = ("organization",)

    def plan(self, ctx) -> Plan:
        plan = Plan(self.id)
        plan.add("create", "GuardDuty detector", "audit", region="us-east-1")
        return plan

    def apply(self, ctx, plan) -> None:
        ctx.engine.cloud.call()


class CostedEngine(FakeEngine):
    """The fake engine with a real profile and one billable step."""

    def __init__(self, options, cloud, **kw) -> None:
        super().__init__(options, cloud, **kw)
        self.profile = load_profile("startup-minimal")
        self.steps = order_steps([*fake_steps(), SecurityStep()])
        self.by_id = {s.id: s for s in self.steps}


def expected(engine) -> list[str]:
    counts = counts_for(engine.profile, engine.governed_regions, [ACCOUNT])
    lines = cost_lines(estimate_step("security-services", engine.profile, counts))
    assert lines and lines[0].startswith("Expected monthly cost: ~$")
    return lines


def test_plain_mode_shows_the_cost_lines_before_asking(tmp_path):
    cloud, out = Cloud(), io.StringIO()
    engines = []

    def factory(options):
        engines.append(CostedEngine.connected(options, cloud))
        return engines[-1]

    keys = (
        ENTER
        + WIPE
        + "acme-prod"
        + ENTER
        + ENTER
        + ENTER  # management-account
        + ENTER
        + ENTER
        + ENTER
        + ENTER  # root-mfa, organization
        + ENTER
        + ENTER
        + "delete"
        + ENTER  # guardrails
        + ENTER
        + ENTER
    )  # security-services
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        code = run_plain(
            Options(state_file=tmp_path / "state.yaml"),
            sandbox=True,
            input=pipe,
            output=DummyOutput(),
            out=out,
            engine_factory=factory,
        )
    text = out.getvalue()
    assert code == 0, text
    block = text.split("+ create GuardDuty detector", 1)[1]
    for line in expected(engines[0]):
        assert f"   {line}" in block
    assert "Expected monthly cost" not in text.split("+ create GuardDuty detector", 1)[0]


async def test_plan_view_and_confirmation_show_the_cost_lines(cloud, state_file):
    options = Options(state_file=state_file, endpoint_url="http://127.0.0.1:1")
    app = quiet(
        BootstrapApp(
            options,
            sandbox=True,
            list_aws_profiles=False,
            engine_factory=lambda o: CostedEngine.connected(o, cloud),
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _connect(pilot, app)
        plan = SecurityStep().plan(None)
        screen._show_plan(plan)
        await pilot.pause()
        notes = str(screen.query_one("#plan-notes", Static).render())
        lines = expected(app.engine)
        assert all(line in notes for line in lines), notes

        free = Plan("organization")
        free.add("create", "organization", "o")
        screen._show_plan(free)
        await pilot.pause()
        assert "Expected monthly cost" not in str(screen.query_one("#plan-notes", Static).render())

        app.push_screen(ConfirmApply("security-services", "Security services", plan))
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmApply) and app.screen.query("#confirm-cost"),
            what="confirmation with cost",
        )
        cost = str(app.screen.query_one("#confirm-cost", Static).render())
        assert all(line in cost for line in lines), cost
