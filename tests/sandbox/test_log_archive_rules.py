"""AWS rules about log delivery the sandbox enforces, shown with plain boto3 calls.

- AWS Config cannot deliver to an S3 bucket with Object Lock (PutDeliveryChannel).
- CloudTrail CreateTrail/UpdateTrail need a bucket policy letting cloudtrail.amazonaws.com read the
  ACL and write under AWSLogs/<account>/ (and AWSLogs/<org id>/ for an organization trail), and,
  with a KMS key, a key policy allowing GenerateDataKey*, DescribeKey and, when the bucket uses an
  S3 Bucket Key, Decrypt.
"""

from __future__ import annotations

import itertools
import json

import pytest
from botocore.exceptions import ClientError

from steps.control_tower import kms_key_policy as ct_key_policy
from steps.log_archive import Names, key_policy, trail_bucket_policy

from .helpers import create_ct_roles, manifest, shared_accounts, wait_for

MGMT = "123456789012"
SERIAL = itertools.count()
TRAIL = "bootstrap-org-trail"


def _code(info: pytest.ExceptionInfo) -> str:
    return info.value.response["Error"]["Code"]


@pytest.fixture
def names(aws) -> Names:
    """The log-archive step's names, all in the management account; a new bucket name per test
    (moto keeps a bucket name's owner across resets)."""
    bucket = f"trail-logs-rules-test-{next(SERIAL)}"
    org_id = aws("organizations").create_organization(FeatureSet="ALL")["Organization"]["Id"]
    return Names(
        MGMT, MGMT, org_id, "us-east-1", TRAIL, bucket, "unused-access", False, "unused-config"
    )


def _bucket(
    aws, bucket: str, policy: dict | None, key_arn: str | None = None, bucket_key: bool = True
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    if policy is not None:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    if key_arn:
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_arn,
                        },
                        "BucketKeyEnabled": bucket_key,
                    }
                ]
            },
        )


def _key(aws, policy: dict) -> str:
    return aws("kms").create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]


def _without(policy: dict, action: str) -> dict:
    """``policy`` with ``action`` removed from every statement for cloudtrail.amazonaws.com."""
    out = json.loads(json.dumps(policy))
    kept = []
    for st in out["Statement"]:
        if (st.get("Principal") or {}).get("Service") == "cloudtrail.amazonaws.com":
            actions = [
                a
                for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
                if a != action
            ]
            if not actions:
                continue
            st["Action"] = actions
        kept.append(st)
    out["Statement"] = kept
    return out


def test_config_cannot_deliver_to_an_object_lock_bucket(aws):
    s3, config = aws("s3"), aws("config")
    locked, plain = f"locked-logs-{next(SERIAL)}", f"config-logs-{next(SERIAL)}"
    s3.create_bucket(Bucket=locked, ObjectLockEnabledForBucket=True)
    s3.create_bucket(Bucket=plain)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{MGMT}:role/config",
            "recordingGroup": {"allSupported": True},
        }
    )
    with pytest.raises(ClientError) as info:
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": locked})
    assert _code(info) == "InsufficientDeliveryPolicyException"
    assert locked in info.value.response["Error"]["Message"]
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": plain})
    assert config.describe_delivery_channels()["DeliveryChannels"][0]["s3BucketName"] == plain


def test_create_trail_needs_the_cloudtrail_bucket_policy(aws, names):
    ct = aws("cloudtrail")
    _bucket(aws, names.trail_bucket, None)
    with pytest.raises(ClientError) as info:
        ct.create_trail(Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True)
    assert _code(info) == "InsufficientS3BucketPolicyException"
    assert (
        info.value.response["Error"]["Message"]
        == f"Incorrect S3 bucket policy is detected for bucket: {names.trail_bucket}"
    )

    wrong_prefix = trail_bucket_policy(names)
    wrong_prefix["Statement"][2]["Resource"] = [
        f"arn:aws:s3:::{names.trail_bucket}/AWSLogs/{MGMT}/*"
    ]  # no org prefix
    aws("s3").put_bucket_policy(Bucket=names.trail_bucket, Policy=json.dumps(wrong_prefix))
    with pytest.raises(ClientError) as info:
        ct.create_trail(Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True)
    assert _code(info) == "InsufficientS3BucketPolicyException"

    aws("s3").put_bucket_policy(
        Bucket=names.trail_bucket, Policy=json.dumps(trail_bucket_policy(names))
    )
    assert (
        ct.create_trail(Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True)[
            "Name"
        ]
        == TRAIL
    )


def test_create_trail_with_a_bucket_key_needs_kms_decrypt(aws, names):
    ct = aws("cloudtrail")
    old_policy = _without(
        key_policy(names), "kms:Decrypt"
    )  # what log-archive granted CloudTrail before
    key = _key(aws, old_policy)
    _bucket(aws, names.trail_bucket, trail_bucket_policy(names), key_arn=key, bucket_key=True)
    with pytest.raises(ClientError) as info:
        ct.create_trail(
            Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True, KmsKeyId=key
        )
    assert _code(info) == "InsufficientEncryptionPolicyException"
    assert (
        info.value.response["Error"]["Message"]
        == f"Insufficient permissions to access S3 bucket {names.trail_bucket} or KMS key {key}."
    )
    aws("kms").put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(key_policy(names)))
    created = ct.create_trail(
        Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True, KmsKeyId=key
    )
    assert created["Name"] == TRAIL


def test_without_a_bucket_key_decrypt_is_not_needed_but_describe_key_is(aws, names):
    ct = aws("cloudtrail")
    key = _key(aws, _without(key_policy(names), "kms:Decrypt"))
    _bucket(aws, names.trail_bucket, trail_bucket_policy(names), key_arn=key, bucket_key=False)
    ct.create_trail(
        Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True, KmsKeyId=key
    )
    no_describe = _key(aws, _without(key_policy(names), "kms:DescribeKey"))
    with pytest.raises(ClientError) as info:
        ct.update_trail(Name=TRAIL, KmsKeyId=no_describe)
    assert _code(info) == "InsufficientEncryptionPolicyException"


def test_update_trail_checks_the_merged_settings(aws, names):
    ct = aws("cloudtrail")
    _bucket(aws, names.trail_bucket, trail_bucket_policy(names))
    ct.create_trail(Name=TRAIL, S3BucketName=names.trail_bucket, IsOrganizationTrail=True)
    no_encrypt = _key(aws, _without(key_policy(names), "kms:GenerateDataKey*"))
    with pytest.raises(ClientError) as info:
        ct.update_trail(Name=TRAIL, KmsKeyId=no_encrypt)
    assert _code(info) == "InsufficientEncryptionPolicyException"
    aws("s3").delete_bucket_policy(Bucket=names.trail_bucket)
    with pytest.raises(ClientError) as info:
        ct.update_trail(Name=TRAIL, EnableLogFileValidation=True)
    assert _code(info) == "InsufficientS3BucketPolicyException"


def test_the_control_tower_trail_meets_cloudtrails_bucket_and_key_rules(aws, sandbox):
    from bootstrap_tui.sandbox.fakes.cloudtrail import trail_policy_problem

    org = aws("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    key = _key(aws, ct_key_policy(MGMT, "us-east-1"))
    body = manifest(log_archive, audit)
    body["centralizedLogging"]["configurations"] = {"kmsKeyArn": key}
    tower = aws("controltower")
    op = tower.create_landing_zone(version="4.0", manifest=body)["operationIdentifier"]
    assert (
        wait_for(
            lambda: tower.get_landing_zone_operation(operationIdentifier=op)["operationDetails"][
                "status"
            ]
        )
        == "SUCCEEDED"
    )
    trail = aws("cloudtrail").describe_trails()["trailList"][0]
    # Control Tower documents its key policy without kms:DescribeKey, and its trail works.
    assert (
        trail_policy_problem(
            account=MGMT,
            region="us-east-1",
            name=trail["Name"],
            bucket_name=trail["S3BucketName"],
            prefix=org_id,
            organization=True,
            kms_key_id=key,
            require_describe_key=False,
        )
        is None
    )
    aws("cloudtrail").update_trail(
        Name=trail["Name"], S3BucketName=trail["S3BucketName"], KmsKeyId=""
    )
