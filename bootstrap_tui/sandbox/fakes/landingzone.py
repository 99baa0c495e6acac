"""What an AWS Control Tower landing zone leaves in the organization (the sandbox's stand-in).

Built with real API calls on moto's backends (``inprocess.moto_client``) when
CreateLandingZone or EnableBaseline(AWSControlTowerBaseline) completes, under
the names real Control Tower uses: the organization trail, the two logging
buckets, AWS Config in enrolled accounts, the Config aggregators, the
AWSControlTowerExecution role, the aws-guardrails-* SCPs, and with access
management the Identity Center groups and permission sets.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

from .. import motoaccess
from ..inprocess import moto_client

TRAIL = "aws-controltower-BaselineCloudTrail"
LOG_GROUP = "aws-controltower/CloudTrailLogs"
EXECUTION_ROLE = "AWSControlTowerExecution"
CONFIG_ROLE = "aws-controltower-ConfigRecorderRole"
RECORDER = "aws-controltower-BaselineConfigRecorder"
CHANNEL = "aws-controltower-BaselineConfigDeliveryChannel"
CONFIG_TOPIC = "aws-controltower-AllConfigNotifications"
SECURITY_TOPIC = "aws-controltower-SecurityNotifications"
AUDIT_AGGREGATOR = "aws-controltower-GuardrailsComplianceAggregator"
ORG_AGGREGATOR = "aws-controltower-ConfigAggregatorForOrganizations"
SCP_PREFIX = "aws-guardrails-"
SCP_DESCRIPTION = "AWS Control Tower Guardrails (mandatory preventive controls)"
MAX_SCPS_PER_TARGET = 5
PAB = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
IDC_GROUPS = (
    ("AWSControlTowerAdmins", "Admin rights to AWS Control Tower core and provisioned accounts"),
    ("AWSSecurityAuditors", "Read-only access to all accounts for security audits"),
    ("AWSSecurityAuditPowerUsers", "Power user access to all accounts for security audits"),
    ("AWSLogArchiveAdmins", "Admin rights to log archive account"),
    ("AWSLogArchiveViewers", "Read-only access to log archive account"),
    ("AWSAuditAccountAdmins", "Admin rights to cross-account audit account"),
    (
        "AWSAccountFactory",
        "Read-only access to account factory in AWS Service Catalog for end users",
    ),
    ("AWSServiceCatalogAdmins", "Admin rights to account factory in AWS Service Catalog"),
)
IDC_PERMISSION_SETS = (
    (
        "AWSAdministratorAccess",
        "Provides full access to AWS services and resources",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ),
    (
        "AWSPowerUserAccess",
        "Provides full access to AWS services and resources, but does not allow "
        "management of Users and groups",
        "arn:aws:iam::aws:policy/PowerUserAccess",
    ),
    (
        "AWSReadOnlyAccess",
        "This policy grants permissions to view resources and basic metadata across "
        "all AWS services",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ),
    (
        "AWSOrganizationsFullAccess",
        "Provides full access to AWS Organizations",
        "arn:aws:iam::aws:policy/AWSOrganizationsFullAccess",
    ),
    (
        "AWSServiceCatalogAdminFullAccess",
        "Provides full access to AWS Service Catalog admin capabilities",
        "arn:aws:iam::aws:policy/AWSServiceCatalogAdminFullAccess",
    ),
    (
        "AWSServiceCatalogEndUserAccess",
        "Provides access to the AWS Service Catalog end user console",
        "arn:aws:iam::aws:policy/AWSServiceCatalogEndUserFullAccess",
    ),
)
# (group, permission set, shared account role: management / log-archive / audit)
IDC_ASSIGNMENTS = (
    ("AWSControlTowerAdmins", "AWSAdministratorAccess", "management"),
    ("AWSControlTowerAdmins", "AWSOrganizationsFullAccess", "management"),
    ("AWSServiceCatalogAdmins", "AWSServiceCatalogAdminFullAccess", "management"),
    ("AWSAccountFactory", "AWSServiceCatalogEndUserAccess", "management"),
    ("AWSLogArchiveAdmins", "AWSAdministratorAccess", "log-archive"),
    ("AWSLogArchiveViewers", "AWSReadOnlyAccess", "log-archive"),
    ("AWSSecurityAuditors", "AWSReadOnlyAccess", "log-archive"),
    ("AWSSecurityAuditPowerUsers", "AWSPowerUserAccess", "log-archive"),
    ("AWSAuditAccountAdmins", "AWSAdministratorAccess", "audit"),
    ("AWSSecurityAuditors", "AWSReadOnlyAccess", "audit"),
    ("AWSSecurityAuditPowerUsers", "AWSPowerUserAccess", "audit"),
)


def _random(length: int) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


def _trust(principal: dict[str, str]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def _ct_only(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": resources,
        "Condition": {
            "ArnNotLike": {"aws:PrincipalARN": "arn:aws:iam::*:role/AWSControlTowerExecution"}
        },
    }


def guardrails_scp() -> dict[str, Any]:
    """The mandatory preventive controls Control Tower packs into its aws-guardrails-* SCPs."""
    buckets = ["arn:aws:s3:::aws-controltower*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            _ct_only(
                "GRCLOUDTRAILENABLED",
                [
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:PutEventSelectors",
                    "cloudtrail:StopLogging",
                    "cloudtrail:UpdateTrail",
                ],
                ["arn:aws:cloudtrail:*:*:trail/aws-controltower-*"],
            ),
            _ct_only(
                "GRCONFIGENABLED",
                [
                    "config:DeleteConfigurationRecorder",
                    "config:DeleteDeliveryChannel",
                    "config:DeleteRetentionConfiguration",
                    "config:PutConfigurationRecorder",
                    "config:PutDeliveryChannel",
                    "config:PutRetentionConfiguration",
                    "config:StopConfigurationRecorder",
                ],
                ["*"],
            ),
            _ct_only(
                "GRCONFIGRULEPOLICY",
                [
                    "config:PutConfigRule",
                    "config:DeleteConfigRule",
                    "config:DeleteEvaluationResults",
                    "config:DeleteConfigurationAggregator",
                    "config:PutConfigurationAggregator",
                ],
                ["arn:aws:config:*:*:config-rule/aws-controltower-*"],
            ),
            _ct_only(
                "GRCLOUDWATCHEVENTPOLICY",
                [
                    "events:PutRule",
                    "events:PutTargets",
                    "events:RemoveTargets",
                    "events:DisableRule",
                    "events:DeleteRule",
                ],
                ["arn:aws:events:*:*:rule/aws-controltower-*"],
            ),
            _ct_only(
                "GRIAMROLEPOLICY",
                [
                    "iam:AttachRolePolicy",
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                    "iam:PutRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:UpdateRole",
                    "iam:UpdateRoleDescription",
                ],
                [
                    "arn:aws:iam::*:role/aws-controltower-*",
                    "arn:aws:iam::*:role/*AWSControlTower*",
                    "arn:aws:iam::*:role/stacksets-exec-*",
                ],
            ),
            _ct_only(
                "GRLAMBDAFUNCTIONPOLICY",
                [
                    "lambda:AddPermission",
                    "lambda:CreateEventSourceMapping",
                    "lambda:CreateFunction",
                    "lambda:DeleteEventSourceMapping",
                    "lambda:DeleteFunction",
                    "lambda:DeleteFunctionConcurrency",
                    "lambda:PutFunctionConcurrency",
                    "lambda:RemovePermission",
                    "lambda:UpdateEventSourceMapping",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                ],
                ["arn:aws:lambda:*:*:function:aws-controltower-*"],
            ),
            _ct_only(
                "GRSNSTOPICPOLICY",
                [
                    "sns:AddPermission",
                    "sns:CreateTopic",
                    "sns:DeleteTopic",
                    "sns:RemovePermission",
                    "sns:SetTopicAttributes",
                ],
                ["arn:aws:sns:*:*:aws-controltower-*"],
            ),
            _ct_only(
                "GRSNSSUBSCRIPTIONPOLICY",
                ["sns:Subscribe", "sns:Unsubscribe"],
                ["arn:aws:sns:*:*:aws-controltower-SecurityNotifications"],
            ),
            _ct_only(
                "GRLOGGROUPPOLICY",
                ["logs:DeleteLogGroup", "logs:PutRetentionPolicy"],
                ["arn:aws:logs:*:*:log-group:*aws-controltower*"],
            ),
            _ct_only(
                "GRAUDITBUCKETPOLICYCHANGESPROHIBITED",
                ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
                buckets,
            ),
            _ct_only(
                "GRAUDITBUCKETENCRYPTIONCHANGESPROHIBITED",
                ["s3:PutEncryptionConfiguration"],
                buckets,
            ),
            _ct_only(
                "GRAUDITBUCKETLIFECYCLECONFIGURATIONCHANGESPROHIBITED",
                ["s3:PutLifecycleConfiguration"],
                buckets,
            ),
            _ct_only(
                "GRAUDITBUCKETLOGGINGCONFIGURATIONCHANGESPROHIBITED",
                ["s3:PutBucketLogging"],
                buckets,
            ),
            _ct_only(
                "GRCONFIGAGGREGATIONAUTHORIZATIONPOLICY",
                ["config:DeleteAggregationAuthorization", "config:PutAggregationAuthorization"],
                ["arn:aws:config:*:*:aggregation-authorization*"],
            ),
        ],
    }


def scp_count(management: str, target_id: str) -> int:
    """SERVICE_CONTROL_POLICY attachments of an OU (FullAWSAccess included)."""
    backend = motoaccess.organizations(management)
    ou = next((o for o in backend.ou if o.id == target_id), None)
    policies = ou.attached_policies if ou is not None else []
    return sum(1 for p in policies if p.type == "SERVICE_CONTROL_POLICY")


def remove_guardrails_scp(management: str, ou_id: str) -> None:
    """Deregistering an OU removes its mandatory controls: detach and delete the aws-guardrails-* SCP."""
    org = moto_client("organizations", management)
    for policy in org.list_policies_for_target(TargetId=ou_id, Filter="SERVICE_CONTROL_POLICY")[
        "Policies"
    ]:
        if policy["Name"].startswith(SCP_PREFIX) and policy["Description"] == SCP_DESCRIPTION:
            org.detach_policy(PolicyId=policy["Id"], TargetId=ou_id)
            org.delete_policy(PolicyId=policy["Id"])


PREVENTIVE_DESCRIPTION = "AWS Control Tower Guardrails (optional preventive controls)"
# Preventive (SCP) controls by legacy guardrail name; Control Catalog ids of preventive controls
# contain ".PV." (AWS Control Tower Controls Reference Guide).
PREVENTIVE_CONTROLS = frozenset(
    {
        "AWS-GR_RESTRICT_ROOT_USER",
        "AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS",
        "AWS-GR_RESTRICT_S3_CROSS_REGION_REPLICATION",
        "AWS-GR_RESTRICT_S3_DELETE_WITHOUT_MFA",
        "AWS-GR_DISALLOW_CROSS_REGION_NETWORKING",
        "AWS-GR_DISALLOW_VPC_INTERNET_ACCESS",
        "AWS-GR_DISALLOW_VPN_CONNECTIONS",
        "AWS-GR_REGION_DENY",
    }
)


def is_preventive(identifier: str) -> bool:
    name = str(identifier).rsplit("/", 1)[-1]
    return name in PREVENTIVE_CONTROLS or ".PV." in name


def _preventive_scp(management: str, ou_id: str) -> Any:
    backend = motoaccess.organizations(management)
    ou = next((o for o in backend.ou if o.id == ou_id), None)
    policies = ou.attached_policies if ou is not None else []
    return next((p for p in policies if p.description == PREVENTIVE_DESCRIPTION), None)


def preventive_scp_problems(management: str, target: str) -> list[str]:
    """A preventive control is an SCP on the OU: it needs a free SCP slot (5 per OU)."""
    ou_id = target.rsplit("/", 1)[-1]
    if (
        _preventive_scp(management, ou_id) is None
        and scp_count(management, ou_id) >= MAX_SCPS_PER_TARGET
    ):
        return [
            f"AWS Control Tower cannot enable the preventive control on {ou_id}: the OU already has the "
            f"maximum of {MAX_SCPS_PER_TARGET} service control policies attached. Detach a policy from "
            "the OU, then try again."
        ]
    return []


def attach_preventive_scp(management: str, ou_id: str) -> None:
    """The SCP Control Tower keeps the OU's preventive controls in (one per OU here)."""
    if _preventive_scp(management, ou_id) is not None:
        return
    org = moto_client("organizations", management)
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GRRESTRICTROOTUSERACCESSKEYS",
                "Effect": "Deny",
                "Action": "iam:CreateAccessKey",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:*:iam::*:root"]}},
            }
        ],
    }
    policy = org.create_policy(
        Name=SCP_PREFIX + _random(6),
        Description=PREVENTIVE_DESCRIPTION,
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(document, separators=(",", ":")),
    )
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ou_id)


def config_conflicts(manifest: dict[str, Any], accounts: list[str]) -> list[str]:
    """Shared accounts that already have AWS Config resources in a governed region (CT refuses them)."""
    problems = []
    for account in accounts:
        for region in manifest.get("governedRegions") or []:
            config = moto_client("config", account, region)
            recorders = config.describe_configuration_recorders().get("ConfigurationRecorders", [])
            channels = config.describe_delivery_channels().get("DeliveryChannels", [])
            if recorders or channels:
                problems.append(
                    f"account {account} already has an AWS Config configuration recorder or "
                    f"delivery channel in {region}; delete them before setting up the landing zone"
                )
    return problems


def kms_problem(manifest: dict[str, Any], management: str, home: str) -> str | None:
    """Why the manifest's kmsKeyArn cannot be used, or None."""
    arn = ((manifest.get("centralizedLogging") or {}).get("configurations") or {}).get("kmsKeyArn")
    if not arn:
        return None
    parts = str(arn).split(":")
    if len(parts) < 6 or parts[4] != management or parts[3] != home:
        return (
            f"kmsKeyArn {arn} must be a key of the management account {management} in the home "
            f"region {home}"
        )
    try:
        state = moto_client("kms", management, home).describe_key(KeyId=arn)["KeyMetadata"][
            "KeyState"
        ]
    except Exception:
        return f"kmsKeyArn {arn} was not found"
    return None if state == "Enabled" else f"kmsKeyArn {arn} is {state}"


class LandingZoneBuilder:
    """Creates the resources of one landing zone, from its manifest."""

    def __init__(self, management: str, manifest: dict[str, Any], home: str, version: str = "4.0"):
        self.management = management
        self.manifest = manifest
        self.home = home
        self.version = str(version)
        logging = manifest.get("centralizedLogging") or {}
        configurations = logging.get("configurations") or {}
        self.log_archive = str(logging.get("accountId"))
        self.audit = str((manifest.get("securityRoles") or {}).get("accountId"))
        self.regions = list(manifest.get("governedRegions") or [])
        self.kms_arn = configurations.get("kmsKeyArn")
        self.log_days = int((configurations.get("loggingBucket") or {}).get("retentionDays") or 365)
        self.access_days = int(
            (configurations.get("accessLoggingBucket") or {}).get("retentionDays") or 3650
        )
        self.org_id = motoaccess.organizations(management).org.id
        self.logs_bucket = f"aws-controltower-logs-{self.log_archive}-{home}"
        self.access_bucket = f"aws-controltower-s3-access-logs-{self.log_archive}-{home}"

    # ---------------------------------------------------------------- the whole landing zone
    def build(self) -> list[str]:
        """Set up the landing zone; returns the ids of the OUs it governs (Security, Sandbox)."""
        governed = self._foundational_ous()
        self._buckets()
        self._trail()
        for region in self.regions:
            sns = moto_client("sns", self.audit, region)
            sns.create_topic(Name=CONFIG_TOPIC)
            sns.create_topic(Name=SECURITY_TOPIC)
        self._org_aggregator()
        for ou_id in governed:
            self.govern_ou(ou_id)
        if (self.manifest.get("accessManagement") or {}).get("enabled"):
            self._identity_center()
        return governed

    def _foundational_ous(self) -> list[str]:
        """3.x: the Security and Sandbox OUs of organizationStructure (created if missing), the shared
        accounts moved into Security. 4.0 creates and moves nothing: it governs the OU that already
        holds the service integration accounts (key-changes-lz-v4)."""
        backend = motoaccess.organizations(self.management)
        if self.version.split(".")[0] >= "4":
            parents = {
                a.parent_id for a in backend.accounts if a.id in (self.log_archive, self.audit)
            }
            return sorted(parents)
        root = backend.org.root_id
        org = moto_client("organizations", self.management, self.home)
        ids = []
        for key in ("security", "sandbox"):
            name = ((self.manifest.get("organizationStructure") or {}).get(key) or {}).get("name")
            if not name:
                continue
            ou = next((o for o in backend.ou if o.parent_id == root and o.name == name), None)
            ou_id = (
                ou.id
                if ou
                else org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"][
                    "Id"
                ]
            )
            ids.append(ou_id)
            if key == "security":
                for account in backend.accounts:
                    if account.id in (self.log_archive, self.audit) and account.parent_id != ou_id:
                        org.move_account(
                            AccountId=account.id,
                            SourceParentId=account.parent_id,
                            DestinationParentId=ou_id,
                        )
        return ids

    def _buckets(self) -> None:
        from moto.s3.models import s3_backends

        s3 = moto_client("s3", self.log_archive, self.home)
        for bucket, days in (
            (self.access_bucket, self.access_days),
            (self.logs_bucket, self.log_days),
        ):
            params: dict[str, Any] = {"Bucket": bucket}
            if self.home != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": self.home}
            if bucket not in s3_backends.bucket_accounts:
                s3.create_bucket(**params)
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PAB)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            sse: dict[str, Any] = {"SSEAlgorithm": "AES256"}
            if bucket == self.logs_bucket and self.kms_arn:
                sse = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.kms_arn}
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": sse,
                            "BucketKeyEnabled": "KMSMasterKeyID" in sse,
                        }
                    ]
                },
            )
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket,
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": "RetentionRule",
                            "Status": "Enabled",
                            "Filter": {"Prefix": ""},
                            "Expiration": {"Days": days},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": days},
                        }
                    ]
                },
            )
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(self._bucket_policy(bucket)))
        s3.put_bucket_logging(
            Bucket=self.logs_bucket,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": self.access_bucket, "TargetPrefix": ""}
            },
        )

    def _bucket_policy(self, bucket: str) -> dict[str, Any]:
        arn = f"arn:aws:s3:::{bucket}"
        tls = {
            "Sid": "AllowSSLRequestsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        if bucket == self.access_bucket:
            return {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "S3ServerAccessLogsPolicy",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"{arn}/*",
                        "Condition": {
                            "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{self.logs_bucket}"},
                            "StringEquals": {"aws:SourceAccount": self.log_archive},
                        },
                    },
                    tls,
                ],
            }
        org = {"StringEquals": {"aws:SourceOrgID": self.org_id}}
        return {
            "Version": "2012-10-17",
            "Statement": [
                tls,
                {
                    "Sid": "AWSBucketPermissionsCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]},
                    "Action": "s3:GetBucketAcl",
                    "Resource": arn,
                },
                {
                    "Sid": "AWSConfigBucketExistenceCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]},
                    "Action": "s3:ListBucket",
                    "Resource": arn,
                },
                {
                    "Sid": "AWSBucketDeliveryForConfig",
                    "Effect": "Allow",
                    "Principal": {"Service": "config.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/{self.org_id}/AWSLogs/*/*",
                    "Condition": org,
                },
                {
                    "Sid": "AWSBucketDeliveryForOrganizationTrail",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": [
                        f"{arn}/{self.org_id}/AWSLogs/{self.management}/*",
                        f"{arn}/{self.org_id}/AWSLogs/{self.org_id}/*",
                    ],
                    "Condition": org,
                },
            ],
        }

    def _trail(self) -> None:
        logs = moto_client("logs", self.management, self.home)
        if not logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]:
            logs.create_log_group(logGroupName=LOG_GROUP)
        group_arn = f"arn:aws:logs:{self.home}:{self.management}:log-group:{LOG_GROUP}:*"
        trail = moto_client("cloudtrail", self.management, self.home)
        params: dict[str, Any] = {
            "Name": TRAIL,
            "S3BucketName": self.logs_bucket,
            "S3KeyPrefix": self.org_id,
            "IncludeGlobalServiceEvents": True,
            "IsMultiRegionTrail": True,
            "EnableLogFileValidation": True,
            "IsOrganizationTrail": True,
            "CloudWatchLogsLogGroupArn": group_arn,
            "CloudWatchLogsRoleArn": f"arn:aws:iam::{self.management}:role/service-role/"
            "AWSControlTowerCloudTrailRole",
        }
        if self.kms_arn:
            params["KmsKeyId"] = self.kms_arn
        if any(t["Name"] == TRAIL for t in trail.describe_trails()["trailList"]):
            trail.update_trail(**params)
        else:
            trail.create_trail(**params)
        trail.put_event_selectors(
            TrailName=TRAIL,
            EventSelectors=[
                {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}
            ],
        )
        trail.start_logging(Name=TRAIL)

    def _org_aggregator(self) -> None:
        role = (
            f"arn:aws:iam::{self.management}:role/service-role/"
            "AWSControlTowerConfigAggregatorRoleForOrganizations"
        )
        moto_client("config", self.management, self.home).put_configuration_aggregator(
            ConfigurationAggregatorName=ORG_AGGREGATOR,
            OrganizationAggregationSource={"RoleArn": role, "AllAwsRegions": True},
        )

    # ---------------------------------------------------------------- OUs and accounts
    def govern_ou(self, ou_id: str) -> None:
        """Attach Control Tower's SCP to the OU and enroll the accounts directly in it."""
        org = moto_client("organizations", self.management, self.home)
        existing = [
            p
            for p in org.list_policies_for_target(TargetId=ou_id, Filter="SERVICE_CONTROL_POLICY")[
                "Policies"
            ]
            if p["Name"].startswith(SCP_PREFIX)
        ]
        if not existing:
            policy = org.create_policy(
                Name=SCP_PREFIX + _random(6),
                Description=SCP_DESCRIPTION,
                Type="SERVICE_CONTROL_POLICY",
                Content=json.dumps(guardrails_scp(), separators=(",", ":")),
            )
            org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ou_id)
        backend = motoaccess.organizations(self.management)
        for account in backend.accounts:
            if account.parent_id == ou_id and account.id != self.management:
                self.enroll(account.id)
        self._audit_aggregator()

    def enroll(self, account: str) -> None:
        """The baseline of an enrolled account: execution role and AWS Config in every governed region."""
        iam = moto_client("iam", account)
        existing = {r["RoleName"] for r in iam.list_roles()["Roles"]}
        if EXECUTION_ROLE not in existing:
            iam.create_role(
                RoleName=EXECUTION_ROLE,
                AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{self.management}:root"}),
            )
            iam.attach_role_policy(
                RoleName=EXECUTION_ROLE, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
            )
        if CONFIG_ROLE not in existing:
            iam.create_role(
                RoleName=CONFIG_ROLE,
                AssumeRolePolicyDocument=_trust({"Service": "config.amazonaws.com"}),
            )
            iam.attach_role_policy(
                RoleName=CONFIG_ROLE,
                PolicyArn="arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
            )
        for region in self.regions:
            config = moto_client("config", account, region)
            if config.describe_configuration_recorders().get("ConfigurationRecorders"):
                continue  # an account with its own recorder keeps it (no second recorder per region)
            config.put_configuration_recorder(
                ConfigurationRecorder={
                    "name": RECORDER,
                    "roleARN": f"arn:aws:iam::{account}:role/{CONFIG_ROLE}",
                    "recordingGroup": {
                        "allSupported": True,
                        "includeGlobalResourceTypes": region == self.home,
                    },
                }
            )
            channel: dict[str, Any] = {
                "name": CHANNEL,
                "s3BucketName": self.logs_bucket,
                "s3KeyPrefix": self.org_id,
                "snsTopicARN": f"arn:aws:sns:{region}:{self.audit}:{CONFIG_TOPIC}",
                "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"},
            }
            if self.kms_arn:
                channel["s3KmsKeyArn"] = self.kms_arn
            config.put_delivery_channel(DeliveryChannel=channel)
            config.start_configuration_recorder(ConfigurationRecorderName=RECORDER)

    def _audit_aggregator(self) -> None:
        enrolled = sorted(
            a
            for a in motoaccess.known_accounts(self.management)
            if a != self.management
            and EXECUTION_ROLE in {r.name for r in motoaccess.iam(a).roles.values()}
        )
        if enrolled:
            moto_client("config", self.audit, self.home).put_configuration_aggregator(
                ConfigurationAggregatorName=AUDIT_AGGREGATOR,
                AccountAggregationSources=[{"AccountIds": enrolled, "AllAwsRegions": True}],
            )

    # ---------------------------------------------------------------- access management
    def _identity_center(self) -> None:
        admin = moto_client("sso-admin", self.management, self.home)
        instances = admin.list_instances().get("Instances", [])
        if not instances:
            return
        instance, store_id = instances[0]["InstanceArn"], instances[0]["IdentityStoreId"]
        store = moto_client("identitystore", self.management, self.home)
        groups = {
            g["DisplayName"]: g["GroupId"]
            for g in store.list_groups(IdentityStoreId=store_id)["Groups"]
        }
        for name, description in IDC_GROUPS:
            if name not in groups:
                groups[name] = store.create_group(
                    IdentityStoreId=store_id, DisplayName=name, Description=description
                )["GroupId"]
        sets = {}
        for arn in admin.list_permission_sets(InstanceArn=instance)["PermissionSets"]:
            described = admin.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)
            sets[described["PermissionSet"]["Name"]] = arn
        for name, description, policy in IDC_PERMISSION_SETS:
            if name in sets:
                continue
            arn = admin.create_permission_set(
                InstanceArn=instance, Name=name, Description=description, SessionDuration="PT1H"
            )["PermissionSet"]["PermissionSetArn"]
            admin.attach_managed_policy_to_permission_set(
                InstanceArn=instance, PermissionSetArn=arn, ManagedPolicyArn=policy
            )
            sets[name] = arn
        accounts = {
            "management": self.management,
            "log-archive": self.log_archive,
            "audit": self.audit,
        }
        for group, permission_set, target in IDC_ASSIGNMENTS:
            current = admin.list_account_assignments(
                InstanceArn=instance,
                AccountId=accounts[target],
                PermissionSetArn=sets[permission_set],
            )
            if any(a["PrincipalId"] == groups[group] for a in current["AccountAssignments"]):
                continue
            admin.create_account_assignment(
                InstanceArn=instance,
                TargetId=accounts[target],
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=sets[permission_set],
                PrincipalType="GROUP",
                PrincipalId=groups[group],
            )
