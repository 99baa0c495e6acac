"""Drifts of the guardrails step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift


def _delete_password_policy(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    iam = client(endpoint, "iam", account)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    iam.delete_account_password_policy()
    return policy


def _restore_password_policy(
    endpoint: str, account: str, region: str | None, policy: dict[str, Any]
) -> None:
    fields = (
        "MinimumPasswordLength",
        "RequireSymbols",
        "RequireNumbers",
        "RequireUppercaseCharacters",
        "RequireLowercaseCharacters",
        "AllowUsersToChangePassword",
        "MaxPasswordAge",
        "PasswordReusePrevention",
        "HardExpiry",
    )
    client(endpoint, "iam", account).update_account_password_policy(
        **{k: policy[k] for k in fields if k in policy}
    )


def _weaken_password_policy(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """UpdateAccountPasswordPolicy resets what it omits: minimum length 8, reuse prevention gone."""
    iam = client(endpoint, "iam", account)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    keep = (
        "RequireSymbols",
        "RequireNumbers",
        "RequireUppercaseCharacters",
        "RequireLowercaseCharacters",
        "AllowUsersToChangePassword",
        "MaxPasswordAge",
        "HardExpiry",
    )
    iam.update_account_password_policy(
        MinimumPasswordLength=8, **{k: policy[k] for k in keep if k in policy}
    )
    return policy


def _ebs_encryption_off(endpoint: str, account: str, region: str | None) -> None:
    client(endpoint, "ec2", account, region).disable_ebs_encryption_by_default()


def _ebs_encryption_on(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    client(endpoint, "ec2", account, region).enable_ebs_encryption_by_default()


def _default_vpc_back(endpoint: str, account: str, region: str | None) -> str:
    """A default VPC re-created, given a flow log to the archive like the account's other VPCs,
    so this drift fails no-default-vpc alone (log-archive.vpc-flow-logs has its own drift)."""
    ec2 = client(endpoint, "ec2", account, region)
    vpc_id = ec2.create_default_vpc()["Vpc"]["VpcId"]
    archived = [
        f for f in ec2.describe_flow_logs()["FlowLogs"] if f.get("LogDestinationType") == "s3"
    ]
    if archived:
        ec2.create_flow_logs(
            ResourceIds=[vpc_id],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=archived[0]["LogDestination"],
        )
    return vpc_id


def _delete_vpc(endpoint: str, account: str, region: str | None, vpc_id: str) -> None:
    """Delete a default VPC the way AWS requires: gateways and subnets first."""
    ec2 = client(endpoint, "ec2", account, region)
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc_id]}]
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])
    if flow_logs["FlowLogs"]:
        ec2.delete_flow_logs(FlowLogIds=[f["FlowLogId"] for f in flow_logs["FlowLogs"]])
    for gateway in ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    for subnet in ec2.describe_subnets(Filters=vpc_filter)["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc_id)


def _root_sessions_off(endpoint: str, account: str, region: str | None) -> None:
    client(endpoint, "iam").disable_organizations_root_sessions()


def _root_sessions_on(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    client(endpoint, "iam").enable_organizations_root_sessions()


def _sandbox_ou_scp(endpoint: str) -> tuple[Any, str, str]:
    org = client(endpoint, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    sandbox_ou = next(
        ou
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if ou["Name"] == "Sandbox"
    )
    policies = org.list_policies_for_target(
        TargetId=sandbox_ou["Id"], Filter="SERVICE_CONTROL_POLICY"
    )["Policies"]
    policy = next(p for p in policies if p["Name"] != "FullAWSAccess")
    return org, policy["Id"], sandbox_ou["Id"]


def _detach_scp(endpoint: str, account: str, region: str | None) -> tuple[str, str]:
    org, policy, target = _sandbox_ou_scp(endpoint)
    org.detach_policy(PolicyId=policy, TargetId=target)
    return policy, target


def _attach_scp(endpoint: str, account: str, region: str | None, memento: tuple[str, str]) -> None:
    policy, target = memento
    client(endpoint, "organizations").attach_policy(PolicyId=policy, TargetId=target)


def _delete_account_pab(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    s3control = client(endpoint, "s3control", account)
    config = s3control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    s3control.delete_public_access_block(AccountId=account)
    return config


def _restore_account_pab(
    endpoint: str, account: str, region: str | None, config: dict[str, Any]
) -> None:
    client(endpoint, "s3control", account).put_public_access_block(
        AccountId=account, PublicAccessBlockConfiguration=config
    )


def _allow_public_policies(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    s3control = client(endpoint, "s3control", account)
    config = s3control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    s3control.put_public_access_block(
        AccountId=account, PublicAccessBlockConfiguration={**config, "BlockPublicPolicy": False}
    )
    return config


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "guardrails.password-policy",
        "audit",
        None,
        "the IAM password policy is deleted",
        _delete_password_policy,
        _restore_password_policy,
        in_drifted_seed=True,
    ),
    Drift(
        "guardrails.ebs-default-encryption",
        "prod",
        -1,
        "EBS encryption by default is off",
        _ebs_encryption_off,
        _ebs_encryption_on,
        in_drifted_seed=True,
    ),
    Drift(
        "guardrails.no-default-vpc",
        "log-archive",
        0,
        "a default VPC is re-created",
        _default_vpc_back,
        _delete_vpc,
        in_drifted_seed=True,
    ),
    Drift(
        "guardrails.scps-attached",
        "management",
        None,
        "an SCP is detached from the Sandbox OU",
        _detach_scp,
        _attach_scp,
        in_drifted_seed=True,
    ),
    Drift(
        "guardrails.s3-account-public-access-block",
        "prod",
        None,
        "the account-level S3 Block Public Access configuration is deleted",
        _delete_account_pab,
        _restore_account_pab,
        in_drifted_seed=True,
    ),
    Drift(
        "guardrails.password-policy",
        "management",
        None,
        "the IAM password policy is relaxed to a minimum length of 8 without reuse prevention",
        _weaken_password_policy,
        _restore_password_policy,
    ),
    Drift(
        "guardrails.ebs-default-encryption",
        "management",
        1,
        "EBS encryption by default is turned off",
        _ebs_encryption_off,
        _ebs_encryption_on,
    ),
    Drift(
        "guardrails.no-default-vpc",
        "management",
        1,
        "a default VPC is re-created (ec2 CreateDefaultVpc)",
        _default_vpc_back,
        _delete_vpc,
    ),
    Drift(
        "guardrails.root-access-centralized",
        "management",
        None,
        "centralized root sessions (privileged root actions in member accounts) are disabled",
        _root_sessions_off,
        _root_sessions_on,
    ),
    Drift(
        "guardrails.s3-account-public-access-block",
        "management",
        None,
        "BlockPublicPolicy is turned off in the account-level S3 Block Public Access configuration",
        _allow_public_policies,
        _restore_account_pab,
    ),
)
