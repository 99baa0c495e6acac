"""Drifts of the bootstrap-cleanup step's checks.

The keychain drift writes to the keyring backend of the process that runs verify: tests run it
with an in-memory backend (tests/sandbox/drift_proofs.py), never the OS keychain.
"""

from __future__ import annotations

from typing import Any

from ..plain import client
from . import Drift

USER = "contractor-ci"


def _user_with_key(endpoint: str, account: str, region: str | None) -> str:
    iam = client(endpoint, "iam", account)
    iam.create_user(UserName=USER)
    iam.create_access_key(UserName=USER)
    return USER


def _delete_user(endpoint: str, account: str, region: str | None, name: str) -> None:
    iam = client(endpoint, "iam", account)
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)


def _key_left_in_keychain(endpoint: str, account: str, region: str | None) -> Any:
    """The bootstrap user's access key is stored in the keychain and never removed."""
    from bootstrap_tui.aws import keychain

    before = keychain.load_bootstrap_keys()
    iam = client(endpoint, "iam", account)
    iam.create_user(UserName="bootstrap-admin")
    key = iam.create_access_key(UserName="bootstrap-admin")["AccessKey"]
    keychain.store_bootstrap_keys(key["AccessKeyId"], key["SecretAccessKey"])
    return before, key["UserName"], key["AccessKeyId"]


def _clear_keychain(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    from bootstrap_tui.aws import keychain

    before, user, key_id = memento
    keychain.delete_bootstrap_keys()
    if before:
        keychain.store_bootstrap_keys(*before)
    iam = client(endpoint, "iam", account)
    iam.delete_access_key(UserName=user, AccessKeyId=key_id)
    iam.delete_user(UserName=user)


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "bootstrap-cleanup.no-iam-users",
        "management",
        None,
        "an IAM user with an active access key is created in the management account",
        _user_with_key,
        _delete_user,
    ),
    Drift(
        "bootstrap-cleanup.keychain-empty",
        "management",
        None,
        "a bootstrap IAM user's access key is left in the OS keychain after SSO works",
        _key_left_in_keychain,
        _clear_keychain,
    ),
)
