"""The identity-center step's account assignments run side by side, within AWS's limit of
outstanding requests (aws_limits.ACCOUNT_ASSIGNMENT_OUTSTANDING), against a sandbox whose
assignments take AWS's time (issue 19): each one is asked for once, and all of them land."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from bootstrap_tui.aws_limits import ACCOUNT_ASSIGNMENT_OUTSTANDING
from bootstrap_tui.sandbox.environ import environment
from bootstrap_tui.sandbox.seeds import write_seed_profile
from bootstrap_tui.sandbox.testing import client_environment, running_sandbox
from tests.steps.engines import make_engine

pytestmark = pytest.mark.slow

KIND = "sso:CreateAccountAssignment"


def _assignments(sso: Any, instance: str, accounts: list[str]) -> set[tuple[str, ...]]:
    out = set()
    sets = sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]
    for account in accounts:
        for ps in sets:
            for row in sso.list_account_assignments(
                InstanceArn=instance, AccountId=account, PermissionSetArn=ps
            )["AccountAssignments"]:
                out.add((account, ps, row["PrincipalType"], row["PrincipalId"]))
    return out


def _peak(spans: list[tuple[float, float]]) -> int:
    """The most requests outstanding at one moment."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    peak = now = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


def test_assignments_overlap_within_the_limit_and_each_is_asked_once(tmp_path: Path) -> None:
    with (
        running_sandbox(
            seed="compliant", accounts=3, durations="realistic", time_scale=60, op_delay_s=0.05
        ) as box,
        environment(client_environment(box.endpoint)),
    ):
        sso = boto3.client("sso-admin")
        instance = sso.list_instances()["Instances"][0]["InstanceArn"]
        accounts = [a["Id"] for a in boto3.client("organizations").list_accounts()["Accounts"]]
        wanted = _assignments(sso, instance, accounts)
        assert len(wanted) > ACCOUNT_ASSIGNMENT_OUTSTANDING, "the seed must need more at once"
        for account, ps, kind, principal in wanted:
            sso.delete_account_assignment(
                InstanceArn=instance,
                TargetId=account,
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=ps,
                PrincipalType=kind,
                PrincipalId=principal,
            )
        deadline = time.monotonic() + 30
        while _assignments(sso, instance, accounts) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _assignments(sso, instance, accounts)

        engine = make_engine(
            box.endpoint, tmp_path / "state.yaml", profile=write_seed_profile(tmp_path, 3)
        )
        try:
            for done in ("management-account", "organization", "accounts"):  # up to date
                engine.apply(done)
            started = time.monotonic()
            plan = engine.apply("identity-center")
            took = time.monotonic() - started
        finally:
            engine.close()

        assert not plan.blocked
        assert _assignments(sso, instance, accounts) == wanted
        with box.state.lock:
            spans = [
                (op.started, op.started + op.delay)
                for op in box.state.operations.values()
                if op.kind == KIND
            ]
        assert len(spans) == len(wanted), "each assignment is requested exactly once"
        assert 2 <= _peak(spans) <= ACCOUNT_ASSIGNMENT_OUTSTANDING
        one_by_one = sum(end - start for start, end in spans)
        assert took < one_by_one, (took, one_by_one)
        assert engine.state.operations("identity-center") == {}, "no request is left recorded"
