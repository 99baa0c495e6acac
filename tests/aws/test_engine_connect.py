"""Engine.connect against an endpoint that is not a bootstrap-tui sandbox (plain moto)."""
from __future__ import annotations

import pytest

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.errors import ConfigError


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_simulate_console_is_refused_off_the_sandbox(moto, creds, tmp_path):
    state = tmp_path / "state.yaml"
    engine = Engine(Options(endpoint_url=moto, state_file=state, simulate_console=True))
    with pytest.raises(ConfigError) as caught:
        engine.connect()
    assert "--simulate-console works only against a bootstrap-tui sandbox endpoint" in caught.value.message
    assert moto in caught.value.message
    assert "by hand" in caught.value.hint
    assert not state.exists() and not (tmp_path / "state.yaml.lock").exists()


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
