"""No PASS without proof (issue 12): each verdict checks what its title says, against the sandbox.

Every test sets up the drift with plain boto3 (through the engine's clients, as the automation
role), verifies, and restores what it changed so the module's shared world stays compliant.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.steps.engines import make_engine

from bootstrap_tui.model import Status
from steps import control_tower as ct
from steps import security_services as ss

HOME, OTHER = "us-east-1", "us-west-2"


def _result(world, step: str, check_id: str, account: str | None = None, region: str | None = None):
    results = [
        r
        for r in world.engine.verify([step]).results
        if r.check_id == check_id
        and (account is None or r.account == account)
        and (region is None or r.region == region)
    ]
    assert len(results) == 1, results
    return results[0]


def _recorder(world, region: str) -> tuple[object, dict]:
    config = world.client("config", world.engine.management_account_id, region)
    return config, config.describe_configuration_recorders()["ConfigurationRecorders"][0]


def test_config_recorder_of_one_resource_type_fails_and_apply_restores_all(world):
    config, recorder = _recorder(world, HOME)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": recorder["name"],
            "roleARN": recorder["roleARN"],
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": ["AWS::S3::Bucket"],
            },
        }
    )
    result = _result(
        world,
        "security-services",
        "security-services.config-recorder",
        world.engine.management_account_id,
        HOME,
    )
    assert result.status == Status.FAIL
    assert "does not record all supported resource types" in result.message
    assert "global resource types (IAM)" in result.message
    world.engine.apply("security-services")
    group = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["recordingGroup"]
    assert group["allSupported"] is True and group["includeGlobalResourceTypes"] is True
    assert (
        _result(
            world,
            "security-services",
            "security-services.config-recorder",
            world.engine.management_account_id,
            HOME,
        ).status
        == Status.PASS
    )


def test_config_global_types_outside_the_home_region_are_a_warning(world):
    config, recorder = _recorder(world, OTHER)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": recorder["name"],
            "roleARN": recorder["roleARN"],
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    result = _result(
        world,
        "security-services",
        "security-services.config-recorder",
        world.engine.management_account_id,
        OTHER,
    )
    assert result.status == Status.WARN and "recorded (and billed) twice" in result.message
    world.engine.apply("security-services")
    assert (
        config.describe_configuration_recorders()["ConfigurationRecorders"][0]["recordingGroup"][
            "includeGlobalResourceTypes"
        ]
        is False
    )


def test_config_failed_delivery_fails_with_awss_error_code(world):
    config, _ = _recorder(world, HOME)
    channel = config.describe_delivery_channels()["DeliveryChannels"][0]
    la = world.engine.account_id("log-archive")
    s3 = world.client("s3", la, HOME)
    doomed = f"bootstrap-test-doomed-{la}"
    s3.create_bucket(Bucket=doomed)
    config.put_delivery_channel(DeliveryChannel={**channel, "s3BucketName": doomed})
    s3.delete_bucket(Bucket=doomed)
    try:
        status = config.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]
        assert status["configHistoryDeliveryInfo"]["lastStatus"] == "Failure"
        result = _result(
            world,
            "security-services",
            "security-services.config-recorder",
            world.engine.management_account_id,
            HOME,
        )
        assert result.status == Status.FAIL and "NoSuchBucket" in result.message
    finally:
        config.put_delivery_channel(DeliveryChannel=channel)
    assert (
        _result(
            world,
            "security-services",
            "security-services.config-recorder",
            world.engine.management_account_id,
            HOME,
        ).status
        == Status.PASS
    )


def test_service_linked_recorder_is_not_the_accounts_recorder(world):
    state = {
        "recorders": [
            {
                "name": "AWSConfigurationRecorderForSecurityHub",
                "recordingScope": "INTERNAL",
                "recordingGroup": {"allSupported": True},
            }
        ]
    }
    assert ss.account_recorder(state["recorders"]) is None
    ctx = world.engine.context("security-services")
    assert ss.recorder_drift(ctx, HOME, state)


def test_scp_evidence_shows_where_each_scp_is_attached_now(world):
    org = world.client("organizations")
    result = _result(world, "guardrails", "guardrails.scps-attached")
    assert result.status == Status.PASS
    name, policy = next(iter(result.evidence["policies"].items()))
    assert policy["attached_to"] == sorted(policy["intended_targets"])
    path = policy["intended_targets"][0]
    root = org.list_roots()["Roots"][0]["Id"]
    ou = next(
        o
        for o in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if o["Name"] == path.strip("/").split("/")[-1]
    )
    scp = next(
        p
        for p in org.list_policies_for_target(TargetId=ou["Id"], Filter="SERVICE_CONTROL_POLICY")[
            "Policies"
        ]
        if p["Name"] == name
    )
    org.detach_policy(PolicyId=scp["Id"], TargetId=ou["Id"])
    try:
        result = _result(world, "guardrails", "guardrails.scps-attached")
        assert result.status == Status.FAIL and f"{name} not attached to {path}" in result.message
        assert path in result.evidence["policies"][name]["intended_targets"]
        assert path not in result.evidence["policies"][name]["attached_to"]
    finally:
        org.attach_policy(PolicyId=scp["Id"], TargetId=ou["Id"])


def test_trail_fail_message_names_the_failed_condition(world):
    trail = world.client("cloudtrail", region=HOME)
    arn = next(
        t["TrailARN"] for t in trail.describe_trails()["trailList"] if t.get("IsOrganizationTrail")
    )
    trail.stop_logging(Name=arn)
    try:
        result = _result(world, "log-archive", "log-archive.trail-multi-region")
        assert result.status == Status.FAIL
        assert "is not logging" in result.message and "multi-region" not in result.message
        assert "management events" not in result.message
    finally:
        trail.start_logging(Name=arn)


def test_root_mfa_that_is_not_virtual_is_manual_with_the_attestation(world):
    result = _result(world, "root-mfa", "root.hardware-mfa")
    assert result.status == Status.MANUAL
    assert "synced passkey" in result.message
    assert result.evidence["attestation"] is not None  # the sandbox run attested root.hardware-key


def test_trail_bucket_expiring_before_retention_days_fails(world):
    la = world.engine.account_id("log-archive")
    trail = next(
        t
        for t in world.client("cloudtrail", region=HOME).describe_trails()["trailList"]
        if t.get("IsOrganizationTrail")
    )
    s3 = world.client("s3", la, HOME)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=trail["S3BucketName"])["Rules"]
    short = [{**r, "Expiration": {"Days": 30}} for r in rules]
    s3.put_bucket_lifecycle_configuration(
        Bucket=trail["S3BucketName"], LifecycleConfiguration={"Rules": short}
    )
    result = _result(world, "log-archive", "log-archive.retention")
    assert (
        result.status == Status.FAIL
        and "after 30 days" in result.message
        and "(365)" in result.message
    )
    world.engine.apply("log-archive")
    assert _result(world, "log-archive", "log-archive.retention").status == Status.PASS


def test_control_tower_keeps_logs_for_log_archive_retention_days(world):
    engine = make_engine(
        world.sandbox.endpoint, Path(tempfile.mkdtemp()) / "state.yaml", profile="soc2"
    )
    try:
        configurations = ct._bucket_config(engine.context("control-tower"), None)
    finally:
        engine.close()
    assert engine.profile.log_archive.retention_days == 730
    assert configurations["loggingBucket"]["retentionDays"] == 730
