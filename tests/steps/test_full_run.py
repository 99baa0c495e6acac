"""Every built-in profile, end to end, through the real CLI against a sandbox from the fresh seed.

For each profile: `apply --yes --simulate-console` converges (exit 0), `verify --format json`
has no FAIL or ERROR, a second `plan` shows every step up to date and a second `apply`
sends no mutating call (the sandbox's request log counts them). The Control Tower profiles
also prove that the steps build on what the landing zone left instead of duplicating it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bootstrap_tui import iam_policy
from bootstrap_tui.sandbox.testing import client
from tests.steps.cli_runs import Cli
from tests.steps.sandboxes import sandbox_requests

pytestmark = pytest.mark.slow

CT_PROFILES = ("soc2", "iso27001", "pci-dss")
# check id -> why a WARN is expected there (none today: every built-in profile reaches PASS).
EXPECTED_WARN: dict[str, str] = {}
CT_TRAIL = "aws-controltower-BaselineCloudTrail"
# profile -> activity -> kind of account -> IAM actions the real CLI used (see bootstrap_tui/iam_policy.py)
RECORDED: dict[str, dict[str, dict[str, set[str]]]] = {}
CT_RECORDER = "aws-controltower-BaselineConfigRecorder"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """One sandbox for the module (reused if another suite left one running); reset per test."""
    from bootstrap_tui.sandbox import server
    from bootstrap_tui.sandbox.testing import running_sandbox

    running = server._running
    if running is not None:
        running.configure(latency_ms=0, faults="", op_delay_s=0.05)
        yield running
        return
    with running_sandbox(op_delay_s=0.05) as box:
        yield box


def converge(sandbox: Any, profile: str, tmp: Path) -> list[dict[str, Any]]:
    """Apply, verify, re-plan and re-apply one profile; returns the verify results."""
    sandbox.reset(seed="fresh", accounts=0)
    cli = Cli(sandbox, profile, tmp)
    applied = cli.apply()
    assert applied.returncode == 0, (
        f"apply failed:\n{applied.stdout[-4000:]}\n{applied.stderr[-4000:]}"
    )
    security = applied.stderr.split("==> security-services", 1)[1].split("==> ", 1)[0]
    assert "Expected monthly cost: ~$" in security  # apply states the cost before it acts
    assert "\nEstimated monthly total: ~$" in applied.stderr

    verified = cli("verify", "--format", "json")
    report = json.loads(verified.stdout)
    results = report["results"]
    bad = [
        f"{r['status']} {r['check_id']} {r.get('account')} {r.get('region')}: {r['message']}"
        for r in results
        if r["status"] in ("FAIL", "ERROR")
        or (r["status"] == "WARN" and r["check_id"] not in EXPECTED_WARN)
    ]
    assert bad == [], "\n".join(bad)
    assert verified.returncode == 0, verified.stderr
    assert len({r["check_id"] for r in results}) >= 40

    sandbox_requests(sandbox, "DELETE")
    planned = cli("plan")
    assert planned.returncode == 0, planned.stderr
    body, total = planned.stdout.split("\nEstimated monthly total: ~$", 1)
    assert total.strip(), planned.stdout  # the plan ends with the cost total and its price date
    step_lines = [line for line in body.splitlines() if line and not line.startswith(" ")]
    assert len(step_lines) == 10, planned.stdout
    pending = [
        line for line in step_lines if not (line.endswith(": up to date") or ": skipped — " in line)
    ]
    assert pending == [], planned.stdout

    again = cli.apply()
    assert again.returncode == 0, again.stderr[-4000:]
    log = sandbox_requests(sandbox)
    assert log["total"] > 0, "the request log saw none of the second run's calls"
    assert log["mutating"] == {}, f"the second apply changed AWS: {log['mutating']}"
    RECORDED[profile] = iam_policy.read_call_log(tmp / "calls.jsonl")
    return results


def test_startup_minimal_builds_its_own_trail_and_converges(sandbox, tmp_path):
    results = converge(sandbox, "startup-minimal", tmp_path)
    skipped_ct = [r for r in results if r["check_id"].startswith("ct.")]
    assert skipped_ct == []
    trail = next(r for r in results if r["check_id"] == "log-archive.trail-multi-region")
    assert trail["evidence"]["trail"] != CT_TRAIL


@pytest.mark.parametrize("profile", CT_PROFILES)
def test_control_tower_profile_converges_on_what_the_landing_zone_left(sandbox, tmp_path, profile):
    results = converge(sandbox, profile, tmp_path)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_id.setdefault(result["check_id"], []).append(result)
    assert by_id["ct.landing-zone"][0]["status"] == "PASS"
    # Control Tower's log bucket has no Object Lock: not applicable, never a PASS
    lock = by_id["log-archive.object-lock"]
    assert [r["status"] for r in lock] == ["NOT_APPLICABLE"] and "Object Lock" in lock[0]["message"]

    # log-archive verified Control Tower's trail instead of building its own
    assert by_id["log-archive.trail-multi-region"][0]["evidence"]["trail"] == CT_TRAIL
    trails = client(sandbox, "cloudtrail").describe_trails()["trailList"]
    assert [t["Name"] for t in trails if t.get("IsOrganizationTrail")] == [CT_TRAIL]

    # security-services kept Control Tower's recorders: exactly one per account and region,
    # Control Tower's in every enrolled (member) account, the step's own only in the management one
    management = sandbox.management_account_id
    for result in by_id["security-services.config-recorder"]:
        recorders = result["evidence"]["recorders"]
        assert len(recorders) == 1, result
        if result["account"] != management:
            assert recorders == [CT_RECORDER], result
        else:
            assert recorders != [CT_RECORDER], result

    # guardrails fitted beside Control Tower's SCP within the 5-per-target quota
    org = client(sandbox, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    pending = [root]
    seen = 0
    while pending:
        for ou in org.list_organizational_units_for_parent(ParentId=pending.pop())[
            "OrganizationalUnits"
        ]:
            pending.append(ou["Id"])
            names = [
                p["Name"]
                for p in org.list_policies_for_target(
                    TargetId=ou["Id"], Filter="SERVICE_CONTROL_POLICY"
                )["Policies"]
            ]
            assert len(names) <= 5, (ou["Name"], names)
            if ou["Name"] != "Suspended":  # the one OU no built-in profile registers
                # mandatory controls, plus on registered OUs the SCP of the preventive
                # AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS every Control Tower profile enables
                expected = 1 if ou["Name"] == "Security" else 2
                assert sum(n.startswith("aws-guardrails-") for n in names) == expected, (
                    ou["Name"],
                    names,
                )
                seen += 1
    assert seen >= 6


def test_declared_iam_actions_are_exactly_what_the_full_runs_called():
    """Per job (verify, plan, apply) and kind of account: no undeclared call, no unused declaration
    (the reads a check makes only when it fails are declared as when-failing and proven by the
    drift proofs, which run verify through the audit role in a sandbox that enforces IAM)."""
    if set(RECORDED) != {"startup-minimal", *CT_PROFILES}:
        pytest.skip(f"needs every profile's full run in this module run, got {sorted(RECORDED)}")
    recorded: dict[str, dict[str, set[str]]] = {}
    for per_activity in RECORDED.values():
        for activity, kinds in per_activity.items():
            merged = recorded.setdefault(activity, {kind: set() for kind in iam_policy.KINDS})
            for kind, actions in kinds.items():
                merged[kind] |= actions
    if os.environ.get("BOOTSTRAP_TUI_IAM_RECORD"):
        iam_policy.dump(recorded)
    every = iam_policy.load()
    declared = iam_policy.by_job(every)
    always = iam_policy.by_job(
        {a: k for a, k in every.items() if not a.startswith("when-failing:")}
    )
    called = iam_policy.by_job(recorded)
    for key in sorted(set(declared) | set(called)):
        undeclared = called.get(key, set()) - declared.get(key, set())
        unused = always.get(key, set()) - called.get(key, set())
        assert not undeclared and not unused, (
            f"{key}: undeclared {sorted(undeclared)}, unused {sorted(unused)} "
            "(re-record: BOOTSTRAP_TUI_IAM_RECORD=1 pytest tests/steps/test_full_run.py)"
        )
