"""Time to first screen of the wizard (issue #5: "within 1 s on these 2-core machines").

Two ways to measure, both over N fresh processes, reporting min/median/p95/max:

  headless (default)  spawn `python benchmarks/startup_bench.py --child`: it imports the
                      wizard, runs it headless, and prints READY the moment the Welcome
                      screen is mounted; the parent times spawn -> READY (interpreter
                      start and every import included). The child also reports whether
                      boto3/botocore/moto were imported by then (they must not be).
  tmux                launch the installed console script (`bootstrap-tui`, or
                      `bootstrap-tui --sandbox` with --sandbox) in a detached 120x40 tmux
                      session (its own tmux server) and poll capture-pane until the Welcome
                      text is on screen; with --sandbox also until "Connected to account"
                      (the sandbox starts in a worker after the first screen).

Usage:  python benchmarks/startup_bench.py [--runs 10] [--mode headless|tmux] [--sandbox]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("boto3", "botocore", "moto", "werkzeug")
MARKER = "Welcome to bootstrap-tui"
CONNECTED = "Connected to account"


def child() -> None:
    """Run the real wizard headless until the Welcome screen is mounted."""
    sys.path.insert(0, str(ROOT))
    from bootstrap_tui.engine import Options
    from bootstrap_tui.tui.app import BootstrapApp
    from bootstrap_tui.tui.screens.welcome import WelcomeScreen

    app = BootstrapApp(Options(state_file=Path(tempfile.mkdtemp()) / "state.yaml"))

    def check() -> None:
        if isinstance(app.screen, WelcomeScreen) and app.screen.is_mounted:
            heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
            print(
                "READY " + json.dumps({"heavy": sorted({m.split(".")[0] for m in heavy})}),
                flush=True,
            )
            app.exit(0)
        else:
            app.set_timer(0.005, check)

    app.call_later(check)
    app.run(headless=True, size=(120, 40))


def headless_once() -> tuple[float, list[str]]:
    env = {**os.environ, "BOOTSTRAP_TUI_LOG": os.devnull}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    heavy: list[str] = []
    elapsed = None
    for line in proc.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - started
            heavy = json.loads(line[6:])["heavy"]
            break
    proc.wait(timeout=30)
    if elapsed is None:
        raise SystemExit(f"child did not reach the Welcome screen:\n{proc.stderr.read()}")
    return elapsed, heavy


def console_script() -> list[str]:
    script = shutil.which("bootstrap-tui") or str(Path(sys.executable).parent / "bootstrap-tui")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-m", "bootstrap_tui"]


def tmux_once(sandbox: bool) -> tuple[float, float | None]:
    """Seconds to the Welcome screen and, with --sandbox, to "Connected" (sandbox up)."""
    if not shutil.which("tmux"):
        raise SystemExit("tmux is not installed")
    name = f"bench-{uuid.uuid4().hex[:8]}"
    state = Path(tempfile.mkdtemp()) / "state.yaml"
    cmd = console_script() + (["--sandbox"] if sandbox else []) + ["--state-file", str(state)]
    env = f"BOOTSTRAP_TUI_LOG={os.devnull} "
    tmux = ["tmux", "-L", name]  # a private server: no race with other sessions' servers
    started = time.perf_counter()
    subprocess.run(
        tmux
        + [
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "120",
            "-y",
            "40",
            "-c",
            str(ROOT),
            env + " ".join(cmd),
        ],
        check=True,
    )
    first = None
    try:
        while time.perf_counter() - started < 30:
            out = subprocess.run(
                tmux + ["capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout
            now = time.perf_counter() - started
            if first is None and MARKER in out:
                first = now
                if not sandbox:
                    return first, None
            if first is not None and CONNECTED in out:
                return first, now
            time.sleep(0.01)
        raise SystemExit(
            f"the {'Welcome' if first is None else 'Connected'} text did not appear within 30 s"
        )
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def report(name: str, samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    result = {
        "mode": name,
        "runs": len(samples),
        "min_s": round(ordered[0], 3),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
    }
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--mode", choices=("headless", "tmux"), default="headless")
    parser.add_argument("--sandbox", action="store_true", help="tmux mode: add --sandbox")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    if args.mode == "headless":
        headless_once()  # warm the OS file cache; not counted
        samples, heavy = [], set()
        for _ in range(args.runs):
            elapsed, loaded = headless_once()
            samples.append(elapsed)
            heavy.update(loaded)
        report("headless", samples)
        print(f"heavy modules imported before the first screen: {sorted(heavy) or 'none'}")
    else:
        tmux_once(args.sandbox)  # warm the OS file cache; not counted
        runs = [tmux_once(args.sandbox) for _ in range(args.runs)]
        report("tmux" + ("+sandbox" if args.sandbox else ""), [first for first, _ in runs])
        if args.sandbox:
            report("tmux+sandbox: until connected to the sandbox", [done for _, done in runs])


if __name__ == "__main__":
    main()
