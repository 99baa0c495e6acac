"""Drifts of the root-mfa step's checks (root facts are set through the sandbox's control endpoint)."""

from __future__ import annotations

from typing import Any

from ..plain import control, root_client
from . import Drift


def _root_keys(endpoint: str, account: str, region: str | None) -> None:
    control(endpoint, "/_sandbox/root", {"account": account, "access_keys": True})


def _no_root_keys(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    control(endpoint, "/_sandbox/root", {"account": account, "access_keys": False})


def _mfa_off(endpoint: str, account: str, region: str | None) -> None:
    control(endpoint, "/_sandbox/root", {"account": account, "mfa": False})


def _mfa_on(endpoint: str, account: str, region: str | None, memento: Any) -> None:
    control(endpoint, "/_sandbox/root", {"account": account, "mfa": True})


def _root_key_used(endpoint: str, account: str, region: str | None) -> None:
    """A root access key is created and used for an API call (its last use is in the credential report)."""
    key = control(endpoint, "/_sandbox/root", {"account": account, "access_keys": True})[
        "access_key"
    ]
    root_client(endpoint, "s3", key).list_buckets()


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "root.no-access-keys",
        "management",
        None,
        "the management root user has an access key",
        _root_keys,
        _no_root_keys,
        in_drifted_seed=True,
    ),
    Drift(
        "root.mfa-enabled",
        "management",
        None,
        "the root user's MFA device is removed (console)",
        _mfa_off,
        _mfa_on,
    ),
    Drift(
        "root.hardware-mfa",
        "management",
        None,
        "the root user's MFA device is removed (console), so it has no MFA at all",
        _mfa_off,
        _mfa_on,
    ),
    Drift(
        "root.not-used-recently",
        "management",
        None,
        "a root access key is created and used to call AWS (S3 ListBuckets)",
        _root_key_used,
        _no_root_keys,
    ),
)
