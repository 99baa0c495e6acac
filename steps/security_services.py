"""security-services: GuardDuty, Security Hub, AWS Config, IAM Access Analyzer and Amazon
Inspector (all administered from the Audit account), AWS Backup on the workload OUs (from the
management account), a monthly budget, and the security alternate contact on every account."""

from __future__ import annotations

import json
from functools import partial
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from collections.abc import Callable, Iterable

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import (
    Change,
    Check,
    CheckFn,
    Field,
    Outcome,
    Plan,
    Scope,
    Severity,
    Step,
)

from steps.management_account import contact_change
from steps import inspector_scanning, org_backup
from steps._errors import call_or, error_code
from steps._fanout import parallel
from steps._naming import PREFIX
from steps._org import (
    account_label,
    all_account_ids,
    audit_account,
    delegated_admins,
    ensure_delegated_admin,
    ensure_service_access,
    future_org,
    is_future,
    log_archive_account,
    org_id,
)

BUDGET_NAME = f"{PREFIX}-monthly-cost"
ANALYZER_NAME = f"{PREFIX}-organization"
AGGREGATOR_NAME = f"{PREFIX}-organization"
AGGREGATOR_ROLE = f"{PREFIX}-config-aggregator"
RECORDER_NAME = "default"
CONFIG_SLR = "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
DEFAULT_STANDARDS = ("aws-foundational-security-best-practices/v/1.0.0",)


def svc(ctx: StepContext, name: str) -> Any:
    """The profile's settings of one security service (security_services.<name>)."""
    return getattr(ctx.profile.security_services, name)


def enabled(ctx: StepContext, name: str) -> bool:
    """Whether the profile turns the service on (the budget has no switch: always)."""
    return getattr(svc(ctx, name), "enabled", True)


def gd_auto(ctx: StepContext) -> str:
    """GuardDuty AutoEnableOrganizationMembers: ALL (existing and new accounts) or NONE."""
    return "ALL" if svc(ctx, "guardduty").auto_enable else "NONE"


def standard_arn(path: str, region: str) -> str:
    return f"arn:aws:securityhub:{region}::standards/{path}"


def standards(ctx: StepContext) -> list[str]:
    return list(svc(ctx, "securityhub").standards or DEFAULT_STANDARDS)


def need_audit(ctx: StepContext) -> str:
    audit = audit_account(ctx)
    if not audit:
        raise RefusedError(
            "the Audit account was not found in the organization",
            "run the accounts step first (bootstrap-tui apply --step accounts --yes)",
        )
    return audit


def config_bucket(ctx: StepContext) -> str | None:
    """Where AWS Config delivers: Control Tower's logs bucket, else the log-archive step's Config bucket
    (never the Object Lock trail bucket: AWS Config cannot deliver to a bucket with Object Lock)."""
    la = log_archive_account(ctx)
    if not la:
        return None
    if ctx.profile.control_tower_enabled:
        return f"aws-controltower-logs-{la}-{ctx.home_region}"
    from steps.log_archive import config_delivery_bucket

    return config_delivery_bucket(la, ctx.home_region)


# ------------------------------------------------------------------ reads


def gd_detector(ctx: StepContext, account: str, region: str) -> dict[str, Any] | None:
    if is_future(ctx, account):
        return None
    gd = ctx.client("guardduty", account=account, region=region)
    ids = gd.list_detectors().get("DetectorIds", [])
    if not ids:
        return None
    detail = gd.get_detector(DetectorId=ids[0])
    return {"id": ids[0], "status": detail.get("Status")}


def gd_admin(ctx: StepContext, region: str) -> list[str]:
    if future_org(ctx):
        return []
    gd = ctx.client("guardduty", region=region)
    return [
        a["AdminAccountId"]
        for a in gd.list_organization_admin_accounts().get("AdminAccounts", [])
        if a.get("AdminStatus") == "ENABLED"
    ]


def gd_org_config(ctx: StepContext, audit: str, region: str, detector: str) -> dict[str, Any]:
    return ctx.client(
        "guardduty", account=audit, region=region
    ).describe_organization_configuration(DetectorId=detector)


def gd_members(ctx: StepContext, audit: str, region: str, detector: str) -> dict[str, str]:
    gd = ctx.client("guardduty", account=audit, region=region)
    members = [
        m
        for page in gd.get_paginator("list_members").paginate(
            DetectorId=detector, OnlyAssociated="false"
        )
        for m in page["Members"]
    ]
    return {m["AccountId"]: m.get("RelationshipStatus", "") for m in members}


def sh_hub(ctx: StepContext, account: str, region: str) -> dict[str, Any] | None:
    if is_future(ctx, account):
        return None
    sh = ctx.client("securityhub", account=account, region=region)
    return call_or(None, sh.describe_hub, "InvalidAccessException", "ResourceNotFoundException")


def sh_admin(ctx: StepContext, region: str) -> list[str]:
    if future_org(ctx):
        return []
    sh = ctx.client("securityhub", region=region)
    return [
        a["AccountId"]
        for a in sh.list_organization_admin_accounts().get("AdminAccounts", [])
        if a.get("Status") == "ENABLED"
    ]


def sh_members(ctx: StepContext, audit: str, region: str) -> set[str]:
    sh = ctx.client("securityhub", account=audit, region=region)
    return {
        m["AccountId"]
        for page in sh.get_paginator("list_members").paginate(OnlyAssociated=False)
        for m in page["Members"]
    }


def sh_subscriptions(ctx: StepContext, account: str, region: str) -> dict[str, dict[str, Any]]:
    """The account's standards subscriptions in the region, by StandardsArn."""
    sh = ctx.client("securityhub", account=account, region=region)
    return {
        s["StandardsArn"]: s
        for page in sh.get_paginator("get_enabled_standards").paginate()
        for s in page["StandardsSubscriptions"]
    }


def sh_enabled_standards(ctx: StepContext, account: str, region: str) -> dict[str, str]:
    return {
        arn: s.get("StandardsStatus", "")
        for arn, s in sh_subscriptions(ctx, account, region).items()
    }


def sh_aggregators(ctx: StepContext, audit: str) -> list[dict[str, Any]]:
    sh = ctx.client("securityhub", account=audit, region=ctx.home_region)
    arns = [
        a["FindingAggregatorArn"]
        for a in sh.list_finding_aggregators().get("FindingAggregators", [])
    ]
    return [sh.get_finding_aggregator(FindingAggregatorArn=arn) for arn in arns]


def config_state(ctx: StepContext, account: str, region: str) -> dict[str, Any]:
    if is_future(ctx, account):
        return {"recorders": [], "recording": False, "channels": []}
    cfg = ctx.client("config", account=account, region=region)
    recorders = cfg.describe_configuration_recorders().get("ConfigurationRecorders", [])
    statuses = cfg.describe_configuration_recorder_status().get("ConfigurationRecordersStatus", [])
    channels = cfg.describe_delivery_channels().get("DeliveryChannels", [])
    return {
        "recorders": recorders,
        "recording": any(s.get("recording") for s in statuses),
        "channels": channels,
    }


def config_aggregators(ctx: StepContext, audit: str) -> list[dict[str, Any]]:
    if is_future(ctx, audit):
        return []
    cfg = ctx.client("config", account=audit, region=ctx.home_region)
    return [
        a
        for a in cfg.describe_configuration_aggregators().get("ConfigurationAggregators", [])
        if a.get("OrganizationAggregationSource")
    ]


def org_analyzers(ctx: StepContext, audit: str, region: str) -> list[dict[str, Any]]:
    if is_future(ctx, audit):
        return []
    aa = ctx.client("accessanalyzer", account=audit, region=region)
    return [
        a
        for a in aa.list_analyzers(type="ORGANIZATION").get("analyzers", [])
        if a.get("status") == "ACTIVE"
    ]


def get_budget(ctx: StepContext) -> dict[str, Any] | None:
    budgets = ctx.client("budgets", region="us-east-1")
    return call_or(
        None,
        lambda: budgets.describe_budget(
            AccountId=ctx.management_account_id, BudgetName=BUDGET_NAME
        )["Budget"],
        "NotFoundException",
    )


def budget_notifications(ctx: StepContext) -> list[dict[str, Any]]:
    budgets = ctx.client("budgets", region="us-east-1")
    return budgets.describe_notifications_for_budget(
        AccountId=ctx.management_account_id, BudgetName=BUDGET_NAME
    ).get("Notifications", [])


def security_contact(ctx: StepContext, account: str) -> dict[str, Any] | None:
    if is_future(ctx, account):
        return None
    client = ctx.client("account", account=account, region="us-east-1")
    return call_or(
        None,
        lambda: client.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"],
        "ResourceNotFoundException",
    )


# ------------------------------------------------------------------ checks


def gated(service: str, option: str | None = None) -> Callable[[CheckFn], CheckFn]:
    """A check that reports WARN (not FAIL) when the profile turns the service off."""

    def wrap(fn: CheckFn) -> CheckFn:
        def run(ctx: StepContext, account: str, region: Any) -> Outcome | Iterable[Outcome]:
            on = enabled(ctx, service) and (
                option is None or bool(getattr(svc(ctx, service), option))
            )
            if not on:
                what = f"security_services.{service}" + (f".{option}" if option else ".enabled")
                return Outcome.warn(
                    f"turned off in the profile ({what}: false)", profile_setting=what
                )
            return fn(ctx, account, region)

        run.__name__ = fn.__name__
        return run

    return wrap


@gated("guardduty")
def check_gd_enabled(ctx: StepContext, account: str, region: str) -> Outcome:
    detector = gd_detector(ctx, account, region)
    if detector and detector["status"] == "ENABLED":
        return Outcome.ok("GuardDuty detector enabled", detector_status="ENABLED")
    return Outcome.fail(
        "no enabled GuardDuty detector", detector_status=(detector or {}).get("status")
    )


@gated("guardduty")
def check_gd_admin(ctx: StepContext, account: str, region: str) -> Outcome:
    audit = audit_account(ctx)
    admins = gd_admin(ctx, region)
    if audit and audit in admins:
        return Outcome.ok(f"the Audit account {audit} administers GuardDuty", admin_accounts=admins)
    return Outcome.fail(
        "the Audit account is not GuardDuty's delegated administrator", admin_accounts=admins
    )


@gated("securityhub")
def check_sh_enabled(ctx: StepContext, account: str, region: str) -> Outcome:
    hub = sh_hub(ctx, account, region)
    if hub:
        return Outcome.ok("Security Hub is enabled", HubArn=hub.get("HubArn"))
    return Outcome.fail("Security Hub is not enabled")


def standards_gaps(
    subscriptions: dict[str, dict[str, Any]], wanted: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The wanted standards not enabled, and those INCOMPLETE (some controls failed) with AWS's reason."""
    status = {w: (subscriptions.get(w) or {}).get("StandardsStatus") for w in wanted}
    missing = [w for w in wanted if status[w] not in ("READY", "PENDING", "INCOMPLETE")]
    incomplete = {
        w.split("standards/")[-1]: (subscriptions[w].get("StandardsStatusReason") or {}).get(
            "StatusReasonCode", "no reason given"
        )
        for w in wanted
        if status[w] == "INCOMPLETE"
    }
    return missing, incomplete


@gated("securityhub")
def check_sh_standards(ctx: StepContext, account: str, region: str) -> Outcome:
    audit = audit_account(ctx)
    admins = sh_admin(ctx, region) if account == audit else []
    subscriptions = sh_subscriptions(ctx, account, region) if sh_hub(ctx, account, region) else {}
    missing, incomplete = standards_gaps(
        subscriptions, [standard_arn(p, region) for p in standards(ctx)]
    )
    evidence = {
        "enabled_standards": sorted(subscriptions),
        "missing": missing,
        "incomplete": incomplete,
    }
    if account == audit:
        evidence["admin_accounts"] = admins
        if audit not in admins:
            return Outcome.fail(
                "the Audit account is not Security Hub's delegated administrator", **evidence
            )
    if missing:
        return Outcome.fail(f"{len(missing)} profile standard(s) not enabled", **evidence)
    if incomplete:
        reasons = ", ".join(f"{k}: {v}" for k, v in incomplete.items())
        return Outcome.warn(
            f"standard(s) INCOMPLETE, some controls are not running ({reasons})", **evidence
        )
    return Outcome.ok("the profile's standards are enabled", **evidence)


@gated("securityhub", "aggregator")
def check_sh_aggregator(ctx: StepContext, account: str, region: str | None) -> Outcome:
    aggregators = sh_aggregators(ctx, account)
    evidence = {
        "aggregators": [
            {
                "region": a.get("FindingAggregationRegion"),
                "mode": a.get("RegionLinkingMode"),
                "regions": a.get("Regions", []),
            }
            for a in aggregators
        ]
    }
    if any(a.get("FindingAggregationRegion") == ctx.home_region for a in aggregators):
        return Outcome.ok(f"findings are aggregated in {ctx.home_region}", **evidence)
    return Outcome.fail(f"no Security Hub finding aggregator in {ctx.home_region}", **evidence)


SERVICE_LINKED_RECORDER_PREFIX = "AWSConfigurationRecorderFor"


def account_recorder(recorders: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The account's own (customer-managed) recorder; service-linked recorders have a limited scope."""
    return next(
        (
            r
            for r in recorders
            if not r.get("name", "").startswith(SERVICE_LINKED_RECORDER_PREFIX)
            and r.get("recordingScope") != "INTERNAL"
            and not r.get("servicePrincipal")
        ),
        None,
    )


def records_all_supported(group: dict[str, Any]) -> bool:
    return (
        bool(group.get("allSupported"))
        or (group.get("recordingStrategy") or {}).get("useOnly") == "ALL_SUPPORTED_RESOURCE_TYPES"
    )


def delivery_status(
    ctx: StepContext, account: str, region: str, names: list[str]
) -> tuple[list[str], list[str]]:
    """(failures, never delivered) of the channels' history and snapshot deliveries."""
    cfg = ctx.client("config", account=account, region=region)
    statuses = cfg.describe_delivery_channel_status(DeliveryChannelNames=names).get(
        "DeliveryChannelsStatus", []
    )
    failures, pending = [], []
    for status in statuses:
        infos = {
            kind: status.get(f"config{kind.capitalize()}DeliveryInfo") or {}
            for kind in ("history", "snapshot")
        }
        for kind, info in infos.items():
            if info.get("lastStatus") == "Failure":
                failures.append(
                    f"{kind} delivery of channel {status['name']} failed: "
                    f"{info.get('lastErrorCode', '?')} {info.get('lastErrorMessage', '')}".rstrip()
                )
        if not any(info.get("lastStatus") == "Success" for info in infos.values()):
            pending.append(status["name"])
    return failures, pending


def recorder_problems(
    ctx: StepContext, region: str, recorder: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """(failures, warnings) of the recorder's recording group."""
    group = recorder.get("recordingGroup") or {}
    failures, warnings = [], []
    if not records_all_supported(group):
        failures.append(f"recorder {recorder['name']} does not record all supported resource types")
    global_types = bool(group.get("includeGlobalResourceTypes"))
    if region == ctx.home_region and not global_types:
        failures.append(
            f"recorder {recorder['name']} does not record global resource types (IAM) in the home "
            f"region {region}"
        )
    if region != ctx.home_region and global_types:
        warnings.append(
            f"recorder {recorder['name']} records global resource types outside the home region "
            f"{ctx.home_region}: they are recorded (and billed) twice"
        )
    return failures, warnings


def recorder_drift(ctx: StepContext, region: str, state: dict[str, Any]) -> bool:
    """The account's recorder is missing or records less (or global types elsewhere) than the home-region rule."""
    recorder = account_recorder(state["recorders"])
    return recorder is None or any(recorder_problems(ctx, region, recorder))


@dataclass
class ConfigTarget:
    """What the config step sends for one account and region, and each change as a plan line."""

    recorder_name: str
    recorder: dict[str, Any] | None = None  # PutConfigurationRecorder body, None: unchanged
    channel: dict[str, Any] | None = None  # PutDeliveryChannel body, None: unchanged
    start: bool = False
    edits: list[str] = field(default_factory=list)
    kept: list[str] = field(
        default_factory=list
    )  # what of an existing recorder or channel stays as it is


def recorded_types(group: dict[str, Any]) -> str:
    """A recording group's scope in words."""
    if records_all_supported(group):
        return "all supported resource types"
    types = group.get("resourceTypes") or []
    if types:
        return (
            ", ".join(types[:4])
            + (f" and {len(types) - 4} more" if len(types) > 4 else "")
            + " only"
        )
    excluded = (group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or []
    return f"all but {', '.join(excluded[:4])}" if excluded else "no resource types"


def config_target(
    ctx: StepContext, account: str, region: str, state: dict[str, Any], bucket: str | None
) -> ConfigTarget:
    """The account's recorder and channel as the baseline wants them. AWS allows one customer-managed
    recorder and one delivery channel per account and region, and neither can be renamed: an existing
    one is adopted by name (its role, recording mode and SNS topic kept) and changed field by field."""
    own = account_recorder(state["recorders"])
    home = region == ctx.home_region
    name = own["name"] if own else RECORDER_NAME
    target = ConfigTarget(name)
    group = (own or {}).get("recordingGroup") or {}
    want_group = {"allSupported": True, "includeGlobalResourceTypes": home}
    if own is None:
        target.recorder = {
            "name": name,
            "roleARN": f"arn:aws:iam::{account}:role/{CONFIG_SLR}",
            "recordingGroup": want_group,
        }
        target.edits.append(
            f"create recorder {name}: {recorded_types(want_group)}"
            + (", global resource types (IAM) included" if home else "")
        )
    else:
        edits = []
        if not records_all_supported(group):
            edits.append(f"recorded types: {recorded_types(group)} → all supported resource types")
        if bool(group.get("includeGlobalResourceTypes")) != home:
            edits.append(
                f"includeGlobalResourceTypes {str(bool(group.get('includeGlobalResourceTypes'))).lower()}"
                f" → {str(home).lower()}"
                + (
                    " (home region)"
                    if home
                    else f" (recorded once, in the home region {ctx.home_region})"
                )
            )
        if own.get("roleARN"):
            target.kept.append(f"recorder {name}: its role {own['roleARN']}")
        if edits:
            target.recorder = {
                "name": name,
                "roleARN": own["roleARN"],
                "recordingGroup": want_group,
                **({"recordingMode": own["recordingMode"]} if own.get("recordingMode") else {}),
            }
            target.edits += [f"recorder {name} (kept, with its role): {e}" for e in edits]
    channel = state["channels"][0] if state["channels"] else None
    want_prefix = org_id(ctx) if ctx.profile.control_tower_enabled else None
    if channel is None:
        target.channel = {
            "name": RECORDER_NAME,
            "s3BucketName": bucket,
            "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"},
            **({"s3KeyPrefix": want_prefix} if want_prefix else {}),
        }
        target.edits.append(
            f"create delivery channel {RECORDER_NAME}: s3://{bucket}"
            + (f"/{want_prefix}" if want_prefix else "")
        )
    elif bucket and (
        channel.get("s3BucketName") != bucket
        or channel.get("s3KeyPrefix") != want_prefix
        or channel.get("s3KmsKeyArn")
    ):
        body = {
            k: v
            for k, v in channel.items()
            if k in ("name", "snsTopicARN", "configSnapshotDeliveryProperties")
        }
        body.update(s3BucketName=bucket, **({"s3KeyPrefix": want_prefix} if want_prefix else {}))
        target.channel = body
        for key, new in (
            ("s3BucketName", bucket),
            ("s3KeyPrefix", want_prefix),
            ("s3KmsKeyArn", None),
        ):
            if channel.get(key) != new:
                target.edits.append(
                    f"delivery channel {channel['name']} (kept): {key} {channel.get(key) or 'none'} "
                    f"→ {new or 'none'}"
                )
        if channel.get("snsTopicARN"):
            target.kept.append(
                f"delivery channel {channel['name']}: its SNS topic {channel['snsTopicARN']}"
            )
    if not state["recording"]:
        target.start = True
        target.edits.append(f"start recorder {name}" + (" (it is stopped)" if own else ""))
    return target


@gated("config")
def check_config_recorder(ctx: StepContext, account: str, region: str) -> Outcome:
    cfg = ctx.client("config", account=account, region=region)
    recorders = cfg.describe_configuration_recorders().get("ConfigurationRecorders", [])
    recorder = account_recorder(recorders)
    channels = cfg.describe_delivery_channels().get("DeliveryChannels", [])
    evidence: dict[str, Any] = {
        "recorders": [r.get("name") for r in recorders],
        "delivery_channels": [c.get("s3BucketName") for c in channels],
    }
    if recorder is None:
        return Outcome.fail(
            "no configuration recorder of the account (service-linked recorders do not count)",
            **evidence,
        )
    statuses = cfg.describe_configuration_recorder_status(
        ConfigurationRecorderNames=[recorder["name"]]
    ).get("ConfigurationRecordersStatus", [])
    recording = any(s.get("recording") for s in statuses)
    evidence.update(
        recorder=recorder["name"],
        recordingGroup=recorder.get("recordingGroup", {}),
        recording=recording,
    )
    failures, warnings = recorder_problems(ctx, region, recorder)
    if not recording:
        failures.append(f"recorder {recorder['name']} is not recording")
    if not channels:
        failures.append("no delivery channel")
    else:
        failed, pending = delivery_status(ctx, account, region, [c["name"] for c in channels])
        failures += failed
        warnings += [
            f"delivery channel {n} has not delivered yet (no Success in its history or snapshot "
            "delivery status)"
            for n in pending
        ]
    if failures:
        return Outcome.fail("; ".join(failures), **evidence)
    if warnings:
        return Outcome.warn("; ".join(warnings), **evidence)
    return Outcome.ok(
        f"recorder {recorder['name']} records all supported resource types and is recording; "
        "its last delivery succeeded",
        **evidence,
    )


@gated("config", "aggregator")
def check_config_aggregator(ctx: StepContext, account: str, region: str | None) -> Outcome:
    aggregators = config_aggregators(ctx, account)
    names = [a["ConfigurationAggregatorName"] for a in aggregators]
    if aggregators:
        return Outcome.ok(f"organization aggregator(s): {', '.join(names)}", aggregators=names)
    return Outcome.fail("no organization Config aggregator in the Audit account", aggregators=names)


@gated("access_analyzer")
def check_access_analyzer(ctx: StepContext, account: str, region: str) -> Outcome:
    analyzers = org_analyzers(ctx, account, region)
    names = [a["name"] for a in analyzers]
    if analyzers:
        return Outcome.ok("an ORGANIZATION analyzer is active", analyzers=names)
    return Outcome.fail("no active ORGANIZATION analyzer", analyzers=names)


@gated("budget")
def check_budget(ctx: StepContext, account: str, region: str | None) -> Outcome:
    budget = get_budget(ctx)
    if budget is None:
        return Outcome.fail(f"no budget named {BUDGET_NAME}")
    thresholds = sorted(n["Threshold"] for n in budget_notifications(ctx))
    limit = budget.get("BudgetLimit", {})
    evidence = {
        "budget": BUDGET_NAME,
        "limit": f"{limit.get('Amount')} {limit.get('Unit')}",
        "alert_thresholds_percent": thresholds,
    }
    want = sorted(float(t) for t in svc(ctx, "budget").thresholds_percent)
    if [float(t) for t in thresholds] != want:
        return Outcome.fail("budget alerts differ from the profile", **evidence)
    return Outcome.ok("monthly cost budget with alerts", **evidence)


def check_security_contact(ctx: StepContext, account: str, region: str | None) -> Outcome:
    contact = security_contact(ctx, account)
    if contact and contact.get("EmailAddress"):
        return Outcome.ok(
            "security alternate contact is set",
            has_email=True,
            has_phone=bool(contact.get("PhoneNumber")),
        )
    return Outcome.fail("no security alternate contact")


AUDIT_KEY = "audit"
CHECKS = (
    Check(
        "security-services.guardduty-enabled",
        "GuardDuty is enabled",
        Severity.HIGH,
        Scope.ACCOUNT_REGION,
        check_gd_enabled,
        "From the Audit account (GuardDuty delegated admin): set auto-enable to ALL and add every account "
        "as a member in each governed region.",
        prowler="guardduty_is_enabled",
    ),
    Check(
        "security-services.guardduty-delegated-admin",
        "GuardDuty is administered by the Audit account",
        Severity.MEDIUM,
        Scope.REGION,
        check_gd_admin,
        "aws guardduty enable-organization-admin-account --admin-account-id <audit> in each governed region "
        "(from the management account).",
        prowler="guardduty_delegated_admin_enabled_all_regions",
    ),
    Check(
        "security-services.securityhub-enabled",
        "Security Hub is enabled",
        Severity.HIGH,
        Scope.ACCOUNT_REGION,
        check_sh_enabled,
        "From the Audit account (Security Hub delegated admin): enable auto-enable and add the existing "
        "accounts as members in each governed region.",
        prowler="securityhub_enabled",
    ),
    Check(
        "security-services.securityhub-standards",
        "Security Hub runs the profile's standards in every account",
        Severity.MEDIUM,
        Scope.ACCOUNT_REGION,
        check_sh_standards,
        "aws securityhub batch-enable-standards in each account and governed region with the ARNs "
        "arn:aws:securityhub:<region>::standards/<standard> listed in the profile (the Audit account is the "
        "delegated administrator). INCOMPLETE: turn on AWS Config recording in that account and region, then "
        "disable and re-enable the standard.",
        prowler="securityhub_enabled",
    ),
    Check(
        "security-services.securityhub-aggregator",
        "Security Hub findings are aggregated in the home region",
        Severity.LOW,
        Scope.ACCOUNT,
        check_sh_aggregator,
        "aws securityhub create-finding-aggregator --region-linking-mode SPECIFIED_REGIONS --regions ... "
        "in the Audit account, home region.",
        accounts=f"role:{AUDIT_KEY}",
        no_prowler="Prowler has no check for a Security Hub cross-region aggregator.",
    ),
    Check(
        "security-services.config-recorder",
        "AWS Config records and delivers",
        Severity.HIGH,
        Scope.ACCOUNT_REGION,
        check_config_recorder,
        "Create a configuration recorder (all supported resources; global resources in the home region), a "
        "delivery channel to the log archive bucket, and start recording. With Control Tower, in a member "
        "account: register its OU with Control Tower instead (Control Tower will not enroll an account that "
        "has Config resources of its own).",
        prowler="config_recorder_all_regions_enabled",
    ),
    Check(
        "security-services.config-aggregator",
        "An organization Config aggregator exists in the Audit account",
        Severity.LOW,
        Scope.ACCOUNT,
        check_config_aggregator,
        "Register the Audit account as delegated administrator for config.amazonaws.com and create a "
        "configuration aggregator with an OrganizationAggregationSource.",
        accounts=f"role:{AUDIT_KEY}",
        prowler="config_delegated_admin_and_org_aggregator_all_regions",
    ),
    Check(
        "security-services.access-analyzer",
        "IAM Access Analyzer has an ORGANIZATION analyzer",
        Severity.MEDIUM,
        Scope.ACCOUNT_REGION,
        check_access_analyzer,
        "Register the Audit account as delegated administrator for access-analyzer.amazonaws.com and create "
        "an ORGANIZATION analyzer in every governed region.",
        prowler="accessanalyzer_enabled",
        accounts=f"role:{AUDIT_KEY}",
    ),
    Check(
        "security-services.budget",
        "A monthly cost budget alerts the billing contact",
        Severity.LOW,
        Scope.MANAGEMENT,
        check_budget,
        "Create a monthly COST budget with ACTUAL notifications at the profile's thresholds to the billing "
        "contact (Billing > Budgets).",
        no_prowler="Prowler has no AWS Budgets check.",
    ),
    Check(
        "security-services.security-contact",
        "The security alternate contact is set",
        Severity.MEDIUM,
        Scope.ACCOUNT,
        check_security_contact,
        "Account > Alternate contacts > Security (or aws account put-alternate-contact "
        "--alternate-contact-type SECURITY) in every account.",
        prowler="account_security_contact_information_is_registered",
    ),
    inspector_scanning.CHECK,
    *org_backup.CHECKS,
)


# ------------------------------------------------------------------ the step


class SecurityServicesStep(Step):
    id = "security-services"
    title = "Security services"
    summary = (
        "GuardDuty, Security Hub, AWS Config and IAM Access Analyzer administered from the Audit "
        "account in every governed region; AWS Backup on the workload OUs; a monthly budget; the "
        "security contact on every account."
    )
    requires = ("organization", "accounts", "control-tower", "log-archive")
    inputs = (
        Field(
            "budget_email",
            "Email for budget alerts",
            kind="email",
            default=lambda profile, answers: (answers.get("management-account") or {}).get(
                "billing_contact_email"
            ),
            demo="billing@example.com",
        ),
    )
    checks = CHECKS

    # ---------------------------------------------------------- plan
    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        audit = need_audit(ctx)
        accounts = all_account_ids(ctx)
        regions = ctx.governed_regions
        plan.notes.append(
            f"The Audit account {account_label(ctx, audit)} becomes the delegated administrator "
            "of GuardDuty, Security Hub, AWS Config (aggregator), IAM Access Analyzer"
            + (" and Amazon Inspector." if inspector_scanning.inspector_on(ctx) else ".")
        )
        for region in regions:
            self._plan_region(ctx, plan, audit, region, accounts)
            if inspector_scanning.inspector_on(ctx):
                inspector_scanning.plan_inspector(ctx, plan, audit, accounts, region)
        if enabled(ctx, "securityhub") and svc(ctx, "securityhub").aggregator:
            aggregators = sh_aggregators(ctx, audit) if sh_hub(ctx, audit, ctx.home_region) else []
            if not any(a.get("FindingAggregationRegion") == ctx.home_region for a in aggregators):
                plan.add(
                    "create",
                    "Security Hub finding aggregator",
                    ctx.home_region,
                    account=audit,
                    region=ctx.home_region,
                    data={"kind": "sh-aggregator", "audit": audit},
                )
        if enabled(ctx, "config"):
            self._plan_config(ctx, plan, audit, accounts, regions)
        if enabled(ctx, "access_analyzer") and audit not in delegated_admins(
            ctx, "access-analyzer.amazonaws.com"
        ):
            plan.add(
                "register",
                "delegated administrator",
                "access-analyzer.amazonaws.com",
                detail=audit,
                data={"kind": "aa-admin", "audit": audit},
            )
        if enabled(ctx, "budget"):
            self._plan_budget(ctx, plan)
        if org_backup.backup_on(ctx):
            org_backup.plan_backup(ctx, plan)
        contacts = parallel(accounts, lambda a: (a, security_contact(ctx, a)))
        want = self._contact(ctx)
        replace = bool(ctx.answer("management-account", "replace_contacts", False))
        for account, contact in contacts:
            if contact and not any(contact.get(k) != v for k, v in want.items()):
                continue
            if contact and not replace:
                plan.keep(
                    "keeping",
                    "security alternate contact",
                    account_label(ctx, account),
                    account=account,
                    detail=f"{contact.get('Name')} <{contact.get('EmailAddress')}>, set already; the profile "
                    f"would change {contact_change('SECURITY', contact, want)} (answer "
                    "management-account replace_contacts: yes to replace it)",
                )
                continue
            plan.add(
                "update" if contact else "set",
                "security alternate contact",
                account_label(ctx, account),
                account=account,
                detail=(
                    contact_change("SECURITY", contact, want)
                    if contact
                    else f"{want['Name']} <{want['EmailAddress']}>"
                ),
                data={"kind": "contact", "account": account},
            )
        return plan

    def _plan_gd_disabled(
        self, ctx: StepContext, plan: Plan, region: str, accounts: list[str]
    ) -> None:
        """A detector that exists but is not ENABLED is enabled (the guardduty-enabled check's definition)."""
        for account, detector in parallel(accounts, lambda a: (a, gd_detector(ctx, a, region))):
            if detector and detector["status"] == "ENABLED":
                plan.keep(
                    "keeping",
                    "GuardDuty detector",
                    detector["id"],
                    account=account,
                    region=region,
                    detail=f"{account_label(ctx, account)}: enabled",
                )
            if detector and detector["status"] != "ENABLED":
                plan.add(
                    "enable",
                    "GuardDuty detector",
                    account_label(ctx, account),
                    account=account,
                    region=region,
                    detail=f"{detector['id']} (was {str(detector['status']).lower()})",
                    data={
                        "kind": "gd-enable",
                        "account": account,
                        "region": region,
                        "detector": detector["id"],
                    },
                )

    def _apply_gd_enable(self, ctx: StepContext, change: Change) -> None:
        data = change.data
        ctx.client("guardduty", account=data["account"], region=data["region"]).update_detector(
            DetectorId=data["detector"], Enable=True
        )

    def _plan_region(
        self, ctx: StepContext, plan: Plan, audit: str, region: str, accounts: list[str]
    ) -> None:
        if enabled(ctx, "guardduty"):
            if audit not in gd_admin(ctx, region):
                plan.add(
                    "delegate",
                    "GuardDuty administration",
                    audit,
                    region=region,
                    data={"kind": "gd-admin", "audit": audit, "region": region},
                )
            self._plan_gd_disabled(ctx, plan, region, accounts)
            detector = gd_detector(ctx, audit, region)
            if detector is None:
                plan.add(
                    "create",
                    "GuardDuty detector",
                    account_label(ctx, audit),
                    account=audit,
                    region=region,
                    data={"kind": "gd-org", "audit": audit, "region": region},
                )
            else:
                auto = call_or(
                    {},
                    lambda: gd_org_config(ctx, audit, region, detector["id"]),
                    "BadRequestException",
                )
                members = call_or(
                    {},
                    lambda: gd_members(ctx, audit, region, detector["id"]),
                    "BadRequestException",
                )
                missing = [a for a in accounts if a != audit and a not in members]
                off = [a for a in accounts if gd_detector(ctx, a, region) is None]
                if auto.get("AutoEnableOrganizationMembers") != gd_auto(ctx) or missing or off:
                    plan.add(
                        "configure",
                        "GuardDuty organization",
                        region,
                        account=audit,
                        region=region,
                        detail=f"auto-enable {gd_auto(ctx)}; {len(missing)} member(s) to add",
                        data={"kind": "gd-org", "audit": audit, "region": region},
                    )
        if enabled(ctx, "securityhub"):
            if audit not in sh_admin(ctx, region):
                plan.add(
                    "delegate",
                    "Security Hub administration",
                    audit,
                    region=region,
                    data={"kind": "sh-admin", "audit": audit, "region": region},
                )
            wanted = [standard_arn(p, region) for p in standards(ctx)]
            for account in accounts:
                hub = sh_hub(ctx, account, region)
                have = sh_enabled_standards(ctx, account, region) if hub else {}
                detail = [w.split("standards/")[-1] for w in wanted if w not in have]
                if account == audit and hub is not None:
                    unassociated = [
                        a
                        for a in accounts
                        if a != audit and a not in sh_members(ctx, audit, region)
                    ]
                    if unassociated:
                        detail.append(f"associate {len(unassociated)} member account(s)")
                if hub is not None and not detail:
                    plan.keep(
                        "keeping",
                        "Security Hub",
                        account_label(ctx, account),
                        account=account,
                        region=region,
                        detail="enabled, with the profile's standards",
                    )
                extra = [
                    arn.split("standards/")[-1]
                    for arn, status in have.items()
                    if arn not in wanted and status in ("READY", "PENDING", "INCOMPLETE")
                ]
                if extra:
                    plan.keep(
                        "keeping",
                        "Security Hub standard(s)",
                        ", ".join(extra),
                        account=account,
                        region=region,
                        detail=f"{account_label(ctx, account)}: enabled, not in the profile; left as they are",
                    )
                if hub is None or detail:
                    plan.add(
                        "enable" if hub is None else "update",
                        "Security Hub",
                        account_label(ctx, account),
                        account=account,
                        region=region,
                        detail=", ".join(detail),
                        data={
                            "kind": "sh-account",
                            "account": account,
                            "region": region,
                            "audit": audit,
                        },
                    )
        if enabled(ctx, "access_analyzer") and not org_analyzers(ctx, audit, region):
            plan.add(
                "create",
                "IAM Access Analyzer (ORGANIZATION)",
                ANALYZER_NAME,
                account=audit,
                region=region,
                data={"kind": "aa", "audit": audit, "region": region},
            )

    def _plan_config(
        self, ctx: StepContext, plan: Plan, audit: str, accounts: list[str], regions: list[str]
    ) -> None:
        bucket = config_bucket(ctx)
        tower = ctx.profile.control_tower_enabled
        if tower:
            plan.notes.append(
                "Control Tower sets up AWS Config in every enrolled account; this step adds a "
                "recorder only in the management account, which Control Tower never enrolls."
            )
        states = parallel(
            [(a, r) for a in accounts for r in regions], lambda ar: (ar, config_state(ctx, *ar))
        )
        for (account, region), state in states:
            if tower and account != ctx.management_account_id:
                if (
                    state["recorders"]
                    and state["recording"]
                    and state["channels"]
                    and not recorder_drift(ctx, region, state)
                ):
                    continue
                plan.notes.append(
                    f"AWS Config in {account_label(ctx, account)} [{region}] is left to Control Tower, which owns "
                    "Config in member accounts and refuses to enroll an account that already has a recorder or "
                    "delivery channel: register the account's OU with Control Tower (control-tower step)."
                )
                continue
            target = config_target(ctx, account, region, state, bucket)
            existing = account_recorder(state["recorders"])
            if existing and not target.edits:
                plan.keep(
                    "keeping",
                    "AWS Config recorder",
                    existing["name"],
                    account=account,
                    region=region,
                    detail=f"records all supported resource types, delivers to s3://{bucket}",
                )
                continue
            if existing:
                plan.keep(
                    "keeping",
                    "AWS Config recorder",
                    existing["name"],
                    account=account,
                    region=region,
                    detail="adopted by name (one recorder per account and region); unchanged: "
                    + "; ".join(target.kept or ["nothing else"]),
                )
            plan.add(
                "update" if existing else "enable",
                "AWS Config recorder",
                existing["name"] if existing else account_label(ctx, account),
                account=account,
                region=region,
                detail="; ".join(target.edits),
                data={"kind": "config", "account": account, "region": region},
            )
        if svc(ctx, "config").aggregator and not config_aggregators(ctx, audit):
            plan.add(
                "create",
                "Config organization aggregator",
                AGGREGATOR_NAME,
                account=audit,
                region=ctx.home_region,
                data={"kind": "config-aggregator", "audit": audit},
            )

    def _plan_budget(self, ctx: StepContext, plan: Plan) -> None:
        budget = get_budget(ctx)
        amount = float(svc(ctx, "budget").monthly_usd)
        thresholds = sorted(float(t) for t in svc(ctx, "budget").thresholds_percent)
        email = ctx.answers.get("budget_email")
        if budget is None:
            plan.add(
                "create",
                "budget",
                BUDGET_NAME,
                detail=f"{amount:g} USD/month; alerts at "
                f"{', '.join(f'{t:g}%' for t in thresholds)} to {email}",
                data={"kind": "budget"},
            )
            return
        have = float(budget.get("BudgetLimit", {}).get("Amount", 0))
        notes = sorted(float(n["Threshold"]) for n in budget_notifications(ctx))
        if have != amount or notes != thresholds:
            plan.add(
                "update",
                "budget",
                BUDGET_NAME,
                detail=f"{have:g} -> {amount:g} USD; alerts {notes} -> {thresholds}",
                data={"kind": "budget"},
            )

    def _contact(self, ctx: StepContext) -> dict[str, str]:
        """The security contact answered in the management-account step (same values everywhere)."""

        def answer(name: str, default: str | None = None) -> str | None:
            return ctx.answer("management-account", f"security_contact_{name}", default)

        contact = {
            "Name": answer("name"),
            "Title": answer("title") or "Security",
            "EmailAddress": answer("email"),
            "PhoneNumber": answer("phone"),
        }
        missing = [k for k, v in contact.items() if not v]
        if missing:
            raise RefusedError(
                "the security contact is incomplete (management-account step answers)",
                "answer management-account.security_contact_name/_email/_phone",
            )
        return {k: v for k, v in contact.items() if v}

    # ---------------------------------------------------------- apply
    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        need_audit(ctx)  # refuses before any change when there is no Audit account
        for handler in APPLY_HANDLERS:
            batch = [c for c in plan.changes if c.data.get("kind") == handler.kind]
            if not batch:
                continue
            ctx.progress(f"{batch[0].action} {batch[0].resource} ({len(batch)})")
            if handler.parallel:
                parallel(batch, partial(handler.run, self, ctx))
            else:
                for change in batch:
                    handler.run(self, ctx, change)

    def _apply_gd_admin(self, ctx: StepContext, change: Change) -> None:
        region = change.data["region"]
        if change.data["audit"] not in gd_admin(ctx, region):
            ctx.client("guardduty", region=region).enable_organization_admin_account(
                AdminAccountId=change.data["audit"]
            )

    def _apply_gd_org(self, ctx: StepContext, change: Change) -> None:
        audit, region = change.data["audit"], change.data["region"]
        if audit not in gd_admin(ctx, region):
            ctx.client("guardduty", region=region).enable_organization_admin_account(
                AdminAccountId=audit
            )
        gd = ctx.client("guardduty", account=audit, region=region)
        detector_id = self._admin_detector(ctx, audit, region)
        gd.update_organization_configuration(
            DetectorId=detector_id, AutoEnableOrganizationMembers=gd_auto(ctx)
        )
        members = gd_members(ctx, audit, region, detector_id)
        details = [
            {"AccountId": a["Id"], "Email": a.get("Email", "")}
            for a in ctx.org_accounts()
            if a["Id"] != audit and a["Id"] not in members
        ]
        for start in range(0, len(details), 50):
            result = gd.create_members(
                DetectorId=detector_id, AccountDetails=details[start : start + 50]
            )
            failed = result.get("UnprocessedAccounts", [])
            if failed:
                raise RefusedError(
                    f"GuardDuty could not add {len(failed)} member(s) in {region}: "
                    f"{failed[0].get('Result')}",
                    "check the accounts, then apply again",
                )

    @staticmethod
    def _admin_detector(ctx: StepContext, audit: str, region: str) -> str:
        """The delegated admin's detector id. Designation enables GuardDuty there itself, so a
        CreateDetector racing it gets "a detector already exists": list again until it shows."""
        detector = gd_detector(ctx, audit, region)
        if detector:
            return detector["id"]
        gd = ctx.client("guardduty", account=audit, region=region)
        try:
            return gd.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES")[
                "DetectorId"
            ]
        except Exception as exc:
            if error_code(exc) != "BadRequestException" or "already exists" not in str(exc):
                raise
        found: dict[str, Any] = {}

        def listed() -> tuple[bool, str]:
            found.update(gd_detector(ctx, audit, region) or {})
            return bool(found), "listed" if found else "being created by GuardDuty"

        ctx.poll(
            listed,
            interval=5,
            timeout=120,
            what=f"GuardDuty detector of the Audit account in {region}",
            kind="guardduty-admin-detector",
        )
        return found["id"]

    def _apply_sh_admin(self, ctx: StepContext, change: Change) -> None:
        region = change.data["region"]
        if change.data["audit"] not in sh_admin(ctx, region):
            ctx.client("securityhub", region=region).enable_organization_admin_account(
                AdminAccountId=change.data["audit"]
            )

    def _apply_sh_account(self, ctx: StepContext, change: Change) -> None:
        account, region, audit = change.data["account"], change.data["region"], change.data["audit"]
        sh = ctx.client("securityhub", account=account, region=region)
        if sh_hub(ctx, account, region) is None:
            try:
                sh.enable_security_hub(
                    EnableDefaultStandards=False, ControlFindingGenerator="SECURITY_CONTROL"
                )
            except Exception as exc:
                if error_code(exc) != "ResourceConflictException":
                    raise
        have = sh_enabled_standards(ctx, account, region)
        missing = [
            standard_arn(p, region) for p in standards(ctx) if standard_arn(p, region) not in have
        ]
        if missing:
            sh.batch_enable_standards(
                StandardsSubscriptionRequests=[{"StandardsArn": m} for m in missing]
            )
        if account == audit:
            sh.update_organization_configuration(AutoEnable=True, AutoEnableStandards="DEFAULT")
            members = sh_members(ctx, audit, region)
            details = [
                {"AccountId": a["Id"]}
                for a in ctx.org_accounts()
                if a["Id"] != audit and a["Id"] not in members
            ]
            for start in range(0, len(details), 50):
                result = sh.create_members(AccountDetails=details[start : start + 50])
                if result.get("UnprocessedAccounts"):
                    failed = result["UnprocessedAccounts"]
                    raise RefusedError(
                        f"Security Hub could not add {len(failed)} member(s) in {region}: "
                        f"{failed[0].get('ProcessingResult')}",
                        "check the accounts, then apply again",
                    )

    def _apply_sh_aggregator(self, ctx: StepContext, change: Change) -> None:
        audit = change.data["audit"]
        sh = ctx.client("securityhub", account=audit, region=ctx.home_region)
        others = [r for r in ctx.governed_regions if r != ctx.home_region]
        if others:
            sh.create_finding_aggregator(RegionLinkingMode="SPECIFIED_REGIONS", Regions=others)
        else:
            sh.create_finding_aggregator(RegionLinkingMode="NO_REGIONS")

    def _apply_inspector_admin(self, ctx: StepContext, change: Change) -> None:
        inspector_scanning.apply_admin(ctx, change)

    def _apply_inspector_org(self, ctx: StepContext, change: Change) -> None:
        inspector_scanning.apply_org(ctx, change)

    def _apply_inspector_account(self, ctx: StepContext, change: Change) -> None:
        inspector_scanning.apply_account(ctx, change)

    def _apply_backup_policy_type(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_policy_type(ctx, change)

    def _apply_backup_monitoring(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_monitoring(ctx, change)

    def _apply_backup_role(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_role(ctx, change)

    def _apply_backup_vault(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_vault(ctx, change)

    def _apply_backup_lock(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_lock(ctx, change)

    def _apply_backup_policy(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_policy(ctx, change)

    def _apply_backup_attach(self, ctx: StepContext, change: Change) -> None:
        org_backup.apply_attach(ctx, change)

    def _apply_aa_admin(self, ctx: StepContext, change: Change) -> None:
        ensure_delegated_admin(ctx, change.data["audit"], "access-analyzer.amazonaws.com")

    def _apply_aa(self, ctx: StepContext, change: Change) -> None:
        audit, region = change.data["audit"], change.data["region"]
        ensure_delegated_admin(ctx, audit, "access-analyzer.amazonaws.com")
        if not org_analyzers(ctx, audit, region):
            try:
                ctx.client("accessanalyzer", account=audit, region=region).create_analyzer(
                    analyzerName=ANALYZER_NAME, type="ORGANIZATION"
                )
            except Exception as exc:
                if error_code(exc) != "ConflictException":
                    raise

    def _apply_config(self, ctx: StepContext, change: Change) -> None:
        """What the plan listed: the account's recorder (adopted by name) records all supported types,
        its delivery channel (adopted by name) delivers to the log archive's Config bucket, and it records."""
        account, region = change.data["account"], change.data["region"]
        bucket = config_bucket(ctx)
        if not bucket:
            raise RefusedError(
                "no log archive bucket for AWS Config delivery", "run the log-archive step first"
            )
        target = config_target(ctx, account, region, config_state(ctx, account, region), bucket)
        cfg = ctx.client("config", account=account, region=region)
        if target.recorder:
            if target.recorder["roleARN"].endswith(f"role/{CONFIG_SLR}"):
                iam = ctx.client("iam", account=account)
                call_or(
                    None,
                    lambda: iam.create_service_linked_role(AWSServiceName="config.amazonaws.com"),
                    "InvalidInput",
                    "EntityAlreadyExists",
                )
            cfg.put_configuration_recorder(ConfigurationRecorder=target.recorder)
        if target.channel:
            cfg.put_delivery_channel(DeliveryChannel=target.channel)
        if target.start:
            cfg.start_configuration_recorder(ConfigurationRecorderName=target.recorder_name)

    def _apply_config_aggregator(self, ctx: StepContext, change: Change) -> None:
        audit = change.data["audit"]
        ensure_delegated_admin(ctx, audit, "config.amazonaws.com")
        ensure_service_access(ctx, "config-multiaccountsetup.amazonaws.com")
        iam = ctx.client("iam", account=audit)
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "config.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = call_or(None, lambda: iam.get_role(RoleName=AGGREGATOR_ROLE)["Role"], "NoSuchEntity")
        if role is None:
            role = iam.create_role(
                RoleName=AGGREGATOR_ROLE,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description="bootstrap-tui: AWS Config organization aggregator",
            )["Role"]
        iam.attach_role_policy(
            RoleName=AGGREGATOR_ROLE,
            PolicyArn="arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations",
        )
        ctx.client("config", account=audit, region=ctx.home_region).put_configuration_aggregator(
            ConfigurationAggregatorName=AGGREGATOR_NAME,
            OrganizationAggregationSource={
                "RoleArn": role["Arn"],
                "AwsRegions": list(ctx.governed_regions),
                "AllAwsRegions": False,
            },
        )

    def _apply_budget(self, ctx: StepContext, change: Change) -> None:
        budgets = ctx.client("budgets", region="us-east-1")
        account = ctx.management_account_id
        conf = svc(ctx, "budget")
        amount = f"{float(conf.monthly_usd):.2f}"
        thresholds = [float(t) for t in conf.thresholds_percent]
        subscriber = [{"SubscriptionType": "EMAIL", "Address": ctx.answers["budget_email"]}]
        budget = {
            "BudgetName": BUDGET_NAME,
            "BudgetLimit": {"Amount": amount, "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        }

        def notification(t: float) -> dict[str, Any]:
            return {
                "NotificationType": "ACTUAL",
                "ComparisonOperator": "GREATER_THAN",
                "Threshold": t,
                "ThresholdType": "PERCENTAGE",
            }

        if get_budget(ctx) is None:
            budgets.create_budget(
                AccountId=account,
                Budget=budget,
                NotificationsWithSubscribers=[
                    {"Notification": notification(t), "Subscribers": subscriber} for t in thresholds
                ],
            )
            return
        budgets.update_budget(AccountId=account, NewBudget=budget)
        existing = budget_notifications(ctx)
        have = {float(n["Threshold"]) for n in existing}
        for t in thresholds:
            if t not in have:
                budgets.create_notification(
                    AccountId=account,
                    BudgetName=BUDGET_NAME,
                    Notification=notification(t),
                    Subscribers=subscriber,
                )
        for n in existing:
            if float(n["Threshold"]) not in thresholds:
                budgets.delete_notification(
                    AccountId=account, BudgetName=BUDGET_NAME, Notification=n
                )

    def _apply_contact(self, ctx: StepContext, change: Change) -> None:
        # Set from inside each account (through the automation role): valid for the management
        # account and members alike, and it needs no trusted access for account.amazonaws.com.
        ctx.client(
            "account", account=change.data["account"], region="us-east-1"
        ).put_alternate_contact(AlternateContactType="SECURITY", **self._contact(ctx))


class ApplyHandler(NamedTuple):
    """How apply makes the changes of one kind; `parallel`: one account or region at a time
    does not matter, so the batch fans out."""

    kind: str
    run: Callable[[SecurityServicesStep, StepContext, Change], None]
    parallel: bool = False


# In apply order. GuardDuty and Security Hub enable their own trusted access in
# EnableOrganizationAdminAccount. Config first: Security Hub's standards need a recorder when
# they are enabled (else INCOMPLETE).
APPLY_HANDLERS: tuple[ApplyHandler, ...] = (
    ApplyHandler("config", SecurityServicesStep._apply_config, parallel=True),
    ApplyHandler("gd-enable", SecurityServicesStep._apply_gd_enable),
    ApplyHandler("gd-admin", SecurityServicesStep._apply_gd_admin),
    ApplyHandler("gd-org", SecurityServicesStep._apply_gd_org),
    ApplyHandler("sh-admin", SecurityServicesStep._apply_sh_admin),
    ApplyHandler("sh-account", SecurityServicesStep._apply_sh_account, parallel=True),
    ApplyHandler("sh-aggregator", SecurityServicesStep._apply_sh_aggregator),
    ApplyHandler("aa-admin", SecurityServicesStep._apply_aa_admin),
    ApplyHandler("aa", SecurityServicesStep._apply_aa),
    ApplyHandler("inspector-admin", SecurityServicesStep._apply_inspector_admin),
    ApplyHandler("inspector-org", SecurityServicesStep._apply_inspector_org),
    ApplyHandler("inspector-account", SecurityServicesStep._apply_inspector_account, parallel=True),
    ApplyHandler("config-aggregator", SecurityServicesStep._apply_config_aggregator),
    # AWS Backup: the policy's role and vault exist in each account before the policy reaches it
    ApplyHandler("backup-policy-type", SecurityServicesStep._apply_backup_policy_type),
    ApplyHandler("backup-monitoring", SecurityServicesStep._apply_backup_monitoring),
    ApplyHandler("backup-role", SecurityServicesStep._apply_backup_role, parallel=True),
    ApplyHandler("backup-vault", SecurityServicesStep._apply_backup_vault, parallel=True),
    ApplyHandler("backup-lock", SecurityServicesStep._apply_backup_lock, parallel=True),
    ApplyHandler("backup-policy", SecurityServicesStep._apply_backup_policy),
    ApplyHandler("backup-attach", SecurityServicesStep._apply_backup_attach),
    ApplyHandler("budget", SecurityServicesStep._apply_budget),
    ApplyHandler("contact", SecurityServicesStep._apply_contact, parallel=True),
)

STEP = SecurityServicesStep()
