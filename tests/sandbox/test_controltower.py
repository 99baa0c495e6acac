"""Control Tower fake: landing zone, controls and baselines."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .helpers import create_account, create_ct_roles, manifest, wait_for


@pytest.fixture
def org(aws):
    client = aws("organizations")
    client.create_organization(FeatureSet="ALL")
    return client


def _lz_state(tower, op_id: str) -> str:
    return tower.get_landing_zone_operation(operationIdentifier=op_id)["operationDetails"]["status"]


def test_landing_zone_in_progress_then_succeeded(aws, org) -> None:
    create_ct_roles(aws("iam"))
    log_archive = create_account(org, "Log Archive", "log@example.com")
    audit = create_account(org, "Audit", "audit@example.com")
    tower = aws("controltower")
    created = tower.create_landing_zone(version="3.3", manifest=manifest(log_archive, audit))
    assert _lz_state(tower, created["operationIdentifier"]) == "IN_PROGRESS"
    assert tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]["status"] == "PROCESSING"
    assert wait_for(lambda: _lz_state(tower, created["operationIdentifier"])) == "SUCCEEDED"
    zone = tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]
    assert zone["status"] == "ACTIVE" and zone["driftStatus"]["status"] == "IN_SYNC"
    assert zone["version"] == zone["latestAvailableVersion"] == "3.3"
    assert tower.list_landing_zones()["landingZones"] == [{"arn": created["arn"]}]
    roots = org.list_roots()["Roots"][0]["Id"]
    names = {ou["Name"] for ou in org.list_organizational_units_for_parent(ParentId=roots)["OrganizationalUnits"]}
    assert {"Security", "Sandbox"} <= names
    with pytest.raises(ClientError) as info:
        tower.create_landing_zone(version="3.3", manifest=manifest(log_archive, audit))
    assert info.value.response["Error"]["Code"] == "ConflictException"


def test_landing_zone_fails_without_roles(aws, org) -> None:
    log_archive = create_account(org, "Log Archive", "log@example.com")
    audit = create_account(org, "Audit", "audit@example.com")
    tower = aws("controltower")
    created = tower.create_landing_zone(version="3.3", manifest=manifest(log_archive, audit))
    assert _lz_state(tower, created["operationIdentifier"]) == "IN_PROGRESS"
    assert wait_for(lambda: _lz_state(tower, created["operationIdentifier"])) == "FAILED"
    details = tower.get_landing_zone_operation(operationIdentifier=created["operationIdentifier"])["operationDetails"]
    assert "AWSControlTowerAdmin" in details["statusMessage"]
    assert tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]["status"] == "FAILED"


def test_landing_zone_fails_with_bad_manifest(aws, org) -> None:
    create_ct_roles(aws("iam"))
    tower = aws("controltower")
    created = tower.create_landing_zone(version="3.3", manifest={"organizationStructure": {}})
    assert wait_for(lambda: _lz_state(tower, created["operationIdentifier"])) == "FAILED"
    message = tower.get_landing_zone_operation(
        operationIdentifier=created["operationIdentifier"])["operationDetails"]["statusMessage"]
    assert "governedRegions" in message


def test_controls_and_baselines(aws, org, sandbox) -> None:
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive = create_account(org, "Log Archive", "log@example.com")
    audit = create_account(org, "Audit", "audit@example.com")
    tower = aws("controltower")
    tower.create_landing_zone(version="3.3", manifest=manifest(log_archive, audit))
    sandbox.configure(op_delay_s=0.3)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    control = "arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER"
    enabled = tower.enable_control(controlIdentifier=control, targetIdentifier=ou["Arn"])
    operation = tower.get_control_operation(operationIdentifier=enabled["operationIdentifier"])["controlOperation"]
    assert operation["status"] == "IN_PROGRESS"
    listed = tower.list_enabled_controls(targetIdentifier=ou["Arn"])["enabledControls"]
    assert listed[0]["statusSummary"]["status"] == "UNDER_CHANGE"
    assert wait_for(lambda: tower.get_control_operation(
        operationIdentifier=enabled["operationIdentifier"])["controlOperation"]["status"]) == "SUCCEEDED"
    listed = tower.list_enabled_controls(targetIdentifier=ou["Arn"])["enabledControls"]
    assert [(c["controlIdentifier"], c["statusSummary"]["status"]) for c in listed] == [(control, "SUCCEEDED")]

    baselines = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}
    assert {"AWSControlTowerBaseline", "IdentityCenterBaseline", "AuditBaseline", "LogArchiveBaseline",
            "BackupBaseline"} <= set(baselines)
    started = tower.enable_baseline(baselineIdentifier=baselines["AWSControlTowerBaseline"], baselineVersion="4.0",
                                    targetIdentifier=ou["Arn"])
    assert tower.get_baseline_operation(
        operationIdentifier=started["operationIdentifier"])["baselineOperation"]["status"] == "IN_PROGRESS"
    assert wait_for(lambda: tower.get_baseline_operation(
        operationIdentifier=started["operationIdentifier"])["baselineOperation"]["status"]) == "SUCCEEDED"
    enabled_baselines = tower.list_enabled_baselines()["enabledBaselines"]
    assert enabled_baselines[0]["targetIdentifier"] == ou["Arn"]
    assert enabled_baselines[0]["statusSummary"]["status"] == "SUCCEEDED"


def test_enable_control_requires_landing_zone(aws, org) -> None:
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="X")["OrganizationalUnit"]
    with pytest.raises(ClientError) as info:
        aws("controltower").enable_control(controlIdentifier="arn:aws:controltower:us-east-1::control/AWS-GR_X",
                                           targetIdentifier=ou["Arn"])
    assert info.value.response["Error"]["Code"] == "ValidationException"
