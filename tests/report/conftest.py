"""A drifted-seed sandbox shared by the report tests that drive the real CLI.

The drifted seed is documented (docs/sandbox.md): the compliant organization, then the
management root user loses MFA and gets access keys, GuardDuty is deleted in us-west-2 and
the password policy is removed, so `--step root-mfa` always fails."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import pytest

from bootstrap_tui.sandbox.testing import client_environment, running_sandbox

CLI = [sys.executable, "-m", "bootstrap_tui"]


@pytest.fixture(scope="package")
def sandbox():
    """One sandbox (drifted seed: management, Log Archive and Audit accounts) for the
    package; tests that change it (faults, root facts) put it back."""
    with running_sandbox(seed="drifted", accounts=0, op_delay_s=0.1) as box:
        yield box


@pytest.fixture
def cli_env(sandbox, tmp_path):
    """Environment for a CLI subprocess aimed at the sandbox, with no colour preference."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(client_environment(sandbox.endpoint))
    env.update(
        {
            "HOME": str(tmp_path),
            "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
            "TERM": "xterm-256color",
            "AWS_MAX_ATTEMPTS": "2",
        }
    )
    return env


def aim_at_sandbox(mp: pytest.MonkeyPatch, sandbox, home) -> None:
    """This process's environment aimed at the sandbox, with `home` as HOME (for in-process
    cli.main): no AWS_* or NO_COLOR from the caller's shell."""
    for key in [k for k in os.environ if k.startswith("AWS_")] + ["NO_COLOR"]:
        mp.delenv(key, raising=False)
    for key, value in {
        **client_environment(sandbox.endpoint),
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "xdg-state"),
    }.items():
        mp.setenv(key, value)


@pytest.fixture
def in_sandbox_env(sandbox, monkeypatch, tmp_path):
    """The current process's environment aimed at the sandbox (for in-process cli.main)."""
    aim_at_sandbox(monkeypatch, sandbox, tmp_path)
    return sandbox


def member_accounts(sandbox) -> dict[str, str]:
    """{account name: id} of the sandbox's member accounts."""
    return {a["name"]: a["id"] for a in sandbox.info()["accounts"] if not a["management"]}


@contextmanager
def root_fixed(sandbox):
    """The management root user temporarily as the compliant seed has it (MFA, no keys)."""
    mgmt = sandbox.management_account_id
    sandbox.set_root(mgmt, mfa=True, access_keys=False)
    try:
        yield
    finally:
        sandbox.set_root(mgmt, mfa=False, access_keys=True)
