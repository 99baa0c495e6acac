"""Organization lookups: the organization, its root and OUs, its accounts (the log archive
and audit accounts among them), trusted service access and delegated administrators.

Planning ahead (before the organization or an account exists) answers from placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.context import StepContext
from steps._errors import error_code
from steps._paging import paginate

LOG_ARCHIVE_KEYS = ("log-archive", "log_archive", "logarchive")
AUDIT_KEYS = ("audit", "security-tooling", "security_tooling")
LOG_ARCHIVE_NAMES = ("Log Archive", "log-archive", "LogArchive")
AUDIT_NAMES = ("Audit", "audit", "Security Tooling")


# ------------------------------------------------------------------ the organization


def describe_org(ctx: StepContext) -> dict[str, Any] | None:
    """The caller's organization, or None when it is in none."""
    try:
        return ctx.client("organizations").describe_organization()["Organization"]
    except Exception as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            return None
        raise


def future_org(ctx: StepContext) -> bool:
    """Planning ahead, and the organization itself is still to be created."""
    return bool(getattr(ctx, "future_org", False))


def org_id(ctx: StepContext) -> str | None:
    """The organization's id; a placeholder while planning ahead of the organization step."""
    if future_org(ctx):
        from bootstrap_tui.future import placeholder

        return placeholder("organization")
    org = describe_org(ctx)
    return org["Id"] if org else None


def refuse_foreign_org(ctx: StepContext, org: dict[str, Any] | None) -> None:
    """A caller that is a member account of someone else's organization is refused."""
    caller = ctx.identity.account_id
    if org and org.get("MasterAccountId") and org["MasterAccountId"] != caller:
        raise RefusedError(
            f"account {caller} is a member account of organization {org['Id']}, whose "
            f"management account is {org['MasterAccountId']}; bootstrap-tui builds the "
            "organization from its management account and will not change another one",
            "run bootstrap-tui with credentials of the management account "
            f"{org['MasterAccountId']}, or (if this account should start its own organization) "
            "remove it from that organization first (organizations:LeaveOrganization) and run again",
        )


# ------------------------------------------------------------------ root and OUs


def root_id(ctx: StepContext) -> str:
    return ctx.client("organizations").list_roots()["Roots"][0]["Id"]


def ou_tree(ctx: StepContext, root: str | None = None) -> dict[str, dict[str, Any]]:
    """Every OU of the organization by path ("Workloads/Prod") -> {Id, Arn, Name, ParentId}."""
    client = ctx.client("organizations")
    root = root or root_id(ctx)
    out: dict[str, dict[str, Any]] = {}
    frontier: list[tuple[str, str]] = [(root, "")]
    while frontier:
        parent, prefix = frontier.pop(0)
        for ou in paginate(
            client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
        ):
            path = f"{prefix}{ou['Name']}"
            out[path] = {"Id": ou["Id"], "Arn": ou["Arn"], "Name": ou["Name"], "ParentId": parent}
            frontier.append((ou["Id"], path + "/"))
    return out


def ou_arn(ctx: StepContext, ou_id: str) -> str:
    return ctx.client("organizations").describe_organizational_unit(OrganizationalUnitId=ou_id)[
        "OrganizationalUnit"
    ]["Arn"]


def account_parent(ctx: StepContext, account_id: str) -> str:
    parents = ctx.client("organizations").list_parents(ChildId=account_id)["Parents"]
    return parents[0]["Id"] if parents else ""


# ------------------------------------------------------------------ accounts


def is_future(ctx: StepContext, account: str | None) -> bool:
    """Planning ahead: the account is still to be created (a placeholder id); it is brand new and
    empty, so a plan reads nothing there and lists everything it would create."""
    check = getattr(ctx, "is_future", None)
    return bool(check and check(account))


def _first_account(ctx: StepContext, keys: Iterable[str], names: Iterable[str]) -> str | None:
    for key in keys:
        try:
            found = ctx.account_id(key)
        except Exception:
            found = None
        if found:
            return found
    wanted = {n.lower() for n in names}
    for account in ctx.org_accounts():
        if str(account.get("Name", "")).lower() in wanted:
            return account["Id"]
    return None


def log_archive_account(ctx: StepContext) -> str | None:
    return _first_account(ctx, LOG_ARCHIVE_KEYS, LOG_ARCHIVE_NAMES)


def audit_account(ctx: StepContext) -> str | None:
    return _first_account(ctx, AUDIT_KEYS, AUDIT_NAMES)


def all_account_ids(ctx: StepContext) -> list[str]:
    ids = [a["Id"] for a in ctx.org_accounts()]
    return ids or [ctx.management_account_id]


def member_account_ids(ctx: StepContext) -> list[str]:
    return [a for a in all_account_ids(ctx) if a != ctx.management_account_id]


def account_label(ctx: StepContext, account: str) -> str:
    if is_future(ctx, account):
        return account
    for item in ctx.org_accounts():
        if item["Id"] == account:
            return f"{item.get('Name', account)} ({account})"
    return account


# ------------------------------------------------------------------ trusted access, delegated admins


def _enabled_service_principals(ctx: StepContext) -> set[str]:
    org = ctx.client("organizations")
    return {
        s["ServicePrincipal"]
        for page in org.get_paginator("list_aws_service_access_for_organization").paginate()
        for s in page["EnabledServicePrincipals"]
    }


def service_access_enabled(ctx: StepContext, principal: str) -> bool:
    if future_org(ctx):
        return False
    return principal in _enabled_service_principals(ctx)


def ensure_service_access(ctx: StepContext, principal: str) -> bool:
    """Enable Organizations trusted access for a service principal; True when changed."""
    if principal in _enabled_service_principals(ctx):
        return False
    ctx.client("organizations").enable_aws_service_access(ServicePrincipal=principal)
    return True


def delegated_admins(ctx: StepContext, principal: str) -> list[str]:
    if future_org(ctx):
        return []
    org = ctx.client("organizations")
    return [
        a["Id"]
        for page in org.get_paginator("list_delegated_administrators").paginate(
            ServicePrincipal=principal
        )
        for a in page["DelegatedAdministrators"]
    ]


def ensure_delegated_admin(ctx: StepContext, account: str, principal: str) -> bool:
    ensure_service_access(ctx, principal)
    if account in delegated_admins(ctx, principal):
        return False
    ctx.client("organizations").register_delegated_administrator(
        AccountId=account, ServicePrincipal=principal
    )
    return True
