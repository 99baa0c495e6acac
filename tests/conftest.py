"""Fixtures every test directory can use."""
from __future__ import annotations

import keyring
import pytest

from tests.keyrings import MemoryKeyring


@pytest.fixture
def memory_keyring():
    """The process's keyring is a fresh MemoryKeyring for the test (then restored)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
