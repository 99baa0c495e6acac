"""Who the credentials belong to, and the refusal to automate as the root user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bootstrap_tui.aws.errors import map_error
from bootstrap_tui.errors import BootstrapError, RefusedError


@dataclass(frozen=True)
class Identity:
    account_id: str
    arn: str
    user_id: str

    @property
    def is_root(self) -> bool:
        return self.arn.endswith(":root")

    @property
    def is_sso_role(self) -> bool:
        return ":assumed-role/AWSReservedSSO_" in self.arn

    @property
    def principal_name(self) -> str:
        """ "root", the IAM user name, or "role/session" for an assumed role."""
        if self.is_root:
            return "root"
        resource = self.arn.split(":", 5)[-1]
        kind, _, rest = resource.partition("/")
        if kind == "assumed-role":
            return rest
        return rest.rsplit("/", 1)[-1] if rest else resource


def whoami(factory: Any) -> Identity:
    """sts:GetCallerIdentity through the factory (cached there); errors come back mapped."""
    try:
        data = factory.caller_identity()
    except BootstrapError:
        raise
    except Exception as exc:
        session = getattr(factory, "session", None)
        profile = getattr(session, "profile_name", None)
        raise map_error(
            exc,
            operation="sts:GetCallerIdentity",
            profile=None if profile == "default" else profile,
        ) from None
    return Identity(account_id=data["Account"], arn=data["Arn"], user_id=data["UserId"])


def refuse_root(identity: Identity | None) -> None:
    """Raise RefusedError when the credentials are the account's root user."""
    if identity is not None and identity.is_root:
        raise RefusedError(
            f"these credentials are the root user of account {identity.account_id}; "
            "bootstrap-tui never runs automated steps as root: root cannot be limited by IAM "
            "policies or SCPs, its keys should not exist at all, and every mistake made as "
            "root is unrestricted",
            "sign in as root in the console only to create a temporary bootstrap IAM user "
            "(AdministratorAccess, access key kept in the OS keychain), delete any root access "
            "keys, then run again with that user; once IAM Identity Center is set up, use "
            "`aws sso login --profile NAME` and --aws-profile NAME",
        )
