"""The typed profile: frozen dataclasses, each field carrying the rule it is checked by.

Steps read a loaded profile through these attributes
(`ctx.profile.log_archive.retention_days`); validation (validation.py) and the
docs' field reference (reference.py) walk the same classes, so what is checked,
what is documented and what steps read cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bootstrap_tui.frameworks import FRAMEWORKS
from bootstrap_tui.profile.rules import (
    Bool,
    Either,
    Enum,
    Int,
    List,
    Section,
    Table,
    Text,
    rule,
    rule_fields,
)

LOG_ARCHIVE_KEY = "log-archive"
AUDIT_KEY = "audit"
MANAGEMENT_KEY = "management"
MAX_OU_DEPTH = 5
CT_MAX_RETENTION_DAYS = 5475  # Control Tower loggingBucket retentionDays: at most 15 years
MOVED = {
    "control_tower.log_retention_days": "log_archive.retention_days"
}  # one retention on both paths
KNOWN_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "cn-north-1",
    "cn-northwest-1",
)
KEBAB = r"[a-z0-9]+(-[a-z0-9]+)*"

REGION = Text(
    "AWS region code.",
    pattern=r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}",
    expected="an AWS region code such as us-east-1",
    max_len=30,
    suggest=KNOWN_REGIONS,
)
OU_PATH = Text(
    "OU path from the OU tree.",
    pattern=r"[^/\s][^/]*(/[^/\s][^/]*)*",
    expected="an OU path from organization.ous such as Workloads/Prod",
    max_len=700,
)
ACCOUNT_KEY = Text(
    "Account key.", pattern=KEBAB, expected="a kebab-case key such as log-archive", max_len=40
)
NAME = Text(
    "Name.",
    pattern=r"[A-Za-z0-9][A-Za-z0-9 ._+=,@-]*",
    expected="a name of letters, digits, spaces and . _ + = , @ -",
    max_len=64,
)
ROLE_NAME = Text("Role name.", pattern=r"[\w+=,.@-]+", expected="an IAM role name", max_len=64)
PERMISSION_SET_NAME = Text(
    "Permission set name (AWS limit: 32 characters).",
    pattern=r"[\w+=,.@-]+",
    expected="1-32 of letters, digits and _+=,.@-",
    max_len=32,
)
POLICY_ARN = Text(
    "IAM managed policy ARN.",
    pattern=r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+",
    expected="an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess",
    max_len=2048,
)
CONTROL_ID = Text(
    "Control Tower control.",
    pattern=(
        r"AWS-GR_[A-Z0-9_]+|CT\.[A-Z0-9]+\.(PR|PV|SV)\.\d+|SH\.[A-Za-z0-9]+\.\d+"
        r"|arn:aws[a-z-]*:(controltower:[a-z0-9-]+::control/[A-Za-z0-9_-]+"
        r"|controlcatalog:::control/[a-z0-9]+)"
    ),
    expected="a control identifier such as AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS, CT.S3.PR.1 "
    "or a control ARN",
    max_len=2048,
)
SCP_ID = Text(
    "SCP id: the file name of profiles/scps/<id>.json.",
    pattern=KEBAB,
    expected="a kebab-case SCP id such as deny-leave-org",
    max_len=64,
)


# ------------------------------------------------------------------ organization


@dataclass(frozen=True, kw_only=True)
class OU:
    """An organizational unit; `children` nests OUs (at most 5 levels)."""

    name: str = rule(
        Text(
            "OU name (unique among its siblings).",
            pattern=r"[A-Za-z0-9][A-Za-z0-9 ._-]*",
            expected="an OU name of letters, digits, spaces and . _ -",
            max_len=128,
        )
    )
    children: tuple[OU, ...] = rule(List("Child OUs.", Section("An OU.", "OU")), default=[])


@dataclass(frozen=True, kw_only=True)
class Organization:
    ous: tuple[OU, ...] = rule(
        List(
            "The OU tree under Root. Accounts and policies refer to OUs by path "
            "(e.g. Workloads/Prod).",
            Section("An organizational unit; `children` nests OUs (at most 5 levels).", OU),
            min_items=1,
            unique=False,
        )
    )
    trusted_access: tuple[str, ...] = rule(
        List(
            "Service principals granted trusted access to the organization.",
            Text(
                "Service principal.",
                pattern=r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com",
                expected="a service principal such as sso.amazonaws.com",
                max_len=128,
            ),
        ),
        default=[],
    )


@dataclass(frozen=True)
class AccountSpec:
    """One account of the profile; its email is built from the answers."""

    key: str = rule(ACCOUNT_KEY.but("Stable key steps use to find the account."))
    name: str = rule(NAME.but("Account name shown in AWS."))
    ou: str = rule(OU_PATH.but("OU the account is placed in."))
    email_local: str = rule(
        Text(
            "Local part of the account's root email (before @ or +).",
            pattern=r"[a-z0-9][a-z0-9._+-]*",
            expected="lowercase letters, digits and . _ + -",
            max_len=64,
        )
    )


@dataclass(frozen=True, kw_only=True)
class AuditRole:
    name: str = rule(ROLE_NAME, default="bootstrap-tui-audit")
    trusted: tuple[str, ...] = rule(
        List(
            "Principals allowed to assume it (e.g. your CI role's ARN); empty means the "
            "management account.",
            Text(
                "Principal ARN.",
                pattern=r"arn:aws[a-z-]*:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)",
                expected="an IAM role, user or account root ARN",
                max_len=2048,
            ),
        ),
        default=[],
    )
    external_id: str | None = rule(
        Text(
            "sts:ExternalId the caller must present (optional).",
            pattern=r"[\w+=,.@:/-]{2,1224}",
            expected="2-1224 of letters, digits and _+=,.@:/-",
            max_len=1224,
        ),
        default=None,
    )


# ------------------------------------------------------------------ landing zone


@dataclass(frozen=True, kw_only=True)
class ControlTower:
    enabled: bool = rule(Bool("Use Control Tower."))
    version: str = rule(
        Text(
            "Landing zone version.",
            pattern=r"\d+\.\d+",
            expected='a landing zone version such as "3.3"',
            max_len=10,
        )
    )
    access_log_retention_days: int = rule(
        Int("Retention of S3 access logs of the log bucket.", 1, 5475)
    )
    kms: bool = rule(Bool("Encrypt landing zone logs with a customer-managed KMS key."))
    access_management: bool = rule(Bool("Let Control Tower set up IAM Identity Center access."))
    register_ous: tuple[str, ...] = rule(
        List("OUs Control Tower registers (governs).", OU_PATH), default=[]
    )
    controls: tuple[str, ...] = rule(
        List("Optional controls enabled on every registered OU.", CONTROL_ID), default=[]
    )


# ------------------------------------------------------------------ identity center


@dataclass(frozen=True, kw_only=True)
class Group:
    name: str = rule(NAME.but("Group name."))
    description: str = rule(Text("What the group is for.", max_len=1024), default="")


@dataclass(frozen=True, kw_only=True)
class PermissionSet:
    name: str = rule(PERMISSION_SET_NAME)
    description: str = rule(Text("What it allows.", max_len=700), default="")
    managed_policies: tuple[str, ...] = rule(
        List("AWS or customer managed policies attached.", POLICY_ARN, min_items=1, max_items=20)
    )
    session_hours: int = rule(Int("Session length of the role in each account.", 1, 12))


@dataclass(frozen=True, kw_only=True)
class Assignment:
    group: str = rule(NAME.but("A group name from identity_center.groups."))
    permission_set: str = rule(
        PERMISSION_SET_NAME.but("A name from identity_center.permission_sets.")
    )
    accounts: str | tuple[str, ...] = rule(
        Either(
            "`all` (every account, management included) or a list of account keys "
            "(`management` is the management account).",
            (
                Enum("Every account.", ("all",)),
                List("Account keys.", ACCOUNT_KEY, min_items=1),
            ),
        )
    )


@dataclass(frozen=True, kw_only=True)
class IdentityCenter:
    session_limit_hours: int = rule(Int("Access portal session length.", 1, 168))
    groups: tuple[Group, ...] = rule(
        List(
            "Groups created in the Identity Center directory.",
            Section("A group.", Group),
            unique=False,
        )
    )
    permission_sets: tuple[PermissionSet, ...] = rule(
        List("Permission sets.", Section("A permission set.", PermissionSet), unique=False)
    )
    assignments: tuple[Assignment, ...] = rule(
        List(
            "Which group gets which permission set in which accounts.",
            Section("An assignment.", Assignment),
            unique=False,
        )
    )


# ------------------------------------------------------------------ logs and guardrails


@dataclass(frozen=True, kw_only=True)
class FlowLogs:
    enabled: bool = rule(Bool("Create a flow log for every VPC."), default=False)
    traffic_type: str = rule(
        Enum("Traffic recorded: ALL, ACCEPT or REJECT.", ("ALL", "ACCEPT", "REJECT")),
        default="ALL",
    )


@dataclass(frozen=True, kw_only=True)
class LogArchive:
    retention_days: int = rule(Int("Days logs are kept before deletion.", 1, 36500))
    object_lock_days: int = rule(
        Int(
            "Days each log object is locked against deletion (0 turns Object Lock off).",
            0,
            36500,
        )
    )
    object_lock_mode: str = rule(
        Enum(
            "Object Lock mode of the trail bucket without Control Tower. "
            "COMPLIANCE: no one, root included, can delete a locked log or the bucket "
            "before the lock ends, and the mode can never be weakened (applying it needs "
            "--confirm-destructive log-archive). GOVERNANCE: principals allowed "
            "s3:BypassGovernanceRetention can still delete locked logs.",
            ("GOVERNANCE", "COMPLIANCE"),
        ),
        default="COMPLIANCE",
    )
    flow_logs: FlowLogs = rule(
        Section(
            "VPC flow logs of every VPC in every account and governed region, delivered "
            "to a flow-log bucket in the Log Archive account (absent: off).",
            FlowLogs,
        ),
        default={},
    )
    transition_to_glacier_days: int | None = rule(
        Int(
            "No longer used (accepted so older profiles load): S3 does not "
            "transition objects under 128 KB by default and CloudTrail's log "
            "files are smaller, so the trail bucket has no Glacier transition.",
            1,
            36500,
        ),
        default=None,
    )


@dataclass(frozen=True, kw_only=True)
class PasswordPolicy:
    min_length: int = rule(Int("Minimum password length.", 14, 128))
    require_symbols: bool = rule(Bool("Require a symbol."))
    require_numbers: bool = rule(Bool("Require a digit."))
    require_uppercase: bool = rule(Bool("Require an uppercase letter."))
    require_lowercase: bool = rule(Bool("Require a lowercase letter."))
    reuse_prevention: int = rule(Int("Previous passwords that cannot be reused.", 1, 24))
    max_age_days: int = rule(Int("Days before a password expires (0 = never).", 0, 1095))
    allow_users_to_change: bool = rule(Bool("Users may change their own password."))


@dataclass(frozen=True, kw_only=True)
class Guardrails:
    scps: tuple[str, ...] = rule(
        List("Service control policies (profiles/scps/<id>.json).", SCP_ID)
    )
    scp_targets: dict[str, tuple[str, ...]] = rule(
        Table(
            "Where each SCP is attached; SCPs not listed attach to every "
            "top-level OU. Use Root for the organization root.",
            SCP_ID,
            List("OU paths (or Root).", OU_PATH, min_items=1),
        ),
        default={},
    )
    allowed_regions: tuple[str, ...] = rule(
        List(
            "Regions the region-deny SCP allows; must include every governed region.",
            REGION,
            min_items=1,
            max_items=40,
        )
    )
    password_policy: PasswordPolicy = rule(
        Section("IAM password policy set in every account.", PasswordPolicy)
    )
    ebs_encryption: bool = rule(Bool("Turn on EBS encryption by default in every governed region."))
    s3_public_access_block: bool = rule(Bool("Block S3 public access at account level."))
    remove_default_vpcs: bool = rule(Bool("Delete default VPCs (only when empty)."))
    root_access_management: bool = rule(
        Bool("Centralize root access (remove member root credentials).")
    )


# ------------------------------------------------------------------ security services


@dataclass(frozen=True, kw_only=True)
class GuardDuty:
    enabled: bool = rule(Bool("Enable GuardDuty."))
    auto_enable: bool = rule(Bool("Enable it automatically in new accounts."))


@dataclass(frozen=True, kw_only=True)
class SecurityHub:
    enabled: bool = rule(Bool("Enable Security Hub (needs AWS Config)."))
    standards: tuple[str, ...] = rule(
        List(
            "Security Hub standards.",
            Text(
                "Standard.",
                pattern=r"(ruleset/)?[a-z0-9][a-z0-9-]*/v/\d+\.\d+\.\d+",
                expected="a standard such as aws-foundational-security-best-practices/v/1.0.0",
                max_len=128,
            ),
        )
    )
    aggregator: bool = rule(
        Bool("Aggregate findings from all governed regions in the home region.")
    )


@dataclass(frozen=True, kw_only=True)
class ConfigService:
    enabled: bool = rule(
        Bool("Record resource configuration in every account and governed region.")
    )
    aggregator: bool = rule(Bool("Organization-wide aggregator in the Audit account."))


@dataclass(frozen=True, kw_only=True)
class AccessAnalyzer:
    enabled: bool = rule(Bool("Organization-wide external access analyzer."))


@dataclass(frozen=True, kw_only=True)
class Budget:
    monthly_usd: int = rule(Int("Monthly budget in US dollars.", 1, 10_000_000))
    thresholds_percent: tuple[int, ...] = rule(
        List(
            "Alert thresholds, percent of the budget.",
            Int("Percent.", 1, 1000),
            min_items=1,
            max_items=10,
        )
    )


@dataclass(frozen=True, kw_only=True)
class Inspector:
    enabled: bool = rule(
        Bool("Scan every account and governed region, administered from Audit."), default=False
    )
    scan_types: tuple[str, ...] = rule(
        List(
            "Resource types scanned, and auto-enabled for new member accounts.",
            Enum("A scan type.", ("EC2", "ECR", "LAMBDA", "LAMBDA_CODE")),
            min_items=1,
            max_items=4,
        ),
        default=["EC2", "ECR"],
    )


@dataclass(frozen=True, kw_only=True)
class Backup:
    enabled: bool = rule(
        Bool("Back up the workload accounts with an organization backup policy (AWS Backup)."),
        default=False,
    )
    target_ous: tuple[str, ...] = rule(
        List(
            "Workload OUs the backup policy attaches to; their accounts get the vault.",
            OU_PATH,
            min_items=1,
            max_items=20,
        ),
        default=["Workloads"],
    )
    tag_key: str = rule(
        Text(
            "Tag key that selects the resources to back up.",
            pattern=r"[\w.:/=+@ -]+",
            expected="a tag key such as backup",
            max_len=128,
        ),
        default="backup",
    )
    tag_value: str = rule(
        Text(
            "Tag value that selects the resources to back up.",
            pattern=r"[\w.:/=+@ -]+",
            expected="a tag value such as true",
            max_len=256,
        ),
        default="true",
    )
    daily_retention_days: int = rule(Int("Days each daily backup is kept.", 1, 36500), default=35)
    monthly_retention_days: int = rule(
        Int("Days each monthly backup is kept (0: no monthly backup).", 0, 36500), default=365
    )
    vault_lock: str = rule(
        Enum(
            "Vault Lock of each backup vault. NONE: no lock. GOVERNANCE: recovery points "
            "keep the retention range, but principals with backup:DeleteBackupVaultLockConfiguration "
            "can remove the lock. COMPLIANCE: after a 3-day grace time no one, root included, "
            "can shorten a recovery point's retention or remove the lock (applying it needs "
            "--confirm-destructive security-services).",
            ("NONE", "GOVERNANCE", "COMPLIANCE"),
        ),
        default="GOVERNANCE",
    )
    job_lookback_days: int = rule(
        Int("Days of backup jobs the backup-jobs check reads.", 1, 90), default=7
    )


@dataclass(frozen=True, kw_only=True)
class SecurityServices:
    guardduty: GuardDuty = rule(Section("Amazon GuardDuty.", GuardDuty))
    securityhub: SecurityHub = rule(Section("AWS Security Hub.", SecurityHub))
    config: ConfigService = rule(Section("AWS Config.", ConfigService))
    access_analyzer: AccessAnalyzer = rule(Section("IAM Access Analyzer.", AccessAnalyzer))
    budget: Budget = rule(Section("Monthly cost budget with email alerts.", Budget))
    inspector: Inspector = rule(
        Section("Amazon Inspector, organization-wide (absent: off).", Inspector), default={}
    )
    backup: Backup = rule(
        Section(
            "AWS Backup, organization-wide: a backup policy on the workload OUs, a vault in "
            "each of their accounts and governed regions (absent: off).",
            Backup,
        ),
        default={},
    )


# ------------------------------------------------------------------ the profile


@dataclass(frozen=True, kw_only=True)
class Profile:
    """A validated baseline profile (read-only); `path` is the file it came from."""

    name: str = rule(
        Text(
            "Profile name (kebab-case); shown in the wizard and stored in the state file.",
            pattern=KEBAB,
            expected="a kebab-case name such as my-baseline",
            max_len=64,
        )
    )
    description: str = rule(Text("One line shown in the wizard's profile picker.", max_len=200))
    extends: str | None = rule(
        Text(
            "Built-in profile to start from; this file's values override it "
            "(mappings merge, lists replace).",
            pattern=KEBAB,
            expected="a built-in profile name such as startup-minimal",
            max_len=64,
        ),
        default=None,
    )
    frameworks: tuple[str, ...] = rule(
        List(
            "Frameworks that verify and export report against.",
            Enum("Framework id.", tuple(FRAMEWORKS)),
            min_items=1,
        )
    )
    home_region: str = rule(
        REGION.but(
            "Region of the landing zone, Identity Center and aggregators; "
            "must be one of governed_regions."
        )
    )
    governed_regions: tuple[str, ...] = rule(
        List(
            "Regions where the baseline is enforced and verified.",
            REGION,
            min_items=1,
            max_items=40,
        )
    )
    automation_role: str = rule(
        ROLE_NAME.but("Role assumed in member accounts."), default="OrganizationAccountAccessRole"
    )
    audit_role: AuditRole = rule(
        Section(
            "The read-only role verify assumes in member accounts (created by the accounts step).",
            AuditRole,
        ),
        default={},
    )
    organization: Organization = rule(Section("AWS Organizations settings.", Organization))
    accounts: tuple[AccountSpec, ...] = rule(
        List(
            "Member accounts to create. Emails are built from the answered domain and "
            "email_local; log-archive and audit are required.",
            Section("An account.", AccountSpec),
            min_items=2,
            max_items=1000,
            unique=False,
        )
    )
    control_tower: ControlTower = rule(
        Section(
            "AWS Control Tower landing zone. When disabled, the tool builds the "
            "equivalent itself (organization trail, Config, log bucket).",
            ControlTower,
        )
    )
    identity_center: IdentityCenter = rule(
        Section("IAM Identity Center: groups, permission sets, assignments.", IdentityCenter)
    )
    log_archive: LogArchive = rule(
        Section("The central, immutable log bucket in the Log Archive account.", LogArchive)
    )
    guardrails: Guardrails = rule(Section("Preventive policies for every account.", Guardrails))
    security_services: SecurityServices = rule(
        Section("Detective services, delegated to the Audit account.", SecurityServices)
    )
    path: Path | None = dataclasses.field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"Profile({self.name!r}, path={str(self.path) if self.path else None!r})"

    @property
    def control_tower_enabled(self) -> bool:
        return self.control_tower.enabled

    def ous(self) -> list[str]:
        """Every OU path, parents before children ("Workloads", "Workloads/Prod", ...)."""
        out: list[str] = []

        def walk(items: tuple[OU, ...], prefix: str) -> None:
            for ou in items:
                full = f"{prefix}/{ou.name}" if prefix else ou.name
                out.append(full)
                walk(ou.children, full)

        walk(self.organization.ous, "")
        return out

    def account(self, key: str) -> AccountSpec | None:
        """The account with this key, or None."""
        return next((a for a in self.accounts if a.key == key), None)

    def scp_targets(self) -> dict[str, list[str]]:
        """Each SCP id -> OU paths (or "Root") it attaches to; default: every top-level OU."""
        explicit = self.guardrails.scp_targets
        tops = [ou.name for ou in self.organization.ous]
        return {scp: list(explicit.get(scp, tops)) for scp in self.guardrails.scps}

    @property
    def data(self) -> dict[str, Any]:
        """The profile as plain YAML data (mappings and lists), e.g. to write a variant."""
        return to_data(self)


def model_class(of: type | str) -> type:
    """The model class a Section names (by class, or by name for the recursive OU)."""
    return of if isinstance(of, type) else globals()[of]


def to_data(value: Any) -> Any:
    """Model objects as plain mappings and lists, loadable again: unset optional fields and
    empty default texts are left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for field in rule_fields(type(value)):
            item = getattr(value, field.name)
            if item is not None and item != "":
                out[field.name] = to_data(item)
        return out
    if isinstance(value, (tuple, list)):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {key: to_data(item) for key, item in value.items()}
    return value
