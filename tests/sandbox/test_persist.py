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
