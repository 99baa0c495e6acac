"""The read-only audit role that verify assumes in every member account.

The accounts step creates it (``bootstrap-tui-audit`` by default) and keeps it current:
- permissions: one inline policy holding exactly the IAM actions verify's checks use in member
  accounts (``bootstrap-tui iam-policy --for verify``), nothing attached;
- trust: only the principals the profile lists (``audit_role.trusted``), by default the
  management account, with the optional ``sts:ExternalId``;
- no guardrail SCP exempts it, so the protect-* SCPs stop it like any other principal.
verify uses it when it can (``--member-role`` picks another role); when it falls back to the
automation role, ``accounts.audit-role`` says so with a WARN in every report.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from bootstrap_tui.context import StepContext
from bootstrap_tui.model import Check, Outcome, Plan, Scope, Severity

from steps._errors import error_code

POLICY_NAME = "bootstrap-tui-audit"
DESCRIPTION = "Read-only role bootstrap-tui verify assumes (created by bootstrap-tui; exactly the reads verify needs)"


def role_name(ctx: StepContext) -> str:
    return ctx.profile.audit_role.name


def trust_policy(ctx: StepContext) -> dict[str, Any]:
    """Who may assume the role: the profile's principals, else the management account."""
    trusted = list(ctx.profile.audit_role.trusted) or [
        f"arn:aws:iam::{ctx.management_account_id}:root"
    ]
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": sorted(trusted)},
        "Action": "sts:AssumeRole",
    }
    external_id = ctx.profile.audit_role.external_id
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def permissions_policy() -> dict[str, Any]:
    """Exactly the actions verify's checks use in member accounts (iam_actions.yaml)."""
    from bootstrap_tui import iam_policy
    from bootstrap_tui.registry import discover_steps

    steps = discover_steps()
    actions = iam_policy.actions_for(
        "verify", [s.id for s in steps], [c.id for s in steps for c in s.checks]
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BootstrapTuiVerify",
                "Effect": "Allow",
                "Action": actions["member"],
                "Resource": "*",
            }
        ],
    }


def _document(value: Any) -> dict[str, Any]:
    """IAM returns policy documents URL-encoded (the API) or already parsed (boto3 for roles)."""
    if isinstance(value, dict):
        return value
    return json.loads(unquote(value))


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def norm(doc: dict[str, Any]) -> Any:
        statements = doc.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        out = []
        for s in statements:
            s = dict(s)
            for key in ("Action", "Resource"):
                if isinstance(s.get(key), list):
                    s[key] = sorted(s[key])
            principal = s.get("Principal")
            if isinstance(principal, dict) and isinstance(principal.get("AWS"), list):
                s["Principal"] = {**principal, "AWS": sorted(principal["AWS"])}
            if isinstance(principal, dict) and isinstance(principal.get("AWS"), str):
                s["Principal"] = {**principal, "AWS": [principal["AWS"]]}
            s.pop("Sid", None)
            out.append(json.dumps(s, sort_keys=True))
        return sorted(out)

    return norm(a) == norm(b)


def observe(ctx: StepContext, account: str) -> dict[str, Any]:
    """What the role looks like in ``account``: exists, trust/policy current, attached policies."""
    iam = ctx.client("iam", account=account)
    name = role_name(ctx)
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            return {"exists": False}
        raise
    inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
    policy = None
    if POLICY_NAME in inline:
        policy = _document(
            iam.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"]
        )
    attached = [
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    ]
    return {
        "exists": True,
        "trust_current": _same(_document(role["AssumeRolePolicyDocument"]), trust_policy(ctx)),
        "policy_current": policy is not None and _same(policy, permissions_policy()),
        "other_inline": sorted(set(inline) - {POLICY_NAME}),
        "attached": sorted(attached),
    }


def plan_changes(
    ctx: StepContext, plan: Plan, accounts: list[tuple[str, str]], to_create: list[str]
) -> None:
    """Add the audit role's changes for existing member accounts (id, name) and accounts to come."""
    name = role_name(ctx)
    actions = len(permissions_policy()["Statement"][0]["Action"])
    who = ", ".join(trust_policy(ctx)["Statement"][0]["Principal"]["AWS"])
    for account, label in accounts:
        seen = observe(ctx, account)
        if not seen["exists"]:
            plan.add(
                "create",
                "audit role",
                f"{name} in {label}",
                account=account,
                detail=f"read-only: {actions} actions verify needs, trusted by {who}",
                data={"audit_role": account},
            )
            continue
        if not seen["trust_current"]:
            plan.add(
                "update",
                "audit role trust",
                f"{name} in {label}",
                account=account,
                detail=f"trusted by {who} only",
                data={"audit_role": account},
            )
        if not seen["policy_current"]:
            plan.add(
                "update",
                "audit role policy",
                f"{name} in {label}",
                account=account,
                detail=f"exactly the {actions} read actions verify needs",
                data={"audit_role": account},
            )
        for arn in seen["attached"]:
            plan.add(
                "detach",
                "policy from audit role",
                f"{arn} from {name} in {label}",
                account=account,
                detail="the audit role holds only its own read-only policy",
                destructive=True,
                data={"audit_role": account, "detach": arn},
            )
        for extra in seen["other_inline"]:
            plan.add(
                "delete",
                "inline policy of audit role",
                f"{extra} of {name} in {label}",
                account=account,
                detail="the audit role holds only its own read-only policy",
                destructive=True,
                data={"audit_role": account, "delete_inline": extra},
            )
    if to_create:
        plan.add(
            "create",
            "audit role",
            f"{name} in {', '.join(to_create)}",
            detail=f"once created: read-only, {actions} actions verify needs, trusted by {who}",
            data={"audit_role": "new"},
        )


def ensure(ctx: StepContext, account: str, label: str) -> None:
    """Create or correct the role in ``account`` (through the automation role)."""
    iam = ctx.client("iam", account=account)
    name = role_name(ctx)
    seen = observe(ctx, account)
    trust = json.dumps(trust_policy(ctx))
    if not seen["exists"]:
        ctx.progress(f"creating the audit role {name} in {label}")
        iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=trust,
            Description=DESCRIPTION,
            MaxSessionDuration=3600,
            Tags=[{"Key": "managed-by", "Value": "bootstrap-tui"}],
        )
        seen = {
            "exists": True,
            "trust_current": True,
            "policy_current": False,
            "attached": [],
            "other_inline": [],
        }
    if not seen["trust_current"]:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    if not seen["policy_current"]:
        iam.put_role_policy(
            RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(permissions_policy())
        )
    for arn in seen["attached"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    for extra in seen["other_inline"]:
        iam.delete_role_policy(RoleName=name, PolicyName=extra)


def check_audit_role(ctx: StepContext, account: str, region: str | None) -> Outcome:
    name = role_name(ctx)
    seen = observe(ctx, account or ctx.management_account_id)
    used = ctx.verify_role(account) or ctx.profile.automation_role
    evidence = {"role": name, **seen, "verify_role": used}
    if not seen["exists"]:
        return Outcome.fail(
            f"the audit role {name} does not exist; verify ran as {used}", **evidence
        )
    wrong = [
        what
        for what, ok in (
            ("its trust policy is not the profile's", seen["trust_current"]),
            ("its permissions are not exactly verify's reads", seen["policy_current"]),
            (f"policies are attached to it: {', '.join(seen['attached'])}", not seen["attached"]),
            (
                f"it has other inline policies: {', '.join(seen['other_inline'])}",
                not seen["other_inline"],
            ),
        )
        if not ok
    ]
    if wrong:
        return Outcome.fail(f"the audit role {name}: " + "; ".join(wrong), **evidence)
    if used != name:
        admin = " (an administrator role)" if used == ctx.profile.automation_role else ""
        return Outcome.warn(
            f"verify ran as {used}{admin}, not the read-only audit role {name}", **evidence
        )
    return Outcome.ok(
        f"the read-only audit role {name} is current, and verify ran as it", **evidence
    )


CHECK_AUDIT_ROLE = Check(
    id="accounts.audit-role",
    title="verify reaches member accounts through a current read-only audit role",
    severity=Severity.MEDIUM,
    scope=Scope.ACCOUNT,
    accounts="members",
    run=check_audit_role,
    remediation=(
        "run: bootstrap-tui apply --step accounts (it creates or corrects the role); in CI, "
        "assume it with --member-role or leave the default"
    ),
    no_prowler="Prowler has no check that its own scan role is read-only; it documents the role "
    "(ProwlerScanRole) to create instead.",
)
