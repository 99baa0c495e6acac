"""The brownfield-org seed (a founder's own organization, built with plain API calls) taken
through plan and apply of every step: each change to a pre-existing resource is in the plan,
nothing is duplicated, the founder's SCP stays, and verify agrees with the raw state."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from tests.steps.engines import make_engine
from tests.steps.sandboxes import sandbox_endpoint

from bootstrap_tui.model import Status
from bootstrap_tui.sandbox.seeds import BROWNFIELD_CONTACT, BROWNFIELD_SCP


def test_brownfield_org_plan_then_apply():
    with sandbox_endpoint() as box:
        box.reset(seed="brownfield-org", accounts=0)
        engine = make_engine(
            box.endpoint, Path(tempfile.mkdtemp(prefix="bt-brown-")) / "state.yaml"
        )
        try:
            plans = {}
            for step in engine.steps:
                plans[step.id] = engine.plan(step.id)
                engine.apply(step.id, plans[step.id], confirm_destructive=lambda plan: True)
            check_plans(engine, plans)
            check_state(engine)
        finally:
            engine.close()


def check_plans(engine, plans) -> None:
    mgmt_id = engine.management_account_id
    mgmt = plans["management-account"]
    assert not [c for c in mgmt.changes if c.resource == "alternate contact"]
    kept = [k.describe() for k in mgmt.kept if k.resource == "alternate contact"]
    assert sum(f"{BROWNFIELD_CONTACT['EmailAddress']} →" in k for k in kept) == 3
    outside = [k for k in plans["accounts"].kept if k.verb == "leaving" and k.resource == "account"]
    assert sorted(k.name for k in outside) == ["Dev App", "Prod App"]
    assert all("not in the profile" in k.detail for k in outside)
    guard = plans["guardrails"]
    password = next(
        c for c in guard.changes if c.data.get("kind") == "password" and c.account == mgmt_id
    )
    assert (
        "MinimumPasswordLength 8 → 14" in password.detail
        and "MaxPasswordAge" not in password.detail
    )
    assert {
        k.name for k in guard.kept if k.resource == "OU" and "not in the profile" in k.detail
    } == {"Prod", "Dev"}
    assert [k.name for k in guard.kept if k.resource == "SCP"] == [BROWNFIELD_SCP]
    assert [k.name for k in plans["organization"].kept if k.verb == "leaving"] == [
        "Prod",
        "Dev",
    ] or sorted(k.name for k in plans["organization"].kept if k.verb == "leaving") == [
        "Dev",
        "Prod",
    ]
    stricter = next(
        k
        for k in guard.kept
        if k.resource == "IAM password policy settings" and k.account == mgmt_id
    )
    assert (
        "MaxPasswordAge 30 (profile 90)" in stricter.detail and "HardExpiry true" in stricter.detail
    )
    attached_to = {c.detail.split()[1] for c in guard.changes if c.data.get("kind") == "scp-attach"}
    assert {"Prod", "Dev"} <= attached_to
    enables = [c for c in plans["security-services"].changes if c.data.get("kind") == "gd-enable"]
    assert [(c.account, c.region) for c in enables] == [(mgmt_id, "us-east-1")]


def check_state(engine) -> None:
    org = engine.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    tops = {
        ou["Name"]: ou["Id"]
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    }
    assert len(tops) == len(
        org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    )
    accounts = Counter(a["Name"] for a in org.list_accounts()["Accounts"])
    assert max(accounts.values()) == 1 and {"Prod App", "Dev App"} <= set(accounts)
    policies = Counter(
        p["Name"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    )
    assert max(policies.values()) == 1

    def names(target):
        return {
            p["Name"]
            for p in org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")[
                "Policies"
            ]
        }

    assert BROWNFIELD_SCP in names(tops["Dev"])
    guardrails = {n for n in names(tops["Workloads"]) if n.startswith("bootstrap-guardrails")}
    raw_protected = all(guardrails <= names(tops[ou]) for ou in ("Prod", "Dev"))

    mgmt_id = engine.management_account_id
    gd = engine.client("guardduty", region="us-east-1")
    detectors = gd.list_detectors()["DetectorIds"]
    assert len(detectors) == 1
    raw_gd = gd.get_detector(DetectorId=detectors[0])["Status"] == "ENABLED"
    policy = engine.client("iam").get_account_password_policy()["PasswordPolicy"]
    assert (
        policy["MaxPasswordAge"] == 30 and policy["HardExpiry"] is True
    )  # the founder's stricter values
    raw_password = (
        policy["MinimumPasswordLength"] >= 14 and policy.get("PasswordReusePrevention", 0) >= 24
    )
    assert (
        engine.client("account").get_alternate_contact(AlternateContactType="SECURITY")[
            "AlternateContact"
        ]["EmailAddress"]
        == BROWNFIELD_CONTACT["EmailAddress"]
    )

    run = engine.verify(record=False)

    def verdict(check_id, account=None, region=None):
        return [
            r.status
            for r in run.results
            if r.check_id == check_id
            and (account is None or r.account == account)
            and (region is None or r.region == region)
        ]

    assert raw_protected and verdict("guardrails.scps-attached") == [Status.PASS]
    assert raw_gd and verdict("security-services.guardduty-enabled", mgmt_id, "us-east-1") == [
        Status.PASS
    ]
    assert raw_password and verdict("guardrails.password-policy", mgmt_id) == [Status.PASS]
