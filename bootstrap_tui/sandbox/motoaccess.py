"""Small helpers over moto's in-process backends (the sandbox runs moto in-process)."""

from __future__ import annotations

import json
from typing import Any

CONTROL_TOWER_ROLES = (
    "AWSControlTowerAdmin",
    "AWSControlTowerCloudTrailRole",
    "AWSControlTowerStackSetRole",
    "AWSControlTowerConfigAggregatorRoleForOrganizations",
)


def account_for_key(access_key: str | None, default: str) -> str:
    """The account that owns ``access_key`` (moto's mapping), else ``default``."""
    if not access_key:
        return default
    from .patches import account_id_from

    return account_id_from(access_key)


def caller_arn(access_key: str | None, account: str) -> str:
    """The ARN AWS would print for the caller in an AccessDenied message."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    if access_key:
        for role in list(sts_backends[account]["aws"].assumed_roles):
            if role.access_key_id == access_key:
                return role.arn
        user = iam_backends[account]["aws"].get_user_from_access_key_id(access_key)
        if user is not None:
            return user.arn
    return f"arn:aws:sts::{account}:user/moto"


def iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def role(account: str, name: str) -> Any:
    """moto's Role ``name`` in ``account``, or None."""
    for candidate in list(iam(account).roles.values()):
        if candidate.name == name:
            return candidate
    return None


def create_access_role(account: str, name: str, management: str) -> None:
    """The role Organizations creates in an account it creates: AdministratorAccess, trusting
    the management account (Organizations User Guide, "Accessing member accounts"). moto
    creates the role without its policy."""
    backend = iam(account)
    if role(account, name) is None:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        backend.create_role(name, json.dumps(trust), "/", None, "", [], None)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    attached, _ = backend.list_attached_role_policies(name)
    if admin not in {p.arn for p in attached}:
        backend.attach_role_policy(admin, name)


def organizations(account: str) -> Any:
    from moto.organizations.models import organizations_backends

    return organizations_backends[account]["aws"]


def org_management_account(account: str) -> str | None:
    """The management account of ``account``'s organization, or None."""
    from moto.organizations.models import organizations_backends

    if organizations(account).org is not None:
        return account
    owner = organizations_backends.master_accounts.get(account)
    return owner[0] if owner else None


def organization(account: str) -> Any:
    """moto's FakeOrganization that ``account`` belongs to, or None."""
    management = org_management_account(account)
    return organizations(management).org if management else None


def org_accounts(management: str) -> list[Any]:
    return list(organizations(management).accounts)


def is_delegated_admin(account: str, service_principal: str | None = None) -> bool:
    management = org_management_account(account)
    if not management:
        return False
    for admin in organizations(management).admins:
        if admin.account.id == account and (
            service_principal is None or service_principal in admin.services
        ):
            return True
    return False


def register_delegated_admin(management: str, account: str, service_principal: str) -> None:
    """Register ``account`` as delegated administrator; ignore if already registered."""
    from moto.organizations.exceptions import AccountAlreadyRegisteredException

    try:
        organizations(management).register_delegated_administrator(
            AccountId=account, ServicePrincipal=service_principal
        )
    except AccountAlreadyRegisteredException:
        pass


def enable_service_access(management: str, service_principal: str) -> None:
    """Turn on trusted access as a service does for itself (EnableAWSServiceAccess is idempotent)."""
    organizations(management).enable_aws_service_access(ServicePrincipal=service_principal)


def missing_roles(account: str, names: tuple[str, ...] = CONTROL_TOWER_ROLES) -> list[str]:
    backend = iam(account)
    present = {role.name for role in backend.roles.values()}
    return [name for name in names if name not in present]


def known_accounts(management: str) -> list[str]:
    management_org = organizations(management)
    ids = [management] + [a.id for a in management_org.accounts if a.id != management]
    return ids
