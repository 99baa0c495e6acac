"""What keeping the --sandbox between runs costs: snapshots written during a whole
`--sandbox apply --yes --simulate-console` (how many, their size, CPU per write) and the
CPU of restoring the result. Runs in a temporary HOME; nothing of yours is touched.

Usage: python benchmarks/sandbox_persist_bench.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    home = tempfile.mkdtemp(prefix="persist-bench-")
    os.environ.update(
        {"HOME": home, "BOOTSTRAP_TUI_SANDBOX_OP_DELAY": "0.05", "BOOTSTRAP_TUI_LOG": os.devnull}
    )
    os.environ.pop("XDG_DATA_HOME", None)
    from bootstrap_tui import cli
    from bootstrap_tui.sandbox import persist

    writes: list[tuple[float, int]] = []
    real_save = persist.save

    def timed_save(sandbox, path):
        started = time.process_time()
        size = real_save(sandbox, path)
        writes.append((time.process_time() - started, size))
        return size

    persist.save = timed_save
    started = time.process_time()
    code = cli.main(
        ["--sandbox", "apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails"]
    )
    total = time.process_time() - started
    persist.save = real_save
    cpu = sum(w for w, _ in writes)
    print(
        f"apply exit {code}: {total:.1f} s CPU in all, {len(writes)} snapshots written, "
        f"{cpu:.1f} s CPU for them ({cpu / len(writes) * 1000:.0f} ms each), "
        f"last {writes[-1][1] / 1e6:.1f} MB"
    )
    from bootstrap_tui.sandbox.home import PersistentSandbox

    box = PersistentSandbox()
    started = time.process_time()
    box.start()
    print(f"restore (moto imports included): {time.process_time() - started:.2f} s CPU")
    box.stop()


if __name__ == "__main__":
    main()
