"""Issue 12, in the renderers: NOT_APPLICABLE is its own status and never a pass, every
summary says how many checks and scopes were expected and reported, and a sandbox run
or a simulated attestation says so in every format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from bootstrap_tui.engine import VerifyRun
from bootstrap_tui.model import Status
from bootstrap_tui.report import render_verify
from bootstrap_tui.report.export import (
    NOT_APPLICABLE,
    build_checklist,
    framework_view,
    render_export,
)
from tests.report.fixtures import EBS, MGMT, ROOT_MFA, TRAIL, make_steps, result

DOCS = Path(__file__).resolve().parents[2] / "docs"
VERIFY_SCHEMA = json.loads((DOCS / "verify-json.schema.json").read_text())
EXPORT_SCHEMA = json.loads((DOCS / "export-json.schema.json").read_text())
REASON = "no Object Lock: Control Tower's log bucket is created without Object Lock"


def _run(*, sandbox: bool = False) -> VerifyRun:
    """Trail NOT_APPLICABLE, root MFA PASS, EBS claimed two scopes but its target was missing."""
    results = [
        result(ROOT_MFA, "root-mfa", Status.PASS, "MFA is enabled"),
        result(TRAIL, "log-archive", Status.NOT_APPLICABLE, REASON),
        result(
            EBS,
            "guardrails",
            Status.FAIL,
            "could not run: the Audit account is missing",
            account=None,
        ),
    ]
    return VerifyRun(
        results=results,
        started_at="2024-05-02T10:00:00+00:00",
        finished_at="2024-05-02T10:00:07+00:00",
        actor="arn:aws:sts::1:x",
        account=MGMT,
        endpoint="http://127.0.0.1:4566" if sandbox else None,
        sandbox=sandbox,
        expected={ROOT_MFA.id: 1, TRAIL.id: 1, EBS.id: 1},
        unreported={EBS.id},
    )


def test_not_applicable_in_every_verify_format():
    run, steps = _run(), make_steps()
    doc = json.loads(render_verify(run, "json", steps=steps))
    jsonschema.Draft202012Validator(VERIFY_SCHEMA).validate(doc)
    assert doc["summary"]["NOT_APPLICABLE"] == 1 and doc["summary"]["PASS"] == 1
    assert [r["status"] for r in doc["results"] if r["check_id"] == TRAIL.id] == ["NOT_APPLICABLE"]

    junit = ET.fromstring(render_verify(run, "junit", steps=steps))
    case = next(c for c in junit.iter("testcase") if c.get("name").startswith(TRAIL.id))
    assert case.find("skipped").get("message").startswith("NOT_APPLICABLE: no Object Lock")
    assert case.find("failure") is None

    sarif = json.loads(render_verify(run, "sarif", steps=steps))["runs"][0]["results"]
    assert [r["level"] for r in sarif if r["ruleId"] == TRAIL.id] == ["none"]

    text = render_verify(run, "text", steps=steps)
    row = next(line for line in text.splitlines() if line.startswith("NOT_APPLICABLE"))
    assert TRAIL.id in row and "Object Lock" in row
    assert "1 PASS" in text.splitlines()[-1] and "1 NOT_APPLICABLE" in text.splitlines()[-1]
    md = render_verify(run, "md", steps=steps)
    assert f"| ➖ NOT_APPLICABLE | `{TRAIL.id}`" in md


def test_not_applicable_is_not_covered_and_never_passing_in_the_export():
    state = {
        "management_account_id": MGMT,
        "evidence_history": [
            {
                "at": "2024-05-01T10:00:00+00:00",
                "by": "x",
                "summary": {},
                "checks": {TRAIL.id: "PASS"},
            }
        ],
    }
    checklist = build_checklist(
        make_steps(), state, ["soc2"], verify_run=_run(), generated_at="2024-05-03T00:00:00+00:00"
    )
    jsonschema.Draft202012Validator(EXPORT_SCHEMA).validate(checklist)
    trail = next(c for c in checklist["checks"] if c["id"] == TRAIL.id)
    assert trail["status"] == NOT_APPLICABLE and "Object Lock" in trail["message"]
    assert trail["passing_since"] is None, "a not-applicable run ends a passing streak"
    view = framework_view(checklist, "soc2")
    control = next(c for c in view["controls"] if c["id"] == "CC7.2")
    assert control["items"] == [] and "CC7.2" in view["not_covered"]
    assert checklist["summary"]["checks"]["PASS"] == 1


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "md"])
def test_every_verify_summary_says_what_was_expected_and_reported(fmt):
    out = render_verify(_run(), fmt, steps=make_steps())
    if fmt in ("json", "sarif"):
        doc = json.loads(out)
        summary = doc["summary"] if fmt == "json" else doc["runs"][0]["properties"]
        assert (
            summary["checks_expected"],
            summary["checks_reported"],
            summary["scopes_expected"],
            summary["scopes_reported"],
        ) == (3, 2, 3, 2)
    elif fmt == "junit":
        props = {p.get("name"): p.get("value") for p in ET.fromstring(out).iter("property")}
        assert props["run.checks_expected"] == "3" and props["run.scopes_reported"] == "2"
    else:
        assert "2 of 3 checks reported, 2 of 3 scopes" in out


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "md"])
def test_a_sandbox_run_says_so_in_every_verify_format(fmt):
    real = render_verify(_run(), fmt, steps=make_steps())
    sandbox = render_verify(_run(sandbox=True), fmt, steps=make_steps())
    if fmt == "json":
        assert json.loads(sandbox)["sandbox"] is True and json.loads(real)["sandbox"] is False
    elif fmt == "sarif":
        assert json.loads(sandbox)["runs"][0]["properties"]["sandbox"] is True
    elif fmt == "junit":
        assert 'name="sandbox" value="true"' in sandbox and 'name="sandbox"' not in real
    else:
        assert "SANDBOX:" in sandbox and "SANDBOX:" not in real


def test_a_sandbox_export_and_simulated_attestations_say_so_in_every_format():
    state = {
        "management_account_id": MGMT,
        "attestations": {
            "root-mfa.device": {
                "by": "arn:x",
                "at": "2024-05-01T10:00:00+00:00",
                "note": "simulated",
                "simulated": True,
            }
        },
    }
    checklist = build_checklist(
        make_steps(), state, ["soc2"], sandbox=True, generated_at="2024-05-03T00:00:00+00:00"
    )
    jsonschema.Draft202012Validator(EXPORT_SCHEMA).validate(checklist)
    assert checklist["sandbox"] is True
    device = next(m for m in checklist["manual_items"] if m["id"] == "root-mfa.device")
    assert device["simulated"] is True
    md, html = render_export(checklist, "md"), render_export(checklist, "html")
    assert md.splitlines()[2].startswith("> **SANDBOX:")
    assert 'class="sandbox-banner"' in html
    assert "SIMULATED" in md and "SIMULATED" in html
    rows = list(csv.DictReader(io.StringIO(render_export(checklist, "csv"))))
    assert {r["sandbox"] for r in rows} == {"true"}
    assert next(r for r in rows if r["id"] == "root-mfa.device")["simulated"] == "true"
    plain = build_checklist(make_steps(), {}, [], generated_at="2024-05-03T00:00:00+00:00")
    assert plain["sandbox"] is False and "SANDBOX" not in render_export(plain, "md")


def test_the_tui_shows_not_applicable_neutral_and_uncovered():
    from bootstrap_tui.tui.present import check_badge, check_class, framework_coverage
    from bootstrap_tui.tui.widgets.results import status_cell

    assert check_badge(Status.NOT_APPLICABLE) == "– NOT APPLICABLE"
    assert check_class(Status.NOT_APPLICABLE) == "neutral"
    assert "green" not in str(status_cell(Status.NOT_APPLICABLE).style)
    na = result(TRAIL, "log-archive", Status.NOT_APPLICABLE, REASON)
    soc2 = next(row for row in framework_coverage([na]) if row[0] == "soc2")
    assert soc2[2] == 0, "a not-applicable check covers no control"
