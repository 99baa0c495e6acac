"""AWS Backup organization-wide (security-services) against the sandbox: the policy on the
workload OUs, locked vaults in the workload accounts, the job check proven able to fail, and a
COMPLIANCE Vault Lock that needs the typed confirmation."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from tests.steps.engines import make_engine

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Status
from steps import org_backup

STEP = "security-services"
NAME = "bootstrap-backup"


def _by_check(results, check_id):
    return [r for r in results if r.check_id == check_id]


def _workloads(world) -> list[str]:
    return sorted(world.engine.account_id(k) for k in ("prod", "staging"))


def test_the_policy_vaults_and_roles_are_in_place_and_verified(world):
    org = world.client("organizations")
    root = org.list_roots()["Roots"][0]
    assert {"Type": "BACKUP_POLICY", "Status": "ENABLED"} in root["PolicyTypes"]
    policy = next(
        p for p in org.list_policies(Filter="BACKUP_POLICY")["Policies"] if p["Name"] == NAME
    )
    content = json.loads(org.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"])
    plan = content["plans"][NAME]
    assert plan["regions"] == {"@@assign": ["us-east-1", "us-west-2"]}
    assert plan["rules"]["daily"]["lifecycle"]["delete_after_days"] == {"@@assign": "35"}
    assert "monthly" not in plan["rules"]  # startup-minimal: monthly_retention_days 0
    tagged = plan["selections"]["tags"]["tagged"]
    assert tagged["tag_key"] == {"@@assign": "backup"}
    assert tagged["iam_role_arn"] == {"@@assign": f"arn:aws:iam::$account:role/{NAME}"}
    targets = [t["Name"] for t in org.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]]
    assert targets == ["Workloads"]
    services = org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert "backup.amazonaws.com" in {s["ServicePrincipal"] for s in services}
    for account in _workloads(world):
        role = world.client("iam", account).list_attached_role_policies(RoleName=NAME)
        assert {p["PolicyArn"] for p in role["AttachedPolicies"]} == set(org_backup.ROLE_POLICIES)
        for region in ("us-east-1", "us-west-2"):
            vault = world.client("backup", account, region).describe_backup_vault(
                BackupVaultName=NAME
            )
            assert vault["EncryptionKeyArn"] and vault["Locked"] and "LockDate" not in vault
            assert (vault["MinRetentionDays"], vault["MaxRetentionDays"]) == (35, 35)

    results = world.engine.verify([STEP]).results
    assert [r.status for r in _by_check(results, "security-services.backup-policy")] == [
        Status.PASS
    ]
    for check in ("backup-vault", "backup-vault-lock", "backup-jobs"):
        found = _by_check(results, f"security-services.{check}")
        workload = {r.status for r in found if r.account in _workloads(world)}
        others = {r.status for r in found if r.account not in _workloads(world)}
        assert others == {Status.NOT_APPLICABLE}, check
        # no job yet: a stated NOT_APPLICABLE naming the tag, never a silent PASS
        assert workload == ({Status.NOT_APPLICABLE} if check == "backup-jobs" else {Status.PASS})
    jobs = next(
        r
        for r in _by_check(results, "security-services.backup-jobs")
        if r.account in _workloads(world)
    )
    assert "backup=true" in jobs.message and jobs.evidence["jobs"] == 0


def test_a_failed_latest_backup_job_fails_the_check_until_a_backup_completes(world):
    account = _workloads(world)[0]
    backup = world.client("backup", account, "us-east-1")
    volume = f"arn:aws:ec2:us-east-1:{account}:volume/vol-0123456789abcdef0"

    def job_result(role: str):
        backup.start_backup_job(
            BackupVaultName=NAME,
            ResourceArn=volume,
            IamRoleArn=f"arn:aws:iam::{account}:role/{role}",
        )
        return next(
            r
            for r in world.engine.verify([STEP]).results
            if r.check_id == "security-services.backup-jobs"
            and (r.account, r.region) == (account, "us-east-1")
        )

    failed = job_result("no-such-role")
    assert failed.status == Status.FAIL
    assert failed.evidence["failed_jobs"][0]["resource"] == volume
    assert "Unable to assume role" in failed.evidence["failed_jobs"][0]["message"]
    completed = job_result(NAME)
    assert completed.status == Status.PASS, completed.message
    assert completed.evidence["latest_job_by_state"] == {"COMPLETED": 1}


def test_compliance_vault_lock_is_irreversible_and_needs_the_typed_confirmation(world):
    profile = Path(tempfile.mkdtemp(prefix="bt-vault-")) / "compliance.yaml"
    profile.write_text(
        "extends: startup-minimal\nname: compliance-vault\nsecurity_services:\n  backup:\n"
        "    enabled: true\n    vault_lock: COMPLIANCE\n    monthly_retention_days: 365\n",
        encoding="utf-8",
    )
    engine = make_engine(
        world.sandbox.endpoint, profile.parent / "state.yaml", profile=str(profile)
    )
    try:
        for step in (
            "management-account",
            "root-mfa",
            "organization",
            "accounts",
            "control-tower",
            "log-archive",
        ):
            engine.apply(step, confirm_destructive=lambda plan: True)
        plan = engine.plan(STEP)
        locks = [c for c in plan.changes if c.resource == "Vault Lock"]
        assert len(locks) == 4 and all(c.irreversible and c.mark == "!!" for c in locks)
        assert "no one, root included" in locks[0].detail and "35-365 days" in locks[0].detail
        assert any(c.resource == "backup policy" and c.action == "update" for c in plan.changes)
        with pytest.raises(RefusedError) as info:
            engine.apply(STEP, plan, confirm_destructive=lambda p: False)
        assert "irreversible" in str(info.value)
        vault = world.client("backup", _workloads(world)[0], "us-west-2")
        assert "LockDate" not in vault.describe_backup_vault(BackupVaultName=NAME)
        engine.apply(STEP, plan, confirm_destructive=lambda p: p.step_id == STEP)
        locked = vault.describe_backup_vault(BackupVaultName=NAME)
        assert locked["LockDate"] and locked["MaxRetentionDays"] == 365
        assert {
            r.status
            for r in engine.verify([STEP]).results
            if r.check_id == "security-services.backup-vault-lock"
            and r.account in _workloads(world)
        } == {Status.PASS}
    finally:
        engine.close()
    # back to startup-minimal's GOVERNANCE lock and daily-only policy, within the grace time
    world.engine.apply(STEP, confirm_destructive=lambda p: True)
    assert "LockDate" not in vault.describe_backup_vault(BackupVaultName=NAME)
