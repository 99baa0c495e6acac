"""log-archive without Control Tower, against the sandbox: what real AWS needs of it.

AWS Config gets its own bucket (it cannot deliver to an Object Lock bucket), the trail key lets
CloudTrail decrypt with the S3 Bucket Key, the lifecycle moves no small object to Glacier, and
COMPLIANCE Object Lock is planned as an irreversible change that needs the typed confirmation.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.steps.engines import make_engine

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.sandbox.fakes.cloudtrail import allows

MIN_TRANSITION_SIZE = 128 * 1024  # S3 TransitionDefaultMinimumObjectSize all_storage_classes_128K


def _buckets(world) -> tuple[str, str, str]:
    la = world.engine.account_id("log-archive")
    return la, f"bootstrap-org-trail-{la}-us-east-1", f"bootstrap-config-{la}-us-east-1"


def test_config_delivers_to_its_own_bucket_without_object_lock(world):
    la, trail_bucket, config_bucket = _buckets(world)
    s3 = world.client("s3", account=la)
    assert (
        s3.get_object_lock_configuration(Bucket=trail_bucket)["ObjectLockConfiguration"][
            "ObjectLockEnabled"
        ]
        == "Enabled"
    )
    with pytest.raises(ClientError) as info:  # the Config bucket has no Object Lock
        s3.get_object_lock_configuration(Bucket=config_bucket)
    assert info.value.response["Error"]["Code"] == "ObjectLockConfigurationNotFoundError"
    assert s3.get_bucket_versioning(Bucket=config_bucket)["Status"] == "Enabled"
    policy = json.loads(s3.get_bucket_policy(Bucket=config_bucket)["Policy"])
    assert {s["Sid"] for s in policy["Statement"]} >= {
        "DenyInsecureTransport",
        "AWSConfigBucketPermissionsCheck",
        "AWSConfigBucketExistenceCheck",
        "AWSConfigBucketDelivery",
    }
    channels = []
    for account in [a["Id"] for a in world.client("organizations").list_accounts()["Accounts"]]:
        for region in world.engine.governed_regions:
            config = world.client("config", account=account, region=region)
            channels += [
                c["s3BucketName"] for c in config.describe_delivery_channels()["DeliveryChannels"]
            ]
    assert channels and set(channels) == {config_bucket}


def test_protect_log_archive_scp_covers_the_config_bucket(world):
    _, _, config_bucket = _buckets(world)
    org = world.client("organizations")
    contents = [
        org.describe_policy(PolicyId=p["Id"])["Policy"]["Content"]
        for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    ]
    protecting = [c for c in contents if "ProtectLogArchiveBuckets" in c]
    assert protecting and all(f"arn:aws:s3:::{config_bucket}/*" in c for c in protecting)


def test_trail_key_lets_cloudtrail_decrypt_with_the_bucket_key(world):
    la, trail_bucket, _ = _buckets(world)
    s3 = world.client("s3", account=la)
    rule = s3.get_bucket_encryption(Bucket=trail_bucket)["ServerSideEncryptionConfiguration"][
        "Rules"
    ][0]
    assert rule["BucketKeyEnabled"] is True
    key = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    policy = json.loads(
        world.client("kms", account=la).get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    )
    mgmt = world.engine.management_account_id
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{mgmt}:trail/bootstrap-org-trail"
    context = {
        "aws:sourcearn": trail_arn,
        "aws:sourceaccount": mgmt,
        "kms:encryptioncontext:aws:cloudtrail:arn": trail_arn,
    }
    for action in ("kms:GenerateDataKey", "kms:DescribeKey", "kms:Decrypt"):
        assert allows(policy, "cloudtrail.amazonaws.com", action, key, context), action


def test_no_lifecycle_rule_transitions_objects_s3_would_not_move(world):
    la, trail_bucket, _ = _buckets(world)
    rules = world.client("s3", account=la).get_bucket_lifecycle_configuration(Bucket=trail_bucket)[
        "Rules"
    ]
    assert any(r.get("Expiration", {}).get("Days") == 365 for r in rules)
    for rule in rules:
        if rule.get("Transitions"):
            assert (rule.get("Filter") or {}).get(
                "ObjectSizeGreaterThan", 0
            ) >= MIN_TRANSITION_SIZE, rule


def test_compliance_lock_is_irreversible_and_needs_the_typed_confirmation(world):
    profile = Path(tempfile.mkdtemp(prefix="bt-lock-")) / "compliance.yaml"
    profile.write_text(
        "extends: startup-minimal\nname: compliance-lock\nlog_archive:\n  retention_days: 365\n"
        "  object_lock_days: 365\n  object_lock_mode: COMPLIANCE\n",
        encoding="utf-8",
    )
    engine = make_engine(
        world.sandbox.endpoint, profile.parent / "state.yaml", profile=str(profile)
    )
    try:
        for step in ("management-account", "root-mfa", "organization", "accounts", "control-tower"):
            engine.apply(step, confirm_destructive=lambda plan: True)
        plan = engine.plan("log-archive")
        locks = [c for c in plan.changes if c.resource == "S3 Object Lock default retention"]
        assert len(locks) == 1 and locks[0].irreversible and locks[0].mark == "!!"
        assert (
            "no one, the root user included" in locks[0].detail
            and "now GOVERNANCE 365 d" in locks[0].detail
        )
        assert "USD" in locks[0].detail and "per GB-month" in locks[0].detail
        with pytest.raises(RefusedError) as info:
            engine.apply("log-archive", plan, confirm_destructive=lambda p: False)
        assert "irreversible" in str(info.value)
        engine.apply("log-archive", plan, confirm_destructive=lambda p: p.step_id == "log-archive")
        la, trail_bucket, _ = _buckets(world)
        rule = world.client("s3", account=la).get_object_lock_configuration(Bucket=trail_bucket)[
            "ObjectLockConfiguration"
        ]["Rule"]["DefaultRetention"]
        assert rule["Mode"] == "COMPLIANCE"
    finally:
        engine.close()
    weaker = world.engine.plan("log-archive")  # startup-minimal asks GOVERNANCE: COMPLIANCE is kept
    assert not [c for c in weaker.changes if "Object Lock" in c.resource]
    assert any("COMPLIANCE can never be weakened" in note for note in weaker.notes)


def test_irreversible_changes_render_distinctly_and_need_the_confirmation():
    from bootstrap_tui.model import Plan

    plan = Plan("log-archive")
    plan.add("create", "S3 bucket", "plain")
    lock = plan.add("set", "S3 Object Lock default retention", "locked", irreversible=True)
    assert plan.destructive == [lock] and plan.confirm_kind == "irreversible"
    assert [c.mark for c in plan.changes] == ["+", "!!"]
    assert plan.to_dict()["changes"][1]["irreversible"] is True
