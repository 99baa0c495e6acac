"""Long-lived credentials: the IAM credential report, and IAM users with a console password
or an active access key."""

from __future__ import annotations

from functools import partial

import base64
import csv
import datetime as _dt
import io
import time

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Outcome
from bootstrap_tui.context import StepContext
from steps._errors import call_or, error_code


def credential_report_rows(
    ctx: StepContext, account: str | None = None, attempts: int = 10
) -> list[dict[str, str]]:
    """The IAM credential report as dict rows (GenerateCredentialReport is read-only)."""
    iam = ctx.client("iam", account=account)
    for attempt in range(attempts):
        state = iam.generate_credential_report().get("State")
        if state == "COMPLETE":
            break
        time.sleep(min(0.2 * (attempt + 1), 2) if ctx.is_sandbox else 2)
    for _attempt in range(attempts):
        try:
            content = iam.get_credential_report()["Content"]
            break
        except Exception as exc:
            if error_code(exc) not in (
                "ReportInProgress",
                "ReportNotPresent",
                "ReportExpired",
                "CredentialReportNotReadyException",
                "CredentialReportNotPresentException",
            ):
                raise
            time.sleep(0.2 if ctx.is_sandbox else 2)
    else:
        raise RefusedError(
            "the IAM credential report was not ready in time", "run verify again in a minute"
        )
    if isinstance(content, str):
        try:
            content = base64.b64decode(content)
        except ValueError:
            content = content.encode()
    text = content.decode() if isinstance(content, bytes) else str(content)
    return list(csv.DictReader(io.StringIO(text)))


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
        has_password = call_or(None, partial(iam.get_login_profile, UserName=name), "NoSuchEntity")
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
