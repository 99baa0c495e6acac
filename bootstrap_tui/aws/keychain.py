"""Bootstrap IAM user keys in the OS keychain (via keyring); never written anywhere else."""

from __future__ import annotations

import json
import re

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from bootstrap_tui.errors import AwsError

SERVICE = "bootstrap-tui"
USERNAME = "bootstrap-user"
_ACCESS_KEY = re.compile(r"^[A-Z0-9]{16,128}$")


def _keychain_error(exc: Exception) -> AwsError:
    return AwsError(
        f"the OS keychain is not available ({type(exc).__name__}: {exc})",
        "install or unlock a keychain (macOS Keychain, Windows Credential Manager, or "
        "Secret Service/KWallet on Linux), or use an AWS profile (--aws-profile) instead",
        kind="credentials",
        code="KeychainUnavailable",
    )


def store_bootstrap_keys(
    access_key_id: str, secret_access_key: str, service: str = SERVICE
) -> None:
    """Save the bootstrap user's access key in the keychain (replacing any previous one)."""
    access_key_id = (access_key_id or "").strip()
    secret_access_key = (secret_access_key or "").strip()
    if not _ACCESS_KEY.match(access_key_id):
        raise AwsError(
            "that does not look like an AWS access key id (AKIA… or ASIA…)",
            "copy the Access key ID shown when the key was created",
            kind="config",
        )
    if not secret_access_key or any(c.isspace() for c in secret_access_key):
        raise AwsError(
            "the secret access key is empty or contains spaces",
            "copy the Secret access key shown when the key was created",
            kind="config",
        )
    payload = json.dumps(
        {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret_access_key}
    )
    try:
        keyring.set_password(service, USERNAME, payload)
    except KeyringError as exc:
        raise _keychain_error(exc) from None


def load_bootstrap_keys(service: str = SERVICE) -> tuple[str, str] | None:
    """(access key id, secret access key) from the keychain, or None when none are stored."""
    try:
        payload = keyring.get_password(service, USERNAME)
    except KeyringError as exc:
        raise _keychain_error(exc) from None
    if not payload:
        return None
    try:
        data = json.loads(payload)
        return data["aws_access_key_id"], data["aws_secret_access_key"]
    except (ValueError, KeyError, TypeError):
        raise AwsError(
            f"the keychain entry '{service}' is not in the format bootstrap-tui wrote",
            "delete it and store the bootstrap keys again",
            kind="credentials",
            code="KeychainCorrupt",
        ) from None


def delete_bootstrap_keys(service: str = SERVICE) -> bool:
    """Remove the stored keys; False when there were none."""
    try:
        if keyring.get_password(service, USERNAME) is None:
            return False
        keyring.delete_password(service, USERNAME)
        return True
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise _keychain_error(exc) from None


def has_bootstrap_keys(service: str = SERVICE) -> bool:
    """True when bootstrap keys are stored (False also when no keychain is available)."""
    try:
        return keyring.get_password(service, USERNAME) is not None
    except KeyringError:
        return False
