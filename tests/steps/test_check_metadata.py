"""What every check and manual item of every discovered step must carry.

That each mapped control id exists in its framework catalog is enforced by
tests/report/test_catalogs.py; this module checks the rest of the metadata.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bootstrap_tui.engine import discover_steps
from bootstrap_tui.model import FRAMEWORKS, Severity
from bootstrap_tui.resources import doc_page

STEPS = discover_steps()
CHECKS = [(step, check) for step in STEPS for check in step.checks]
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$")


def test_the_steps_declare_checks():
    assert len(STEPS) == 10
    assert len(CHECKS) >= 40


def test_check_ids_are_unique_across_steps():
    counts = Counter(check.id for _, check in CHECKS)
    assert [cid for cid, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("step,check", CHECKS, ids=[c.id for _, c in CHECKS])
def test_check_metadata(step, check):
    assert ID_RE.match(check.id), f"{check.id}: not <area>.<kebab-name>"
    assert isinstance(check.severity, Severity)
    assert check.title.strip() and check.remediation.strip()
    mappings = check.mappings()
    assert mappings, f"{check.id} maps to no framework"
    assert set(mappings) <= set(FRAMEWORKS), f"{check.id}: unknown framework in {sorted(mappings)}"
    page = doc_page(step.doc_name)
    assert page is not None, f"{step.id} has no docs page {step.doc_name}"
    assert check.id in page, f"{check.id} is not described on docs/{step.doc_name}"


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_manual_items_have_instructions(step):
    ids = [item.id for item in step.manual]
    assert len(ids) == len(set(ids))
    check_ids = {check.id for check in step.checks}
    for item in step.manual:
        assert item.title.strip(), item.id
        assert len(item.instructions.strip()) >= 40, f"{item.id}: instructions too thin"
        assert item.check_id is None or item.check_id in check_ids, (
            f"{item.id} points at unknown check {item.check_id}"
        )


PROWLER_DATA = Path(__file__).resolve().parents[1] / "data" / "prowler.json"


def _prowler_check_ids() -> set[str]:
    return set(json.loads(PROWLER_DATA.read_text(encoding="utf-8"))["checks"])


def test_prowler_data_records_its_source_commit():
    data = json.loads(PROWLER_DATA.read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{40}", data["commit"])
    assert data["source"] == "https://github.com/prowler-cloud/prowler"
    assert len(data["checks"]) > 500 and "cloudtrail_multi_region_enabled" in data["checks"]


@pytest.mark.parametrize("step,check", CHECKS, ids=[c.id for _, c in CHECKS])
def test_check_names_a_real_prowler_check_or_says_why_not(step, check):
    if check.prowler is None:
        assert len(check.no_prowler.strip()) >= 30, f"{check.id}: no Prowler id and no reason"
        assert not check.prowler_also, f"{check.id}: prowler_also without a primary id"
    else:
        assert not check.no_prowler, f"{check.id}: both a Prowler id and a reason for none"
    unknown = {check.prowler, *check.prowler_also} - {None} - _prowler_check_ids()
    assert unknown == set(), f"{check.id}: not Prowler check ids: {sorted(unknown)}"


def test_loose_prowler_ids_are_fixed():
    by_id = {check.id: check for _, check in CHECKS}
    assert (
        by_id["log-archive.trail-multi-region"].prowler
        == "cloudtrail_multi_region_enabled_logging_management_events"
    )
    assert by_id["guardrails.scps-attached"].prowler is None
    assert "iam_password_policy_reuse_24" in by_id["guardrails.password-policy"].prowler_also
    assert by_id["security-services.securityhub-standards"].prowler == "securityhub_enabled"
