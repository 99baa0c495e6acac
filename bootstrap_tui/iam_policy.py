"""The IAM actions each job needs, and the minimal policy documents for them.

``iam_actions.yaml`` (beside this module) declares, per activity, the IAM actions it uses
in the management account and in member accounts (through the automation or audit role):
``connect`` (who am I, the organization's accounts), ``verify`` (the engine's own reads
during verify), ``check:<id>`` per check, and ``plan:<step>`` / ``apply:<step>`` per step.
tests/steps/test_full_run.py records every call the real CLI makes (``aws.activity``) and
holds the declarations to it: no undeclared call, no unused declaration. A check makes some
reads only when its control is not in place (e.g. a default VPC's subnets); those are
declared by hand as ``when-failing:<id>`` and proven by the drift proofs, which run verify
through the audit role that holds exactly these actions in a sandbox that enforces IAM.

``bootstrap-tui iam-policy --for verify|plan|apply [--step ID]`` prints the documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("iam_actions.yaml")
KINDS = ("management", "member")
JOBS = ("verify", "plan", "apply")
# Calls no IAM policy governs: anyone can ask who they are.
NEEDS_NO_PERMISSION = frozenset({"sts:GetCallerIdentity"})
# Operations whose IAM action has another name (AWS Service Authorization Reference).
RENAMED = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:HeadObject": "s3:GetObject",
    "s3:DeleteObjects": "s3:DeleteObject",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetBucketLifecycle": "s3:GetLifecycleConfiguration",
    "s3:PutBucketLifecycle": "s3:PutLifecycleConfiguration",
    "s3:DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    "s3:GetBucketNotification": "s3:GetBucketNotification",
    "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:PutBucketReplication": "s3:PutReplicationConfiguration",
    "s3:GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "s3:PutBucketNotificationConfiguration": "s3:PutBucketNotification",
    "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    "s3control:PutPublicAccessBlock": "s3:PutAccountPublicAccessBlock",
    "s3control:DeletePublicAccessBlock": "s3:PutAccountPublicAccessBlock",
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeBudget": "budgets:ViewBudget",
    "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
    "budgets:DescribeSubscribersForNotification": "budgets:ViewBudget",
    "budgets:CreateBudget": "budgets:ModifyBudget",
    "budgets:UpdateBudget": "budgets:ModifyBudget",
    "budgets:DeleteBudget": "budgets:ModifyBudget",
    "budgets:CreateNotification": "budgets:ModifyBudget",
    "budgets:CreateSubscriber": "budgets:ModifyBudget",
}


@cache
def _prefix(service: str) -> str:
    """The IAM service prefix of a boto3 client name (its signing name: sso-admin -> sso)."""
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service).signing_name
    except Exception:
        return service


def iam_action(service: str, operation: str) -> str | None:
    """``sso-admin``/``ListInstances`` -> ``sso:ListInstances``; None when no permission is needed."""
    name = RENAMED.get(f"{service}:{operation}") or f"{_prefix(service)}:{operation}"
    return None if name in NEEDS_NO_PERMISSION else name


def signed_action(signing_name: str, operation: str) -> str | None:
    """The IAM action of a request as a server sees it (by SigV4 signing name: sso, s3, ...)."""
    name = RENAMED.get(f"{signing_name}:{operation}") or f"{signing_name}:{operation}"
    return None if name in NEEDS_NO_PERMISSION else name


def load(path: Path = DATA) -> dict[str, dict[str, list[str]]]:
    """activity -> {management: [...], member: [...]} as declared."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        activity: {kind: list(kinds.get(kind) or []) for kind in KINDS}
        for activity, kinds in data.items()
    }


def activities(job: str, steps: Iterable[str], checks: Iterable[str]) -> list[str]:
    """The activities a job runs: verify = its checks; plan = the steps' plans; apply = plan + apply + verify."""
    steps, checks = list(steps), list(checks)
    found = ["connect"]
    if job in ("plan", "apply"):
        found += [f"plan:{s}" for s in steps]
    if job == "apply":
        found += [f"apply:{s}" for s in steps]
    if job in ("verify", "apply"):
        found += ["verify", *[f"check:{c}" for c in checks], *[f"when-failing:{c}" for c in checks]]
    return found


def actions_for(
    job: str,
    steps: Iterable[str],
    checks: Iterable[str],
    declared: dict[str, dict[str, list[str]]] | None = None,
) -> dict[str, list[str]]:
    """kind of account -> sorted IAM actions the job needs."""
    declared = load() if declared is None else declared
    out: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for activity in activities(job, steps, checks):
        for kind in KINDS:
            out[kind] |= set(declared.get(activity, {}).get(kind, []))
    return {kind: sorted(out[kind]) for kind in KINDS}


def policy_documents(actions: dict[str, list[str]], member_role: str) -> dict[str, Any]:
    """The management-account and member-account identity policies for ``actions``."""
    management = [
        {"Sid": "BootstrapTui", "Effect": "Allow", "Action": actions["management"], "Resource": "*"}
    ]
    if actions["member"]:
        management.append(
            {
                "Sid": "ReachMemberAccounts",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::*:role/{member_role}",
            }
        )
    documents: dict[str, Any] = {
        "management": {"Version": "2012-10-17", "Statement": management},
        "member": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BootstrapTui",
                    "Effect": "Allow",
                    "Action": actions["member"],
                    "Resource": "*",
                }
            ],
        },
    }
    return documents


def render(documents: dict[str, Any]) -> str:
    return json.dumps(documents, indent=2, sort_keys=False) + "\n"


# ------------------------------------------------------------------ the record behind the declarations

IMPLIED = frozenset(
    {"sts:AssumeRole"}
)  # made once per member account, whichever activity comes first


def job_of(activity: str) -> str:
    """connect | verify | plan | apply: the job an activity belongs to."""
    if activity == "connect":
        return "connect"
    if activity == "verify" or activity.startswith(("check:", "when-failing:")):
        return "verify"
    return activity.split(":", 1)[0]


def read_call_log(path: Path) -> dict[str, dict[str, set[str]]]:
    """activity -> kind -> IAM actions, from a ``BOOTSTRAP_TUI_CALL_LOG`` file."""
    out: dict[str, dict[str, set[str]]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        action = iam_action(entry["service"], entry["operation"])
        if action is None or action in IMPLIED:
            continue
        out.setdefault(entry["activity"], {kind: set() for kind in KINDS})[entry["account"]].add(
            action
        )
    return out


def by_job(per_activity: dict[str, dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(job, kind) -> the union of the actions of the job's activities."""
    out: dict[tuple[str, str], set[str]] = {}
    for activity, kinds in per_activity.items():
        for kind in KINDS:
            out.setdefault((job_of(activity), kind), set()).update(kinds.get(kind) or ())
    return {key: value for key, value in out.items() if value}


def dump(per_activity: dict[str, dict[str, set[str]]], path: Path = DATA) -> None:
    """Write recorded actions as the declarations file (sorted, so a diff reads well); the
    hand-declared ``when-failing:`` entries are kept."""
    kept = (
        {
            a: {k: set(v) for k, v in kinds.items()}
            for a, kinds in load(path).items()
            if a.startswith("when-failing:")
        }
        if path.exists()
        else {}
    )
    per_activity = {**per_activity, **kept}
    lines = [
        "# IAM actions per activity and kind of account, as the real CLI calls them in full runs of",
        "# every built-in profile (tests/steps/test_full_run.py holds them to it; to re-record:",
        "# BOOTSTRAP_TUI_IAM_RECORD=1 pytest tests/steps/test_full_run.py). Read by bootstrap_tui/iam_policy.py.",
    ]
    order = {"connect": 0, "verify": 1, "check": 2, "when-failing": 3, "plan": 4, "apply": 5}
    for activity in sorted(per_activity, key=lambda a: (order.get(a.split(":")[0], 9), a)):
        kinds = {
            kind: sorted(per_activity[activity][kind])
            for kind in KINDS
            if per_activity[activity][kind]
        }
        if kinds:
            lines.append(yaml.safe_dump({activity: kinds}, sort_keys=False, width=200).rstrip())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ docs/verify.md

DOC = Path(__file__).resolve().parents[1] / "docs" / "verify.md"
DOC_START = "<!-- iam-actions: generated by python -m bootstrap_tui.iam_policy; do not edit -->"
DOC_END = "<!-- iam-actions: end -->"


def doc_section() -> str:
    """The list of IAM actions verify needs, per kind of account, as Markdown."""
    from bootstrap_tui.registry import discover_steps

    steps = discover_steps()
    actions = actions_for("verify", [s.id for s in steps], [c.id for s in steps for c in s.checks])
    lines = [DOC_START, "", "| account | IAM actions verify needs |", "| --- | --- |"]
    lines.append(
        "| management | "
        + ", ".join(f"`{a}`" for a in [*actions["management"], "sts:AssumeRole"])
        + " |"
    )
    lines.append(
        "| member (the role verify assumes) | "
        + ", ".join(f"`{a}`" for a in actions["member"])
        + " |"
    )
    return "\n".join([*lines, "", DOC_END])


def current_doc() -> str:
    text = DOC.read_text(encoding="utf-8")
    head, start, rest = text.partition(DOC_START)
    _, end, tail = rest.partition(DOC_END)
    if not start or not end:
        raise ValueError(f"{DOC}: the generated IAM actions section markers are missing")
    return head + doc_section() + tail


if __name__ == "__main__":
    DOC.write_text(current_doc(), encoding="utf-8")
