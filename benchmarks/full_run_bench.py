"""Wall time of a full run per built-in profile: apply, verify, plan and a converged re-apply.

Each profile starts from the fresh seed of one in-process sandbox (reset between
profiles) and is driven through the real CLI in a subprocess, as a user would.

    .venv/bin/python benchmarks/full_run_bench.py [PROFILE ...] [--op-delay 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bootstrap_tui.sandbox.testing import client_environment, running_sandbox

PROFILES = ("startup-minimal", "soc2", "iso27001", "pci-dss")


def run_profile(sandbox, profile: str, workdir: Path) -> dict[str, float | int | str]:
    sandbox.reset(seed="fresh", accounts=0)
    env = {
        **os.environ,
        **client_environment(sandbox.endpoint),
        "BOOTSTRAP_TUI_LOG": str(workdir / "run.log"),
    }
    base = [
        sys.executable,
        "-m",
        "bootstrap_tui",
        "--profile-file",
        profile,
        "--state-file",
        str(workdir / f"{profile}.yaml"),
    ]
    apply = ["apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails"]
    row: dict[str, float | int | str] = {"profile": profile}
    for label, args in (
        ("apply_s", apply),
        ("verify_s", ["verify", "--format", "json"]),
        ("plan_s", ["plan"]),
        ("reapply_s", apply),
    ):
        if label == "plan_s":
            urllib.request.urlopen(
                urllib.request.Request(sandbox.endpoint + "/_sandbox/requests", method="DELETE"),
                timeout=30,
            ).read()
        started = time.perf_counter()
        done = subprocess.run([*base, *args], env=env, capture_output=True, text=True)
        row[label] = round(time.perf_counter() - started, 1)
        if done.returncode != 0:
            row["error"] = f"{label}: exit {done.returncode}"
            return row
        if label == "verify_s":
            row["checks"] = len(json.loads(done.stdout)["results"])
    with urllib.request.urlopen(sandbox.endpoint + "/_sandbox/requests", timeout=30) as response:
        row["mutating_after_converge"] = json.loads(response.read())["mutating_total"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", default=list(PROFILES))
    parser.add_argument(
        "--op-delay", type=float, default=0.05, help="sandbox long-operation delay (s)"
    )
    args = parser.parse_args()
    with running_sandbox(op_delay_s=args.op_delay) as sandbox, tempfile.TemporaryDirectory() as tmp:
        for profile in args.profiles:
            print(json.dumps(run_profile(sandbox, profile, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
