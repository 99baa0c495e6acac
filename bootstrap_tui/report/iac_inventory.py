"""What the wizard built, read live from AWS for the infrastructure-as-code export.

Read-only: the calls run under verify's read-only guard through the engine's clients; member
accounts are read through the automation role (the audit role allows only what verify reads). Each `Resource` is named by its Terraform
resource type and carries the id Terraform imports it by, so both renderers
(`iac_terraform`, `iac_cloudformation`) work from one list, in one stable order.
"""

from __future__ import annotations

import functools

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bootstrap_tui.errors import BootstrapError


@dataclass
class Resource:
    """One resource: its Terraform type, import id, where it lives and its arguments."""

    kind: str
    name: str
    import_id: str
    account: str
    region: str | None = None  # None: a global service (organizations, iam, s3 bucket names)
    attrs: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # argument -> import id of another resource

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.account, self.region or "", self.import_id)


@dataclass
class Inventory:
    """Everything found, and where it was found."""

    management_account: str
    home_region: str
    regions: list[str]
    member_roles: dict[str, str]  # member account -> role used to read it
    automation_role: str
    resources: list[Resource]
    account_names: dict[str, str]


def _code(exc: BaseException) -> str:
    return (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", "")


def _absent(call: Callable[[], Any], *codes: str) -> Any:
    """The call's result, or None when AWS answers with one of ``codes`` (nothing there)."""
    try:
        return call()
    except Exception as exc:
        if _code(exc) in codes:
            return None
        raise


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return [
        item
        for page in client.get_paginator(operation).paginate(**kwargs)
        for item in page.get(key, [])
    ]


def _policy_text(text: str) -> str:
    """A JSON policy in canonical form (sorted keys, no spaces): stable and diff-free."""
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


# ------------------------------------------------------------------ organizations


def _organization(engine: Any) -> Iterator[Resource]:
    org_client = engine.client("organizations")
    org = _absent(
        lambda: org_client.describe_organization()["Organization"],
        "AWSOrganizationsNotInUseException",
    )
    if org is None:
        return
    mgmt = engine.management_account_id
    roots = org_client.list_roots()["Roots"]
    principals = sorted(
        p["ServicePrincipal"]
        for p in _pages(
            org_client, "list_aws_service_access_for_organization", "EnabledServicePrincipals"
        )
    )
    types = sorted(
        t["Type"] for r in roots for t in r.get("PolicyTypes", []) if t.get("Status") == "ENABLED"
    )
    yield Resource(
        "aws_organizations_organization",
        "organization",
        org["Id"],
        mgmt,
        attrs={
            "feature_set": org.get("FeatureSet", "ALL"),
            "aws_service_access_principals": principals,
            "enabled_policy_types": types,
        },
    )
    yield from _ous(org_client, mgmt, [r["Id"] for r in roots])
    yield from _accounts(org_client, mgmt)
    yield from _scps(org_client, mgmt)
    for admin in _pages(org_client, "list_delegated_administrators", "DelegatedAdministrators"):
        for service in _pages(
            org_client,
            "list_delegated_services_for_account",
            "DelegatedServices",
            AccountId=admin["Id"],
        ):
            principal = service["ServicePrincipal"]
            yield Resource(
                "aws_organizations_delegated_administrator",
                f"{principal.split('.')[0]}_{admin['Id']}",
                f"{admin['Id']}/{principal}",
                mgmt,
                attrs={"account_id": admin["Id"], "service_principal": principal},
            )


def _ous(client: Any, mgmt: str, roots: list[str]) -> Iterator[Resource]:
    pending = [(root, "") for root in roots]
    while pending:
        parent, path = pending.pop()
        for ou in _pages(
            client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
        ):
            ou_path = f"{path}/{ou['Name']}".lstrip("/")
            pending.append((ou["Id"], ou_path))
            yield Resource(
                "aws_organizations_organizational_unit",
                ou_path,
                ou["Id"],
                mgmt,
                attrs={"name": ou["Name"], "parent_id": parent},
                refs={"parent_id": parent},
            )


def _accounts(client: Any, mgmt: str) -> Iterator[Resource]:
    for account in _pages(client, "list_accounts", "Accounts"):
        if account["Id"] == mgmt or account.get("Status", "ACTIVE") != "ACTIVE":
            continue  # the management account is the organization's own block
        parent = client.list_parents(ChildId=account["Id"])["Parents"][0]["Id"]
        yield Resource(
            "aws_organizations_account",
            account["Name"],
            account["Id"],
            mgmt,
            attrs={"name": account["Name"], "email": account["Email"], "parent_id": parent},
            refs={"parent_id": parent},
        )


# the organization policies the wizard writes: guardrails' SCPs and the backup policy
POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "BACKUP_POLICY")


def _scps(client: Any, mgmt: str) -> Iterator[Resource]:
    for kind in POLICY_TYPES:
        yield from _policies(client, mgmt, kind)


def _policies(client: Any, mgmt: str, kind: str) -> Iterator[Resource]:
    for summary in _pages(client, "list_policies", "Policies", Filter=kind):
        if summary.get("AwsManaged"):
            continue  # FullAWSAccess and its attachments belong to AWS
        policy = client.describe_policy(PolicyId=summary["Id"])["Policy"]
        yield Resource(
            "aws_organizations_policy",
            summary["Name"],
            summary["Id"],
            mgmt,
            attrs={
                "name": summary["Name"],
                "description": summary.get("Description", ""),
                "type": kind,
                "content": _policy_text(policy["Content"]),
            },
        )
        for target in _pages(client, "list_targets_for_policy", "Targets", PolicyId=summary["Id"]):
            yield Resource(
                "aws_organizations_policy_attachment",
                f"{summary['Name']}_{target['Name']}",
                f"{target['TargetId']}:{summary['Id']}",
                mgmt,
                attrs={"policy_id": summary["Id"], "target_id": target["TargetId"]},
                refs={"policy_id": summary["Id"], "target_id": target["TargetId"]},
            )


# ------------------------------------------------------------------ identity center


def _identity_center(engine: Any) -> Iterator[Resource]:
    mgmt = engine.management_account_id
    region = engine.home_region
    sso = engine.client("sso-admin", region=region)
    store = engine.client("identitystore", region=region)
    accounts = sorted(a["Id"] for a in engine.org_accounts())
    for instance in _pages(sso, "list_instances", "Instances"):
        arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
        groups = _pages(store, "list_groups", "Groups", IdentityStoreId=store_id)
        for group in groups:
            yield Resource(
                "aws_identitystore_group",
                group["DisplayName"],
                f"{store_id}/{group['GroupId']}",
                mgmt,
                region,
                attrs={
                    "identity_store_id": store_id,
                    "display_name": group["DisplayName"],
                    "description": group.get("Description", ""),
                },
            )
            for member in _pages(
                store,
                "list_group_memberships",
                "GroupMemberships",
                IdentityStoreId=store_id,
                GroupId=group["GroupId"],
            ):
                user = member["MemberId"].get("UserId", "")
                yield Resource(
                    "aws_identitystore_group_membership",
                    f"{group['DisplayName']}_{user}",
                    f"{store_id}/{member['MembershipId']}",
                    mgmt,
                    region,
                    attrs={
                        "identity_store_id": store_id,
                        "group_id": group["GroupId"],
                        "member_id": user,
                    },
                )
        users = _pages(store, "list_users", "Users", IdentityStoreId=store_id)
        for user in users:
            yield _user(store_id, user, mgmt, region)
        names = {g["GroupId"]: g["DisplayName"] for g in groups}
        names.update({u["UserId"]: u["UserName"] for u in users})
        yield from _permission_sets(sso, arn, mgmt, region, (accounts, names))


def _user(store_id: str, user: dict[str, Any], mgmt: str, region: str) -> Resource:
    name = user.get("Name") or {}
    emails = [
        {"value": e["Value"], "primary": bool(e.get("Primary"))}
        for e in user.get("Emails", [])
        if e.get("Value")
    ]
    return Resource(
        "aws_identitystore_user",
        user["UserName"],
        f"{store_id}/{user['UserId']}",
        mgmt,
        region,
        attrs={
            "identity_store_id": store_id,
            "user_name": user["UserName"],
            "display_name": user.get("DisplayName") or user["UserName"],
            "name": {
                "given_name": name.get("GivenName", ""),
                "family_name": name.get("FamilyName", ""),
            },
            "emails": emails[:1],
        },
    )


def _permission_sets(
    sso: Any, arn: str, mgmt: str, region: str, targets: tuple[list[str], dict[str, str]]
) -> Iterator[Resource]:
    """Permission sets, their policies and assignments (``targets``: the accounts, and the
    names of the groups and users, which name the assignments' blocks)."""
    for ps_arn in _pages(sso, "list_permission_sets", "PermissionSets", InstanceArn=arn):
        ps = sso.describe_permission_set(InstanceArn=arn, PermissionSetArn=ps_arn)["PermissionSet"]
        name = ps["Name"]
        attrs: dict[str, Any] = {"instance_arn": arn, "name": name}
        for key, arg in (("Description", "description"), ("SessionDuration", "session_duration")):
            if ps.get(key):
                attrs[arg] = ps[key]
        yield Resource(
            "aws_ssoadmin_permission_set", name, f"{ps_arn},{arn}", mgmt, region, attrs=attrs
        )
        for policy in _pages(
            sso,
            "list_managed_policies_in_permission_set",
            "AttachedManagedPolicies",
            InstanceArn=arn,
            PermissionSetArn=ps_arn,
        ):
            yield Resource(
                "aws_ssoadmin_managed_policy_attachment",
                f"{name}_{policy['Name']}",
                f"{policy['Arn']},{ps_arn},{arn}",
                mgmt,
                region,
                attrs={
                    "instance_arn": arn,
                    "managed_policy_arn": policy["Arn"],
                    "permission_set_arn": ps_arn,
                },
            )
        inline = sso.get_inline_policy_for_permission_set(
            InstanceArn=arn, PermissionSetArn=ps_arn
        ).get("InlinePolicy")
        if inline:
            yield Resource(
                "aws_ssoadmin_permission_set_inline_policy",
                name,
                f"{ps_arn},{arn}",
                mgmt,
                region,
                attrs={
                    "instance_arn": arn,
                    "permission_set_arn": ps_arn,
                    "inline_policy": _policy_text(inline),
                },
            )
        yield from _assignments(sso, arn, ps_arn, name, mgmt, region, targets)


def _assignments(
    sso: Any,
    arn: str,
    ps_arn: str,
    name: str,
    mgmt: str,
    region: str,
    targets: tuple[list[str], dict[str, str]],
) -> Iterator[Resource]:
    """Every account's assignments of the permission set (as the identity-center step reads them)."""
    accounts, names = targets
    for account in sorted(accounts):
        for item in _pages(
            sso,
            "list_account_assignments",
            "AccountAssignments",
            InstanceArn=arn,
            AccountId=account,
            PermissionSetArn=ps_arn,
        ):
            principal, kind = item["PrincipalId"], item["PrincipalType"]
            yield Resource(
                "aws_ssoadmin_account_assignment",
                f"{name}_{account}_{names.get(principal, principal)}",
                f"{principal},{kind},{account},AWS_ACCOUNT,{ps_arn},{arn}",
                mgmt,
                region,
                attrs={
                    "instance_arn": arn,
                    "permission_set_arn": ps_arn,
                    "principal_id": principal,
                    "principal_type": kind,
                    "target_id": account,
                    "target_type": "AWS_ACCOUNT",
                },
            )


# ------------------------------------------------------------------ per account


def _buckets(engine: Any, account: str) -> Iterator[Resource]:
    s3 = engine.client("s3", account=account)
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        yield Resource("aws_s3_bucket", name, name, account, attrs={"bucket": name})

        def bucket_policy(bucket: str = name) -> Any:
            return s3.get_bucket_policy(Bucket=bucket)["Policy"]

        policy = _absent(bucket_policy, "NoSuchBucketPolicy")
        if policy:
            yield Resource(
                "aws_s3_bucket_policy",
                name,
                name,
                account,
                refs={"bucket": name},
                attrs={"bucket": name, "policy": _policy_text(policy)},
            )
        yield from _bucket_settings(s3, name, account)
        yield from _lifecycle(s3, name, account)
        yield from _lock_and_logging(s3, name, account)


def _bucket_settings(s3: Any, name: str, account: str) -> Iterator[Resource]:
    status = s3.get_bucket_versioning(Bucket=name).get("Status")
    if status:
        yield Resource(
            "aws_s3_bucket_versioning",
            name,
            name,
            account,
            refs={"bucket": name},
            attrs={"bucket": name, "versioning_configuration": {"status": status}},
        )
    rules = _absent(
        lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"],
        "ServerSideEncryptionConfigurationNotFoundError",
    )
    if rules:
        default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
        by_default = {"sse_algorithm": default.get("SSEAlgorithm", "AES256")}
        if default.get("KMSMasterKeyID"):
            by_default["kms_master_key_id"] = default["KMSMasterKeyID"]
        yield Resource(
            "aws_s3_bucket_server_side_encryption_configuration",
            name,
            name,
            account,
            refs={"bucket": name},
            attrs={
                "bucket": name,
                "rule": {
                    "apply_server_side_encryption_by_default": by_default,
                    "bucket_key_enabled": bool(rules[0].get("BucketKeyEnabled")),
                },
            },
        )
    block = _absent(
        lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        "NoSuchPublicAccessBlockConfiguration",
    )
    if block:
        yield Resource(
            "aws_s3_bucket_public_access_block",
            name,
            name,
            account,
            refs={"bucket": name},
            attrs={
                "bucket": name,
                "block_public_acls": bool(block.get("BlockPublicAcls")),
                "block_public_policy": bool(block.get("BlockPublicPolicy")),
                "ignore_public_acls": bool(block.get("IgnorePublicAcls")),
                "restrict_public_buckets": bool(block.get("RestrictPublicBuckets")),
            },
        )


def _lock_and_logging(s3: Any, name: str, account: str) -> Iterator[Resource]:
    """The bucket's Object Lock configuration and server access logging, when set."""
    lock = _absent(
        lambda: s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"],
        "ObjectLockConfigurationNotFoundError",
    )
    if lock and lock.get("ObjectLockEnabled") == "Enabled":
        attrs: dict[str, Any] = {"bucket": name}
        retention = (lock.get("Rule") or {}).get("DefaultRetention") or {}
        if retention:
            unit = "days" if "Days" in retention else "years"
            attrs["rule"] = {
                "default_retention": {"mode": retention["Mode"], unit: retention[unit.title()]}
            }
        yield Resource(
            "aws_s3_bucket_object_lock_configuration",
            name,
            name,
            account,
            attrs=attrs,
            refs={"bucket": name},
        )
    logging = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    if logging:
        yield Resource(
            "aws_s3_bucket_logging",
            name,
            name,
            account,
            refs={"bucket": name},
            attrs={
                "bucket": name,
                "target_bucket": logging["TargetBucket"],
                "target_prefix": logging.get("TargetPrefix", ""),
            },
        )


def _lifecycle(s3: Any, name: str, account: str) -> Iterator[Resource]:
    rules = _absent(
        lambda: s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"],
        "NoSuchLifecycleConfiguration",
    )
    if rules:
        yield Resource(
            "aws_s3_bucket_lifecycle_configuration",
            name,
            name,
            account,
            refs={"bucket": name},
            attrs={"bucket": name, "rule": [_lifecycle_rule(r) for r in rules]},
        )


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One lifecycle rule as the `rule` block of aws_s3_bucket_lifecycle_configuration."""
    prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix", ""))
    out: dict[str, Any] = {"id": rule.get("ID", ""), "status": rule["Status"]}
    out["filter"] = {"prefix": prefix}
    expiration = rule.get("Expiration") or {}
    if "Days" in expiration:
        out["expiration"] = {"days": expiration["Days"]}
    elif expiration.get("ExpiredObjectDeleteMarker") is not None:
        out["expiration"] = {
            "expired_object_delete_marker": expiration["ExpiredObjectDeleteMarker"]
        }
    noncurrent = rule.get("NoncurrentVersionExpiration") or {}
    if "NoncurrentDays" in noncurrent:
        out["noncurrent_version_expiration"] = {"noncurrent_days": noncurrent["NoncurrentDays"]}
    abort = rule.get("AbortIncompleteMultipartUpload") or {}
    if "DaysAfterInitiation" in abort:
        out["abort_incomplete_multipart_upload"] = {
            "days_after_initiation": abort["DaysAfterInitiation"]
        }
    transitions = [
        {"days": t["Days"], "storage_class": t["StorageClass"]}
        for t in rule.get("Transitions", [])
        if "Days" in t
    ]
    if transitions:
        out["transition"] = transitions
    return out


def _role(iam: Any, name: str, account: str) -> Resource | None:
    """The IAM role ``name`` with its trust policy, or None when the account has none."""
    role = _absent(lambda: iam.get_role(RoleName=name)["Role"], "NoSuchEntity")
    if role is None:
        return None
    document = role["AssumeRolePolicyDocument"]
    trust = document if isinstance(document, str) else json.dumps(document)
    return Resource(
        "aws_iam_role",
        f"{name}_{account}",
        name,
        account,
        attrs={"name": name, "assume_role_policy": _policy_text(trust)},
    )


def _audit_role(engine: Any, account: str) -> Iterator[Resource]:
    name = (engine.profile.data.get("audit_role") or {}).get("name") or "bootstrap-tui-audit"
    iam = engine.client("iam", account=account)
    role = _role(iam, name, account)
    if role is None:
        return
    yield role
    for policy in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name):
        text = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        text = text if isinstance(text, str) else json.dumps(text)
        yield Resource(
            "aws_iam_role_policy",
            f"{name}_{policy}_{account}",
            f"{name}:{policy}",
            account,
            attrs={"name": policy, "role": name, "policy": _policy_text(text)},
        )


BACKUP_ROLE = "bootstrap-backup"  # the role the backup policy names (steps/org_backup.py)


def _backup_role(engine: Any, account: str) -> Iterator[Resource]:
    """The role AWS Backup assumes in a workload account, with its managed policies."""
    iam = engine.client("iam", account=account)
    role = _role(iam, BACKUP_ROLE, account)
    if role is None:
        return
    yield role
    for policy in _pages(
        iam, "list_attached_role_policies", "AttachedPolicies", RoleName=BACKUP_ROLE
    ):
        arn = policy["PolicyArn"]
        yield Resource(
            "aws_iam_role_policy_attachment",
            f"{BACKUP_ROLE}_{arn.rsplit('/', 1)[-1]}_{account}",
            f"{BACKUP_ROLE}/{arn}",
            account,
            attrs={"role": BACKUP_ROLE, "policy_arn": arn},
        )


# ------------------------------------------------------------------ per account and region


def _kms(engine: Any, account: str, region: str) -> Iterator[Resource]:
    kms = engine.client("kms", account=account, region=region)
    keys = {}
    for key in _pages(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") != "CUSTOMER" or meta.get("KeyState") == "PendingDeletion":
            continue
        keys[meta["KeyId"]] = meta
        policy = kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"]
        rotation = kms.get_key_rotation_status(KeyId=meta["KeyId"]).get("KeyRotationEnabled")
        yield Resource(
            "aws_kms_key",
            f"key_{meta['KeyId']}",
            meta["KeyId"],
            account,
            region,
            attrs={
                "description": meta.get("Description", ""),
                "enable_key_rotation": bool(rotation),
                "policy": _policy_text(policy),
            },
        )
    for alias in _pages(kms, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId") in keys and not alias["AliasName"].startswith("alias/aws/"):
            yield Resource(
                "aws_kms_alias",
                alias["AliasName"].removeprefix("alias/"),
                alias["AliasName"],
                account,
                region,
                attrs={"name": alias["AliasName"], "target_key_id": alias["TargetKeyId"]},
                refs={"target_key_id": alias["TargetKeyId"]},
            )


def _trails(engine: Any, account: str, region: str) -> Iterator[Resource]:
    ct = engine.client("cloudtrail", account=account, region=region)
    for trail in ct.describe_trails(includeShadowTrails=False).get("trailList", []):
        if trail.get("HomeRegion", region) != region:
            continue
        attrs = {
            "name": trail["Name"],
            "s3_bucket_name": trail["S3BucketName"],
            "is_multi_region_trail": bool(trail.get("IsMultiRegionTrail")),
            "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
            "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents")),
            "enable_log_file_validation": bool(trail.get("LogFileValidationEnabled")),
        }
        if trail.get("KmsKeyId"):
            attrs["kms_key_id"] = trail["KmsKeyId"]
        if trail.get("S3KeyPrefix"):
            attrs["s3_key_prefix"] = trail["S3KeyPrefix"]
        attrs["enable_logging"] = bool(ct.get_trail_status(Name=trail["TrailARN"]).get("IsLogging"))
        yield Resource(
            "aws_cloudtrail", trail["Name"], trail["TrailARN"], account, region, attrs=attrs
        )


def _guardduty(engine: Any, account: str, region: str) -> Iterator[Resource]:
    gd = engine.client("guardduty", account=account, region=region)
    for detector_id in _pages(gd, "list_detectors", "DetectorIds"):
        detector = gd.get_detector(DetectorId=detector_id)
        attrs: dict[str, Any] = {"enable": detector.get("Status") == "ENABLED"}
        if detector.get("FindingPublishingFrequency"):
            attrs["finding_publishing_frequency"] = detector["FindingPublishingFrequency"]
        yield Resource(
            "aws_guardduty_detector",
            f"guardduty_{account}_{region}",
            detector_id,
            account,
            region,
            attrs=attrs,
        )
        # only the delegated administrator's detector has one; any other account is refused
        org = _absent(
            functools.partial(gd.describe_organization_configuration, DetectorId=detector_id),
            "BadRequestException",
        )
        if org is not None:
            yield Resource(
                "aws_guardduty_organization_configuration",
                f"guardduty_organization_{account}_{region}",
                detector_id,
                account,
                region,
                attrs={
                    "detector_id": detector_id,
                    "auto_enable_organization_members": org.get(
                        "AutoEnableOrganizationMembers",
                        "NEW" if org.get("AutoEnable") else "NONE",
                    ),
                },
                refs={"detector_id": detector_id},
            )


def _securityhub(engine: Any, account: str, region: str) -> Iterator[Resource]:
    sh = engine.client("securityhub", account=account, region=region)
    hub = _absent(sh.describe_hub, "InvalidAccessException", "ResourceNotFoundException")
    if hub is None:
        return
    yield Resource(
        "aws_securityhub_account",
        f"securityhub_{account}_{region}",
        account,
        account,
        region,
        attrs={"auto_enable_controls": bool(hub.get("AutoEnableControls", True))},
    )
    for aggregator in (
        _absent(
            lambda: _pages(sh, "list_finding_aggregators", "FindingAggregators"),
            "InvalidAccessException",
        )
        or []
    ):
        arn = aggregator["FindingAggregatorArn"]
        found = sh.get_finding_aggregator(FindingAggregatorArn=arn)
        attrs: dict[str, Any] = {"linking_mode": found.get("RegionLinkingMode", "ALL_REGIONS")}
        if found.get("Regions"):
            attrs["specified_regions"] = sorted(found["Regions"])
        yield Resource(
            "aws_securityhub_finding_aggregator",
            f"aggregator_{account}_{region}",
            arn,
            account,
            region,
            attrs=attrs,
        )


def _config(engine: Any, account: str, region: str) -> Iterator[Resource]:
    cfg = engine.client("config", account=account, region=region)
    statuses = {
        s["name"]: bool(s.get("recording"))
        for s in cfg.describe_configuration_recorder_status().get(
            "ConfigurationRecordersStatus", []
        )
    }
    for recorder in cfg.describe_configuration_recorders().get("ConfigurationRecorders", []):
        name = recorder["name"]
        group = recorder.get("recordingGroup") or {}
        yield Resource(
            "aws_config_configuration_recorder",
            f"{name}_{account}_{region}",
            name,
            account,
            region,
            attrs={
                "name": name,
                "role_arn": recorder["roleARN"],
                "recording_group": {
                    "all_supported": bool(group.get("allSupported", True)),
                    "include_global_resource_types": bool(group.get("includeGlobalResourceTypes")),
                },
            },
        )
        yield Resource(
            "aws_config_configuration_recorder_status",
            f"{name}_{account}_{region}",
            name,
            account,
            region,
            attrs={"name": name, "is_enabled": statuses.get(name, False)},
            refs={"name": name},
        )
    for channel in cfg.describe_delivery_channels().get("DeliveryChannels", []):
        attrs = {"name": channel["name"], "s3_bucket_name": channel["s3BucketName"]}
        if channel.get("s3KeyPrefix"):
            attrs["s3_key_prefix"] = channel["s3KeyPrefix"]
        yield Resource(
            "aws_config_delivery_channel",
            f"{channel['name']}_{account}_{region}",
            channel["name"],
            account,
            region,
            attrs=attrs,
        )
    for aggregator in cfg.describe_configuration_aggregators().get("ConfigurationAggregators", []):
        source = aggregator.get("OrganizationAggregationSource") or {}
        if not source:
            continue
        yield Resource(
            "aws_config_configuration_aggregator",
            f"{aggregator['ConfigurationAggregatorName']}_{account}_{region}",
            aggregator["ConfigurationAggregatorName"],
            account,
            region,
            attrs={
                "name": aggregator["ConfigurationAggregatorName"],
                "organization_aggregation_source": {
                    "all_regions": bool(source.get("AllAwsRegions")),
                    **(
                        {"regions": sorted(source["AwsRegions"])}
                        if source.get("AwsRegions")
                        else {}
                    ),
                    "role_arn": source.get("RoleArn", ""),
                },
            },
        )


def _analyzers(engine: Any, account: str, region: str) -> Iterator[Resource]:
    aa = engine.client("accessanalyzer", account=account, region=region)
    for analyzer in _pages(aa, "list_analyzers", "analyzers"):
        yield Resource(
            "aws_accessanalyzer_analyzer",
            f"{analyzer['name']}_{account}_{region}",
            analyzer["name"],
            account,
            region,
            attrs={"analyzer_name": analyzer["name"], "type": analyzer["type"]},
        )


# Flow-log resource id prefix -> the Terraform argument that names it
FLOW_LOG_TARGETS = (
    ("tgw-attach-", "transit_gateway_attachment_id"),
    ("tgw-", "transit_gateway_id"),
    ("subnet-", "subnet_id"),
    ("eni-", "eni_id"),
    ("vpc-", "vpc_id"),
)


def _flow_logs(engine: Any, account: str, region: str) -> Iterator[Resource]:
    """Every flow log of the account and region (the wizard's go to the log archive)."""
    ec2 = engine.client("ec2", account=account, region=region)
    for log in _pages(ec2, "describe_flow_logs", "FlowLogs"):
        target = next(
            (arg for prefix, arg in FLOW_LOG_TARGETS if log["ResourceId"].startswith(prefix)), None
        )
        if target is None:
            continue  # a resource type Terraform's aws_flow_log cannot name
        attrs: dict[str, Any] = {
            target: log["ResourceId"],
            "traffic_type": log["TrafficType"],
            "log_destination_type": log.get("LogDestinationType", "cloud-watch-logs"),
            "log_destination": log.get("LogDestination", ""),
            "max_aggregation_interval": log.get("MaxAggregationInterval", 600),
        }
        if log.get("DeliverLogsPermissionArn"):
            attrs["iam_role_arn"] = log["DeliverLogsPermissionArn"]
        options = log.get("DestinationOptions")
        if options:
            attrs["destination_options"] = {
                "file_format": options.get("FileFormat", "plain-text"),
                "hive_compatible_partitions": bool(options.get("HiveCompatiblePartitions")),
                "per_hour_partition": bool(options.get("PerHourPartition")),
            }
        yield Resource(
            "aws_flow_log",
            f"{log['ResourceId']}_{region}",
            log["FlowLogId"],
            account,
            region,
            attrs=attrs,
        )


def _backup_vaults(engine: Any, account: str, region: str) -> Iterator[Resource]:
    """Every backup vault of the account and region, and its Vault Lock (the wizard's
    bootstrap-backup in the workload accounts)."""
    backup = engine.client("backup", account=account, region=region)
    for vault in _pages(backup, "list_backup_vaults", "BackupVaultList"):
        if vault.get("VaultType", "BACKUP_VAULT") != "BACKUP_VAULT":
            continue  # logically air-gapped and restore-access vaults have their own types
        name = vault["BackupVaultName"]
        yield Resource(
            "aws_backup_vault",
            f"{name}_{account}_{region}",
            name,
            account,
            region,
            attrs={"name": name, "kms_key_arn": vault.get("EncryptionKeyArn", "")},
        )
        if not vault.get("Locked"):
            continue
        lock: dict[str, Any] = {"backup_vault_name": name}
        for key, arg in (
            ("MinRetentionDays", "min_retention_days"),
            ("MaxRetentionDays", "max_retention_days"),
        ):
            if vault.get(key) is not None:
                lock[arg] = vault[key]
        yield Resource(
            "aws_backup_vault_lock_configuration",
            f"{name}_lock_{account}_{region}",
            name,
            account,
            region,
            attrs=lock,
        )


# BatchGetAccountStatus resourceState key -> Enable's resource type (ResourceScanType)
INSPECTOR_SCANS = {
    "ec2": "EC2",
    "ecr": "ECR",
    "lambda": "LAMBDA",
    "lambdaCode": "LAMBDA_CODE",
    "codeRepository": "CODE_REPOSITORY",
}


def _inspector(engine: Any, region: str, accounts: list[str]) -> list[Resource]:
    """Amazon Inspector in one region: the delegated administrator (read in the management
    account), the organization configuration and member associations (read in the
    administrator), and one enabler per account with the scan types it has on."""
    mgmt = engine.management_account_id
    client = engine.client("inspector2", region=region)
    listed = _absent(
        lambda: _pages(client, "list_delegated_admin_accounts", "delegatedAdminAccounts"),
        "AccessDeniedException",
    )
    admins = sorted(a["accountId"] for a in listed or [] if a.get("status") == "ENABLED")
    found = [
        Resource(
            "aws_inspector2_delegated_admin_account",
            f"inspector_admin_{region}",
            admin,
            mgmt,
            region,
            attrs={"account_id": admin},
        )
        for admin in admins
    ]
    admin = admins[0] if admins else None
    members: set[str] = set()
    if admin:
        found += _inspector_organization(engine, admin, region)
        members = {r.import_id for r in found if r.kind == "aws_inspector2_member_association"}
    for account in accounts:
        managed = admin is not None and (account == admin or account in members)
        enabler = _inspector_enabler(engine, account, region, admin if managed else None)
        if enabler:
            found.append(enabler)
    return found


def _inspector_organization(engine: Any, admin: str, region: str) -> Iterator[Resource]:
    client = engine.client("inspector2", account=admin, region=region)
    config = _absent(client.describe_organization_configuration, "AccessDeniedException")
    if config is not None:
        auto = config.get("autoEnable") or {}
        wanted = {
            "ec2": bool(auto.get("ec2")),
            "ecr": bool(auto.get("ecr")),
            "lambda": bool(auto.get("lambda")),
            "lambda_code": bool(auto.get("lambdaCode")),
        }
        if auto.get("codeRepository"):
            wanted["code_repository"] = True
        yield Resource(
            "aws_inspector2_organization_configuration",
            f"inspector_organization_{region}",
            admin,  # the provider's own id for it: the administrator's account id
            admin,
            region,
            attrs={"auto_enable": wanted},
        )
    for member in _pages(client, "list_members", "members", onlyAssociated=True):
        if member.get("relationshipStatus") != "ENABLED" or member["accountId"] == admin:
            continue
        yield Resource(
            "aws_inspector2_member_association",
            f"inspector_member_{member['accountId']}_{region}",
            member["accountId"],
            admin,
            region,
            attrs={"account_id": member["accountId"]},
        )


def _inspector_enabler(
    engine: Any, account: str, region: str, admin: str | None
) -> Resource | None:
    """The account's enabled scan types as an enabler, managed from the administrator when the
    account is the administrator or its member, else from the account itself."""
    owner = admin or account
    client = engine.client("inspector2", account=owner, region=region)
    answer = client.batch_get_account_status(accountIds=[account])
    state = next((a for a in answer.get("accounts", []) if a.get("accountId") == account), None)
    if state is None:
        failed = (answer.get("failedAccounts") or [{}])[0]
        raise BootstrapError(
            f"cannot read Amazon Inspector's status of account {account} in {region} "
            f"from account {owner}: {failed.get('errorCode', 'no answer')} "
            f"{failed.get('errorMessage', '')}".rstrip()
        )
    resources = state.get("resourceState") or {}
    kinds = sorted(
        kind
        for key, kind in INSPECTOR_SCANS.items()
        if (resources.get(key) or {}).get("status") in ("ENABLED", "ENABLING")
    )
    if not kinds:
        return None
    return Resource(
        "aws_inspector2_enabler",
        f"inspector_{account}_{region}",
        f"{account}-{':'.join(kinds)}",  # account ids, then resource types, each sorted
        owner,
        region,
        attrs={"account_ids": [account], "resource_types": kinds},
    )


def _budgets(engine: Any) -> Iterator[Resource]:
    mgmt = engine.management_account_id
    budgets = engine.client("budgets", region="us-east-1")
    for budget in _pages(budgets, "describe_budgets", "Budgets", AccountId=mgmt):
        limit = budget.get("BudgetLimit") or {}
        yield Resource(
            "aws_budgets_budget",
            budget["BudgetName"],
            f"{mgmt}:{budget['BudgetName']}",
            mgmt,
            attrs={
                "name": budget["BudgetName"],
                "budget_type": budget["BudgetType"],
                "limit_amount": limit.get("Amount", ""),
                "limit_unit": limit.get("Unit", "USD"),
                "time_unit": budget["TimeUnit"],
                "notification": _notifications(budgets, mgmt, budget["BudgetName"]),
            },
        )


def _notifications(budgets: Any, mgmt: str, name: str) -> list[dict[str, Any]]:
    """The budget's alerts as Terraform `notification` blocks (e-mail subscribers only)."""
    found = []
    for note in _pages(
        budgets,
        "describe_notifications_for_budget",
        "Notifications",
        AccountId=mgmt,
        BudgetName=name,
    ):
        subscribers = _pages(
            budgets,
            "describe_subscribers_for_notification",
            "Subscribers",
            AccountId=mgmt,
            BudgetName=name,
            Notification=note,
        )
        found.append(
            {
                "comparison_operator": note["ComparisonOperator"],
                "threshold": note["Threshold"],
                "threshold_type": note.get("ThresholdType", "PERCENTAGE"),
                "notification_type": note["NotificationType"],
                "subscriber_email_addresses": sorted(
                    s["Address"] for s in subscribers if s["SubscriptionType"] == "EMAIL"
                ),
            }
        )
    return sorted(found, key=lambda n: (n["notification_type"], n["threshold"]))


REGIONAL: tuple[Callable[[Any, str, str], Iterator[Resource]], ...] = (
    _kms,
    _trails,
    _guardduty,
    _securityhub,
    _config,
    _analyzers,
    _flow_logs,
    _backup_vaults,
)


def _per_account(engine: Any, account: str) -> list[Resource]:
    found = list(_buckets(engine, account))
    if account != engine.management_account_id:
        found += _audit_role(engine, account)
        found += _backup_role(engine, account)
    return found


def _per_region(engine: Any, task: tuple[str, str]) -> list[Resource]:
    account, region = task
    return [r for reader in REGIONAL for r in reader(engine, account, region)]


def _collect(results: list[tuple[Any, Any]]) -> list[Resource]:
    out: list[Resource] = []
    for task, result in results:
        if isinstance(result, BootstrapError):
            raise result
        if isinstance(result, BaseException):
            raise BootstrapError(f"cannot read {task}: {result}") from result
        out += result
    return out


# service principal -> the service's own delegated-administrator type, which registers the
# account with Organizations itself: one block per resource, so the service's block wins
SERVICE_ADMINS = {"inspector2.amazonaws.com": "aws_inspector2_delegated_admin_account"}


def _without_duplicates(found: list[Resource]) -> list[Resource]:
    """Drop an Organizations delegated administrator that a service's own type manages."""
    managed = {(r.kind, r.import_id) for r in found}
    return [
        r
        for r in found
        if r.kind != "aws_organizations_delegated_administrator"
        or (SERVICE_ADMINS.get(r.attrs["service_principal"]), r.attrs["account_id"]) not in managed
    ]


def read_inventory(engine: Any) -> Inventory:
    """Read every resource the export manages, under verify's read-only guard. Member accounts
    are read through the automation role: the audit role allows only what verify reads."""
    from bootstrap_tui.aws import fan_out

    with engine.factory.read_only_guard():
        accounts = sorted(a["Id"] for a in engine.org_accounts(refresh=True)) or [
            engine.management_account_id
        ]
        workers = engine.options.max_workers
        regions = sorted(engine.governed_regions)
        found = [*_organization(engine), *_identity_center(engine), *_budgets(engine)]
        found += _collect(fan_out(accounts, lambda a: _per_account(engine, a), max_workers=workers))
        pairs = [(a, r) for a in accounts for r in regions]
        found += _collect(fan_out(pairs, lambda t: _per_region(engine, t), max_workers=workers))
        found += _collect(
            fan_out(regions, lambda r: _inspector(engine, r, accounts), max_workers=workers)
        )
    roles = {a: engine.factory.role_name for a in accounts if a != engine.management_account_id}
    return Inventory(
        management_account=engine.management_account_id,
        home_region=engine.home_region,
        regions=regions,
        member_roles=dict(sorted(roles.items())),
        automation_role=engine.factory.role_name,
        resources=sorted(_without_duplicates(found), key=lambda r: r.sort_key),
        account_names={a["Id"]: a.get("Name", "") for a in engine.org_accounts()},
    )
