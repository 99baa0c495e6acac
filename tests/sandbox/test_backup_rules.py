"""AWS Backup's rules in the sandbox, with plain boto3: backup policies in Organizations (the
policy type first, the documented syntax), vaults and their Vault Lock, backup jobs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, UTC

import pytest
from botocore.exceptions import ClientError

from .helpers import create_account, member_credentials

POLICY = {
    "plans": {
        "p": {
            "regions": {"@@assign": ["us-east-1"]},
            "rules": {
                "daily": {
                    "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"},
                    "target_backup_vault_name": {"@@assign": "v1"},
                }
            },
            "selections": {
                "tags": {
                    "t": {
                        "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/r"},
                        "tag_key": {"@@assign": "backup"},
                        "tag_value": {"@@assign": ["true"]},
                    }
                }
            },
        }
    }
}


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_a_backup_policy_attaches_only_once_its_type_is_enabled(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    policy = org.create_policy(
        Name="b", Description="", Type="BACKUP_POLICY", Content=json.dumps(POLICY)
    )["Policy"]["PolicySummary"]["Id"]
    code, _ = _error(lambda: org.attach_policy(PolicyId=policy, TargetId=ou))
    assert code == "PolicyTypeNotEnabledException"
    org.enable_policy_type(RootId=root, PolicyType="BACKUP_POLICY")
    org.attach_policy(PolicyId=policy, TargetId=ou)
    targets = org.list_targets_for_policy(PolicyId=policy)["Targets"]
    assert [t["TargetId"] for t in targets] == [ou]


@pytest.mark.parametrize(
    "missing", ["regions", "rules", "selections", "iam_role_arn", "target_backup_vault_name"]
)
def test_a_backup_policy_without_a_required_element_is_malformed(aws, missing) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    document = json.loads(json.dumps(POLICY))
    plan = document["plans"]["p"]
    for holder in (plan, plan["rules"]["daily"], plan["selections"]["tags"]["t"]):
        holder.pop(missing, None)
    code, message = _error(
        lambda: org.create_policy(
            Name="b", Description="", Type="BACKUP_POLICY", Content=json.dumps(document)
        )
    )
    assert code == "MalformedPolicyDocumentException" and missing in message


def test_vaults_are_encrypted_and_vault_lock_follows_its_rules(aws) -> None:
    backup = aws("backup")
    backup.create_backup_vault(BackupVaultName="v1")
    vault = backup.describe_backup_vault(BackupVaultName="v1")
    assert vault["EncryptionKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert vault["Locked"] is False
    assert _error(lambda: backup.create_backup_vault(BackupVaultName="v1"))[0] == (
        "AlreadyExistsException"
    )
    assert _error(lambda: backup.create_backup_vault(BackupVaultName="bad name!"))[0] == (
        "InvalidParameterValueException"
    )
    assert _error(lambda: backup.describe_backup_vault(BackupVaultName="none"))[0] == (
        "ResourceNotFoundException"
    )
    for bad in (
        {"MinRetentionDays": 0},
        {"MinRetentionDays": 40, "MaxRetentionDays": 30},
        {"MinRetentionDays": 1, "ChangeableForDays": 2},
    ):
        code, _ = _error(
            lambda bad=bad: backup.put_backup_vault_lock_configuration(BackupVaultName="v1", **bad)
        )
        assert code == "InvalidParameterValueException", bad
    backup.put_backup_vault_lock_configuration(
        BackupVaultName="v1", MinRetentionDays=35, MaxRetentionDays=365
    )
    locked = backup.describe_backup_vault(BackupVaultName="v1")
    assert (locked["Locked"], locked["MinRetentionDays"], locked["MaxRetentionDays"]) == (
        True,
        35,
        365,
    )
    assert "LockDate" not in locked  # governance mode: no date after which it is immutable
    backup.delete_backup_vault_lock_configuration(BackupVaultName="v1")
    backup.put_backup_vault_lock_configuration(
        BackupVaultName="v1", MinRetentionDays=35, MaxRetentionDays=365, ChangeableForDays=3
    )
    lock_date = backup.describe_backup_vault(BackupVaultName="v1")["LockDate"]
    assert lock_date > datetime.now(UTC) + timedelta(days=2, hours=23)


def test_backup_jobs_fail_without_a_role_backup_can_assume(aws, sandbox) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    account = create_account(org, "Workload", "wl@example.com")
    member = member_credentials(aws("sts"), account)
    backup = aws("backup", **member)
    iam = aws("iam", **member)
    iam.create_role(
        RoleName="r",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "backup.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    backup.create_backup_vault(BackupVaultName="v1")
    volume = f"arn:aws:ec2:us-east-1:{account}:volume/vol-0123456789abcdef0"
    assert _error(
        lambda: backup.start_backup_job(
            BackupVaultName="none", ResourceArn=volume, IamRoleArn="arn:aws:iam::1:role/r"
        )
    )[0] == ("ResourceNotFoundException")
    for role in ("gone", "r"):
        backup.start_backup_job(
            BackupVaultName="v1",
            ResourceArn=volume,
            IamRoleArn=f"arn:aws:iam::{account}:role/{role}",
        )
    jobs = backup.list_backup_jobs(ByCreatedAfter=datetime.now(UTC) - timedelta(days=1))
    states = [(j["State"], j["IamRoleArn"].rsplit("/", 1)[1]) for j in jobs["BackupJobs"]]
    assert states == [("FAILED", "gone"), ("COMPLETED", "r")]
    assert "Unable to assume role" in jobs["BackupJobs"][0]["StatusMessage"]
    assert backup.list_backup_jobs(ByState="FAILED")["BackupJobs"][0]["State"] == "FAILED"
    later = backup.list_backup_jobs(ByCreatedAfter=datetime.now(UTC) + timedelta(hours=1))
    assert later["BackupJobs"] == []
    assert aws("backup").list_backup_jobs()["BackupJobs"] == []  # another account's jobs
