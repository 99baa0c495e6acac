"""VPC flow logs, part of the log-archive step: a flow-log bucket in the Log Archive account
(versioned, SSE-S3, TLS-only, not public, expiring after log_archive.retention_days) whose policy
lets delivery.logs.amazonaws.com write each organization account's logs, as the VPC user guide's
"Amazon S3 bucket permissions for flow logs" shows (aws:SourceAccount and aws:SourceArn per
account), and a flow log to it for every VPC in every account and governed region.

New VPCs and new accounts are covered by verify: the log-archive.vpc-flow-logs check flags every
VPC without an active flow log to the bucket, and every account the bucket policy does not name;
the next apply of the log-archive step creates what is missing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Check, Outcome, Plan, Scope, Severity

from bootstrap_tui.context import StepContext

from steps._errors import call_or
from steps._fanout import parallel
from steps._naming import PREFIX
from steps._org import account_label, all_account_ids, is_future, log_archive_account
from steps._policy_documents import parse_policy

if TYPE_CHECKING:  # steps.log_archive imports this module
    from steps.log_archive import Names

DELIVERY = "delivery.logs.amazonaws.com"


def flow_logs_on(ctx: StepContext) -> bool:
    return ctx.profile.log_archive.flow_logs.enabled


def traffic_type(ctx: StepContext) -> str:
    return ctx.profile.log_archive.flow_logs.traffic_type


def flow_bucket(log_archive: str, region: str) -> str:
    return f"{PREFIX}-flow-logs-{log_archive}-{region}"


def bucket_policy(bucket: str, accounts: list[str]) -> dict[str, Any]:
    """TLS only, and the user guide's two log-delivery statements for every account."""
    from steps.log_archive import tls_only

    arn = f"arn:aws:s3:::{bucket}"
    accounts = sorted(accounts)
    source = {
        "StringEquals": {"aws:SourceAccount": accounts},
        "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:*:{a}:*" for a in accounts]},
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            tls_only(bucket),
            {
                "Sid": "AWSLogDeliveryWrite",
                "Effect": "Allow",
                "Principal": {"Service": DELIVERY},
                "Action": "s3:PutObject",
                "Resource": [f"{arn}/AWSLogs/{a}/*" for a in accounts],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": accounts,
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    },
                    "ArnLike": source["ArnLike"],
                },
            },
            {
                "Sid": "AWSLogDeliveryAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": DELIVERY},
                "Action": "s3:GetBucketAcl",
                "Resource": arn,
                "Condition": source,
            },
        ],
    }


def lifecycle(days: int) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ID": "expire-flow-logs",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": days},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }


# ------------------------------------------------------------------ reads


def _names(ctx: StepContext) -> Names:
    from steps.log_archive import names

    return names(ctx)


def bucket_problems(ctx: StepContext, accounts: list[str]) -> list[str]:
    """What differs on the flow-log bucket (["missing"] when it does not exist)."""
    from steps.log_archive import _sse_s3_bucket_problems, bucket_facts, retention

    n = _names(ctx)
    bucket = flow_bucket(n.log_archive, n.region)
    facts = bucket_facts(ctx, n, bucket)
    if facts is None:
        return ["missing"]
    days = retention(ctx)["retention_days"]
    return _sse_s3_bucket_problems(facts, bucket_policy(bucket, accounts), lifecycle(days)["Rules"])


def vpc_ids(ctx: StepContext, account: str, region: str) -> list[str]:
    if is_future(ctx, account):
        return []
    ec2 = ctx.client("ec2", account=account, region=region)
    return [
        v["VpcId"]
        for page in ec2.get_paginator("describe_vpcs").paginate()
        for v in page.get("Vpcs", [])
    ]


def flow_logs(ctx: StepContext, account: str, region: str) -> list[dict[str, Any]]:
    if is_future(ctx, account):
        return []
    ec2 = ctx.client("ec2", account=account, region=region)
    return [
        f
        for page in ec2.get_paginator("describe_flow_logs").paginate()
        for f in page.get("FlowLogs", [])
    ]


def delivers(flow_log: dict[str, Any], bucket: str, traffic: str) -> bool:
    """An active flow log to the archive bucket that records at least the profile's traffic."""
    destination = str(flow_log.get("LogDestination") or "")
    return (
        flow_log.get("LogDestinationType") == "s3"
        and destination.split("/", 1)[0] == f"arn:aws:s3:::{bucket}"
        and flow_log.get("FlowLogStatus", "ACTIVE") == "ACTIVE"
        and flow_log.get("DeliverLogsStatus") != "FAILED"
        and flow_log.get("TrafficType") in (traffic, "ALL")
    )


def uncovered(
    ctx: StepContext, account: str, region: str, bucket: str
) -> tuple[list[str], list[str]]:
    """(all VPC ids, those without a flow log delivering to the archive) of the account and region."""
    vpcs = vpc_ids(ctx, account, region)
    covered = {
        f.get("ResourceId")
        for f in flow_logs(ctx, account, region)
        if delivers(f, bucket, traffic_type(ctx))
    }
    return vpcs, [v for v in vpcs if v not in covered]


def policy_accounts(policy: dict[str, Any] | None) -> set[str]:
    """Accounts the bucket policy lets the log delivery service write for."""
    found: set[str] = set()
    for statement in (policy or {}).get("Statement", []):
        if statement.get("Sid") != "AWSLogDeliveryWrite" or statement.get("Effect") != "Allow":
            continue
        sources = (
            (statement.get("Condition") or {}).get("StringEquals", {}).get("aws:SourceAccount", [])
        )
        found |= set([sources] if isinstance(sources, str) else sources)
    return found


# ------------------------------------------------------------------ check


def check_vpc_flow_logs(ctx: StepContext, account: str, region: str) -> Outcome:
    if not flow_logs_on(ctx):
        return Outcome.warn(
            "turned off in the profile (log_archive.flow_logs.enabled: false)",
            profile_setting="log_archive.flow_logs.enabled",
        )
    la = log_archive_account(ctx)
    if not la:
        return Outcome.fail("the Log Archive account was not found in the organization")
    bucket = flow_bucket(la, ctx.home_region)
    s3 = ctx.client("s3", account=la, region=ctx.home_region)
    policy = call_or(
        None,
        lambda: parse_policy(s3.get_bucket_policy(Bucket=bucket)["Policy"]),
        "NoSuchBucketPolicy",
        "NoSuchBucket",
    )
    vpcs, missing = uncovered(ctx, account, region, bucket)
    evidence = {"bucket": bucket, "vpcs": vpcs, "without_flow_log": missing}
    failures = []
    if account not in policy_accounts(policy):
        failures.append(
            f"the bucket policy of {bucket} does not let this account deliver flow logs"
        )
    if missing:
        failures.append(
            f"{len(missing)} of {len(vpcs)} VPC(s) have no active flow log to s3://{bucket}: "
            + ", ".join(missing)
        )
    if failures:
        return Outcome.fail("; ".join(failures), **evidence)
    if not vpcs:
        return Outcome.ok("no VPC in this account and region", **evidence)
    return Outcome.ok(f"every VPC ({len(vpcs)}) sends flow logs to s3://{bucket}", **evidence)


CHECK = Check(
    "log-archive.vpc-flow-logs",
    "Every VPC sends flow logs to the log archive",
    Severity.MEDIUM,
    Scope.ACCOUNT_REGION,
    check_vpc_flow_logs,
    "Run `bootstrap-tui apply --step log-archive`: it adds the account to the flow-log bucket's policy "
    "and creates a flow log (traffic type from log_archive.flow_logs.traffic_type) to "
    "s3://bootstrap-flow-logs-<log-archive>-<home region> for every VPC without one. By hand: aws ec2 "
    "create-flow-logs --resource-type VPC --resource-ids <vpc> --traffic-type ALL "
    "--log-destination-type s3 --log-destination arn:aws:s3:::<bucket>.",
    prowler="vpc_flow_logs_enabled",
)


# ------------------------------------------------------------------ plan and apply


def plan_flow_logs(ctx: StepContext, plan: Plan) -> None:
    n = _names(ctx)
    bucket = flow_bucket(n.log_archive, n.region)
    accounts = all_account_ids(ctx)
    problems = bucket_problems(ctx, accounts)
    if problems:
        plan.add(
            "create" if problems == ["missing"] else "update",
            "S3 bucket",
            bucket,
            account=n.log_archive,
            region=n.region,
            detail=(
                f"VPC flow logs of {len(accounts)} account(s): SSE-S3, versioning, no public "
                "access, TLS-only, log delivery policy per account"
                if problems == ["missing"]
                else "; ".join(problems)
            ),
        )
    pairs = [(a, r) for a in accounts for r in ctx.governed_regions]
    found = parallel(pairs, lambda p: (p, uncovered(ctx, p[0], p[1], bucket)))
    for (account, region), (vpcs, missing) in found:
        for vpc in missing:
            plan.add(
                "create",
                "VPC flow log",
                vpc,
                account=account,
                region=region,
                detail=f"{account_label(ctx, account)}: {traffic_type(ctx)} traffic to s3://{bucket}",
            )
        if vpcs and not missing:
            plan.keep(
                "keeping",
                "VPC flow logs",
                account_label(ctx, account),
                account=account,
                region=region,
                detail=f"{len(vpcs)} VPC(s) log to s3://{bucket}",
            )
    if any(is_future(ctx, a) for a in accounts):
        plan.notes.append(
            "Accounts still to be created get a flow log for each of their VPCs (the default VPC "
            "in each governed region) when this step is applied."
        )


def ensure_bucket(ctx: StepContext) -> str:
    """Create or correct the flow-log bucket; its policy names every organization account."""
    from steps.log_archive import PAB, facts_or_new_bucket, lifecycle_summary, retention

    n = _names(ctx)
    bucket = flow_bucket(n.log_archive, n.region)
    s3 = ctx.client("s3", account=n.log_archive, region=n.region)
    facts = facts_or_new_bucket(ctx, n, bucket)
    if facts.get("public_access_block") != PAB:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PAB)
    if facts.get("versioning") != "Enabled":
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    sse = (facts.get("encryption") or {}).get("ApplyServerSideEncryptionByDefault") or {}
    if sse.get("SSEAlgorithm") != "AES256":
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    policy = bucket_policy(bucket, all_account_ids(ctx))
    if facts.get("policy") != policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    rules = lifecycle(retention(ctx)["retention_days"])
    if lifecycle_summary(facts.get("lifecycle") or []) != lifecycle_summary(rules["Rules"]):
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=rules)
    return bucket


def ensure_flow_logs(ctx: StepContext, bucket: str, account: str, region: str) -> None:
    """A flow log for every VPC of the account and region that has none to the archive."""
    _, missing = uncovered(ctx, account, region, bucket)
    if not missing:
        return
    ec2 = ctx.client("ec2", account=account, region=region)
    result = ec2.create_flow_logs(
        ResourceIds=missing,
        ResourceType="VPC",
        TrafficType=traffic_type(ctx),
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
        MaxAggregationInterval=600,
    )
    failed = result.get("Unsuccessful") or []
    if failed:
        error = failed[0].get("Error") or {}
        raise RefusedError(
            f"VPC flow logs could not be created for {len(failed)} VPC(s) of account {account} in "
            f"{region}: {error.get('Message', error.get('Code', 'unknown error'))}",
            f"check the policy of s3://{bucket} in the Log Archive account, then apply again",
        )


def apply_flow_logs(ctx: StepContext) -> None:
    bucket = ensure_bucket(ctx)
    pairs = [(a, r) for a in all_account_ids(ctx) for r in ctx.governed_regions]
    parallel(pairs, lambda p: ensure_flow_logs(ctx, bucket, p[0], p[1]))
