"""Overlapped `apply --yes` through the real CLI against a sandbox whose long operations take time.

The order of the steps' start (`==> STEP:`) and end (`  STEP: N change(s) applied`) lines is
what is asserted, never how long anything took.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bootstrap_tui.sandbox.testing import running_sandbox
from tests.steps.cli_runs import Cli

pytestmark = pytest.mark.slow

BRANCHES = ("log-archive", "guardrails", "identity-center")  # each needs only accounts (no CT)
ENDED = r"(\d+ change\(s\) applied|up to date|blocked, nothing done: .*|skipped: .*|failed: .*)"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    with running_sandbox(op_delay_s=0.2) as box:
        yield box


def events(stderr: str) -> list[tuple[str, str]]:
    """("started"|"ended", step) in the order the run printed them."""
    out: list[tuple[str, str]] = []
    for line in stderr.splitlines():
        if m := re.match(r"^==> ([a-z-]+): ", line):
            out.append(("started", m.group(1)))
        elif m := re.match(rf"^  ([a-z-]+): {ENDED}$", line):
            out.append(("ended", m.group(1)))
    return out


def verify_failures(cli: Cli) -> list[str]:
    report = json.loads(cli("verify", "--format", "json").stdout)
    return [
        f"{r['status']} {r['check_id']} {r.get('account')}"
        for r in report["results"]
        if r["status"] in ("FAIL", "ERROR")
    ]


def test_independent_steps_overlap_and_the_run_converges(sandbox, tmp_path: Path):
    sandbox.reset(seed="fresh", accounts=0)
    cli = Cli(sandbox, "startup-minimal", tmp_path)
    run = cli.apply()
    assert run.returncode == 0, run.stderr[-4000:]
    seen = events(run.stderr)
    assert [sid for kind, sid in seen if kind == "started"].count("accounts") == 1
    first_end = min(seen.index(("ended", sid)) for sid in BRANCHES)
    for sid in BRANCHES:  # all three started before any of them ended
        assert seen.index(("started", sid)) < first_end, seen
        assert seen.index(("ended", "accounts")) < seen.index(("started", sid)), seen
    # a step waits for what it needs: security-services for log-archive
    assert seen.index(("ended", "log-archive")) < seen.index(("started", "security-services"))
    assert seen.index(("ended", "identity-center")) < seen.index(("started", "bootstrap-cleanup"))
    assert "Traceback" not in run.stderr
    assert verify_failures(cli) == []


def test_a_failed_branch_stops_new_starts_reports_all_and_resumes(sandbox, tmp_path: Path):
    sandbox.reset(seed="fresh", accounts=0)
    cli = Cli(sandbox, "startup-minimal", tmp_path)
    sandbox.configure(faults="deny=cloudtrail:CreateTrail")
    try:
        run = cli.apply()
    finally:
        sandbox.configure(faults="")
    assert run.returncode != 0, run.stderr[-4000:]
    assert "Traceback" not in run.stderr
    seen = events(run.stderr)
    assert re.search(r"^  log-archive: failed: .*CreateTrail", run.stderr, re.M), run.stderr[-3000:]
    # the branches already running finished and say so; what needs log-archive never started
    for sid in ("guardrails", "identity-center"):
        assert ("ended", sid) in seen, seen
    assert ("started", "security-services") not in seen
    not_started = re.search(r"^not started after the failure: (.*) \(apply again", run.stderr, re.M)
    assert not_started and "security-services" in not_started.group(1), run.stderr[-2000:]
    tail = run.stderr.split("not started after the failure:", 1)[1]
    assert re.search(r"^bootstrap-tui: .*CreateTrail", tail, re.M), tail  # the exit's own error

    again = cli.apply()
    assert again.returncode == 0, again.stderr[-4000:]
    assert ("started", "security-services") in events(again.stderr)
    assert verify_failures(cli) == []


def test_sequential_applies_one_step_after_the_other(sandbox, tmp_path: Path):
    sandbox.reset(seed="fresh", accounts=0)
    cli = Cli(sandbox, "startup-minimal", tmp_path)
    run = cli(
        "apply",
        "--yes",
        "--simulate-console",
        "--confirm-destructive",
        "guardrails",
        "--sequential",
    )
    assert run.returncode == 0, run.stderr[-4000:]
    seen = events(run.stderr)
    kinds = [kind for kind, _ in seen]
    assert kinds == ["started", "ended"] * (len(kinds) // 2), seen
    assert [sid for kind, sid in seen if kind == "started"][:4] == [
        "management-account",
        "root-mfa",
        "organization",
        "accounts",
    ]


def test_ctrl_c_mid_overlap_stops_every_running_step_and_apply_resumes(sandbox, tmp_path: Path):
    import signal
    import subprocess

    from bootstrap_tui.state import read_state_file

    sandbox.reset(seed="fresh", accounts=0)
    cli = Cli(sandbox, "startup-minimal", tmp_path)
    args = ["apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails"]
    proc = subprocess.Popen(
        [*cli.base, *args],
        env=cli.env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    started: set[str] = set()
    for line in proc.stderr:
        lines.append(line)
        if m := re.match(r"^==> ([a-z-]+): ", line):
            started.add(m.group(1))
        if set(BRANCHES) <= started:
            proc.send_signal(signal.SIGINT)
            break
    lines += proc.stderr.readlines()
    assert proc.wait(timeout=120) == 130, "".join(lines[-20:])
    stderr = "".join(lines)
    assert "Traceback" not in stderr
    steps = read_state_file(tmp_path / "state.yaml")["steps"]
    # stopped while planning (planned) or applying (in-progress): an interrupt is no failure
    statuses = {sid: steps[sid]["status"] for sid in BRANCHES}
    assert set(statuses.values()) <= {"planned", "in-progress", "applied"}, statuses
    assert set(statuses.values()) != {"applied"}, statuses
    assert "interrupted; progress is saved" in stderr, stderr[-2000:]
    assert "security-services" not in started

    again = cli.apply()
    assert again.returncode == 0, again.stderr[-4000:]
    assert verify_failures(cli) == []
