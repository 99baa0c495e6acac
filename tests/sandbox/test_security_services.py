"""GuardDuty, Security Hub and IAM Access Analyzer fakes."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from .conftest import OP_DELAY
from .helpers import create_account, member_credentials


def _error(call) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def wait_for_detector(guardduty, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = guardduty.list_detectors()["DetectorIds"]
        if ids:
            return ids[0]
        time.sleep(0.05)
    raise AssertionError("no detector appeared")


def test_single_detector_per_region(aws) -> None:
    east, west = aws("guardduty"), aws("guardduty", region="us-west-2")
    detector = east.create_detector(Enable=True)["DetectorId"]
    assert _error(lambda: east.create_detector(Enable=True)) == "BadRequestException"
    assert east.list_detectors()["DetectorIds"] == [detector]
    assert west.list_detectors()["DetectorIds"] == []
    west.create_detector(Enable=True)
    got = east.get_detector(DetectorId=detector)
    assert got["Status"] == "ENABLED" and got["ServiceRole"].endswith(
        "AWSServiceRoleForAmazonGuardDuty"
    )
    east.update_detector(DetectorId=detector, Enable=False)
    assert east.get_detector(DetectorId=detector)["Status"] == "DISABLED"
    east.delete_detector(DetectorId=detector)
    assert east.list_detectors()["DetectorIds"] == []


def test_guardduty_organization(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    audit = create_account(org, "Audit", "audit@example.com")
    workload = create_account(org, "Workload", "wl@example.com")
    aws("guardduty").enable_organization_admin_account(AdminAccountId=audit)
    assert aws("guardduty").list_organization_admin_accounts()["AdminAccounts"] == [
        {"AdminAccountId": audit, "AdminStatus": "ENABLED"}
    ]
    admins = org.list_delegated_administrators(ServicePrincipal="guardduty.amazonaws.com")[
        "DelegatedAdministrators"
    ]
    assert [a["Id"] for a in admins] == [audit]
    admin = aws("guardduty", **member_credentials(aws("sts"), audit))
    detector = wait_for_detector(admin)
    admin.update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers="ALL"
    )
    config = admin.describe_organization_configuration(DetectorId=detector)
    assert config["AutoEnableOrganizationMembers"] == "ALL" and config["AutoEnable"] is True
    result = admin.create_members(
        DetectorId=detector, AccountDetails=[{"AccountId": workload, "Email": "wl@example.com"}]
    )
    assert result["UnprocessedAccounts"] == []
    members = admin.list_members(DetectorId=detector)["Members"]
    assert [(m["AccountId"], m["RelationshipStatus"]) for m in members] == [(workload, "Enabled")]
    member = aws("guardduty", **member_credentials(aws("sts"), workload))
    assert len(member.list_detectors()["DetectorIds"]) == 1
    assert (
        _error(lambda: aws("guardduty").describe_organization_configuration(DetectorId=detector))
        == "BadRequestException"
    )


def test_security_hub(aws) -> None:
    hub = aws("securityhub")
    assert _error(hub.get_enabled_standards) == "InvalidAccessException"
    hub.enable_security_hub(EnableDefaultStandards=False)
    assert _error(hub.enable_security_hub) == "ResourceConflictException"
    assert hub.describe_hub()["HubArn"] == "arn:aws:securityhub:us-east-1:123456789012:hub/default"
    standards = {s["Name"]: s["StandardsArn"] for s in hub.describe_standards()["Standards"]}
    cis = standards["CIS AWS Foundations Benchmark v3.0.0"]
    result = hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": cis}])
    assert result["StandardsSubscriptions"][0]["StandardsStatus"] == "PENDING"
    enabled = hub.get_enabled_standards()["StandardsSubscriptions"]
    assert [s["StandardsArn"] for s in enabled] == [cis]
    aggregator = hub.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")
    assert hub.list_finding_aggregators()["FindingAggregators"] == [
        {"FindingAggregatorArn": aggregator["FindingAggregatorArn"]}
    ]
    assert (
        hub.get_finding_aggregator(FindingAggregatorArn=aggregator["FindingAggregatorArn"])[
            "RegionLinkingMode"
        ]
        == "ALL_REGIONS"
    )


def test_security_hub_organization(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    audit = create_account(org, "Audit", "audit@example.com")
    hub = aws("securityhub")
    hub.enable_security_hub()
    assert len(hub.get_enabled_standards()["StandardsSubscriptions"]) == 2
    hub.enable_organization_admin_account(AdminAccountId=audit)
    assert hub.list_organization_admin_accounts()["AdminAccounts"] == [
        {"AccountId": audit, "Status": "ENABLED"}
    ]
    admin = aws("securityhub", **member_credentials(aws("sts"), audit))
    admin.enable_security_hub()
    admin.update_organization_configuration(
        AutoEnable=True,
        AutoEnableStandards="DEFAULT",
        OrganizationConfiguration={"ConfigurationType": "LOCAL"},
    )
    config = admin.describe_organization_configuration()
    assert config["AutoEnable"] is True and config["AutoEnableStandards"] == "DEFAULT"
    assert _error(hub.describe_organization_configuration) == "InvalidAccessException"


def test_access_analyzer(aws) -> None:
    analyzer = aws("accessanalyzer")
    arn = analyzer.create_analyzer(analyzerName="account", type="ACCOUNT")["arn"]
    assert arn == "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/account"
    assert (
        _error(lambda: analyzer.create_analyzer(analyzerName="account", type="ACCOUNT"))
        == "ConflictException"
    )
    assert (
        _error(lambda: analyzer.create_analyzer(analyzerName="org", type="ORGANIZATION"))
        == "ValidationException"
    )
    aws("organizations").create_organization(FeatureSet="ALL")
    analyzer.create_analyzer(analyzerName="org", type="ORGANIZATION")
    listed = analyzer.list_analyzers()["analyzers"]
    assert sorted((a["name"], a["type"], a["status"]) for a in listed) == [
        ("account", "ACCOUNT", "ACTIVE"),
        ("org", "ORGANIZATION", "ACTIVE"),
    ]
    assert [a["name"] for a in analyzer.list_analyzers(type="ORGANIZATION")["analyzers"]] == ["org"]
    assert aws("accessanalyzer", region="eu-west-1").list_analyzers()["analyzers"] == []
    assert analyzer.get_analyzer(analyzerName="org")["analyzer"]["type"] == "ORGANIZATION"
    analyzer.delete_analyzer(analyzerName="org")
    assert _error(lambda: analyzer.get_analyzer(analyzerName="org")) == "ResourceNotFoundException"


def test_designating_the_guardduty_admin_enables_guardduty_there(aws) -> None:
    """GuardDuty enables itself in the delegated admin: a CreateDetector racing it is refused."""
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    audit = create_account(org, "Audit", "audit@example.com")
    aws("guardduty", region="us-west-2").enable_organization_admin_account(AdminAccountId=audit)
    admin = aws("guardduty", region="us-west-2", **member_credentials(aws("sts"), audit))
    assert admin.list_detectors()["DetectorIds"] == []  # still being created
    with pytest.raises(ClientError) as info:
        admin.create_detector(Enable=True)
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    assert "already exists" in info.value.response["Error"]["Message"]
    detector = wait_for_detector(admin)
    assert admin.get_detector(DetectorId=detector)["Status"] == "ENABLED"
    assert (
        aws("guardduty", **member_credentials(aws("sts"), audit)).list_detectors()["DetectorIds"]
        == []
    )


def _recorder(config, account: str) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/"
            "AWSServiceRoleForConfig",
        }
    )


def test_standards_without_a_config_recorder_are_incomplete(aws) -> None:
    hub, west = aws("securityhub"), aws("securityhub", region="us-west-2")
    _recorder(aws("config", region="us-west-2"), "123456789012")
    for client in (hub, west):
        client.enable_security_hub(EnableDefaultStandards=False)
        client.batch_enable_standards(
            StandardsSubscriptionRequests=[
                {
                    "StandardsArn": f"arn:aws:securityhub:{client.meta.region_name}::standards/"
                    "aws-foundational-security-best-practices/v/1.0.0"
                }
            ]
        )
    time.sleep(OP_DELAY + 0.1)
    [east_sub] = hub.get_enabled_standards()["StandardsSubscriptions"]
    assert east_sub["StandardsStatus"] == "INCOMPLETE"
    assert east_sub["StandardsStatusReason"] == {
        "StatusReasonCode": "NO_AVAILABLE_CONFIGURATION_RECORDER"
    }
    [west_sub] = west.get_enabled_standards()["StandardsSubscriptions"]
    assert west_sub["StandardsStatus"] == "READY" and "StandardsStatusReason" not in west_sub


def test_auto_enable_standards_leaves_existing_members_without_standards(aws) -> None:
    """AutoEnableStandards=DEFAULT is for accounts that join later; existing members keep none."""
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    audit = create_account(org, "Audit", "audit@example.com")
    workload = create_account(org, "Workload", "wl@example.com")
    aws("securityhub").enable_organization_admin_account(AdminAccountId=audit)
    admin = aws("securityhub", **member_credentials(aws("sts"), audit))
    admin.enable_security_hub(EnableDefaultStandards=False)
    member = aws("securityhub", **member_credentials(aws("sts"), workload))
    member.enable_security_hub(EnableDefaultStandards=False)
    admin.update_organization_configuration(AutoEnable=True, AutoEnableStandards="DEFAULT")
    assert admin.describe_organization_configuration()["AutoEnableStandards"] == "DEFAULT"
    assert member.get_enabled_standards()["StandardsSubscriptions"] == []


def test_guardduty_admin_suspends_a_member_only_without_auto_enable_all(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    audit = create_account(org, "Audit", "audit@example.com")
    workload = create_account(org, "Workload", "wl@example.com")
    aws("guardduty").enable_organization_admin_account(AdminAccountId=audit)
    admin = aws("guardduty", **member_credentials(aws("sts"), audit))
    detector = wait_for_detector(admin)
    admin.update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers="ALL"
    )
    admin.create_members(
        DetectorId=detector, AccountDetails=[{"AccountId": workload, "Email": "wl@example.com"}]
    )
    member = aws("guardduty", **member_credentials(aws("sts"), workload))
    member_detector = member.list_detectors()["DetectorIds"][0]
    assert (
        _error(lambda: admin.stop_monitoring_members(DetectorId=detector, AccountIds=[workload]))
        == "BadRequestException"
    )
    admin.update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers="NEW"
    )
    assert (
        admin.stop_monitoring_members(DetectorId=detector, AccountIds=[workload])[
            "UnprocessedAccounts"
        ]
        == []
    )
    assert member.get_detector(DetectorId=member_detector)["Status"] == "DISABLED"
    admin.start_monitoring_members(DetectorId=detector, AccountIds=[workload])
    assert member.get_detector(DetectorId=member_detector)["Status"] == "ENABLED"


def test_budget_notification_subscribers_are_listed(aws) -> None:
    budgets = aws("budgets")
    account = aws("sts").get_caller_identity()["Account"]
    alert = {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": 80.0,
        "ThresholdType": "PERCENTAGE",
    }
    subscriber = {"SubscriptionType": "EMAIL", "Address": "billing@example.com"}
    budgets.create_budget(
        AccountId=account,
        Budget={
            "BudgetName": "monthly",
            "BudgetLimit": {"Amount": "100", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        NotificationsWithSubscribers=[{"Notification": alert, "Subscribers": [subscriber]}],
    )
    found = budgets.describe_subscribers_for_notification(
        AccountId=account, BudgetName="monthly", Notification=alert
    )
    assert found["Subscribers"] == [subscriber]
    assert (
        _error(
            lambda: budgets.describe_subscribers_for_notification(
                AccountId=account, BudgetName="monthly", Notification={**alert, "Threshold": 90.0}
            )
        )
        == "NotFoundException"
    )
    assert (
        _error(
            lambda: budgets.describe_subscribers_for_notification(
                AccountId=account, BudgetName="missing", Notification=alert
            )
        )
        == "NotFoundException"
    )
