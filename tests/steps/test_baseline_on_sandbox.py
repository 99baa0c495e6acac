"""The baseline steps (Identity Center to security services) against the sandbox over real
HTTP: the whole wizard (startup-minimal, no Control Tower) applied once per module, then
convergence, verify, drift and safety."""

from __future__ import annotations

import json

import pytest

from tests.steps.engines import PART2, make_engine

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Status


def test_second_plan_is_empty(world):
    for step_id in PART2:
        plan = world.engine.plan(step_id)
        assert plan.changes == [], (step_id, [c.describe() for c in plan.changes])


def test_verify_passes(world):
    run = world.engine.verify(list(PART2))
    bad = [
        (r.check_id, r.account, r.region, r.message)
        for r in run.results
        if r.status in (Status.FAIL, Status.ERROR)
    ]
    assert bad == []
    ids = {r.check_id for r in run.results}
    expected = {c.id for sid in PART2 for c in world.engine.by_id[sid].checks}
    assert ids == expected
    accounts = {r.account for r in run.results if r.check_id == "guardrails.ebs-default-encryption"}
    assert len(accounts) == 5  # management + 4 members, each in both governed regions
    for result in run.results:  # evidence never carries access key ids
        assert "AKIA" not in json.dumps(result.evidence, default=str)


def test_the_whole_baseline_verifies(world):
    """Every check of every step, after the whole wizard ran unattended (--simulate-console)."""
    run = world.engine.verify()
    not_pass = [
        (r.check_id, r.account, r.region, r.status.value, r.message)
        for r in run.results
        if r.status not in (Status.PASS, Status.NOT_APPLICABLE)
    ]
    # AWS Backup's checks do not apply outside the workload OUs, nor before a first backup job
    assert {r.check_id for r in run.results if r.status == Status.NOT_APPLICABLE} == {
        "security-services.backup-vault",
        "security-services.backup-vault-lock",
        "security-services.backup-jobs",
    }
    # the API cannot tell a hardware key from a synced passkey: MANUAL, carrying the attestation
    assert [(c, s) for c, _, _, s, _ in not_pass] == [("root.hardware-mfa", "MANUAL")]
    assert not_pass[0][4].endswith("attested as a hardware key")
    assert {r.step_id for r in run.results} == {s.id for s in world.engine.steps} - {
        "control-tower"
    }
    statuses = {s.id: world.engine.state.status(s.id) for s in world.engine.steps}
    assert statuses == {**{sid: "verified" for sid in statuses}, "control-tower": "skipped"}
    assert not world.engine.plan("root-mfa").changes  # attested, nothing left to do by hand


def test_log_archive_resources(world):
    la = world.engine.account_id("log-archive")
    s3 = world.client("s3", account=la)
    bucket = f"bootstrap-org-trail-{la}-us-east-1"
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Days"]) == (
        "GOVERNANCE",
        365,
    )  # startup-minimal's object_lock_mode
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    write = next(s for s in policy["Statement"] if s["Sid"] == "AWSCloudTrailWrite")
    org_id = world.client("organizations").describe_organization()["Organization"]["Id"]
    assert f"arn:aws:s3:::{bucket}/AWSLogs/{org_id}/*" in write["Resource"]
    trail = world.client("cloudtrail").describe_trails(trailNameList=["bootstrap-org-trail"])[
        "trailList"
    ][0]
    assert (
        trail["IsOrganizationTrail"]
        and trail["IsMultiRegionTrail"]
        and trail["LogFileValidationEnabled"]
    )
    assert trail["KmsKeyId"].startswith(f"arn:aws:kms:us-east-1:{la}:key/")


def test_scp_drift_is_diffed_and_updated_in_place(world):
    org = world.client("organizations")
    policies = {
        p["Name"]: p["Id"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    }
    pid = policies["bootstrap-guardrails-1"]
    doc = json.loads(org.describe_policy(PolicyId=pid)["Policy"]["Content"])
    doc["Statement"] = doc["Statement"][1:]
    org.update_policy(PolicyId=pid, Content=json.dumps(doc))
    plan = world.engine.plan("guardrails")
    assert [(c.action, c.name) for c in plan.changes] == [("update", "bootstrap-guardrails-1")]
    assert "+" in plan.changes[0].data["diff"] and "(in AWS)" in plan.changes[0].data["diff"]
    assert any(n.startswith("SCP bootstrap-guardrails-1") for n in plan.notes)
    failing = world.engine.verify(["guardrails"], record=False)
    assert any(
        r.check_id == "guardrails.scps-attached" and r.status == Status.FAIL
        for r in failing.results
    )
    world.engine.apply("guardrails", plan)
    after = {
        p["Name"]: p["Id"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    }
    assert after["bootstrap-guardrails-1"] == pid  # same policy, updated in place
    assert world.engine.plan("guardrails").changes == []


def test_default_vpc_in_use_is_kept(world):
    account = world.engine.account_id("staging")
    ec2 = world.client("ec2", account=account, region="us-west-2")
    vpc = ec2.create_default_vpc()["Vpc"]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0][
        "SubnetId"
    ]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    plan = world.engine.plan("guardrails")
    assert not [c for c in plan.changes if c.resource == "default VPC"]
    assert any(vpc in k.describe() and f"network interface {eni}" in k.detail for k in plan.kept)
    run = world.engine.verify(["guardrails"], record=False)
    result = next(
        r
        for r in run.results
        if r.check_id == "guardrails.no-default-vpc"
        and r.account == account
        and r.region == "us-west-2"
    )
    assert result.status == Status.FAIL and eni in result.message
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    plan = world.engine.plan("guardrails")
    [change] = [c for c in plan.changes if c.resource == "default VPC"]
    assert change.destructive and subnet in change.detail
    with pytest.raises(RefusedError, match="not confirmed"):
        world.engine.apply("guardrails", plan, confirm_destructive=lambda p: False)
    world.engine.apply("guardrails", plan, confirm_destructive=lambda p: True)
    assert ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"] == []


@pytest.mark.parametrize("dependency", ["security group", "VPC endpoint"])
def test_default_vpc_with_dependencies_is_kept_whole(world, dependency):
    """DeleteVpc refuses a VPC with a custom SG or an endpoint: plan keeps it, apply deletes nothing."""
    account = world.engine.account_id("staging")
    ec2 = world.client("ec2", account=account, region="us-west-2")
    vpc = ec2.create_default_vpc()["Vpc"]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    stale = world.engine.plan("guardrails")
    assert [c for c in stale.changes if c.resource == "default VPC"]
    if dependency == "security group":
        ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)
    else:
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName="com.amazonaws.us-west-2.s3", VpcEndpointType="Gateway"
        )
    plan = world.engine.plan("guardrails")
    assert not [c for c in plan.changes if c.resource == "default VPC"]
    assert any(vpc in k.describe() and dependency in k.detail for k in plan.kept)
    run = world.engine.verify(["guardrails"], record=False)
    result = next(
        r
        for r in run.results
        if r.check_id == "guardrails.no-default-vpc"
        and r.account == account
        and r.region == "us-west-2"
    )
    assert result.status == Status.FAIL and dependency in result.message
    with pytest.raises(RefusedError, match="no longer empty"):
        world.engine.apply("guardrails", stale, confirm_destructive=lambda p: True)
    after = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    assert len(after) == len(subnets)
    for group in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "SecurityGroups"
    ]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"])
    for endpoint in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "VpcEndpoints"
    ]:
        ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    world.engine.apply(
        "guardrails", world.engine.plan("guardrails"), confirm_destructive=lambda p: True
    )
    assert ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"] == []


def test_account_baseline_drift_is_found_and_fixed(world):
    account = world.engine.account_id("prod")
    world.client("iam", account=account).delete_account_password_policy()
    world.client("ec2", account=account, region="us-west-2").disable_ebs_encryption_by_default()
    run = world.engine.verify(["guardrails"], record=False)
    failed = {(r.check_id, r.account, r.region) for r in run.results if r.status == Status.FAIL}
    assert failed == {
        ("guardrails.password-policy", account, None),
        ("guardrails.ebs-default-encryption", account, "us-west-2"),
    }
    world.engine.apply("guardrails")
    assert world.engine.plan("guardrails").changes == []


def test_member_iam_user_with_keys_fails(world):
    account = world.engine.account_id("staging")
    iam = world.client("iam", account=account)
    iam.create_user(UserName="legacy")
    iam.create_access_key(UserName="legacy")
    try:
        run = world.engine.verify(["identity-center"], record=False)
        [result] = [
            r
            for r in run.results
            if r.check_id == "identity-center.no-member-iam-users" and r.status == Status.FAIL
        ]
        assert result.account == account and result.evidence["users_with_active_access_keys"] == [
            "legacy"
        ]
        assert "AKIA" not in json.dumps(result.evidence)
    finally:
        for key in iam.list_access_keys(UserName="legacy")["AccessKeyMetadata"]:
            iam.delete_access_key(UserName="legacy", AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName="legacy")


def test_aws_config_block_goes_beside_an_existing_file(world, tmp_path):
    target = tmp_path / "config"
    target.write_text("[default]\nregion = eu-west-1\n")
    world.engine.set_answers("identity-center", {"aws_config_path": str(target)})
    plan = world.engine.plan("identity-center")
    [change] = plan.changes
    assert change.resource == "AWS CLI config" and change.name.endswith("config.bootstrap-tui")
    world.engine.apply("identity-center", plan)
    assert target.read_text() == "[default]\nregion = eu-west-1\n"
    text = (tmp_path / "config.bootstrap-tui").read_text()
    assert "[sso-session bootstrap-tui]" in text and "sso_role_name = AdministratorAccess" in text
    # one profile per distinct account x permission set of the startup-minimal assignments:
    # AdministratorAccess, ReadOnlyAccess, SecurityAudit on all 5 accounts, PowerUser on
    # staging, Billing on the management account
    assert text.count("[profile ") == 17
    assert world.engine.plan("identity-center").changes == []
    world.engine.set_answers("identity-center", {"aws_config_path": ""})


def test_aws_config_edited_in_place_only_with_consent_and_a_backup(world, tmp_path):
    target = tmp_path / "config"
    original = "[default]\nregion = eu-west-1\n\n[profile old]\nregion = us-east-1\n"
    target.write_text(original)
    world.engine.set_answers(
        "identity-center", {"aws_config_path": str(target), "aws_config_merge": True}
    )
    try:
        [change] = world.engine.plan("identity-center").changes
        assert change.name == str(target) and "edit in place, backup config.bak" in change.detail
        world.engine.apply("identity-center")
        assert (tmp_path / "config.bak").read_text() == original
        text = target.read_text()
        assert text.startswith(original) and text.count("# BEGIN bootstrap-tui") == 1
        assert (
            "[sso-session bootstrap-tui]" in text
            and not (tmp_path / "config.bootstrap-tui").exists()
        )
        assert world.engine.plan("identity-center").changes == []
        # the user's later edits outside the block survive a rewrite of the block
        edited = text.replace("region = eu-west-1", "region = eu-central-1").replace(
            "output = json", "output = yaml", 1
        )
        target.write_text(edited)
        [change] = world.engine.plan("identity-center").changes
        world.engine.apply("identity-center")
        again = target.read_text()
        assert "region = eu-central-1" in again and "output = yaml" not in again
        assert again.count("# BEGIN bootstrap-tui") == 1
        backups = {p.name: p.read_text() for p in tmp_path.iterdir() if p.name.endswith(".bak")}
        assert backups.pop("config.bak") == original  # the first backup is never overwritten
        assert list(backups.values()) == [edited]  # the second edit got its own backup
    finally:
        world.engine.set_answers(
            "identity-center", {"aws_config_path": "", "aws_config_merge": False}
        )


def test_missing_identity_center_is_explained_and_refused(world, monkeypatch):
    from steps import identity_center

    monkeypatch.setattr(identity_center, "instance", lambda ctx: None)
    plan = world.engine.plan("identity-center")
    assert [c.resource for c in plan.changes] == ["IAM Identity Center"]
    assert any("Enable" in n for n in plan.notes)
    assert any(m.id == "identity-center.enable" for m in plan.manual)
    with pytest.raises(RefusedError, match="not enabled"):
        world.engine.apply("identity-center", plan)
    monkeypatch.undo()
    world.engine.apply("identity-center")


class MemoryKeyring:
    """An in-memory keyring backend (the OS keychain is not available in CI)."""

    def __new__(cls):
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1
            store: dict = {}

            def get_password(self, service, username):
                return self.store.get((service, username))

            def set_password(self, service, username, password):
                self.store[(service, username)] = password

            def delete_password(self, service, username):
                self.store.pop((service, username))

        return Backend()


def test_bootstrap_cleanup_from_an_sso_session(world, monkeypatch):
    import keyring

    from bootstrap_tui.aws import keychain

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        iam = world.client("iam")
        iam.create_user(UserName="bootstrap")
        key = iam.create_access_key(UserName="bootstrap")["AccessKey"]
        iam.create_login_profile(UserName="bootstrap", Password="Very-Long-Passw0rd!")
        iam.attach_user_policy(
            UserName="bootstrap", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
        iam.put_user_policy(
            UserName="bootstrap",
            PolicyName="inline",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ),
        )
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName="bootstrap")["VirtualMFADevice"]
        iam.enable_mfa_device(
            UserName="bootstrap",
            SerialNumber=device["SerialNumber"],
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
        keychain.store_bootstrap_keys(key["AccessKeyId"], key["SecretAccessKey"])

        run = world.engine.verify(["bootstrap-cleanup"], record=False)
        assert {r.check_id for r in run.results if r.status == Status.FAIL} == {
            "bootstrap-cleanup.no-iam-users",
            "bootstrap-cleanup.keychain-empty",
        }
        plan = world.engine.plan("bootstrap-cleanup")  # not an SSO session: nothing to do
        assert plan.changes == [] and "Identity Center" in plan.notes[0]

        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
        role = iam.create_role(
            RoleName="AWSReservedSSO_AdministratorAccess_0123456789abcdef",
            Path="/aws-reserved/sso.amazonaws.com/",
            AssumeRolePolicyDocument=json.dumps(trust),
        )["Role"]
        # what Identity Center attaches to the role of the AdministratorAccess permission set
        iam.attach_role_policy(
            RoleName=role["RoleName"], PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
        creds = world.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ada")[
            "Credentials"
        ]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        sso = make_engine(world.sandbox.endpoint, world.state_file, lock=False)
        try:
            assert sso.identity.is_sso_role
            plan = sso.plan("bootstrap-cleanup")
            user_change = next(c for c in plan.changes if c.resource == "IAM user")
            assert user_change.name == "bootstrap" and user_change.destructive
            assert "1 access key(s), 1 MFA device(s), console password: yes" in user_change.detail
            assert key["AccessKeyId"] not in json.dumps([c.to_dict() for c in plan.changes])
            sso.apply("bootstrap-cleanup", plan, confirm_destructive=lambda p: True)
            assert not keychain.has_bootstrap_keys()
            assert "bootstrap" not in [u["UserName"] for u in iam.list_users()["Users"]]
            assert sso.plan("bootstrap-cleanup").changes == []
            run = sso.verify(["bootstrap-cleanup"], record=False)
            assert all(r.status == Status.PASS for r in run.results)
        finally:
            sso.close()
    finally:
        keyring.set_keyring(previous)


def test_permission_set_drift_is_updated_and_reprovisioned(world):
    sso = world.client("sso-admin")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    arns = sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]
    sets = {
        sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=a)["PermissionSet"][
            "Name"
        ]: a
        for a in arns
    }
    sso.update_permission_set(
        InstanceArn=instance, PermissionSetArn=sets["AdministratorAccess"], SessionDuration="PT12H"
    )
    run = world.engine.verify(["identity-center"], record=False)
    assert any(
        r.check_id == "identity-center.session-durations" and r.status == Status.FAIL
        for r in run.results
    )
    plan = world.engine.plan("identity-center")
    [change] = plan.changes
    assert (change.action, change.name) == (
        "update",
        "AdministratorAccess",
    ) and "PT12H -> PT1H" in change.detail
    world.engine.apply("identity-center", plan)
    described = sso.describe_permission_set(
        InstanceArn=instance, PermissionSetArn=sets["AdministratorAccess"]
    )
    assert described["PermissionSet"]["SessionDuration"] == "PT1H"
    assert world.engine.plan("identity-center").changes == []


def test_first_admin_gets_a_password_set_up_item_not_a_promised_invitation(world):
    from steps.identity_center import STEP

    email = next(f for f in STEP.inputs if f.name == "admin_email")
    assert "invitation" not in email.label
    plan = world.engine.plan("identity-center")
    manual = {m.id: m for m in [*STEP.manual, *plan.manual]}
    item = manual["identity-center.admin-password"]
    assert "Users" in item.instructions and "Reset password" in item.instructions
    assert "Send an email to the user with instructions to reset the password" in item.instructions
    assert "Generate a one-time password" in item.instructions


def test_access_portal_url_is_confirmed_not_assumed(world, tmp_path):
    target = tmp_path / "config"
    try:
        world.engine.set_answers("identity-center", {"aws_config_path": str(target)})
        [change] = world.engine.plan("identity-center").changes
        assert ".awsapps.com/start (assumed" in change.detail
        world.engine.set_answers(
            "identity-center",
            {
                "aws_config_path": str(target),
                "access_portal_url": "https://my-company.awsapps.com/start",
            },
        )
        [change] = world.engine.plan("identity-center").changes
        assert "sso_start_url https://my-company.awsapps.com/start" in change.detail
        world.engine.apply("identity-center")
        assert "sso_start_url = https://my-company.awsapps.com/start\n" in target.read_text()
        world.engine.set_answers(
            "identity-center",
            {"aws_config_path": str(target), "access_portal_url": "http://evil.example/start"},
        )
        with pytest.raises(Exception, match="not an AWS access portal URL"):
            world.engine.plan("identity-center")
    finally:
        world.engine.set_answers(
            "identity-center", {"aws_config_path": "", "access_portal_url": ""}
        )


def test_confirmation_covers_only_the_destructive_changes_the_plan_listed(world):
    """apply --confirm-destructive guardrails confirms the plan computed at its start, nothing more."""
    from bootstrap_tui.cli import listed_confirmation

    account = world.engine.account_id("staging")
    ec2 = world.client("ec2", account=account, region="us-west-2")
    confirm = listed_confirmation(world.engine, ["guardrails"], {"guardrails"})
    vpc = ec2.create_default_vpc()["Vpc"]["VpcId"]
    with pytest.raises(RefusedError, match="did not list") as refused:
        world.engine.apply("guardrails", confirm_destructive=confirm)
    assert vpc in str(refused.value)
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    assert (
        listed_confirmation(world.engine, ["guardrails"], set())(world.engine.plan("guardrails"))
        is False
    )
    world.engine.apply(
        "guardrails",
        confirm_destructive=listed_confirmation(world.engine, ["guardrails"], {"guardrails"}),
    )
    assert ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"] == []


def test_other_iam_users_with_keys_get_a_retirement_path_and_an_attestation(world):
    """founder's key FAILs; the plan says how to retire it; an attestation naming founder turns it into WARN."""
    iam = world.client("iam")
    iam.create_user(UserName="founder")
    key = iam.create_access_key(UserName="founder")["AccessKey"]["AccessKeyId"]
    try:
        result = next(
            r
            for r in world.engine.verify(["bootstrap-cleanup"], record=False).results
            if r.check_id == "bootstrap-cleanup.no-iam-users"
        )
        assert result.status == Status.FAIL and "founder" in result.message
        plan = world.engine.plan("bootstrap-cleanup")
        note = next(
            k.describe() for k in plan.kept if k.resource == "IAM user" and k.name == "founder"
        )
        assert "update-access-key --status Inactive" in note and "delete-access-key" in note
        assert [m.id for m in plan.manual] == ["bootstrap-cleanup.kept-iam-users"]
        assert key not in json.dumps(plan.to_dict())
        world.engine.state.attest(
            "bootstrap-cleanup.kept-iam-users", "test", "founder: CI deploy key until June"
        )
        result = next(
            r
            for r in world.engine.verify(["bootstrap-cleanup"], record=False).results
            if r.check_id == "bootstrap-cleanup.no-iam-users"
        )
        assert result.status == Status.WARN and "CI deploy key until June" in result.message
        iam.create_user(UserName="intern")
        iam.create_access_key(UserName="intern")
        result = next(
            r
            for r in world.engine.verify(["bootstrap-cleanup"], record=False).results
            if r.check_id == "bootstrap-cleanup.no-iam-users"
        )
        assert result.status == Status.FAIL and "intern" in result.message
    finally:
        for name in ("founder", "intern"):
            for meta in (
                iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
                if name in [u["UserName"] for u in iam.list_users()["Users"]]
                else []
            ):
                iam.delete_access_key(UserName=name, AccessKeyId=meta["AccessKeyId"])
            if name in [u["UserName"] for u in iam.list_users()["Users"]]:
                iam.delete_user(UserName=name)
        world.engine.state.data["attestations"].pop("bootstrap-cleanup.kept-iam-users", None)
