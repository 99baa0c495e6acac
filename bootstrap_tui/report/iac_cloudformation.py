"""The inventory as CloudFormation: one stack template per account and region (the management
account's home region is the management stack; the others are the member-account stack
instances of StackSets), each with its resource import file (the `ResourcesToImport` JSON of
`CreateChangeSet --change-set-type IMPORT`). What CloudFormation cannot import is listed in the
README, never dropped. Output is deterministic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bootstrap_tui.report.iac_inventory import Inventory, Resource

Spec = tuple[str, Callable[[Resource], dict[str, str]], Callable[[Resource], dict[str, Any]]]


def _ou(res: Resource) -> dict[str, Any]:
    return {"Name": res.attrs["name"], "ParentId": res.attrs["parent_id"]}


def _account(res: Resource) -> dict[str, Any]:
    a = res.attrs
    return {"AccountName": a["name"], "Email": a["email"], "ParentIds": [a["parent_id"]]}


def _policy(res: Resource) -> dict[str, Any]:
    a = res.attrs
    out = {"Name": a["name"], "Type": a["type"], "Content": json.loads(a["content"])}
    if a.get("description"):
        out["Description"] = a["description"]
    return out


def _trail(res: Resource) -> dict[str, Any]:
    a = res.attrs
    out: dict[str, Any] = {
        "TrailName": a["name"],
        "S3BucketName": a["s3_bucket_name"],
        "IsLogging": a.get("enable_logging", True),
        "IsMultiRegionTrail": a["is_multi_region_trail"],
        "IsOrganizationTrail": a["is_organization_trail"],
        "IncludeGlobalServiceEvents": a["include_global_service_events"],
        "EnableLogFileValidation": a["enable_log_file_validation"],
    }
    if a.get("kms_key_id"):
        out["KMSKeyId"] = a["kms_key_id"]
    if a.get("s3_key_prefix"):
        out["S3KeyPrefix"] = a["s3_key_prefix"]
    return out


def _kms_key(res: Resource) -> dict[str, Any]:
    a = res.attrs
    out = {"EnableKeyRotation": a["enable_key_rotation"], "KeyPolicy": json.loads(a["policy"])}
    if a.get("description"):
        out["Description"] = a["description"]
    return out


def _permission_set(res: Resource) -> dict[str, Any]:
    a = res.attrs
    out = {"Name": a["name"], "InstanceArn": a["instance_arn"]}
    if a.get("description"):
        out["Description"] = a["description"]
    if a.get("session_duration"):
        out["SessionDuration"] = a["session_duration"]
    return out


def _assignment(res: Resource) -> dict[str, Any]:
    a = res.attrs
    return {
        "InstanceArn": a["instance_arn"],
        "PermissionSetArn": a["permission_set_arn"],
        "PrincipalId": a["principal_id"],
        "PrincipalType": a["principal_type"],
        "TargetId": a["target_id"],
        "TargetType": a["target_type"],
    }


def _recorder(res: Resource) -> dict[str, Any]:
    group = res.attrs["recording_group"]
    return {
        "Name": res.attrs["name"],
        "RoleARN": res.attrs["role_arn"],
        "RecordingGroup": {
            "AllSupported": group["all_supported"],
            "IncludeGlobalResourceTypes": group["include_global_resource_types"],
        },
    }


def _channel(res: Resource) -> dict[str, Any]:
    out = {"Name": res.attrs["name"], "S3BucketName": res.attrs["s3_bucket_name"]}
    if res.attrs.get("s3_key_prefix"):
        out["S3KeyPrefix"] = res.attrs["s3_key_prefix"]
    return out


def _aggregator(res: Resource) -> dict[str, Any]:
    source = res.attrs["organization_aggregation_source"]
    out: dict[str, Any] = {"AllAwsRegions": source["all_regions"], "RoleArn": source["role_arn"]}
    if source.get("regions"):
        out["AwsRegions"] = source["regions"]
    return {"ConfigurationAggregatorName": res.attrs["name"], "OrganizationAggregationSource": out}


def _finding_aggregator(res: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {"RegionLinkingMode": res.attrs["linking_mode"]}
    if res.attrs.get("specified_regions"):
        out["Regions"] = res.attrs["specified_regions"]
    return out


def _role(res: Resource) -> dict[str, Any]:
    return {
        "RoleName": res.attrs["name"],
        "AssumeRolePolicyDocument": json.loads(res.attrs["assume_role_policy"]),
    }


# aws_flow_log argument naming the logged resource -> AWS::EC2::FlowLog ResourceType
FLOW_LOG_TYPES = {
    "vpc_id": "VPC",
    "subnet_id": "Subnet",
    "eni_id": "NetworkInterface",
    "transit_gateway_id": "TransitGateway",
    "transit_gateway_attachment_id": "TransitGatewayAttachment",
}


def _flow_log(res: Resource) -> dict[str, Any]:
    a = res.attrs
    arg = next(k for k in FLOW_LOG_TYPES if k in a)
    out: dict[str, Any] = {
        "ResourceId": a[arg],
        "ResourceType": FLOW_LOG_TYPES[arg],
        "TrafficType": a["traffic_type"],
        "LogDestinationType": a["log_destination_type"],
        "LogDestination": a["log_destination"],
        "MaxAggregationInterval": a["max_aggregation_interval"],
    }
    if a.get("iam_role_arn"):
        out["DeliverLogsPermissionArn"] = a["iam_role_arn"]
    options = a.get("destination_options")
    if options:
        out["DestinationOptions"] = {
            "FileFormat": options["file_format"],
            "HiveCompatiblePartitions": options["hive_compatible_partitions"],
            "PerHourPartition": options["per_hour_partition"],
        }
    return out


def _arn(service: str, path: str) -> Callable[[Resource], str]:
    return lambda r: f"arn:aws:{service}:{r.region}:{r.account}:{path.format(**r.attrs)}"


# Terraform type -> (CloudFormation type, import identifier, properties); see the
# "Resource type support" table of the CloudFormation user guide's resource import chapter.
IMPORTABLE: dict[str, Spec] = {
    "aws_organizations_organization": (
        "AWS::Organizations::Organization",
        lambda r: {"Id": r.import_id},
        lambda r: {"FeatureSet": r.attrs["feature_set"]},
    ),
    "aws_organizations_organizational_unit": (
        "AWS::Organizations::OrganizationalUnit",
        lambda r: {"Id": r.import_id},
        _ou,
    ),
    "aws_organizations_account": (
        "AWS::Organizations::Account",
        lambda r: {"AccountId": r.import_id},
        _account,
    ),
    "aws_organizations_policy": (
        "AWS::Organizations::Policy",
        lambda r: {"Id": r.import_id},
        _policy,
    ),
    "aws_cloudtrail": ("AWS::CloudTrail::Trail", lambda r: {"TrailName": r.attrs["name"]}, _trail),
    "aws_s3_bucket": (
        "AWS::S3::Bucket",
        lambda r: {"BucketName": r.import_id},
        lambda r: {"BucketName": r.import_id},
    ),
    "aws_s3_bucket_policy": (
        "AWS::S3::BucketPolicy",
        lambda r: {"Bucket": r.import_id},
        lambda r: {"Bucket": r.import_id, "PolicyDocument": json.loads(r.attrs["policy"])},
    ),
    "aws_kms_key": ("AWS::KMS::Key", lambda r: {"KeyId": r.import_id}, _kms_key),
    "aws_kms_alias": (
        "AWS::KMS::Alias",
        lambda r: {"AliasName": r.import_id},
        lambda r: {"AliasName": r.import_id, "TargetKeyId": r.attrs["target_key_id"]},
    ),
    "aws_identitystore_group": (
        "AWS::IdentityStore::Group",
        lambda r: {
            "GroupId": r.import_id.split("/", 1)[1],
            "IdentityStoreId": r.attrs["identity_store_id"],
        },
        lambda r: {
            "DisplayName": r.attrs["display_name"],
            "IdentityStoreId": r.attrs["identity_store_id"],
            **({"Description": r.attrs["description"]} if r.attrs.get("description") else {}),
        },
    ),
    "aws_identitystore_group_membership": (
        "AWS::IdentityStore::GroupMembership",
        lambda r: {
            "MembershipId": r.import_id.split("/", 1)[1],
            "IdentityStoreId": r.attrs["identity_store_id"],
        },
        lambda r: {
            "GroupId": r.attrs["group_id"],
            "IdentityStoreId": r.attrs["identity_store_id"],
            "MemberId": {"UserId": r.attrs["member_id"]},
        },
    ),
    "aws_ssoadmin_permission_set": (
        "AWS::SSO::PermissionSet",
        lambda r: {
            "InstanceArn": r.attrs["instance_arn"],
            "PermissionSetArn": r.import_id.split(",")[0],
        },
        _permission_set,
    ),
    "aws_ssoadmin_account_assignment": ("AWS::SSO::Assignment", _assignment, _assignment),
    "aws_guardduty_detector": (
        "AWS::GuardDuty::Detector",
        lambda r: {"Id": r.import_id},
        lambda r: {
            "Enable": r.attrs["enable"],
            **(
                {"FindingPublishingFrequency": r.attrs["finding_publishing_frequency"]}
                if r.attrs.get("finding_publishing_frequency")
                else {}
            ),
        },
    ),
    "aws_securityhub_account": (
        "AWS::SecurityHub::Hub",
        lambda r: {"ARN": _arn("securityhub", "hub/default")(r)},
        lambda r: {"AutoEnableControls": r.attrs["auto_enable_controls"]},
    ),
    "aws_securityhub_finding_aggregator": (
        "AWS::SecurityHub::FindingAggregator",
        lambda r: {"FindingAggregatorArn": r.import_id},
        _finding_aggregator,
    ),
    "aws_config_configuration_recorder": (
        "AWS::Config::ConfigurationRecorder",
        lambda r: {"Name": r.import_id},
        _recorder,
    ),
    "aws_config_delivery_channel": (
        "AWS::Config::DeliveryChannel",
        lambda r: {"Name": r.import_id},
        _channel,
    ),
    "aws_config_configuration_aggregator": (
        "AWS::Config::ConfigurationAggregator",
        lambda r: {"ConfigurationAggregatorName": r.import_id},
        _aggregator,
    ),
    "aws_accessanalyzer_analyzer": (
        "AWS::AccessAnalyzer::Analyzer",
        lambda r: {"Arn": _arn("access-analyzer", "analyzer/{analyzer_name}")(r)},
        lambda r: {"AnalyzerName": r.attrs["analyzer_name"], "Type": r.attrs["type"]},
    ),
    "aws_iam_role": ("AWS::IAM::Role", lambda r: {"RoleName": r.import_id}, _role),
    "aws_flow_log": ("AWS::EC2::FlowLog", lambda r: {"Id": r.import_id}, _flow_log),
    "aws_backup_vault": (
        "AWS::Backup::BackupVault",
        lambda r: {"BackupVaultName": r.import_id},
        lambda r: {
            "BackupVaultName": r.import_id,
            **({"EncryptionKeyArn": r.attrs["kms_key_arn"]} if r.attrs.get("kms_key_arn") else {}),
        },
    ),
}

# Terraform type -> (the resource it belongs to in CloudFormation, how it is folded in)
FOLDED: dict[
    str, tuple[str, Callable[[Resource], str], Callable[[dict[str, Any], Resource], None]]
] = {
    "aws_organizations_policy_attachment": (
        "aws_organizations_policy",
        lambda r: r.attrs["policy_id"],
        lambda props, r: props.setdefault("TargetIds", []).append(r.attrs["target_id"]),
    ),
    "aws_s3_bucket_versioning": (
        "aws_s3_bucket",
        lambda r: r.import_id,
        lambda props, r: props.update(
            VersioningConfiguration={"Status": r.attrs["versioning_configuration"]["status"]}
        ),
    ),
    "aws_s3_bucket_server_side_encryption_configuration": (
        "aws_s3_bucket",
        lambda r: r.import_id,
        lambda props, r: props.update(BucketEncryption=_encryption(r)),
    ),
    "aws_s3_bucket_public_access_block": (
        "aws_s3_bucket",
        lambda r: r.import_id,
        lambda props, r: props.update(
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": r.attrs["block_public_acls"],
                "BlockPublicPolicy": r.attrs["block_public_policy"],
                "IgnorePublicAcls": r.attrs["ignore_public_acls"],
                "RestrictPublicBuckets": r.attrs["restrict_public_buckets"],
            }
        ),
    ),
    "aws_s3_bucket_lifecycle_configuration": (
        "aws_s3_bucket",
        lambda r: r.import_id,
        lambda props, r: props.update(
            LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in r.attrs["rule"]]}
        ),
    ),
    "aws_s3_bucket_object_lock_configuration": (
        "aws_s3_bucket",
        lambda r: r.import_id,
        lambda props, r: props.update(
            ObjectLockEnabled=True, ObjectLockConfiguration=_object_lock(r)
        ),
    ),
    "aws_s3_bucket_logging": (
        "aws_s3_bucket",
        lambda r: r.import_id,
        lambda props, r: props.update(
            LoggingConfiguration={
                "DestinationBucketName": r.attrs["target_bucket"],
                **({"LogFilePrefix": r.attrs["target_prefix"]} if r.attrs["target_prefix"] else {}),
            }
        ),
    ),
    "aws_ssoadmin_managed_policy_attachment": (
        "aws_ssoadmin_permission_set",
        lambda r: f"{r.attrs['permission_set_arn']},{r.attrs['instance_arn']}",
        lambda props, r: props.setdefault("ManagedPolicies", []).append(
            r.attrs["managed_policy_arn"]
        ),
    ),
    "aws_ssoadmin_permission_set_inline_policy": (
        "aws_ssoadmin_permission_set",
        lambda r: r.import_id,
        lambda props, r: props.update(InlinePolicy=json.loads(r.attrs["inline_policy"])),
    ),
    "aws_config_configuration_recorder_status": (
        "aws_config_configuration_recorder",
        lambda r: r.import_id,
        lambda props, r: None,  # a recorder CloudFormation manages records once it exists
    ),
    "aws_backup_vault_lock_configuration": (
        "aws_backup_vault",
        lambda r: r.import_id,
        lambda props, r: props.update(
            LockConfiguration={
                k: r.attrs[a]
                for k, a in (
                    ("MinRetentionDays", "min_retention_days"),
                    ("MaxRetentionDays", "max_retention_days"),
                    ("ChangeableForDays", "changeable_for_days"),
                )
                if a in r.attrs
            }
        ),
    ),
    "aws_iam_role_policy_attachment": (
        "aws_iam_role",
        lambda r: r.attrs["role"],
        lambda props, r: props.setdefault("ManagedPolicyArns", []).append(r.attrs["policy_arn"]),
    ),
    "aws_iam_role_policy": (
        "aws_iam_role",
        lambda r: r.attrs["role"],
        lambda props, r: props.setdefault("Policies", []).append(
            {"PolicyName": r.attrs["name"], "PolicyDocument": json.loads(r.attrs["policy"])}
        ),
    ),
}

# Terraform type -> why CloudFormation cannot take it over
NOT_IMPORTABLE = {
    "aws_organizations_delegated_administrator": "no CloudFormation resource type",
    "aws_identitystore_user": "no CloudFormation resource type for Identity Center users",
    "aws_budgets_budget": "AWS::Budgets::Budget does not support resource import",
    "aws_guardduty_organization_configuration": (
        "no CloudFormation resource type for GuardDuty's organization configuration (auto-enable)"
    ),
    **dict.fromkeys(
        (
            "aws_inspector2_delegated_admin_account",
            "aws_inspector2_organization_configuration",
            "aws_inspector2_member_association",
            "aws_inspector2_enabler",
        ),
        "no CloudFormation resource type (AWS::InspectorV2 has none for the delegated "
        "administrator, members, scan activation or the organization configuration)",
    ),
}


def _object_lock(res: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
    retention = (res.attrs.get("rule") or {}).get("default_retention")
    if retention:
        out["Rule"] = {"DefaultRetention": {k.title(): v for k, v in retention.items()}}
    return out


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A Terraform lifecycle `rule` as an AWS::S3::Bucket lifecycle Rule."""
    out: dict[str, Any] = {"Id": rule["id"], "Status": rule["status"]}
    if rule["filter"]["prefix"]:
        out["Prefix"] = rule["filter"]["prefix"]
    expiration = rule.get("expiration") or {}
    if "days" in expiration:
        out["ExpirationInDays"] = expiration["days"]
    if "expired_object_delete_marker" in expiration:
        out["ExpiredObjectDeleteMarker"] = expiration["expired_object_delete_marker"]
    if rule.get("noncurrent_version_expiration"):
        days = rule["noncurrent_version_expiration"]["noncurrent_days"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if rule.get("abort_incomplete_multipart_upload"):
        days = rule["abort_incomplete_multipart_upload"]["days_after_initiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    if rule.get("transition"):
        out["Transitions"] = [
            {"StorageClass": t["storage_class"], "TransitionInDays": t["days"]}
            for t in rule["transition"]
        ]
    return out


def _encryption(res: Resource) -> dict[str, Any]:
    default = res.attrs["rule"]["apply_server_side_encryption_by_default"]
    by_default = {"SSEAlgorithm": default["sse_algorithm"]}
    if default.get("kms_master_key_id"):
        by_default["KMSMasterKeyID"] = default["kms_master_key_id"]
    return {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": by_default,
                "BucketKeyEnabled": res.attrs["rule"]["bucket_key_enabled"],
            }
        ]
    }


def stack_name(inventory: Inventory, res: Resource) -> str:
    """`management` for the management account's home region, else `<account>-<region>`."""
    region = res.region or inventory.home_region
    if res.account == inventory.management_account and region == inventory.home_region:
        return "management"
    return f"{res.account}-{region}"


def logical_id(res: Resource, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9]", "", IMPORTABLE[res.kind][0].split("::")[-1] + res.name.title())
    found, n = base[:200], 1
    while found in taken:
        n += 1
        found = f"{base[:200]}{n}"
    taken.add(found)
    return found


def _stacks(
    inventory: Inventory,
) -> tuple[dict[str, list[tuple[str, Resource, dict[str, Any]]]], list[tuple[Resource, str]]]:
    """Stack name -> [(logical id, resource, properties)], and what cannot be imported."""
    stacks: dict[str, list[tuple[str, Resource, dict[str, Any]]]] = {}
    by_key: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    taken: dict[str, set[str]] = {}
    skipped = []
    for res in inventory.resources:
        if res.kind not in IMPORTABLE:
            continue
        name = stack_name(inventory, res)
        props = IMPORTABLE[res.kind][2](res)
        stacks.setdefault(name, []).append(
            (logical_id(res, taken.setdefault(name, set())), res, props)
        )
        by_key[(res.kind, res.account, res.region or "", res.import_id)] = props
    for res in inventory.resources:
        if res.kind in FOLDED:
            parent, key, fold = FOLDED[res.kind]
            where = (parent, res.account, res.region or "", key(res))
            if where in by_key:
                fold(by_key[where], res)
            else:
                skipped.append((res, f"its {parent} is not in a template"))
        elif res.kind not in IMPORTABLE:
            skipped.append((res, NOT_IMPORTABLE.get(res.kind, "no CloudFormation mapping")))
    for entries in stacks.values():
        for _, _, props in entries:
            for listed in ("TargetIds", "ManagedPolicies", "ManagedPolicyArns"):
                if listed in props:
                    props[listed] = sorted(props[listed])
    return stacks, skipped


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_cloudformation(inventory: Inventory) -> dict[str, str]:
    """File name -> content."""
    from bootstrap_tui.report.iac_readme import cloudformation_readme

    stacks, skipped = _stacks(inventory)
    files = {}
    for name, entries in sorted(stacks.items()):
        resources = {
            logical: {
                "Type": IMPORTABLE[res.kind][0],
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": props,
            }
            for logical, res, props in entries
        }
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"bootstrap-tui baseline, imported as it is: {name}",
            "Resources": resources,
        }
        imports = [
            {
                "ResourceType": IMPORTABLE[res.kind][0],
                "LogicalResourceId": logical,
                "ResourceIdentifier": IMPORTABLE[res.kind][1](res),
            }
            for logical, res, _ in entries
        ]
        folder = "" if name == "management" else "stacksets/"
        files[f"{folder}{name}.template.json"] = _dump(template)
        files[f"{folder}{name}.import.json"] = _dump(imports)
    files["README.md"] = cloudformation_readme(inventory, sorted(stacks), skipped)
    return files
