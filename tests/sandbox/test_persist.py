"""A sandbox with a snapshot file keeps its fake AWS between runs (issue 15, item 2): what
plain boto3 created, and an operation still in flight, are there after a stop and a start."""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.persist import SnapshotError
from bootstrap_tui.sandbox.testing import client


def _start(path: Path, op_delay_s: float = 0.0) -> Sandbox:
    box = Sandbox(op_delay_s=op_delay_s, snapshot=path)
    box.start()
    return box


def test_an_organization_and_a_pending_account_survive_a_restart(exclusive, tmp_path):
    snapshot = tmp_path / "aws.pickle"
    box = _start(snapshot, op_delay_s=3600)
    try:
        org = client(box, "organizations")
        org.create_organization(FeatureSet="ALL")
        request = org.create_account(Email="log@example.com", AccountName="Log Archive")
        request_id = request["CreateAccountStatus"]["Id"]
        key_id = client(box, "kms").create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")[
            "KeyMetadata"
        ]["KeyId"]
        client(box, "s3").create_bucket(Bucket="kept-bucket")
    finally:
        box.stop()
    assert snapshot.stat().st_mode & 0o777 == 0o600

    again = _start(snapshot, op_delay_s=3600)
    try:
        assert again.restored
        org = client(again, "organizations")
        status = org.describe_create_account_status(CreateAccountRequestId=request_id)
        assert status["CreateAccountStatus"]["State"] == "IN_PROGRESS"  # its hour goes on
        again.state.operations[request_id].delay = 0  # the hour has passed
        status = org.describe_create_account_status(CreateAccountRequestId=request_id)
        assert status["CreateAccountStatus"]["State"] == "SUCCEEDED"
        names = {a["Name"] for a in org.list_accounts()["Accounts"]}
        assert "Log Archive" in names
        assert (
            client(again, "kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeySpec"] == "RSA_2048"
        )
        assert client(again, "kms").get_public_key(KeyId=key_id)["PublicKey"]
        assert "kept-bucket" in {b["Name"] for b in client(again, "s3").list_buckets()["Buckets"]}
        attached = client(again, "iam").list_policies(Scope="AWS", MaxItems=5)["Policies"]
        assert attached and all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in attached)
    finally:
        again.stop()


def test_a_damaged_snapshot_is_refused_and_left_in_place(exclusive, tmp_path):
    snapshot = tmp_path / "aws.pickle"
    snapshot.write_bytes(b"not a snapshot")
    box = Sandbox(snapshot=snapshot)
    with pytest.raises(SnapshotError, match="cannot be read"):
        box.start()
    assert snapshot.read_bytes() == b"not a snapshot"


def test_an_identity_center_assignment_in_progress_survives_a_restart(exclusive, tmp_path):
    snapshot = tmp_path / "aws.pickle"
    box = Sandbox(op_delay_s=3600, snapshot=snapshot, durations="realistic", time_scale=0.01)
    box.start()
    try:
        org, sso = client(box, "organizations"), client(box, "sso-admin")
        org.create_organization(FeatureSet="ALL")
        instance = sso.list_instances()["Instances"][0]
        ps = sso.create_permission_set(Name="Admin", InstanceArn=instance["InstanceArn"])
        ps_arn = ps["PermissionSet"]["PermissionSetArn"]
        group = client(box, "identitystore").create_group(
            IdentityStoreId=instance["IdentityStoreId"], DisplayName="Admins"
        )["GroupId"]
        request = sso.create_account_assignment(
            InstanceArn=instance["InstanceArn"],
            TargetId="123456789012",
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=ps_arn,
            PrincipalType="GROUP",
            PrincipalId=group,
        )["AccountAssignmentCreationStatus"]
    finally:
        box.stop()

    again = _start(snapshot, op_delay_s=3600)
    try:
        sso = client(again, "sso-admin")

        def status() -> str:
            return sso.describe_account_assignment_creation_status(
                InstanceArn=instance["InstanceArn"],
                AccountAssignmentCreationRequestId=request["RequestId"],
            )["AccountAssignmentCreationStatus"]["Status"]

        def listed() -> list[str]:
            return [
                a["PrincipalId"]
                for a in sso.list_account_assignments(
                    InstanceArn=instance["InstanceArn"],
                    AccountId="123456789012",
                    PermissionSetArn=ps_arn,
                )["AccountAssignments"]
            ]

        assert status() == "IN_PROGRESS" and listed() == []
        again.state.operations[request["RequestId"]].delay = 0
        assert status() == "SUCCEEDED" and listed() == [group]
    finally:
        again.stop()
