"""Drifts of the accounts step's checks."""

from __future__ import annotations

from ..plain import client
from . import Drift


def _move_to_root(endpoint: str, account: str, region: str | None) -> str:
    """Move the Staging account out of its OU to the organization root."""
    from ..seeds import account_ids_by_key

    org = client(endpoint, "organizations")
    staging = account_ids_by_key(endpoint)["staging"]
    parent = org.list_parents(ChildId=staging)["Parents"][0]["Id"]
    org.move_account(AccountId=staging, SourceParentId=parent,
                     DestinationParentId=org.list_roots()["Roots"][0]["Id"])
    return parent


def _move_back(endpoint: str, account: str, region: str | None, parent: str) -> None:
    from ..seeds import account_ids_by_key

    org = client(endpoint, "organizations")
    staging = account_ids_by_key(endpoint)["staging"]
    org.move_account(AccountId=staging, SourceParentId=org.list_roots()["Roots"][0]["Id"],
                     DestinationParentId=parent)


DRIFTS: tuple[Drift, ...] = (
    Drift("accounts.in-ou", "management", None, "the Staging account is moved out of Workloads/NonProd to the root",
          _move_to_root, _move_back),
)
