"""`plan` before anything is applied: every step gets a section, later steps name the accounts
the accounts step will create, and nothing exits 2 because an earlier step is not applied yet."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_full_run import Cli, sandbox  # noqa: E402,F401

pytestmark = pytest.mark.slow

PROFILES = ("startup-minimal", "soc2")


@pytest.mark.parametrize("profile", PROFILES)
def test_plan_on_a_fresh_account_shows_every_step(sandbox, tmp_path, profile):  # noqa: F811
    sandbox.reset(seed="fresh", accounts=0)
    planned = Cli(sandbox, profile, tmp_path)("plan")
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    body = planned.stdout.split("\nEstimated monthly total: ~$", 1)[0]
    sections = re.findall(r"^([a-z-]+) \(.*\): ", body, re.MULTILINE)
    assert len(sections) == 10 and len(set(sections)) == 10, planned.stdout
    later = body.split("\nlog-archive ", 1)[1]
    assert "<Log Archive, to be created>" in later, planned.stdout
