"""Brownfield: an organization that already has the user's own OUs and settings.

The whole wizard is applied once (startup-minimal), then the user's own resources are
made with plain boto3, the way a founder would have made them by hand."""

from __future__ import annotations


from bootstrap_tui.errors import ValidationError
from bootstrap_tui.model import Status
from steps.guardrails import parse_exclusions


def lines(plan) -> list[str]:
    """A plan's notes and its kept lines (what it reuses, keeps or leaves alone), as text."""
    return [*plan.notes, *(k.describe() for k in plan.kept)]


def scp_result(world):
    run = world.engine.verify(["guardrails"], record=False)
    return next(r for r in run.results if r.check_id == "guardrails.scps-attached")


def guardrail_names(org, target: str) -> set[str]:
    return {
        p["Name"]
        for p in org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")[
            "Policies"
        ]
        if p["Name"].startswith("bootstrap-guardrails")
    }


def test_users_own_ous_get_the_guardrails_or_are_excluded(world):
    org = world.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    dev = org.create_organizational_unit(ParentId=root, Name="Dev")["OrganizationalUnit"]["Id"]
    lab = org.create_organizational_unit(ParentId=root, Name="Lab")["OrganizationalUnit"]["Id"]
    assert guardrail_names(org, dev) == set()
    assert (
        scp_result(world).status == Status.FAIL
    )  # old code: PASS "attached to every top-level OU"

    world.engine.set_answers(
        "guardrails", {"exclude_ous": "Lab: vendor sandbox, reviewed by the CTO"}
    )
    plan = world.engine.plan("guardrails")
    attaches = {c.data["target"] for c in plan.changes if c.data.get("kind") == "scp-attach"}
    assert attaches == {dev}
    assert any("OU 'Dev'" in n and "not in the profile" in n for n in lines(plan))
    assert any("OU 'Lab'" in n and "EXCLUDED" in n and "vendor sandbox" in n for n in lines(plan))
    world.engine.apply("guardrails", plan)

    workloads = next(
        ou["Id"]
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if ou["Name"] == "Workloads"
    )
    assert guardrail_names(org, dev) == guardrail_names(org, workloads) != set()
    assert guardrail_names(org, lab) == set()
    result = scp_result(world)
    assert (
        result.status == Status.WARN
        and "Lab" in result.message
        and "vendor sandbox" in result.message
    )

    world.engine.set_answers("guardrails", {"exclude_ous": ""})
    assert scp_result(world).status == Status.FAIL  # Lab is no longer excluded: not attached
    world.engine.apply("guardrails", world.engine.plan("guardrails"))
    assert scp_result(world).status == Status.PASS
    assert guardrail_names(org, lab) == guardrail_names(org, workloads)


def test_an_account_directly_under_the_root_fails(world):
    org = world.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    staging = world.engine.account_id("staging")
    parent = org.list_parents(ChildId=staging)["Parents"][0]["Id"]
    org.move_account(AccountId=staging, SourceParentId=parent, DestinationParentId=root)
    try:
        result = scp_result(world)
        assert result.status == Status.FAIL and staging in result.message
        assert any(
            staging in n and "directly under the root" in n
            for n in lines(world.engine.plan("guardrails"))
        )
    finally:
        org.move_account(AccountId=staging, SourceParentId=root, DestinationParentId=parent)


def test_exclusions_need_a_reason_and_a_foreign_ou():
    assert parse_exclusions("Dev: experiments; Lab: vendor", ["Workloads"]) == {
        "Dev": "experiments",
        "Lab": "vendor",
    }
    for bad in ("Dev", "Dev:  ", "Workloads: no"):
        try:
            parse_exclusions(bad, ["Workloads"])
        except ValidationError as exc:
            assert "exclude_ous" in str(exc)
        else:
            raise AssertionError(bad)


def test_password_policy_keeps_stricter_settings_and_shows_each_change(world):
    account = world.engine.account_id("staging")
    iam = world.client("iam", account=account)
    iam.update_account_password_policy(
        MinimumPasswordLength=8,
        MaxPasswordAge=30,
        HardExpiry=True,
        RequireUppercaseCharacters=True,
        AllowUsersToChangePassword=True,
    )
    plan = world.engine.plan("guardrails")
    change = next(c for c in plan.changes if c.data.get("kind") == "password")
    assert change.account == account and change.action == "update"
    assert "MinimumPasswordLength 8 → 14" in change.detail
    assert "PasswordReusePrevention 0 → 24" in change.detail
    assert "RequireSymbols false → true" in change.detail
    assert "MaxPasswordAge" not in change.detail and "HardExpiry" not in change.detail
    world.engine.apply("guardrails", plan)
    after = iam.get_account_password_policy()["PasswordPolicy"]
    assert after["MaxPasswordAge"] == 30 and after["HardExpiry"] is True  # stricter: kept
    assert after["MinimumPasswordLength"] == 14 and after["PasswordReusePrevention"] == 24
    assert after["RequireSymbols"] and after["RequireUppercaseCharacters"]
    run = world.engine.verify(["guardrails"], record=False)
    mine = [
        r.status
        for r in run.results
        if r.check_id == "guardrails.password-policy" and r.account == account
    ]
    assert mine == [Status.PASS]
    iam.update_account_password_policy(
        MinimumPasswordLength=20,
        PasswordReusePrevention=24,
        MaxPasswordAge=90,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
    )
    assert not [c for c in world.engine.plan("guardrails").changes if c.account == account]


JANE = {
    "Name": "Jane Doe",
    "Title": "CTO",
    "EmailAddress": "jane@corp.example",
    "PhoneNumber": "+1 206 555 0199",
}


def test_existing_contacts_are_kept_and_shown_unless_replaced(world):
    staging = world.engine.account_id("staging")
    world.client("account", account=staging).put_alternate_contact(
        AlternateContactType="SECURITY", **JANE
    )
    world.client("account").put_alternate_contact(AlternateContactType="BILLING", **JANE)
    want = world.engine.answers("management-account")
    mgmt = world.engine.plan("management-account")
    assert not [c for c in mgmt.changes if c.resource == "alternate contact"]
    assert any(
        f"billing contact: jane@corp.example → {want['billing_contact_email']}" in n
        and "keeping" in n
        for n in lines(mgmt)
    )
    plan = world.engine.plan("security-services")
    assert not [c for c in plan.changes if c.data.get("kind") == "contact"]
    assert any(
        f"security contact: jane@corp.example → {want['security_contact_email']}" in n
        and "keeping" in n
        for n in lines(plan)
    )
    world.engine.apply("security-services", plan)
    assert (
        world.client("account", account=staging).get_alternate_contact(
            AlternateContactType="SECURITY"
        )["AlternateContact"]["EmailAddress"]
        == "jane@corp.example"
    )

    world.engine.set_answers("management-account", {"replace_contacts": "yes"})
    try:
        plan = world.engine.plan("security-services")
        change = next(c for c in plan.changes if c.data.get("kind") == "contact")
        assert change.account == staging and change.action == "update"
        assert f"jane@corp.example → {want['security_contact_email']}" in change.detail
        world.engine.apply("security-services", plan)
        assert (
            world.client("account", account=staging).get_alternate_contact(
                AlternateContactType="SECURITY"
            )["AlternateContact"]["EmailAddress"]
            == want["security_contact_email"]
        )
        mgmt = world.engine.plan("management-account")
        assert [c.name for c in mgmt.changes if c.resource == "alternate contact"] == ["BILLING"]
        world.engine.apply("management-account", mgmt)
    finally:
        world.engine.set_answers("management-account", {"replace_contacts": "no"})


def test_a_disabled_guardduty_detector_is_enabled(world):
    staging = world.engine.account_id("staging")
    gd = world.client("guardduty", account=staging, region="us-east-1")
    detector = gd.list_detectors()["DetectorIds"][0]
    gd.update_detector(DetectorId=detector, Enable=False)

    def verdict():
        run = world.engine.verify(["security-services"], record=False)
        return [
            r.status
            for r in run.results
            if r.check_id == "security-services.guardduty-enabled"
            and r.account == staging
            and r.region == "us-east-1"
        ]

    assert verdict() == [Status.FAIL]
    plan = world.engine.plan("security-services")
    enables = [c for c in plan.changes if c.data.get("kind") == "gd-enable"]
    assert [(c.account, c.region, c.detail) for c in enables] == [
        (staging, "us-east-1", f"{detector} (was disabled)")
    ]
    world.engine.apply("security-services", plan)
    assert gd.get_detector(DetectorId=detector)["Status"] == "ENABLED"
    assert verdict() == [Status.PASS]
    assert not [
        c
        for c in world.engine.plan("security-services").changes
        if c.data.get("kind") == "gd-enable"
    ]


def test_accounts_the_profile_does_not_name_are_listed_with_their_ou(world):
    import time

    org = world.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    request = org.create_account(AccountName="Production", Email="hand-made-prod@corp.example")
    status = request["CreateAccountStatus"]
    for _ in range(100):
        status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"
        ]
        if status["State"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    account = status["AccountId"]
    plan = world.engine.plan("accounts")
    note = next(n for n in lines(plan) if account in n)
    assert "Production" in note and "directly under the root" in note
    assert not [c for c in plan.changes if c.account == account]
    handmade = org.create_organizational_unit(ParentId=root, Name="Handmade")["OrganizationalUnit"][
        "Id"
    ]
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=handmade)
    note = next(n for n in lines(world.engine.plan("accounts")) if account in n)
    assert "OU Handmade" in note and "outside the profile's tree" in note
    world.engine.set_answers("guardrails", {"exclude_ous": "Handmade: legacy, owned by ops"})
    try:
        note = next(n for n in lines(world.engine.plan("accounts")) if account in n)
        assert "EXCLUDED" in note and "legacy, owned by ops" in note
    finally:
        world.engine.set_answers("guardrails", {"exclude_ous": ""})
