"""Issue 12 on a fresh sandbox: every check yields a result for every scope it claims (or
one saying why it could not run), a missing organization is a FAIL with the reason,
simulated attestations are marked, and bootstrap-cleanup never reads as done when it
cannot run from this session."""

from __future__ import annotations

import json

from bootstrap_tui.model import Status
from bootstrap_tui.report.export import export_text


def test_fresh_account_every_check_reports_and_says_why(engines):
    engine = engines.new()
    run = engine.verify(record=False)
    declared = {
        c.id
        for s in engine.steps
        if not s.skip_reason(engine.context(s.id, read_only=True))
        for c in s.checks
    }
    by_check: dict[str, list] = {}
    for r in run.results:
        by_check.setdefault(r.check_id, []).append(r)
    assert set(by_check) == declared, "a check that yields nothing is never silent"

    analyzer = by_check["security-services.access-analyzer"]
    assert [r.status for r in analyzer] == [Status.FAIL]
    assert "Audit account" in analyzer[0].message and "accounts step" in analyzer[0].message
    members = by_check["identity-center.no-member-iam-users"]
    assert [r.status for r in members] == [Status.FAIL] and "no member accounts" in members[
        0
    ].message

    cov = run.coverage()
    assert cov["checks_expected"] == len(declared)
    assert cov["checks_reported"] == len(declared) - len(run.unreported) < len(declared)
    assert cov["scopes_reported"] == cov["scopes_expected"] - len(run.unreported)

    scps = by_check["guardrails.scps-attached"]
    assert [r.status for r in scps] == [Status.FAIL], "no organization yet: a FAIL, not an ERROR"
    assert "no organization yet" in scps[0].message


def test_simulated_attestations_are_marked_in_state_and_export(engines):
    engine = engines.new(simulate=True)
    engine.context("root-mfa").attest("root.mfa-device", "stand-in")
    assert engine.state.attestation("root.mfa-device")["simulated"] is True
    engine.attest("root.recovery-details", "a person said so")
    assert "simulated" not in engine.state.attestation("root.recovery-details")
    doc = json.loads(export_text(engine, "json"))
    items = {m["id"]: m for m in doc["manual_items"]}
    assert items["root.mfa-device"]["simulated"] is True
    assert items["root.recovery-details"]["simulated"] is False
    assert doc["sandbox"] is True


def test_bootstrap_cleanup_with_keys_left_is_blocked_not_up_to_date(engines, memory_keyring):
    from bootstrap_tui.aws import keychain

    engine = engines.new()
    keychain.store_bootstrap_keys("AKIAEXAMPLEEXAMPLE12", "not-a-real-secret-value")
    plan = engine.plan("bootstrap-cleanup")
    assert plan.changes == [] and not plan.converged
    assert "keychain" in plan.blocked and "Identity Center" in plan.blocked
    before = engine.state.status("bootstrap-cleanup")
    assert engine.apply("bootstrap-cleanup", plan).blocked
    assert engine.state.status("bootstrap-cleanup") == before != "applied", "nothing was done"
    run = engine.verify(["bootstrap-cleanup"])
    assert Status.FAIL in {r.status for r in run.results}
    assert engine.state.status("bootstrap-cleanup") != "verified"
