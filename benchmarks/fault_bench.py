"""The whole wizard applied and verified under injected faults, next to a fault-free run.

For each fault SPEC (and each run): reset the in-process sandbox to a fresh account, switch
the faults on, apply every step of startup-minimal with the real engine (as `apply --yes
--simulate-console --confirm-destructive guardrails` does), verify, and compare the verify
statuses per check x account name x region with the fault-free run (after one unreported
warm-up run). Reports wall times,
requests the sandbox received (its request log), faults injected and whether the run
completed. Retries follow AWS_MAX_ATTEMPTS / AWS_RETRY_MODE like the CLI (default 10,
standard).

Usage: python benchmarks/fault_bench.py [--faults throttle=0.3 error5xx=0.1] [--runs 1]
       [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from conftest import account_names, count_faults, make_engine, requests_seen, reset_sandbox  # noqa: E402


def one_run(box, faults: str) -> dict:
    reset_sandbox(box)
    box.configure(faults=faults)
    injected = count_faults(box) if faults else Counter()
    state = Path(tempfile.mkdtemp(prefix="fault-bench-")) / "state.yaml"
    started = time.monotonic()
    error = None
    engine = make_engine(box.endpoint, state)
    try:
        try:
            for step in engine.steps:
                engine.apply(step.id, confirm_destructive=lambda plan: plan.step_id == "guardrails")
        except Exception as exc:  # noqa: BLE001 - a failed run is a result here
            error = str(exc).splitlines()[0]
        apply_s = time.monotonic() - started
        apply_requests = requests_seen(box.endpoint)["total"]
        started = time.monotonic()
        run = engine.verify()
        verify_s = time.monotonic() - started
    finally:
        engine.close()
    names = account_names(box.endpoint)
    statuses = {f"{r.check_id}|{names.get(r.account, r.account)}|{r.region}": r.status.value
                for r in run.results}
    return {"faults": faults or "none", "error": error, "apply_s": round(apply_s, 1),
            "apply_requests": apply_requests, "verify_s": round(verify_s, 1),
            "verify_requests": requests_seen(box.endpoint)["total"] - apply_requests,
            "injected": dict(injected), "counts": run.counts(), "statuses": statuses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", nargs="*", default=["throttle=0.3", "error5xx=0.1"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from bootstrap_tui.engine import retry_settings
    from bootstrap_tui.sandbox.testing import running_sandbox

    attempts, mode = retry_settings(None, None)
    print(f"retries: {attempts} attempts, {mode} mode")
    results = []
    with running_sandbox(op_delay_s=0.05) as box:
        one_run(box, "")  # warm-up: the first run in a process pays for imports and moto's setup
        clean = one_run(box, "")
        results.append(clean)
        for faults in args.faults:
            for _ in range(args.runs):
                results.append(one_run(box, faults))
    for result in results:
        same = result["statuses"] == clean["statuses"]
        injected = sum(result["injected"].values())
        print(f"{result['faults']:<14} apply {result['apply_s']:>6}s {result['apply_requests']:>5} req | "
              f"verify {result['verify_s']:>5}s {result['verify_requests']:>4} req | injected {injected:>4} | "
              f"{'completed' if not result['error'] else 'FAILED: ' + result['error']} | "
              f"verify {'same as fault-free' if same else 'DIFFERENT'} {result['counts']}")
    if args.json:
        args.json.write_text(json.dumps({"retries": [attempts, mode], "results": results}, indent=2))
    return 0 if all(not r["error"] and r["statuses"] == clean["statuses"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
