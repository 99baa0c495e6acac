"""Shared helpers of the part-2 steps (identity-center, log-archive, guardrails,
security-services, bootstrap-cleanup).

No UI imports; everything AWS goes through the StepContext.
"""

from __future__ import annotations

import datetime as _dt
import json
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from collections.abc import Callable, Iterable

from bootstrap_tui.context import StepContext
from bootstrap_tui.model import Outcome

PREFIX = "bootstrap"  # deterministic prefix of every resource name this tool creates
LOG_ARCHIVE_KEYS = ("log-archive", "log_archive", "logarchive")
AUDIT_KEYS = ("audit", "security-tooling", "security_tooling")
LOG_ARCHIVE_NAMES = ("Log Archive", "log-archive", "LogArchive")
AUDIT_NAMES = ("Audit", "audit", "Security Tooling")
TRAIL_NAME = f"{PREFIX}-org-trail"
KMS_ALIAS = f"alias/{PREFIX}-org-trail"
CT_TRAIL_NAME = "aws-controltower-BaselineCloudTrail"
PURPOSE_TAG = "bootstrap-tui:purpose"


# ------------------------------------------------------------------ errors


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError (or a mapped AwsError), else ''."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return str(getattr(exc, "code", "") or "")


def call_or(default: Any, fn: Callable[[], Any], *codes: str) -> Any:
    """fn() or `default` when it fails with one of the given error codes."""
    try:
        return fn()
    except Exception as exc:
        if error_code(exc) in codes:
            return default
        raise


# ------------------------------------------------------------------ accounts


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


def is_future(ctx: StepContext, account: str | None) -> bool:
    """Planning ahead: the account is still to be created (a placeholder id); it is brand new and
    empty, so a plan reads nothing there and lists everything it would create."""
    check = getattr(ctx, "is_future", None)
    return bool(check and check(account))


def future_org(ctx: StepContext) -> bool:
    """Planning ahead, and the organization itself is still to be created."""
    return bool(getattr(ctx, "future_org", False))


def log_archive_account(ctx: StepContext) -> str | None:
    return _first_account(ctx, LOG_ARCHIVE_KEYS, LOG_ARCHIVE_NAMES)


def audit_account(ctx: StepContext) -> str | None:
    return _first_account(ctx, AUDIT_KEYS, AUDIT_NAMES)


def all_account_ids(ctx: StepContext) -> list[str]:
    ids = [a["Id"] for a in ctx.org_accounts()]
    return ids or [ctx.management_account_id]


def member_account_ids(ctx: StepContext) -> list[str]:
    return [a for a in all_account_ids(ctx) if a != ctx.management_account_id]


def org_id(ctx: StepContext) -> str | None:
    """The organization's id; a placeholder while planning ahead of the organization step."""
    if future_org(ctx):
        from bootstrap_tui.future import placeholder

        return placeholder("organization")
    try:
        return ctx.client("organizations").describe_organization()["Organization"]["Id"]
    except Exception as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            return None
        raise


def account_label(ctx: StepContext, account: str) -> str:
    if is_future(ctx, account):
        return account
    for item in ctx.org_accounts():
        if item["Id"] == account:
            return f"{item.get('Name', account)} ({account})"
    return account


def pget(ctx: StepContext, path: str, default: Any = None) -> Any:
    """Profile value at a dotted path (tolerates profile objects without .get)."""
    getter = getattr(ctx.profile, "get", None)
    if callable(getter):
        value = getter(path, default)
        return default if value is None else value
    return default


def ensure_service_access(ctx: StepContext, principal: str) -> bool:
    """Enable Organizations trusted access for a service principal; True when changed."""
    org = ctx.client("organizations")
    enabled = {
        s["ServicePrincipal"]
        for page in org.get_paginator("list_aws_service_access_for_organization").paginate()
        for s in page["EnabledServicePrincipals"]
    }
    if principal in enabled:
        return False
    org.enable_aws_service_access(ServicePrincipal=principal)
    return True


def service_access_enabled(ctx: StepContext, principal: str) -> bool:
    if future_org(ctx):
        return False
    org = ctx.client("organizations")
    return any(
        s["ServicePrincipal"] == principal
        for page in org.get_paginator("list_aws_service_access_for_organization").paginate()
        for s in page["EnabledServicePrincipals"]
    )


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


# ------------------------------------------------------------------ KMS


def unaliased_tagged_key(kms, purpose: str) -> dict[str, Any] | None:
    """An enabled KMS key tagged with our `purpose` but without an alias: a run stopped
    between CreateKey and CreateAlias. Adopting it keeps a rerun from creating a second key."""
    aliased = {
        a.get("TargetKeyId")
        for page in kms.get_paginator("list_aliases").paginate()
        for a in page["Aliases"]
    }
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            if key["KeyId"] in aliased:
                continue
            tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            if {"TagKey": PURPOSE_TAG, "TagValue": purpose} in tags:
                meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
                if meta.get("KeyState") == "Enabled":
                    return meta
    return None


# ------------------------------------------------------------------ fan-out


def parallel(items: list[Any], fn: Callable[[Any], Any], workers: int = 8) -> list[Any]:
    """Run fn over items concurrently; results in order; the first exception is re-raised."""
    if not items:
        return []
    if len(items) == 1:
        return [fn(items[0])]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
        return [future.result() for future in futures]


# ------------------------------------------------------------------ JSON


def canonical(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, indent=2)


def minified(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"))


def parse_policy(text: str | dict | None) -> dict | None:
    if text is None:
        return None
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        from urllib.parse import unquote

        return json.loads(unquote(text))


def statements(policy: dict | None) -> list[dict]:
    if not policy:
        return []
    items = policy.get("Statement", [])
    return [items] if isinstance(items, dict) else list(items)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# ------------------------------------------------------------------ IAM users (checks)


def iam_users_with_credentials(ctx: StepContext, account: str | None) -> Outcome:
    """FAIL when an IAM user has a console password or an active access key.

    Evidence holds counts, user names and key ages only: never key ids or secrets.
    """
    iam = ctx.client("iam", account=account)
    users = [u for page in iam.get_paginator("list_users").paginate() for u in page["Users"]]
    console: list[str] = []
    keyed: list[str] = []
    oldest = 0
    now = _dt.datetime.now(_dt.UTC)
    for user in users:
        name = user["UserName"]
        has_password = call_or(None, lambda: iam.get_login_profile(UserName=name), "NoSuchEntity")
        if has_password:
            console.append(name)
        keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        active = [k for k in keys if k.get("Status") == "Active"]
        if active:
            keyed.append(name)
            for key in active:
                created = key.get("CreateDate")
                if isinstance(created, _dt.datetime):
                    oldest = max(oldest, (now - created).days)
    evidence = {
        "iam_users": len(users),
        "users_with_console_password": sorted(console),
        "users_with_active_access_keys": sorted(keyed),
        "oldest_active_key_age_days": oldest,
    }
    if console or keyed:
        who = sorted(set(console) | set(keyed))
        return Outcome.fail(
            f"{len(who)} IAM user(s) with long-lived credentials: {', '.join(who)}", **evidence
        )
    return Outcome.ok(
        f"no IAM user has a console password or an active access key "
        f"({len(users)} user(s) in total)",
        **evidence,
    )
