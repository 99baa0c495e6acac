"""Drifts of the identity-center step's checks (IAM Identity Center lives in the management account,
home region; account assignments and permission-set changes are asynchronous requests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..plain import client, control
from . import Drift

ADMIN_GROUP = "Administrators"
ADMIN_SET = "AdministratorAccess"
DRIFT_USER = "ci-deploy"


def _wait(describe: Callable[[], dict[str, Any]]) -> None:
    """Poll an Identity Center request status until it leaves IN_PROGRESS; FAILED raises."""
    for _ in range(100):
        status = describe()
        if status["Status"] == "FAILED":
            raise RuntimeError(status.get("FailureReason") or "the Identity Center request failed")
        if status["Status"] != "IN_PROGRESS":
            return
        time.sleep(0.1)
    raise TimeoutError("the Identity Center request is still IN_PROGRESS")


def _instance(endpoint: str) -> tuple[Any, str, str]:
    admin = client(endpoint, "sso-admin")
    found = admin.list_instances()["Instances"][0]
    return admin, found["InstanceArn"], found["IdentityStoreId"]


def _permission_set(admin: Any, instance: str, name: str) -> dict[str, Any]:
    for arn in admin.list_permission_sets(InstanceArn=instance)["PermissionSets"]:
        described = admin.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)[
            "PermissionSet"
        ]
        if described["Name"] == name:
            return described
    raise LookupError(f"no permission set {name}")


def _admin_assignment(endpoint: str, account: str) -> dict[str, str]:
    admin, instance, store = _instance(endpoint)
    groups = client(endpoint, "identitystore").list_groups(IdentityStoreId=store)["Groups"]
    group = next(g["GroupId"] for g in groups if g["DisplayName"] == ADMIN_GROUP)
    return {
        "InstanceArn": instance,
        "TargetId": account,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": _permission_set(admin, instance, ADMIN_SET)["PermissionSetArn"],
        "PrincipalType": "GROUP",
        "PrincipalId": group,
    }


def _unassign_admins(endpoint: str, account: str, region: str | None) -> dict[str, str]:
    assignment = _admin_assignment(endpoint, account)
    admin = client(endpoint, "sso-admin")
    request = admin.delete_account_assignment(**assignment)["AccountAssignmentDeletionStatus"][
        "RequestId"
    ]
    _wait(
        lambda: admin.describe_account_assignment_deletion_status(
            InstanceArn=assignment["InstanceArn"], AccountAssignmentDeletionRequestId=request
        )["AccountAssignmentDeletionStatus"]
    )
    return assignment


def _reassign_admins(
    endpoint: str, account: str, region: str | None, assignment: dict[str, str]
) -> None:
    _assign(endpoint, assignment)


def _assign(endpoint: str, assignment: dict[str, str]) -> None:
    """CreateAccountAssignment and wait for it."""
    admin = client(endpoint, "sso-admin")
    request = admin.create_account_assignment(**assignment)["AccountAssignmentCreationStatus"][
        "RequestId"
    ]
    _wait(
        lambda: admin.describe_account_assignment_creation_status(
            InstanceArn=assignment["InstanceArn"], AccountAssignmentCreationRequestId=request
        )["AccountAssignmentCreationStatus"]
    )


def _set_session(endpoint: str, name: str, duration: str) -> str:
    """Set a permission set's session duration and re-provision it; returns the old duration."""
    admin, instance, _ = _instance(endpoint)
    found = _permission_set(admin, instance, name)
    admin.update_permission_set(
        InstanceArn=instance, PermissionSetArn=found["PermissionSetArn"], SessionDuration=duration
    )
    request = admin.provision_permission_set(
        InstanceArn=instance,
        PermissionSetArn=found["PermissionSetArn"],
        TargetType="ALL_PROVISIONED_ACCOUNTS",
    )
    request_id = request["PermissionSetProvisioningStatus"]["RequestId"]
    _wait(
        lambda: admin.describe_permission_set_provisioning_status(
            InstanceArn=instance, ProvisionPermissionSetRequestId=request_id
        )["PermissionSetProvisioningStatus"]
    )
    return found.get("SessionDuration", "PT1H")


def _lengthen_session(endpoint: str, account: str, region: str | None) -> str:
    return _set_session(endpoint, ADMIN_SET, "PT12H")


def _restore_session(endpoint: str, account: str, region: str | None, duration: str) -> None:
    _set_session(endpoint, ADMIN_SET, duration)


def _iam_user_with_key(endpoint: str, account: str, region: str | None) -> None:
    iam = client(endpoint, "iam", account)
    iam.create_user(UserName=DRIFT_USER)
    iam.create_access_key(UserName=DRIFT_USER)


def _delete_iam_user(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    iam = client(endpoint, "iam", account)
    for key in iam.list_access_keys(UserName=DRIFT_USER)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=DRIFT_USER, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=DRIFT_USER)


def _snapshot(endpoint: str, admin: Any, instance: str, store_id: str) -> dict[str, Any]:
    """Everything deleting the instance deletes, by name: groups, users, memberships, permission sets
    and account assignments."""
    store = client(endpoint, "identitystore")
    groups = store.list_groups(IdentityStoreId=store_id)["Groups"]
    users = store.list_users(IdentityStoreId=store_id)["Users"]
    user_names = {u["UserId"]: u["UserName"] for u in users}
    group_names = {g["GroupId"]: g["DisplayName"] for g in groups}
    members = {
        g["DisplayName"]: [
            user_names[m["MemberId"]["UserId"]]
            for m in store.list_group_memberships(IdentityStoreId=store_id, GroupId=g["GroupId"])[
                "GroupMemberships"
            ]
        ]
        for g in groups
    }
    sets = []
    for arn in admin.list_permission_sets(InstanceArn=instance)["PermissionSets"]:
        found = admin.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)[
            "PermissionSet"
        ]
        sets.append(
            {
                "arn": arn,
                "Name": found["Name"],
                "Description": found.get("Description"),
                "SessionDuration": found.get("SessionDuration"),
                "managed": [
                    p["Arn"]
                    for p in admin.list_managed_policies_in_permission_set(
                        InstanceArn=instance, PermissionSetArn=arn
                    )["AttachedManagedPolicies"]
                ],
            }
        )
    accounts = [a["Id"] for a in client(endpoint, "organizations").list_accounts()["Accounts"]]
    assignments = []
    for account in accounts:
        for found in sets:
            for row in admin.list_account_assignments(
                InstanceArn=instance, AccountId=account, PermissionSetArn=found["arn"]
            )["AccountAssignments"]:
                names = group_names if row["PrincipalType"] == "GROUP" else user_names
                assignments.append(
                    (account, found["Name"], row["PrincipalType"], names[row["PrincipalId"]])
                )
    return {
        "groups": [{k: g[k] for k in ("DisplayName", "Description") if g.get(k)} for g in groups],
        "users": [
            {k: u[k] for k in ("UserName", "DisplayName", "Name", "Emails") if u.get(k)}
            for u in users
        ],
        "members": members,
        "sets": sets,
        "assignments": assignments,
    }


def _delete_instance(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    admin, instance, store_id = _instance(endpoint)
    snapshot = _snapshot(endpoint, admin, instance, store_id)
    admin.delete_instance(InstanceArn=instance)
    return snapshot


def _reenable_and_rebuild(
    endpoint: str, account: str, region: str | None, snapshot: dict[str, Any]
) -> None:
    """Enable the organization instance again (console only: the control endpoint) and rebuild it."""
    control(endpoint, "/_sandbox/identity-center", {"enabled": True})
    admin, instance, store_id = _instance(endpoint)
    store = client(endpoint, "identitystore")
    groups = {
        g["DisplayName"]: store.create_group(IdentityStoreId=store_id, **g)["GroupId"]
        for g in snapshot["groups"]
    }
    users = {
        u["UserName"]: store.create_user(IdentityStoreId=store_id, **u)["UserId"]
        for u in snapshot["users"]
    }
    for group, names in snapshot["members"].items():
        for name in names:
            store.create_group_membership(
                IdentityStoreId=store_id, GroupId=groups[group], MemberId={"UserId": users[name]}
            )
    sets = {}
    for found in snapshot["sets"]:
        params = {k: found[k] for k in ("Name", "Description", "SessionDuration") if found.get(k)}
        arn = admin.create_permission_set(InstanceArn=instance, **params)["PermissionSet"][
            "PermissionSetArn"
        ]
        for policy in found["managed"]:
            admin.attach_managed_policy_to_permission_set(
                InstanceArn=instance, PermissionSetArn=arn, ManagedPolicyArn=policy
            )
        sets[found["Name"]] = arn
    for target, name, kind, principal in snapshot["assignments"]:
        _assign(
            endpoint,
            {
                "InstanceArn": instance,
                "TargetId": target,
                "TargetType": "AWS_ACCOUNT",
                "PermissionSetArn": sets[name],
                "PrincipalType": kind,
                "PrincipalId": (groups if kind == "GROUP" else users)[principal],
            },
        )


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "identity-center.instance",
        "management",
        None,
        "the organization's IAM Identity Center instance is deleted (DeleteInstance) with all it holds",
        _delete_instance,
        _reenable_and_rebuild,
    ),
    Drift(
        "identity-center.admin-group-everywhere",
        "management",
        None,
        "the Administrators group's AdministratorAccess assignment on the management account is deleted",
        _unassign_admins,
        _reassign_admins,
    ),
    Drift(
        "identity-center.admin-group-everywhere",
        "prod",
        None,
        "the Administrators group's AdministratorAccess assignment on a member account is deleted",
        _unassign_admins,
        _reassign_admins,
    ),
    Drift(
        "identity-center.session-durations",
        "management",
        None,
        "the AdministratorAccess permission set's session is raised to 12 hours and re-provisioned",
        _lengthen_session,
        _restore_session,
    ),
    Drift(
        "identity-center.no-member-iam-users",
        "prod",
        None,
        "an IAM user with an access key is created in a member account",
        _iam_user_with_key,
        _delete_iam_user,
    ),
)
