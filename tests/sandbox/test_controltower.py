"""Control Tower fake: landing zone, controls and baselines."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .helpers import (
    create_account,
    create_ct_roles,
    manifest,
    member_credentials,
    shared_accounts,
    wait_for,
)


@pytest.fixture
def org(aws):
    client = aws("organizations")
    client.create_organization(FeatureSet="ALL")
    return client


def _lz_state(tower, op_id: str) -> str:
    return tower.get_landing_zone_operation(operationIdentifier=op_id)["operationDetails"]["status"]


def test_landing_zone_in_progress_then_succeeded(aws, org) -> None:
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    tower = aws("controltower")
    created = tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    assert _lz_state(tower, created["operationIdentifier"]) == "IN_PROGRESS"
    assert (
        tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]["status"]
        == "PROCESSING"
    )
    assert wait_for(lambda: _lz_state(tower, created["operationIdentifier"])) == "SUCCEEDED"
    zone = tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]
    assert zone["status"] == "ACTIVE" and zone["driftStatus"]["status"] == "IN_SYNC"
    assert zone["version"] == zone["latestAvailableVersion"] == "4.0"
    assert tower.list_landing_zones()["landingZones"] == [{"arn": created["arn"]}]
    roots = org.list_roots()["Roots"][0]["Id"]
    names = {
        ou["Name"]
        for ou in org.list_organizational_units_for_parent(ParentId=roots)["OrganizationalUnits"]
    }
    assert names == {"Security"}  # 4.0 creates no OU (key-changes-lz-v4)
    with pytest.raises(ClientError) as info:
        tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    assert info.value.response["Error"]["Code"] == "ConflictException"


def test_landing_zone_fails_without_roles(aws, org) -> None:
    log_archive, audit = shared_accounts(org)
    tower = aws("controltower")
    created = tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    assert _lz_state(tower, created["operationIdentifier"]) == "IN_PROGRESS"
    assert wait_for(lambda: _lz_state(tower, created["operationIdentifier"])) == "FAILED"
    details = tower.get_landing_zone_operation(operationIdentifier=created["operationIdentifier"])[
        "operationDetails"
    ]
    assert "AWSControlTowerAdmin" in details["statusMessage"]
    assert (
        tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]["status"]
        == "FAILED"
    )


def test_landing_zone_rejects_bad_manifest(aws, org) -> None:
    create_ct_roles(aws("iam"))
    tower = aws("controltower")
    with pytest.raises(ClientError) as info:
        tower.create_landing_zone(version="4.0", manifest={"organizationStructure": {}})
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "not recognized" in info.value.response["Error"]["Message"]
    assert not tower.list_landing_zones()["landingZones"]


def test_controls_and_baselines(aws, org, sandbox) -> None:
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    tower = aws("controltower")
    tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    sandbox.configure(op_delay_s=0.3)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    control = "arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER"
    enabled = tower.enable_control(controlIdentifier=control, targetIdentifier=ou["Arn"])
    operation = tower.get_control_operation(operationIdentifier=enabled["operationIdentifier"])[
        "controlOperation"
    ]
    assert operation["status"] == "IN_PROGRESS"
    listed = tower.list_enabled_controls(targetIdentifier=ou["Arn"])["enabledControls"]
    assert listed[0]["statusSummary"]["status"] == "UNDER_CHANGE"
    assert (
        wait_for(
            lambda: tower.get_control_operation(operationIdentifier=enabled["operationIdentifier"])[
                "controlOperation"
            ]["status"]
        )
        == "SUCCEEDED"
    )
    listed = tower.list_enabled_controls(targetIdentifier=ou["Arn"])["enabledControls"]
    assert [(c["controlIdentifier"], c["statusSummary"]["status"]) for c in listed] == [
        (control, "SUCCEEDED")
    ]

    baselines = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}
    assert {
        "AWSControlTowerBaseline",
        "IdentityCenterBaseline",
        "AuditBaseline",
        "LogArchiveBaseline",
        "BackupBaseline",
        "CentralConfigBaseline",
        "CentralSecurityRolesBaseline",
    } <= set(baselines)
    started = tower.enable_baseline(
        baselineIdentifier=baselines["AWSControlTowerBaseline"],
        baselineVersion="5.0",
        targetIdentifier=ou["Arn"],
    )
    assert (
        tower.get_baseline_operation(operationIdentifier=started["operationIdentifier"])[
            "baselineOperation"
        ]["status"]
        == "IN_PROGRESS"
    )
    assert (
        wait_for(
            lambda: tower.get_baseline_operation(
                operationIdentifier=started["operationIdentifier"]
            )["baselineOperation"]["status"]
        )
        == "SUCCEEDED"
    )
    on_ou = tower.list_enabled_baselines(filter={"targetIdentifiers": [ou["Arn"]]})[
        "enabledBaselines"
    ]
    assert [(b["baselineIdentifier"], b["statusSummary"]["status"]) for b in on_ou] == [
        (baselines["AWSControlTowerBaseline"], "SUCCEEDED")
    ]


def test_enable_control_requires_landing_zone(aws, org) -> None:
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="X")["OrganizationalUnit"]
    with pytest.raises(ClientError) as info:
        aws("controltower").enable_control(
            controlIdentifier="arn:aws:controltower:us-east-1::control/AWS-GR_X",
            targetIdentifier=ou["Arn"],
        )
    assert info.value.response["Error"]["Code"] == "ValidationException"


def _landing_zone(aws, org, sandbox, **extra):
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    body = manifest(log_archive, audit)
    body["centralizedLogging"]["configurations"] = {
        "loggingBucket": {"retentionDays": 400},
        "accessLoggingBucket": {"retentionDays": 3000},
        **extra,
    }
    created = aws("controltower").create_landing_zone(version="4.0", manifest=body)
    return log_archive, audit, created


def test_landing_zone_leaves_trail_buckets_config_and_scps(aws, org, sandbox) -> None:
    key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    log_archive, audit, created = _landing_zone(aws, org, sandbox, kmsKeyArn=key)
    assert _lz_state(aws("controltower"), created["operationIdentifier"]) == "SUCCEEDED"

    trail = aws("cloudtrail").describe_trails()["trailList"][0]
    assert trail["Name"] == "aws-controltower-BaselineCloudTrail"
    assert (
        trail["IsOrganizationTrail"]
        and trail["IsMultiRegionTrail"]
        and trail["LogFileValidationEnabled"]
    )
    assert (
        trail["KmsKeyId"] == key
        and aws("cloudtrail").get_trail_status(Name=trail["TrailARN"])["IsLogging"]
    )

    sts = aws("sts")
    s3 = aws("s3", **member_credentials(sts, log_archive))
    logs, access = (
        f"aws-controltower-logs-{log_archive}-us-east-1",
        f"aws-controltower-s3-access-logs-{log_archive}-us-east-1",
    )
    assert trail["S3BucketName"] == logs
    for bucket, days in ((logs, 400), (access, 3000)):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        assert all(
            s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values()
        )
        policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        assert '"aws:SecureTransport": "false"' in policy
        rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
        assert rule["Expiration"]["Days"] == days
    sse = s3.get_bucket_encryption(Bucket=logs)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    assert s3.get_bucket_logging(Bucket=logs)["LoggingEnabled"]["TargetBucket"] == access

    for account in (log_archive, audit):
        creds = member_credentials(sts, account)
        assert aws("iam", **creds).get_role(RoleName="AWSControlTowerExecution")["Role"]
        for region in ("us-east-1", "us-west-2"):
            config = aws("config", region=region, **creds)
            assert [
                r["name"]
                for r in config.describe_configuration_recorders()["ConfigurationRecorders"]
            ] == ["aws-controltower-BaselineConfigRecorder"]
            assert (
                config.describe_delivery_channels()["DeliveryChannels"][0]["s3BucketName"] == logs
            )
    aggregators = aws(
        "config", **member_credentials(sts, audit)
    ).describe_configuration_aggregators()
    assert [a["ConfigurationAggregatorName"] for a in aggregators["ConfigurationAggregators"]] == [
        "aws-controltower-GuardrailsComplianceAggregator"
    ]
    assert not aws("config").describe_configuration_recorders()[
        "ConfigurationRecorders"
    ]  # management: none

    root = org.list_roots()["Roots"][0]["Id"]
    for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]:
        names = [
            p["Name"]
            for p in org.list_policies_for_target(
                TargetId=ou["Id"], Filter="SERVICE_CONTROL_POLICY"
            )["Policies"]
        ]
        assert sorted(n[:15] for n in names) == ["FullAWSAccess", "aws-guardrails-"], (
            ou["Name"],
            names,
        )

    instance = aws("sso-admin").list_instances()["Instances"][0]
    groups = aws("identitystore").list_groups(IdentityStoreId=instance["IdentityStoreId"])["Groups"]
    assert "AWSControlTowerAdmins" in {g["DisplayName"] for g in groups}
    tower = aws("controltower")
    idc = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}[
        "IdentityCenterBaseline"
    ]
    assert (
        len(tower.list_enabled_baselines(filter={"baselineIdentifiers": [idc]})["enabledBaselines"])
        == 1
    )


def test_landing_zone_fails_on_existing_config_or_unknown_key(aws, org, sandbox) -> None:
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    config = aws("config", region="us-west-2", **member_credentials(aws("sts"), audit))
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{audit}:role/config"}
    )
    tower = aws("controltower")
    created = tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    details = tower.get_landing_zone_operation(operationIdentifier=created["operationIdentifier"])
    assert details["operationDetails"]["status"] == "FAILED"
    assert (
        f"account {audit} already has an AWS Config" in details["operationDetails"]["statusMessage"]
    )
    assert not aws("cloudtrail").describe_trails()["trailList"]

    config.delete_configuration_recorder(ConfigurationRecorderName="default")
    body = manifest(log_archive, audit)
    body["centralizedLogging"]["configurations"] = {
        "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/nope"
    }
    retried = tower.update_landing_zone(
        landingZoneIdentifier=created["arn"], version="4.0", manifest=body
    )
    details = tower.get_landing_zone_operation(operationIdentifier=retried["operationIdentifier"])
    assert (
        "kmsKeyArn" in details["operationDetails"]["statusMessage"]
        and "not found" in details["operationDetails"]["statusMessage"]
    )


def test_registering_an_ou_enrolls_its_accounts_within_the_scp_quota(aws, org, sandbox) -> None:
    _landing_zone(aws, org, sandbox)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    full = org.create_organizational_unit(ParentId=root, Name="Full")["OrganizationalUnit"]
    workload = create_account(org, "Prod", "prod@example.com")
    org.move_account(AccountId=workload, SourceParentId=root, DestinationParentId=ou["Id"])
    for index in range(4):
        policy = org.create_policy(
            Name=f"p{index}",
            Description="x",
            Type="SERVICE_CONTROL_POLICY",
            Content='{"Version":"2012-10-17","Statement":[]}',
        )["Policy"]["PolicySummary"]
        org.attach_policy(PolicyId=policy["Id"], TargetId=full["Id"])
    extra = org.create_policy(
        Name="p5",
        Description="x",
        Type="SERVICE_CONTROL_POLICY",
        Content='{"Version":"2012-10-17","Statement":[]}',
    )["Policy"]["PolicySummary"]
    with pytest.raises(ClientError) as info:
        org.attach_policy(PolicyId=extra["Id"], TargetId=full["Id"])
    assert info.value.response["Error"]["Code"] == "ConstraintViolationException"

    tower = aws("controltower")
    base = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}[
        "AWSControlTowerBaseline"
    ]
    done = tower.enable_baseline(
        baselineIdentifier=base, baselineVersion="5.0", targetIdentifier=ou["Arn"]
    )
    assert (
        tower.get_baseline_operation(operationIdentifier=done["operationIdentifier"])[
            "baselineOperation"
        ]["status"]
        == "SUCCEEDED"
    )
    creds = member_credentials(aws("sts"), workload)
    assert (
        aws("config", **creds).describe_configuration_recorders()["ConfigurationRecorders"][0][
            "name"
        ]
        == "aws-controltower-BaselineConfigRecorder"
    )
    refused = tower.enable_baseline(
        baselineIdentifier=base, baselineVersion="5.0", targetIdentifier=full["Arn"]
    )
    operation = tower.get_baseline_operation(operationIdentifier=refused["operationIdentifier"])[
        "baselineOperation"
    ]
    assert (
        operation["status"] == "FAILED"
        and "maximum of 5 service control policies" in operation["statusMessage"]
    )


# ---------------------------------------------------------------- landing zone 4.0 rules


def _refused(call) -> str:
    with pytest.raises(ClientError) as info:
        call()
    assert info.value.response["Error"]["Code"] == "ValidationException"
    return info.value.response["Error"]["Message"]


def test_new_landing_zone_only_on_the_latest_version(aws, org) -> None:
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    old = {
        "governedRegions": ["us-east-1"],
        "organizationStructure": {"security": {"name": "Security"}, "sandbox": {"name": "Sandbox"}},
        "centralizedLogging": {"accountId": log_archive, "enabled": True},
        "securityRoles": {"accountId": audit},
        "accessManagement": {"enabled": True},
    }
    tower = aws("controltower")
    assert "version 3.3" in _refused(lambda: tower.create_landing_zone(version="3.3", manifest=old))
    assert "not recognized" in _refused(
        lambda: tower.create_landing_zone(version="4.0", manifest=old)
    )
    assert not tower.list_landing_zones()["landingZones"]


def test_landing_zone_4_requires_every_enabled_flag(aws, org) -> None:
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    tower = aws("controltower")
    body = manifest(log_archive, audit)
    del body["backup"], body["securityRoles"]["enabled"]
    message = _refused(lambda: tower.create_landing_zone(version="4.0", manifest=body))
    assert "missing some required fields" in message and "backup.enabled" in message
    assert "securityRoles.enabled" in message
    body = manifest(log_archive, audit)
    body["config"]["enabled"] = False
    assert "securityRoles, accessManagement" in _refused(
        lambda: tower.create_landing_zone(version="4.0", manifest=body)
    )


def test_landing_zone_4_fails_with_the_inline_cloudtrail_policy(aws, org, sandbox) -> None:
    sandbox.configure(op_delay_s=0)
    iam = aws("iam")
    create_ct_roles(iam)
    iam.detach_role_policy(
        RoleName="AWSControlTowerCloudTrailRole",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSControlTowerCloudTrailRolePolicy",
    )
    iam.put_role_policy(
        RoleName="AWSControlTowerCloudTrailRole",
        PolicyName="AWSControlTowerCloudTrailRolePolicy",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"logs:PutLogEvents","Resource":"*"}]}',
    )
    log_archive, audit = shared_accounts(org)
    tower = aws("controltower")
    created = tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    details = tower.get_landing_zone_operation(operationIdentifier=created["operationIdentifier"])
    assert details["operationDetails"]["status"] == "FAILED"
    assert (
        "managed policy AWSControlTowerCloudTrailRolePolicy"
        in details["operationDetails"]["statusMessage"]
    )


@pytest.mark.parametrize("placement", ["root", "nested", "split"])
def test_landing_zone_4_needs_the_accounts_in_one_top_level_ou(
    aws, org, sandbox, placement
) -> None:
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org, None if placement == "root" else "Security")
    root = org.list_roots()["Roots"][0]["Id"]
    security = [
        o for o in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    ]
    if placement == "nested":
        child = org.create_organizational_unit(ParentId=security[0]["Id"], Name="Core")[
            "OrganizationalUnit"
        ]
        for account in (log_archive, audit):
            org.move_account(
                AccountId=account, SourceParentId=security[0]["Id"], DestinationParentId=child["Id"]
            )
    if placement == "split":
        org.move_account(
            AccountId=audit, SourceParentId=security[0]["Id"], DestinationParentId=root
        )
    tower = aws("controltower")
    created = tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    details = tower.get_landing_zone_operation(operationIdentifier=created["operationIdentifier"])
    assert details["operationDetails"]["status"] == "FAILED"
    assert (
        "same organizational unit directly under the root"
        in details["operationDetails"]["statusMessage"]
    )
    ous = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    assert {o["Name"] for o in ous} == ({"Security"} if placement != "root" else set())


def test_enable_baseline_needs_the_version_of_the_landing_zone(aws, org, sandbox) -> None:
    _landing_zone(aws, org, sandbox)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    tower = aws("controltower")
    base = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}[
        "AWSControlTowerBaseline"
    ]
    message = _refused(
        lambda: tower.enable_baseline(
            baselineIdentifier=base, baselineVersion="4.0", targetIdentifier=ou["Arn"]
        )
    )
    assert "Use baseline version 5.0" in message
    security = next(
        o
        for o in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if o["Name"] == "Security"
    )
    message = _refused(
        lambda: tower.enable_baseline(
            baselineIdentifier=base, baselineVersion="5.0", targetIdentifier=security["Arn"]
        )
    )
    assert "Security OU" in message


def test_enrollment_fails_on_config_resources_control_tower_did_not_create(
    aws, org, sandbox
) -> None:
    """Control Tower cannot enroll an account that already has AWS Config resources of its own."""
    _landing_zone(aws, org, sandbox)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    workload = create_account(org, "Prod", "prod@example.com")
    org.move_account(AccountId=workload, SourceParentId=root, DestinationParentId=ou["Id"])
    config = aws("config", region="us-west-2", **member_credentials(aws("sts"), workload))
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{workload}:role/aws-service-role/config.amazonaws.com/"
            "AWSServiceRoleForConfig",
        }
    )
    tower = aws("controltower")
    base = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}[
        "AWSControlTowerBaseline"
    ]
    refused = tower.enable_baseline(
        baselineIdentifier=base, baselineVersion="5.0", targetIdentifier=ou["Arn"]
    )
    operation = tower.get_baseline_operation(operationIdentifier=refused["operationIdentifier"])[
        "baselineOperation"
    ]
    assert operation["status"] == "FAILED"
    assert f"cannot enroll account {workload}" in operation["statusMessage"]
    assert "us-west-2 (default)" in operation["statusMessage"]
    assert (
        config.describe_configuration_recorders()["ConfigurationRecorders"][0]["name"] == "default"
    )


# ---------------------------------------------------------------- deregistering OUs, landing zone drift


def test_disable_baseline_needs_an_empty_ou_without_optional_controls(aws, org, sandbox) -> None:
    """User guide "Remove an OU": the OU must be empty of accounts and all optional controls removed."""
    _landing_zone(aws, org, sandbox)
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    tower = aws("controltower")
    base = {b["name"]: b["arn"] for b in tower.list_baselines()["baselines"]}[
        "AWSControlTowerBaseline"
    ]
    enabled = tower.enable_baseline(
        baselineIdentifier=base, baselineVersion="5.0", targetIdentifier=ou["Arn"]
    )["arn"]
    control = tower.enable_control(
        controlIdentifier="arn:aws:controltower:us-east-1::control/AWS-GR_ENCRYPTED_VOLUMES",
        targetIdentifier=ou["Arn"],
    )
    assert "optional controls" in _refused(
        lambda: tower.disable_baseline(enabledBaselineIdentifier=enabled)
    )
    tower.disable_control(enabledControlIdentifier=control["arn"])
    workload = create_account(org, "Prod", "prod@example.com")
    org.move_account(AccountId=workload, SourceParentId=root, DestinationParentId=ou["Id"])
    assert "contains accounts" in _refused(
        lambda: tower.disable_baseline(enabledBaselineIdentifier=enabled)
    )
    org.move_account(AccountId=workload, SourceParentId=ou["Id"], DestinationParentId=root)

    done = tower.disable_baseline(enabledBaselineIdentifier=enabled)["operationIdentifier"]
    operation = tower.get_baseline_operation(operationIdentifier=done)["baselineOperation"]
    assert (operation["operationType"], operation["status"]) == ("DISABLE_BASELINE", "SUCCEEDED")
    assert not tower.list_enabled_baselines(filter={"targetIdentifiers": [ou["Arn"]]})[
        "enabledBaselines"
    ]
    names = [
        p["Name"]
        for p in org.list_policies_for_target(TargetId=ou["Id"], Filter="SERVICE_CONTROL_POLICY")[
            "Policies"
        ]
    ]
    assert names == ["FullAWSAccess"]  # the mandatory controls' SCP went with the registration


def _drift(tower, arn: str) -> str:
    return tower.get_landing_zone(landingZoneIdentifier=arn)["landingZone"]["driftStatus"]["status"]


def test_a_moved_shared_account_drifts_the_landing_zone_until_reset(aws, org, sandbox) -> None:
    """User guide "Types of governance drift": a shared account moved out of its OU is landing zone drift;
    "Reset the landing zone to resolve drift" (ResetLandingZone)."""
    _, audit, created = _landing_zone(aws, org, sandbox)
    tower = aws("controltower")
    assert _drift(tower, created["arn"]) == "IN_SYNC"
    root = org.list_roots()["Roots"][0]["Id"]
    security = org.list_parents(ChildId=audit)["Parents"][0]["Id"]
    org.move_account(AccountId=audit, SourceParentId=security, DestinationParentId=root)
    assert _drift(tower, created["arn"]) == "DRIFTED"
    failed = tower.reset_landing_zone(landingZoneIdentifier=created["arn"])["operationIdentifier"]
    assert _lz_state(tower, failed) == "FAILED" and _drift(tower, created["arn"]) == "DRIFTED"
    org.move_account(AccountId=audit, SourceParentId=root, DestinationParentId=security)
    assert _drift(tower, created["arn"]) == "DRIFTED"  # moving it back does not resolve the drift
    reset = tower.reset_landing_zone(landingZoneIdentifier=created["arn"])["operationIdentifier"]
    assert _lz_state(tower, reset) == "SUCCEEDED" and _drift(tower, created["arn"]) == "IN_SYNC"


def test_a_missing_service_role_is_landing_zone_drift(aws, org, sandbox) -> None:
    """User guide "Types of governance drift": role drift while a required role is not available."""
    _, _, created = _landing_zone(aws, org, sandbox)
    tower, iam = aws("controltower"), aws("iam")
    iam.delete_role(RoleName="AWSControlTowerStackSetRole")
    assert _drift(tower, created["arn"]) == "DRIFTED"
    iam.create_role(
        RoleName="AWSControlTowerStackSetRole",
        Path="/service-role/",
        AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
            '"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        ),
    )
    assert _drift(tower, created["arn"]) == "IN_SYNC"


def test_a_published_landing_zone_version_shows_as_latest_available(aws, org, sandbox) -> None:
    from .helpers import control

    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    tower = aws("controltower")
    created = tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    assert wait_for(lambda: _lz_state(tower, created["operationIdentifier"])) == "SUCCEEDED"
    assert control(sandbox.endpoint, "/_sandbox/control-tower", {"latest_version": "4.1"})[0] == 200
    zone = tower.get_landing_zone(landingZoneIdentifier=created["arn"])["landingZone"]
    assert (zone["version"], zone["latestAvailableVersion"]) == ("4.0", "4.1")
    assert (
        control(sandbox.endpoint, "/_sandbox/control-tower", {"latest_version": "newest"})[0] == 400
    )
