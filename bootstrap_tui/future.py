"""Planning ahead: what the earlier steps' plans will create, for the later steps to plan against.

`bootstrap-tui plan` plans every step before anything is applied. The organization and accounts
steps' plans say what they create (the organization, its OUs, the profile's accounts); later steps
plan against that projection: a future account has an id only once it exists, so it is shown as a
placeholder such as ``<Log Archive, to be created>`` and is treated as a brand-new, empty account
(no AWS call ever goes to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_SUFFIX = ", to be created>"


def placeholder(name: str) -> str:
    """The stand-in id of something that does not exist yet."""
    return f"<{name}{_SUFFIX}"


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<") and value.endswith(_SUFFIX)


@dataclass
class Projection:
    """What the organization and accounts steps' plans will create."""

    organization: bool = False  # the organization itself does not exist yet
    ous: list[str] = field(default_factory=list)  # OU paths still to be created
    accounts: list[dict[str, Any]] = field(default_factory=list)  # accounts still to be created

    def learn(self, plan: Any, answers: dict[str, Any], profile: Any) -> None:
        """Take in what one step's plan creates."""
        if plan.step_id == "organization":
            self.organization = any(
                c.action == "create" and c.resource == "organization" for c in plan.changes
            )
            self.ous = [
                c.name
                for c in plan.changes
                if c.action == "create" and c.resource == "organizational unit"
            ]
        elif plan.step_id == "accounts":
            for change in plan.changes:
                key = change.data.get("key")
                if (
                    change.resource not in ("account", "account creation")
                    or change.action not in ("create", "resume")
                    or not key
                ):
                    continue
                spec = profile.account(key)
                self.accounts.append(
                    {
                        "Id": placeholder(change.name),
                        "Name": change.name,
                        "key": key,
                        "Email": answers.get(f"{key}_email") or "",
                        "Status": "ACTIVE",
                        "ou": getattr(spec, "ou", None),
                    }
                )

    def ou(self, path: str) -> dict[str, str] | None:
        """A future OU as resolve_targets returns an existing one."""
        return {"Id": placeholder(f"OU {path}"), "Name": path} if path in self.ous else None

    def account_keys(self) -> dict[str, str]:
        """Placeholder id -> profile account key."""
        return {a["Id"]: a["key"] for a in self.accounts}
