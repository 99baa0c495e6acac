"""Least privilege, proven on a sandbox that evaluates IAM and SCPs for the roles it knows.

From the fresh seed: `apply` as a role holding only `iam-policy --for apply`'s management
document converges; `verify` as a role holding only `iam-policy --for verify`'s management
document passes, reaching member accounts through the read-only audit role; every mutating
call as either read-only principal is denied; and the protect-* SCPs stop the audit role
even when someone attaches AdministratorAccess to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.sandbox.testing import client, client_environment, running_sandbox
from tests.verdicts_expected import expected_not_pass

pytestmark = pytest.mark.slow
PROFILE = "startup-minimal"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from bootstrap_tui.sandbox import server

    if server._running is not None:
        server._running.stop()
    with running_sandbox(op_delay_s=0.05) as box:
        yield box


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bootstrap_tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _policy(job: str, kind: str) -> dict[str, Any]:
    printed = _cli("iam-policy", "--for", job, env=dict(os.environ))
    assert printed.returncode == 0, printed.stderr
    return json.loads(printed.stdout)[kind]


def _role_session(
    sandbox: Any,
    name: str,
    policy: dict[str, Any],
    account: str | None = None,
    creds: dict[str, str] | None = None,
) -> dict[str, str]:
    """Create role ``name`` (trusting the management account) with ``policy``; its session keys."""
    account = account or sandbox.management_account_id
    iam = client(sandbox, "iam", **(creds or {}))
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"AWS": f"arn:aws:iam::{sandbox.management_account_id}:root"},
                    }
                ],
            }
        ),
    )
    iam.put_role_policy(RoleName=name, PolicyName="only-this", PolicyDocument=json.dumps(policy))
    return _assume(sandbox, account, name)


def _assume(sandbox: Any, account: str, role: str) -> dict[str, str]:
    found = client(sandbox, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="least-privilege"
    )["Credentials"]
    return {
        "aws_access_key_id": found["AccessKeyId"],
        "aws_secret_access_key": found["SecretAccessKey"],
        "aws_session_token": found["SessionToken"],
    }


def _env(sandbox: Any, creds: dict[str, str], tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        **client_environment(sandbox.endpoint),
        "BOOTSTRAP_TUI_LOG": str(tmp / "run.log"),
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": creds["aws_session_token"],
    }


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    assert info.value.response["Error"]["Code"] in (
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
    )
    return info.value.response["Error"]["Message"]


@pytest.fixture(scope="module")
def applied(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Apply the whole profile as the least-privileged apply role."""
    tmp = tmp_path_factory.mktemp("least-privilege")
    creds = _role_session(sandbox, "bootstrap-apply", _policy("apply", "management"))
    env = _env(sandbox, creds, tmp)
    done = _cli(
        "--profile-file",
        PROFILE,
        "--state-file",
        str(tmp / "apply.yaml"),
        "apply",
        "--yes",
        "--simulate-console",
        "--confirm-destructive",
        "guardrails",
        env=env,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return {"tmp": tmp}


def test_apply_with_only_the_printed_apply_policy_converges(sandbox, applied):
    names = {a.get("name") for a in sandbox.info()["accounts"] if not a["management"]}
    assert {"Log Archive", "Audit", "Production", "Staging"} <= names


def test_verify_with_only_the_printed_verify_policy_passes_through_the_audit_role(sandbox, applied):
    creds = _role_session(sandbox, "bootstrap-verify", _policy("verify", "management"))
    verified = _cli(
        "--profile-file",
        PROFILE,
        "--state-file",
        str(applied["tmp"] / "verify.yaml"),
        "verify",
        "--format",
        "json",
        env=_env(sandbox, creds, applied["tmp"]),
    )
    report = json.loads(verified.stdout)
    bad = [
        f"{r['status']} {r['check_id']} {r.get('account')}: {r['message']}"
        for r in report["results"]
        if r["status"] not in ("PASS", "MANUAL")
        and not expected_not_pass(r["check_id"], r["status"])
    ]
    assert bad == [], "\n".join(bad)
    assert verified.returncode == 0
    assert report["member_role"] == "bootstrap-tui-audit"
    audit = [r for r in report["results"] if r["check_id"] == "accounts.audit-role"]
    assert len(audit) == 4 and {r["status"] for r in audit} == {"PASS"}

    sts = client(sandbox, "sts", **creds)
    assert sts.get_caller_identity()["Arn"].endswith(
        ":assumed-role/bootstrap-verify/least-privilege"
    )
    _denied(
        lambda: client(sandbox, "organizations", **creds).create_organizational_unit(
            ParentId=client(sandbox, "organizations").list_roots()["Roots"][0]["Id"], Name="Sneaky"
        )
    )
    _denied(lambda: client(sandbox, "iam", **creds).create_user(UserName="sneaky"))


def _account(sandbox: Any, name: str) -> str:
    return next(a["id"] for a in sandbox.info()["accounts"] if a.get("name") == name)


def _log_bucket(sandbox: Any) -> str:
    trails = client(sandbox, "cloudtrail").describe_trails()["trailList"]
    return next(t["S3BucketName"] for t in trails if t.get("IsOrganizationTrail"))


def test_the_audit_role_cannot_change_anything(sandbox, applied):
    log_archive, prod = _account(sandbox, "Log Archive"), _account(sandbox, "Production")
    audit = _assume(sandbox, prod, "bootstrap-tui-audit")
    _denied(lambda: client(sandbox, "ec2", **audit).create_vpc(CidrBlock="10.5.0.0/16"))
    _denied(lambda: client(sandbox, "iam", **audit).create_user(UserName="sneaky"))
    guardduty = client(sandbox, "guardduty", **audit)
    detector = guardduty.list_detectors()["DetectorIds"][0]
    _denied(lambda: guardduty.delete_detector(DetectorId=detector))
    in_archive = _assume(sandbox, log_archive, "bootstrap-tui-audit")
    _denied(
        lambda: client(sandbox, "s3", **in_archive).put_bucket_policy(
            Bucket=_log_bucket(sandbox),
            Policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )
    )


def test_the_protect_scps_stop_the_audit_role_even_as_an_administrator(sandbox, applied):
    log_archive = _account(sandbox, "Log Archive")
    automation = _assume(sandbox, log_archive, "OrganizationAccountAccessRole")
    iam = client(sandbox, "iam", **automation)
    iam.attach_role_policy(RoleName="bootstrap-tui-audit", PolicyArn=ADMIN)
    try:
        audit = _assume(sandbox, log_archive, "bootstrap-tui-audit")
        message = _denied(
            lambda: client(sandbox, "s3", **audit).delete_bucket_policy(Bucket=_log_bucket(sandbox))
        )
        assert "service control policy" in message
        assert client(sandbox, "ec2", **audit).describe_vpcs()["Vpcs"] is not None  # not an outage
    finally:
        iam.detach_role_policy(RoleName="bootstrap-tui-audit", PolicyArn=ADMIN)
