"""The botocore speed-ups' self-checks and tests against the newest botocore pyproject allows.

CI pins botocore (constraints.txt), but `pipx install` takes whatever is newest within
`boto3>=1.44,<2`. This test installs the newest release the bounds allow into a new venv and
runs tests/aws/test_speedups.py there (every speed-up active, and each one behaving as
botocore's own code does). Slow: it installs packages, so it needs the package index.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# what importing bootstrap_tui.aws and running test_speedups.py needs, at pyproject's bounds
NEEDED = ("boto3", "pyyaml", "keyring", "pytest", "hypothesis")
OFFLINE = re.compile(
    r"No matching distribution|Could not find a version|NewConnectionError|"
    r"Temporary failure in name resolution|Network is unreachable|ConnectionError"
)


def _requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    wanted = [r for r in declared if re.split(r"[<>=!\[ ]", r, maxsplit=1)[0] in NEEDED]
    assert len(wanted) == len(NEEDED), wanted
    return [*wanted, "botocore<2"]


def _run(*args: str | pathlib.Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)


@pytest.mark.slow
def test_speedups_hold_against_the_newest_botocore_allowed(tmp_path):
    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # no -c constraints.txt: the newest releases within pyproject's bounds, as pipx would take
    pip = _run(python, "-m", "pip", "install", "-q", "--upgrade", *_requirements(), timeout=900)
    if pip.returncode != 0 and OFFLINE.search(pip.stderr):
        pytest.skip(f"the package index cannot be reached: {pip.stderr.strip().splitlines()[-1]}")
    assert pip.returncode == 0, pip.stderr
    checks = tmp_path / "checks"
    checks.mkdir()
    shutil.copy(ROOT / "tests" / "aws" / "test_speedups.py", checks)  # without conftest's moto
    (checks / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT), "PATH": str(venv / "bin")}
    version = _run(python, "-c", "import botocore; print(botocore.__version__)", env=env)
    ran = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", checks, cwd=checks, env=env)
    assert ran.returncode == 0, f"botocore {version.stdout.strip()}:\n{ran.stdout}{ran.stderr}"
    assert " passed" in ran.stdout.splitlines()[-1]
