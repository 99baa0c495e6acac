"""Drifts of the log-archive step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift


def organization_trail(endpoint: str) -> dict[str, Any]:
    """The organization trail (describe_trails in the management account)."""
    return next(t for t in client(endpoint, "cloudtrail").describe_trails()["trailList"]
                if t.get("IsOrganizationTrail"))


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


def _shorten_log_retention(endpoint: str, account: str, region: str | None) -> tuple[str, list[Any]]:
    from ..seeds import account_ids_by_key

    bucket = organization_trail(endpoint)["S3BucketName"]
    s3 = client(endpoint, "s3", account_ids_by_key(endpoint)["log-archive"])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]})
    return bucket, rules


def _restore_log_retention(endpoint: str, account: str, region: str | None,
                           memento: tuple[str, list[Any]]) -> None:
    from ..seeds import account_ids_by_key

    bucket, rules = memento
    client(endpoint, "s3", account_ids_by_key(endpoint)["log-archive"]).put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": rules})


DRIFTS: tuple[Drift, ...] = (
    Drift("log-archive.trail-multi-region", "management", None, "the organization trail stopped logging",
          _stop_trail, _start_trail, in_drifted_seed=True),
    Drift("log-archive.log-file-validation", "management", None,
          "log file validation is turned off on the organization trail",
          _log_validation_off, _log_validation_on, in_drifted_seed=True),
    Drift("log-archive.retention", "management", None, "the log bucket's lifecycle expires logs after 30 days",
          _shorten_log_retention, _restore_log_retention, in_drifted_seed=True),
)
