"""Drifts of the accounts step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client, control, root_client
from . import Drift

ROLE = "OrganizationAccountAccessRole"


def _move_to_root(endpoint: str, account: str, region: str | None) -> str:
    """Move the Staging account out of its OU to the organization root."""
    from ..seeds import account_ids_by_key

    org = client(endpoint, "organizations")
    staging = account_ids_by_key(endpoint)["staging"]
    parent = org.list_parents(ChildId=staging)["Parents"][0]["Id"]
    org.move_account(
        AccountId=staging,
        SourceParentId=parent,
        DestinationParentId=org.list_roots()["Roots"][0]["Id"],
    )
    return parent


def _move_back(endpoint: str, account: str, region: str | None, parent: str) -> None:
    from ..seeds import account_ids_by_key

    org = client(endpoint, "organizations")
    staging = account_ids_by_key(endpoint)["staging"]
    org.move_account(
        AccountId=staging,
        SourceParentId=org.list_roots()["Roots"][0]["Id"],
        DestinationParentId=parent,
    )


def _delete_role(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """The account's root user deletes the role (policies first, as IAM requires; the role itself
    could not finish: detaching its own AdministratorAccess leaves it unable to go on)."""
    key = control(endpoint, "/_sandbox/root", {"account": account, "access_keys": True})[
        "access_key"
    ]
    try:
        iam = root_client(endpoint, "iam", key)
        role = iam.get_role(RoleName=ROLE)["Role"]
        attached = [
            p["PolicyArn"]
            for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
        ]
        inline = {
            name: iam.get_role_policy(RoleName=ROLE, PolicyName=name)["PolicyDocument"]
            for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]
        }
        for arn in attached:
            iam.detach_role_policy(RoleName=ROLE, PolicyArn=arn)
        for name in inline:
            iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
        iam.delete_role(RoleName=ROLE)
    finally:
        control(endpoint, "/_sandbox/root", {"account": account, "access_keys": False})
    return {"trust": role["AssumeRolePolicyDocument"], "attached": attached, "inline": inline}


def _recreate_role_as_root(
    endpoint: str, account: str, region: str | None, role: dict[str, Any]
) -> None:
    """The account's root user recreates the role (AWS's way back in when the role is gone: sign in as
    the member account's root); the sandbox's root access key stands in for that console session."""
    key = control(endpoint, "/_sandbox/root", {"account": account, "access_keys": True})[
        "access_key"
    ]
    try:
        iam = root_client(endpoint, "iam", key)
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=_as_text(role["trust"]))
        for arn in role["attached"]:
            iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)
        for name, document in role["inline"].items():
            iam.put_role_policy(RoleName=ROLE, PolicyName=name, PolicyDocument=_as_text(document))
    finally:
        control(endpoint, "/_sandbox/root", {"account": account, "access_keys": False})


def _as_text(document: Any) -> str:
    import json

    return document if isinstance(document, str) else json.dumps(document)


def _close_staging(endpoint: str, account: str, region: str | None) -> str:
    """CloseAccount on the Staging account (it stays in the organization, SUSPENDED, for 90 days)."""
    from ..seeds import account_ids_by_key

    staging = account_ids_by_key(endpoint)["staging"]
    client(endpoint, "organizations").close_account(AccountId=staging)
    return staging


def _reopen(endpoint: str, account: str, region: str | None, closed: str) -> None:
    """AWS Support reinstates it, as AWS allows within the 90 days (a person's request: control endpoint)."""
    control(endpoint, "/_sandbox/reopen", {"account": closed})


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "accounts.exist",
        "management",
        None,
        "the Staging account is closed (CloseAccount)",
        _close_staging,
        _reopen,
    ),
    Drift(
        "accounts.automation-role",
        "prod",
        None,
        "OrganizationAccountAccessRole is deleted in Production",
        _delete_role,
        _recreate_role_as_root,
    ),
    Drift(
        "accounts.in-ou",
        "management",
        None,
        "the Staging account is moved out of Workloads/NonProd to the root",
        _move_to_root,
        _move_back,
    ),
)
