"""Drifts of the identity-center step's checks (IAM Identity Center lives in the management account,
home region; account assignments and permission-set changes are asynchronous requests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..plain import client
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
        described = admin.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]
        if described["Name"] == name:
            return described
    raise LookupError(f"no permission set {name}")


def _admin_assignment(endpoint: str, account: str) -> dict[str, str]:
    admin, instance, store = _instance(endpoint)
    groups = client(endpoint, "identitystore").list_groups(IdentityStoreId=store)["Groups"]
    group = next(g["GroupId"] for g in groups if g["DisplayName"] == ADMIN_GROUP)
    return {"InstanceArn": instance, "TargetId": account, "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": _permission_set(admin, instance, ADMIN_SET)["PermissionSetArn"],
            "PrincipalType": "GROUP", "PrincipalId": group}


def _unassign_admins(endpoint: str, account: str, region: str | None) -> dict[str, str]:
    assignment = _admin_assignment(endpoint, account)
    admin = client(endpoint, "sso-admin")
    request = admin.delete_account_assignment(**assignment)["AccountAssignmentDeletionStatus"]["RequestId"]
    _wait(lambda: admin.describe_account_assignment_deletion_status(
        InstanceArn=assignment["InstanceArn"],
        AccountAssignmentDeletionRequestId=request)["AccountAssignmentDeletionStatus"])
    return assignment


def _reassign_admins(endpoint: str, account: str, region: str | None, assignment: dict[str, str]) -> None:
    admin = client(endpoint, "sso-admin")
    request = admin.create_account_assignment(**assignment)["AccountAssignmentCreationStatus"]["RequestId"]
    _wait(lambda: admin.describe_account_assignment_creation_status(
        InstanceArn=assignment["InstanceArn"],
        AccountAssignmentCreationRequestId=request)["AccountAssignmentCreationStatus"])


def _set_session(endpoint: str, name: str, duration: str) -> str:
    """Set a permission set's session duration and re-provision it; returns the old duration."""
    admin, instance, _ = _instance(endpoint)
    found = _permission_set(admin, instance, name)
    admin.update_permission_set(InstanceArn=instance, PermissionSetArn=found["PermissionSetArn"],
                                SessionDuration=duration)
    request = admin.provision_permission_set(InstanceArn=instance, PermissionSetArn=found["PermissionSetArn"],
                                             TargetType="ALL_PROVISIONED_ACCOUNTS")
    request_id = request["PermissionSetProvisioningStatus"]["RequestId"]
    _wait(lambda: admin.describe_permission_set_provisioning_status(
        InstanceArn=instance, ProvisionPermissionSetRequestId=request_id)["PermissionSetProvisioningStatus"])
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


DRIFTS: tuple[Drift, ...] = (
    Drift("identity-center.admin-group-everywhere", "management", None,
          "the Administrators group's AdministratorAccess assignment on the management account is deleted",
          _unassign_admins, _reassign_admins),
    Drift("identity-center.admin-group-everywhere", "prod", None,
          "the Administrators group's AdministratorAccess assignment on a member account is deleted",
          _unassign_admins, _reassign_admins),
    Drift("identity-center.session-durations", "management", None,
          "the AdministratorAccess permission set's session is raised to 12 hours and re-provisioned",
          _lengthen_session, _restore_session),
    Drift("identity-center.no-member-iam-users", "prod", None,
          "an IAM user with an access key is created in a member account",
          _iam_user_with_key, _delete_iam_user),
)
