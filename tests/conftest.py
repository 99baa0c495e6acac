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


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path, monkeypatch):
    """Each test has its own user state directory (platformdirs reads XDG_STATE_HOME), so the
    per-account locks there never meet another test's, or another checkout's test run."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
