"""CloudTrail: CreateTrail / UpdateTrail check the bucket policy and the KMS key policy as AWS does.

AWS refuses a trail whose S3 bucket policy does not let cloudtrail.amazonaws.com
read the bucket ACL and write under ``[prefix/]AWSLogs/<account>/`` (and, for an
organization trail, ``AWSLogs/<organization id>/``): InsufficientS3BucketPolicyException.
With a KmsKeyId, the key policy must let cloudtrail.amazonaws.com call
kms:GenerateDataKey* and kms:DescribeKey, and kms:Decrypt when the bucket's
default encryption uses an S3 Bucket Key ("Configure AWS KMS key policies for
CloudTrail"): InsufficientEncryptionPolicyException. Everything else goes to moto.
"""

from __future__ import annotations

import json
from typing import Any

from .. import motoaccess
from ..inprocess import moto_client
from ..patches import _as_list, _matches
from ..wire import AwsError, Call
from .base import Fake

SERVICE = "cloudtrail.amazonaws.com"
SAMPLE_LOG = "CloudTrail/us-east-1/2026/01/01/sample.json.gz"
STRING_OPERATORS = (
    "StringEquals",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "StringEqualsIgnoreCase",
    "Bool",
)
NEGATED_OPERATORS = ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike")


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return service in _as_list(principal.get("Service")) or "*" in _as_list(principal.get("AWS"))


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    """Conditions over the request context; a key the context lacks fails (fail safe), as does an
    operator this evaluator does not know."""
    for operator, entries in condition.items():
        base = operator.removesuffix("IfExists")
        for key, expected in entries.items():
            actual = context.get(key.lower())
            if base == "Null":
                if (actual is None) != (str(expected).lower() == "true"):
                    return False
                continue
            if actual is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            hit = any(_matches(str(w), actual) for w in _as_list(expected))
            if base in STRING_OPERATORS and not hit:
                return False
            if base in NEGATED_OPERATORS and hit:
                return False
            if base not in STRING_OPERATORS and base not in NEGATED_OPERATORS:
                return False
    return True


def allows(
    policy: dict[str, Any] | None, service: str, action: str, resource: str, context: dict[str, str]
) -> bool:
    """Does ``policy`` let ``service`` perform ``action`` on ``resource`` in ``context``? (Deny wins.)"""
    allowed = False
    for st in _as_list((policy or {}).get("Statement")):
        if not _principal_matches(st.get("Principal"), service):
            continue
        if "NotAction" in st:
            if _matches(st["NotAction"], action):
                continue
        elif not _matches(st.get("Action"), action):
            continue
        if "Resource" in st and not _matches(st["Resource"], resource):
            continue
        if not _condition_holds(st.get("Condition") or {}, context):
            continue
        if st.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def _policy(text: Any) -> dict[str, Any] | None:
    if not text:
        return None
    return json.loads(text.decode() if isinstance(text, bytes) else text)


def _bucket(name: str) -> Any:
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(name)
    return s3_backends[owner[1]][owner[0]].buckets.get(name) if owner else None


def _bucket_key_enabled(bucket: Any) -> bool:
    rules = _as_list((bucket.encryption or {}).get("Rule"))
    return any(str(rule.get("BucketKeyEnabled", "")).lower() == "true" for rule in rules)


def trail_policy_problem(
    *,
    account: str,
    region: str,
    name: str,
    bucket_name: str,
    prefix: str | None,
    organization: bool,
    kms_key_id: str | None,
    require_describe_key: bool = True,
) -> AwsError | None:
    """The error AWS gives a CreateTrail/UpdateTrail with these settings, or None."""
    bucket = _bucket(bucket_name)
    if bucket is None:
        return None  # moto answers S3BucketDoesNotExistException
    trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
    org = motoaccess.organization(account)
    context = {
        "aws:sourcearn": trail_arn,
        "aws:sourceaccount": account,
        "aws:securetransport": "true",
        "s3:x-amz-acl": "bucket-owner-full-control",
        "kms:encryptioncontext:aws:cloudtrail:arn": trail_arn,
    }
    if org is not None:
        context["aws:sourceorgid"] = org.id
    owners = [account] + ([org.id] if organization and org is not None else [])
    base = f"arn:aws:s3:::{bucket_name}/" + (f"{prefix}/" if prefix else "")
    policy = _policy(bucket.policy)
    writes = [f"{base}AWSLogs/{owner}/{SAMPLE_LOG}" for owner in owners]
    if not allows(
        policy, SERVICE, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket_name}", context
    ) or not all(allows(policy, SERVICE, "s3:PutObject", w, context) for w in writes):
        return AwsError(
            "InsufficientS3BucketPolicyException",
            f"Incorrect S3 bucket policy is detected for bucket: {bucket_name}",
        )
    if not kms_key_id:
        return None
    return _key_problem(account, region, kms_key_id, bucket, context, require_describe_key)


def _key_problem(
    account: str,
    region: str,
    key_id: str,
    bucket: Any,
    context: dict[str, str],
    require_describe_key: bool,
) -> AwsError | None:
    parts = key_id.split(":")
    key_account, key_region = (
        (parts[4], parts[3]) if key_id.startswith("arn:") and len(parts) > 5 else (account, region)
    )
    kms = moto_client("kms", key_account, key_region)
    try:
        key = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except Exception:
        return AwsError("KmsKeyNotFoundException", f"KMS key {key_id} does not exist.")
    policy = _policy(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    needed = ["kms:GenerateDataKey"] + (["kms:DescribeKey"] if require_describe_key else [])
    needed += ["kms:Decrypt"] if _bucket_key_enabled(bucket) else []
    if all(allows(policy, SERVICE, action, key["Arn"], context) for action in needed):
        return None
    return AwsError(
        "InsufficientEncryptionPolicyException",
        f"Insufficient permissions to access S3 bucket {bucket.name} or KMS key {key['Arn']}.",
    )


class CloudTrailFake(Fake):
    service = "cloudtrail"
    name = "cloudtrail"

    def op_create_trail(self, call: Call) -> None:
        params = call.params
        problem = trail_policy_problem(
            account=call.account,
            region=call.region,
            name=str(params.get("Name", "")),
            bucket_name=str(params.get("S3BucketName", "")),
            prefix=params.get("S3KeyPrefix"),
            organization=bool(params.get("IsOrganizationTrail")),
            kms_key_id=params.get("KmsKeyId"),
        )
        if problem:
            raise problem
        return None

    def op_update_trail(self, call: Call) -> None:
        params = call.params
        current = self._trail(call, str(params.get("Name", "")))
        if current is None:
            return None  # moto answers TrailNotFoundException

        def setting(key: str) -> Any:
            return params[key] if key in params else current.get(key)

        problem = trail_policy_problem(
            account=call.account,
            region=call.region,
            name=current["Name"],
            bucket_name=str(setting("S3BucketName") or ""),
            prefix=setting("S3KeyPrefix"),
            organization=bool(setting("IsOrganizationTrail")),
            kms_key_id=setting("KmsKeyId") or None,
        )
        if problem:
            raise problem
        return None

    @staticmethod
    def _trail(call: Call, name: str) -> dict[str, Any] | None:
        trails = moto_client("cloudtrail", call.account, call.region).describe_trails()["trailList"]
        return next((t for t in trails if name in (t.get("Name"), t.get("TrailARN"))), None)
