"""Two `bootstrap-tui apply` processes on one state file: the second is refused, naming the first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Iterator

import pytest

from bootstrap_tui.errors import EXIT_USAGE
from bootstrap_tui.sandbox.testing import client_environment, running_sandbox
from bootstrap_tui.state import read_state_file

APPLY = ("apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails")
CLI = str(Path(sys.executable).with_name("bootstrap-tui"))


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Environment for bootstrap-tui subprocesses aimed at a fresh in-process sandbox."""
    home = tmp_path_factory.mktemp("home")
    with running_sandbox(op_delay_s=0.3) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(client_environment(sandbox.endpoint))
        env.update(
            HOME=str(home),
            XDG_STATE_HOME=str(home / "state"),
            AWS_CONFIG_FILE=str(home / "aws-config"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        yield env


def start(env: dict[str, str], state: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CLI, "--state-file", str(state), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock(state: Path, pid: int, timeout: float = 120) -> None:
    """Until process `pid` holds the state file's lock (it writes its pid into the lock file)."""
    lock = state.with_name(state.name + ".lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never took the lock {lock}")


@pytest.mark.slow
def test_second_apply_is_refused_and_first_completes(cli_env, tmp_path):
    state = tmp_path / "state.yaml"
    first = start(cli_env, state, *APPLY)
    try:
        wait_for_lock(state, first.pid)
        second = start(cli_env, state, *APPLY)
        out, err = second.communicate(timeout=120)
        assert first.poll() is None, "the first apply ended before the second one was refused"
    finally:
        _, first_err = first.communicate(timeout=600)
    assert second.returncode == EXIT_USAGE
    assert err.startswith(
        f"bootstrap-tui: another bootstrap-tui run (process {first.pid}) holds "
        f"the state file {state}\n"
    )
    assert "Traceback" not in err and "==>" not in err and out == ""
    assert first.returncode == 0, first_err[-2000:]
    assert "==> security-services" in first_err
    assert read_state_file(state)["steps"]["security-services"]["status"] == "applied"
    plan = subprocess.run(
        [CLI, "--state-file", str(state), "plan", "--format", "json"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert plan.returncode == 0, plan.stderr
    assert [p["step"] for p in json.loads(plan.stdout)["plans"] if p["changes"]] == []
