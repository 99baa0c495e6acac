"""The setup steps (management account to Control Tower) end to end on a fresh sandbox: plan
shows the changes, apply converges, a second plan is empty, verify passes."""

from __future__ import annotations


from tests.steps.engines import assert_converged_and_verified, converge
from tests.steps.sandboxes import client
from bootstrap_tui.model import Status


def test_startup_minimal_part1_from_fresh_seed(engines):
    engine = engines.new()

    assert engine.state.status("management-account") == "pending"
    plan = engine.plan("management-account")
    assert engine.state.status("management-account") == "planned"
    described = [c.describe() for c in plan.changes]
    assert any("account alias 'example-corp'" in d for d in described)
    assert {c.name for c in plan.changes if c.resource == "alternate contact"} == {
        "BILLING",
        "OPERATIONS",
        "SECURITY",
    }
    engine.apply("management-account", plan)
    assert_converged_and_verified(engine, "management-account")
    assert engine.state.status("management-account") == "verified"

    plan = engine.plan("root-mfa")
    assert [c.resource for c in plan.changes][:1] == ["root MFA"]
    engine.apply("root-mfa", plan)
    assert_converged_and_verified(engine, "root-mfa")
    assert engine.state.attestation("root.mfa-device")["note"].startswith("simulated")

    plan = engine.plan("organization")
    kinds = [(c.action, c.resource) for c in plan.changes]
    assert kinds[0] == ("create", "organization")
    assert [
        c.name for c in plan.changes if c.resource == "organizational unit"
    ] == engine.profile.ous()
    assert ("enable", "policy type") in kinds
    engine.apply("organization", plan)
    assert_converged_and_verified(engine, "organization")
    ou_ids = engine.state.facts("organization")["ou_ids"]
    assert set(ou_ids) == set(engine.profile.ous())

    plan = engine.plan("accounts")
    assert [c.detail.split(",")[0] for c in plan.changes if c.resource == "account"] == [
        "aws+log-archive@example.com",
        "aws+audit@example.com",
        "aws+prod@example.com",
        "aws+staging@example.com",
    ]
    engine.apply("accounts", plan)
    assert_converged_and_verified(engine, "accounts")
    facts = engine.state.facts("accounts")["accounts"]
    assert set(facts) == {"log-archive", "audit", "prod", "staging"}
    assert facts["audit"] == engine.account_id("audit")

    plan = engine.plan("control-tower")
    assert plan.skipped and "does not use Control Tower" in plan.skipped
    engine.apply("control-tower", plan)
    assert engine.state.status("control-tower") == "skipped"


def test_control_tower_from_fresh_seed(engines, ct_profile, sandbox):
    engine = engines.new(profile=ct_profile)
    converge(engine, ["management-account", "root-mfa", "organization", "accounts"])

    plan = engine.plan("control-tower")
    creates = {(c.resource, c.name) for c in plan.changes if c.action == "create"}
    assert ("IAM role", "AWSControlTowerAdmin") in creates
    assert ("KMS key", "alias/bootstrap-control-tower") in creates
    assert any(
        n.startswith("Landing zone manifest") and '"governedRegions"' in n for n in plan.notes
    )
    lz = next(c for c in plan.changes if c.resource == "landing zone")
    assert lz.data["manifest"]["securityRoles"]["accountId"] == engine.account_id("audit")
    assert lz.name == "version 4.0" and "organizationStructure" not in lz.data["manifest"]
    assert {
        k: lz.data["manifest"][k]["enabled"]
        for k in ("accessManagement", "backup", "centralizedLogging", "config", "securityRoles")
    } == {
        "accessManagement": True,
        "backup": False,
        "centralizedLogging": True,
        "config": True,
        "securityRoles": True,
    }
    # 4.0 creates no OU: Sandbox is registered by this step, Security (the OU of the shared
    # accounts) is not registrable
    assert {c.detail for c in plan.changes if c.resource == "baseline"} == {
        "register OU Infrastructure",
        "register OU Workloads",
        "register OU Workloads/Prod",
        "register OU Workloads/NonProd",
        "register OU Sandbox",
    }
    assert {c.name for c in plan.changes if c.resource == "baseline"} == {
        "AWSControlTowerBaseline 5.0"
    }
    engine.apply("control-tower", plan)
    assert_converged_and_verified(engine, "control-tower")

    iam = client(sandbox, "iam")
    role = iam.get_role(RoleName="AWSControlTowerStackSetRole")["Role"]
    assert role["Path"] == "/service-role/"
    trail_role = "AWSControlTowerCloudTrailRole"
    assert [
        p["PolicyName"]
        for p in iam.list_attached_role_policies(RoleName=trail_role)["AttachedPolicies"]
    ] == ["AWSControlTowerCloudTrailRolePolicy"]
    assert iam.list_role_policies(RoleName=trail_role)["PolicyNames"] == []
    tower = client(sandbox, "controltower")
    zones = tower.list_landing_zones()["landingZones"]
    assert len(zones) == 1
    manifest = tower.get_landing_zone(landingZoneIdentifier=zones[0]["arn"])["landingZone"][
        "manifest"
    ]
    logging = manifest["centralizedLogging"]["configurations"]
    assert logging["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert logging["loggingBucket"] == {"retentionDays": 365}

    # a second engine adopts the existing landing zone instead of creating another
    engine.close()
    again = engines.new(profile=ct_profile)
    plan = again.plan("control-tower")
    assert plan.changes == [] and [k.verb for k in plan.kept if k.resource == "landing zone"] == [
        "reusing"
    ]


def test_root_mfa_without_simulation_stays_manual(engines):
    engine = engines.new(simulate=False)
    converge(engine, ["management-account"])
    plan = engine.plan("root-mfa")
    assert plan.changes and all(c.data.get("manual") for c in plan.changes)
    engine.apply("root-mfa", plan)
    assert engine.state.status("root-mfa") == "manual-pending"
    assert engine.state.attestation("root.mfa-device") is None
    results = {r.check_id: r.status for r in engine.verify(["root-mfa"]).results}
    assert results["root.mfa-enabled"] == Status.FAIL
    assert results["root.no-access-keys"] == Status.PASS
