"""Shared helpers of the part-1 steps (management-account, root-mfa, organization,
accounts, control-tower). Small on purpose; no UI imports, AWS only through ctx.
"""

from __future__ import annotations

import base64
import csv
import io
import time
from typing import Any
from collections.abc import Callable, Iterable

from bootstrap_tui.aws import is_not_found, refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import RefusedError

__all__ = [
    "code_of",
    "is_not_found",
    "paginate",
    "profile_get",
    "describe_org",
    "root_id",
    "ou_tree",
    "ou_arn",
    "account_parent",
    "credential_report_rows",
    "run_operations",
    "require_not_root",
    "partition",
]


def code_of(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError (or a mapped AwsError), else ''."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return str(getattr(exc, "code", "") or "")


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item under `key` across all pages of `operation`."""
    if client.can_paginate(operation):
        return [
            item
            for page in client.get_paginator(operation).paginate(**kwargs)
            for item in page.get(key, [])
        ]
    return list(getattr(client, operation)(**kwargs).get(key, []))


def profile_get(ctx: StepContext, path: str, default: Any = None) -> Any:
    """A profile value at a dotted path; `default` when absent or null."""
    getter = getattr(ctx.profile, "get", None)
    value = getter(path, default) if callable(getter) else default
    return default if value is None else value


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def require_not_root(ctx: StepContext) -> None:
    """Automated (mutating) steps never run as the root user."""
    refuse_root(ctx.identity)


# ------------------------------------------------------------------ organizations


def describe_org(ctx: StepContext) -> dict[str, Any] | None:
    """The caller's organization, or None when it is in none."""
    try:
        return ctx.client("organizations").describe_organization()["Organization"]
    except Exception as exc:
        if code_of(exc) == "AWSOrganizationsNotInUseException":
            return None
        raise


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


# ------------------------------------------------------------------ IAM credential report


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
    for attempt in range(attempts):
        try:
            content = iam.get_credential_report()["Content"]
            break
        except Exception as exc:
            if code_of(exc) not in (
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


# ------------------------------------------------------------------ long operations


def run_operations(
    ctx: StepContext,
    tasks: Iterable[tuple[str, Any]],
    *,
    submit: Callable[[Any], str | None],
    status: Callable[[str], tuple[str, str | None]],
    what: str,
    interval: float = 30,
    timeout: float = 3600,
    max_in_flight: int = 10,
    kind: str | None = None,
    label: Callable[[Any], str] | None = None,
) -> dict[str, tuple[str, str | None]]:
    """Run asynchronous AWS operations with at most `max_in_flight` at once.

    tasks: (key, payload). A key that already has a recorded operation id is
    resumed (polled) instead of submitted again. submit(payload) starts the
    operation and returns its id (None = nothing to wait for); the id is recorded
    in the state file before any wait. status(op_id) -> (STATUS, message) where
    STATUS is IN_PROGRESS, SUCCEEDED or FAILED. Returns key -> (STATUS, message);
    finished operations are cleared from the state file.

    Progress: one line per real change (started, resumed, finished), each with one elapsed
    clock for the whole run and, for a `kind` in durations.yaml, the time left if AWS takes
    its typical time; while nothing changes, one line a minute says it is still running.
    """
    from bootstrap_tui.durations import estimate_line

    queue = list(tasks)
    total = len(queue)
    names = {key: (label(payload) if label else key) for key, payload in queue}
    results: dict[str, tuple[str, str | None]] = {}
    in_flight: dict[str, str] = {}
    started = time.monotonic()
    flight_started = started
    last_line = started

    def say(text: str) -> None:
        nonlocal last_line
        last_line = time.monotonic()
        tail = estimate_line(
            kind,
            len(in_flight),
            len(queue),
            max_in_flight,
            last_line - started,
            last_line - flight_started,
        )
        ctx.progress(f"{what}: {text} ({len(results)} of {total} done{tail})", len(results), total)

    for key, _payload in list(queue):
        recorded = ctx.operation(key)
        if recorded and recorded.get("id"):
            in_flight[key] = recorded["id"]
            queue = [t for t in queue if t[0] != key]
            say(f"resuming {names[key]} (request {recorded['id']})")
    while queue or in_flight:
        while queue and len(in_flight) < max_in_flight:
            key, payload = queue.pop(0)
            op_id = submit(payload)
            if op_id is None:
                results[key] = ("SUCCEEDED", None)
                continue
            ctx.record_operation(key, op_id)
            if not in_flight:
                flight_started = time.monotonic()
            in_flight[key] = op_id
            say(f"started {names[key]}")
        for key, op_id in list(in_flight.items()):
            state, message = status(op_id)
            if state in ("SUCCEEDED", "FAILED"):
                results[key] = (state, message)
                ctx.clear_operation(key)
                del in_flight[key]
                say(f"{names[key]} {'done' if state == 'SUCCEEDED' else 'FAILED'}")
        if not (queue or in_flight):
            break
        if time.monotonic() - last_line >= 60:
            say(f"{len(in_flight)} still running")
        if time.monotonic() - started > timeout:
            raise RefusedError(
                f"{what}: {len(in_flight)} operation(s) still running after {int(timeout)}s",
                "they keep running in AWS; run apply again later and polling resumes",
            )
        ctx.wait(ctx.poll_interval(interval))
    return results
