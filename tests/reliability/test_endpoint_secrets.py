"""A user:password in the endpoint URL never reaches the state file, stderr or a report
(issue 16, item 3)."""

from __future__ import annotations

import socket

import pytest

from bootstrap_tui.state import find_secrets, read_state_file, redact

from conftest import APPLY, error_lines, isolated_env, reset_sandbox, run_cli

PASSWORD = "hunter2-do-not-leak"

pytestmark = pytest.mark.slow


def with_userinfo(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://ada:{PASSWORD}@{rest}"


def test_endpoint_password_is_not_stored_or_reported(sandbox, tmp_path):
    reset_sandbox(sandbox)
    state, report = tmp_path / "state.yaml", tmp_path / "report.json"
    env = isolated_env(tmp_path, with_userinfo(sandbox.endpoint))
    applied = run_cli(
        "--state-file",
        str(state),
        *APPLY,
        "--step",
        "management-account",
        "--step",
        "root-mfa",
        env=env,
    )
    assert applied.returncode == 0, applied.stderr
    result = run_cli(
        "--state-file",
        str(state),
        "verify",
        "--step",
        "root-mfa",
        "--format",
        "json",
        "-o",
        str(report),
        env=env,
    )
    assert "Traceback" not in result.stderr and report.exists(), result.stderr
    text = state.read_text()
    assert PASSWORD not in text and "ada:" not in text
    assert read_state_file(state)["endpoint"] == sandbox.endpoint
    assert PASSWORD not in (
        applied.stdout + applied.stderr + result.stdout + result.stderr + report.read_text()
    )


def test_connection_error_message_hides_the_password(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = isolated_env(tmp_path, with_userinfo(f"http://127.0.0.1:{port}"), AWS_MAX_ATTEMPTS="1")
    result = run_cli("--state-file", str(tmp_path / "state.yaml"), "verify", env=env)
    assert result.returncode == 3, result.stderr
    assert error_lines(result.stderr)[0].startswith(
        f"bootstrap-tui: could not connect to http://127.0.0.1:{port} "
    )
    assert PASSWORD not in result.stderr


def test_redact_strips_userinfo_from_every_url_but_keeps_emails():
    data = {
        "endpoint": f"https://ada:{PASSWORD}@aws.internal:8443/",
        "steps": {"accounts": {"error": f"could not connect to http://u:{PASSWORD}@h:1"}},
        "email": "ada@example.com",
    }
    assert find_secrets(data) == ["endpoint", "steps.accounts.error"]
    clean = redact(data)
    assert clean["endpoint"] == "https://aws.internal:8443/"
    assert clean["steps"]["accounts"]["error"] == "could not connect to http://h:1"
    assert clean["email"] == "ada@example.com"
