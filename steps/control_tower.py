"""control-tower: the AWS Control Tower landing zone (4.0 by default, 3.x kept for existing
landing zones), its prerequisite service roles and KMS key, registration of the workload OUs
and optional controls."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from bootstrap_tui.aws import partition_of, refuse_root
from bootstrap_tui.aws.errors import EXPIRED_TOKEN_CODES
from bootstrap_tui.aws_limits import CONTROL_TOWER_CONCURRENT_OPERATIONS
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import AwsError, RefusedError
from bootstrap_tui.model import Check, Field, Outcome, Plan, Scope, Severity, Step

from steps._errors import error_code, is_not_found
from steps._kms import unaliased_tagged_key
from steps._naming import PURPOSE_TAG
from steps._operations import run_operations
from steps._org import describe_org, ou_tree
from steps._paging import paginate

BASELINE = "AWSControlTowerBaseline"
IDC_BASELINE = "IdentityCenterBaseline"
LATEST_VERSION = "4.0"
# AWSControlTowerBaseline version per landing zone version (User Guide, "Compatibility of OU
# baselines and landing zone versions"): an unmanaged OU must get the latest compatible one.
BASELINE_VERSIONS = {"3.2": "4.0", "3.3": "4.0", "4.0": "5.0"}
CLOUDTRAIL_ROLE = "AWSControlTowerCloudTrailRole"
# Legacy guardrail names of preventive controls: Control Tower implements them as SCPs on the
# OU, so they take SCP room (Controls Reference Guide; e.g. "Disallow creation of access keys for
# the root user"). Control Catalog ids of preventive controls contain ".PV.".
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
CLOUDTRAIL_POLICY = "AWSControlTowerCloudTrailRolePolicy"
KMS_ALIAS = "alias/bootstrap-control-tower"
LZ_TIMEOUT = 3600
LZ_POLL = 60
OP_POLL = 20
MAX_IN_FLIGHT = CONTROL_TOWER_CONCURRENT_OPERATIONS  # AWS refuses an 11th
TRAIL_NAME = "aws-controltower-BaselineCloudTrail"

SESSION_NOTE = (
    "an SSO session or a chained role lasts at most 1 hour, and this wait can be "
    "longer: if your credentials expire, sign in again (aws sso login) and run apply "
    "again; it resumes polling the recorded operation, it does not start a new one"
)
SSO_EXPIRY_ERRORS = ("TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError")

LZ_FAILED_HINT = (
    "fix the cause named above, then run `bootstrap-tui apply --step control-tower` again: it "
    "retries the existing landing zone (UpdateLandingZone) instead of creating a second one. "
    "Usual causes: a missing or altered AWSControlTower* service role (this step creates them), "
    "the Log Archive or Audit account is missing, in the wrong OU or already has an AWS Config "
    "recorder / delivery channel, a governed region is not enabled in the account, or the KMS "
    "key policy does not allow CloudTrail and Config"
)


def _trust(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


def is_preventive(control: str) -> bool:
    """True for a preventive (SCP) control, by guardrail name, ARN or Control Catalog id."""
    name = str(control).rsplit("/", 1)[-1]
    return name in PREVENTIVE_CONTROLS or ".PV." in name


def is_v4(version: str | None) -> bool:
    """True for landing zone 4.0 and later (the 4.0 manifest and role shapes)."""
    try:
        return float(str(version or LATEST_VERSION).split(".")[0]) >= 4
    except ValueError:
        return True


def baseline_version(version: str | None) -> str:
    """The AWSControlTowerBaseline version to enable on a landing zone of `version`."""
    return BASELINE_VERSIONS.get(str(version or LATEST_VERSION), BASELINE_VERSIONS[LATEST_VERSION])


def _cloudtrail_role(part: str, version: str | None) -> dict[str, Any]:
    """3.x: an inline policy (walkthrough-api-setup); 4.0: the managed policy instead, and the
    inline one removed (key-changes-lz-v4, "Pre-requisite for Landing Zone 4.0")."""
    trust = _trust("cloudtrail.amazonaws.com")
    if is_v4(version):
        return {
            "trust": trust,
            "absent_inline": [CLOUDTRAIL_POLICY],
            "inline": {},
            "managed": [f"arn:{part}:iam::aws:policy/service-role/{CLOUDTRAIL_POLICY}"],
        }
    return {
        "trust": trust,
        "managed": [],
        "inline": {
            CLOUDTRAIL_POLICY: {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:{part}:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*",
                    }
                ],
            }
        },
    }


def service_roles(
    part: str = "aws", version: str | None = LATEST_VERSION
) -> dict[str, dict[str, Any]]:
    """The four roles the landing zone API needs (AWS Control Tower User Guide, "Create the
    required roles"), all under path /service-role/, in the shape of landing zone `version`."""
    return {
        "AWSControlTowerAdmin": {
            "trust": _trust("controltower.amazonaws.com"),
            "managed": [
                f"arn:{part}:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy"
            ],
            "inline": {
                "AWSControlTowerAdminPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "ec2:DescribeAvailabilityZones",
                            "Resource": "*",
                        }
                    ],
                }
            },
        },
        CLOUDTRAIL_ROLE: _cloudtrail_role(part, version),
        "AWSControlTowerStackSetRole": {
            "trust": _trust("cloudformation.amazonaws.com"),
            "managed": [],
            "inline": {
                "AWSControlTowerStackSetRolePolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["sts:AssumeRole"],
                            "Resource": [f"arn:{part}:iam::*:role/AWSControlTowerExecution"],
                        }
                    ],
                }
            },
        },
        "AWSControlTowerConfigAggregatorRoleForOrganizations": {
            "trust": _trust("config.amazonaws.com"),
            "managed": [f"arn:{part}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"],
            "inline": {},
        },
    }


def accepted_roles(part: str, version: str | None) -> dict[str, list[dict[str, Any]]]:
    """Role shapes that are correct for a landing zone of `version`: its own first; a 3.x
    landing zone also accepts the 4.0 shape (the managed policy grants the same log actions),
    so a role prepared for the upgrade is never "repaired" back."""
    own = service_roles(part, version)
    newer = service_roles(part, LATEST_VERSION)
    return {
        name: [spec] + ([newer[name]] if newer[name] != spec else []) for name, spec in own.items()
    }


def kms_key_policy(account: str, region: str, part: str = "aws") -> dict[str, Any]:
    """Key policy letting AWS Config and the Control Tower trail use the key."""
    return {
        "Version": "2012-10-17",
        "Id": "bootstrap-control-tower",
        "Statement": [
            {
                "Sid": "Enable IAM policies of the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{part}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Allow Config to use KMS for encryption",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
            },
            {
                "Sid": "Allow CloudTrail to use KMS for encryption",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceArn": f"arn:{part}:cloudtrail:{region}:{account}:trail/{TRAIL_NAME}"
                    },
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{part}:cloudtrail:*:{account}:trail/*"
                    },
                },
            },
        ],
    }


def _doc(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        from urllib.parse import unquote

        try:
            return json.loads(value)
        except ValueError:
            return json.loads(unquote(value))
    return value or {}


def _principals(doc: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    statements = doc.get("Statement", [])
    for st in [statements] if isinstance(statements, dict) else statements:
        if st.get("Effect") != "Allow":
            continue
        service = (st.get("Principal") or {}).get("Service", [])
        out |= {service} if isinstance(service, str) else set(service)
    return out


def role_problems(ctx: StepContext, name: str, spec: dict[str, Any]) -> list[str] | None:
    """None when the role is missing; else what differs from the spec ([] = fine)."""
    iam = ctx.client("iam")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    problems = []
    if role.get("Path") != "/service-role/":
        problems.append(f"path is {role.get('Path')}, expected /service-role/")
    want = _principals(spec["trust"])
    if _principals(_doc(role.get("AssumeRolePolicyDocument"))) != want:
        problems.append(f"trust policy does not trust exactly {', '.join(sorted(want))}")
    attached = {
        p["PolicyArn"]
        for p in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
    }
    for arn in spec["managed"]:
        if arn not in attached:
            problems.append(f"managed policy {arn.rsplit('/', 1)[-1]} not attached")
    for policy, document in spec["inline"].items():
        try:
            found = _doc(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
        except Exception as exc:
            if not is_not_found(exc):
                raise
            found = None
        if found != document:
            problems.append(f"inline policy {policy} {'differs' if found else 'missing'}")
    present = set(paginate(iam, "list_role_policies", "PolicyNames", RoleName=name))
    for policy in spec.get("absent_inline", []):
        if policy in present:
            problems.append(
                f"inline policy {policy} must be removed (the managed policy replaces it)"
            )
    return problems


def best_role_problems(
    ctx: StepContext, name: str, specs: list[dict[str, Any]]
) -> list[str] | None:
    """role_problems against the first spec the role satisfies; else against the first."""
    first = None
    for spec in specs:
        found = role_problems(ctx, name, spec)
        if found == [] or found is None:
            return found
        first = found if first is None else first
    return first


# ------------------------------------------------------------------ profile & manifest


def security_ou(ctx: StepContext) -> str:
    spec = ctx.profile.account("log-archive")
    return (spec.ou if spec else "Security").split("/")[0]


def sandbox_ou(ctx: StepContext) -> str | None:
    return "Sandbox" if "Sandbox" in ctx.profile.ous() else None


def register_ous(ctx: StepContext, version: str | None = None) -> list[str]:
    """OUs to register with AWSControlTowerBaseline, parents first. Excluded: the Security OU
    (a 3.x landing zone registers it; on 4.0 the baseline does not apply to it), and on 3.x the
    Sandbox OU, which the 3.x landing zone creates and registers itself (organizationStructure)."""
    version = version or target_version(ctx)
    own = {security_ou(ctx)} | (set() if is_v4(version) else {sandbox_ou(ctx)})
    out: list[str] = []
    for path in ctx.profile.control_tower.register_ous:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if prefix not in out and prefix not in own:
                out.append(prefix)
    return out


def shared_accounts(ctx: StepContext) -> tuple[str | None, str | None]:
    facts = ctx.recall("accounts", {}, step_id="accounts") or {}
    log_archive = ctx.account_id("log-archive") or facts.get("log-archive")
    audit = ctx.account_id("audit") or facts.get("audit")
    return log_archive, audit


_LOOK_UP: Any = object()


def target_version(ctx: StepContext, zone: Any = _LOOK_UP) -> str:
    """The landing zone version to work with: the deployed one for an existing landing zone
    (kept unless the profile asks for a newer one), else the profile's (4.0 by default).
    `zone`: the landing zone already read (None: there is none); looked up when not given."""
    wanted = ctx.profile.control_tower.version
    if zone is _LOOK_UP:
        zone = landing_zone(ctx) if describe_org(ctx) else None
    deployed = (zone or {}).get("version")
    return str(deployed) if deployed else wanted


def upgrade_to(ctx: StepContext, zone: dict[str, Any] | None) -> str | None:
    """The version to update an ACTIVE landing zone to: the profile's version when it is the
    latest available one and newer than the deployed one; else None."""
    if not zone or zone.get("status") != "ACTIVE":
        return None
    wanted, deployed = ctx.profile.control_tower.version, str(zone.get("version"))
    latest = str(zone.get("latestAvailableVersion") or "")
    if wanted == latest and wanted != deployed and _newer(wanted, deployed):
        return wanted
    return None


def _newer(a: str, b: str) -> bool:
    try:
        return tuple(int(x) for x in a.split(".")) > tuple(int(x) for x in b.split("."))
    except ValueError:
        return False


def _retention(ctx: StepContext) -> tuple[int, int]:
    log_days = ctx.profile.log_archive.retention_days
    access_days = int(
        ctx.answers.get("access_log_retention_days")
        or ctx.profile.control_tower.access_log_retention_days
    )
    return log_days, access_days


def _bucket_config(ctx: StepContext, kms_arn: str | None) -> dict[str, Any]:
    log_days, access_days = _retention(ctx)
    configurations: dict[str, Any] = {
        "loggingBucket": {"retentionDays": log_days},
        "accessLoggingBucket": {"retentionDays": access_days},
    }
    if kms_arn:
        configurations["kmsKeyArn"] = kms_arn
    return configurations


def build_manifest(
    ctx: StepContext, kms_arn: str | None, version: str = LATEST_VERSION
) -> dict[str, Any]:
    """The landing zone manifest in the schema of `version` (User Guide, lz-api-launch):
    4.0 has no organizationStructure, an explicit `enabled` flag on every integration, the
    `config` integration (AWS Config aggregation in the Audit account) and `backup`."""
    log_archive, audit = shared_accounts(ctx)
    log_archive = log_archive or "<log-archive account id>"
    audit = audit or "<audit account id>"
    access = ctx.profile.control_tower.access_management
    if is_v4(version):
        return {
            "governedRegions": list(ctx.governed_regions),
            "centralizedLogging": {
                "accountId": log_archive,
                "enabled": True,
                "configurations": _bucket_config(ctx, kms_arn),
            },
            "config": {
                "accountId": audit,
                "enabled": True,
                "configurations": _bucket_config(ctx, kms_arn),
            },
            "securityRoles": {"accountId": audit, "enabled": True},
            "accessManagement": {"enabled": access},
            "backup": {"enabled": False},
        }
    structure: dict[str, Any] = {"security": {"name": security_ou(ctx)}}
    if sandbox_ou(ctx):
        structure["sandbox"] = {"name": sandbox_ou(ctx)}
    return {
        "governedRegions": list(ctx.governed_regions),
        "organizationStructure": structure,
        "centralizedLogging": {
            "accountId": log_archive,
            "configurations": _bucket_config(ctx, kms_arn),
            "enabled": True,
        },
        "securityRoles": {"accountId": audit},
        "accessManagement": {"enabled": access},
    }


def find_kms_key(ctx: StepContext) -> str | None:
    kms = ctx.client("kms")
    try:
        meta = kms.describe_key(KeyId=KMS_ALIAS)["KeyMetadata"]
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    return meta["Arn"]


def landing_zone(ctx: StepContext) -> dict[str, Any] | None:
    zones = ctx.client("controltower").list_landing_zones().get("landingZones", [])
    if not zones:
        return None
    return ctx.client("controltower").get_landing_zone(landingZoneIdentifier=zones[0]["arn"])[
        "landingZone"
    ]


def baseline_arns(ctx: StepContext) -> dict[str, str]:
    return {
        b["name"]: b["arn"]
        for b in paginate(ctx.client("controltower"), "list_baselines", "baselines")
    }


def enabled_baselines(ctx: StepContext) -> list[dict[str, Any]]:
    return paginate(ctx.client("controltower"), "list_enabled_baselines", "enabledBaselines")


def control_arn(ctx: StepContext, control: str) -> str:
    """A control identifier for EnableControl: ARNs as given; AWS-GR_* guardrail names as
    arn:aws:controltower:REGION::control/NAME; CT.* / SH.* aliases via the Control Catalog."""
    part = partition_of(ctx.home_region)
    if control.startswith("arn:"):
        return control
    if not control.startswith("AWS-GR_"):
        try:
            for item in paginate(ctx.client("controlcatalog"), "list_controls", "Controls"):
                if control in (item.get("Aliases") or []):
                    return item["Arn"]
        except Exception:
            pass
    return f"arn:{part}:controltower:{ctx.home_region}::control/{control}"


def op_status(ctx: StepContext, kind: str, op_id: str) -> tuple[str, str | None]:
    client = ctx.client("controltower")
    if kind == "baseline":
        found = client.get_baseline_operation(operationIdentifier=op_id)["baselineOperation"]
    else:
        found = client.get_control_operation(operationIdentifier=op_id)["controlOperation"]
    return found["status"], found.get("statusMessage")


def prerequisite_note(ctx: StepContext) -> str:
    """What AWS requires to exist before CreateLandingZone 4.0, and what this tool made."""
    return (
        "Before CreateLandingZone 4.0 AWS requires (walkthrough-api-setup, lz-api-launch): "
        "an organization with all features; the Log Archive and Audit accounts, both in one "
        f"OU directly under the root (here: {security_ou(ctx)}); the four AWSControlTower* "
        "roles. Control Tower 4.0 creates no OU: every other OU of the profile is registered "
        f"afterwards with {BASELINE}."
    )


def integration_ou_problem(ctx: StepContext) -> str | None:
    """Why the shared accounts do not meet 4.0's "service integration accounts must be in the
    same OU directly under root" (lz-api-launch), or None."""
    log_archive, audit = shared_accounts(ctx)
    org = ctx.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    parents = {}
    for label, account in (("Log Archive", log_archive), ("Audit", audit)):
        parents[label] = org.list_parents(ChildId=account)["Parents"][0]
    ids = {p["Id"] for p in parents.values()}
    if len(ids) != 1:
        return "the Log Archive and Audit accounts are in different OUs"
    parent = next(iter(parents.values()))
    if parent["Type"] != "ORGANIZATIONAL_UNIT":
        return "the Log Archive and Audit accounts are at the root, not in an OU"
    grand = org.list_parents(ChildId=parent["Id"])["Parents"][0]
    if grand["Id"] != root:
        return "the OU of the Log Archive and Audit accounts is not directly under the root"
    return None


def credentials_expired(exc: BaseException) -> bool:
    """True when `exc` says the session or SSO token expired (raw botocore or mapped)."""
    code = error_code(exc) or str(getattr(exc, "code", "") or "")
    return (
        code in EXPIRED_TOKEN_CODES
        or code in SSO_EXPIRY_ERRORS
        or type(exc).__name__ in SSO_EXPIRY_ERRORS
    )


@contextlib.contextmanager
def expiry_explained(what: str, operations: str) -> Iterator[None]:
    """Turn expired credentials during a long poll into a message that says the AWS operation
    keeps running and that the next run resumes it."""
    try:
        yield
    except Exception as exc:
        if not credentials_expired(exc):
            raise
        raise AwsError(
            f"your AWS credentials expired while waiting for {what}; the operation keeps running "
            f"in AWS ({operations})",
            "an SSO session or a chained role lasts at most 1 hour: sign in again (aws sso login "
            "--profile NAME) and run apply again; it resumes polling the recorded operation "
            "instead of starting a new one",
            kind="credentials",
            code=error_code(exc) or type(exc).__name__,
        ) from None


# ------------------------------------------------------------------ checks


def _zone_or_fail(ctx: StepContext) -> dict[str, Any] | Outcome:
    """The landing zone, or the check's FAIL when there is none."""
    zone = landing_zone(ctx)
    return Outcome.fail("there is no Control Tower landing zone") if zone is None else zone


def check_landing_zone(ctx: StepContext, account: str, region: str | None) -> Outcome:
    zone = _zone_or_fail(ctx)
    if isinstance(zone, Outcome):
        return zone
    drift = (zone.get("driftStatus") or {}).get("status")
    evidence = {
        "arn": zone["arn"],
        "status": zone.get("status"),
        "drift": drift,
        "version": zone.get("version"),
    }
    if zone.get("status") != "ACTIVE":
        return Outcome.fail(f"the landing zone is {zone.get('status')}", **evidence)
    if drift != "IN_SYNC":
        return Outcome.fail(f"the landing zone has drifted ({drift})", **evidence)
    return Outcome.ok("the landing zone is ACTIVE and IN_SYNC", **evidence)


def check_version(ctx: StepContext, account: str, region: str | None) -> Outcome:
    zone = _zone_or_fail(ctx)
    if isinstance(zone, Outcome):
        return zone
    version, latest = zone.get("version"), zone.get("latestAvailableVersion")
    evidence = {"version": version, "latest_available": latest}
    if latest and version != latest:
        return Outcome.warn(f"landing zone {version}; {latest} is available", **evidence)
    return Outcome.ok(f"landing zone {version} is the latest version", **evidence)


def check_regions(ctx: StepContext, account: str, region: str | None) -> Outcome:
    zone = _zone_or_fail(ctx)
    if isinstance(zone, Outcome):
        return zone
    governed = sorted((zone.get("manifest") or {}).get("governedRegions") or [])
    wanted = sorted(ctx.governed_regions)
    evidence = {"landing_zone": governed, "expected": wanted}
    if governed != wanted:
        missing = sorted(set(wanted) - set(governed))
        extra = sorted(set(governed) - set(wanted))
        return Outcome.fail(
            f"governed regions differ (missing: {', '.join(missing) or '-'}; "
            f"extra: {', '.join(extra) or '-'})",
            **evidence,
        )
    return Outcome.ok(f"the landing zone governs {', '.join(wanted)}", **evidence)


def check_registered(ctx: StepContext, account: str, region: str | None) -> Outcome:
    zone = _zone_or_fail(ctx)
    if isinstance(zone, Outcome):
        return zone
    tree = ou_tree(ctx)
    base = baseline_arns(ctx).get(BASELINE)
    by_target = {
        b["targetIdentifier"]: b
        for b in enabled_baselines(ctx)
        if b.get("baselineIdentifier") == base
    }
    state = {}
    for path in register_ous(ctx, zone.get("version")):
        arn = (tree.get(path) or {}).get("Arn")
        found = by_target.get(arn) if arn else None
        state[path] = (
            (found.get("statusSummary") or {}).get("status")
            if found
            else ("OU missing" if not arn else "not registered")
        )
    bad = {k: v for k, v in state.items() if v != "SUCCEEDED"}
    if bad:
        return Outcome.fail("; ".join(f"{k}: {v}" for k, v in bad.items()), registered=state)
    return Outcome.ok(f"{len(state)} OU(s) registered with {BASELINE}", registered=state)


def check_controls(ctx: StepContext, account: str | None, region: str | None) -> Outcome:
    controls = list(ctx.profile.control_tower.controls)
    if not controls:
        return Outcome.not_applicable("the profile enables no optional controls", controls=[])
    zone = _zone_or_fail(ctx)
    if isinstance(zone, Outcome):
        return zone
    tree = ou_tree(ctx)
    client = ctx.client("controltower")
    missing = []
    for path in register_ous(ctx, zone.get("version")):
        arn = (tree.get(path) or {}).get("Arn")
        if not arn:
            missing.append(f"{path}: OU missing")
            continue
        enabled = {
            c["controlIdentifier"]: (c.get("statusSummary") or {}).get("status")
            for c in paginate(
                client, "list_enabled_controls", "enabledControls", targetIdentifier=arn
            )
        }
        for control in controls:
            status = enabled.get(control_arn(ctx, control))
            if status != "SUCCEEDED":
                missing.append(f"{control} on {path}: {status or 'not enabled'}")
    if missing:
        return Outcome.fail(f"{len(missing)} control(s) not enabled", missing=missing[:50])
    return Outcome.ok(
        f"{len(controls)} control(s) enabled on every registered OU", controls=controls
    )


def check_roles(ctx: StepContext, account: str, region: str | None) -> Outcome:
    problems = {}
    version = target_version(ctx)
    for name, specs in accepted_roles(partition_of(ctx.home_region), version).items():
        found = best_role_problems(ctx, name, specs)
        if found is None:
            problems[name] = ["missing"]
        elif found:
            problems[name] = found
    if problems:
        return Outcome.fail(
            "; ".join(f"{k}: {', '.join(v)}" for k, v in problems.items()),
            problems=problems,
            landing_zone_version=version,
        )
    return Outcome.ok(
        f"the four Control Tower service roles are as AWS documents them for "
        f"landing zone {version}",
        landing_zone_version=version,
    )


FIX = "run: bootstrap-tui apply --step control-tower"
CHECK_LZ = Check(
    id="ct.landing-zone",
    title="Control Tower landing zone is ACTIVE and in sync",
    severity=Severity.HIGH,
    scope=Scope.MANAGEMENT,
    run=check_landing_zone,
    remediation=(
        "Control Tower console → Landing zone settings: repair drift with 'Reset' "
        "(aws controltower reset-landing-zone), or create the landing zone: " + FIX
    ),
    no_prowler="Prowler has no AWS Control Tower checks.",
)
CHECK_VERSION = Check(
    id="ct.version-current",
    title="The landing zone runs the latest version",
    severity=Severity.LOW,
    scope=Scope.MANAGEMENT,
    run=check_version,
    remediation=(
        "The update is irreversible. Set control_tower.version to the latest version and "
        "run: bootstrap-tui apply --step control-tower --confirm-destructive control-tower "
        "(or Control Tower console → Landing zone settings → Update), then re-register "
        "each OU."
    ),
    no_prowler="Prowler has no AWS Control Tower checks.",
)
CHECK_REGIONS = Check(
    id="ct.governed-regions",
    title="The landing zone governs the profile's regions",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_regions,
    remediation=(
        "Update the landing zone's governed regions to match the profile (Landing zone "
        "settings → Modify settings, or update-landing-zone with the manifest)."
    ),
    no_prowler="Prowler has no AWS Control Tower checks.",
)
CHECK_REGISTERED = Check(
    id="ct.ous-registered",
    title="The profile's OUs are registered with Control Tower",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_registered,
    remediation=(
        "Control Tower console → Organization → select the OU → Register "
        f"(EnableBaseline {BASELINE}), or {FIX}"
    ),
    no_prowler="Prowler has no AWS Control Tower checks.",
)
CHECK_CONTROLS = Check(
    id="ct.controls-enabled",
    title="The profile's Control Tower controls are enabled",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_controls,
    remediation=f"Control Tower console → Controls → enable on each registered OU, or {FIX}",
    no_prowler="Prowler has no AWS Control Tower checks.",
)
CHECK_ROLES = Check(
    id="ct.service-roles",
    title="Control Tower service roles exist as documented",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_roles,
    remediation=(
        "Recreate the AWSControlTower* roles with the documented trust and policies "
        f"(Control Tower User Guide, 'Create the required roles'), or {FIX}"
    ),
    no_prowler="Prowler has no AWS Control Tower checks.",
)


class ControlTowerStep(Step):
    id = "control-tower"
    title = "Control Tower landing zone"
    summary = (
        "Service roles, an optional KMS key, the landing zone (up to an hour), then "
        "registration of the workload OUs and the profile's controls."
    )
    requires = ("accounts",)
    long_running = True
    inputs = (
        Field(
            "access_log_retention_days",
            "Access-log retention (days)",
            kind="int",
            minimum=1,
            maximum=5475,
            default=lambda profile, answers: profile.control_tower.access_log_retention_days,
        ),
    )
    checks = (CHECK_ROLES, CHECK_LZ, CHECK_VERSION, CHECK_REGIONS, CHECK_REGISTERED, CHECK_CONTROLS)

    def skip_reason(self, ctx: StepContext) -> str | None:
        if not ctx.profile.control_tower_enabled:
            return (
                f"the {ctx.profile.name} profile does not use Control Tower: the log-archive "
                "and guardrails steps build the organization trail, AWS Config and the log "
                "bucket directly"
            )
        return None

    # ---------------------------------------------------------- plan
    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        part = partition_of(ctx.home_region)
        zone = landing_zone(ctx) if describe_org(ctx) else None
        upgrade = upgrade_to(ctx, zone)
        version = upgrade or target_version(ctx, zone)
        for name, specs in accepted_roles(part, version).items():
            problems = best_role_problems(ctx, name, specs)
            if problems is None:
                plan.add(
                    "create",
                    "IAM role",
                    name,
                    detail=f"/service-role/, trusts "
                    f"{', '.join(_principals(specs[0]['trust']))} (landing zone {version})",
                )
            elif problems:
                plan.add("update", "IAM role", name, detail="; ".join(problems))
        kms_arn = None
        if ctx.profile.control_tower.kms:
            kms_arn = find_kms_key(ctx)
            if kms_arn is None:
                plan.add(
                    "create",
                    "KMS key",
                    KMS_ALIAS,
                    detail="rotation on; CloudTrail and Config may use it",
                )
        manifest = build_manifest(
            ctx,
            kms_arn or ("<new KMS key ARN>" if ctx.profile.control_tower.kms else None),
            version,
        )
        text = json.dumps(manifest, indent=2)
        pending = ctx.operation("landing-zone")
        if zone is None:
            plan.add(
                "resume" if pending else "create",
                "landing zone",
                f"version {version}",
                detail=("operation " + pending["id"])
                if pending
                else f"{ctx.home_region}; takes 30-60 minutes",
                data={"manifest": manifest},
            )
            plan.notes.append("Landing zone manifest:\n" + text)
            if is_v4(version) and not pending:
                plan.notes.append(prerequisite_note(ctx))
        elif zone.get("status") == "FAILED":
            plan.add(
                "retry",
                "landing zone",
                zone["arn"],
                detail=f"UpdateLandingZone {version} with manifest",
                data={"manifest": manifest},
            )
            plan.notes.append("Landing zone manifest:\n" + text)
        elif zone.get("status") == "PROCESSING":
            plan.add("resume", "landing zone", zone["arn"], detail="an operation is running")
        elif upgrade:
            plan.add(
                "update",
                "landing zone",
                f"version {zone.get('version')} → {upgrade}",
                detail=(
                    "UpdateLandingZone; irreversible (no downgrade); afterwards re-register "
                    f"each OU (console: Re-register OU) for {BASELINE} "
                    f"{baseline_version(upgrade)}"
                ),
                destructive=True,
                data={"manifest": manifest},
            )
            plan.notes.append("Landing zone manifest after the update:\n" + text)
        else:
            plan.keep(
                "reusing",
                "landing zone",
                zone["arn"],
                detail=f"version {zone.get('version')}; it is checked, not recreated",
            )
            latest = zone.get("latestAvailableVersion")
            if latest and str(latest) != str(zone.get("version")):
                plan.notes.append(
                    f"landing zone {latest} is available (deployed: {zone.get('version')}); the "
                    f'update is irreversible. To take it, set control_tower.version: "{latest}" '
                    "in the profile and apply with --confirm-destructive control-tower"
                )
        active = zone is not None and zone.get("status") == "ACTIVE"
        tree = ou_tree(ctx) if describe_org(ctx) else {}
        registered: dict[str, str | None] = {}
        controls_on: dict[str, set[str]] = {}
        if active:
            base = baseline_arns(ctx).get(BASELINE)
            registered = {
                b["targetIdentifier"]: (b.get("statusSummary") or {}).get("status")
                for b in enabled_baselines(ctx)
                if b.get("baselineIdentifier") == base
            }
        for path in register_ous(ctx, version):
            arn = (tree.get(path) or {}).get("Arn")
            if not (arn and registered.get(arn) == "SUCCEEDED"):
                plan.add(
                    "enable",
                    "baseline",
                    f"{BASELINE} {baseline_version(version)}",
                    detail=f"register OU {path}",
                    data={"ou": path},
                )
        for path in register_ous(ctx, version):
            arn = (tree.get(path) or {}).get("Arn")
            if active and arn:
                controls_on[path] = {
                    c["controlIdentifier"]
                    for c in paginate(
                        ctx.client("controltower"),
                        "list_enabled_controls",
                        "enabledControls",
                        targetIdentifier=arn,
                    )
                    if (c.get("statusSummary") or {}).get("status") == "SUCCEEDED"
                }
            for control in ctx.profile.control_tower.controls:
                if control_arn(ctx, control) not in controls_on.get(path, set()):
                    plan.add(
                        "enable", "control", control, detail=f"on OU {path}", data={"ou": path}
                    )
        return plan

    # ---------------------------------------------------------- apply
    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        org = describe_org(ctx)
        if org is None or org.get("FeatureSet") != "ALL":
            raise RefusedError(
                "Control Tower needs an organization with all features",
                "run: bootstrap-tui apply --step organization",
            )
        log_archive, audit = shared_accounts(ctx)
        if not (log_archive and audit):
            raise RefusedError(
                "the Log Archive and Audit accounts must exist first",
                "run: bootstrap-tui apply --step accounts",
            )
        zone = self._after_running_operation(ctx, landing_zone(ctx))
        upgrade = upgrade_to(ctx, zone)
        if upgrade and not plan.destructive:
            upgrade = None  # the plan given to apply did not include (confirm) the update
        version = upgrade or target_version(ctx, zone)
        self._ensure_roles(ctx, version)
        kms_arn = self._ensure_kms(ctx) if ctx.profile.control_tower.kms else None
        self._ensure_landing_zone(ctx, build_manifest(ctx, kms_arn, version), version, upgrade)
        self._register_ous(ctx, version)
        self._enable_controls(ctx, version)

    def _ensure_roles(self, ctx: StepContext, version: str) -> None:
        iam = ctx.client("iam")
        for name, specs in accepted_roles(partition_of(ctx.home_region), version).items():
            problems = best_role_problems(ctx, name, specs)
            if problems == []:
                continue
            spec = specs[0]
            ctx.progress(f"IAM role {name}")
            if problems is None:
                try:
                    iam.create_role(
                        RoleName=name,
                        Path="/service-role/",
                        AssumeRolePolicyDocument=json.dumps(spec["trust"]),
                        Description="Used by AWS Control Tower (bootstrap-tui)",
                    )
                except Exception as exc:
                    if error_code(exc) != "EntityAlreadyExists":
                        raise
            else:
                iam.update_assume_role_policy(
                    RoleName=name, PolicyDocument=json.dumps(spec["trust"])
                )
            for arn in spec["managed"]:
                iam.attach_role_policy(RoleName=name, PolicyArn=arn)
            for policy, document in spec["inline"].items():
                iam.put_role_policy(
                    RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document)
                )
            present = set(paginate(iam, "list_role_policies", "PolicyNames", RoleName=name))
            for policy in set(spec.get("absent_inline", [])) & present:
                iam.delete_role_policy(RoleName=name, PolicyName=policy)

    def _ensure_kms(self, ctx: StepContext) -> str:
        kms = ctx.client("kms")
        found = find_kms_key(ctx)
        if found:
            key_id: str | None = found.rsplit("/", 1)[-1]
        else:
            pending = ctx.operation("kms-key")
            key_id = pending["id"] if pending else None
            if key_id is None:  # killed between CreateKey and recording it: adopt the tagged key
                orphan = unaliased_tagged_key(kms, "control-tower")
                key_id = orphan["KeyId"] if orphan else None
            if key_id is None:
                ctx.progress("creating the landing zone KMS key")
                policy = kms_key_policy(
                    ctx.management_account_id, ctx.home_region, partition_of(ctx.home_region)
                )
                key_id = kms.create_key(
                    Policy=json.dumps(policy),
                    Description="AWS Control Tower logs (bootstrap-tui)",
                    KeyUsage="ENCRYPT_DECRYPT",
                    KeySpec="SYMMETRIC_DEFAULT",
                    Tags=[{"TagKey": PURPOSE_TAG, "TagValue": "control-tower"}],
                )["KeyMetadata"]["KeyId"]
                ctx.record_operation("kms-key", key_id)  # before the alias: no orphan on crash
            kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key_id)
            ctx.clear_operation("kms-key")
        if not kms.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled"):
            kms.enable_key_rotation(KeyId=key_id)
        arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        ctx.remember("kms_key_arn", arn)
        return arn

    def _ensure_landing_zone(
        self, ctx: StepContext, manifest: dict[str, Any], version: str, upgrade: str | None = None
    ) -> None:
        client = ctx.client("controltower")
        zone = landing_zone(ctx)
        pending = ctx.operation("landing-zone")
        op_id = pending["id"] if pending else None
        if op_id is None:
            if zone is None:
                if is_v4(version):
                    problem = integration_ou_problem(ctx)
                    if problem:
                        raise RefusedError(
                            f"landing zone {version} cannot be created: {problem}",
                            "run: bootstrap-tui apply --step accounts (it moves both "
                            f"into the {security_ou(ctx)} OU)",
                        )
                ctx.progress(f"creating the landing zone {version} (30-60 minutes)")
                started = client.create_landing_zone(version=version, manifest=manifest)
                op_id = started["operationIdentifier"]
                ctx.record_operation("landing-zone", op_id, arn=started["arn"], kind="CREATE")
            elif zone.get("status") == "FAILED" or upgrade:
                ctx.progress(
                    f"updating the landing zone to {version} (UpdateLandingZone)"
                    if upgrade
                    else "retrying the failed landing zone (UpdateLandingZone)"
                )
                op_id = client.update_landing_zone(
                    landingZoneIdentifier=zone["arn"], version=version, manifest=manifest
                )["operationIdentifier"]
                ctx.record_operation("landing-zone", op_id, arn=zone["arn"], kind="UPDATE")
            elif zone.get("status") == "PROCESSING":
                op_id = self._running_landing_zone_operation(ctx)
                if op_id:
                    ctx.record_operation("landing-zone", op_id, arn=zone["arn"], kind="ADOPTED")
        if op_id:
            self._wait_landing_zone(ctx, op_id)
        zone = landing_zone(ctx)
        if zone is None or zone.get("status") != "ACTIVE":
            raise RefusedError(
                f"the landing zone is {zone.get('status') if zone else 'missing'}",
                "run apply again later; polling resumes",
            )
        ctx.remember("landing_zone_arn", zone["arn"])

    def _after_running_operation(
        self, ctx: StepContext, zone: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """AWS runs one landing zone operation at a time (ConflictException otherwise): wait for
        one in progress that this run did not start, then look at the landing zone again."""
        if zone is None or zone.get("status") != "PROCESSING" or ctx.operation("landing-zone"):
            return zone
        running = self._running_landing_zone_operation(ctx)
        if running is None:
            return zone
        ctx.record_operation("landing-zone", running, arn=zone["arn"], kind="ADOPTED")
        self._wait_landing_zone(ctx, running)
        return landing_zone(ctx)

    @staticmethod
    def _running_landing_zone_operation(ctx: StepContext) -> str | None:
        running = paginate(
            ctx.client("controltower"),
            "list_landing_zone_operations",
            "landingZoneOperations",
            filter={"statuses": ["IN_PROGRESS"]},
        )
        return next((o["operationIdentifier"] for o in running), None)

    def _wait_landing_zone(self, ctx: StepContext, op_id: str) -> None:
        client = ctx.client("controltower")
        result: dict[str, Any] = {}

        def describe() -> tuple[bool, str]:
            details = client.get_landing_zone_operation(operationIdentifier=op_id)[
                "operationDetails"
            ]
            result.update(details)
            return details["status"] != "IN_PROGRESS", details["status"]

        ctx.progress(f"waiting for landing zone operation {op_id} (up to an hour); {SESSION_NOTE}")
        try:
            with expiry_explained("the landing zone", f"operation {op_id}"):
                ctx.poll(
                    describe,
                    interval=LZ_POLL,
                    timeout=LZ_TIMEOUT,
                    what="landing zone",
                    kind="landing-zone",
                )
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                ctx.clear_operation("landing-zone")
                raise RefusedError(
                    f"the recorded landing zone operation {op_id} no longer exists",
                    "run apply again: it checks the landing zone itself",
                ) from None
            raise
        ctx.clear_operation("landing-zone")
        if result.get("status") == "FAILED":
            raise RefusedError(
                f"the landing zone operation FAILED: {result.get('statusMessage') or 'no reason given'}",
                LZ_FAILED_HINT,
            )

    def _register_ous(self, ctx: StepContext, version: str) -> None:
        paths = register_ous(ctx, version)
        if not paths:
            return
        client = ctx.client("controltower")
        arns = baseline_arns(ctx)
        base = arns.get(BASELINE)
        if not base:
            raise RefusedError(
                f"{BASELINE} is not offered by ListBaselines in {ctx.home_region}",
                "check the landing zone version and home region",
            )
        parameters = []
        if ctx.profile.control_tower.access_management and arns.get(IDC_BASELINE):
            idc = [
                b["arn"]
                for b in enabled_baselines(ctx)
                if b.get("baselineIdentifier") == arns[IDC_BASELINE]
            ]
            if idc:
                parameters = [{"key": "IdentityCenterEnabledBaselineArn", "value": idc[0]}]
            else:
                ctx.progress(f"note: no enabled {IDC_BASELINE} found; registering without it")
        tree = ou_tree(ctx)
        done = {
            b["targetIdentifier"]: b
            for b in enabled_baselines(ctx)
            if b.get("baselineIdentifier") == base
        }
        # Parents must be registered before children: one depth level at a time.
        for depth in sorted({p.count("/") for p in paths}):
            tasks = []
            for path in paths:
                if path.count("/") != depth:
                    continue
                arn = (tree.get(path) or {}).get("Arn")
                if not arn:
                    raise RefusedError(
                        f"OU {path!r} does not exist",
                        "run: bootstrap-tui apply --step organization",
                    )
                existing = done.get(arn)
                status = (existing or {}).get("statusSummary", {}).get("status")
                if status == "SUCCEEDED":
                    ctx.clear_operation(f"baseline:{path}")
                    continue
                tasks.append((f"baseline:{path}", {"path": path, "arn": arn, "existing": existing}))

            def submit(task: dict[str, Any]) -> str | None:
                existing = task["existing"]
                if existing and existing.get("statusSummary", {}).get("status") == "FAILED":
                    return client.reset_enabled_baseline(enabledBaselineIdentifier=existing["arn"])[
                        "operationIdentifier"
                    ]
                if existing:  # UNDER_CHANGE: wait on its last operation
                    return existing.get("statusSummary", {}).get("lastOperationIdentifier")
                kwargs: dict[str, Any] = {
                    "baselineIdentifier": base,
                    "baselineVersion": baseline_version(version),
                    "targetIdentifier": task["arn"],
                }
                if parameters:
                    kwargs["parameters"] = parameters
                return client.enable_baseline(**kwargs)["operationIdentifier"]

            if tasks:
                ctx.progress(
                    f"registering {len(tasks)} OU(s) can take up to an hour; {SESSION_NOTE}"
                )
            with expiry_explained("OU registration", "recorded in the state file"):
                results = run_operations(
                    ctx,
                    tasks,
                    submit=submit,
                    status=lambda op: op_status(ctx, "baseline", op),
                    what="registering OUs",
                    interval=OP_POLL,
                    timeout=LZ_TIMEOUT,
                    max_in_flight=MAX_IN_FLIGHT,
                    kind="register-ou",
                    label=lambda task: f"OU {task['path']}",
                )
            self._raise_failures(results, "registering OU")

    def _enable_controls(self, ctx: StepContext, version: str) -> None:
        controls = list(ctx.profile.control_tower.controls)
        if not controls:
            return
        client = ctx.client("controltower")
        tree = ou_tree(ctx)
        tasks = []
        for path in register_ous(ctx, version):
            arn = tree[path]["Arn"]
            enabled = {
                c["controlIdentifier"]: c
                for c in paginate(
                    client, "list_enabled_controls", "enabledControls", targetIdentifier=arn
                )
            }
            for control in controls:
                ident = control_arn(ctx, control)
                status = (enabled.get(ident) or {}).get("statusSummary", {}).get("status")
                if status == "SUCCEEDED":
                    ctx.clear_operation(f"control:{control}@{path}")
                else:
                    tasks.append(
                        (
                            f"control:{control}@{path}",
                            {"control": ident, "target": arn, "existing": enabled.get(ident)},
                        )
                    )

        def submit(task: dict[str, Any]) -> str | None:
            existing = task["existing"]
            if existing:
                return existing.get("statusSummary", {}).get("lastOperationIdentifier")
            try:
                return client.enable_control(
                    controlIdentifier=task["control"], targetIdentifier=task["target"]
                )["operationIdentifier"]
            except Exception as exc:
                if error_code(exc) == "ValidationException" and "already enabled" in str(exc):
                    return None
                raise

        with expiry_explained("the controls", "recorded in the state file"):
            results = run_operations(
                ctx,
                tasks,
                submit=submit,
                status=lambda op: op_status(ctx, "control", op),
                what="enabling controls",
                interval=OP_POLL,
                timeout=LZ_TIMEOUT,
                max_in_flight=MAX_IN_FLIGHT,
                kind="enable-control",
                label=lambda task: (
                    f"{task['control'].rsplit('/', 1)[-1]} on {task['target'].rsplit('/', 1)[-1]}"
                ),
            )
        self._raise_failures(results, "enabling")

    @staticmethod
    def _raise_failures(results: dict[str, tuple[str, str | None]], what: str) -> None:
        failed = {k: m for k, (s, m) in results.items() if s == "FAILED"}
        if failed:
            detail = "; ".join(
                f"{k.split(':', 1)[1]}: {m or 'no reason given'}" for k, m in failed.items()
            )
            raise RefusedError(
                f"{what} failed for {len(failed)} item(s): {detail}",
                "fix the cause, then run apply again; finished items are kept",
            )


STEP = ControlTowerStep()
