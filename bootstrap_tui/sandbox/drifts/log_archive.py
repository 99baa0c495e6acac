"""Drifts of the log-archive step's checks."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from ..plain import client
from . import Drift

CT_EXECUTION_ROLE = "AWSControlTowerExecution"


def organization_trail(endpoint: str) -> dict[str, Any]:
    """The organization trail (describe_trails in the management account)."""
    return next(
        t
        for t in client(endpoint, "cloudtrail").describe_trails()["trailList"]
        if t.get("IsOrganizationTrail")
    )


def _stop_trail(endpoint: str, account: str, region: str | None) -> str:
    arn = organization_trail(endpoint)["TrailARN"]
    client(endpoint, "cloudtrail").stop_logging(Name=arn)
    return arn


def _start_trail(endpoint: str, account: str, region: str | None, arn: str) -> None:
    client(endpoint, "cloudtrail").start_logging(Name=arn)


def _log_validation_off(endpoint: str, account: str, region: str | None) -> str:
    arn = organization_trail(endpoint)["TrailARN"]
    client(endpoint, "cloudtrail").update_trail(Name=arn, EnableLogFileValidation=False)
    return arn


def _log_validation_on(endpoint: str, account: str, region: str | None, arn: str) -> None:
    client(endpoint, "cloudtrail").update_trail(Name=arn, EnableLogFileValidation=True)


def _shorten_log_retention(
    endpoint: str, account: str, region: str | None
) -> tuple[str, list[Any]]:
    from ..seeds import account_ids_by_key

    bucket = organization_trail(endpoint)["S3BucketName"]
    s3 = client(endpoint, "s3", account_ids_by_key(endpoint)["log-archive"])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 30},
                }
            ]
        },
    )
    return bucket, rules


def _restore_log_retention(
    endpoint: str, account: str, region: str | None, memento: tuple[str, list[Any]]
) -> None:
    from ..seeds import account_ids_by_key

    bucket, rules = memento
    client(
        endpoint, "s3", account_ids_by_key(endpoint)["log-archive"]
    ).put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def _log_archive_s3(endpoint: str, role: str = "OrganizationAccountAccessRole") -> Any:
    from ..seeds import account_ids_by_key

    return client(endpoint, "s3", account_ids_by_key(endpoint)["log-archive"], role=role)


def _access_logging_off(
    endpoint: str, account: str, region: str | None, role: str = "OrganizationAccountAccessRole"
) -> tuple[str, dict[str, Any], str]:
    bucket = organization_trail(endpoint)["S3BucketName"]
    s3 = _log_archive_s3(endpoint, role)
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    return bucket, logging, role


def _access_logging_on(
    endpoint: str, account: str, region: str | None, memento: tuple[str, dict[str, Any], str]
) -> None:
    bucket, logging, role = memento
    _log_archive_s3(endpoint, role).put_bucket_logging(
        Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": logging}
    )


def _allow_plain_http(
    endpoint: str, account: str, region: str | None, role: str = "OrganizationAccountAccessRole"
) -> tuple[str, str, str]:
    """Replace the log bucket's policy with the same policy minus its deny of non-TLS requests."""
    bucket = organization_trail(endpoint)["S3BucketName"]
    s3 = _log_archive_s3(endpoint, role)
    original = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    policy = json.loads(original)
    policy["Statement"] = [
        st
        for st in policy["Statement"]
        if "aws:SecureTransport" not in json.dumps(st.get("Condition", {}))
    ]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return bucket, original, role


def _restore_bucket_policy(
    endpoint: str, account: str, region: str | None, memento: tuple[str, str, str]
) -> None:
    bucket, original, role = memento
    _log_archive_s3(endpoint, role).put_bucket_policy(Bucket=bucket, Policy=original)


# Control Tower's SCP denies changes to its log buckets to all but AWSControlTowerExecution.
_ct_access_logging_off = partial(_access_logging_off, role=CT_EXECUTION_ROLE)
_ct_allow_plain_http = partial(_allow_plain_http, role=CT_EXECUTION_ROLE)


def _trail_key(endpoint: str) -> tuple[Any, str]:
    """A KMS client where the trail's key lives (the Log Archive account) and the key ARN."""
    key = organization_trail(endpoint)["KmsKeyId"]
    parts = key.split(":")
    return client(endpoint, "kms", parts[4], parts[3]), key


def _rotation_off(endpoint: str, account: str, region: str | None) -> int | None:
    kms, key = _trail_key(endpoint)
    period = kms.get_key_rotation_status(KeyId=key).get("RotationPeriodInDays")
    kms.disable_key_rotation(KeyId=key)
    return period


def _rotation_on(endpoint: str, account: str, region: str | None, period: int | None) -> None:
    kms, key = _trail_key(endpoint)
    kms.enable_key_rotation(KeyId=key, **({"RotationPeriodInDays": period} if period else {}))


def _trail_sse_kms_off(endpoint: str, account: str, region: str | None) -> tuple[str, str]:
    """UpdateTrail with an empty KmsKeyId: the trail's logs fall back to the bucket's default encryption."""
    trail = organization_trail(endpoint)
    client(endpoint, "cloudtrail").update_trail(Name=trail["TrailARN"], KmsKeyId="")
    return trail["TrailARN"], trail["KmsKeyId"]


def _trail_sse_kms_on(
    endpoint: str, account: str, region: str | None, memento: tuple[str, str]
) -> None:
    arn, key = memento
    client(endpoint, "cloudtrail").update_trail(Name=arn, KmsKeyId=key)


def _reset_landing_zone(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    """Control Tower's remedy for its trail changed outside it: ResetLandingZone, waited for."""
    from .control_tower import reset_landing_zone

    reset_landing_zone(endpoint)


def _shorten_lock(endpoint: str, account: str, region: str | None) -> tuple[str, dict[str, Any]]:
    """Object Lock cannot be turned off on a bucket, but its default retention can be shortened."""
    bucket = organization_trail(endpoint)["S3BucketName"]
    s3 = _log_archive_s3(endpoint)
    config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    mode = config["Rule"]["DefaultRetention"]["Mode"]
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": 1}},
        },
    )
    return bucket, config


def _restore_lock(
    endpoint: str, account: str, region: str | None, memento: tuple[str, dict[str, Any]]
) -> None:
    bucket, config = memento
    _log_archive_s3(endpoint).put_object_lock_configuration(
        Bucket=bucket, ObjectLockConfiguration=config
    )


def _config_bucket(endpoint: str) -> str:
    """The AWS Config delivery bucket, as the management account's delivery channel names it."""
    channels = client(endpoint, "config").describe_delivery_channels()["DeliveryChannels"]
    return channels[0]["s3BucketName"]


def _suspend_config_versioning(endpoint: str, account: str, region: str | None) -> str:
    bucket = _config_bucket(endpoint)
    _log_archive_s3(endpoint).put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
    )
    return bucket


def _enable_config_versioning(endpoint: str, account: str, region: str | None, bucket: str) -> None:
    _log_archive_s3(endpoint).put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )


def _vpc_without_flow_log(endpoint: str, account: str, region: str | None) -> str:
    """A VPC created after the baseline, with no flow log (what the check exists to catch)."""
    ec2 = client(endpoint, "ec2", account, region)
    return ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]


def _delete_vpc(endpoint: str, account: str, region: str | None, vpc: str) -> None:
    client(endpoint, "ec2", account, region).delete_vpc(VpcId=vpc)


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "log-archive.trail-multi-region",
        "management",
        None,
        "the organization trail stopped logging",
        _stop_trail,
        _start_trail,
        in_drifted_seed=True,
    ),
    Drift(
        "log-archive.log-file-validation",
        "management",
        None,
        "log file validation is turned off on the organization trail",
        _log_validation_off,
        _log_validation_on,
        in_drifted_seed=True,
    ),
    Drift(
        "log-archive.retention",
        "management",
        None,
        "the log bucket's lifecycle expires logs after 30 days",
        _shorten_log_retention,
        _restore_log_retention,
        in_drifted_seed=True,
    ),
    Drift(
        "log-archive.bucket-access-logging",
        "management",
        None,
        "server access logging of the log bucket is turned off",
        _access_logging_off,
        _access_logging_on,
    ),
    Drift(
        "log-archive.bucket-tls-not-public",
        "management",
        None,
        "the log bucket's policy no longer denies requests without TLS",
        _allow_plain_http,
        _restore_bucket_policy,
    ),
    Drift(
        "log-archive.key-rotation",
        "management",
        None,
        "automatic rotation of the trail's KMS key is disabled",
        _rotation_off,
        _rotation_on,
    ),
    Drift(
        "log-archive.trail-kms",
        "management",
        None,
        "SSE-KMS encryption is removed from the organization trail (UpdateTrail with an empty KmsKeyId)",
        _trail_sse_kms_off,
        _trail_sse_kms_on,
    ),
    Drift(
        "log-archive.bucket-access-logging",
        "management",
        None,
        "server access logging of the Control Tower log bucket is turned off (as AWSControlTowerExecution)",
        _ct_access_logging_off,
        _access_logging_on,
        base="compliant-ct",
    ),
    Drift(
        "log-archive.bucket-tls-not-public",
        "management",
        None,
        "the Control Tower log bucket's policy no longer denies requests without TLS (as AWSControlTowerExecution)",
        _ct_allow_plain_http,
        _restore_bucket_policy,
        base="compliant-ct",
    ),
    Drift(
        "log-archive.key-rotation",
        "management",
        None,
        "automatic rotation of the Control Tower trail's KMS key (management account) is disabled",
        _rotation_off,
        _rotation_on,
        base="compliant-ct",
    ),
    Drift(
        "log-archive.trail-kms",
        "management",
        None,
        "SSE-KMS encryption is removed from the Control Tower trail; undone by resetting the landing zone",
        _trail_sse_kms_off,
        _reset_landing_zone,
        base="compliant-ct",
    ),
    Drift(
        "log-archive.object-lock",
        "management",
        None,
        "the log bucket's Object Lock default retention is shortened to 1 day",
        _shorten_lock,
        _restore_lock,
    ),
    Drift(
        "log-archive.config-bucket",
        "management",
        None,
        "versioning of the AWS Config bucket is suspended",
        _suspend_config_versioning,
        _enable_config_versioning,
    ),
    Drift(
        "log-archive.vpc-flow-logs",
        "management",
        0,
        "a new VPC is created without a flow log",
        _vpc_without_flow_log,
        _delete_vpc,
    ),
    Drift(
        "log-archive.vpc-flow-logs",
        "prod",
        1,
        "a new VPC is created without a flow log",
        _vpc_without_flow_log,
        _delete_vpc,
    ),
)
