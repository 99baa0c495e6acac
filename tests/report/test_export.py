"""export: checklist building (timelines, attestations), framework grouping with honest
coverage, and the md / csv / json / html renderers."""

from __future__ import annotations

import csv
import io
import json
import re
from html import escape as html_escape
from html.parser import HTMLParser

import pytest

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.model import FRAMEWORKS
from bootstrap_tui.frameworks.catalog import get_catalog
from bootstrap_tui.report.export import (
    ATTESTED,
    NOT_ATTESTED,
    NOT_VERIFIED,
    build_checklist,
    check_timeline,
    framework_view,
    render_export,
)
from bootstrap_tui.report.checklist_text import attestation_text
from bootstrap_tui.report.org_items import ORG_ITEMS

from .fixtures import HOSTILE, MGMT, SECRET_KEY_ID, make_run, make_state, make_steps

GENERATED = "2024-05-03T00:00:00+00:00"


@pytest.fixture
def checklist():
    return build_checklist(
        make_steps(),
        make_state(),
        ["soc2", "cis-aws-3.0"],
        verify_run=make_run(),
        generated_at=GENERATED,
    )


@pytest.fixture
def history_only():
    """No verify run: statuses come from the evidence history alone."""
    return build_checklist(make_steps(), make_state(), ["soc2"], generated_at=GENERATED)


def _check(checklist, check_id):
    return next(c for c in checklist["checks"] if c["id"] == check_id)


# ------------------------------------------------------------------ building


def test_every_step_check_manual_and_org_item_is_listed(checklist):
    assert [s["id"] for s in checklist["steps"]] == ["root-mfa", "log-archive", "guardrails"]
    assert checklist["steps"][1]["status"] == "verified"
    assert checklist["steps"][1]["updated_at"] == "2024-05-01T09:30:00+00:00"
    assert {c["id"] for c in checklist["checks"]} == {
        "root.mfa-enabled",
        "root.no-access-keys",
        "logs.trail-multi-region",
        "guardrails.ebs-encryption",
        "account.security-contact",
    }
    assert [m["id"] for m in checklist["manual_items"]] == [
        "root-mfa.device",
        "root-mfa.password-manager",
    ]
    ids = [m["id"] for m in checklist["org_items"]]
    for required in (
        "org.incident-response-plan",
        "org.acceptable-use-policy",
        "org.access-reviews",
        "org.backup-restore-test",
        "org.security-awareness",
        "org.vendor-management",
        "org.risk-assessment",
        "org.change-management",
    ):
        assert required in ids
    assert checklist["schema_version"] == 1
    assert checklist["management_account_id"] == MGMT
    assert checklist["generated_at"] == GENERATED


def test_first_and_last_verified_times_from_the_evidence_history(history_only):
    mfa = _check(history_only, "root.mfa-enabled")
    assert mfa["status"] == "PASS" and mfa["status_source"] == "evidence history"
    assert mfa["first_passed_at"] == "2024-04-10T00:00:00+00:00"
    assert mfa["passing_since"] == "2024-04-10T00:00:00+00:00"
    assert mfa["last_verified_at"] == "2024-04-20T00:00:00+00:00"
    trail = _check(history_only, "logs.trail-multi-region")
    assert trail["first_passed_at"] == "2024-04-01T00:00:00+00:00"  # passed, failed, passed
    assert trail["passing_since"] == "2024-04-20T00:00:00+00:00"
    keys = _check(history_only, "root.no-access-keys")
    assert keys["first_passed_at"] is None and keys["status"] == "FAIL"
    never = _check(history_only, "guardrails.ebs-encryption")
    assert never["status"] == NOT_VERIFIED and never["last_verified_at"] is None


def test_a_verify_run_is_the_latest_evidence(checklist):
    mfa = _check(checklist, "root.mfa-enabled")
    assert mfa["status_source"] == "verify run"
    assert mfa["last_verified_at"] == "2024-05-02T10:00:07+00:00"
    assert mfa["passing_since"] == "2024-04-10T00:00:00+00:00"
    trail = _check(checklist, "logs.trail-multi-region")
    assert trail["status"] == "ERROR" and trail["passing_since"] is None
    assert trail["message"] == "2 scopes: 1 ERROR, 1 PASS"
    assert len(trail["results"]) == 2
    assert _check(checklist, "root.mfa-enabled")["results"][0]["evidence"] == {
        "AccountMFAEnabled": 1
    }
    assert checklist["last_verify"]["at"] == "2024-05-02T10:00:07+00:00"
    assert checklist["verify_runs"] == 4


def test_timeline_ignores_unordered_and_broken_records():
    history = [
        {"at_text": "2024-01-01T00:00:00+00:00", "checks": {"a": "PASS"}},
        {"at_text": "2024-02-01T00:00:00+00:00", "checks": {"b": "PASS"}},
    ]
    assert check_timeline("a", history)["last_verified_at"] == "2024-01-01T00:00:00+00:00"
    state = make_state()
    state["evidence_history"] = list(reversed(state["evidence_history"])) + [
        "garbage",
        {"at": "not a time", "checks": {}},
        {"at": "2024-01-01T00:00:00Z"},
    ]
    built = build_checklist(make_steps(), state, [], generated_at=GENERATED)
    assert _check(built, "root.mfa-enabled")["first_passed_at"] == "2024-04-10T00:00:00+00:00"


def test_attestations(checklist):
    device = checklist["manual_items"][0]
    assert device["status"] == ATTESTED
    assert device["attested_by"] == "arn:aws:iam::111111111111:user/alice"
    assert device["note"] == "YubiKey #2"
    assert device["controls"]["cis-aws-3.0"] == ["1.4"]  # via its check
    assert checklist["manual_items"][1]["status"] == NOT_ATTESTED
    irp = next(m for m in checklist["org_items"] if m["id"] == "org.incident-response-plan")
    assert irp["status"] == ATTESTED and irp["attested_at"] == "2024-04-20T12:00:00+00:00"
    assert checklist["summary"]["organizational"] == {"total": len(ORG_ITEMS), "attested": 1}


def test_no_secrets_in_the_checklist(checklist):
    text = json.dumps(checklist)
    assert SECRET_KEY_ID not in text and "hunter2" not in text
    assert "<redacted>" in text


def test_empty_state_and_no_steps():
    built = build_checklist([], None, None, generated_at=GENERATED)
    assert built["checks"] == [] and built["last_verify"] is None
    for fmt in ("md", "csv", "json", "html"):
        assert render_export(built, fmt, framework="soc2")


# ------------------------------------------------------------------ framework view


def test_grouped_by_framework_with_uncovered_controls_and_coverage(checklist):
    view = framework_view(checklist, "cis-aws-3.0")
    catalog = get_catalog("cis-aws-3.0")
    total = len(catalog.leaves)
    assert view["coverage"]["total"] == total
    # checks map 1.2, 1.3, 1.4, 2.2.1, 3.1; no org item maps CIS
    assert view["coverage"]["covered"] == 5
    assert view["coverage"]["percent"] == round(500 / total, 1)
    by_id = {c["id"]: c for c in view["controls"]}
    assert by_id["1.4"]["state"] == "passing"
    assert by_id["1.3"]["state"] == "failing"
    assert by_id["3.1"]["state"] == "failing"  # one account ERROR
    assert by_id["1.2"]["state"] == "incomplete"  # MANUAL
    assert by_id["5.6"]["state"] == "not covered" and "5.6" in view["not_covered"]
    assert by_id["3"]["heading"] and by_id["3"]["state"] is None
    assert len(view["not_covered"]) == total - 5
    assert view["coverage"]["passing"] == 1
    assert view["unknown_ids"] == []


def test_org_items_count_towards_coverage_when_attested_or_not(checklist):
    view = framework_view(checklist, "soc2")
    by_id = {c["id"]: c for c in view["controls"]}
    assert {
        "kind": "organizational",
        "id": "org.vendor-management",
        "title": "Vendors and sub-processors assessed",
        "status": NOT_ATTESTED,
    } in by_id["CC9.2"]["items"]
    assert by_id["CC9.2"]["state"] == "incomplete"
    assert by_id["CC6.4"]["state"] == "not covered"  # physical access: never claimed


def test_unknown_mapped_ids_are_reported_not_hidden(checklist):
    checklist["checks"][0]["controls"]["soc2"] = ["CC6.1", "CC99.9"]
    assert framework_view(checklist, "soc2")["unknown_ids"] == ["CC99.9"]


def test_unknown_framework_or_format(checklist):
    with pytest.raises(ConfigError):
        render_export(checklist, "md", framework="nist-800-53")
    with pytest.raises(ConfigError):
        render_export(checklist, "pdf")


# ------------------------------------------------------------------ renderers


def test_md_export(checklist):
    out = render_export(checklist, "md", framework="cis-aws-3.0")
    assert out.startswith("# Setup checklist")
    for heading in (
        "## Summary",
        "## Steps",
        "## Checks",
        "## Manual items",
        "## Organizational items",
        "## CIS Amazon Web Services Foundations",
    ):
        assert heading in out
    assert "covered 5 of" in out and "Not covered by this baseline" in out
    assert "<script>" not in out and HOSTILE not in out
    assert "not attested" in out


def test_csv_export_parses_one_row_per_item_and_control(checklist):
    out = render_export(checklist, "csv", framework="aws-ssb")
    rows = list(csv.DictReader(io.StringIO(out)))
    kinds = [r["record"] for r in rows]
    assert kinds.count("step") == 3
    assert kinds.count("check") == 5
    assert kinds.count("manual") == 2
    assert kinds.count("organizational") == len(ORG_ITEMS)
    assert kinds.count("control") == len(get_catalog("aws-ssb").leaves)
    ebs = next(r for r in rows if r["id"] == "guardrails.ebs-encryption")
    assert ebs["status"] == "FAIL" and "aws-ssb WKLD.08" in ebs["controls"]
    assert json.loads(ebs["evidence"])[0]["status"] == "PASS"
    uncovered = [r for r in rows if r["record"] == "control" and r["status"] == "not covered"]
    assert uncovered and all(r["note"] == "not covered by this baseline" for r in uncovered)


def test_csv_cells_cannot_become_formulas():
    state = make_state()
    state["attestations"]["org.risk-assessment"] = {
        "by": "=cmd|' /C calc'!A0",
        "at": "x",
        "note": "+SUM(1)",
    }
    built = build_checklist(make_steps(), state, [], generated_at=GENERATED)
    rows = list(csv.DictReader(io.StringIO(render_export(built, "csv"))))
    risk = next(r for r in rows if r["id"] == "org.risk-assessment")
    assert risk["attested_by"].startswith("'=") and risk["note"].startswith("'+")


def test_json_export_is_versioned_and_includes_framework_views(checklist):
    doc = json.loads(render_export(checklist, "json", framework=["soc2", "pci-dss-4.0"]))
    assert doc["schema_version"] == 1 and doc["kind"] == "bootstrap-tui/checklist"
    assert [v["framework"] for v in doc["framework_views"]] == ["soc2", "pci-dss-4.0"]
    # without --framework: every framework the catalog knows, each with its coverage
    views = json.loads(render_export(checklist, "json"))["framework_views"]
    assert [v["framework"] for v in views] == list(FRAMEWORKS)
    assert all(v["coverage"]["total"] > 0 for v in views)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "data") and value:
                self.refs.append(value)


def test_html_is_self_contained_printable_and_escapes_hostile_strings(checklist):
    out = render_export(checklist, "html", framework="iso27001-2022")
    parser = _Assets()
    parser.feed(out)
    assert not [r for r in parser.refs if not r.startswith("#")]
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "img" not in parser.tags and "iframe" not in parser.tags
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", out, re.I)
    assert "@import" not in out and "url(" not in out
    assert "@media print" in out and "<style>" in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "<script>" not in out
    assert "\x1b" not in out
    assert "covered" in out and "not covered by this baseline" in out
    assert out.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html"])
def test_no_secret_in_any_export(checklist, fmt):
    out = render_export(checklist, fmt, framework="soc2")
    assert SECRET_KEY_ID not in out and "hunter2" not in out


# ------------------------------------------------------------------ engine glue


class _FakeState:
    def __init__(self, data):
        self.data = data


class _FakeEngine:
    """Just what export_text reads of an Engine: steps, state.data, profile, answers()."""

    def __init__(self):
        from types import SimpleNamespace

        self.steps = make_steps()
        self.state = _FakeState(make_state())
        self.profile = SimpleNamespace(name="soc2", frameworks=["soc2", "aws-ssb"])

    def answers(self, step_id):
        return {"root-mfa": {"device": "hardware", "unused": None}}.get(step_id, {})


def test_export_text_uses_engine_state_and_profile_frameworks():
    from bootstrap_tui.report.export import export_text

    out = export_text(_FakeEngine(), "json", generated_at=GENERATED)
    doc = json.loads(out)
    assert doc["profile"] == "soc2" and doc["frameworks"] == ["soc2", "aws-ssb"]
    md = export_text(_FakeEngine(), "md", frameworks=["soc2"], generated_at=GENERATED)
    assert "## 2017 Trust Services Criteria" in md
    # without --framework, every framework: its controls and its section
    default = export_text(_FakeEngine(), "md")
    assert "aws-ssb ACCT.02" in default and "cis-aws-3.0 1.4" in default
    assert "## 2017 Trust Services Criteria" in default and "## ISO/IEC 27001:2022" in default


def test_export_text_answers_is_a_replayable_yaml_file():
    import yaml

    from bootstrap_tui.report.export import export_text

    out = export_text(_FakeEngine(), "answers")
    assert out.startswith("# bootstrap-tui answers file")
    assert yaml.safe_load(out) == {"root-mfa": {"device": "hardware"}}


def test_an_attestation_reads_the_same_in_text_and_html():
    entry = {
        "status": ATTESTED,
        "attested_person": "Jane <b>",
        "attested_by": "arn:aws:iam::111111111111:user/jane",
        "attested_at": "2024-05-01T10:00:00+00:00",
        "simulated": True,
        "check_id": "root.mfa-enabled",
        "check_status": "PASS",
    }
    assert attestation_text(entry) == (
        "Jane <b> (AWS identity arn:aws:iam::111111111111:user/jane) at "
        "2024-05-01T10:00:00+00:00 (SIMULATED with --simulate-console on a sandbox); "
        "API check root.mfa-enabled: PASS"
    )
    html = attestation_text(
        entry, escape=html_escape, at=lambda v: f", {v[:10]}", code=lambda s: f"<code>{s}</code>"
    )
    assert html.startswith("Jane &lt;b&gt; (AWS identity") and ", 2024-05-01 (SIMULATED" in html
    assert html.endswith("API check <code>root.mfa-enabled</code>: PASS")
    assert attestation_text({"status": NOT_ATTESTED}) == "not attested"
