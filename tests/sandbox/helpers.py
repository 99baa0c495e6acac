"""Shared building blocks for sandbox tests."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

CT_ROLES = (
    "AWSControlTowerAdmin",
    "AWSControlTowerCloudTrailRole",
    "AWSControlTowerStackSetRole",
    "AWSControlTowerConfigAggregatorRoleForOrganizations",
)


def control(
    endpoint: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        endpoint + path,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(
    fetch: Callable[[], str], done: tuple[str, ...] = ("SUCCEEDED", "FAILED"), timeout: float = 5.0
) -> str:
    deadline = time.monotonic() + timeout
    while True:
        state = fetch()
        if state in done or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def create_account(org: Any, name: str, email: str) -> str:
    request = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    state = wait_for(
        lambda: org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
            "CreateAccountStatus"
        ]["State"]
    )
    assert state == "SUCCEEDED"
    return org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
        "CreateAccountStatus"
    ]["AccountId"]


def member_credentials(sts: Any, account: str) -> dict[str, str]:
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


CLOUDTRAIL_POLICY = "arn:aws:iam::aws:policy/service-role/AWSControlTowerCloudTrailRolePolicy"


def create_ct_roles(iam: Any) -> None:
    """The four roles; the CloudTrail role with the managed policy landing zone 4.0 requires."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "controltower.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    for role in CT_ROLES:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust, Path="/service-role/")
    iam.attach_role_policy(RoleName="AWSControlTowerCloudTrailRole", PolicyArn=CLOUDTRAIL_POLICY)


def shared_accounts(org: Any, ou_name: str | None = "Security") -> tuple[str, str]:
    """Log Archive and Audit, moved into one OU directly under the root (4.0's prerequisite)."""
    log_archive = create_account(org, "Log Archive", "log@example.com")
    audit = create_account(org, "Audit", "audit@example.com")
    if ou_name:
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name=ou_name)["OrganizationalUnit"]["Id"]
        for account in (log_archive, audit):
            org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
    return log_archive, audit


def manifest(log_archive: str, audit: str) -> dict[str, Any]:
    """A landing zone 4.0 manifest (User Guide, lz-api-launch)."""
    return {
        "governedRegions": ["us-east-1", "us-west-2"],
        "centralizedLogging": {"accountId": log_archive, "enabled": True},
        "config": {"accountId": audit, "enabled": True},
        "securityRoles": {"accountId": audit, "enabled": True},
        "accessManagement": {"enabled": True},
        "backup": {"enabled": False},
    }
