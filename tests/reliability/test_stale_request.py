"""A recorded CreateAccount request that AWS no longer knows does not block every resume
(issue 16, item 11): the sandbox answers CreateAccountStatusNotFoundException like AWS, and
apply looks the account up by email and carries on."""

from __future__ import annotations

from collections import Counter

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.sandbox.testing import client
from bootstrap_tui.state import read_state_file, state_text

from conftest import (
    APPLY,
    account_names,
    clear_requests,
    isolated_env,
    requests_seen,
    reset_sandbox,
    run_cli,
)

pytestmark = pytest.mark.slow
STALE_ID = "car-0123456789abcdef0"


def test_unknown_request_id_is_create_account_status_not_found(sandbox):
    reset_sandbox(sandbox)
    org = client(sandbox, "organizations")
    org.create_organization(FeatureSet="ALL")
    with pytest.raises(ClientError) as caught:
        org.describe_create_account_status(CreateAccountRequestId=STALE_ID)
    assert caught.value.response["Error"]["Code"] == "CreateAccountStatusNotFoundException"
    assert caught.value.response["Error"]["Message"] == (
        "We can't find an create account request with the CreateAccountRequestId that you "
        "specified."
    )


def test_apply_resumes_past_a_request_aws_no_longer_knows(sandbox, tmp_path):
    reset_sandbox(sandbox)
    state = tmp_path / "state.yaml"
    env = isolated_env(tmp_path, sandbox.endpoint)
    first = ("--step", "management-account", "--step", "root-mfa", "--step", "organization")
    assert run_cli("--state-file", str(state), *APPLY, *first, env=env).returncode == 0
    data = read_state_file(state)
    data["steps"]["accounts"] = {
        "status": "failed",
        "operations": {"create:audit": {"id": STALE_ID, "started_at": "2026-08-01T00:00:00+00:00"}},
    }
    state.write_text(state_text(data))
    clear_requests(sandbox.endpoint)
    result = run_cli("--state-file", str(state), *APPLY, *first, "--step", "accounts", env=env)
    assert result.returncode == 0, result.stderr
    steps = read_state_file(state)["steps"]
    assert steps["accounts"]["status"] == "applied" and not steps["accounts"].get("operations")
    names = Counter(account_names(sandbox.endpoint).values())
    assert len(names) == 5 and set(names.values()) == {1}, names
    assert requests_seen(sandbox.endpoint)["requests"]["organizations:CreateAccount"] == 4
