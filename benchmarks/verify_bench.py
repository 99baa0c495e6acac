"""How fast `bootstrap-tui verify` is against an organization, next to the floor the endpoint sets.

1-2. Start the sandbox as its own process with the compliant seed: the real engine applies
   every step of a profile derived from startup-minimal with N workload accounts and the
   governed regions asked for (`Sandbox(seed="compliant", accounts=N, regions=...)`), or the
   seed cache gives the state an earlier build left (built once per version of the code);
   timed from spawn to its endpoint (seed time, "built" or "from the seed cache").
3. Switch latency on (`POST /_sandbox/config {"latency_ms": ...}`), then --warmup verifies
   (default 1, printed, not counted): moto is slow the first time it serves some requests.
4. verify as `bootstrap-tui verify` runs it (Engine(Options(...)).connect(); engine.verify()),
   with a new state file, in a new process each time, so every measured verify is cold (no
   client, session or service model loaded): wall time, API calls, calls per check result,
   peak RSS. The same engine then verifies again (warm: clients cached, as in the wizard).
5. Right after each verify, the floor: the same number of sts:GetCallerIdentity calls, fired
   from the same number of threads through one client, against the same sandbox.
6. Steps 4-5 run --repeat times (default 3); the ratio reported is the median of the runs'
   ratios, and every run is printed (this machine's noise is about +-10 %).
7. Unless --no-serial: the same verify with max_workers=1 (once).

--compare-speedups instead measures what each botocore speed-up (aws/speedups.py) buys: in
each of --repeat rounds, one cold verify with every speed-up, one without each of them in
turn (BOOTSTRAP_TUI_SPEEDUPS_OFF) and one without any, each followed by its floor; a speed-up
buys (median ratio to the floor without it) / (median ratio with all) - 1.

Usage: python benchmarks/verify_bench.py [--accounts 10] [--regions us-east-1,us-west-2,eu-west-1,
       eu-central-1] [--latency-ms 50] [--max-workers 16] [--repeat 3] [--warmup 1] [--no-serial]
       [--compare-root DIR] [--json FILE]
Targets (issue 6): verify <= 1.3x floor; verify >= 5x faster than at concurrency 1.
Issue 19: at --accounts 200, verify <= 1.2x floor and peak RSS (of the verifying process:
`ru_maxrss` of its own, the sandbox being another process) <= 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = "us-east-1,us-west-2,eu-west-1,eu-central-1"
SPEEDUPS_SWITCH = "BOOTSTRAP_TUI_SPEEDUPS_OFF"  # bootstrap_tui.aws.speedups.SWITCH
SPEEDUPS = ("client_classes", "event_handlers", "pristine_sessions", "plain_models")
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# the sandbox process: the compliant seed for N workload accounts and the given regions, from
# the seed cache when this version of the code built it before (else built there, then kept)
SANDBOX = """
import signal, sys, threading
from bootstrap_tui.sandbox import Sandbox
regions = sys.argv[2].split(",")
box = Sandbox(seed="compliant", accounts=int(sys.argv[1]), regions=regions, op_delay_s=0)
endpoint = box.start()
print(f"cached: {box.seed_cached}", flush=True)
print(f"endpoint: {endpoint}", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
while not stop.wait(0.2):
    pass
box.stop()
"""


def start_sandbox(accounts: int, regions: list[str]) -> tuple[subprocess.Popen, str, float, bool]:
    """The sandbox as a separate process, seeded compliant; returns it, its endpoint, the time
    from spawn to its endpoint (the seed included) and whether the seed came from the cache."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX, str(accounts), ",".join(regions)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **CREDENTIALS, "PYTHONPATH": str(ROOT)},
    )
    cached = process.stdout.readline() if process.stdout else ""
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith("endpoint: "):
        process.kill()
        raise SystemExit(f"the sandbox did not start: {cached!r} {line!r}")
    elapsed = time.perf_counter() - started
    return process, line.split(" ", 1)[1].strip(), elapsed, cached.strip() == "cached: True"


def configure(endpoint: str, **settings: float) -> None:
    request = urllib.request.Request(
        endpoint + "/_sandbox/config",
        data=json.dumps(settings).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def run_verify(endpoint: str, profile: str, workdir: Path, max_workers: int) -> dict:
    """One verify exactly as the CLI runs it; the clock covers engine.verify() only.

    Then the same engine verifies again (``warm``): its clients and assumed-role sessions
    are cached, as in the wizard's re-verify, which isolates the cost of creating them.
    """
    from bootstrap_tui.engine import Engine, Options

    state = workdir / f"state-{max_workers}-{time.monotonic_ns()}.yaml"
    engine = Engine(
        Options(endpoint_url=endpoint, state_file=state, profile=profile, max_workers=max_workers)
    )
    connect_started = time.perf_counter()
    engine.connect()
    connect_s = time.perf_counter() - connect_started
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        run = engine.verify()
        wall = time.perf_counter() - started
        cold_cpu = time.process_time() - cpu
        cpu = time.process_time()
        started = time.perf_counter()
        engine.verify(record=False)
        warm = time.perf_counter() - started
        warm_cpu = time.process_time() - cpu
    finally:
        engine.close()
    results = len(run.results)
    return {
        "max_workers": max_workers,
        "wall_s": round(wall, 2),
        "connect_s": round(connect_s, 2),
        "cpu_s": round(cold_cpu, 2),
        "warm_wall_s": round(warm, 2),
        "warm_cpu_s": round(warm_cpu, 2),
        "api_calls": run.calls,
        "check_results": results,
        "checks": len({r.check_id for r in run.results}),
        "calls_per_check_result": round(run.calls / results, 2) if results else None,
        "counts": {k: v for k, v in run.counts().items() if v},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_verify_process(
    endpoint: str,
    profile: str,
    workdir: Path,
    max_workers: int,
    speedups_off: str = "",
    root: Path = ROOT,
) -> dict:
    """`run_verify` in a new Python process: nothing is cached from an earlier verify. ``root``:
    the checkout whose code verifies (its own benchmarks/verify_bench.py runs the child)."""
    script = root / "benchmarks" / "verify_bench.py"
    done = subprocess.run(
        [sys.executable, str(script), "--child", endpoint, profile, str(workdir), str(max_workers)],
        check=True,
        cwd=root,
        env={**os.environ, **CREDENTIALS, SPEEDUPS_SWITCH: speedups_off},
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def floor(endpoint: str, calls: int, concurrency: int) -> float:
    """Wall time of `calls` sts:GetCallerIdentity calls from `concurrency` threads, one client."""
    import boto3
    from botocore.config import Config

    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(
            max_pool_connections=max(10, concurrency),
            retries={"mode": "adaptive", "total_max_attempts": 5},
        ),
    )
    sts.get_caller_identity()
    remaining = [calls]
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            sts.get_caller_identity()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    return time.perf_counter() - started


def machine() -> str:
    model = ""
    try:
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.1f} at start"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10, help="workload accounts (default 10)")
    parser.add_argument(
        "--regions", default=DEFAULT_REGIONS, help="governed regions, comma-separated"
    )
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument(
        "--max-workers", type=int, default=16, help="verify concurrency (the CLI default)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="cold verifies, each with its floor (default 3)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="verifies run first and not counted, so moto's first-use costs "
        "(e.g. ~0.8 s for its first rds:DescribeDBInstances) are not (default 1)",
    )
    parser.add_argument("--no-serial", action="store_true", help="skip the concurrency-1 verify")
    parser.add_argument(
        "--compare-speedups",
        action="store_true",
        help="cold verify with every botocore speed-up, without each, and without any",
    )
    parser.add_argument(
        "--compare-root",
        type=Path,
        help="another checkout (e.g. `mkdir /tmp/before; git archive COMMIT | tar -x -C /tmp/before`): each round runs a "
        "cold verify with its code and one with this checkout's, alternately, against the same "
        "sandbox, each followed by its floor",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    sys.path.insert(0, str(ROOT))
    os.environ.update(CREDENTIALS)
    # its own state directory: the account lock there is per management account, and other
    # runs against a sandbox (same account id) must not hold up or be held up by this one
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="verify-bench-state-")
    from bootstrap_tui.sandbox.seeds import write_seed_profile

    print(f"machine: {machine()}", flush=True)
    process, endpoint, seed_s, cached = start_sandbox(args.accounts, regions)
    try:
        print(
            f"sandbox with the compliant seed, {args.accounts} workload accounts x "
            f"{len(regions)} regions: {seed_s:.1f}s ({'from the seed cache' if cached else 'built'}; "
            f"{endpoint})",
            flush=True,
        )
        configure(endpoint, latency_ms=args.latency_ms)
        workdir = Path(tempfile.mkdtemp(prefix="verify-bench-"))
        profile = write_seed_profile(workdir, args.accounts, regions)
        for number in range(1, args.warmup + 1):
            warmup = run_verify_process(endpoint, profile, workdir, args.max_workers)
            print(
                f"warm-up {number} (not counted; the sandbox's first requests of each kind are slow): "
                f"verify x{args.max_workers} {warmup['wall_s']}s",
                flush=True,
            )
        if args.compare_speedups or args.compare_root:
            figures = (
                compare_roots(endpoint, profile, workdir, args)
                if args.compare_root
                else compare_speedups(endpoint, profile, workdir, args)
            )
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
            return 0
        runs = []
        for number in range(1, max(1, args.repeat) + 1):
            run = run_verify_process(endpoint, profile, workdir, args.max_workers)
            floor_s = floor(endpoint, run["api_calls"], args.max_workers)
            run.update(
                floor_s=round(floor_s, 2),
                ratio_to_floor=round(run["wall_s"] / floor_s, 2),
                warm_ratio_to_floor=round(run["warm_wall_s"] / floor_s, 2),
            )
            runs.append(run)
            print(
                f"run {number}: verify x{args.max_workers} {run['wall_s']}s (cold: new process), "
                f"{run['api_calls']} API calls, {run['check_results']} results of {run['checks']} checks "
                f"({run['calls_per_check_result']} calls each), {run['counts']}, peak RSS {run['peak_rss_mb']} MB "
                f"(connect {run['connect_s']}s); again on the same engine {run['warm_wall_s']}s; "
                f"floor {floor_s:.2f}s -> verify / floor = {run['ratio_to_floor']}, "
                f"warm {run['warm_ratio_to_floor']}",
                flush=True,
            )
        parallel = {
            "runs": runs,
            "median_wall_s": statistics.median(r["wall_s"] for r in runs),
            "median_floor_s": statistics.median(r["floor_s"] for r in runs),
            "median_ratio_to_floor": statistics.median(r["ratio_to_floor"] for r in runs),
            "median_warm_ratio_to_floor": statistics.median(r["warm_ratio_to_floor"] for r in runs),
        }
        print(
            f"median of {len(runs)}: verify {parallel['median_wall_s']}s, floor {parallel['median_floor_s']}s, "
            f"verify / floor = {parallel['median_ratio_to_floor']} (target <= 1.3), "
            f"warm {parallel['median_warm_ratio_to_floor']}",
            flush=True,
        )
        figures = {
            "machine": machine(),
            "accounts": args.accounts,
            "regions": regions,
            "warmup": args.warmup,
            "latency_ms": args.latency_ms,
            "seed_s": round(seed_s, 1),
            "seed_cached": cached,
            "verify": parallel,
        }
        if not args.no_serial:
            serial = run_verify_process(endpoint, profile, workdir, 1)
            speedup = serial["wall_s"] / parallel["median_wall_s"]
            figures["verify_serial"] = serial
            figures["speedup_vs_serial"] = round(speedup, 1)
            print(
                f"verify x1: {serial['wall_s']}s, {serial['api_calls']} API calls "
                f"-> x{args.max_workers} is {speedup:.1f}x faster (target >= 5)",
                flush=True,
            )
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return 0


def compare_speedups(endpoint: str, profile: str, workdir: Path, args: argparse.Namespace) -> dict:
    """Cold verify with all speed-ups, without each one, and without any, round after round."""
    variants = {"all": "", **{f"without {n}": n for n in SPEEDUPS}, "none": ",".join(SPEEDUPS)}
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    walls: dict[str, list[float]] = {name: [] for name in variants}
    for number in range(1, max(1, args.repeat) + 1):
        for name, off in variants.items():
            run = run_verify_process(endpoint, profile, workdir, args.max_workers, off)
            floor_s = floor(endpoint, run["api_calls"], args.max_workers)
            ratios[name].append(round(run["wall_s"] / floor_s, 3))
            walls[name].append(run["wall_s"])
            print(
                f"round {number}, {name}: verify {run['wall_s']}s (cpu {run['cpu_s']}s), "
                f"floor {floor_s:.2f}s -> {ratios[name][-1]}",
                flush=True,
            )
    base = statistics.median(ratios["all"])
    summary = {}
    for name in variants:
        ratio = statistics.median(ratios[name])
        summary[name] = {
            "median_wall_s": statistics.median(walls[name]),
            "median_ratio_to_floor": ratio,
            "slower_than_all": round(ratio / base - 1, 3),
            "ratios": ratios[name],
        }
        print(
            f"{name}: median verify {summary[name]['median_wall_s']}s, {ratio:.3f}x the floor, "
            f"{summary[name]['slower_than_all']:+.1%} against all speed-ups",
            flush=True,
        )
    return {"machine": machine(), "accounts": args.accounts, "speedups": summary}


def compare_roots(endpoint: str, profile: str, workdir: Path, args: argparse.Namespace) -> dict:
    """Cold verify with --compare-root's code and with this checkout's, round after round."""
    roots = {"compared": args.compare_root.resolve(), "this": ROOT}
    runs: dict[str, list[dict]] = {name: [] for name in roots}
    for number in range(1, max(1, args.repeat) + 1):
        for name, root in roots.items():
            run = run_verify_process(endpoint, profile, workdir, args.max_workers, root=root)
            floor_s = floor(endpoint, run["api_calls"], args.max_workers)
            run.update(floor_s=round(floor_s, 2), ratio_to_floor=round(run["wall_s"] / floor_s, 3))
            runs[name].append(run)
            print(
                f"round {number}, {name} ({root}): verify {run['wall_s']}s (cpu {run['cpu_s']}s), "
                f"{run['api_calls']} calls, {run['check_results']} results {run['counts']}, "
                f"peak RSS {run['peak_rss_mb']} MB; floor {floor_s:.2f}s -> "
                f"{run['ratio_to_floor']}; warm {run['warm_wall_s']}s; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    summary = {}
    for name, done in runs.items():
        summary[name] = {
            "root": str(roots[name]),
            "median_wall_s": statistics.median(r["wall_s"] for r in done),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in done),
            "median_ratio_to_floor": statistics.median(r["ratio_to_floor"] for r in done),
            "max_peak_rss_mb": max(r["peak_rss_mb"] for r in done),
            "runs": done,
        }
        print(
            f"{name}: median verify {summary[name]['median_wall_s']}s "
            f"(cpu {summary[name]['median_cpu_s']}s), {summary[name]['median_ratio_to_floor']}x "
            f"the floor, peak RSS up to {summary[name]['max_peak_rss_mb']} MB",
            flush=True,
        )
    return {"machine": machine(), "accounts": args.accounts, "roots": summary}


def child(argv: list[str]) -> int:
    """`--child ENDPOINT PROFILE WORKDIR WORKERS`: one verify, its figures as a JSON line."""
    endpoint, profile, workdir, workers = argv
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run_verify(endpoint, profile, Path(workdir), int(workers))))
    return 0


if __name__ == "__main__":
    sys.exit(child(sys.argv[2:]) if sys.argv[1:2] == ["--child"] else main())
