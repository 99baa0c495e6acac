"""security-services against the sandbox: Security Hub standards in every account, AWS Config left to
Control Tower in member accounts, and the GuardDuty detector that designation creates itself."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.steps.engines import make_engine

from bootstrap_tui.model import Status
from steps import security_services as ss

STEP = "security-services"
FSBP = "aws-foundational-security-best-practices/v/1.0.0"


def _accounts(world) -> list[str]:
    return [a["Id"] for a in world.engine.org_accounts(refresh=True)]


def _regions(world) -> list[str]:
    return list(world.engine.context(STEP).governed_regions)


def test_profile_standards_enabled_in_every_account_and_region(world):
    wanted = set(ss.standards(world.engine.context(STEP)))
    accounts, regions = _accounts(world), _regions(world)
    assert len(accounts) == 5
    for account in accounts:
        for region in regions:
            subs = world.client("securityhub", account, region).get_enabled_standards()[
                "StandardsSubscriptions"
            ]
            have = {s["StandardsArn"].split("standards/")[-1] for s in subs}
            assert wanted <= have, (account, region, have)
    run = world.engine.verify([STEP])
    results = [r for r in run.results if r.check_id == "security-services.securityhub-standards"]
    assert {(r.account, r.region) for r in results} == {(a, r) for a in accounts for r in regions}
    assert {r.status for r in results} == {Status.PASS}


def test_missing_standard_in_a_member_is_found_and_enabled(world):
    accounts = _accounts(world)
    audit = ss.audit_account(world.engine.context(STEP))
    member = next(a for a in accounts if a not in (audit, world.engine.management_account_id))
    hub = world.client("securityhub", member, "us-west-2")
    arn = f"arn:aws:securityhub:us-west-2::standards/{FSBP}"
    sub = next(
        s for s in hub.get_enabled_standards()["StandardsSubscriptions"] if s["StandardsArn"] == arn
    )
    hub.batch_disable_standards(StandardsSubscriptionArns=[sub["StandardsSubscriptionArn"]])
    failing = [
        r
        for r in world.engine.verify([STEP]).results
        if r.check_id == "security-services.securityhub-standards" and r.status == Status.FAIL
    ]
    assert [(r.account, r.region) for r in failing] == [(member, "us-west-2")]
    plan = world.engine.plan(STEP)
    assert [(c.account, c.region, c.detail) for c in plan.changes] == [(member, "us-west-2", FSBP)]
    world.engine.apply(STEP)
    assert world.engine.plan(STEP).changes == []


def test_guardduty_detector_created_by_designation_is_adopted(world):
    """EnableOrganizationAdminAccount enables GuardDuty in the admin itself; CreateDetector then races it."""
    audit = ss.audit_account(world.engine.context(STEP))
    region = "us-west-2"
    admin_gd = world.client("guardduty", audit, region)
    for detector in admin_gd.list_detectors()["DetectorIds"]:
        admin_gd.delete_detector(DetectorId=detector)
    world.client("guardduty", region=region).disable_organization_admin_account(
        AdminAccountId=audit
    )
    world.sandbox.configure(op_delay_s=1.0)
    try:
        plan = world.engine.plan(STEP)
        assert {c.data["kind"] for c in plan.changes} == {"gd-admin", "gd-org"}
        world.engine.apply(STEP, plan)
    finally:
        world.sandbox.configure(op_delay_s=0.05)
    assert len(admin_gd.list_detectors()["DetectorIds"]) == 1
    results = [
        r
        for r in world.engine.verify([STEP]).results
        if r.check_id.startswith("security-services.guardduty")
    ]
    assert results and {r.status for r in results} == {Status.PASS}


def test_config_left_to_control_tower_in_member_accounts(world):
    """With Control Tower, a member without a recorder gets a plan note, not a recorder of the step's own."""
    audit = ss.audit_account(world.engine.context(STEP))
    member = next(
        a for a in _accounts(world) if a not in (audit, world.engine.management_account_id)
    )
    config = world.client("config", member, "us-west-2")
    config.stop_configuration_recorder(ConfigurationRecorderName=ss.RECORDER_NAME)
    config.delete_delivery_channel(DeliveryChannelName=ss.RECORDER_NAME)
    config.delete_configuration_recorder(ConfigurationRecorderName=ss.RECORDER_NAME)
    management = world.engine.management_account_id
    for region in _regions(world):  # the management account needs the step's recorder
        world.client("config", management, region).stop_configuration_recorder(
            ConfigurationRecorderName=ss.RECORDER_NAME
        )
    tower = make_engine(
        world.sandbox.endpoint,
        Path(tempfile.mkdtemp(prefix="bt-ss-")) / "state.yaml",
        profile="soc2",
    )
    try:
        for step in world.engine.steps:
            tower.state.set_answers(step.id, world.engine.state.answers(step.id))
        plan = tower.plan(STEP)
    finally:
        tower.close()
    config_changes = [(c.account, c.region) for c in plan.changes if c.data.get("kind") == "config"]
    assert config_changes == [(management, r) for r in _regions(world)]
    notes = [n for n in plan.notes if "left to Control Tower" in n]
    assert len(notes) == 1 and "us-west-2" in notes[0] and member in notes[0]

    world.engine.apply(STEP)  # without Control Tower the step restores its own recorders
    assert config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0][
        "recording"
    ]


def test_incomplete_standard_is_a_warning_with_its_reason(world):
    """INCOMPLETE: some controls failed to enable (here: no AWS Config recorder). Runs last: leaves it so."""
    audit = ss.audit_account(world.engine.context(STEP))
    config = world.client("config", audit, "us-east-1")
    config.stop_configuration_recorder(ConfigurationRecorderName=ss.RECORDER_NAME)
    config.delete_delivery_channel(DeliveryChannelName=ss.RECORDER_NAME)
    config.delete_configuration_recorder(ConfigurationRecorderName=ss.RECORDER_NAME)
    hub = world.client("securityhub", audit, "us-east-1")
    arn = f"arn:aws:securityhub:us-east-1::standards/{FSBP}"
    sub = next(
        s for s in hub.get_enabled_standards()["StandardsSubscriptions"] if s["StandardsArn"] == arn
    )
    hub.batch_disable_standards(StandardsSubscriptionArns=[sub["StandardsSubscriptionArn"]])
    hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": arn}])
    time.sleep(0.2)
    [result] = [
        r
        for r in world.engine.verify([STEP]).results
        if r.check_id == "security-services.securityhub-standards"
        and r.account == audit
        and r.region == "us-east-1"
    ]
    assert result.status == Status.WARN
    assert (
        "INCOMPLETE" in result.message and "NO_AVAILABLE_CONFIGURATION_RECORDER" in result.message
    )
    assert result.evidence["incomplete"] == {FSBP: "NO_AVAILABLE_CONFIGURATION_RECORDER"}


def test_a_standard_outside_the_profile_is_kept_and_said_so(world):
    member = next(a for a in _accounts(world) if a != world.engine.management_account_id)
    hub = world.client("securityhub", member, "us-west-2")
    arn = "arn:aws:securityhub:us-west-2::standards/pci-dss/v/3.2.1"
    sub = hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": arn}])[
        "StandardsSubscriptions"
    ][0]["StandardsSubscriptionArn"]
    try:
        plan = world.engine.plan(STEP)
        kept = [k for k in plan.kept if k.resource == "Security Hub standard(s)"]
        assert [(k.name, k.account, k.region) for k in kept] == [
            ("pci-dss/v/3.2.1", member, "us-west-2")
        ]
        assert not [c for c in plan.changes if c.account == member and c.region == "us-west-2"]
    finally:
        hub.batch_disable_standards(StandardsSubscriptionArns=[sub])
