"""Seeds: the starting state of a sandbox (fresh, compliant, drifted).

``fresh`` is a brand-new management account: no organization, root MFA off,
no root access keys. ``compliant`` and ``drifted`` are built by
``build_compliant_baseline`` through the sandbox's own AWS API; the lead will
replace that function with a run of the real engine (``apply --yes
--simulate-console``) once the steps exist.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

HOME_REGION = "us-east-1"
GOVERNED_REGIONS = ["us-east-1", "us-west-2"]
OU_LAYOUT = (("Security", None), ("Infrastructure", None), ("Workloads", None), ("Prod", "Workloads"),
             ("NonProd", "Workloads"), ("Sandbox", None), ("Suspended", None))


def apply_seed(endpoint: str, seed: str, accounts: int) -> None:
    """Bring a freshly reset sandbox at ``endpoint`` to ``seed``.

    The caller (``Sandbox``) switches latency, faults and operation delays off
    while a seed is applied.
    """
    if seed == "fresh":
        return
    build_compliant_baseline(endpoint, accounts)
    if seed == "drifted":
        introduce_drift(endpoint)


def _client(endpoint: str, service: str, region: str = HOME_REGION, credentials: dict[str, str] | None = None) -> Any:
    import boto3
    from botocore.config import Config

    creds = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        config=Config(retries={"max_attempts": 1}), **creds)


def _control(endpoint: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _create_account(org: Any, name: str, email: str) -> str:
    status = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    for _ in range(100):
        status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        if status["State"] != "IN_PROGRESS":
            break
        time.sleep(0.05)
    if status["State"] != "SUCCEEDED":
        raise RuntimeError(f"seed: creating account {name} failed: {status}")
    return status["AccountId"]


def _member_credentials(endpoint: str, account: str) -> dict[str, str]:
    creds = _client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


# The lead replaces this function with a run of the real engine.
def build_compliant_baseline(endpoint: str, workload_accounts: int) -> dict[str, Any]:
    """Best-effort direct boto3 build of the compliant organization baseline."""
    org = _client(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    root_id = org.list_roots()["Roots"][0]["Id"]
    ous: dict[str, dict[str, str]] = {}
    for name, parent in OU_LAYOUT:
        parent_id = ous[parent]["Id"] if parent else root_id
        ous[name] = org.create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"]
    log_archive = _create_account(org, "Log Archive", "log-archive@example.com")
    audit = _create_account(org, "Audit", "audit@example.com")
    for account in (log_archive, audit):
        org.move_account(AccountId=account, SourceParentId=root_id, DestinationParentId=ous["Security"]["Id"])
    workloads = []
    for index in range(workload_accounts):
        account = _create_account(org, f"Workload {index + 1}", f"workload-{index + 1}@example.com")
        target = ous["Prod"] if index % 2 == 0 else ous["NonProd"]
        org.move_account(AccountId=account, SourceParentId=root_id, DestinationParentId=target["Id"])
        workloads.append(account)
    for principal in ("iam.amazonaws.com", "sso.amazonaws.com", "cloudtrail.amazonaws.com",
                      "config.amazonaws.com", "securityhub.amazonaws.com", "guardduty.amazonaws.com",
                      "access-analyzer.amazonaws.com", "controltower.amazonaws.com"):
        org.enable_aws_service_access(ServicePrincipal=principal)
    iam = _client(endpoint, "iam")
    iam.enable_organizations_root_credentials_management()
    iam.enable_organizations_root_sessions()
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       PasswordReusePrevention=24, MaxPasswordAge=90)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "controltower.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    for role in ("AWSControlTowerAdmin", "AWSControlTowerCloudTrailRole", "AWSControlTowerStackSetRole",
                 "AWSControlTowerConfigAggregatorRoleForOrganizations"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust, Path="/service-role/")
    tower = _client(endpoint, "controltower")
    tower.create_landing_zone(version="3.3", manifest={
        "governedRegions": GOVERNED_REGIONS,
        "organizationStructure": {"security": {"name": "Security"}, "sandbox": {"name": "Sandbox"}},
        "centralizedLogging": {"accountId": log_archive, "enabled": True,
                               "configurations": {"loggingBucket": {"retentionDays": 365},
                                                  "accessLoggingBucket": {"retentionDays": 3650}}},
        "securityRoles": {"accountId": audit},
        "accessManagement": {"enabled": True},
    })
    for account in [None, log_archive, audit, *workloads]:
        creds = _member_credentials(endpoint, account) if account else None
        for region in GOVERNED_REGIONS:
            _client(endpoint, "guardduty", region, creds).create_detector(Enable=True)
            _client(endpoint, "securityhub", region, creds).enable_security_hub(EnableDefaultStandards=True)
            analyzer = _client(endpoint, "accessanalyzer", region, creds)
            if account is None:
                analyzer.create_analyzer(analyzerName="organization", type="ORGANIZATION")
            else:
                analyzer.create_analyzer(analyzerName="account", type="ACCOUNT")
    for region in GOVERNED_REGIONS:
        _client(endpoint, "guardduty", region).enable_organization_admin_account(AdminAccountId=audit)
        _client(endpoint, "securityhub", region).enable_organization_admin_account(AdminAccountId=audit)
    management = _management(endpoint)
    for account in [management, log_archive, audit, *workloads]:
        _control(endpoint, "/_sandbox/root", {"account": account, "mfa": True, "access_keys": False})
    return {"log_archive": log_archive, "audit": audit, "workloads": workloads, "ous": ous}


def _management(endpoint: str) -> str:
    with urllib.request.urlopen(endpoint + "/_sandbox/info", timeout=30) as response:
        return json.loads(response.read())["management_account_id"]


def introduce_drift(endpoint: str) -> None:
    """Make a compliant baseline drift the way real organizations do."""
    management = _management(endpoint)
    _control(endpoint, "/_sandbox/root", {"account": management, "mfa": False, "access_keys": True})
    guardduty = _client(endpoint, "guardduty", GOVERNED_REGIONS[-1])
    for detector in guardduty.list_detectors()["DetectorIds"]:
        guardduty.delete_detector(DetectorId=detector)
    _client(endpoint, "iam").delete_account_password_policy()
