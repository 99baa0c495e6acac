"""verify renderers: text, json (validated against docs/verify-json.schema.json),
junit, sarif, md — built from real model objects."""

from __future__ import annotations

import json
import pathlib
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from bootstrap_tui.engine import VerifyRun
from bootstrap_tui.errors import ConfigError
from bootstrap_tui.model import Status
from bootstrap_tui.report import VERIFY_FORMATS, render_verify
from bootstrap_tui.report.verify_sarif import level

from .fixtures import HOSTILE, LOGS, MGMT, SECRET_KEY_ID, make_run, make_steps

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "verify-json.schema.json").read_text())


@pytest.fixture
def run():
    return make_run()


@pytest.fixture
def steps():
    return make_steps()


# ------------------------------------------------------------------ common


@pytest.mark.parametrize("fmt", VERIFY_FORMATS)
def test_no_secret_reaches_any_format(run, steps, fmt):
    out = render_verify(run, fmt, steps=steps)
    assert SECRET_KEY_ID not in out
    assert "hunter2" not in out


@pytest.mark.parametrize("fmt", VERIFY_FORMATS)
def test_empty_run_renders(fmt, steps):
    empty = VerifyRun(
        results=[],
        started_at="2024-05-02T10:00:00+00:00",
        finished_at="2024-05-02T10:00:00+00:00",
        actor="me",
        account=MGMT,
    )
    assert render_verify(empty, fmt, steps=steps)


def test_unknown_format_is_a_config_error(run):
    with pytest.raises(ConfigError):
        render_verify(run, "yaml", steps=[])


# ------------------------------------------------------------------ text


def test_text_lists_failures_first_then_remediation_then_summary(run, steps):
    out = render_verify(run, "text", steps=steps)
    rows = [
        line.split()[0]
        for line in out.splitlines()
        if line.split() and line.split()[0] in {s.value for s in Status}
    ]
    table = rows[: len(run.results)]
    order = ["FAIL", "ERROR", "WARN", "MANUAL", "PASS"]
    assert table == sorted(table, key=order.index)
    assert table[0] == "FAIL" and table[-1] == "PASS"
    assert out.index("Remediation") > out.index("STATUS")
    # remediation once per failing check id, even though ebs fails/warns in 2 scopes
    assert out.count("Enable EBS encryption by default in every region.") == 1
    assert "Delete the root user's access keys." in out
    assert "Enable a hardware MFA device" not in out  # root.mfa-enabled passed
    assert out.rstrip().splitlines()[-1] == "8 checks: 2 FAIL, 1 ERROR, 1 WARN, 1 MANUAL, 3 PASS"


def test_text_has_no_escape_sequences_without_colour_and_some_with(run, steps):
    plain = render_verify(run, "text", steps=steps)
    assert "\x1b" not in plain  # not even the hostile message's own escape sequence
    coloured = render_verify(run, "text", steps=steps, color=True)
    assert "\x1b[1;31mFAIL" in coloured


def test_text_columns(run, steps):
    out = render_verify(run, "text", steps=steps)
    header = next(line for line in out.splitlines() if line.startswith("STATUS"))
    assert header.split() == ["STATUS", "CHECK", "ACCOUNT", "REGION", "MESSAGE"]
    assert any(LOGS in line and "us-east-1" in line for line in out.splitlines())


# ------------------------------------------------------------------ json


def test_json_validates_against_the_published_schema(run, steps):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    doc = json.loads(render_verify(run, "json", steps=steps))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["schema_version"] == 1
    assert doc["tool"]["name"] == "bootstrap-tui"
    assert doc["summary"] == {
        "total": 8,
        "FAIL": 2,
        "ERROR": 1,
        "WARN": 1,
        "MANUAL": 1,
        "PASS": 3,
        "NOT_APPLICABLE": 0,
        "checks": 5,
        "failed": True,
        "failed_strict": True,
        "checks_expected": 5,
        "checks_reported": 5,
        "scopes_expected": 8,
        "scopes_reported": 8,
    }
    assert doc["management_account_id"] == MGMT
    assert doc["api_calls"] == 42
    assert [r["check_id"] for r in doc["results"]] == [r.check_id for r in run.results]


def test_json_schema_rejects_a_broken_document(run, steps):
    doc = json.loads(render_verify(run, "json", steps=steps))
    doc["results"][0]["status"] = "OK"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_json_endpoint_never_carries_credentials(run, steps):
    run.endpoint = "http://user:s3cret@127.0.0.1:4566/"
    doc = json.loads(render_verify(run, "json", steps=steps))
    assert doc["endpoint"] == "http://127.0.0.1:4566/"


def test_json_is_jsonable_with_datetimes_in_evidence(run, steps):
    import datetime as dt

    run.results[0].evidence["when"] = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    doc = json.loads(render_verify(run, "json", steps=steps))
    assert doc["results"][0]["evidence"]["when"] == "2024-01-01T00:00:00+00:00"


# ------------------------------------------------------------------ junit


def test_junit_parses_with_one_testcase_per_scope_and_right_counts(run, steps):
    out = render_verify(run, "junit", steps=steps)
    root = ET.fromstring(out.encode())
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "8",
        "2",
        "1",
        "1",
    )
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 8
    names = {c.get("name") for c in cases}
    assert f"guardrails.ebs-encryption [{LOGS}/us-east-1]" in names
    assert f"root.mfa-enabled [{MGMT}]" in names
    assert {c.get("classname") for c in cases} == {"root-mfa", "log-archive", "guardrails"}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["root-mfa", "log-archive", "guardrails"]
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped"))
    failing = [c for c in cases if c.find("failure") is not None]
    assert all("Remediation" in c.find("failure").text for c in failing)
    error = next(c for c in cases if c.find("error") is not None)
    assert "AccessDenied" in error.find("error").get("message")
    assert all(c.find("system-out") is not None for c in cases)


def test_junit_survives_characters_xml_cannot_carry(run, steps):
    run.results[1].message = "bad \x00\x01 bytes \ud800 here"
    root = ET.fromstring(render_verify(run, "junit", steps=steps).encode())
    assert root.findall(".//failure")


def test_junit_evidence_in_system_out(run, steps):
    root = ET.fromstring(render_verify(run, "junit", steps=steps).encode())
    case = next(c for c in root.iter("testcase") if c.get("name").startswith("root.mfa-enabled"))
    evidence = json.loads(case.find("system-out").text)
    assert evidence["evidence"] == {"AccountMFAEnabled": 1}


# ------------------------------------------------------------------ sarif


def test_sarif_structure_rules_and_levels(run, steps):
    doc = json.loads(render_verify(run, "sarif", steps=steps))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    sarif_run = doc["runs"][0]
    rules = sarif_run["tool"]["driver"]["rules"]
    # one rule per declared check, wizard order: stable ruleIndex whatever failed
    assert [r["id"] for r in rules] == [
        "root.mfa-enabled",
        "root.no-access-keys",
        "logs.trail-multi-region",
        "guardrails.ebs-encryption",
        "account.security-contact",
    ]
    ebs = rules[3]
    assert ebs["help"]["text"] == "Enable EBS encryption by default in every region."
    assert ebs["properties"]["severity"] == "medium"
    assert "cis-aws-3.0:2.2.1" in ebs["properties"]["tags"]
    assert ebs["properties"]["frameworks"]["aws-ssb"] == ["WKLD.08"]
    results = sarif_run["results"]
    assert len(results) == 5  # PASS results are not reported
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]
        assert "physicalLocation" not in loc
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("aws://")
    by = {(r["ruleId"], r["properties"]["account"], r["properties"]["region"]): r for r in results}
    assert by[("root.no-access-keys", MGMT, None)]["level"] == "error"  # critical FAIL
    assert (
        by[("root.no-access-keys", MGMT, None)]["locations"][0]["logicalLocations"][0][
            "fullyQualifiedName"
        ]
        == f"aws://{MGMT}"
    )
    assert by[("guardrails.ebs-encryption", LOGS, "us-east-1")]["level"] == "warning"  # medium
    assert (
        by[("guardrails.ebs-encryption", LOGS, "us-east-1")]["locations"][0]["logicalLocations"][0][
            "fullyQualifiedName"
        ]
        == f"aws://{LOGS}/us-east-1"
    )
    assert by[("guardrails.ebs-encryption", LOGS, "eu-west-1")]["level"] == "note"  # medium WARN
    assert by[("logs.trail-multi-region", LOGS, None)]["level"] == "warning"  # ERROR
    assert by[("account.security-contact", MGMT, None)]["level"] == "note"  # MANUAL
    fingerprints = [r["partialFingerprints"]["bootstrapTuiScope/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_levels_table():
    from bootstrap_tui.model import Severity

    assert level(Status.FAIL, Severity.HIGH) == "error"
    assert level(Status.FAIL, Severity.LOW) == "note"
    assert level(Status.WARN, Severity.CRITICAL) == "warning"
    assert level(Status.MANUAL, Severity.CRITICAL) == "note"


def test_sarif_rule_index_is_stable_across_runs(run, steps):
    first = json.loads(render_verify(run, "sarif", steps=steps))
    run.results = [r for r in run.results if r.check_id != "root.no-access-keys"]
    second = json.loads(render_verify(run, "sarif", steps=steps))
    assert (
        first["runs"][0]["tool"]["driver"]["rules"] == second["runs"][0]["tool"]["driver"]["rules"]
    )


# ------------------------------------------------------------------ md


def test_md_has_a_section_per_step_a_table_and_a_summary(run, steps):
    out = render_verify(run, "md", steps=steps)
    assert "**8 checks: 2 FAIL, 1 ERROR, 1 WARN, 1 MANUAL, 3 PASS**" in out
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Root user: MFA and no access keys (`root-mfa`)",
        "## Immutable log archive (`log-archive`)",
        "## Guardrails (`guardrails`)",
    ]
    assert "| Status | Check | Account | Region | Message |" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    # a hostile message cannot add table columns
    row = next(line for line in out.splitlines() if "us-east-1" in line)
    assert row.count(" | ") == 4
    assert HOSTILE not in out
