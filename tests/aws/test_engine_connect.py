"""Engine.connect against an endpoint that is not a bootstrap-tui sandbox (plain moto)."""

from __future__ import annotations

import pytest

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.errors import ConfigError, RefusedError
from bootstrap_tui.state import StateStore


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_simulate_console_is_refused_off_the_sandbox(moto, creds, tmp_path):
    state = tmp_path / "state.yaml"
    engine = Engine(Options(endpoint_url=moto, state_file=state, simulate_console=True))
    with pytest.raises(ConfigError) as caught:
        engine.connect()
    assert (
        "--simulate-console works only against a bootstrap-tui sandbox endpoint"
        in caught.value.message
    )
    assert moto in caught.value.message
    assert "by hand" in caught.value.hint
    assert not state.exists() and not (tmp_path / "state.yaml.lock").exists()


def test_a_step_cannot_simulate_console_actions_off_the_sandbox(moto, creds, tmp_path):
    engine = Engine(Options(endpoint_url=moto, state_file=tmp_path / "state.yaml"))
    try:
        engine.connect()
        ctx = engine.context("root-mfa")
        assert not ctx.simulate_console
        with pytest.raises(RefusedError) as caught:
            ctx.sandbox_root(engine.management_account_id, mfa=True)
        assert "only be simulated on a sandbox endpoint" in caught.value.message
        assert "in the console" in caught.value.hint
    finally:
        engine.close()


def test_retry_settings_from_the_environment_reach_every_client(moto, creds, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    engine = Engine(Options(endpoint_url=moto, state_file=tmp_path / "state.yaml"))
    try:
        engine.connect()
        assert engine.sandbox_info is None
        for client in (engine.client("sts"), engine.client("ec2", region="eu-west-1")):
            assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}
            assert client.meta.config.connect_timeout == 5 and client.meta.config.read_timeout == 60
    finally:
        engine.close()


def test_state_file_of_another_account_is_refused_and_left_alone(moto, creds, tmp_path):
    state = tmp_path / "state.yaml"
    state.write_text("schema_version: 1\nmanagement_account_id: '999988887777'\nsteps: {}\n")
    before = state.read_bytes()
    engine = Engine(Options(endpoint_url=moto, state_file=state))
    with pytest.raises(ConfigError) as caught:
        engine.connect()
    assert caught.value.message == (
        f"state file {state} belongs to account 999988887777, "
        "but the credentials are for 123456789012"
    )
    assert "--state-file" in caught.value.hint
    assert state.read_bytes() == before
    StateStore(state).open().close()  # the refused run released its lock on the way out


def test_the_profile_chooses_the_role_assumed_in_member_accounts(moto, creds, tmp_path):
    profile = tmp_path / "ct-role.yaml"
    profile.write_text(
        "name: ct-role\ndescription: Control Tower's role.\nextends: startup-minimal\n"
        "automation_role: AWSControlTowerExecution\n"
    )
    engine = Engine(
        Options(endpoint_url=moto, state_file=tmp_path / "state.yaml", profile=str(profile))
    )
    try:
        engine.connect()
        org = engine.client("organizations")
        org.create_organization(FeatureSet="ALL")
        member = org.create_account(Email="m@example.com", AccountName="m")["CreateAccountStatus"][
            "AccountId"
        ]
        arn = engine.client("sts", account=member).get_caller_identity()["Arn"]
        assert arn.startswith(f"arn:aws:sts::{member}:assumed-role/AWSControlTowerExecution/")
        assert engine.client("sts", account=engine.management_account_id) is engine.client("sts")
    finally:
        engine.close()
