"""Welcome choices (AWS profiles from ~/.aws/config, bootstrap keys in the keychain),
the command palette, export, and quitting without losing typed answers."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from bootstrap_tui.engine import Options
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.screens.dashboard import DashboardScreen
from bootstrap_tui.tui.screens.export import ExportScreen
from bootstrap_tui.tui.screens.profile import ConfirmProfile
from bootstrap_tui.tui.screens.steps import StepScreen
from bootstrap_tui.tui.screens.welcome import ChoiceButton, WelcomeScreen
from tests.tui.conftest import click, quiet, wait_for

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


async def _to_steps(pilot, app) -> StepScreen:
    await wait_for(pilot, lambda: app.engine is not None, what="connect")
    await wait_for(pilot, lambda: not app.screen.query_one("#continue").disabled)
    await pilot.press("enter")  # Continue has the focus once connected
    await wait_for(
        pilot, lambda: isinstance(app.screen, StepScreen) and app.screen.ready, what="step screen"
    )
    return app.screen


async def test_aws_profiles_are_listed_from_the_config_file_and_used(make_app, tmp_path):
    (tmp_path / "aws-config").write_text(
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n"
        "[profile prod-admin]\nregion = us-east-1\n"
    )
    app = make_app(sandbox=False, list_aws_profiles=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="connect")
        assert isinstance(app.screen, WelcomeScreen)
        select = app.screen.query_one("#aws-profile", Select)
        await wait_for(pilot, lambda: len(select._options) > 1, what="profiles listed")
        values = [value for _, value in select._options]
        assert {"default", "dev", "prod-admin"} <= set(values)
        assert app.sub_title == "account 123456789012 · AWS · baseline startup-minimal"
        select.value = "dev"
        await pilot.pause()
        await click(pilot, "#connect")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, StepScreen) and app.screen.ready,
            what="reconnect",
        )
        assert app.engine.options.aws_profile == "dev"
        assert app.sub_title == "account 123456789012 · AWS (dev) · baseline startup-minimal"
        await pilot.pause(0.2)  # let the header take the new title before quitting
        await pilot.press("ctrl+q")


async def test_connect_choices_show_their_state_by_shape_not_only_colour(make_app):
    app = make_app(sandbox=False, list_aws_profiles=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="connect")
        # show_identity scrolls the identity panel into view after a refresh: let it land
        # before clicking, or the click hits whatever scrolled under the pointer
        await wait_for(pilot, lambda: not app.screen.query_one("#continue").disabled)
        await pilot.pause()
        await pilot.pause()

        def marks() -> dict[str, str]:
            return {b.id: b.render().plain.strip()[1] for b in app.screen.query(ChoiceButton)}

        assert marks()[f"mode-{app.screen.mode}"] == "●"
        assert sorted(marks().values()) == ["○", "○", "●"]
        await click(pilot, "#mode-keys")
        await pilot.pause()
        assert marks() == {"mode-profile": "○", "mode-keys": "●", "mode-sandbox": "○"}
        await pilot.press("ctrl+q")


async def test_bootstrap_keys_are_kept_in_the_keychain_never_on_disk(
    memory_keyring, tmp_path, monkeypatch
):
    """Real engine on the sandbox: the keys typed on Welcome reach the keychain only,
    and the engine connects with them; a malformed key id is a clear message."""
    from bootstrap_tui.sandbox.testing import running_sandbox

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    state_file = tmp_path / "state.yaml"
    with running_sandbox(seed="fresh") as sandbox:
        app = quiet(
            BootstrapApp(
                Options(endpoint_url=sandbox.endpoint, state_file=state_file),
                list_aws_profiles=False,
            )
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None, timeout=30, what="connect")
            welcome = app.screen
            await click(pilot, "#mode-keys")
            await pilot.pause()
            assert welcome.mode == "keys" and welcome.query_one("#keys-box").display
            welcome.query_one("#key-id", Input).value = "not-a-key"
            welcome.query_one("#key-secret", Input).value = SECRET
            await click(pilot, "#connect")
            await wait_for(pilot, lambda: app.errors, timeout=30, what="the key id problem")
            text = str(welcome.query_one("#identity", Static).render())
            assert "does not look like an AWS access key id" in text and "Traceback" not in text
            assert memory_keyring.entries == {}
            welcome.query_one("#key-id", Input).value = KEY_ID
            await click(pilot, "#connect")
            await wait_for(
                pilot, lambda: app.engine is not None, timeout=30, what="connected with the keys"
            )
            assert app.engine.options.use_keychain
            text = str(welcome.query_one("#identity", Static).render())
            assert f"Connected to account {sandbox.management_account_id}" in text
            assert app.engine.identity.account_id == sandbox.management_account_id
            await pilot.press("ctrl+q")
    stored = "".join(memory_keyring.entries.values())
    assert KEY_ID in stored and SECRET in stored
    on_disk = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert SECRET not in on_disk and KEY_ID not in on_disk


async def test_palette_verifies_all_and_switches_the_baseline_profile(make_app, cloud):
    cloud.alias = "acme-management"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _to_steps(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.press(*"verify all")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, DashboardScreen) and app.last_full_run is not None,
            what="verify all",
        )
        assert "SOC 2 " in str(app.screen.query_one("#dash-coverage", Static).render())  # its bar
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("ctrl+p")
        await pilot.press(*"soc2")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmProfile), what="confirmation")
        assert app.engine.profile.name == "startup-minimal"  # nothing switched before yes
        await click(pilot, "#confirm-yes")
        await wait_for(
            pilot,
            lambda: (
                app.engine is not None
                and app.engine.profile.name == "soc2"
                and isinstance(app.screen, StepScreen)
                and app.screen is not screen  # the steps are shown again for the new baseline
            ),
            what="profile switch",
        )
        assert app.sub_title == "account 123456789012 · SANDBOX · baseline soc2"


async def test_export_writes_the_file_for_one_framework_and_shows_the_path(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_steps(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        screen = app.screen
        screen.query_one("#export-format", Select).value = "csv"
        screen.query_one("#export-framework", Select).value = "soc2"
        await pilot.pause()
        target = tmp_path / "out" / "checklist.csv"
        screen.query_one("#export-path", Input).value = str(target)
        await click(pilot, "#export-write")
        result = screen.query_one("#export-result", Static)
        await wait_for(
            pilot, lambda: str(result.render()) not in ("", "Writing…"), what="export result"
        )
        assert str(result.render()) == f"✔ Wrote {target}"
        text = target.read_text()
        assert "mgmt.alias" in text and "root.mfa-enabled" in text
        assert "CC6.1" in text  # the SOC 2 control that root.mfa-enabled maps to


async def test_typed_answers_survive_switching_steps_and_quitting(make_app, state_file):
    from bootstrap_tui.state import read_state_file

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _to_steps(pilot, app)
        await pilot.press("2")
        screen.query_one("#field-alias", Input).value = "acme-typed"
        await pilot.pause()
        await click(pilot, "#step-root-mfa")
        await wait_for(pilot, lambda: screen.step_id == "root-mfa", what="step switch")
        assert app.engine.answers("management-account")["alias"] == "acme-typed"
        await click(pilot, "#step-management-account")
        await wait_for(pilot, lambda: screen.step_id == "management-account")
        await pilot.press("2")
        screen.query_one("#field-security_email", Input).value = "sec@acme.example"
        screen.query_one("#field-alias", Input).value = "Not Valid!"
        await pilot.pause()
        await pilot.press("ctrl+q")
    saved = read_state_file(state_file)["steps"]["management-account"]["answers"]
    assert saved == {"alias": "acme-typed", "security_email": "sec@acme.example"}


async def test_the_opening_text_names_control_tower_only_when_the_profile_uses_it(make_app):
    """Issue 15, Low: startup-minimal has no Control Tower, so Welcome does not promise one;
    choosing soc2 there makes it say so."""
    from textual.widgets import Select, Static

    from bootstrap_tui.tui.screens.welcome import WelcomeScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, timeout=30, what="connect")
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        intro = lambda: str(welcome.query_one("#intro", Static).render())  # noqa: E731
        await wait_for(
            pilot,
            lambda: "startup-minimal" in str(welcome.query_one("#baseline-note", Static).render()),
            what="profile shown",
        )
        assert "Control Tower" not in intro() and "landing zone" not in intro()
        welcome.query_one("#baseline", Select).value = "soc2"
        await wait_for(pilot, lambda: "Control Tower landing zone" in intro(), what="soc2 intro")
        await pilot.press("ctrl+q")
