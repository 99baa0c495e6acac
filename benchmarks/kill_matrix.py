"""kill -9 matrix with many more points than CI: how often a killed `apply` resumes cleanly.

Runs the workers of tests/reliability/test_crash_kill9.py (each a process with its own
sandbox) and prints where the kills landed (step, operation, kind of point), every
problem found, wall time and CPU time. Exit 1 when any kill left a problem.

Usage:  python benchmarks/kill_matrix.py [--workers 2] [--chains 5] [--kills 10]
                                         [--time-share 0.3] [--seed 1] [--no-traps] [--json FILE]
        python benchmarks/kill_matrix.py --ci [--seed 20261129]   # exactly what CI runs
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_harness():
    path = ROOT / "tests" / "reliability" / "test_crash_kill9.py"
    spec = importlib.util.spec_from_file_location("kill9_harness", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    sys.path.insert(0, str(ROOT))
    spec.loader.exec_module(module)
    return module


def table(title: str, counts: Counter, limit: int = 40) -> None:
    print(f"\n{title}")
    for name, n in counts.most_common(limit):
        print(f"  {n:5d}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="parallel worker processes")
    parser.add_argument("--chains", type=int, default=5, help="random chains per worker")
    parser.add_argument("--kills", type=int, default=10, help="kills per random chain")
    parser.add_argument("--time-share", type=float, default=0.3, help="share of kills by wall time")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-traps", action="store_true", help="skip the chain of kills after each trap call"
    )
    parser.add_argument("--json", type=Path, help="also write the raw worker reports here")
    parser.add_argument(
        "--ci", action="store_true", help="run the CI test's workers (ignores the sizes)"
    )
    args = parser.parse_args()

    harness = load_harness()
    specs = [
        {
            "seed": args.seed + i,
            "chains": args.chains,
            "kills": args.kills,
            "time_share": args.time_share,
            "traps": i == 0 and not args.no_traps,
        }
        for i in range(args.workers)
    ]
    if args.ci:
        specs = harness.ci_specs(args.seed)
    started = time.monotonic()
    reports = harness.run_workers(specs)
    wall = time.monotonic() - started
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))

    errors = [r["error"] for r in reports if "error" in r]
    kills = [k for r in reports for k in r.get("kills", [])]
    chains = [c for r in reports for c in r.get("chains", [])]
    killed = [k for k in kills if k["killed"]]
    kind = Counter(
        (
            "trap (after the call)"
            if k["point"].endswith("trap call")
            else "by wall time"
            if k["point"].startswith("at ")
            else f"{k['point'].split()[0]} the Nth mutating call"
        )
        for k in kills
    )
    table("kills by steps in flight", Counter(k["step"] for k in kills))
    table(
        "kills by number of steps in flight (apply overlaps them)",
        Counter(str(len(k.get("in_flight", []))) for k in kills),
    )
    table("kills by kind of point", kind)
    table("kills by operation in flight (top 40)", Counter(k["operation"] for k in kills))
    problems = [
        f"chain {k['chain']} {k['point']} ({k['step']}, {k['operation']}): {p}"
        for k in kills
        for p in k["problems"]
    ]
    problems += [f"chain {c['chain']} end: {p}" for c in chains for p in c["problems"]]
    print("\nproblems:" if problems or errors else "\nproblems: none")
    for line in errors + problems:
        print(f"  {line}")
    for report in reports:
        if report.get("calibration"):
            cal = report["calibration"]
            print(
                f"\nuninterrupted apply: {cal['seconds']} s, {cal['calls']} AWS calls "
                f"({cal['mutating']} mutating), first call after {cal['startup']} s"
            )
    cpu = sum(r.get("cpu_seconds", 0) for r in reports)
    print(
        f"\n{len(killed)} kills ({len(kills)} points tried) in {len(chains)} chains, "
        f"{sum(not c['problems'] for c in chains)} converged; wall {wall:.0f} s, CPU {cpu:.0f} s "
        f"({cpu / max(1, len(killed)):.1f} CPU s per kill), {len(specs)} workers"
    )
    print(
        f"kills that left a state temp file behind: {sum(k.get('temp_files', 0) > 0 for k in kills)}"
    )
    return 1 if problems or errors else 0


if __name__ == "__main__":
    sys.exit(main())
