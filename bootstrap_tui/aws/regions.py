"""Regions: partition of a region, regions enabled in an account, governed-region validation."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from bootstrap_tui.errors import ConfigError

ENABLED_STATUSES = ("opt-in-not-required", "opted-in")
_PARTITION_PREFIXES = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
)


def partition_of(region: str) -> str:
    """ "aws", "aws-cn" or "aws-us-gov" (and the ISO partitions) for a region name."""
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


def enabled_regions(factory: Any, account: str | None = None) -> list[str]:
    """Regions of the caller's partition that are enabled (opt-in not required or opted in)."""
    return enabled_region_names(
        factory.client("ec2", account=account), partition_of(factory.region)
    )


def enabled_region_names(ec2: Any, partition: str) -> list[str]:
    """ec2:DescribeRegions(AllRegions=True) through `ec2`, kept to `partition` and to the
    regions that are enabled for the account (opt-in not required, or opted in)."""
    response = ec2.describe_regions(AllRegions=True)
    return sorted(
        r["RegionName"]
        for r in response.get("Regions", [])
        if partition_of(r["RegionName"]) == partition
        and r.get("OptInStatus", "opt-in-not-required") in ENABLED_STATUSES
    )


def governed_regions(profile_regions: Iterable[str], enabled: Iterable[str]) -> list[str]:
    """The profile's governed regions (deduplicated, in order), each checked to be enabled."""
    enabled_set = set(enabled)
    result: list[str] = []
    for region in profile_regions:
        region = str(region).strip()
        if region in result:
            continue
        if region not in enabled_set:
            raise ConfigError(
                f"governed region '{region}' is not enabled in this account",
                "enable it under Account > AWS Regions in the console (opt-in regions), or remove "
                f"it from governed_regions; enabled regions: {', '.join(sorted(enabled_set))}",
            )
        result.append(region)
    return result
