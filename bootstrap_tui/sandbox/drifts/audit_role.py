"""Drifts of the accounts step's audit-role check."""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _admin_on_audit_role(endpoint: str, account: str, region: str | None) -> None:
    client(endpoint, "iam", account).attach_role_policy(
        RoleName="bootstrap-tui-audit", PolicyArn=ADMIN
    )


def _detach_admin(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    client(endpoint, "iam", account).detach_role_policy(
        RoleName="bootstrap-tui-audit", PolicyArn=ADMIN
    )


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "accounts.audit-role",
        "audit",
        None,
        "AdministratorAccess is attached to the read-only audit role in the Audit account",
        _admin_on_audit_role,
        _detach_admin,
    ),
)
