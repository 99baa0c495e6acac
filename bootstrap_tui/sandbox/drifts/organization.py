"""Drifts of the organization step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift

SCP = "SERVICE_CONTROL_POLICY"


def _top_ou(org: Any, name: str) -> dict[str, Any]:
    root = org.list_roots()["Roots"][0]["Id"]
    return next(
        ou
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if ou["Name"] == name
    )


def _rename_sandbox_ou(endpoint: str, account: str, region: str | None) -> str:
    org = client(endpoint, "organizations")
    ou = _top_ou(org, "Sandbox")
    org.update_organizational_unit(OrganizationalUnitId=ou["Id"], Name="Playground")
    return ou["Id"]


def _rename_back(endpoint: str, account: str, region: str | None, ou_id: str) -> None:
    client(endpoint, "organizations").update_organizational_unit(
        OrganizationalUnitId=ou_id, Name="Sandbox"
    )


def _scp_targets(org: Any, root: str) -> list[str]:
    """The root, every OU under it and every account: each entity an SCP can be attached to."""
    targets, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        ous = [
            ou["Id"]
            for ou in org.list_organizational_units_for_parent(ParentId=parent)[
                "OrganizationalUnits"
            ]
        ]
        targets += ous
        frontier += ous
    return targets + [a["Id"] for a in org.list_accounts()["Accounts"]]


def _disable_scps(
    endpoint: str, account: str, region: str | None
) -> tuple[str, list[tuple[str, str]]]:
    """DisablePolicyType detaches every SCP from every entity (AWS keeps no attachment): remember them."""
    org = client(endpoint, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    attached = [
        (policy["Id"], target)
        for target in _scp_targets(org, root)
        for policy in org.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"]
    ]
    org.disable_policy_type(RootId=root, PolicyType=SCP)
    return root, attached


def _enable_scps(
    endpoint: str, account: str, region: str | None, memento: tuple[str, list[tuple[str, str]]]
) -> None:
    """Re-enable (every entity then has only FullAWSAccess), re-attach what was attached, then detach
    FullAWSAccess where it was not (an entity must keep one SCP, so it goes last)."""
    root, attached = memento
    org = client(endpoint, "organizations")
    org.enable_policy_type(RootId=root, PolicyType=SCP)
    for target in _scp_targets(org, root):
        wanted = {policy for policy, where in attached if where == target}
        present = {
            p["Id"] for p in org.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"]
        }
        for policy in sorted(wanted - present):
            org.attach_policy(PolicyId=policy, TargetId=target)
        for policy in sorted(present - wanted):
            org.detach_policy(PolicyId=policy, TargetId=target)


def _trusted_access_off(endpoint: str, account: str, region: str | None) -> str:
    principal = "account.amazonaws.com"
    client(endpoint, "organizations").disable_aws_service_access(ServicePrincipal=principal)
    return principal


def _trusted_access_on(endpoint: str, account: str, region: str | None, principal: str) -> None:
    client(endpoint, "organizations").enable_aws_service_access(ServicePrincipal=principal)


READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _member_user_key(endpoint: str, account: str, region: str | None) -> dict[str, str]:
    """A read-only IAM user with an access key in the Production account: the credentials verify is
    run with."""
    from ..seeds import account_ids_by_key

    iam = client(endpoint, "iam", account_ids_by_key(endpoint)["prod"])
    iam.create_user(UserName="ci-verify")
    iam.attach_user_policy(UserName="ci-verify", PolicyArn=READ_ONLY)
    key = iam.create_access_key(UserName="ci-verify")["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def _delete_member_user(
    endpoint: str, account: str, region: str | None, key: dict[str, str]
) -> None:
    from ..seeds import account_ids_by_key

    iam = client(endpoint, "iam", account_ids_by_key(endpoint)["prod"])
    iam.delete_access_key(UserName="ci-verify", AccessKeyId=key["AccessKeyId"])
    iam.detach_user_policy(UserName="ci-verify", PolicyArn=READ_ONLY)
    iam.delete_user(UserName="ci-verify")


def _the_key(key: dict[str, str]) -> dict[str, str]:
    return key


def _recreate_organization(feature_set: str) -> Any:
    def recreate(endpoint: str, account: str, region: str | None, *memento: Any) -> str:
        org = client(endpoint, "organizations")
        org.delete_organization()
        return org.create_organization(FeatureSet=feature_set)["Organization"]["Id"]

    return recreate


DRIFTS: tuple[Drift, ...] = (
    # An organization's feature set cannot go back from ALL to consolidated billing; deleting the
    # organization is possible only while it has no member account, hence the ``new-org`` base.
    Drift(
        "org.all-features",
        "management",
        None,
        "the organization (no member accounts yet) is deleted and created again with consolidated billing only",
        _recreate_organization("CONSOLIDATED_BILLING"),
        _recreate_organization("ALL"),
        base="new-org",
    ),
    Drift(
        "org.caller-is-management",
        "management",
        None,
        "verify runs with the access key of an IAM user in the Production (member) account",
        _member_user_key,
        _delete_member_user,
        caller=_the_key,
    ),
    Drift(
        "org.ou-tree",
        "management",
        None,
        "the Sandbox OU is renamed to Playground",
        _rename_sandbox_ou,
        _rename_back,
    ),
    Drift(
        "org.scps-enabled",
        "management",
        None,
        "the service control policy type is disabled on the organization root",
        _disable_scps,
        _enable_scps,
    ),
    Drift(
        "org.trusted-access",
        "management",
        None,
        "trusted access for AWS Account Management (account.amazonaws.com) is disabled",
        _trusted_access_off,
        _trusted_access_on,
    ),
)
