"""Failure paths of the setup steps (organization, accounts, Control Tower): duplicate
emails, a FAILED landing zone, AccessDenied, a member account of another organization, and
input advice."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.steps.engines import assert_converged_and_verified, converge
from tests.steps.sandboxes import client
from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.errors import AwsError, RefusedError, ValidationError
from bootstrap_tui.aws_limits import CREATE_ACCOUNT_IN_PROGRESS
from bootstrap_tui.model import Status
from bootstrap_tui.sandbox import requestlog
from bootstrap_tui.sandbox.testing import running_sandbox
from steps import control_tower
from bootstrap_tui.aws import refuse_root
from steps.accounts import plus_address
from steps.management_account import derived_alias, email_advice, looks_personal


# ------------------------------------------------------------------ no sandbox needed


def test_email_advice():
    assert "free-mail" in email_advice("founder@gmail.com", {"email_domain": "example.com"})
    assert "personal" in email_advice("jane.doe@example.com", {"email_domain": "example.com"})
    assert "personal" in email_advice("john@example.com", {})
    assert email_advice("aws@example.com", {"email_domain": "example.com"}) is None
    assert email_advice("aws-security@example.com", {"email_domain": "example.com"}) is None
    assert "corporate domain" in email_advice("aws@other.io", {"email_domain": "example.com"})
    assert not looks_personal("aws+log-archive@example.com")


def test_plus_addressing_and_alias():
    assert (
        plus_address("aws@example.com", "log-archive", "example.com")
        == "aws+log-archive@example.com"
    )
    assert plus_address("aws+x@corp.io", "audit", None) == "aws+audit@corp.io"
    assert plus_address(None, "audit", "example.com") is None
    assert derived_alias("Example Corp, Inc.") == "example-corp-inc"


def test_root_credentials_are_refused():
    from bootstrap_tui.aws import Identity

    ctx = SimpleNamespace(
        identity=Identity("123456789012", "arn:aws:iam::123456789012:root", "123456789012")
    )
    with pytest.raises(RefusedError, match="root user"):
        refuse_root(ctx.identity)


# ------------------------------------------------------------------ sandbox


def test_duplicate_emails_in_answers_are_rejected(engines):
    engine = engines.new()
    converge(engine, ["management-account", "root-mfa", "organization"])
    engine.set_answers(
        "accounts", {"prod_email": "shared@example.com", "staging_email": "Shared@example.com"}
    )
    with pytest.raises(ValidationError, match="staging_email.*also the email of account 'prod'"):
        engine.plan("accounts")
    engine.set_answers(
        "accounts", {"prod_email": "aws@example.com", "staging_email": "aws+staging@example.com"}
    )
    with pytest.raises(ValidationError, match="management account's root email"):
        engine.plan("accounts")


def test_email_already_exists_fails_with_reason(engines, sandbox):
    engine = engines.new()
    converge(engine, ["management-account", "root-mfa", "organization"])
    sandbox.configure(op_delay_s=0.8)
    # Someone else's request for the same address is in flight (another account owns it).
    client(sandbox, "organizations").create_account(
        Email="aws+prod@example.com", AccountName="Someone else"
    )
    with pytest.raises(RefusedError) as failed:
        engine.apply("accounts")
    text = str(failed.value)
    assert "'Production'" in text and "EMAIL_ALREADY_EXISTS" in text
    assert "choose another address" in text
    assert engine.state.status("accounts") == "failed"
    assert "EMAIL_ALREADY_EXISTS" in engine.state.data["steps"]["accounts"]["error"]
    assert engine.state.operations("accounts") == {}  # nothing left to resume
    # the other three were created and placed
    accounts = {a["Name"] for a in client(sandbox, "organizations").list_accounts()["Accounts"]}
    assert {"Log Archive", "Audit", "Staging"} <= accounts


def test_accounts_wait_while_aws_has_five_creations_in_progress(engines, sandbox):
    """AWS refuses a CreateAccount while CREATE_ACCOUNT_IN_PROGRESS are in progress (here four
    started by someone else): the step waits for a free slot instead of failing."""
    engine = engines.new()
    converge(engine, ["management-account", "root-mfa", "organization"])
    sandbox.configure(op_delay_s=0.6)
    org = client(sandbox, "organizations")
    for n in range(CREATE_ACCOUNT_IN_PROGRESS - 1):
        org.create_account(Email=f"other{n}@example.com", AccountName=f"Other {n}")
    requestlog.clear(sandbox.state)
    lines: list[str] = []
    engine.progress_listeners.append(lambda step, text, *rest: lines.append(text))
    engine.apply("accounts")
    assert engine.state.status("accounts") in ("applied", "verified")
    names = {a["Name"] for a in org.list_accounts()["Accounts"]}
    assert {"Log Archive", "Audit", "Production", "Staging"} <= names
    sent = requestlog.snapshot(sandbox.state)["requests"]["organizations:CreateAccount"]
    assert (
        sent > 4
    )  # at least one was refused with ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED, then retried
    assert any("waits" in line and "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED" in line for line in lines)


def test_landing_zone_failed_without_roles_then_retried(engines, sandbox, ct_profile, monkeypatch):
    engine = engines.new(profile=ct_profile)
    converge(engine, ["management-account", "root-mfa", "organization", "accounts"])
    monkeypatch.setattr(control_tower.STEP, "_ensure_roles", lambda ctx, version: None)
    with pytest.raises(RefusedError) as failed:
        engine.apply("control-tower")
    text = str(failed.value)
    assert "landing zone operation FAILED" in text
    assert "AWSControlTowerAdmin" in text  # the status message names the missing roles
    assert "UpdateLandingZone" in text  # and the remediation says how to retry
    assert engine.state.status("control-tower") == "failed"

    monkeypatch.undo()
    plan = engine.plan("control-tower")
    assert ("retry", "landing zone") in {(c.action, c.resource) for c in plan.changes}
    engine.apply("control-tower", plan)
    assert_converged_and_verified(engine, "control-tower")
    assert len(client(sandbox, "controltower").list_landing_zones()["landingZones"]) == 1


def test_access_denied_names_the_action(aws_env, tmp_path):
    with running_sandbox(
        op_delay_s=0.1, faults="deny=organizations:CreateOrganizationalUnit"
    ) as box:
        engine = Engine(
            Options(
                endpoint_url=box.endpoint,
                state_file=tmp_path / "s.yaml",
                simulate_console=True,
                max_attempts=2,
            )
        )
        try:
            engine.connect()
            converge(engine, ["management-account", "root-mfa"])
            with pytest.raises(AwsError) as denied:
                engine.apply("organization")
            assert "organizations:CreateOrganizationalUnit" in str(denied.value)
            assert "access denied" in str(denied.value)
            assert engine.state.status("organization") == "failed"
            assert "CreateOrganizationalUnit" in engine.state.data["steps"]["organization"]["error"]
        finally:
            engine.close()


def test_member_account_of_another_org_is_refused(engines, sandbox, monkeypatch, tmp_path):
    engine = engines.new()
    converge(engine, ["management-account", "root-mfa", "organization", "accounts"])
    member = engine.account_id("prod")
    engine.close()
    creds = client(sandbox, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
        RoleSessionName="member-test",
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    other = engines.new(state_file=tmp_path / "member.yaml")
    assert other.identity.account_id == member
    with pytest.raises(RefusedError, match="member account of organization"):
        other.plan("organization")


def test_governed_regions_must_be_enabled_in_the_partition(engines):
    from bootstrap_tui.aws import enabled_regions
    from bootstrap_tui.errors import ConfigError

    engine = engines.new()
    enabled = enabled_regions(engine.factory)
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(enabled)
    assert "ap-east-1" not in enabled, "an opt-in region nobody opted into"
    assert not [r for r in enabled if r.startswith(("cn-", "us-gov-"))]

    converge(engine, ["management-account", "root-mfa"])
    for region in ("ap-east-1", "cn-north-1"):
        engine.set_answers("organization", {"governed_regions": ["us-east-1", region]})
        with pytest.raises(ConfigError) as caught:
            engine.plan("organization")
        assert f"governed region '{region}' is not enabled in this account" in caught.value.message
        assert "eu-west-1" in caught.value.hint  # the hint lists what is enabled
    engine.set_answers("organization", {"governed_regions": ["us-east-1", "eu-west-1"]})
    assert engine.plan("organization").changes


def test_workloads_in_the_management_account_fail(engines, sandbox):
    engine = engines.new()
    converge(engine, ["management-account"])
    ec2 = client(sandbox, "ec2", region="us-west-2")
    image = ec2.register_image(  # the sandbox loads no sample AMIs
        Name="workload",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    try:
        results = {(r.check_id, r.region): r for r in engine.verify(["management-account"]).results}
        failed = results[("mgmt.no-workloads", "us-west-2")]
        assert failed.status == Status.FAIL and failed.evidence["instance_ids"] == [instance]
        assert results[("mgmt.no-workloads", "us-east-1")].status == Status.PASS
    finally:
        ec2.terminate_instances(InstanceIds=[instance])


def test_drift_after_verification_marks_the_step_failed_until_reapplied(engines, sandbox):
    engine = engines.new()
    converge(engine, ["management-account"])
    engine.verify(["management-account"])
    assert engine.state.status("management-account") in ("verified", "manual-pending")
    client(sandbox, "iam").delete_account_alias(AccountAlias="example-corp")
    run = engine.verify(["management-account"])
    assert [r.check_id for r in run.results if r.status is Status.FAIL] == ["mgmt.account-alias"]
    entry = engine.state.step("management-account")
    assert entry["status"] == "failed"
    assert "mgmt.account-alias" in entry["error"] and "apply the step again" in entry["error"]
    converge(engine, ["management-account"])
    engine.verify(["management-account"])
    assert engine.state.status("management-account") in ("verified", "manual-pending")
