"""The founder's first hour (issue 15): the baseline profile survives a restart, a step the
profile skips does not block the steps after it; through the CLI, plain mode and the wizard."""

from __future__ import annotations

import pytest
import yaml

from bootstrap_tui.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def sandbox(monkeypatch):
    from bootstrap_tui.sandbox.testing import running_sandbox

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with running_sandbox(seed="fresh", op_delay_s=0.05) as box:
        yield box


def cli(sandbox, state_file, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--endpoint-url", sandbox.endpoint, "--state-file", str(state_file), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_keeps_the_recorded_profile_and_says_when_it_changes(sandbox, tmp_path, capsys):
    state = tmp_path / "state.yaml"
    code, _, err = cli(
        sandbox,
        state,
        capsys,
        "--profile-file",
        "soc2",
        "apply",
        "--step",
        "management-account",
        "--yes",
    )
    assert code == 0, err
    code, out, _ = cli(sandbox, state, capsys, "status")
    assert "profile:    soc2" in out
    code, out, err = cli(sandbox, state, capsys, "plan", "--step", "control-tower")
    assert code == 0, err
    assert "does not use Control Tower" not in out and "changed" not in err
    assert yaml.safe_load(state.read_text())["profile"] == "soc2"

    code, out, err = cli(
        sandbox,
        state,
        capsys,
        "--profile-file",
        "startup-minimal",
        "plan",
        "--step",
        "control-tower",
    )
    assert code == 0, err
    assert (
        "Baseline profile changed from soc2 (recorded in the state file) to "
        "startup-minimal (--profile-file)" in err
    )
    assert "control-tower planned → skipped" in err
    assert "skipped — the startup-minimal profile does not use Control Tower" in out
    assert yaml.safe_load(state.read_text())["profile"] == "startup-minimal"


def test_a_step_the_profile_skips_does_not_block_the_next(sandbox, tmp_path, capsys):
    state = tmp_path / "state.yaml"
    code, _, err = cli(
        sandbox,
        state,
        capsys,
        "apply",
        "--step",
        "management-account",
        "--step",
        "organization",
        "--step",
        "accounts",
        "--yes",
    )
    assert code == 0, err
    code, out, err = cli(sandbox, state, capsys, "apply", "--step", "identity-center", "--yes")
    assert "needs control-tower" not in out + err
    assert code == 0, out + err
    assert yaml.safe_load(state.read_text())["steps"]["identity-center"]["status"] in (
        "applied",
        "verified",
        "manual-pending",
    )


def test_plain_mode_uses_the_recorded_profile(sandbox, tmp_path, capsys):
    import io

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bootstrap_tui.engine import Options
    from bootstrap_tui.plain import run_plain

    state = tmp_path / "state.yaml"
    code, _, err = cli(
        sandbox,
        state,
        capsys,
        "--profile-file",
        "soc2",
        "apply",
        "--step",
        "management-account",
        "--yes",
    )
    assert code == 0, err
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("\x1b[B\x1b[B\r")  # the first step: Quit
        code = run_plain(
            Options(endpoint_url=sandbox.endpoint, state_file=state),
            sandbox=True,
            input=pipe,
            output=DummyOutput(),
            out=out,
        )
    assert code == 0, out.getvalue()
    assert "Baseline profile: soc2 (recorded in the state file)" in out.getvalue()
    assert yaml.safe_load(state.read_text())["profile"] == "soc2"


# ---------------------------------------------------------------- typing in fields (Pilot)


async def _steps(pilot, app):
    from textual.widgets import Button

    from bootstrap_tui.tui.screens.steps import StepScreen
    from tests.tui.conftest import click, wait_for

    await wait_for(pilot, lambda: app.engine is not None, what="connect")
    await wait_for(pilot, lambda: not app.screen.query_one("#continue", Button).disabled)
    await pilot.pause()  # show_identity scrolls after a refresh: click once it has landed
    await pilot.pause()
    await click(pilot, "#continue")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
        what="step screen shown",
    )
    await pilot.pause()
    return app.screen


async def test_typing_in_a_field_never_fires_shortcuts(make_app, recorder):
    from textual.widgets import Input, TabbedContent, Tabs

    from bootstrap_tui.tui.messages import PlanReady
    from bootstrap_tui.tui.screens.export import ExportScreen
    from bootstrap_tui.tui.screens.steps import StepScreen
    from tests.tui.conftest import wait_for

    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=recorder) as pilot:
        screen = await _steps(pilot, app)
        await pilot.press("2")  # the Inputs tab: the cursor lands in its first field
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="a field focused")
        field = app.focused
        await pilot.press("end", "ctrl+u", *"Acme", "space", *"Rockets 1234 edmpavnbs?")
        assert field.value == "Acme Rockets 1234 edmpavnbs?"
        assert app.screen is screen and screen.step_id == "management-account"
        assert screen.query_one("#tabs", TabbedContent).active == "tab-inputs"
        assert not recorder.of(PlanReady)

        await pilot.press("ctrl+r")  # Plan from inside the field (invalid alias: it says so)
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("escape")  # leaves the field: shortcuts work again
        assert isinstance(app.focused, Tabs)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen), what="steps again")

        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="a field focused")
        await pilot.press("end", "ctrl+u", *"acme-prod")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: recorder.of(PlanReady), what="plan from a field")
        assert app.engine.state.answers("management-account")["alias"] == "acme-prod"


# ---------------------------------------------------------------- the profile in the wizard


def _prepare(sandbox, state_file, profile: str, steps: tuple[str, ...]) -> None:
    from bootstrap_tui.engine import Engine, Options

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
        for sid in steps:
            engine.apply(sid, confirm_destructive=lambda p: True)
            engine.verify([sid])
        engine.state.save()
    finally:
        engine.close()


def _wizard(sandbox, state_file, profile: str | None = None):
    from bootstrap_tui.engine import Options
    from bootstrap_tui.tui.app import BootstrapApp
    from tests.tui.conftest import quiet

    return quiet(
        BootstrapApp(
            Options(endpoint_url=sandbox.endpoint, state_file=state_file, profile=profile),
            sandbox=True,
            list_aws_profiles=False,
        )
    )


async def _palette(pilot, text: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*text)
    await pilot.pause(0.2)
    await pilot.press("enter")


async def test_restart_keeps_the_recorded_profile_and_switching_asks(sandbox, tmp_path):
    from textual.widgets import Static

    from bootstrap_tui.tui.screens.profile import ConfirmProfile
    from bootstrap_tui.tui.screens.steps import StepScreen
    from tests.tui.conftest import click, wait_for

    state = tmp_path / "state.yaml"
    _prepare(sandbox, state, "soc2", ("management-account", "root-mfa", "organization"))
    app = _wizard(sandbox, state)  # no --profile-file: a plain restart
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
            timeout=30,
            what="returning user lands on the steps",
        )
        assert app.engine.profile.name == "soc2"
        assert app.sub_title.endswith("· baseline soc2")
        screen = app.screen
        screen.select_step("control-tower")
        await pilot.pause()
        await pilot.press("p")
        summary = screen.query_one("#plan-summary", Static)
        await wait_for(
            pilot,
            lambda: "change(s)" in str(summary.render()),
            timeout=30,
            what="control tower plan",
        )
        assert "does not use Control Tower" not in str(summary.render())

        await _palette(pilot, "startup-minimal")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProfile), what="confirm")
        listed = str(app.screen.query_one("#confirm-list", Static).render())
        assert "control-tower: planned → skipped" in listed
        # both profiles have the same organization section: a verified organization stays verified
        assert "organization" not in listed
        await click(pilot, "#confirm-no")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen), what="kept")
        assert app.engine.profile.name == "soc2"
        assert app.engine.state.status("organization") == "verified"

        await _palette(pilot, "startup-minimal")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProfile), what="confirm")
        await click(pilot, "#confirm-yes")
        await wait_for(
            pilot,
            lambda: (
                app.engine.profile.name == "startup-minimal"
                and isinstance(app.screen, StepScreen)
                and app.screen.ready
            ),
            what="switched",
        )
        assert app.sub_title.endswith("· baseline startup-minimal")
        assert app.engine.state.status("organization") == "verified"
        assert app.engine.state.status("control-tower") == "skipped"
        await pilot.press("ctrl+q")
    saved = yaml.safe_load(state.read_text())
    assert saved["profile"] == "startup-minimal"
    assert saved["steps"]["organization"]["status"] == "verified"
    assert saved["steps"]["control-tower"]["status"] == "skipped"


async def test_welcome_shows_the_recorded_profile_before_continue(sandbox, tmp_path):
    from textual.widgets import Select, Static

    from bootstrap_tui.tui.screens.welcome import WelcomeScreen
    from tests.tui.conftest import wait_for

    state = tmp_path / "state.yaml"
    _prepare(sandbox, state, "soc2", ())  # the account was connected once, with soc2
    app = _wizard(sandbox, state)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, timeout=30, what="connect")
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        await wait_for(
            pilot,
            lambda: welcome.query_one("#baseline", Select).value == "soc2",
            what="the recorded profile shown",
        )
        assert "recorded for this account" in str(
            welcome.query_one("#baseline-note", Static).render()
        )
        assert "Control Tower landing zone" in str(welcome.query_one("#intro", Static).render())
        assert app.engine.profile.name == "soc2"
        await pilot.press("ctrl+q")


async def test_palette_plans_the_current_step(make_app, recorder):
    from bootstrap_tui.tui.messages import PlanReady
    from tests.tui.conftest import wait_for

    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=recorder) as pilot:
        await _steps(pilot, app)
        await pilot.press("2")
        await _palette(pilot, "plan management")
        await wait_for(pilot, lambda: recorder.of(PlanReady), what="plan from the palette")
        assert recorder.of(PlanReady)[0].step_id == "management-account"


async def test_a_field_reached_with_tab_is_in_view(sandbox, tmp_path):
    from bootstrap_tui.tui.screens.steps import StepScreen
    from bootstrap_tui.tui.widgets.form import FieldRow, StepForm
    from tests.tui.conftest import wait_for

    state = tmp_path / "state.yaml"
    _prepare(sandbox, state, "startup-minimal", ("management-account",))
    app = _wizard(sandbox, state)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
            timeout=30,
            what="steps",
        )
        screen = app.screen
        screen.select_step("identity-center")
        await wait_for(
            pilot,
            lambda: screen.form is not None and screen.form.query(FieldRow),
            what="identity-center form",
        )
        await pilot.press("2")
        form = screen.form
        widgets = [row.widget for row in form.query(FieldRow)]
        assert len(widgets) >= 4
        await wait_for(pilot, lambda: app.focused is widgets[0], what="first field focused")
        holder = screen.query_one("#form-holder")
        for expected in widgets[1:]:
            await pilot.press("tab")
            await pilot.pause()
            assert app.focused is expected, (app.focused, expected)
            await pilot.pause()
            visible = holder.content_region
            region = app.focused.region
            assert visible.contains_region(region), (expected.id, region, visible)
        assert isinstance(form, StepForm)


async def test_destructive_confirmation_lists_deletions_first_and_answers_a_wrong_word(
    make_app, cloud
):
    from textual.widgets import Static

    from bootstrap_tui.tui.screens.confirm import ConfirmApply
    from tests.tui.conftest import wait_for

    cloud.alias, cloud.org = "acme-management", "o-1"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _steps(pilot, app)
        screen.select_step("guardrails")
        await pilot.pause()
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmApply) and app.screen.query("#confirm-word"),
            what="confirmation",
        )
        listed = str(app.screen.query_one("#confirm-list", Static).render()).splitlines()
        assert listed[0].startswith("! DELETE/REPLACE")
        await pilot.press(*"delte", "enter")
        wrong = app.screen.query_one("#confirm-wrong", Static)
        await wait_for(
            pilot,
            lambda: wrong.display and "'delte'" in str(wrong.render()),
            what="the wrong word answered",
        )
        assert isinstance(app.screen, ConfirmApply) and cloud.default_vpcs


async def test_wizard_applies_identity_center_without_the_skipped_control_tower(sandbox, tmp_path):
    from bootstrap_tui.tui.screens.confirm import ConfirmApply
    from bootstrap_tui.tui.screens.steps import StepScreen
    from tests.tui.conftest import click, wait_for

    state = tmp_path / "state.yaml"
    _prepare(
        sandbox,
        state,
        "startup-minimal",
        ("management-account", "root-mfa", "organization", "accounts"),
    )
    app = _wizard(sandbox, state)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
            timeout=30,
            what="steps",
        )
        assert app.engine.state.status("control-tower") == "pending"
        app.screen.select_step("identity-center")
        await pilot.pause()
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ConfirmApply) or app.errors,
            timeout=60,
            what="confirmation",
        )
        assert not app.errors, app.errors
        await pilot.pause()
        await click(pilot, "#confirm-yes")
        await wait_for(pilot, lambda: app.applied or app.errors, timeout=120, what="apply")
        assert not app.errors, app.errors
        assert app.applied[0][0] == "identity-center"
        await pilot.press("ctrl+q")
