"""Missing, expired and invalid credentials: the real CLI process says what is wrong and
the exact command that fixes it, exits 3, prints no traceback and writes no state file.

Each case gets its own HOME with an AWS config and SSO token cache written the way the
AWS CLI writes them; nothing of the machine's own AWS configuration is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from conftest import error_lines, isolated_env, run_cli

START_URL = "https://example-corp.awsapps.com/start"
REVOKED_KEY = "AKIAEXAMPLEREVOKED01"
SSO_SESSION_PROFILE = f"""[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = us-east-1

[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


def _write_sso(home: Path, *, expired: bool) -> None:
    """~/.aws/config with an sso-session profile, and (if `expired`) its cached token,
    expired an hour ago and without a refresh token, as after a day away."""
    aws = home / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "config").write_text(SSO_SESSION_PROFILE)
    if expired:
        at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        token = {
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": "expired-token",
            "expiresAt": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        name = hashlib.sha1(b"corp").hexdigest() + ".json"
        (aws / "sso" / "cache" / name).write_text(json.dumps(token))


def _assert_clean_exit_3(result, state: Path) -> list[str]:
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not state.exists()
    lines = error_lines(result.stderr)
    assert len(lines) == 2 and lines[1].startswith("  → "), result.stderr
    return lines


def test_no_credentials_at_all(tmp_path):
    """No keys, no profile, no endpoint: nothing is sent anywhere."""
    state = tmp_path / "state.yaml"
    result = run_cli("--state-file", str(state), "verify", env=isolated_env(tmp_path), timeout=60)
    lines = _assert_clean_exit_3(result, state)
    assert lines[0] == "bootstrap-tui: no AWS credentials were found"
    assert "`aws sso login --profile NAME`" in lines[1] and "--aws-profile NAME" in lines[1]
    assert "bootstrap-tui --sandbox" in lines[1]


@pytest.mark.parametrize("how", ["--aws-profile", "AWS_PROFILE"])
@pytest.mark.parametrize("expired", [True, False], ids=["expired-token", "never-logged-in"])
def test_sso_session_expired_or_missing(sandbox, tmp_path, how, expired):
    """An sso-session profile whose token expired (or was never fetched) names the login."""
    _write_sso(tmp_path, expired=expired)
    state = tmp_path / "state.yaml"
    env = isolated_env(tmp_path, sandbox.endpoint, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    args = ["--state-file", str(state), "apply", "--yes"]
    if how == "AWS_PROFILE":
        env["AWS_PROFILE"] = "dev"
    else:
        args = ["--aws-profile", "dev", *args]
    lines = _assert_clean_exit_3(run_cli(*args, env=env, timeout=60), state)
    assert lines == [
        "bootstrap-tui: your AWS SSO (IAM Identity Center) session has expired or is missing",
        "  → aws sso login --profile dev",
    ]


def test_unknown_profile(sandbox, tmp_path):
    _write_sso(tmp_path, expired=False)
    state = tmp_path / "state.yaml"
    result = run_cli(
        "--aws-profile",
        "prod",
        "--state-file",
        str(state),
        "status",
        env=isolated_env(tmp_path, sandbox.endpoint),
        timeout=60,
    )
    lines = _assert_clean_exit_3(result, state)
    assert lines[0] == "bootstrap-tui: the AWS profile 'prod' is not in your AWS config"
    assert "`aws configure sso --profile prod`" in lines[1]


def test_invalid_access_key(sandbox, tmp_path):
    """A deleted or mistyped key: AWS answers InvalidClientTokenId (the sandbox's
    `invalid-key` fault gives the same answer)."""
    sandbox.configure(faults=f"invalid-key={REVOKED_KEY}")
    state = tmp_path / "state.yaml"
    try:
        result = run_cli(
            "--state-file",
            str(state),
            "verify",
            timeout=60,
            env=isolated_env(tmp_path, sandbox.endpoint, AWS_ACCESS_KEY_ID=REVOKED_KEY),
        )
        other_key = run_cli(
            "--state-file",
            str(tmp_path / "other.yaml"),
            "status",
            timeout=60,
            env=isolated_env(tmp_path, sandbox.endpoint),
        )
    finally:
        sandbox.configure(faults="")
    lines = _assert_clean_exit_3(result, state)
    assert lines[0] == (
        "bootstrap-tui: AWS rejected the credentials (InvalidClientTokenId): "
        "The security token included in the request is invalid."
    )
    assert "check the access key (it may be deleted or inactive)" in lines[1]
    assert REVOKED_KEY not in result.stderr
    assert other_key.returncode == 0, other_key.stderr
