"""The whole wizard applied and verified under injected faults, next to a fault-free run.

For each fault SPEC (and each run): reset the in-process sandbox to a fresh account, switch
the faults on, apply every step of startup-minimal with the real engine (as `apply --yes
--simulate-console --confirm-destructive guardrails` does), verify, and compare the verify
statuses per check x account name x region with the fault-free run (after one unreported
warm-up run). Reports wall times,
requests the sandbox received (its request log), faults injected and whether the run
completed. Retries follow AWS_MAX_ATTEMPTS / AWS_RETRY_MODE like the CLI (default 10,
standard).

With `--simulate N`, it also replays botocore's standard retry rules (attempt limit, and
the retry quota each client keeps: 500 tokens, 5 per throttle retry, 14 per other retry, 1
back per call without retry, the last retry's cost back after a retried success) N times
over the calls each client (service x account x region) sent in the fault-free run, with
independent faults at each SPEC's rates (the sandbox draws each request's fault on its
own), and prints the share of whole runs (apply + verify) in which no call fails, for each
attempt limit in `--attempts`.

Usage: python benchmarks/fault_bench.py [--faults throttle=0.3 error5xx=0.1] [--runs 1]
       [--simulate 2000] [--attempts 10 12 15] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
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
    per_client: Counter = Counter()
    engine.factory.on_call = lambda service, op, account, region: per_client.update(
        [(service, account or "management", region)]
    )
    try:
        try:
            for step in engine.steps:
                engine.apply(step.id, confirm_destructive=lambda plan: plan.step_id == "guardrails")
        except Exception as exc:
            error = str(exc).splitlines()[0]
        apply_s = time.monotonic() - started
        apply_requests = requests_seen(box.endpoint)["total"]
        started = time.monotonic()
        run = engine.verify()
        verify_s = time.monotonic() - started
    finally:
        engine.close()
    names = account_names(box.endpoint)
    statuses = {
        f"{r.check_id}|{names.get(r.account, r.account)}|{r.region}": r.status.value
        for r in run.results
    }
    return {
        "faults": faults or "none",
        "error": error,
        "apply_s": round(apply_s, 1),
        "apply_requests": apply_requests,
        "verify_s": round(verify_s, 1),
        "verify_requests": requests_seen(box.endpoint)["total"] - apply_requests,
        "injected": dict(injected),
        "counts": run.counts(),
        "statuses": statuses,
        "per_client": sorted(per_client.values(), reverse=True),
    }


def _fault_rates(spec: str) -> tuple[float, float]:
    """(throttle, error5xx) rates of a fault SPEC."""
    rates = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    return float(rates.get("throttle", 0)), float(rates.get("error5xx", 0))


def _client_survives(
    calls: int, throttle: float, error5xx: float, attempts: int, draw: random.Random, quota: int
) -> bool:
    """One client's `calls` under botocore's standard retry handler and a retry quota."""
    capacity = quota
    for _ in range(calls):
        last_cost = 0
        for attempt in range(1, attempts + 1):
            roll = draw.random()
            if roll >= throttle + error5xx:
                capacity = min(quota, capacity + (last_cost or 1))
                break
            if attempt == attempts:
                return False
            last_cost = 5 if roll < throttle else 14
            if last_cost > capacity:
                return False
            capacity -= last_cost
    return True


def simulate(
    per_client: list[int], spec: str, attempts: int, runs: int, quota: int, seed: int = 1
) -> float:
    """Share of `runs` whole runs in which every client's every call succeeds."""
    throttle, error5xx = _fault_rates(spec)
    draw = random.Random(seed)
    ok = sum(
        all(_client_survives(n, throttle, error5xx, attempts, draw, quota) for n in per_client)
        for _ in range(runs)
    )
    return ok / runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", nargs="*", default=["throttle=0.3", "error5xx=0.1"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--simulate",
        type=int,
        default=0,
        metavar="N",
        help="replay the retry rules N times per SPEC and attempt limit",
    )
    parser.add_argument(
        "--attempts",
        type=int,
        nargs="*",
        default=[],
        metavar="K",
        help="attempt limits to simulate (default: the configured one)",
    )
    parser.add_argument(
        "--quota",
        type=int,
        nargs="*",
        default=[],
        metavar="TOKENS",
        help="retry quotas to simulate (default: the clients' own; botocore's is 500)",
    )
    args = parser.parse_args()
    from bootstrap_tui.aws.retryquota import RETRY_QUOTA
    from bootstrap_tui.engine import retry_settings
    from bootstrap_tui.sandbox.testing import running_sandbox

    attempts, mode = retry_settings(None, None)
    print(f"retries: {attempts} attempts, {mode} mode, retry quota {RETRY_QUOTA} per client")
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
        print(
            f"{result['faults']:<14} apply {result['apply_s']:>6}s {result['apply_requests']:>5} req | "
            f"verify {result['verify_s']:>5}s {result['verify_requests']:>4} req | injected {injected:>4} | "
            f"{'completed' if not result['error'] else 'FAILED: ' + result['error']} | "
            f"verify {'same as fault-free' if same else 'DIFFERENT'} {result['counts']}"
        )
    clients = clean["per_client"]
    print(f"fault-free: {sum(clients)} requests from {len(clients)} clients, busiest {clients[:5]}")
    simulated = []
    for faults in args.faults if args.simulate else ():
        for limit in args.attempts or [attempts]:
            for tokens in args.quota or [RETRY_QUOTA]:
                share = simulate(clients, faults, limit, args.simulate, tokens)
                simulated.append(
                    {
                        "faults": faults,
                        "attempts": limit,
                        "quota": tokens,
                        "runs": args.simulate,
                        "completed": share,
                    }
                )
                print(
                    f"simulated {faults:<24} {limit:>2} attempts, quota {tokens:>5}: "
                    f"{share:.2%} of {args.simulate} runs complete"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"retries": [attempts, mode], "results": results, "simulated": simulated}, indent=2
            )
        )
    return 0 if all(not r["error"] and r["statuses"] == clean["statuses"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
