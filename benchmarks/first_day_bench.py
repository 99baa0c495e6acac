"""The whole unattended first day per profile, overlapped and sequential, against its critical path.

Each profile starts from the fresh seed of one in-process sandbox whose long operations take
AWS's own durations (`durations="realistic"`, bootstrap_tui/durations.yaml) divided by
`--time-scale`, and is applied through the real CLI in a subprocess
(`apply --yes --simulate-console --confirm-destructive guardrails`), once overlapped and once
with `--sequential`. The run's stderr is read as it comes: a step starts at its `==> STEP:` line
and ends at its `  STEP: N change(s) applied` (or up to date, skipped, blocked) line. The
sandbox records every long operation's start and duration.

Critical path: the longest chain through the steps' needs (Step.needs for the profile), each
step weighing what it cannot avoid: its measured time less the time its long operations took as
run, plus the least they can take within the step's own order and AWS's rules. A landing zone
comes before the OUs it registers, a parent OU before its children (AWS Control Tower User
Guide, "Nested OUs"), the OUs before their controls. Within each of those stages no schedule
beats max(longest operation, total / in_flight), in_flight being AWS's limit of operations at
once from durations.yaml (5 account creations, 10 Control Tower baseline or control
operations). The start-up before the first step (connect, the plan made ahead for
--confirm-destructive) is added to it.
Every figure is seconds of the simulated run, as measured here: the long operations take AWS's
durations divided by the time scale, every other call the sandbox's own time (not scaled).

    python benchmarks/first_day_bench.py [PROFILE ...] [--time-scale 60] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bootstrap_tui.durations import durations  # noqa: E402
from bootstrap_tui.profile import load_profile  # noqa: E402
from bootstrap_tui.registry import discover_steps  # noqa: E402
from bootstrap_tui.sandbox.testing import client_environment, running_sandbox  # noqa: E402
from bootstrap_tui.sandbox.timing import KINDS  # noqa: E402

PROFILES = ("startup-minimal", "soc2", "iso27001", "pci-dss")
APPLY = ["apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails"]
STARTED = re.compile(r"^==> ([a-z-]+): ")
ENDED = re.compile(
    r"^  ([a-z-]+): (\d+ change\(s\) applied|up to date|blocked, nothing done: .*|skipped: .*)$"
)
# long operations (durations.yaml kind) -> the step that starts them, and their order in it
STAGES = {
    "create-account": ("accounts", 0),
    "landing-zone": ("control-tower", 0),
    "register-ou": ("control-tower", 1),
    "enable-control": ("control-tower", 2),
}


def duration_kind(kind: str) -> str | None:
    for prefix, name in KINDS.items():
        if kind == prefix or (prefix.endswith(":") and kind.startswith(prefix)):
            return name
    return None


def run_apply(sandbox: Any, profile: str, workdir: Path, sequential: bool) -> dict[str, Any]:
    """One apply from the fresh seed: wall time, each step's start/end, the long operations."""
    sandbox.reset(seed="fresh", accounts=0)
    env = {
        **os.environ,
        **client_environment(sandbox.endpoint),
        "BOOTSTRAP_TUI_LOG": str(workdir / "run.log"),
    }
    state = workdir / f"{profile}-{'seq' if sequential else 'overlap'}.yaml"
    cmd = [sys.executable, "-m", "bootstrap_tui", "--profile-file", profile]
    cmd += ["--state-file", str(state), *APPLY] + (["--sequential"] if sequential else [])
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    steps: dict[str, list[float]] = {}
    tail: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        now = time.monotonic()
        tail = (tail + [line])[-20:]
        if m := STARTED.match(line):
            steps[m.group(1)] = [now, now]
        elif (m := ENDED.match(line.rstrip("\n"))) and m.group(1) in steps:
            steps[m.group(1)][1] = now
    code = proc.wait()
    wall = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"{profile}: apply exited {code}:\n{''.join(tail)}")
    with sandbox.state.lock:
        found = [
            (name, op.started, op.started + op.delay, op.details.get("target"))
            for op in sandbox.state.operations.values()
            if (name := duration_kind(op.kind)) in STAGES
        ]
    depth = ou_depths(env, {target for name, *_, target in found if name == "register-ou"})
    ops = [(f"{name}@{depth.get(target, 0)}", start, end) for name, start, end, target in found]
    return {"wall": wall, "start": started, "steps": steps, "ops": ops}


def ou_depths(env: dict[str, str], arns: set[str]) -> dict[str, int]:
    """How deep each OU (by ARN) sits under the root: its registration waits for its parent's."""
    import boto3

    orgs = boto3.client(
        "organizations",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    depths = {}
    for arn in arns:
        child, depth = arn.rsplit("/", 1)[-1], 0
        while True:
            parent = orgs.list_parents(ChildId=child)["Parents"][0]
            if parent["Type"] == "ROOT":
                break
            child, depth = parent["Id"], depth + 1
        depths[arn] = depth
    return depths


def kind_of(op_kind: str) -> str:
    return op_kind.split("@", 1)[0]


def least_long_time(ops: list[tuple[str, float, float]]) -> float:
    """The least time one step's long operations take in its own order and AWS's: each stage
    (and each depth of OUs) after the previous one; within a stage no schedule beats the longest
    operation, nor the total divided by how many AWS lets run at once."""
    total = 0.0
    stages = sorted({k for k, _, _ in ops}, key=lambda k: (STAGES[kind_of(k)][1], k))
    for stage in stages:
        spans = [end - start for k, start, end in ops if k == stage]
        width = durations()[kind_of(stage)].get("in_flight") or len(spans)
        total += max(max(spans), sum(spans) / width)
    return total


def spent_long_time(ops: list[tuple[str, float, float]]) -> float:
    """The time the step's long operations were in flight, as run (union of their intervals)."""
    spans = sorted((start, end) for _, start, end in ops)
    total, reach = 0.0, float("-inf")
    for start, end in spans:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def critical_path(run: dict[str, Any], profile_name: str) -> tuple[float, list[str]]:
    """Seconds of the longest chain of needs (plus the start-up), and the chain."""
    profile = load_profile(profile_name)
    steps = [s for s in discover_steps() if s.id in run["steps"]]
    weight: dict[str, float] = {}
    for step in steps:
        start, end = run["steps"][step.id]
        own = [op for op in run["ops"] if STAGES[kind_of(op[0])][0] == step.id]
        least = least_long_time(own)
        weight[step.id] = max(end - start - spent_long_time(own) + least, least)
    finish: dict[str, tuple[float, list[str]]] = {}
    for step in steps:  # discover_steps is in topological order
        before = [finish[n] for n in step.needs(profile) if n in finish]
        base = max(before, default=(0.0, []))
        finish[step.id] = (base[0] + weight[step.id], [*base[1], step.id])
    first = min(start for start, _ in run["steps"].values())
    length, chain = max(finish.values())
    return first - run["start"] + length, chain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", default=list(PROFILES))
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--durations", choices=("realistic",), default="realistic")
    parser.add_argument(
        "--op-delay", type=float, default=0.05, help="operations without an AWS duration"
    )
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args()
    scale = args.time_scale
    rows = []
    print(
        f"time scale {scale:g}: seconds of the simulated run (long operations {scale:g}x shorter)"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(
            op_delay_s=args.op_delay, durations=args.durations, time_scale=scale
        ) as sandbox,
    ):
        for profile in args.profiles:
            overlapped = run_apply(sandbox, profile, Path(tmp), sequential=False)
            path_s, chain = critical_path(overlapped, profile)
            sequential = run_apply(sandbox, profile, Path(tmp), sequential=True)
            row = {
                "profile": profile,
                "wall_s": round(overlapped["wall"], 1),
                "critical_path_s": round(path_s, 1),
                "ratio": round(overlapped["wall"] / path_s, 3),
                "sequential_s": round(sequential["wall"], 1),
            }
            rows.append(row)
            print(
                f"{profile:16} overlapped {row['wall_s']:6.1f} s  critical path "
                f"{row['critical_path_s']:6.1f} s  ratio {row['ratio']:.3f}  "
                f"sequential {row['sequential_s']:6.1f} s  "
                f"(x{sequential['wall'] / overlapped['wall']:.2f})  path: {' > '.join(chain)}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
