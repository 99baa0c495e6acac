"""Shared helpers of the reliability matrix: an in-process sandbox, the CLI as a real
subprocess with an isolated environment, engines, and the state and request-log readers.

Fixtures here are generic and none is autouse; any test module in this directory may
use them. moto keeps one state per process, so `sandbox` reuses (and resets) a sandbox
another module left running instead of starting a second one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OP_DELAY_S = 0.05
CLI_TIMEOUT_S = 300
APPLY = ("apply", "--yes", "--simulate-console")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """One in-process sandbox for the module (seed fresh, no faults, short operations)."""
    from bootstrap_tui.sandbox import server
    from bootstrap_tui.sandbox.testing import running_sandbox

    running = server._running
    if running is not None:
        reset_sandbox(running)
        yield running
        return
    with running_sandbox(op_delay_s=OP_DELAY_S) as box:
        yield box


def reset_sandbox(box: Any, seed: str = "fresh", accounts: int = 0) -> Any:
    """Forget everything, reseed, and switch faults and latency off."""
    box.configure(latency_ms=0, faults="", op_delay_s=OP_DELAY_S)
    box.reset(seed=seed, accounts=accounts)
    clear_requests(box.endpoint)
    return box


def isolated_env(home: Path, endpoint: str | None = None, **extra: str) -> dict[str, str]:
    """An environment with no AWS configuration of the machine: HOME, the AWS config and
    credentials files point into `home`, instance metadata is off, and (with `endpoint`)
    every AWS call goes to it with the sandbox's dummy keys. `extra` adds or, with an
    empty value, removes variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "BOOTSTRAP_TUI_"))
    }
    env.update(
        {
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
            "XDG_STATE_HOME": str(home / ".local" / "state"),
        }
    )
    if endpoint:
        env.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
            }
        )
    for key, value in extra.items():
        if value == "":
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(
    *args: str, env: dict[str, str], timeout: float = CLI_TIMEOUT_S, **kwargs: Any
) -> subprocess.CompletedProcess:
    """`python -m bootstrap_tui ARGS` as a real process; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "bootstrap_tui", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`python -m bootstrap_tui ARGS` started in the background (stdout/stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bootstrap_tui", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def error_lines(stderr: str) -> list[str]:
    """The lines of the final error report: from the last 'bootstrap-tui:' line on."""
    lines = stderr.rstrip("\n").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("bootstrap-tui:")]
    return lines[starts[-1] :] if starts else []


def make_engine(endpoint: str, state_file: Path, **options: Any) -> Any:
    """A connected Engine on `endpoint` (startup-minimal, console simulated)."""
    from bootstrap_tui.engine import Engine, Options

    options.setdefault("simulate_console", True)
    engine = Engine(Options(endpoint_url=endpoint, state_file=state_file, **options))
    engine.connect()
    return engine


def read_state(path: Path) -> dict[str, Any]:
    """The state file through the product's own validating loader."""
    from bootstrap_tui.state import read_state_file

    return read_state_file(path)


def _control(endpoint: str, path: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(endpoint.rstrip("/") + path, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def requests_seen(endpoint: str) -> dict[str, Any]:
    """The sandbox's request log: {"total", "requests": {"service:Operation": n}, ...}."""
    return _control(endpoint, "/_sandbox/requests")


def clear_requests(endpoint: str) -> None:
    _control(endpoint, "/_sandbox/requests", method="DELETE")


def sandbox_info(endpoint: str) -> dict[str, Any]:
    return _control(endpoint, "/_sandbox/info")


def account_names(endpoint: str) -> dict[str, str]:
    """Account id -> account name of the sandbox's organization (management included)."""
    return {
        a["id"]: a.get("name") or ("management" if a["management"] else a["id"])
        for a in sandbox_info(endpoint)["accounts"]
    }


def count_faults(box: Any) -> Any:
    """Count, by error code, the faults the sandbox injects from now until its next
    `configure` (a pass-through spy on its fault injector); returns the live Counter."""
    from collections import Counter

    injector = box.app.faults
    counts: Counter = Counter()
    if injector is None:
        return counts
    decide = injector.fault_for

    def counted(call: Any, caller_arn: Any) -> Any:
        fault = decide(call, caller_arn)
        if fault is not None:
            counts[fault.code] += 1
        return fault

    injector.fault_for = counted
    return counts
