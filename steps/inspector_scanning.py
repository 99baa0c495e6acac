"""Amazon Inspector organization-wide, part of the security-services step: the Audit account is
the delegated administrator in every governed region, activates the profile's scan types in
every account (AssociateMember, then Enable) and auto-enables them for new members
(UpdateOrganizationConfiguration), as the Inspector user guide's multi-account walkthrough does."""

from __future__ import annotations

from typing import Any

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Change, Check, Outcome, Plan, Scope, Severity

from bootstrap_tui.context import StepContext

from steps._errors import call_or
from steps._fanout import parallel
from steps._org import account_label, audit_account, future_org, is_future

SCAN_KEYS = {"EC2": "ec2", "ECR": "ecr", "LAMBDA": "lambda", "LAMBDA_CODE": "lambdaCode"}
DEFAULT_SCAN_TYPES = ("EC2", "ECR")
ACTIVE = ("ENABLED", "ENABLING")


def inspector_on(ctx: StepContext) -> bool:
    return ctx.profile.security_services.inspector.enabled


def scan_types(ctx: StepContext) -> list[str]:
    return list(ctx.profile.security_services.inspector.scan_types or DEFAULT_SCAN_TYPES)


def wanted_auto_enable(ctx: StepContext) -> dict[str, bool]:
    """UpdateOrganizationConfiguration's autoEnable: the profile's scan types on, the others off."""
    wanted = set(scan_types(ctx))
    return {key: kind in wanted for kind, key in SCAN_KEYS.items()}


# ------------------------------------------------------------------ reads


def admins(ctx: StepContext, region: str) -> list[str]:
    """Inspector's delegated administrator(s) in the region, read from the management account."""
    if future_org(ctx):
        return []
    client = ctx.client("inspector2", region=region)
    return [
        a["accountId"]
        for a in client.list_delegated_admin_accounts().get("delegatedAdminAccounts", [])
        if a.get("status") == "ENABLED"
    ]


def scan_status(ctx: StepContext, account: str, region: str) -> dict[str, str]:
    """The account's own scan status by resource type (EC2, ECR, ...), read in that account."""
    if is_future(ctx, account):
        return {}
    client = ctx.client("inspector2", account=account, region=region)
    states = client.batch_get_account_status().get("accounts", [])
    mine = next((s for s in states if s.get("accountId") == account), None) or {}
    resources = mine.get("resourceState") or {}
    return {
        kind: (resources.get(key) or {}).get("status", "DISABLED")
        for kind, key in SCAN_KEYS.items()
    }


def org_auto_enable(ctx: StepContext, audit: str, region: str) -> dict[str, bool] | None:
    """The organization configuration's autoEnable, or None when the Audit account is not the admin."""
    if is_future(ctx, audit):
        return None
    client = ctx.client("inspector2", account=audit, region=region)
    found = call_or(None, client.describe_organization_configuration, "AccessDeniedException")
    if found is None:
        return None
    auto = found.get("autoEnable") or {}
    return {key: bool(auto.get(key, False)) for key in SCAN_KEYS.values()}


def members(ctx: StepContext, audit: str, region: str) -> set[str]:
    if is_future(ctx, audit):
        return set()
    client = ctx.client("inspector2", account=audit, region=region)
    return {
        m["accountId"]
        for page in client.get_paginator("list_members").paginate(onlyAssociated=True)
        for m in page.get("members", [])
        if m.get("relationshipStatus") == "ENABLED"
    }


def missing_scans(ctx: StepContext, status: dict[str, str]) -> list[str]:
    return [kind for kind in scan_types(ctx) if status.get(kind) not in ACTIVE]


# ------------------------------------------------------------------ check


def check_inspector(ctx: StepContext, account: str, region: str) -> Outcome:
    if not inspector_on(ctx):
        return Outcome.warn(
            "turned off in the profile (security_services.inspector.enabled: false)",
            profile_setting="security_services.inspector.enabled",
        )
    status = scan_status(ctx, account, region)
    missing = missing_scans(ctx, status)
    evidence: dict[str, Any] = {"scan_status": status, "profile_scan_types": scan_types(ctx)}
    failures = []
    if missing:
        failures.append(f"scan type(s) not enabled: {', '.join(missing)}")
    if account == audit_account(ctx):
        found_admins = admins(ctx, region)
        auto = org_auto_enable(ctx, account, region)
        evidence.update(admin_accounts=found_admins, auto_enable=auto)
        if account not in found_admins:
            failures.append("the Audit account is not Amazon Inspector's delegated administrator")
        elif auto is not None and any(not auto[SCAN_KEYS[kind]] for kind in scan_types(ctx)):
            off = [kind for kind in scan_types(ctx) if not auto[SCAN_KEYS[kind]]]
            failures.append(f"new member accounts are not auto-enabled for {', '.join(off)}")
    if failures:
        return Outcome.fail("; ".join(failures), **evidence)
    return Outcome.ok(
        f"Amazon Inspector scans {', '.join(scan_types(ctx))} in this account and region",
        **evidence,
    )


CHECK = Check(
    "security-services.inspector",
    "Amazon Inspector scans the profile's resource types in every account",
    Severity.HIGH,
    Scope.ACCOUNT_REGION,
    check_inspector,
    "From the management account: aws inspector2 enable-delegated-admin-account "
    "--delegated-admin-account-id <audit> in each governed region. From the Audit account: aws "
    "inspector2 associate-member --account-id <id>, aws inspector2 enable --account-ids <id> "
    "--resource-types <the profile's scan_types>, and aws inspector2 update-organization-configuration "
    "--auto-enable ec2=true,ecr=true,... (or run `bootstrap-tui apply --step security-services`).",
    prowler="inspector2_is_enabled",
)


# ------------------------------------------------------------------ plan and apply


def plan_inspector(
    ctx: StepContext, plan: Plan, audit: str, accounts: list[str], region: str
) -> None:
    """Plan lines of Inspector in one region: the admin, the organization configuration, each account."""
    if audit not in admins(ctx, region):
        plan.add(
            "delegate",
            "Amazon Inspector administration",
            audit,
            region=region,
            data={"kind": "inspector-admin", "audit": audit, "region": region},
        )
        auto = None
    else:
        auto = org_auto_enable(ctx, audit, region)
    if auto != wanted_auto_enable(ctx):
        plan.add(
            "configure",
            "Amazon Inspector organization",
            region,
            account=audit,
            region=region,
            detail=f"auto-enable {', '.join(scan_types(ctx))} for new member accounts",
            data={"kind": "inspector-org", "audit": audit, "region": region},
        )
    associated = members(ctx, audit, region) if auto is not None else set()
    for account, status in parallel(accounts, lambda a: (a, scan_status(ctx, a, region))):
        missing = missing_scans(ctx, status)
        unassociated = account != audit and account not in associated
        if not missing and not unassociated:
            plan.keep(
                "keeping",
                "Amazon Inspector",
                account_label(ctx, account),
                account=account,
                region=region,
                detail=f"scanning {', '.join(scan_types(ctx))}",
            )
            continue
        detail = [f"enable {', '.join(missing)} scanning"] if missing else []
        if unassociated:
            detail.insert(0, "associate with the Audit account")
        plan.add(
            "enable",
            "Amazon Inspector",
            account_label(ctx, account),
            account=account,
            region=region,
            detail="; ".join(detail),
            data={
                "kind": "inspector-account",
                "account": account,
                "audit": audit,
                "region": region,
            },
        )


def apply_admin(ctx: StepContext, change: Change) -> None:
    audit, region = change.data["audit"], change.data["region"]
    if audit not in admins(ctx, region):
        ctx.client("inspector2", region=region).enable_delegated_admin_account(
            delegatedAdminAccountId=audit
        )


def apply_org(ctx: StepContext, change: Change) -> None:
    audit, region = change.data["audit"], change.data["region"]
    ctx.client("inspector2", account=audit, region=region).update_organization_configuration(
        autoEnable=wanted_auto_enable(ctx)
    )


def apply_account(ctx: StepContext, change: Change) -> None:
    """From the Audit account: associate the account, then enable the profile's scan types there."""
    account, audit, region = change.data["account"], change.data["audit"], change.data["region"]
    client = ctx.client("inspector2", account=audit, region=region)
    if account != audit and account not in members(ctx, audit, region):
        client.associate_member(accountId=account)
    missing = missing_scans(ctx, scan_status(ctx, account, region))
    if not missing:
        return
    failed = client.enable(accountIds=[account], resourceTypes=missing).get("failedAccounts", [])
    if failed:
        raise RefusedError(
            f"Amazon Inspector could not enable {', '.join(missing)} in account {account} "
            f"({region}): {failed[0].get('errorCode')} {failed[0].get('errorMessage', '')}".rstrip(),
            "check that the Audit account is Inspector's delegated administrator, then apply again",
        )
