"""Organizations (async CreateAccount, member access) and IAM root-user facts."""

from __future__ import annotations

import csv
import io

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.sandbox import Sandbox

from .helpers import control, create_account, member_credentials, wait_for


def test_create_account_is_asynchronous(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    request = org.create_account(AccountName="Dev", Email="dev@example.com")["CreateAccountStatus"]
    assert request["State"] == "IN_PROGRESS" and request["Id"].startswith("car-")
    assert len(org.list_accounts()["Accounts"]) == 1
    listed = org.list_create_account_status(States=["IN_PROGRESS"])["CreateAccountStatuses"]
    assert [s["Id"] for s in listed] == [request["Id"]]
    state = wait_for(
        lambda: org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
            "CreateAccountStatus"
        ]["State"]
    )
    assert state == "SUCCEEDED"
    status = org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
        "CreateAccountStatus"
    ]
    account = status["AccountId"]
    assert account in {a["Id"] for a in org.list_accounts()["Accounts"]}
    creds = member_credentials(aws("sts"), account)
    assert aws("sts", **creds).get_caller_identity()["Account"] == account


def test_duplicate_email_fails(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    create_account(org, "One", "same@example.com")
    request = org.create_account(AccountName="Two", Email="SAME@example.com")["CreateAccountStatus"]
    assert request["State"] == "IN_PROGRESS"
    state = wait_for(
        lambda: org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
            "CreateAccountStatus"
        ]["State"]
    )
    assert state == "FAILED"
    status = org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
        "CreateAccountStatus"
    ]
    assert status["FailureReason"] == "EMAIL_ALREADY_EXISTS" and "AccountId" not in status
    assert len(org.list_accounts()["Accounts"]) == 2


def test_member_account_is_denied_management_calls(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "member@example.com")
    member_org = aws("organizations", **member_credentials(aws("sts"), member))
    for call in (
        member_org.list_accounts,
        lambda: member_org.create_organizational_unit(ParentId="r-abcd", Name="X"),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert member_org.describe_organization()["Organization"]["MasterAccountId"] == "123456789012"


def test_delegated_administrators(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    audit = create_account(org, "Audit", "audit@example.com")
    principals = [
        "securityhub.amazonaws.com",
        "sso.amazonaws.com",
        "config.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "guardduty.amazonaws.com",
    ]
    for principal in principals:
        org.register_delegated_administrator(AccountId=audit, ServicePrincipal=principal)
    admins = org.list_delegated_administrators()["DelegatedAdministrators"]
    assert [a["Id"] for a in admins] == [audit]
    services = org.list_delegated_services_for_account(AccountId=audit)["DelegatedServices"]
    assert sorted(s["ServicePrincipal"] for s in services) == sorted(principals)
    assert org.list_delegated_administrators(ServicePrincipal="sso.amazonaws.com")[
        "DelegatedAdministrators"
    ]


def _report(iam) -> list[dict[str, str]]:
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"]
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_root_user_facts(sandbox: Sandbox, aws) -> None:
    iam = aws("iam")
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountMFAEnabled"] == 0 and summary["AccountAccessKeysPresent"] == 0
    iam.create_user(UserName="alice")
    rows = _report(iam)
    assert [r["user"] for r in rows] == ["<root_account>", "alice"]
    assert rows[0]["arn"] == "arn:aws:iam::123456789012:root"
    assert rows[0]["mfa_active"] == "false" and rows[0]["access_key_1_active"] == "false"
    status, _ = control(
        sandbox.endpoint,
        "/_sandbox/root",
        {"account": "123456789012", "mfa": True, "access_keys": True},
    )
    assert status == 200
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountMFAEnabled"] == 1 and summary["AccountAccessKeysPresent"] == 1
    root = _report(iam)[0]
    assert root["mfa_active"] == "true" and root["access_key_1_active"] == "true"
    assert root["password_enabled"] == "not_supported"
    assert list(root) == [
        "user",
        "arn",
        "user_creation_time",
        "password_enabled",
        "password_last_used",
        "password_last_changed",
        "password_next_rotation",
        "mfa_active",
        "access_key_1_active",
        "access_key_1_last_rotated",
        "access_key_1_last_used_date",
        "access_key_1_last_used_region",
        "access_key_1_last_used_service",
        "access_key_2_active",
        "access_key_2_last_rotated",
        "access_key_2_last_used_date",
        "access_key_2_last_used_region",
        "access_key_2_last_used_service",
        "cert_1_active",
        "cert_1_last_rotated",
        "cert_2_active",
        "cert_2_last_rotated",
    ]


def test_root_facts_are_per_account(sandbox: Sandbox, aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "m@example.com")
    control(sandbox.endpoint, "/_sandbox/root", {"account": member, "mfa": True})
    member_iam = aws("iam", **member_credentials(aws("sts"), member))
    assert member_iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert aws("iam").get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_centralized_root_access(aws) -> None:
    iam, org = aws("iam"), aws("organizations")
    with pytest.raises(ClientError) as info:
        iam.list_organizations_features()
    assert info.value.response["Error"]["Code"] == "OrganizationNotFoundException"
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    with pytest.raises(ClientError) as info:
        iam.enable_organizations_root_credentials_management()
    assert info.value.response["Error"]["Code"] == "ServiceAccessNotEnabledException"
    org.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    iam.enable_organizations_root_credentials_management()
    result = iam.enable_organizations_root_sessions()
    assert result["OrganizationId"] == org_id
    assert sorted(iam.list_organizations_features()["EnabledFeatures"]) == [
        "RootCredentialsManagement",
        "RootSessions",
    ]


def test_a_root_access_key_signs_as_the_root_user(sandbox: Sandbox, aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "m@example.com")
    status, made = control(
        sandbox.endpoint, "/_sandbox/root", {"account": member, "access_keys": True}
    )
    key = made["access_key"]
    assert (
        status == 200
        and key["AccessKeyId"].startswith("AKIA")
        and len(key["SecretAccessKey"]) == 40
    )
    creds = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    assert aws("sts", **creds).get_caller_identity()["Arn"] == f"arn:aws:iam::{member}:root"
    aws("iam", **creds).create_account_alias(AccountAlias="member-alias")
    member_iam = aws("iam", **member_credentials(aws("sts"), member))
    assert member_iam.list_account_aliases()["AccountAliases"] == ["member-alias"]
    root = _report(member_iam)[0]
    assert (
        root["access_key_1_last_used_service"] == "iam"
        and root["access_key_1_last_used_date"] != "N/A"
    )
    assert (
        "secret"
        not in str(
            control(sandbox.endpoint, "/_sandbox/root", {"account": member, "mfa": True})[1]
        ).lower()
    )
    control(sandbox.endpoint, "/_sandbox/root", {"account": member, "access_keys": False})
    assert aws("sts", **creds).get_caller_identity()["Arn"] != f"arn:aws:iam::{member}:root"
    assert _report(member_iam)[0]["access_key_1_last_used_date"] == "N/A"


def test_assume_role_needs_the_role_to_exist(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "m@example.com")
    sts = aws("sts")
    arn = f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
    assert sts.assume_role(RoleArn=arn, RoleSessionName="works")["AssumedRoleUser"][
        "Arn"
    ].startswith(f"arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/")
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/NoSuchRole", RoleSessionName="denied")
    error = info.value.response["Error"]
    assert (
        info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        and error["Code"] == "AccessDenied"
    )
    assert error["Message"] == (
        "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: "
        f"sts:AssumeRole on resource: arn:aws:iam::{member}:role/NoSuchRole"
    )


def test_a_closed_account_is_reinstated_only_through_the_control_endpoint(
    sandbox: Sandbox, aws
) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "m@example.com")
    assert (
        control(sandbox.endpoint, "/_sandbox/reopen", {"account": member})[0] == 400
    )  # not closed
    org.close_account(AccountId=member)
    assert org.describe_account(AccountId=member)["Account"]["Status"] == "SUSPENDED"
    status, info = control(sandbox.endpoint, "/_sandbox/reopen", {"account": member})
    assert status == 200 and {a["id"]: a["status"] for a in info["accounts"]}[member] == "ACTIVE"
    assert org.describe_account(AccountId=member)["Account"]["Status"] == "ACTIVE"
    assert control(sandbox.endpoint, "/_sandbox/reopen", {"account": "123456789012"})[0] == 400


def test_config_service_linked_role_has_aws_name(aws) -> None:
    role = aws("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]
    assert (
        role["Arn"]
        == "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
