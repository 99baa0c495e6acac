"""The bootstrap-tui console script run in a subprocess against a sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bootstrap_tui.aws.activity import CALL_LOG_ENV
from bootstrap_tui.sandbox.testing import client_environment


class Cli:
    """The bootstrap-tui console script in a subprocess, pointed at the sandbox."""

    def __init__(self, sandbox: Any, profile: str, tmp: Path):
        self.env = {
            **os.environ,
            **client_environment(sandbox.endpoint),
            "BOOTSTRAP_TUI_LOG": str(tmp / "run.log"),
            CALL_LOG_ENV: str(tmp / "calls.jsonl"),
        }
        self.base = [
            sys.executable,
            "-m",
            "bootstrap_tui",
            "--profile-file",
            profile,
            "--state-file",
            str(tmp / "state.yaml"),
        ]

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.base, *args], env=self.env, capture_output=True, text=True, timeout=600
        )

    def apply(self) -> subprocess.CompletedProcess:
        return self("apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails")
