"""How long `bootstrap-tui sandbox --seed S [--accounts N]` takes from spawn to its `endpoint:`
line, with an empty seed cache (the seed is built, then kept) and from the cache.

Each case runs in a new process: `python -m bootstrap_tui.sandbox --port 0 --seed S --accounts N`,
timed from spawn to the `endpoint:` line, then stopped. The first start of a case finds the
cache empty (cold: built and stored, once); the next --repeat starts load it (warm), and the
median of those is reported. The cache is a temporary directory of its own (XDG_CACHE_HOME) unless
--cache-dir names one, so your own cache is neither used nor changed.

Usage: python benchmarks/seed_start_bench.py [--case compliant:0] [--case drifted:0]
       [--case compliant:10] [--repeat 3] [--cache-dir DIR] [--json FILE]
Target (issue 19): every seed starts in under 2 s from the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = ("compliant:0", "drifted:0", "compliant:10")


def start(seed: str, accounts: int, env: dict[str, str]) -> tuple[float, float]:
    """Spawn the sandbox; seconds to its `endpoint:` line and the process's CPU seconds then."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bootstrap_tui.sandbox", "--port", "0", "--seed", seed]
        + ["--accounts", str(accounts)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        wall = time.perf_counter() - started
        if not line.startswith("endpoint: "):
            raise SystemExit(f"the sandbox did not start ({seed}, {accounts}): {line!r}")
        cpu = _process_cpu(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return wall, cpu


def _process_cpu(pid: int) -> float:
    """user + system CPU seconds of a running process (Linux /proc; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="SEED:ACCOUNTS (repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="starts from the cache per case")
    parser.add_argument("--cache-dir", type=Path, help="XDG_CACHE_HOME to use (default: new)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    cache = args.cache_dir or Path(tempfile.mkdtemp(prefix="seed-start-bench-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(ROOT)}
    env.pop("BOOTSTRAP_TUI_SEED_CACHE", None)
    print(f"load average {os.getloadavg()[0]:.1f} at start; cache {cache}", flush=True)
    figures = []
    for case in args.case or DEFAULT_CASES:
        seed, _, accounts = case.partition(":")
        cold = start(seed, int(accounts or 0), env)
        warm = [start(seed, int(accounts or 0), env) for _ in range(max(1, args.repeat))]
        median = statistics.median(w for w, _ in warm)
        figures.append(
            {
                "seed": seed,
                "accounts": int(accounts or 0),
                "cold_s": round(cold[0], 2),
                "cold_cpu_s": round(cold[1], 2),
                "cached_s": [round(w, 2) for w, _ in warm],
                "cached_cpu_s": [round(c, 2) for _, c in warm],
                "median_cached_s": round(median, 2),
            }
        )
        print(
            f"{seed} --accounts {accounts or 0}: cold (built) {cold[0]:.2f}s (cpu {cold[1]:.2f}s); "
            f"from the cache {', '.join(f'{w:.2f}s (cpu {c:.2f}s)' for w, c in warm)}; "
            f"median {median:.2f}s (target < 2 s); load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
