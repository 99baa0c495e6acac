"""Safety refusals through the command line: SCP sets that would lock the automation role
out or deny a governed region are refused at plan time, destructive changes need
--confirm-destructive, and root credentials are refused before anything is sent.

(The SCP evaluation itself is unit-tested in tests/steps/test_scp_rules.py.)
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import bootstrap_tui.profile.validation as profile_validation
from bootstrap_tui.cli import main
from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.resources import data_dir
from bootstrap_tui.sandbox.testing import client, running_sandbox
from steps import scp_policies

pytestmark = pytest.mark.slow


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def default_vpcs(sandbox, account: str | None, region: str) -> list[str]:
    ec2 = client(sandbox, "ec2", region=region)
    if account:
        creds = client(sandbox, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="test",
        )["Credentials"]
        ec2 = client(
            sandbox,
            "ec2",
            region=region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    return [v["VpcId"] for v in vpcs]


def guardrail_scps(sandbox) -> list[str]:
    policies = client(sandbox, "organizations").list_policies(Filter="SERVICE_CONTROL_POLICY")
    return [p["Name"] for p in policies["Policies"] if p["Name"].startswith("bootstrap-guardrails")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Organization and accounts applied; guardrails not yet. CLI runs use the same state."""
    root = tmp_path_factory.mktemp("refusals")
    state = root / "state.yaml"
    with running_sandbox(set_env=True, op_delay_s=0.1) as sandbox:
        engine = Engine(
            Options(endpoint_url=sandbox.endpoint, state_file=state, simulate_console=True)
        )
        engine.connect()
        try:
            for sid in ("management-account", "root-mfa", "organization", "accounts"):
                engine.apply(sid)
            members = [
                a["Id"]
                for a in engine.org_accounts(refresh=True)
                if a["Id"] != engine.management_account_id
            ]
        finally:
            engine.close()
        base = ["--endpoint-url", sandbox.endpoint, "--state-file", str(state)]
        yield {"sandbox": sandbox, "base": base, "root": root, "members": members}


def test_answers_that_govern_a_region_the_scps_deny_are_refused_at_plan_time(world):
    answers = world["root"] / "answers.yaml"
    answers.write_text("organization:\n  governed_regions: [us-east-1, us-west-2, eu-west-1]\n")
    code, out, err = run(
        [*world["base"], "--answers", str(answers), "plan", "--step", "guardrails"]
    )
    assert code == 2
    first, *rest = err.splitlines()
    assert first == (
        "bootstrap-tui: guardrails.allowed_regions does not include eu-west-1; the "
        "region-deny SCP would block the home or governed regions"
    )
    assert rest == ["  → add them to guardrails.allowed_regions in the profile"]
    assert out == "" and guardrail_scps(world["sandbox"]) == []


@pytest.fixture
def lockout_scp(tmp_path, monkeypatch):
    """The reviewed SCPs plus one edited to deny IAM to everyone, automation role included.
    (Only the SCP directory is redirected; loading and the safety check are the real ones.)"""
    directory = tmp_path / "scps"
    shutil.copytree(data_dir("profiles") / "scps", directory)
    (directory / "deny-iam.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}
                ],
            }
        )
    )
    monkeypatch.setattr(scp_policies, "scp_directory", lambda: directory)
    monkeypatch.setattr(profile_validation, "scp_directory", lambda: directory)
    profile = tmp_path / "locked.yaml"
    profile.write_text(
        "name: locked\nextends: startup-minimal\nguardrails:\n  scps: [deny-leave-org, deny-iam]\n"
    )
    return profile


def test_an_scp_set_that_locks_out_the_automation_role_is_refused(world, lockout_scp, tmp_path):
    # a copy of the state: choosing another profile is recorded in the state file it runs on
    base = list(world["base"])
    at = base.index("--state-file") + 1
    copy = tmp_path / "state.yaml"
    shutil.copy(base[at], copy)
    base[at] = str(copy)
    code, out, err = run(
        [*base, "--profile-file", str(lockout_scp), "plan", "--step", "guardrails"]
    )
    assert code == 2 and out == ""
    assert "Baseline profile changed from startup-minimal" in err
    first, hint = err.splitlines()[-2:]
    assert first == (
        "bootstrap-tui: SCP deny-iam (statement NoIam) would deny iam:GetRole to the "
        "automation role OrganizationAccountAccessRole in us-east-1, locking this tool "
        "out of member accounts"
    )
    assert "ArnNotLike aws:PrincipalArn" in hint
    assert guardrail_scps(world["sandbox"]) == []


def test_destructive_changes_need_confirm_destructive(world):
    sandbox, member = world["sandbox"], world["members"][0]
    before = default_vpcs(sandbox, member, "us-west-2")
    assert before
    code, out, err = run([*world["base"], "apply", "--yes", "--step", "guardrails"])
    assert code == 2
    message = [line for line in err.splitlines() if line.startswith("bootstrap-tui: ")]
    assert len(message) == 1
    assert message[0].startswith(
        "bootstrap-tui: guardrails would make destructive changes (delete default VPC 'vpc-"
    )
    assert message[0].endswith("more) and they were not confirmed")
    assert "apply --confirm-destructive guardrails" in err
    assert default_vpcs(sandbox, member, "us-west-2") == before  # nothing deleted
    assert guardrail_scps(sandbox) == []  # nor anything else applied
    code, out, err = run(
        [
            *world["base"],
            "apply",
            "--yes",
            "--step",
            "guardrails",
            "--confirm-destructive",
            "guardrails",
        ]
    )
    assert code == 0, err[-2000:]
    assert default_vpcs(sandbox, member, "us-west-2") == []
    assert default_vpcs(sandbox, None, "us-east-1") == []
    assert guardrail_scps(sandbox)


# ------------------------------------------------------------------ root credentials


class RootEndpoint:
    """An AWS endpoint whose credentials are a root user: answers GetCallerIdentity and
    DescribeOrganization (no organization) and records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._send(404, "text/plain", b"not found")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                target = self.headers.get("X-Amz-Target", "")
                outer.requests.append(target.rsplit(".", 1)[-1] or body.split("&")[0])
                if "Action=GetCallerIdentity" in body:
                    self._send(
                        200,
                        "text/xml",
                        (
                            b"<GetCallerIdentityResponse><GetCallerIdentityResult>"
                            b"<Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId>"
                            b"<Account>123456789012</Account></GetCallerIdentityResult>"
                            b"</GetCallerIdentityResponse>"
                        ),
                    )
                elif target.endswith("DescribeOrganization"):
                    self._send(
                        400,
                        "application/x-amz-json-1.1",
                        json.dumps(
                            {
                                "__type": "AWSOrganizationsNotInUseException",
                                "Message": "not in an organization",
                            }
                        ).encode(),
                    )
                else:
                    self._send(500, "text/plain", b"unexpected")

            def _send(self, status, ctype, body):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_root_credentials_are_refused_before_any_change(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAROOTROOTROOTROOT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "root-secret")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("BOOTSTRAP_TUI_LOG", str(tmp_path / "log.txt"))
    with RootEndpoint() as endpoint:
        code, out, err = run(
            [
                "--endpoint-url",
                endpoint.url,
                "--state-file",
                str(tmp_path / "s.yaml"),
                "apply",
                "--yes",
                "--step",
                "root-mfa",
            ]
        )
    assert code == 2
    assert err.startswith(
        "bootstrap-tui: these credentials are the root user of account 123456789012; "
        "bootstrap-tui never runs automated steps as root"
    )
    assert "bootstrap IAM user" in err and "Traceback" not in err
    assert endpoint.requests == ["Action=GetCallerIdentity", "DescribeOrganization"]
    assert (
        Path(tmp_path / "s.yaml").exists() is False
        or "root-mfa" not in Path(tmp_path / "s.yaml").read_text()
    )
