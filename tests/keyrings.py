"""The OS keychain stand-ins for tests: real keyring backends whose entries live in this process.

Usable in a subprocess too: PYTHONPATH=<repo root>, PYTHON_KEYRING_BACKEND=tests.keyrings.MemoryKeyring.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A keychain in memory; deleting a missing entry fails, as with the OS keychains."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    """A keychain that refuses every access (locked, or no Secret Service running)."""

    def get_password(self, service, username):
        raise KeyringError("the keychain is locked")
