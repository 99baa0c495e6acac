"""Baseline profiles: the YAML files that say what "a compliant organization" means.

A profile fixes the organization's shape and policy (OU tree, accounts, Control
Tower, Identity Center, log retention, guardrails, security services, budget,
frameworks). Answers specific to one company (names, domain, emails) are not in
a profile; the wizard asks for them and keeps them in the state file.

Built-in profiles live in profiles/*.yaml. A custom profile is any YAML file;
it may start from a built-in with `extends: <name>` (mappings merge deeply,
lists and values replace). Every problem is reported as
"FILE:LINE: field.path: problem — expected ...".
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from collections.abc import Iterator

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.resources import data_dir
from bootstrap_tui.yamlio import Lines, index_path, key_path, load_with_lines, read_file

BUILTIN_ORDER = ("startup-minimal", "soc2", "iso27001", "pci-dss")
FRAMEWORKS = ("cis-aws-3.0", "soc2", "iso27001-2022", "pci-dss-4.0", "aws-ssb")
LOG_ARCHIVE_KEY = "log-archive"
AUDIT_KEY = "audit"
MANAGEMENT_KEY = "management"
MAX_OU_DEPTH = 5
CT_MAX_RETENTION_DAYS = 5475  # Control Tower loggingBucket retentionDays: at most 15 years
MOVED = {
    "control_tower.log_retention_days": "log_archive.retention_days"
}  # one retention on both paths
MAX_ERRORS_SHOWN = 25
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
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_KEBAB = r"[a-z0-9]+(-[a-z0-9]+)*"


# ------------------------------------------------------------------ schema language


def Text(
    doc: str,
    *,
    pattern: str | None = None,
    expected: str = "text",
    max_len: int = 200,
    suggest: tuple[str, ...] = (),
    default: Any = None,
) -> dict[str, Any]:
    """A text field; `pattern` must match the whole value."""
    return {
        "type": "str",
        "doc": doc,
        "pattern": pattern,
        "expected": expected,
        "max_len": max_len,
        "suggest": suggest,
        "default": default,
    }


def Int(doc: str, lo: int, hi: int, default: Any = None) -> dict[str, Any]:
    return {"type": "int", "doc": doc, "min": lo, "max": hi, "default": default}


def Bool(doc: str, default: Any = None) -> dict[str, Any]:
    return {"type": "bool", "doc": doc, "default": default}


def Enum(doc: str, values: tuple[str, ...], default: Any = None) -> dict[str, Any]:
    return {"type": "enum", "doc": doc, "values": values, "default": default}


def List(
    doc: str,
    items: dict[str, Any],
    *,
    min_items: int = 0,
    max_items: int = 500,
    unique: bool = True,
    default: Any = None,
) -> dict[str, Any]:
    return {
        "type": "list",
        "doc": doc,
        "items": items,
        "min_items": min_items,
        "max_items": max_items,
        "unique": unique,
        "default": default,
    }


def Map(
    doc: str, fields: dict[str, dict[str, Any]], required: tuple[str, ...] = (), default: Any = None
) -> dict[str, Any]:
    """A mapping with a fixed set of fields; `required` ones must be present."""
    return {"type": "map", "doc": doc, "fields": fields, "required": required, "default": default}


def Table(
    doc: str, key: dict[str, Any], values: dict[str, Any], default: Any = None
) -> dict[str, Any]:
    """A mapping whose keys are data (e.g. SCP id -> OU paths)."""
    return {"type": "table", "doc": doc, "key": key, "values": values, "default": default}


def Either(doc: str, *options: dict[str, Any], default: Any = None) -> dict[str, Any]:
    return {"type": "either", "doc": doc, "options": options, "default": default}


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
    "Account key.", pattern=_KEBAB, expected="a kebab-case key such as log-archive", max_len=40
)
NAME = Text(
    "Name.",
    pattern=r"[A-Za-z0-9][A-Za-z0-9 ._+=,@-]*",
    expected="a name of letters, digits, spaces and . _ + = , @ -",
    max_len=64,
)
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
    pattern=_KEBAB,
    expected="a kebab-case SCP id such as deny-leave-org",
    max_len=64,
)

OU_SPEC = Map(
    "An organizational unit; `children` nests OUs (at most 5 levels).",
    {
        "name": Text(
            "OU name (unique among its siblings).",
            pattern=r"[A-Za-z0-9][A-Za-z0-9 ._-]*",
            expected="an OU name of letters, digits, spaces and . _ -",
            max_len=128,
        ),
        "children": List("Child OUs.", {}, default=[]),
    },
    required=("name",),
)
OU_SPEC["fields"]["children"]["items"] = OU_SPEC

SCHEMA: dict[str, Any] = Map(
    "A baseline profile.",
    {
        "name": Text(
            "Profile name (kebab-case); shown in the wizard and stored in the state file.",
            pattern=_KEBAB,
            expected="a kebab-case name such as my-baseline",
            max_len=64,
        ),
        "description": Text("One line shown in the wizard's profile picker.", max_len=200),
        "extends": Text(
            "Built-in profile to start from; this file's values override it "
            "(mappings merge, lists replace).",
            pattern=_KEBAB,
            expected="a built-in profile name such as startup-minimal",
            max_len=64,
        ),
        "frameworks": List(
            "Frameworks that verify and export report against.",
            Enum("Framework id.", FRAMEWORKS),
            min_items=1,
        ),
        "home_region": REGION
        | {
            "doc": "Region of the landing zone, Identity Center and aggregators; "
            "must be one of governed_regions."
        },
        "governed_regions": List(
            "Regions where the baseline is enforced and verified.",
            REGION,
            min_items=1,
            max_items=40,
        ),
        "automation_role": Text(
            "Role assumed in member accounts.",
            pattern=r"[\w+=,.@-]+",
            expected="an IAM role name",
            max_len=64,
            default="OrganizationAccountAccessRole",
        ),
        "audit_role": Map(
            "The read-only role verify assumes in member accounts (created by the accounts step).",
            {
                "name": Text(
                    "Role name.",
                    pattern=r"[\w+=,.@-]+",
                    expected="an IAM role name",
                    max_len=64,
                    default="bootstrap-tui-audit",
                ),
                "trusted": List(
                    "Principals allowed to assume it (e.g. your CI role's ARN); empty means the "
                    "management account.",
                    Text(
                        "Principal ARN.",
                        pattern=r"arn:aws[a-z-]*:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)",
                        expected="an IAM role, user or account root ARN",
                        max_len=2048,
                    ),
                    default=[],
                ),
                "external_id": Text(
                    "sts:ExternalId the caller must present (optional).",
                    pattern=r"[\w+=,.@:/-]{2,1224}",
                    expected="2-1224 of letters, digits and _+=,.@:/-",
                    max_len=1224,
                ),
            },
            default={},
        ),
        "organization": Map(
            "AWS Organizations settings.",
            {
                "ous": List(
                    "The OU tree under Root. Accounts and policies refer to OUs by path "
                    "(e.g. Workloads/Prod).",
                    OU_SPEC,
                    min_items=1,
                    unique=False,
                ),
                "trusted_access": List(
                    "Service principals granted trusted access to the organization.",
                    Text(
                        "Service principal.",
                        pattern=r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com",
                        expected="a service principal such as sso.amazonaws.com",
                        max_len=128,
                    ),
                    default=[],
                ),
            },
            required=("ous",),
        ),
        "accounts": List(
            "Member accounts to create. Emails are built from the answered domain and "
            "email_local; log-archive and audit are required.",
            Map(
                "An account.",
                {
                    "key": ACCOUNT_KEY | {"doc": "Stable key steps use to find the account."},
                    "name": NAME | {"doc": "Account name shown in AWS."},
                    "ou": OU_PATH | {"doc": "OU the account is placed in."},
                    "email_local": Text(
                        "Local part of the account's root email (before @ or +).",
                        pattern=r"[a-z0-9][a-z0-9._+-]*",
                        expected="lowercase letters, digits and . _ + -",
                        max_len=64,
                    ),
                },
                required=("key", "name", "ou", "email_local"),
            ),
            min_items=2,
            max_items=100,
            unique=False,
        ),
        "control_tower": Map(
            "AWS Control Tower landing zone. When disabled, the tool builds the "
            "equivalent itself (organization trail, Config, log bucket).",
            {
                "enabled": Bool("Use Control Tower."),
                "version": Text(
                    "Landing zone version.",
                    pattern=r"\d+\.\d+",
                    expected='a landing zone version such as "3.3"',
                    max_len=10,
                ),
                "access_log_retention_days": Int(
                    "Retention of S3 access logs of the log bucket.", 1, 5475
                ),
                "kms": Bool("Encrypt landing zone logs with a customer-managed KMS key."),
                "access_management": Bool("Let Control Tower set up IAM Identity Center access."),
                "register_ous": List("OUs Control Tower registers (governs).", OU_PATH, default=[]),
                "controls": List(
                    "Optional controls enabled on every registered OU.", CONTROL_ID, default=[]
                ),
            },
            required=(
                "enabled",
                "version",
                "access_log_retention_days",
                "kms",
                "access_management",
            ),
        ),
        "identity_center": Map(
            "IAM Identity Center: groups, permission sets, assignments.",
            {
                "session_limit_hours": Int("Access portal session length.", 1, 168),
                "groups": List(
                    "Groups created in the Identity Center directory.",
                    Map(
                        "A group.",
                        {
                            "name": NAME | {"doc": "Group name."},
                            "description": Text("What the group is for.", max_len=1024, default=""),
                        },
                        required=("name",),
                    ),
                    unique=False,
                ),
                "permission_sets": List(
                    "Permission sets.",
                    Map(
                        "A permission set.",
                        {
                            "name": PERMISSION_SET_NAME,
                            "description": Text("What it allows.", max_len=700, default=""),
                            "managed_policies": List(
                                "AWS or customer managed policies attached.",
                                POLICY_ARN,
                                min_items=1,
                                max_items=20,
                            ),
                            "session_hours": Int(
                                "Session length of the role in each account.", 1, 12
                            ),
                        },
                        required=("name", "managed_policies", "session_hours"),
                    ),
                    unique=False,
                ),
                "assignments": List(
                    "Which group gets which permission set in which accounts.",
                    Map(
                        "An assignment.",
                        {
                            "group": NAME | {"doc": "A group name from identity_center.groups."},
                            "permission_set": PERMISSION_SET_NAME
                            | {"doc": "A name from identity_center.permission_sets."},
                            "accounts": Either(
                                "`all` (every account, management included) or a list of account keys "
                                "(`management` is the management account).",
                                Enum("Every account.", ("all",)),
                                List("Account keys.", ACCOUNT_KEY, min_items=1),
                            ),
                        },
                        required=("group", "permission_set", "accounts"),
                    ),
                    unique=False,
                ),
            },
            required=("session_limit_hours", "groups", "permission_sets", "assignments"),
        ),
        "log_archive": Map(
            "The central, immutable log bucket in the Log Archive account.",
            {
                "retention_days": Int("Days logs are kept before deletion.", 1, 36500),
                "object_lock_days": Int(
                    "Days each log object is locked against deletion (0 turns Object Lock off).",
                    0,
                    36500,
                ),
                "object_lock_mode": Enum(
                    "Object Lock mode of the trail bucket without Control Tower. "
                    "COMPLIANCE: no one, root included, can delete a locked log or the bucket "
                    "before the lock ends, and the mode can never be weakened (applying it needs "
                    "--confirm-destructive log-archive). GOVERNANCE: principals allowed "
                    "s3:BypassGovernanceRetention can still delete locked logs.",
                    ("GOVERNANCE", "COMPLIANCE"),
                    default="COMPLIANCE",
                ),
                "flow_logs": Map(
                    "VPC flow logs of every VPC in every account and governed region, delivered "
                    "to a flow-log bucket in the Log Archive account (absent: off).",
                    {
                        "enabled": Bool("Create a flow log for every VPC."),
                        "traffic_type": Enum(
                            "Traffic recorded: ALL, ACCEPT or REJECT.",
                            ("ALL", "ACCEPT", "REJECT"),
                            default="ALL",
                        ),
                    },
                    required=("enabled",),
                ),
                "transition_to_glacier_days": Int(
                    "No longer used (accepted so older profiles load): S3 does not "
                    "transition objects under 128 KB by default and CloudTrail's log "
                    "files are smaller, so the trail bucket has no Glacier transition.",
                    1,
                    36500,
                ),
            },
            required=("retention_days", "object_lock_days"),
        ),
        "guardrails": Map(
            "Preventive policies for every account.",
            {
                "scps": List("Service control policies (profiles/scps/<id>.json).", SCP_ID),
                "scp_targets": Table(
                    "Where each SCP is attached; SCPs not listed attach to every "
                    "top-level OU. Use Root for the organization root.",
                    SCP_ID,
                    List("OU paths (or Root).", OU_PATH, min_items=1),
                    default={},
                ),
                "allowed_regions": List(
                    "Regions the region-deny SCP allows; must include every governed region.",
                    REGION,
                    min_items=1,
                    max_items=40,
                ),
                "password_policy": Map(
                    "IAM password policy set in every account.",
                    {
                        "min_length": Int("Minimum password length.", 14, 128),
                        "require_symbols": Bool("Require a symbol."),
                        "require_numbers": Bool("Require a digit."),
                        "require_uppercase": Bool("Require an uppercase letter."),
                        "require_lowercase": Bool("Require a lowercase letter."),
                        "reuse_prevention": Int("Previous passwords that cannot be reused.", 1, 24),
                        "max_age_days": Int("Days before a password expires (0 = never).", 0, 1095),
                        "allow_users_to_change": Bool("Users may change their own password."),
                    },
                    required=(
                        "min_length",
                        "require_symbols",
                        "require_numbers",
                        "require_uppercase",
                        "require_lowercase",
                        "reuse_prevention",
                        "max_age_days",
                        "allow_users_to_change",
                    ),
                ),
                "ebs_encryption": Bool(
                    "Turn on EBS encryption by default in every governed region."
                ),
                "s3_public_access_block": Bool("Block S3 public access at account level."),
                "remove_default_vpcs": Bool("Delete default VPCs (only when empty)."),
                "root_access_management": Bool(
                    "Centralize root access (remove member root credentials)."
                ),
            },
            required=(
                "scps",
                "allowed_regions",
                "password_policy",
                "ebs_encryption",
                "s3_public_access_block",
                "remove_default_vpcs",
                "root_access_management",
            ),
        ),
        "security_services": Map(
            "Detective services, delegated to the Audit account.",
            {
                "guardduty": Map(
                    "Amazon GuardDuty.",
                    {
                        "enabled": Bool("Enable GuardDuty."),
                        "auto_enable": Bool("Enable it automatically in new accounts."),
                    },
                    required=("enabled", "auto_enable"),
                ),
                "securityhub": Map(
                    "AWS Security Hub.",
                    {
                        "enabled": Bool("Enable Security Hub (needs AWS Config)."),
                        "standards": List(
                            "Security Hub standards.",
                            Text(
                                "Standard.",
                                pattern=r"(ruleset/)?[a-z0-9][a-z0-9-]*/v/\d+\.\d+\.\d+",
                                expected="a standard such as aws-foundational-security-best-practices/v/1.0.0",
                                max_len=128,
                            ),
                        ),
                        "aggregator": Bool(
                            "Aggregate findings from all governed regions in the home region."
                        ),
                    },
                    required=("enabled", "standards", "aggregator"),
                ),
                "config": Map(
                    "AWS Config.",
                    {
                        "enabled": Bool(
                            "Record resource configuration in every account and governed region."
                        ),
                        "aggregator": Bool("Organization-wide aggregator in the Audit account."),
                    },
                    required=("enabled", "aggregator"),
                ),
                "access_analyzer": Map(
                    "IAM Access Analyzer.",
                    {
                        "enabled": Bool("Organization-wide external access analyzer."),
                    },
                    required=("enabled",),
                ),
                "budget": Map(
                    "Monthly cost budget with email alerts.",
                    {
                        "monthly_usd": Int("Monthly budget in US dollars.", 1, 10_000_000),
                        "thresholds_percent": List(
                            "Alert thresholds, percent of the budget.",
                            Int("Percent.", 1, 1000),
                            min_items=1,
                            max_items=10,
                        ),
                    },
                    required=("monthly_usd", "thresholds_percent"),
                ),
                "inspector": Map(
                    "Amazon Inspector, organization-wide (absent: off).",
                    {
                        "enabled": Bool(
                            "Scan every account and governed region, administered from Audit."
                        ),
                        "scan_types": List(
                            "Resource types scanned, and auto-enabled for new member accounts.",
                            Enum(
                                "A scan type.",
                                ("EC2", "ECR", "LAMBDA", "LAMBDA_CODE"),
                            ),
                            min_items=1,
                            max_items=4,
                        ),
                    },
                    required=("enabled", "scan_types"),
                ),
            },
            required=("guardduty", "securityhub", "config", "access_analyzer", "budget"),
        ),
    },
    required=(
        "name",
        "description",
        "frameworks",
        "home_region",
        "governed_regions",
        "organization",
        "accounts",
        "control_tower",
        "identity_center",
        "log_archive",
        "guardrails",
        "security_services",
    ),
)


# ------------------------------------------------------------------ validation


def _expected(spec: dict[str, Any]) -> str:
    kind = spec["type"]
    if kind == "str":
        return spec["expected"]
    if kind == "int":
        return f"a whole number from {spec['min']} to {spec['max']}"
    if kind == "bool":
        return "true or false"
    if kind == "enum":
        return "one of: " + ", ".join(spec["values"])
    if kind == "list":
        item = spec["items"]
        if item is OU_SPEC:
            return "a list of OUs (each with a name and optional children)"
        if item["type"] == "map":
            return "a list of mappings with fields: " + ", ".join(item["fields"])
        return f"a list, each item {_expected(item)}"
    if kind == "map":
        return "a mapping with fields: " + ", ".join(spec["fields"])
    if kind == "table":
        return f"a mapping of {_expected(spec['key'])} to {_expected(spec['values'])}"
    return " or ".join(_expected(o) for o in spec["options"])


def _found(value: Any) -> str:
    if value is None:
        return "found nothing (null)"
    if isinstance(value, bool):
        return f"found {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"found the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"found {shown!r}"
    if isinstance(value, list):
        return "found a list"
    if isinstance(value, dict):
        return "found a mapping"
    if isinstance(value, (date, datetime)):
        return f"found the date {value}"
    return f"found {type(value).__name__}"


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def _matches_type(spec: dict[str, Any], value: Any) -> bool:
    kind = spec["type"]
    if kind in ("str", "enum"):
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("map", "table"):
        return isinstance(value, dict)
    return any(_matches_type(o, value) for o in spec["options"])


class _Checker:
    """Collects "FILE:LINE: path: problem — expected ..." messages."""

    def __init__(self, lines: Lines, filename: str):
        self.lines = lines
        self.filename = filename
        self.errors: list[tuple[int, str]] = []
        self.bad: set[str] = set()

    def line(self, path: str) -> int:
        probe = path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = _parent(probe)
        return self.lines.get("extends", self.lines.get("", 1))

    def error(self, path: str, problem: str, expected: str | None = None) -> None:
        self.bad.add(path)
        where = f"{path}: " if path else ""
        tail = f" — expected {expected}" if expected else ""
        self.errors.append(
            (self.line(path), f"{self.filename}:{self.line(path)}: {where}{problem}{tail}")
        )

    def check(self, spec: dict[str, Any], value: Any, path: str) -> bool:
        """Structural check of `value` against `spec`; False when it is unusable."""
        if not _matches_type(spec, value):
            expected = _expected(spec)
            if spec["type"] == "str" and isinstance(value, (int, float)):
                expected += " (in quotes)"
            self.error(path, _found(value), expected)
            return False
        kind = spec["type"]
        if kind == "str":
            return self._text(spec, value, path)
        if kind == "int":
            if not spec["min"] <= value <= spec["max"]:
                self.error(path, f"{value} is out of range", _expected(spec))
                return False
            return True
        if kind == "enum":
            if value not in spec["values"]:
                close = difflib.get_close_matches(value, spec["values"], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(path, f"{_found(value)}{hint}", _expected(spec))
                return False
            return True
        if kind == "list":
            return self._list(spec, value, path)
        if kind == "map":
            return self._map(spec, value, path)
        if kind == "table":
            ok = True
            for key, item in value.items():
                sub = key_path(path, key)
                ok = self.check(spec["key"], key, sub) and ok
                ok = self.check(spec["values"], item, sub) and ok
            return ok
        if kind == "either":
            for option in spec["options"]:
                if _matches_type(option, value):
                    return self.check(option, value, path)
        return True

    def _text(self, spec: dict[str, Any], value: str, path: str) -> bool:
        if not value.strip():
            self.error(path, "is empty", spec["expected"])
            return False
        if _CONTROL_CHARS.search(value):
            self.error(path, "contains a control character", spec["expected"])
            return False
        if len(value) > spec["max_len"]:
            self.error(path, f"is {len(value)} characters long", f"at most {spec['max_len']}")
            return False
        if spec["pattern"] and not re.fullmatch(spec["pattern"], value):
            close = (
                difflib.get_close_matches(value, spec["suggest"], n=1) if spec["suggest"] else []
            )
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.error(path, f"{_found(value)}{hint}", spec["expected"])
            return False
        return True

    def _list(self, spec: dict[str, Any], value: list[Any], path: str) -> bool:
        ok = True
        if len(value) < spec["min_items"]:
            self.error(
                path,
                f"has {len(value)} item(s)",
                f"at least {spec['min_items']}: {_expected(spec)}",
            )
            ok = False
        if len(value) > spec["max_items"]:
            self.error(path, f"has {len(value)} items", f"at most {spec['max_items']}")
            return False
        seen: dict[Any, int] = {}
        for index, item in enumerate(value):
            sub = index_path(path, index)
            item_ok = self.check(spec["items"], item, sub)
            ok = ok and item_ok
            if item_ok and spec["unique"] and isinstance(item, (str, int)):
                if item in seen:
                    self.error(
                        sub,
                        f"{item!r} is listed twice (also at {index_path(path, seen[item])})",
                        "each value once",
                    )
                    ok = False
                seen.setdefault(item, index)
        return ok

    def _map(self, spec: dict[str, Any], value: dict[Any, Any], path: str) -> bool:
        ok = True
        fields = spec["fields"]
        for key, item in value.items():
            sub = key_path(path, key)
            if not isinstance(key, str):
                self.error(
                    sub, f"field names must be text, {_found(key)}", "one of: " + ", ".join(fields)
                )
                ok = False
            elif sub in MOVED:
                self.error(sub, f"this setting moved to {MOVED[sub]}", f"set {MOVED[sub]} instead")
                ok = False
            elif key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
                if close:
                    self.error(
                        sub,
                        f"unknown field (did you mean {close[0]!r}?)",
                        "one of: " + ", ".join(fields),
                    )
                else:
                    self.error(sub, "unknown field", "one of: " + ", ".join(fields))
                ok = False
            else:
                ok = self.check(fields[key], item, sub) and ok
        for name in spec["required"]:
            if name not in value:
                self.error(key_path(path, name), "missing", _expected(fields[name]))
                ok = False
        return ok


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _walk_ous(
    items: Any, prefix: str, path: str, depth: int, out: dict[str, tuple[str, int]], check: _Checker
) -> None:
    siblings: set[str] = set()
    for index, ou in _dicts(items):
        name = ou.get("name")
        if not isinstance(name, str):
            continue
        sub = index_path(path, index)
        full = f"{prefix}/{name}" if prefix else name
        if name in siblings:
            check.error(
                key_path(sub, "name"), f"duplicate OU {full!r}", "OU names unique among siblings"
            )
            continue
        siblings.add(name)
        if depth > MAX_OU_DEPTH:
            check.error(
                key_path(sub, "name"),
                f"OU {full!r} is nested {depth} levels deep",
                f"at most {MAX_OU_DEPTH} levels (an AWS Organizations limit)",
            )
            continue
        out[full] = (sub, depth)
        _walk_ous(ou.get("children"), full, key_path(sub, "children"), depth + 1, out, check)


def _ou_ref(
    check: _Checker, ous: dict[str, Any], value: Any, path: str, allow_root: bool = False
) -> None:
    if (
        not isinstance(value, str)
        or path in check.bad
        or value in ous
        or (allow_root and value == "Root")
    ):
        return
    close = difflib.get_close_matches(value, list(ous), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    choices = (["Root"] if allow_root else []) + list(ous)
    check.error(
        path, f"{value!r} is not an OU in organization.ous{hint}", "one of: " + ", ".join(choices)
    )


def _scp_directory() -> Path | None:
    directory = data_dir("profiles") / "scps"
    return directory if directory.is_dir() else None


def _semantics(data: dict[str, Any], check: _Checker) -> None:
    """Cross-field rules: references, uniqueness and consistency."""
    ous: dict[str, tuple[str, int]] = {}
    _walk_ous(_section(data, "organization").get("ous"), "", "organization.ous", 1, ous, check)

    accounts = list(_dicts(data.get("accounts")))
    keys: dict[str, int] = {}
    for field in ("key", "name", "email_local"):
        seen: dict[str, int] = {}
        for index, account in accounts:
            value = account.get(field)
            if not isinstance(value, str):
                continue
            path = key_path(index_path("accounts", index), field)
            if value in seen:
                check.error(
                    path,
                    f"{value!r} is used twice (also accounts[{seen[value]}])",
                    f"a unique {field} per account",
                )
            seen.setdefault(value, index)
        if field == "key":
            keys = seen
    for index, account in accounts:
        _ou_ref(check, ous, account.get("ou"), key_path(index_path("accounts", index), "ou"))
    if isinstance(data.get("accounts"), list):
        for required, label in ((LOG_ARCHIVE_KEY, "Log Archive"), (AUDIT_KEY, "Audit")):
            if required not in keys:
                check.error(
                    "accounts",
                    f"no account with key {required!r}",
                    f"the {label} account listed with key: {required}",
                )
    if MANAGEMENT_KEY in keys:
        check.error(
            key_path(index_path("accounts", keys[MANAGEMENT_KEY]), "key"),
            "'management' is reserved for the management account",
            "another key",
        )

    tower = _section(data, "control_tower")
    for index, ou in enumerate(_strs(tower.get("register_ous"))):
        _ou_ref(check, ous, ou, index_path("control_tower.register_ous", index))
    if tower.get("enabled") is True:
        tops = {LOG_ARCHIVE_KEY: None, AUDIT_KEY: None}
        for _, account in accounts:
            if (
                isinstance(account.get("key"), str)
                and account["key"] in tops
                and isinstance(account.get("ou"), str)
            ):
                tops[account["key"]] = account["ou"]
        la, au = tops[LOG_ARCHIVE_KEY], tops[AUDIT_KEY]
        if la and au and (la != au or "/" in la):
            check.error(
                key_path(index_path("accounts", keys[AUDIT_KEY]), "ou"),
                f"with Control Tower the Log Archive and Audit accounts share one "
                f"top-level OU, found {la!r} and {au!r}",
                "both in the same top-level OU such as Security",
            )
        elif la and la in _strs(tower.get("register_ous")):
            index = _strs(tower.get("register_ous")).index(la)
            check.error(
                index_path("control_tower.register_ous", index),
                f"{la!r} is the landing zone's security OU, which Control Tower sets up itself",
                "only workload OUs",
            )

    regions = _strs(data.get("governed_regions"))
    home = data.get("home_region")
    if isinstance(home, str) and "home_region" not in check.bad and regions and home not in regions:
        check.error(
            "home_region", f"{home!r} is not in governed_regions", "one of: " + ", ".join(regions)
        )

    center = _section(data, "identity_center")
    groups = {g["name"] for _, g in _dicts(center.get("groups")) if isinstance(g.get("name"), str)}
    sets = {
        p["name"]
        for _, p in _dicts(center.get("permission_sets"))
        if isinstance(p.get("name"), str)
    }
    for list_name in ("groups", "permission_sets"):
        seen_names: dict[str, int] = {}
        for index, item in _dicts(center.get(list_name)):
            name = item.get("name")
            if isinstance(name, str):
                if name in seen_names:
                    check.error(
                        key_path(index_path(f"identity_center.{list_name}", index), "name"),
                        f"{name!r} is defined twice",
                        "unique names",
                    )
                seen_names.setdefault(name, index)
    valid_targets = set(keys) | {MANAGEMENT_KEY}
    for index, item in _dicts(center.get("assignments")):
        base = index_path("identity_center.assignments", index)
        for field, known, where in (
            ("group", groups, "identity_center.groups"),
            ("permission_set", sets, "identity_center.permission_sets"),
        ):
            value = item.get(field)
            if isinstance(value, str) and value not in known:
                names = sorted(known)
                close = difflib.get_close_matches(value, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                check.error(
                    key_path(base, field),
                    f"{value!r} is not in {where}{hint}",
                    "one of: " + ", ".join(names),
                )
        for position, key in enumerate(_strs(item.get("accounts"))):
            if key not in valid_targets:
                check.error(
                    index_path(key_path(base, "accounts"), position),
                    f"{key!r} is not an account key",
                    "one of: " + ", ".join(sorted(valid_targets)),
                )

    logs = _section(data, "log_archive")
    retention, lock = (
        logs.get(k) if f"log_archive.{k}" not in check.bad else None
        for k in ("retention_days", "object_lock_days")
    )
    if _is_int(retention) and _is_int(lock) and lock > retention:
        check.error(
            "log_archive.object_lock_days",
            f"{lock} is longer than retention_days ({retention})",
            "at most log_archive.retention_days",
        )
    tower = _section(data, "control_tower")
    if tower.get("enabled") is True and _is_int(retention) and retention > CT_MAX_RETENTION_DAYS:
        check.error(
            "log_archive.retention_days",
            f"{retention} days is longer than Control Tower keeps logs",
            f"at most {CT_MAX_RETENTION_DAYS} with control_tower.enabled (loggingBucket retentionDays)",
        )
    if "pci-dss-4.0" in _strs(data.get("frameworks")) and _is_int(retention) and retention < 365:
        check.error(
            "log_archive.retention_days",
            f"{retention} days is too short for PCI DSS",
            "at least 365 (PCI DSS 4.0 requirement 10.5.1)",
        )

    guard = _section(data, "guardrails")
    scps = _strs(guard.get("scps"))
    directory = _scp_directory()
    if directory is not None:
        available = sorted(p.stem for p in directory.glob("*.json"))
        for index, scp in enumerate(scps):
            if re.fullmatch(_KEBAB, scp) and scp not in available:
                check.error(
                    index_path("guardrails.scps", index),
                    f"no SCP file profiles/scps/{scp}.json",
                    "one of: " + ", ".join(available),
                )
    targets = guard.get("scp_targets")
    if isinstance(targets, dict):
        for scp, paths in targets.items():
            if isinstance(scp, str) and scp not in scps:
                check.error(
                    key_path("guardrails.scp_targets", scp),
                    f"{scp!r} is not in guardrails.scps",
                    "an SCP listed in guardrails.scps",
                )
            for index, ou in enumerate(_strs(paths)):
                _ou_ref(
                    check,
                    ous,
                    ou,
                    index_path(key_path("guardrails.scp_targets", scp), index),
                    allow_root=True,
                )
    allowed = _strs(guard.get("allowed_regions"))
    if allowed:
        governed = data.get("governed_regions")
        for index, region in enumerate(governed if isinstance(governed, list) else []):
            if (
                isinstance(region, str)
                and index_path("governed_regions", index) not in check.bad
                and region not in allowed
            ):
                check.error(
                    "guardrails.allowed_regions",
                    f"does not include governed region {region!r}",
                    "every governed region (the region-deny SCP would block it)",
                )

    services = _section(data, "security_services")
    if (
        _section(services, "securityhub").get("enabled") is True
        and _section(services, "config").get("enabled") is False
    ):
        check.error(
            "security_services.config.enabled",
            "false while Security Hub is enabled",
            "true (Security Hub controls are evaluated by AWS Config)",
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_profile(data: Any, lines: Lines, filename: str) -> list[str]:
    """Every problem of a (merged) profile, in file order; [] when it is valid."""
    check = _Checker(lines or {}, filename)
    if not isinstance(data, dict):
        check.error("", _found(data), "a mapping of profile fields (name, description, ...)")
    else:
        check.check(SCHEMA, data, "")
        _semantics(data, check)
    seen: set[str] = set()
    out = []
    for _, message in sorted(check.errors, key=lambda e: e[0]):
        if message not in seen:
            seen.add(message)
            out.append(message)
    return out


# ------------------------------------------------------------------ the Profile object


@dataclass(frozen=True)
class AccountSpec:
    """One account of the profile; its email is built from the answers."""

    key: str
    name: str
    ou: str
    email_local: str


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Profile:
    """A validated baseline profile (read-only)."""

    __slots__ = ("name", "description", "path", "data", "extends")

    def __init__(self, data: dict[str, Any], path: Path | None = None):
        for slot, value in (
            ("name", data["name"]),
            ("description", data["description"]),
            ("path", path),
            ("data", data),
            ("extends", data.get("extends")),
        ):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Profile is read-only")

    def __repr__(self) -> str:
        return f"Profile({self.name!r}, path={str(self.path) if self.path else None!r})"

    def get(self, path: str, default: Any = None) -> Any:
        """Value at a dotted path ("guardrails.password_policy.min_length",
        "accounts[0].ou"); a copy, or `default` when absent."""
        node: Any = self.data
        for name, index in _TOKEN.findall(path):
            if name and isinstance(node, dict) and name in node:
                node = node[name]
            elif index and isinstance(node, list) and int(index) < len(node):
                node = node[int(index)]
            else:
                return default
        return copy.deepcopy(node)

    def ous(self) -> list[str]:
        """Every OU path, parents before children ("Workloads", "Workloads/Prod", ...)."""
        out: list[str] = []

        def walk(items: list[dict[str, Any]], prefix: str) -> None:
            for ou in items:
                full = f"{prefix}/{ou['name']}" if prefix else ou["name"]
                out.append(full)
                walk(ou.get("children") or [], full)

        walk(self.data["organization"]["ous"], "")
        return out

    def accounts(self) -> list[AccountSpec]:
        return [
            AccountSpec(a["key"], a["name"], a["ou"], a["email_local"])
            for a in self.data["accounts"]
        ]

    def account(self, key: str) -> AccountSpec | None:
        """The account with this key, or None."""
        return next((a for a in self.accounts() if a.key == key), None)

    def scp_targets(self) -> dict[str, list[str]]:
        """Each SCP id -> OU paths (or "Root") it attaches to; default: every top-level OU."""
        explicit = self.data["guardrails"].get("scp_targets") or {}
        tops = [ou["name"] for ou in self.data["organization"]["ous"]]
        return {scp: list(explicit.get(scp, tops)) for scp in self.data["guardrails"]["scps"]}

    @property
    def home_region(self) -> str:
        return self.data["home_region"]

    @property
    def governed_regions(self) -> list[str]:
        return list(self.data["governed_regions"])

    @property
    def frameworks(self) -> list[str]:
        return list(self.data["frameworks"])

    @property
    def control_tower_enabled(self) -> bool:
        return bool(self.data["control_tower"]["enabled"])

    @property
    def automation_role(self) -> str:
        return self.data["automation_role"]


def _fill_defaults(spec: dict[str, Any], value: Any) -> None:
    if spec["type"] == "map" and isinstance(value, dict):
        for name, field in spec["fields"].items():
            if name not in value and field.get("default") is not None:
                value[name] = copy.deepcopy(field["default"])
            if name in value:
                _fill_defaults(field, value[name])
    elif spec["type"] == "list" and isinstance(value, list):
        for item in value:
            _fill_defaults(spec["items"], item)


# ------------------------------------------------------------------ loading


def _builtin_dir() -> Path:
    return data_dir("profiles")


def _builtin_names() -> list[str]:
    directory = _builtin_dir()
    found = sorted(p.stem for p in directory.glob("*.yaml")) if directory.is_dir() else []
    ordered = [n for n in BUILTIN_ORDER if n in found]
    return ordered + [n for n in found if n not in ordered]


def _merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in `override` replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(override)


def _raise(errors: list[str], filename: str) -> None:
    if len(errors) == 1:
        message = errors[0]
    else:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        message = (
            f"{filename}: {len(errors)} problems in the profile:\n"
            + "\n".join(f"  {e}" for e in shown)
            + (f"\n  ... and {more} more" if more else "")
        )
    error = ConfigError(message, "docs/profiles.md describes every field")
    error.errors = errors
    raise error


def _resolve(
    raw: bytes | str, filename: str, chain: tuple[str, ...]
) -> tuple[dict[str, Any], Lines]:
    """Parse a profile and merge it over the profile it extends (not validated)."""
    data, lines = load_with_lines(raw, filename)
    if not isinstance(data, dict):
        _raise(
            [
                f"{filename}:1: {_found(data)} — expected a mapping of profile fields "
                "(name, description, frameworks, ...)"
            ],
            filename,
        )
    parent = data.get("extends")
    if parent is None:
        return data, lines
    check = _Checker(lines, filename)
    names = _builtin_names()
    if not isinstance(parent, str) or parent not in names:
        close = difflib.get_close_matches(str(parent), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        check.error("extends", f"{_found(parent)}{hint}", "a built-in profile: " + ", ".join(names))
    elif parent in chain:
        check.error(
            "extends",
            f"{parent!r} extends itself through " + " -> ".join(chain + (parent,)),
            "a chain without cycles",
        )
    if "name" not in data:
        check.error("name", "missing", "a name of its own for a profile that extends another")
    if check.errors:
        _raise([m for _, m in check.errors], filename)
    base_path = _builtin_dir() / f"{parent}.yaml"
    base, _ = _resolve(read_file(base_path, "profile"), str(base_path), chain + (parent,))
    merged = _merge(base, data)
    return merged, lines


def profile_from_text(
    raw: bytes | str,
    filename: str = "<profile>",
    path: Path | None = None,
    *,
    builtin: str | None = None,
) -> Profile:
    """Parse, merge (`extends`), validate and return a Profile; ConfigError otherwise.
    `builtin` is the name when the text is a built-in profile (for cycle detection)."""
    data, lines = _resolve(raw, filename, (builtin,) if builtin else ())
    errors = validate_profile(data, lines, filename)
    if errors:
        _raise(errors, filename)
    _fill_defaults(SCHEMA, data)
    return Profile(data, path)


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a profile file by path."""
    text = str(name_or_path)
    is_path = (
        isinstance(name_or_path, Path)
        or "/" in text
        or "\\" in text
        or text.endswith((".yaml", ".yml"))
    )
    builtin = None
    if not is_path:
        builtin = text
        names = _builtin_names()
        if text not in names:
            close = difflib.get_close_matches(text, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"unknown baseline profile {text!r}{hint}",
                f"built-in profiles: {', '.join(names) or 'none found'}; "
                "or pass the path of a profile YAML file",
            )
        path = _builtin_dir() / f"{text}.yaml"
    else:
        path = Path(name_or_path).expanduser()
    return profile_from_text(read_file(path, "profile"), str(path), path, builtin=builtin)


def list_profiles() -> list[tuple[str, str]]:
    """(name, description) of every built-in profile, startup-minimal first."""
    out = []
    for name in _builtin_names():
        path = _builtin_dir() / f"{name}.yaml"
        try:
            data, _ = load_with_lines(read_file(path, "profile"), str(path))
        except ConfigError:
            continue
        if isinstance(data, dict):
            description = data.get("description")
            out.append((name, description if isinstance(description, str) else ""))
    return out


# ------------------------------------------------------------------ documentation


def schema_reference() -> str:
    """Markdown table of every profile field (docs/profiles.md embeds it)."""
    rows = ["| Field | Expected | Required | Description |", "|---|---|---|---|"]

    def walk(spec: dict[str, Any], path: str, required: bool) -> None:
        if path and not path.endswith("[]"):
            default = spec.get("default")
            need = (
                "yes"
                if required
                else ("no" if default in (None, [], {}, "") else f"no (default {default})")
            )
            expected = _expected(spec).replace("|", "\\|")
            rows.append(f"| `{path}` | {expected} | {need} | {spec['doc']} |")
        if spec["type"] == "map":
            for name, field in spec["fields"].items():
                walk(field, key_path(path, name), name in spec["required"])
        elif spec["type"] == "list" and spec["items"]["type"] == "map":
            if spec["items"] is OU_SPEC and path.endswith("children"):
                return
            walk(spec["items"], f"{path}[]", True)

    walk(SCHEMA, "", True)
    return "\n".join(rows) + "\n"
