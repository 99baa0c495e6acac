"""`bootstrap-tui iam-policy`: the declared IAM actions and the documents built from them.

That the declarations are exactly what the real CLI calls is proven in
tests/steps/test_full_run.py (recorded full runs of every built-in profile).
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from bootstrap_tui import cli, iam_policy
from bootstrap_tui.aws.clients import is_read_only_operation
from bootstrap_tui.engine import discover_steps

STEPS = discover_steps()
DECLARED = iam_policy.load()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(["iam-policy", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


def _actions(document: dict) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("sso-admin", "ListInstances", "sso:ListInstances"),
        ("accessanalyzer", "ListAnalyzers", "access-analyzer:ListAnalyzers"),
        ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
        ("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
        ("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
        ("budgets", "DescribeBudgets", "budgets:ViewBudget"),
        ("organizations", "ListAccounts", "organizations:ListAccounts"),
        ("sts", "GetCallerIdentity", None),
    ],
)
def test_operations_become_their_iam_actions(service, operation, action):
    assert iam_policy.iam_action(service, operation) == action


def test_declarations_exist_and_name_real_steps_and_checks():
    assert DECLARED, "bootstrap_tui/iam_actions.yaml is empty"
    steps = {s.id for s in STEPS}
    checks = {c.id for s in STEPS for c in s.checks}
    for activity in DECLARED:
        job, _, name = activity.partition(":")
        assert (
            activity in ("connect", "verify")
            or (job in ("check", "when-failing") and name in checks)
            or (job in ("plan", "apply") and name in steps)
        ), activity


def test_every_declared_action_is_a_real_iam_action():
    """Each is an operation of a service with that IAM prefix, or a documented renamed action."""
    session = botocore.session.get_session()
    operations: dict[str, set[str]] = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        operations.setdefault(model.signing_name, set()).update(model.operation_names)
    renamed = set(iam_policy.RENAMED.values())
    for activity, kinds in DECLARED.items():
        for action in kinds["management"] + kinds["member"]:
            prefix, _, name = action.partition(":")
            assert action in renamed or name in operations.get(prefix, set()), (
                f"{activity}: {action}"
            )


def test_verify_needs_only_read_actions(capsys):
    code, documents, _ = _run(capsys, "--for", "verify")
    assert code == 0
    writes = {
        a
        for doc in documents.values()
        for a in _actions(doc)
        if a != "sts:AssumeRole"
        and not is_read_only_operation(a.split(":", 1)[1])
        and a not in ("s3:ListAllMyBuckets", "s3:ListBucket", "budgets:ViewBudget")
    }
    assert writes == set(), writes
    assert _actions(documents["management"]) and _actions(documents["member"])


def test_plan_is_within_apply_and_a_step_narrows_it(capsys):
    _, plan_all, _ = _run(capsys, "--for", "plan")
    _, apply_all, _ = _run(capsys, "--for", "apply")
    _, plan_org, _ = _run(capsys, "--for", "plan", "--step", "organization")
    for kind in ("management", "member"):
        assert _actions(plan_all[kind]) <= _actions(apply_all[kind]), kind
    assert _actions(plan_org["management"]) < _actions(plan_all["management"])
    assert any(a.startswith("organizations:") for a in _actions(plan_org["management"]))


def test_the_member_role_is_the_only_role_the_management_policy_may_assume(capsys):
    _, documents, _ = _run(capsys, "--for", "verify", "--member-role", "bootstrap-tui-audit")
    assume = [s for s in documents["management"]["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume == [
        {
            "Sid": "ReachMemberAccounts",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::*:role/bootstrap-tui-audit",
        }
    ]


def test_an_unknown_step_or_job_is_a_usage_error(capsys):
    code, _, err = _run(capsys, "--for", "plan", "--step", "nope")
    assert code == 2 and "unknown step 'nope'" in err
    with pytest.raises(SystemExit) as info:
        cli.main(["iam-policy", "--for", "destroy"])
    assert info.value.code == 2


def test_docs_verify_md_lists_the_actions_verify_needs():
    assert iam_policy.DOC.read_text(encoding="utf-8") == iam_policy.current_doc(), (
        "docs/verify.md is stale: run python -m bootstrap_tui.iam_policy"
    )


def test_the_audit_role_policy_holds_only_reads():
    """What the audit role may do is exactly verify's member reads: no action that changes AWS."""
    from steps.audit_role import permissions_policy

    actions = permissions_policy()["Statement"][0]["Action"]
    assert actions and all(
        is_read_only_operation(a.split(":", 1)[1]) or a in ("s3:ListBucket", "budgets:ViewBudget")
        for a in actions
    ), actions
    assert "sts:AssumeRole" not in actions and not any(
        a.endswith(":*") or a == "*" for a in actions
    )
