"""The README's runnable shell blocks (fenced as ```sh) run when pasted (issue 15, item 5):
each in a fresh bash, in a folder holding the Quick start's `.venv`, with nothing of the
test's environment: bootstrap-tui is on PATH only where the block activates the venv."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.M | re.S)


def readme_blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_a_runnable_sandbox_demo():
    blocks = readme_blocks()
    assert any("bootstrap-tui --sandbox apply" in block for block in blocks), blocks


@pytest.mark.slow
@pytest.mark.parametrize("block", readme_blocks(), ids=lambda b: b.splitlines()[-1][:40])
def test_a_readme_block_runs_as_pasted(tmp_path, block):
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))  # the Quick start's venv
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": str(tmp_path),
        "BOOTSTRAP_TUI_SANDBOX_OP_DELAY": "0.05",
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", block],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "command not found" not in result.stderr and "Traceback" not in result.stderr
    for written in re.findall(r"-o (\S+)", block):
        assert (tmp_path / written).stat().st_size > 0
