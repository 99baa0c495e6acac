"""`bootstrap-tui export` end to end: evidence history over verify runs at different times,
per-scope evidence, attestations, every format, framework coverage and -o."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import yaml

from bootstrap_tui.cli import main
from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.model import FRAMEWORKS

from .conftest import aim_at_sandbox, member_accounts, root_fixed

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs"
RUN_STEPS = ["--step", "root-mfa", "--step", "security-services"]
NOTE = "IR plan v3, tabletop 2026-10-02 (Drive: Security/IR)"


@pytest.fixture(scope="module")
def world(sandbox, tmp_path_factory):
    """Three verify runs a second or more apart — root fixed; root drifted with GuardDuty
    denied in one member account; log-archive only — an attested organizational item, then
    every export format written with -o."""
    home = tmp_path_factory.mktemp("export-home")
    mp = pytest.MonkeyPatch()
    aim_at_sandbox(mp, sandbox, home)
    state = home / "state.yaml"
    base = ["--state-file", str(state)]
    codes, files = [], {}
    try:
        with root_fixed(sandbox):
            codes.append(main([*base, "verify", *RUN_STEPS, "--format", "json"]))
        time.sleep(1.1)
        denied = sorted(member_accounts(sandbox).values())[0]
        sandbox.configure(faults=f"deny=guardduty:ListDetectors@{denied}")
        try:
            codes.append(main([*base, "verify", *RUN_STEPS, "--format", "json"]))
        finally:
            sandbox.configure(faults="")
        time.sleep(1.1)
        codes.append(main([*base, "verify", "--step", "log-archive", "--format", "json"]))
        engine = Engine(Options(state_file=state))
        engine.connect()
        try:
            engine.attest("org.incident-response-plan", NOTE)
            actor = engine.actor
        finally:
            engine.close()
        for name, args in (
            ("json", ["--format", "json"]),
            ("soc2.json", ["--format", "json", "--framework", "soc2"]),
            ("md", ["--format", "md"]),
            ("csv", ["--format", "csv"]),
            ("html", ["--format", "html", "--framework", "cis-aws-3.0"]),
            ("answers.yaml", ["--format", "answers"]),
        ):
            path = home / f"export.{name}"
            assert main([*base, "export", *args, "-o", str(path)]) == 0
            files[name] = path
    finally:
        mp.undo()
    data = yaml.safe_load(state.read_text())
    return {
        "codes": codes,
        "files": files,
        "state": data,
        "actor": actor,
        "home": home,
        "denied": denied,
        "json": json.loads(files["json"].read_text()),
    }


def check(doc, check_id):
    return next(c for c in doc["checks"] if c["id"] == check_id)


def test_each_run_appends_a_compact_record(world):
    assert world["codes"][1] == 1  # root drifted, GuardDuty denied
    history = world["state"]["evidence_history"]
    assert len(history) == 3
    times = [r["at"] for r in history]
    assert times == sorted(times) and len(set(times)) == 3
    first, second, third = history
    assert first["by"] == world["actor"]
    assert first["checks"]["root.mfa-enabled"] == "PASS"
    assert second["checks"]["root.mfa-enabled"] == "FAIL"
    assert (
        "root.mfa-enabled" not in third["checks"]
        and "log-archive.trail-multi-region" in third["checks"]
    )
    assert sum(second["summary"].values()) > len(second["checks"]), "summary counts every scope"
    for record in history:
        assert set(record) == {"at", "by", "summary", "checks", "coverage", "sandbox"}, (
            "compact: no evidence in the state"
        )


def test_first_and_last_verified_per_check_across_runs(world):
    doc = world["json"]
    t1, t2, t3 = (r["at"] for r in world["state"]["evidence_history"])
    mfa = check(doc, "root.mfa-enabled")
    assert mfa["status"] == "FAIL"
    assert mfa["first_passed_at"] == t1 and mfa["last_passed_at"] == t1
    assert mfa["passing_since"] is None
    assert mfa["last_verified_at"] == t2, "the log-archive-only run did not touch it"
    assert doc["verify_runs"] == 3 and doc["last_verify"]["at"] == t3
    trail = check(doc, "log-archive.trail-multi-region")
    assert trail["last_verified_at"] == t3 and trail["first_passed_at"] in (None, t3)


def test_per_account_evidence_of_the_run_that_last_included_the_check(world, sandbox):
    doc = world["json"]
    t2, t3 = (r["at"] for r in world["state"]["evidence_history"][1:])
    mfa = check(doc, "root.mfa-enabled")
    assert [(r["account"], r["status"], r["verified_at"]) for r in mfa["results"]] == [
        (sandbox.management_account_id, "FAIL", t2)
    ]
    assert mfa["results"][0]["evidence"] and mfa["results"][0]["verified_by"] == world["actor"]
    gd = check(doc, "security-services.guardduty-enabled")
    scopes = {(r["account"], r["region"]): r for r in gd["results"]}
    accounts = {a["id"] for a in sandbox.info()["accounts"]}
    assert {a for a, _ in scopes} == accounts, "every account of the last run is listed"
    for region in ("us-east-1", "us-west-2"):
        denied = scopes[(world["denied"], region)]
        assert denied["status"] == "ERROR" and "guardduty:ListDetectors" in denied["message"]
    assert gd["status"] in ("ERROR", "FAIL"), "the worst scope decides (FAIL ranks above ERROR)"
    assert all(r["status"] != "ERROR" for (a, _), r in scopes.items() if a != world["denied"])
    assert all(r["verified_at"] == t2 for r in gd["results"])
    assert all(
        r["verified_at"] == t3 for r in check(doc, "log-archive.trail-multi-region")["results"]
    )


def test_attestations_and_manual_items_are_listed_with_who_and_when(world):
    doc = world["json"]
    ir = next(i for i in doc["org_items"] if i["id"] == "org.incident-response-plan")
    assert ir["status"] == "ATTESTED" and ir["attested_by"] == world["actor"]
    assert ir["note"] == NOTE and ir["attested_at"]
    others = [i for i in doc["org_items"] if i["id"] != "org.incident-response-plan"]
    assert others and all(
        i["status"] == "NOT ATTESTED" and i["attested_by"] is None for i in others
    )
    assert {
        "org.access-reviews",
        "org.backup-restore-test",
        "org.security-awareness",
        "org.acceptable-use-policy",
    } <= {i["id"] for i in doc["org_items"]}
    assert doc["manual_items"] and all(m["kind"] == "manual" for m in doc["manual_items"])
    device = next(m for m in doc["manual_items"] if m["check_id"] == "root.mfa-enabled")
    assert device["check_status"] == "FAIL", "the API's view is shown next to the attestation"
    root_step = next(s for s in doc["steps"] if s["id"] == "root-mfa")
    assert root_step["checks_status"] == "FAIL"
    assert doc["summary"]["organizational"] == {"total": len(doc["org_items"]), "attested": 1}


def test_every_step_and_check_is_listed_and_skipped_steps_are_not_applicable(world):
    doc = world["json"]
    engine_steps = [s["id"] for s in doc["steps"]]
    assert engine_steps[0] == "management-account" and "bootstrap-cleanup" in engine_steps
    assert len(doc["checks"]) == sum(len(s["checks"]) for s in doc["steps"])
    ct = next(s for s in doc["steps"] if s["id"] == "control-tower")
    assert ct["status"] == "skipped" and "does not use Control Tower" in ct["skip_reason"]
    for check_id in ct["checks"]:
        entry = check(doc, check_id)
        assert entry["status"] == "NOT APPLICABLE" and entry["results"] == []
    never = check(doc, "guardrails.password-policy")
    assert never["status"] == "NOT VERIFIED" and never["last_verified_at"] is None


def test_json_exports_validate_against_the_published_schema(world):
    schema = json.loads((DOCS / "export-json.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in ("json", "soc2.json"):
        jsonschema.validate(json.loads(world["files"][name].read_text()), schema)
    broken = dict(world["json"], checks=[dict(world["json"]["checks"][0], status="GREEN")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_framework_view_lists_uncovered_controls_honestly(world):
    view = json.loads(world["files"]["soc2.json"].read_text())["framework_views"][0]
    assert view["framework"] == "soc2"
    controls = {c["id"]: c for c in view["controls"]}
    assert view["not_covered"], "an account baseline does not cover all of SOC 2"
    for cid in view["not_covered"]:
        assert controls[cid]["items"] == [] and controls[cid]["state"] == "not covered"
    leaves = [c for c in view["controls"] if not c["heading"]]
    assert (
        view["coverage"]["covered"] + len(view["not_covered"])
        == view["coverage"]["total"]
        == len(leaves)
    )
    items = [i for c in view["controls"] for i in c["items"]]
    assert not any(i["status"] == "NOT APPLICABLE" for i in items), "skipped steps cover nothing"
    assert any(
        i["id"] == "org.incident-response-plan" and i["status"] == "ATTESTED"
        for i in controls["CC7.4"]["items"]
    )


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.refs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "srcset", "data") and v]


def test_html_is_one_self_contained_printable_file(world, sandbox):
    scopes = 2 * len(sandbox.info()["accounts"])  # GuardDuty: every account x 2 regions
    text = world["files"]["html"].read_text()
    parser = _Collector()
    parser.feed(text)
    assert [r for r in parser.refs if not r.startswith("#")] == [], (
        "no external resource references (links within the page only)"
    )
    assert not {"script", "link", "img", "iframe", "object"} & set(parser.tags)
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    assert "@media print" in style and "url(" not in style and "@import" not in style
    for needle in (
        "Organizational items",
        "Incident response plan written and tested",
        NOTE,
        "not covered by this baseline",
        "NOT APPLICABLE",
        f"Evidence ({scopes} scopes, verified ",
    ):
        assert needle in text, needle


def test_md_and_csv_exports(world, sandbox):
    md = world["files"]["md"].read_text()
    assert md.startswith("# Setup checklist")
    scopes = 2 * len(sandbox.info()["accounts"])
    assert (
        f"<details><summary>Evidence for security-services.guardduty-enabled ({scopes} scopes" in md
    )
    rows = list(csv.DictReader(io.StringIO(world["files"]["csv"].read_text())))
    kinds = {}
    for row in rows:
        kinds[row["record"]] = kinds.get(row["record"], 0) + 1
    doc = world["json"]
    controls = sum(
        1
        for view in doc["framework_views"]
        for c in view["controls"]
        if c["items"] or not c["heading"]
    )
    assert kinds == {
        "step": len(doc["steps"]),
        "check": len(doc["checks"]),
        "manual": len(doc["manual_items"]),
        "organizational": len(doc["org_items"]),
        "control": controls,
    }  # every framework's controls, by default
    assert {r["framework"] for r in rows if r["record"] == "control"} == set(FRAMEWORKS)
    mfa = next(r for r in rows if r["id"] == "root.mfa-enabled")
    assert mfa["status"] == "FAIL" and mfa["first_passed_at"] and mfa["evidence"]


def test_answers_export_is_a_replayable_answers_file(world):
    path = world["files"]["answers.yaml"]
    assert path.read_text().startswith("# bootstrap-tui answers file")
    answers = yaml.safe_load(path.read_text())
    assert "management-account" in answers and "organization" in answers
    engine = Engine(Options(answers_file=path, state_file=world["home"] / "unused.yaml"))
    assert (
        engine.file_answers["organization"]["governed_regions"]
        == answers["organization"]["governed_regions"]
    )


def test_exports_are_0600_and_a_missing_directory_is_exit_2(world, in_sandbox_env, capsys):
    for path in world["files"].values():
        assert path.stat().st_mode & 0o777 == 0o600
    target = world["home"] / "missing" / "x.html"
    code = main(
        [
            "--state-file",
            str(world["home"] / "state.yaml"),
            "export",
            "--format",
            "html",
            "-o",
            str(target),
        ]
    )
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
