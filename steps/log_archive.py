"""log-archive: the organization CloudTrail trail and its immutable log bucket.

With Control Tower the landing zone owns the trail and buckets: this step only
verifies them. Without Control Tower it builds them: a KMS key with rotation
in the Log Archive account, an access-log bucket, an Object Lock trail bucket
(the profile's mode) with SSE-KMS, TLS-only and CloudTrail-write policy,
lifecycle and access logging, a separate AWS Config delivery bucket (AWS
Config cannot deliver to an Object Lock bucket), and the multi-region
organization trail in the management account.

On both paths it owns the VPC flow logs (steps/vpc_flow_logs.py): the flow-log
bucket in the Log Archive account and a flow log to it for every VPC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.costs import load_prices
from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Check, Outcome, Plan, Scope, Severity, Step

from steps import vpc_flow_logs
from steps._errors import call_or, error_code
from steps._kms import unaliased_tagged_key
from steps._naming import CT_TRAIL_NAME, KMS_ALIAS, PREFIX, PURPOSE_TAG, TRAIL_NAME
from steps._org import ensure_service_access, is_future, log_archive_account, org_id
from steps._policy_documents import parse_policy, statements

PAB = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@dataclass
class Names:
    management: str
    log_archive: str
    org_id: str
    region: str
    trail_name: str
    trail_bucket: str
    access_bucket: str
    control_tower: bool
    config_bucket: str = ""

    @property
    def trail_arn(self) -> str:
        return f"arn:aws:cloudtrail:{self.region}:{self.management}:trail/{self.trail_name}"


def names(ctx: StepContext) -> Names:
    la = log_archive_account(ctx)
    if not la:
        raise RefusedError(
            "the Log Archive account was not found in the organization",
            "run the accounts step first (bootstrap-tui apply --step accounts --yes)",
        )
    oid = org_id(ctx)
    if not oid:
        raise RefusedError("there is no organization yet", "run the organization step first")
    home = ctx.home_region
    ct = bool(ctx.profile.control_tower_enabled)
    if ct:
        return Names(
            ctx.management_account_id,
            la,
            oid,
            home,
            CT_TRAIL_NAME,
            f"aws-controltower-logs-{la}-{home}",
            f"aws-controltower-s3-access-logs-{la}-{home}",
            True,
        )
    return Names(
        ctx.management_account_id,
        la,
        oid,
        home,
        TRAIL_NAME,
        f"{PREFIX}-org-trail-{la}-{home}",
        f"{PREFIX}-access-logs-{la}-{home}",
        False,
        config_delivery_bucket(la, home),
    )


def config_delivery_bucket(log_archive: str, region: str) -> str:
    """The AWS Config delivery bucket (no Object Lock: Config cannot deliver to a locked bucket)."""
    return f"{PREFIX}-config-{log_archive}-{region}"


def retention(ctx: StepContext) -> dict[str, Any]:
    logs = ctx.profile.log_archive
    return {
        "retention_days": logs.retention_days,
        "object_lock_days": logs.object_lock_days,
        "object_lock_mode": logs.object_lock_mode,
        "bypass_denied": "protect-log-archive" in ctx.profile.guardrails.scps,
    }


# ------------------------------------------------------------------ Object Lock: cost and meaning


def lock_cost_estimate(days: int) -> str:
    """A labelled storage estimate for logs kept locked ``days`` days, per account, from the
    dated price data (bootstrap_tui/prices.yaml; see docs/costs.md)."""
    book = load_prices()
    gb_per_month = book.value("cloudtrail_log_gb_per_account")
    price = book.price("s3_standard_gb")
    locked_gb = gb_per_month * days / 30
    return (
        f"estimate: at {gb_per_month:g} GB of logs per account a month (assumption) the locked data grows "
        f"to about {locked_gb:.0f} GB per account, about USD {price.cost(locked_gb):.2f}/month per account "
        f"at {price.rate()} (S3 Standard, us-east-1, prices recorded {book.recorded})"
    )


def lock_meaning(mode: str, days: int, bypass_denied: bool = True) -> str:
    """What the Object Lock default retention means, in one sentence."""
    if mode == "COMPLIANCE":
        return (
            f"IRREVERSIBLE: Object Lock COMPLIANCE {days} d: no one, the root user included, can delete a "
            f"log object version or the bucket until each version is {days} days old, and COMPLIANCE "
            "can never be weakened or shortened"
        )
    who = (
        "the protect-log-archive SCP denies it to all but the automation role"
        if bypass_denied
        else "no SCP of this profile denies it: add protect-log-archive to guardrails.scps"
    )
    return (
        f"Object Lock GOVERNANCE {days} d: log object versions cannot be deleted for {days} days except by "
        f"a principal allowed s3:BypassGovernanceRetention ({who}); Object Lock itself can never be turned "
        "off on the bucket"
    )


# ------------------------------------------------------------------ documents


def key_policy(n: Names) -> dict[str, Any]:
    trail_context = f"arn:aws:cloudtrail:*:{n.management}:trail/*"
    return {
        "Version": "2012-10-17",
        "Id": f"{PREFIX}-org-trail-key",
        "Statement": [
            {
                "Sid": "EnableLogArchiveAccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{n.log_archive}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AllowCloudTrailToEncryptLogs",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceArn": n.trail_arn},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_context},
                },
            },
            {
                "Sid": "AllowCloudTrailToDescribeKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": n.trail_arn}},
            },
            # the trail bucket uses an S3 Bucket Key: CloudTrail needs kms:Decrypt to create or update the trail
            {
                "Sid": "AllowCloudTrailToDecryptWithTheBucketKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": n.trail_arn}},
            },
            {
                "Sid": "AllowLogArchiveReadersToDecrypt",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": n.log_archive},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_context},
                },
            },
        ],
    }


def tls_only(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def trail_bucket_policy(n: Names) -> dict[str, Any]:
    arn = f"arn:aws:s3:::{n.trail_bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            tls_only(n.trail_bucket),
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceArn": n.trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": [f"{arn}/AWSLogs/{n.management}/*", f"{arn}/AWSLogs/{n.org_id}/*"],
                "Condition": {
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "aws:SourceArn": n.trail_arn,
                    }
                },
            },
        ],
    }


def config_bucket_policy(n: Names) -> dict[str, Any]:
    """AWS Config's documented cross-account delivery policy, for every account of the organization."""
    arn = f"arn:aws:s3:::{n.config_bucket}"
    org = {"aws:SourceOrgID": n.org_id}
    return {
        "Version": "2012-10-17",
        "Statement": [
            tls_only(n.config_bucket),
            {
                "Sid": "AWSConfigBucketPermissionsCheck",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": arn,
                "Condition": {"StringEquals": org},
            },
            {
                "Sid": "AWSConfigBucketExistenceCheck",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "s3:ListBucket",
                "Resource": arn,
                "Condition": {"StringEquals": org},
            },
            {
                "Sid": "AWSConfigBucketDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/AWSLogs/*/Config/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **org}},
            },
        ],
    }


def access_bucket_policy(n: Names) -> dict[str, Any]:
    # (the logging statement comes first: moto's PutBucketLogging permission probe stops at the
    # first matching statement and crashes on a "*" principal before it)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3ServerAccessLogsPolicy",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{n.access_bucket}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{n.trail_bucket}"},
                    "StringEquals": {"aws:SourceAccount": n.log_archive},
                },
            },
            tls_only(n.access_bucket),
        ],
    }


def trail_lifecycle(r: dict[str, Any]) -> dict[str, Any]:
    # No Glacier transition: S3 transitions no object under 128 KB by default (TransitionDefaultMinimumObjectSize)
    # and CloudTrail's log files are a few KB, so a transition would move almost nothing.
    return {
        "Rules": [
            {
                "ID": "expire",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": r["retention_days"]},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }


def access_lifecycle(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ID": "expire-access-logs",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": r["retention_days"]},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }


def config_lifecycle(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ID": "expire-config-history",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": r["retention_days"]},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }


def lifecycle_summary(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for rule in rules:
        if rule.get("Status") != "Enabled":
            continue
        transitions = tuple(
            sorted((t.get("Days"), t.get("StorageClass")) for t in rule.get("Transitions", []))
        )
        out.append((transitions, (rule.get("Expiration") or {}).get("Days")))
    return sorted(out, key=repr)


# ------------------------------------------------------------------ reads


def find_key(ctx: StepContext, n: Names) -> dict[str, Any] | None:
    if is_future(ctx, n.log_archive):
        return None
    kms = ctx.client("kms", account=n.log_archive, region=n.region)
    meta = call_or(
        None, lambda: kms.describe_key(KeyId=KMS_ALIAS)["KeyMetadata"], "NotFoundException"
    )
    if meta and meta.get("KeyState") == "PendingDeletion":
        return {**meta, "pending_deletion": True}
    return meta


def unaliased_key(ctx: StepContext, n: Names) -> dict[str, Any] | None:
    """Our trail key without its alias: a run stopped between CreateKey and CreateAlias."""
    return unaliased_tagged_key(
        ctx.client("kms", account=n.log_archive, region=n.region), "org-trail"
    )


def key_problems(ctx: StepContext, n: Names, meta: dict[str, Any] | None) -> list[str]:
    if meta is None:
        return ["missing"]
    if meta.get("pending_deletion"):
        return ["pending deletion: cancel it (kms CancelKeyDeletion) before applying"]
    kms = ctx.client("kms", account=n.log_archive, region=n.region)
    problems = []
    if not kms.get_key_rotation_status(KeyId=meta["KeyId"]).get("KeyRotationEnabled"):
        problems.append("rotation off")
    current = parse_policy(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
    if current != key_policy(n):
        problems.append("key policy differs")
    if meta.get("KeyState") != "Enabled":
        problems.append(f"state {meta.get('KeyState')}")
    return problems


def bucket_exists(ctx: StepContext, n: Names, bucket: str) -> bool:
    s3 = ctx.client("s3", account=n.log_archive, region=n.region)
    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise


def facts_or_new_bucket(
    ctx: StepContext, n: Names, bucket: str, *, object_lock: bool = False
) -> dict[str, Any]:
    """The bucket's facts, creating it first (owner-enforced; Object Lock only at creation) when
    it does not exist yet."""
    facts = bucket_facts(ctx, n, bucket)
    if facts is not None:
        return facts
    params: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if object_lock:
        params["ObjectLockEnabledForBucket"] = True
    if n.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": n.region}
    try:
        ctx.client("s3", account=n.log_archive, region=n.region).create_bucket(**params)
    except Exception as exc:
        if error_code(exc) != "BucketAlreadyOwnedByYou":
            raise
    return bucket_facts(ctx, n, bucket) or {}


def bucket_facts(ctx: StepContext, n: Names, bucket: str) -> dict[str, Any] | None:
    """The security-relevant settings of a bucket, None when it does not exist."""
    if is_future(ctx, n.log_archive) or not bucket_exists(ctx, n, bucket):
        return None
    s3 = ctx.client("s3", account=n.log_archive, region=n.region)
    facts: dict[str, Any] = {"name": bucket}
    facts["versioning"] = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    facts["object_lock"] = call_or(
        {},
        lambda: s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"],
        "ObjectLockConfigurationNotFoundError",
    )
    rules = call_or(
        [],
        lambda: s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ],
        "ServerSideEncryptionConfigurationNotFoundError",
    )
    facts["encryption"] = rules[0] if rules else {}
    facts["public_access_block"] = call_or(
        {},
        lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        "NoSuchPublicAccessBlockConfiguration",
    )
    facts["policy"] = call_or(
        None,
        lambda: parse_policy(s3.get_bucket_policy(Bucket=bucket)["Policy"]),
        "NoSuchBucketPolicy",
    )
    facts["lifecycle"] = call_or(
        [],
        lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"],
        "NoSuchLifecycleConfiguration",
    )
    facts["logging"] = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled") or {}
    return facts


def lock_rule(facts: dict[str, Any] | None) -> dict[str, Any]:
    """The bucket's Object Lock default retention ({} when there is none)."""
    lock = (facts or {}).get("object_lock") or {}
    if lock.get("ObjectLockEnabled") != "Enabled":
        return {}
    return dict((lock.get("Rule") or {}).get("DefaultRetention") or {}, enabled=True)


def lock_change(facts: dict[str, Any] | None, r: dict[str, Any]) -> tuple[str, str] | None:
    """The Object Lock change the trail bucket needs: (kind, text), kind one of "irreversible"
    (COMPLIANCE: applied only when confirmed like a destructive change), "update" (GOVERNANCE) or
    "keep" (refused: COMPLIANCE is never weakened); None when nothing is to change."""
    days, mode = r["object_lock_days"], r["object_lock_mode"]
    if not days:
        return None
    rule = lock_rule(facts)
    have_mode, have_days = rule.get("Mode"), rule.get("Days") or 0
    if have_mode == mode and have_days == days:
        return None
    text = f"{lock_meaning(mode, days, r.get('bypass_denied', True))}; {lock_cost_estimate(days)}"
    if have_mode == "COMPLIANCE" and (mode != "COMPLIANCE" or days < have_days):
        return "keep", (
            f"the bucket's Object Lock is COMPLIANCE {have_days} d and COMPLIANCE can never be "
            f"weakened or shortened; it is kept (the profile asks {mode} {days} d)"
        )
    if rule.get("enabled"):
        text = f"now {have_mode} {have_days} d; {text}"
    return ("irreversible" if mode == "COMPLIANCE" else "update"), text


def trail_bucket_problems(
    facts: dict[str, Any] | None, n: Names, r: dict[str, Any], key_arn: str | None
) -> list[str]:
    """What differs on the trail bucket, Object Lock aside (see lock_change)."""
    if facts is None:
        return ["missing"]
    problems = []
    if facts["versioning"] != "Enabled":
        problems.append("versioning off")
    sse = facts["encryption"].get("ApplyServerSideEncryptionByDefault") or {}
    if (
        sse.get("SSEAlgorithm") != "aws:kms"
        or (key_arn and sse.get("KMSMasterKeyID") != key_arn)
        or not facts["encryption"].get("BucketKeyEnabled")
    ):
        problems.append("default encryption not SSE-KMS with the trail key and bucket key")
    if facts["public_access_block"] != PAB:
        problems.append("public access block incomplete")
    if facts["policy"] != trail_bucket_policy(n):
        problems.append("bucket policy differs")
    if lifecycle_summary(facts["lifecycle"]) != lifecycle_summary(trail_lifecycle(r)["Rules"]):
        problems.append("lifecycle differs")
    if facts["logging"].get("TargetBucket") != n.access_bucket:
        problems.append("access logging off")
    return problems


def _sse_s3_bucket_problems(
    facts: dict[str, Any], policy: dict[str, Any], rules: list[dict[str, Any]], sse_note: str = ""
) -> list[str]:
    """What differs on a versioned, SSE-S3, non-public bucket with this policy and lifecycle."""
    problems = []
    if facts["versioning"] != "Enabled":
        problems.append("versioning off")
    sse = facts["encryption"].get("ApplyServerSideEncryptionByDefault") or {}
    if sse.get("SSEAlgorithm") != "AES256":
        problems.append("default encryption not SSE-S3" + sse_note)
    if facts["public_access_block"] != PAB:
        problems.append("public access block incomplete")
    if facts["policy"] != policy:
        problems.append("bucket policy differs")
    if lifecycle_summary(facts["lifecycle"]) != lifecycle_summary(rules):
        problems.append("lifecycle differs")
    return problems


def config_bucket_problems(facts: dict[str, Any] | None, n: Names, r: dict[str, Any]) -> list[str]:
    """What differs on the AWS Config delivery bucket."""
    if facts is None:
        return ["missing"]
    problems = []
    if (facts["object_lock"] or {}).get("ObjectLockEnabled") == "Enabled":
        problems.append(
            "Object Lock is enabled: AWS Config cannot deliver to it (delete and recreate the bucket)"
        )
    return problems + _sse_s3_bucket_problems(
        facts, config_bucket_policy(n), config_lifecycle(r)["Rules"]
    )


def access_bucket_problems(facts: dict[str, Any] | None, n: Names, r: dict[str, Any]) -> list[str]:
    if facts is None:
        return ["missing"]
    return _sse_s3_bucket_problems(
        facts,
        access_bucket_policy(n),
        access_lifecycle(r)["Rules"],
        " (server access logs require it)",
    )


def find_trail(ctx: StepContext, name: str | None = None) -> dict[str, Any] | None:
    """The organization trail (by name, else any organization trail) in the management account."""
    ct = ctx.client("cloudtrail", region=ctx.home_region)
    trails = ct.describe_trails(includeShadowTrails=True)["trailList"]
    for trail in trails:
        if name and trail.get("Name") == name:
            return trail
    if name is None:
        org_trails = [t for t in trails if t.get("IsOrganizationTrail")]
        for preferred in (TRAIL_NAME, CT_TRAIL_NAME):
            for trail in org_trails:
                if trail.get("Name") == preferred:
                    return trail
        return org_trails[0] if org_trails else None
    return None


def other_trails(ctx: StepContext, ours: str) -> list[dict[str, Any]]:
    """Every trail of the management account other than ``ours``, each described in its home region."""
    ct = ctx.client("cloudtrail", region=ctx.home_region)
    listed = [
        t for page in ct.get_paginator("list_trails").paginate() for t in page.get("Trails", [])
    ]
    out = []
    for item in listed:
        if item.get("Name") == ours:
            continue
        home = item.get("HomeRegion") or ctx.home_region
        found = ctx.client("cloudtrail", region=home).describe_trails(
            trailNameList=[item["TrailARN"]], includeShadowTrails=False
        )["trailList"]
        out += found[:1]
    return out


def records_management_events(ctx: StepContext, trail: dict[str, Any]) -> bool:
    ct = ctx.client("cloudtrail", region=trail.get("HomeRegion") or ctx.home_region)
    selectors = ct.get_event_selectors(TrailName=trail["TrailARN"])
    if not selectors.get("EventSelectors") and not selectors.get("AdvancedEventSelectors"):
        return True  # a trail created without selectors logs all management events (CloudTrail's default)
    if any(s.get("IncludeManagementEvents") for s in selectors.get("EventSelectors") or []):
        return True
    return any(
        any(
            f.get("Field") == "eventCategory" and "Management" in f.get("Equals", [])
            for f in s.get("FieldSelectors", [])
        )
        for s in selectors.get("AdvancedEventSelectors") or []
    )


def duplicate_cost(ctx: StepContext, trail: dict[str, Any]) -> float:
    """What a second copy of management events costs a month (CloudTrail charges every copy after
    the first; the organization trail is one), from the dated prices in bootstrap_tui/prices.yaml."""
    book = load_prices()
    regions = len(ctx.governed_regions) if trail.get("IsMultiRegionTrail") else 1
    accounts = len(ctx.org_accounts()) if trail.get("IsOrganizationTrail") else 1
    events = book.value("cloudtrail_events_per_account_region") * regions * max(accounts, 1)
    return book.price("cloudtrail_extra_copy").cost(events)


def keep_trail(ctx: StepContext, plan: Plan, trail: dict[str, Any]) -> None:
    """A trail the user made: kept as it is, with what keeping it beside the organization trail costs."""
    from bootstrap_tui.costs import money

    scope = (
        "organization, multi-region"
        if trail.get("IsOrganizationTrail")
        else "multi-region"
        if trail.get("IsMultiRegionTrail")
        else "single-region"
    )
    what = f"{scope}, your bucket s3://{trail.get('S3BucketName')}"
    if records_management_events(ctx, trail):
        detail = (
            f"{what}: management events will be recorded twice, which costs about "
            f"{money(duplicate_cost(ctx, trail))}/month — delete it after the organization trail is "
            "running, or keep it"
        )
    else:
        detail = f"{what}: it records no management events, so it does not duplicate the organization trail"
    plan.keep(
        "keeping", "CloudTrail trail", trail["Name"], region=trail.get("HomeRegion"), detail=detail
    )


def management_events_all(ctx: StepContext, trail: dict[str, Any]) -> bool:
    ct = ctx.client("cloudtrail", region=trail.get("HomeRegion") or ctx.home_region)
    selectors = ct.get_event_selectors(TrailName=trail["TrailARN"])
    for selector in selectors.get("EventSelectors") or []:
        if selector.get("IncludeManagementEvents") and selector.get("ReadWriteType") == "All":
            return True
    for selector in selectors.get("AdvancedEventSelectors") or []:
        fields = {f["Field"]: f.get("Equals", []) for f in selector.get("FieldSelectors", [])}
        if fields.get("eventCategory") == ["Management"] and "readOnly" not in fields:
            return True
    return False


def trail_logging(ctx: StepContext, trail: dict[str, Any]) -> bool:
    ct = ctx.client("cloudtrail", region=trail.get("HomeRegion") or ctx.home_region)
    return bool(ct.get_trail_status(Name=trail["TrailARN"]).get("IsLogging"))


def trail_problems(
    ctx: StepContext, trail: dict[str, Any] | None, n: Names, key_arn: str | None
) -> list[str]:
    if trail is None:
        return ["missing"]
    problems = []
    if not trail.get("IsOrganizationTrail"):
        problems.append("not an organization trail")
    if not trail.get("IsMultiRegionTrail"):
        problems.append("not multi-region")
    if not trail.get("LogFileValidationEnabled"):
        problems.append("log file validation off")
    if trail.get("S3BucketName") != n.trail_bucket:
        problems.append(f"delivers to {trail.get('S3BucketName')}")
    if key_arn and trail.get("KmsKeyId") != key_arn:
        problems.append("not encrypted with the trail key")
    if not trail.get("IncludeGlobalServiceEvents", True):
        problems.append("global service events excluded")
    if not management_events_all(ctx, trail):
        problems.append("management events (read and write) not selected")
    if not trail_logging(ctx, trail):
        problems.append("logging stopped")
    return problems


# ------------------------------------------------------------------ checks


def _org_trail(ctx: StepContext) -> tuple[dict[str, Any] | None, Names | None]:
    try:
        n = names(ctx)
    except RefusedError:
        n = None
    return find_trail(ctx), n


def check_trail_multi_region(ctx: StepContext, account: str, region: str | None) -> Outcome:
    trail, _ = _org_trail(ctx)
    if trail is None:
        return Outcome.fail("no organization trail in the management account")
    logging = trail_logging(ctx, trail)
    mgmt = management_events_all(ctx, trail)
    evidence = {
        "trail": trail["Name"],
        "IsMultiRegionTrail": trail.get("IsMultiRegionTrail", False),
        "IsOrganizationTrail": trail.get("IsOrganizationTrail", False),
        "IsLogging": logging,
        "management_events_read_write": mgmt,
    }
    if trail.get("IsMultiRegionTrail") and logging and mgmt:
        return Outcome.ok(
            f"organization trail {trail['Name']} is multi-region, logging, management events "
            "read and write",
            **evidence,
        )
    failed = [
        why
        for ok, why in (
            (trail.get("IsMultiRegionTrail"), "is not multi-region"),
            (logging, "is not logging"),
            (mgmt, "misses management events (read and write)"),
        )
        if not ok
    ]
    return Outcome.fail(f"organization trail {trail['Name']} " + ", ".join(failed), **evidence)


def check_log_validation(ctx: StepContext, account: str, region: str | None) -> Outcome:
    trail, _ = _org_trail(ctx)
    if trail is None:
        return Outcome.fail("no organization trail in the management account")
    on = bool(trail.get("LogFileValidationEnabled"))
    return (Outcome.ok if on else Outcome.fail)(
        f"log file validation is {'on' if on else 'off'} for {trail['Name']}",
        trail=trail["Name"],
        LogFileValidationEnabled=on,
    )


def check_trail_kms(ctx: StepContext, account: str, region: str | None) -> Outcome:
    trail, _ = _org_trail(ctx)
    if trail is None:
        return Outcome.fail("no organization trail in the management account")
    key = trail.get("KmsKeyId")
    if key:
        return Outcome.ok(
            f"{trail['Name']} encrypts logs with a KMS key", trail=trail["Name"], KmsKeyId=key
        )
    return Outcome.fail(f"{trail['Name']} does not use SSE-KMS", trail=trail["Name"])


def _key_client(ctx: StepContext, key_arn: str) -> Any:
    parts = key_arn.split(":")
    account, region = (
        (parts[4], parts[3]) if key_arn.startswith("arn:") and len(parts) > 5 else (None, None)
    )
    return ctx.client("kms", account=account, region=region or ctx.home_region)


def check_key_rotation(ctx: StepContext, account: str, region: str | None) -> Outcome:
    trail, _ = _org_trail(ctx)
    if trail is None or not trail.get("KmsKeyId"):
        return Outcome.fail("no KMS key protects the organization trail")
    key = trail["KmsKeyId"]
    status = _key_client(ctx, key).get_key_rotation_status(KeyId=key)
    on = bool(status.get("KeyRotationEnabled"))
    evidence = {"KmsKeyId": key, "KeyRotationEnabled": on}
    if status.get("RotationPeriodInDays"):
        evidence["RotationPeriodInDays"] = status["RotationPeriodInDays"]
    return (Outcome.ok if on else Outcome.fail)(
        f"key rotation is {'on' if on else 'off'}", **evidence
    )


def _trail_bucket(
    ctx: StepContext,
) -> tuple[dict[str, Any] | None, Names | None, dict[str, Any] | None]:
    trail, n = _org_trail(ctx)
    if trail is None or n is None:
        return trail, n, None
    bucket = trail.get("S3BucketName")
    if not bucket:
        return trail, n, None
    n2 = Names(**{**n.__dict__, "trail_bucket": bucket})
    return trail, n2, bucket_facts(ctx, n2, bucket)


def check_bucket_logging(ctx: StepContext, account: str, region: str | None) -> Outcome:
    trail, n, facts = _trail_bucket(ctx)
    if facts is None:
        return Outcome.fail(
            "the organization trail's bucket was not found in the Log Archive account",
            bucket=(trail or {}).get("S3BucketName"),
        )
    target = facts["logging"].get("TargetBucket")
    if target:
        return Outcome.ok(
            f"access logging of {facts['name']} goes to {target}",
            bucket=facts["name"],
            TargetBucket=target,
        )
    return Outcome.fail(f"server access logging is off on {facts['name']}", bucket=facts["name"])


def _denies_insecure(policy: dict[str, Any] | None) -> bool:
    for st in statements(policy):
        cond = st.get("Condition", {})
        secure = {k.lower(): v for k, v in (cond.get("Bool") or {}).items()}.get(
            "aws:securetransport"
        )
        if (
            st.get("Effect") == "Deny"
            and str(secure).lower() == "false"
            and st.get("Principal") in ("*", {"AWS": "*"})
        ):
            return True
    return False


def check_bucket_tls_not_public(ctx: StepContext, account: str, region: str | None) -> Outcome:
    trail, n, facts = _trail_bucket(ctx)
    if facts is None:
        return Outcome.fail(
            "the organization trail's bucket was not found in the Log Archive account",
            bucket=(trail or {}).get("S3BucketName"),
        )
    tls = _denies_insecure(facts["policy"])
    pab = facts["public_access_block"] == PAB
    public_grants = [
        st.get("Sid")
        for st in statements(facts["policy"])
        if st.get("Effect") == "Allow"
        and st.get("Principal") in ("*", {"AWS": "*"})
        and not st.get("Condition")
    ]
    evidence = {
        "bucket": facts["name"],
        "denies_non_tls": tls,
        "public_access_block": facts["public_access_block"],
        "unconditional_public_allows": public_grants,
    }
    if tls and pab and not public_grants:
        return Outcome.ok("the log bucket is TLS-only and not public", **evidence)
    return Outcome.fail(
        "the log bucket "
        + ", ".join(
            p
            for p, bad in (
                ("accepts plain HTTP", not tls),
                ("lacks a full public access block", not pab),
                ("has public Allow statements", bool(public_grants)),
            )
            if bad
        ),
        **evidence,
    )


def check_object_lock(ctx: StepContext, account: str, region: str | None) -> Outcome:
    if ctx.profile.control_tower_enabled:
        return Outcome.not_applicable(
            "no Object Lock: Control Tower's log bucket is created without Object Lock, so logs "
            "are not immutable (not covered)"
        )
    trail, n, facts = _trail_bucket(ctx)
    if facts is None:
        return Outcome.fail("the organization trail's bucket was not found")
    lock = facts["object_lock"]
    rule = (lock.get("Rule") or {}).get("DefaultRetention") or {}
    days = retention(ctx)["object_lock_days"]
    if not days:
        return Outcome.warn(
            "Object Lock is turned off in the profile (log_archive.object_lock_days: 0)",
            bucket=facts["name"],
            ObjectLockEnabled=lock.get("ObjectLockEnabled"),
        )
    mode = retention(ctx)["object_lock_mode"]
    evidence = {
        "bucket": facts["name"],
        "ObjectLockEnabled": lock.get("ObjectLockEnabled"),
        "Mode": rule.get("Mode"),
        "Days": rule.get("Days"),
        "Versioning": facts["versioning"],
        "profile_mode": mode,
    }
    strong_enough = rule.get("Mode") == "COMPLIANCE" or rule.get("Mode") == mode
    if (
        lock.get("ObjectLockEnabled") == "Enabled"
        and strong_enough
        and (rule.get("Days") or 0) >= days
    ):
        return Outcome.ok(f"Object Lock {rule.get('Mode')}, {rule.get('Days')} days", **evidence)
    return Outcome.fail(
        f"Object Lock is not {mode} (or COMPLIANCE) for at least {days} days", **evidence
    )


def _rule_prefix(rule: dict[str, Any]) -> str:
    flt = rule.get("Filter") or {}
    return rule.get("Prefix") or flt.get("Prefix") or (flt.get("And") or {}).get("Prefix") or ""


def _expirations(rules: list[dict[str, Any]], log_path: str) -> list[tuple[str, Any]]:
    """(rule id, Expiration) of the enabled rules that can delete the trail's log files."""
    return [
        (r.get("ID", "?"), r["Expiration"])
        for r in rules
        if r.get("Status") == "Enabled"
        and (r.get("Expiration") or {}).keys() - {"ExpiredObjectDeleteMarker"}
        and (log_path.startswith(_rule_prefix(r)) or _rule_prefix(r).startswith(log_path))
    ]


def check_retention(ctx: StepContext, account: str, region: str | None) -> Outcome:
    """The trail bucket keeps logs at least log_archive.retention_days (both paths: ours or Control Tower's)."""
    trail, n, facts = _trail_bucket(ctx)
    if trail is None or facts is None:
        return Outcome.fail(
            "the organization trail's bucket was not found in the Log Archive account",
            bucket=(trail or {}).get("S3BucketName"),
        )
    days = retention(ctx)["retention_days"]
    prefix = trail.get("S3KeyPrefix")
    log_path = f"{prefix}/AWSLogs/" if prefix else "AWSLogs/"
    expiring = _expirations(facts["lifecycle"], log_path)
    evidence = {
        "bucket": facts["name"],
        "log_path": log_path,
        "profile_retention_days": days,
        "expiration_rules": {rule_id: exp for rule_id, exp in expiring},
    }
    short = [
        f"rule {rule_id} expires logs after {exp['Days']} days"
        if "Days" in exp
        else f"rule {rule_id} expires logs on a fixed date ({exp.get('Date')})"
        for rule_id, exp in expiring
        if exp.get("Days", 0) < days
    ]
    if short:
        return Outcome.fail(
            f"the log bucket {facts['name']} keeps logs shorter than log_archive.retention_days "
            f"({days}): " + "; ".join(short),
            **evidence,
        )
    if not expiring:
        return Outcome.ok(
            f"the log bucket {facts['name']} has no expiration rule: logs are kept indefinitely "
            f"(at least {days} days)",
            **evidence,
        )
    return Outcome.ok(f"the log bucket {facts['name']} keeps logs at least {days} days", **evidence)


def check_config_bucket(ctx: StepContext, account: str, region: str | None) -> Outcome:
    """The AWS Config delivery bucket: present, versioned, encrypted, TLS-only, not public, no Object Lock."""
    if ctx.profile.control_tower_enabled:
        return Outcome.not_applicable(
            "Control Tower delivers AWS Config to its own logs bucket, not to a "
            "bucket of this tool (see log-archive.bucket-tls-not-public)"
        )
    try:
        n = names(ctx)
    except RefusedError as exc:
        return Outcome.fail(str(exc))
    facts = bucket_facts(ctx, n, n.config_bucket)
    if facts is None:
        return Outcome.fail(
            f"the AWS Config bucket {n.config_bucket} was not found in the Log Archive account",
            bucket=n.config_bucket,
        )
    sse = (facts["encryption"].get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
    evidence = {
        "bucket": n.config_bucket,
        "Versioning": facts["versioning"],
        "SSEAlgorithm": sse,
        "denies_non_tls": _denies_insecure(facts["policy"]),
        "public_access_block": facts["public_access_block"] == PAB,
        "ObjectLockEnabled": (facts["object_lock"] or {}).get("ObjectLockEnabled"),
    }
    bad = [
        text
        for text, wrong in (
            ("versioning is off", facts["versioning"] != "Enabled"),
            ("it is not encrypted", not sse),
            ("it accepts plain HTTP", not evidence["denies_non_tls"]),
            ("it lacks a full public access block", not evidence["public_access_block"]),
            (
                "it has Object Lock, so AWS Config cannot deliver to it",
                evidence["ObjectLockEnabled"] == "Enabled",
            ),
        )
        if wrong
    ]
    if bad:
        return Outcome.fail(
            f"the AWS Config bucket {n.config_bucket}: " + ", ".join(bad), **evidence
        )
    return Outcome.ok(
        f"the AWS Config bucket {n.config_bucket} is versioned, encrypted, TLS-only and not public",
        **evidence,
    )


CHECKS = (
    Check(
        "log-archive.trail-multi-region",
        "Organization CloudTrail is multi-region and logging",
        Severity.CRITICAL,
        Scope.MANAGEMENT,
        check_trail_multi_region,
        "Create (or fix) the organization trail: IsOrganizationTrail, IsMultiRegionTrail, management "
        "events read+write, then cloudtrail StartLogging. Run `bootstrap-tui apply --step log-archive`.",
        prowler="cloudtrail_multi_region_enabled_logging_management_events",
    ),
    Check(
        "log-archive.log-file-validation",
        "CloudTrail log file validation is enabled",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_log_validation,
        "aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
        prowler="cloudtrail_log_file_validation_enabled",
    ),
    Check(
        "log-archive.trail-kms",
        "CloudTrail logs are encrypted with a KMS key",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_trail_kms,
        "aws cloudtrail update-trail --name <trail> --kms-key-id <key arn> (the key policy must allow "
        "cloudtrail.amazonaws.com kms:GenerateDataKey*).",
        prowler="cloudtrail_kms_encryption_enabled",
    ),
    Check(
        "log-archive.key-rotation",
        "The trail's KMS key rotates automatically",
        Severity.MEDIUM,
        Scope.MANAGEMENT,
        check_key_rotation,
        "aws kms enable-key-rotation --key-id <key> (in the account that owns the key).",
        prowler="kms_cmk_rotation_enabled",
    ),
    Check(
        "log-archive.bucket-access-logging",
        "Server access logging is on for the CloudTrail bucket",
        Severity.MEDIUM,
        Scope.MANAGEMENT,
        check_bucket_logging,
        "aws s3api put-bucket-logging --bucket <trail bucket> with a target bucket in the Log Archive "
        "account whose policy allows logging.s3.amazonaws.com.",
        prowler="cloudtrail_logs_s3_bucket_access_logging_enabled",
    ),
    Check(
        "log-archive.bucket-tls-not-public",
        "The CloudTrail bucket is TLS-only and not public",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_bucket_tls_not_public,
        "Add a Deny for aws:SecureTransport=false to the bucket policy, turn on all four S3 Block Public "
        "Access settings for the bucket, and remove public Allow statements.",
        prowler="cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
    ),
    Check(
        "log-archive.object-lock",
        "The log bucket has Object Lock in the profile's mode",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_object_lock,
        "Object Lock needs versioning; put-object-lock-configuration with a default retention in the "
        "profile's log_archive.object_lock_mode for log_archive.object_lock_days.",
        prowler="s3_bucket_object_lock",
    ),
    Check(
        "log-archive.retention",
        "The log bucket keeps logs at least log_archive.retention_days",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_retention,
        "Without Control Tower: run `bootstrap-tui apply --step log-archive` (it sets the trail bucket's "
        "expiration to log_archive.retention_days). With Control Tower: update the landing zone so its "
        "loggingBucket retentionDays is log_archive.retention_days (`bootstrap-tui apply --step control-tower`).",
        no_prowler="Prowler's s3_bucket_lifecycle_enabled only asks for a lifecycle; none compares the log "
        "bucket's expiration with a retention period.",
    ),
    Check(
        "log-archive.config-bucket",
        "The AWS Config delivery bucket is versioned, encrypted, TLS-only and not public",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_config_bucket,
        "Run `bootstrap-tui apply --step log-archive`: it creates the bucket without Object Lock (AWS Config "
        "cannot deliver to an Object Lock bucket), with versioning, SSE-S3, all four public access block "
        "settings and a TLS-only policy.",
        prowler="s3_bucket_secure_transport_policy",
    ),
    vpc_flow_logs.CHECK,
)


# ------------------------------------------------------------------ the step


class LogArchiveStep(Step):
    id = "log-archive"
    title = "Log archive and organization trail"
    summary = (
        "An organization-wide, multi-region CloudTrail trail delivering to an immutable, "
        "encrypted bucket in the Log Archive account."
    )
    requires = ("organization", "accounts", "control-tower")
    checks = CHECKS

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        n = names(ctx)
        if vpc_flow_logs.flow_logs_on(ctx):
            vpc_flow_logs.plan_flow_logs(ctx, plan)
        if n.control_tower:
            self._plan_control_tower(ctx, plan, n)
            return plan
        r = retention(ctx)
        if r["retention_days"] < r["object_lock_days"]:
            plan.notes.append(
                "log_archive.retention_days is shorter than object_lock_days: the lifecycle "
                "rule cannot remove locked objects before the lock ends."
            )
        plan.notes.append(
            f"Trail bucket s3://{n.trail_bucket}, access-log bucket s3://{n.access_bucket} and "
            f"AWS Config bucket s3://{n.config_bucket} live in the Log Archive account "
            f"{n.log_archive}; the trail {n.trail_name} in the management account records every "
            "account and region of the organization."
        )
        if ctx.profile.log_archive.transition_to_glacier_days is not None:
            plan.notes.append(
                "log_archive.transition_to_glacier_days is no longer used: S3 does not transition "
                "objects under 128 KB by default, and CloudTrail's log files are smaller."
            )
        if not _trusted(ctx, "cloudtrail.amazonaws.com"):
            plan.add(
                "enable",
                "trusted access",
                "cloudtrail.amazonaws.com",
                detail="organizations EnableAWSServiceAccess (needed for an organization trail)",
            )
        meta = find_key(ctx, n)
        problems = key_problems(ctx, n, meta)
        if problems:
            plan.add(
                "create" if meta is None else "update",
                "KMS key",
                KMS_ALIAS,
                account=n.log_archive,
                region=n.region,
                detail="; ".join(problems)
                if meta
                else "symmetric key, rotation on, CloudTrail key policy",
            )
        key_arn = meta["Arn"] if meta and not meta.get("pending_deletion") else None
        access = access_bucket_problems(bucket_facts(ctx, n, n.access_bucket), n, r)
        if access:
            plan.add(
                "create" if access == ["missing"] else "update",
                "S3 bucket",
                n.access_bucket,
                account=n.log_archive,
                region=n.region,
                detail="access logs: "
                + (
                    "SSE-S3, versioning, no public access, TLS-only"
                    if access == ["missing"]
                    else "; ".join(access)
                ),
            )
        trail_facts = bucket_facts(ctx, n, n.trail_bucket)
        trail_bucket = trail_bucket_problems(trail_facts, n, r, key_arn)
        if trail_bucket:
            plan.add(
                "create" if trail_bucket == ["missing"] else "update",
                "S3 bucket",
                n.trail_bucket,
                account=n.log_archive,
                region=n.region,
                detail=(
                    f"SSE-KMS with bucket key, versioning, no public access, TLS-only, expire after "
                    f"{r['retention_days']} d"
                    if trail_bucket == ["missing"]
                    else "; ".join(trail_bucket)
                ),
            )
        self._plan_lock(plan, n, lock_change(trail_facts, r))
        config = config_bucket_problems(bucket_facts(ctx, n, n.config_bucket), n, r)
        if config:
            plan.add(
                "create" if config == ["missing"] else "update",
                "S3 bucket",
                n.config_bucket,
                account=n.log_archive,
                region=n.region,
                detail=(
                    "AWS Config delivery: SSE-S3, versioning, no public access, TLS-only, no Object Lock"
                    if config == ["missing"]
                    else "; ".join(config)
                ),
            )
        trail = find_trail(ctx, n.trail_name)
        problems = trail_problems(ctx, trail, n, key_arn) if trail else ["missing"]
        if problems:
            plan.add(
                "create" if trail is None else "update",
                "CloudTrail trail",
                n.trail_name,
                region=n.region,
                detail="organization, multi-region, validation, KMS, management events"
                if trail is None
                else "; ".join(problems),
            )
        for other in other_trails(ctx, n.trail_name):
            keep_trail(ctx, plan, other)
        return plan

    @staticmethod
    def _plan_lock(plan: Plan, n: Names, change: tuple[str, str] | None) -> None:
        if change is None:
            return
        kind, text = change
        if kind == "keep":
            plan.notes.append(text)
            return
        plan.add(
            "set",
            "S3 Object Lock default retention",
            n.trail_bucket,
            account=n.log_archive,
            region=n.region,
            detail=text,
            irreversible=kind == "irreversible",
        )

    def _plan_control_tower(self, ctx: StepContext, plan: Plan, n: Names) -> None:
        plan.notes.append(
            "Control Tower manages the organization trail and the logging buckets in the Log "
            "Archive account; this step changes none of them and verifies them"
            + (" (it adds only the VPC flow logs)." if vpc_flow_logs.flow_logs_on(ctx) else ".")
        )
        trail = find_trail(ctx)
        if trail is None:
            plan.notes.append(
                "No organization trail was found. Check the landing zone's centralized logging "
                "setting (Control Tower > Landing zone settings) and repair the landing zone."
            )
        else:
            plan.notes.append(
                f"Organization trail {trail['Name']} delivers to s3://{trail.get('S3BucketName')}."
            )
        for other in other_trails(ctx, trail["Name"] if trail else CT_TRAIL_NAME):
            keep_trail(ctx, plan, other)

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        n = names(ctx)
        if vpc_flow_logs.flow_logs_on(ctx):
            ctx.progress("VPC flow logs")
            vpc_flow_logs.apply_flow_logs(ctx)
        if n.control_tower:
            return
        r = retention(ctx)
        ensure_service_access(ctx, "cloudtrail.amazonaws.com")
        ctx.progress("KMS key", 1, 6)
        key_arn = self._ensure_key(ctx, n)
        ctx.progress("access-log bucket", 2, 6)
        self._ensure_bucket(ctx, n, n.access_bucket, r, trail=False, key_arn=None)
        ctx.progress("trail bucket", 3, 6)
        self._ensure_bucket(ctx, n, n.trail_bucket, r, trail=True, key_arn=key_arn)
        ctx.progress("AWS Config bucket", 4, 6)
        self._ensure_config_bucket(ctx, n, r)
        ctx.progress("organization trail", 5, 6)
        self._ensure_trail(ctx, n, key_arn)
        ctx.progress("done", 6, 6)

    # ---------------------------------------------------------- ensure
    def _ensure_key(self, ctx: StepContext, n: Names) -> str:
        kms = ctx.client("kms", account=n.log_archive, region=n.region)
        meta = find_key(ctx, n)
        policy = json.dumps(key_policy(n))
        if meta and meta.get("pending_deletion"):
            raise RefusedError(
                f"the trail key {KMS_ALIAS} is pending deletion",
                f"cancel it: aws kms cancel-key-deletion --key-id {meta['KeyId']} "
                f"(in account {n.log_archive}), then apply again",
            )
        if meta is None:
            meta = (
                unaliased_key(ctx, n)
                or kms.create_key(
                    Description="bootstrap-tui: encrypts the organization CloudTrail logs",
                    KeyUsage="ENCRYPT_DECRYPT",
                    KeySpec="SYMMETRIC_DEFAULT",
                    Policy=policy,
                    BypassPolicyLockoutSafetyCheck=False,
                    Tags=[{"TagKey": PURPOSE_TAG, "TagValue": "org-trail"}],
                )["KeyMetadata"]
            )
            kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=meta["KeyId"])
        else:
            current = parse_policy(
                kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"]
            )
            if current != key_policy(n):
                kms.put_key_policy(KeyId=meta["KeyId"], PolicyName="default", Policy=policy)
            if meta.get("KeyState") == "Disabled":
                kms.enable_key(KeyId=meta["KeyId"])
        if not kms.get_key_rotation_status(KeyId=meta["KeyId"]).get("KeyRotationEnabled"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        return meta["Arn"]

    def _ensure_bucket(
        self,
        ctx: StepContext,
        n: Names,
        bucket: str,
        r: dict[str, Any],
        *,
        trail: bool,
        key_arn: str | None,
    ) -> None:
        s3 = ctx.client("s3", account=n.log_archive, region=n.region)
        facts = facts_or_new_bucket(
            ctx, n, bucket, object_lock=bool(trail and r["object_lock_days"])
        )
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PAB)
        if facts.get("versioning") != "Enabled":
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        if trail:
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": key_arn,
                            },
                            "BucketKeyEnabled": True,
                        }
                    ]
                },
            )
            if (lock_change(facts, r) or ("keep", ""))[0] != "keep":
                s3.put_object_lock_configuration(
                    Bucket=bucket,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {
                            "DefaultRetention": {
                                "Mode": r["object_lock_mode"],
                                "Days": r["object_lock_days"],
                            }
                        },
                    },
                )
            policy, lifecycle = trail_bucket_policy(n), trail_lifecycle(r)
        else:
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
            policy, lifecycle = access_bucket_policy(n), access_lifecycle(r)
        if facts.get("policy") != policy:
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        if lifecycle_summary(facts.get("lifecycle") or []) != lifecycle_summary(lifecycle["Rules"]):
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=lifecycle)
        if trail and (facts.get("logging") or {}).get("TargetBucket") != n.access_bucket:
            s3.put_bucket_logging(
                Bucket=bucket,
                BucketLoggingStatus={
                    "LoggingEnabled": {
                        "TargetBucket": n.access_bucket,
                        "TargetPrefix": f"{bucket}/",
                    }
                },
            )

    def _ensure_config_bucket(self, ctx: StepContext, n: Names, r: dict[str, Any]) -> None:
        """The AWS Config delivery bucket: versioned, SSE-S3, TLS-only, no Object Lock."""
        s3 = ctx.client("s3", account=n.log_archive, region=n.region)
        facts = bucket_facts(ctx, n, n.config_bucket)
        if facts is None:
            params: dict[str, Any] = {
                "Bucket": n.config_bucket,
                "ObjectOwnership": "BucketOwnerEnforced",
            }
            if n.region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": n.region}
            try:
                s3.create_bucket(**params)
            except Exception as exc:
                if error_code(exc) != "BucketAlreadyOwnedByYou":
                    raise
            facts = bucket_facts(ctx, n, n.config_bucket) or {}
        if (facts.get("object_lock") or {}).get("ObjectLockEnabled") == "Enabled":
            raise RefusedError(
                f"{n.config_bucket} has Object Lock, so AWS Config cannot deliver to it",
                "Object Lock cannot be turned off: empty and delete the bucket (once its "
                "retention allows), then apply again",
            )
        if facts.get("public_access_block") != PAB:
            s3.put_public_access_block(Bucket=n.config_bucket, PublicAccessBlockConfiguration=PAB)
        if facts.get("versioning") != "Enabled":
            s3.put_bucket_versioning(
                Bucket=n.config_bucket, VersioningConfiguration={"Status": "Enabled"}
            )
        if ((facts.get("encryption") or {}).get("ApplyServerSideEncryptionByDefault") or {}).get(
            "SSEAlgorithm"
        ) != "AES256":
            s3.put_bucket_encryption(
                Bucket=n.config_bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        policy, lifecycle = config_bucket_policy(n), config_lifecycle(r)
        if facts.get("policy") != policy:
            s3.put_bucket_policy(Bucket=n.config_bucket, Policy=json.dumps(policy))
        if lifecycle_summary(facts.get("lifecycle") or []) != lifecycle_summary(lifecycle["Rules"]):
            s3.put_bucket_lifecycle_configuration(
                Bucket=n.config_bucket, LifecycleConfiguration=lifecycle
            )

    def _ensure_trail(self, ctx: StepContext, n: Names, key_arn: str) -> None:
        ct = ctx.client("cloudtrail", region=n.region)
        trail = find_trail(ctx, n.trail_name)
        settings = {
            "S3BucketName": n.trail_bucket,
            "IncludeGlobalServiceEvents": True,
            "IsMultiRegionTrail": True,
            "EnableLogFileValidation": True,
            "KmsKeyId": key_arn,
            "IsOrganizationTrail": True,
        }
        if trail is None:
            trail = ct.create_trail(
                Name=n.trail_name, TagsList=[{"Key": PURPOSE_TAG, "Value": "org-trail"}], **settings
            )
            trail = find_trail(ctx, n.trail_name) or {
                "TrailARN": trail["TrailARN"],
                "Name": n.trail_name,
            }
        elif [
            p
            for p in trail_problems(ctx, trail, n, key_arn)
            if p not in ("logging stopped", "management events (read and write) not selected")
        ]:
            ct.update_trail(Name=n.trail_name, **settings)
        if not management_events_all(ctx, trail):
            ct.put_event_selectors(
                TrailName=n.trail_name,
                EventSelectors=[
                    {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}
                ],
            )
        if not trail_logging(ctx, trail):
            ct.start_logging(Name=n.trail_name)


def _trusted(ctx: StepContext, principal: str) -> bool:
    from steps._org import service_access_enabled

    return service_access_enabled(ctx, principal)


STEP = LogArchiveStep()
