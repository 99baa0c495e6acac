"""`bootstrap-tui --sandbox` keeps its fake AWS and its progress between runs (issue 15,
item 2), as a user runs it: real processes, killed mid-apply, started again."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from conftest import APPLY, isolated_env, run_cli, start_cli

NAMES = {"log-archive": "Log Archive", "audit": "Audit", "prod": "Production", "staging": "Staging"}


def _home_state(home: Path) -> Path:
    return home / ".local" / "share" / "bootstrap-tui" / "sandbox" / "state.yaml"


def _env(home: Path, op_delay: str) -> dict[str, str]:
    (home / "tmp").mkdir(exist_ok=True)
    return isolated_env(
        home, BOOTSTRAP_TUI_SANDBOX_OP_DELAY=op_delay, TMPDIR=str(home / "tmp"), XDG_DATA_HOME=""
    )


def _operations(state: Path) -> dict:
    data = yaml.safe_load(state.read_text()) if state.exists() else None
    return ((data or {}).get("steps") or {}).get("accounts", {}).get("operations") or {}


def _wait_for_operations(state: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _operations(state):
            return
        time.sleep(0.2)
    raise AssertionError("accounts never recorded an operation in flight")


def test_killed_mid_apply_the_next_run_resumes_the_operations_in_flight(tmp_path):
    state = _home_state(tmp_path)
    first = start_cli("--sandbox", *APPLY, env=_env(tmp_path, "3600"))
    try:
        _wait_for_operations(state)
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        first.communicate()
    in_flight = list(_operations(state))

    status = run_cli("--sandbox", "status", env=_env(tmp_path, "3600"))
    assert status.returncode == 0, status.stderr
    rows = {line.split()[0]: line for line in status.stdout.splitlines() if line.startswith("  ")}
    assert " applied " in rows["organization"] and " applied " in rows["management-account"]
    assert "in-progress" in rows["accounts"] and all(op in rows["accounts"] for op in in_flight)

    again = run_cli("--sandbox", *APPLY, "--step", "accounts", env=_env(tmp_path, "0.05"))
    assert again.returncode == 0, again.stderr
    assert "blocked" not in again.stderr
    for op in in_flight:  # in flight when killed: polled, never requested again
        assert f"requesting account {NAMES[op.split(':')[1]]} " not in again.stderr, again.stderr
    verify = run_cli("--sandbox", "verify", "--step", "accounts", env=_env(tmp_path, "0.05"))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # no bootstrap-tui-sandbox-* folder


def test_reset_starts_over_and_a_second_run_is_refused_while_one_holds_it(tmp_path):
    env = _env(tmp_path, "0.05")
    applied = run_cli(
        "--sandbox", *APPLY, "--step", "management-account", "--step", "organization", env=env
    )
    assert applied.returncode == 0, applied.stderr
    holder = start_cli("--sandbox", *APPLY, env=_env(tmp_path, "3600"))
    try:
        _wait_for_operations(_home_state(tmp_path))
        busy = run_cli("--sandbox", "status", env=env)
        reset_busy = run_cli("sandbox", "--reset", env=env)
    finally:
        holder.kill()
        holder.communicate()
    for refused in (busy, reset_busy):
        assert refused.returncode == 2, refused.stderr
        assert "the sandbox is in use by another bootstrap-tui --sandbox run" in refused.stderr
        assert "Traceback" not in refused.stderr

    reset = run_cli("sandbox", "--reset", env=env)
    assert reset.returncode == 0 and "sandbox reset" in reset.stdout, reset.stderr
    status = run_cli("--sandbox", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert "0/10 verified" in status.stdout and " applied " not in status.stdout
