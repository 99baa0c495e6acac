"""The setup checklist as data: steps, checks with their history and per-scope evidence,
manual and organizational items with their attestations.

    build_checklist(steps, state_data, profile_frameworks, verify_run=None,
                    generated_at=None) -> dict        (pure; no AWS, testable)

Everything passes through bootstrap_tui.state.redact: no secrets in exports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from collections.abc import Iterable, Mapping, Sequence

from bootstrap_tui.model import Status, Step, parse_timestamp
from bootstrap_tui.report.common import (
    DISPLAY_ORDER,
    WORST_RANK,
    coverage,
    jsonable,
    one_line,
    safe_endpoint,
    tool_info,
)
from bootstrap_tui.report.integrity import evidence_items, seal_item
from bootstrap_tui.report.org_items import ORG_ITEMS, OrgItem

__all__ = [
    "CHECKLIST_SCHEMA_VERSION",
    "NOT_VERIFIED",
    "NOT_APPLICABLE",
    "ATTESTED",
    "NOT_ATTESTED",
    "build_checklist",
    "check_timeline",
]

CHECKLIST_SCHEMA_VERSION = 1
NOT_VERIFIED = "NOT VERIFIED"
NOT_APPLICABLE = "NOT APPLICABLE"
ATTESTED = "ATTESTED"
NOT_ATTESTED = "NOT ATTESTED"


def _history(state_data: Mapping[str, Any], verify_run: Any) -> list[dict[str, Any]]:
    """Evidence records sorted by time; a verify run not yet recorded is added last."""
    records: list[dict[str, Any]] = []
    for record in state_data.get("evidence_history") or ():
        if not isinstance(record, Mapping):
            continue
        at = parse_timestamp(record.get("at"))
        checks = record.get("checks")
        if at is None or not isinstance(checks, Mapping):
            continue
        records.append(
            {
                "at": at,
                "at_text": str(record.get("at")),
                "by": record.get("by"),
                "summary": record.get("summary") or {},
                "checks": dict(checks),
                "coverage": record.get("coverage"),
            }
        )
    if verify_run is not None and getattr(verify_run, "results", None) is not None:
        at_text = verify_run.finished_at or verify_run.started_at
        at = parse_timestamp(at_text)
        if at is not None and not any(r["at"] == at for r in records):
            per_check: dict[str, str] = {}
            for result in verify_run.results:
                current = per_check.get(result.check_id)
                if current is None or WORST_RANK[result.status] > WORST_RANK[Status(current)]:
                    per_check[result.check_id] = result.status.value
            summary = {s.value: 0 for s in Status}
            for result in verify_run.results:
                summary[result.status.value] += 1
            records.append(
                {
                    "at": at,
                    "at_text": at_text,
                    "by": verify_run.actor,
                    "summary": summary,
                    "checks": per_check,
                    "coverage": coverage(verify_run),
                }
            )
    records.sort(key=lambda r: r["at"])
    return records


def check_timeline(check_id: str, history: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """first_passed_at, passing_since, last_passed_at, last_verified_at, last_status,
    runs_recorded and runs_passed of one check, from evidence records sorted oldest first
    ({at_text, checks: {id: status}}). Only PASS passes: NOT_APPLICABLE ends a streak."""
    first_pass = last_pass = last_seen = streak = None
    last_status = None
    runs = passed = 0
    for record in history:
        status = record["checks"].get(check_id)
        if status is None:
            continue
        runs += 1
        last_seen, last_status = record["at_text"], str(status)
        if status == Status.PASS.value:
            passed += 1
            first_pass = first_pass or record["at_text"]
            last_pass = record["at_text"]
            streak = streak or record["at_text"]
        else:
            streak = None
    return {
        "first_passed_at": first_pass,
        "passing_since": streak,
        "last_passed_at": last_pass,
        "last_verified_at": last_seen,
        "last_status": last_status,
        "runs_recorded": runs,
        "runs_passed": passed,
    }


def _attestation(state_data: Mapping[str, Any], item_id: str) -> dict[str, Any]:
    record = (state_data.get("attestations") or {}).get(item_id)
    if not isinstance(record, Mapping):
        return {
            "status": NOT_ATTESTED,
            "attested_by": None,
            "attested_person": None,
            "attested_at": None,
            "note": None,
            "simulated": False,
        }
    return {
        "status": ATTESTED,
        "attested_by": record.get("by"),
        "attested_person": record.get("person") or None,
        "attested_at": record.get("at"),
        "note": record.get("note") or None,
        "simulated": bool(record.get("simulated")),
    }


def _scope_results(
    verify_run: Any,
    latest: Mapping[str, Mapping[str, Any]] | None,
    history: Sequence[Mapping[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """Per check id, its per-scope results: from `verify_run` when given, otherwise from
    the latest-evidence file, kept only when it is the check's most recent run."""
    out: dict[str, list[dict[str, Any]]] = {}
    if verify_run is not None and getattr(verify_run, "results", None) is not None:
        at = verify_run.finished_at or verify_run.started_at
        for r in verify_run.results:
            out.setdefault(r.check_id, []).append(
                {
                    "account": r.account,
                    "region": r.region,
                    "status": r.status.value,
                    "message": r.message,
                    "evidence": r.evidence,
                    "verified_at": at,
                    "verified_by": verify_run.actor,
                    "_result": r,
                }
            )
        return out
    for check_id, entry in (latest or {}).items():
        last = check_timeline(check_id, history)["last_verified_at"]
        at = parse_timestamp(entry.get("at"))
        if at is None or (last is not None and parse_timestamp(last) != at):
            continue
        out[check_id] = [
            {
                "account": r.get("account"),
                "region": r.get("region"),
                "status": r.get("status"),
                "message": r.get("message"),
                "evidence": r.get("evidence"),
                "verified_at": entry.get("at"),
                "verified_by": entry.get("by"),
            }
            for r in entry.get("results", [])
            if r.get("status") in _STATUSES
        ]
    return out


_STATUSES = {s.value for s in Status}


def build_checklist(
    steps: Sequence[Step],
    state_data: Mapping[str, Any] | None,
    profile_frameworks: Iterable[str] | None = None,
    verify_run: Any = None,
    generated_at: str | None = None,
    *,
    profile_name: str | None = None,
    org_items: Sequence[OrgItem] = ORG_ITEMS,
    latest_evidence: Mapping[str, Mapping[str, Any]] | None = None,
    skipped: Mapping[str, str] | None = None,
    sandbox: bool | None = None,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """The checklist as a JSON-ready dict (schema_version 1), secrets redacted.
    Per-scope evidence comes from `verify_run`, else from `latest_evidence`
    (report.evidence.load_latest). `skipped` maps the ids of steps the profile does
    not use to the reason; their checks are NOT APPLICABLE and cover no control, as are
    checks whose results say NOT_APPLICABLE. `sandbox` says the evidence comes from a
    bootstrap-tui sandbox (default: what the verify run or the state file says). `warnings`
    (report.evidence.evidence_problems) are shown first in every format."""
    skipped = dict(skipped or {})
    state_data = state_data or {}
    history = _history(state_data, verify_run)
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    step_states: Mapping[str, Any] = state_data.get("steps") or {}
    run_results = _scope_results(verify_run, latest_evidence, history)

    steps_out: list[dict[str, Any]] = []
    checks_out: list[dict[str, Any]] = []
    manual_out: list[dict[str, Any]] = []
    check_controls: dict[str, dict[str, list[str]]] = {}
    declared: set[str] = set()
    for step in steps:
        entry = step_states.get(step.id)
        if not isinstance(entry, Mapping):
            entry = {}
        steps_out.append(
            {
                "id": step.id,
                "title": step.title,
                "summary": step.summary,
                "status": "skipped" if step.id in skipped else entry.get("status", "pending"),
                "updated_at": entry.get("updated_at"),
                "error": entry.get("error"),
                "skip_reason": skipped.get(step.id),
                "checks": [c.id for c in step.checks],
                "manual": [m.id for m in step.manual],
            }
        )
        for check in step.checks:
            declared.add(check.id)
            check_controls[check.id] = check.mappings()
            checks_out.append(
                _check_entry(
                    check_id=check.id,
                    step_id=step.id,
                    title=check.title,
                    severity=check.severity.value,
                    scope=check.scope.value,
                    remediation=check.remediation,
                    controls=check.mappings(),
                    prowler=check.prowler,
                    results=run_results.get(check.id, []),
                    history=history,
                    not_applicable=skipped.get(step.id),
                )
            )
    # checks seen in the run that no step declares (kept, so nothing is silently dropped)
    for check_id, results in run_results.items():
        first = results[0].get("_result")
        if check_id in declared or first is None:
            continue
        check_controls[check_id] = dict(first.frameworks)
        checks_out.append(
            _check_entry(
                check_id=check_id,
                step_id=first.step_id,
                title=first.title,
                severity=first.severity.value,
                scope=None,
                remediation=first.remediation,
                controls=dict(first.frameworks),
                prowler=first.prowler,
                results=results,
                history=history,
            )
        )

    seen_manual: set[str] = set()
    for step in steps:
        for item in step.manual:
            if item.id in seen_manual:
                continue
            seen_manual.add(item.id)
            manual_out.append(
                {
                    "id": item.id,
                    "kind": "manual",
                    "step": step.id,
                    "title": item.title,
                    "instructions": item.instructions,
                    "check_id": item.check_id,
                    "controls": check_controls.get(item.check_id or "", {}),
                    **_attestation(state_data, item.id),
                }
            )
    org_out = [
        {
            "id": item.id,
            "kind": "organizational",
            "step": None,
            "title": item.title,
            "instructions": item.instructions,
            "check_id": item.check_id,
            "evidence_hint": item.evidence_hint,
            "controls": item.mappings(),
            **_attestation(state_data, item.id),
        }
        for item in org_items
    ]

    status_of = {c["id"]: c["status"] for c in checks_out}
    for row in (*manual_out, *org_out):
        row["check_status"] = status_of.get(row["check_id"] or "")
    for entry in steps_out:
        found = [Status(status_of[c]) for c in entry["checks"] if status_of.get(c) in _STATUSES]
        entry["checks_status"] = max(found, key=lambda s: WORST_RANK[s]).value if found else None

    last = history[-1] if history else None
    frameworks = [fw for fw in (profile_frameworks or ()) if fw]
    check_tally = {
        s: 0
        for s in [
            *(x.value for x in DISPLAY_ORDER if x is not Status.NOT_APPLICABLE),
            NOT_VERIFIED,
            NOT_APPLICABLE,
        ]
    }
    for entry in checks_out:
        check_tally[entry["status"]] = check_tally.get(entry["status"], 0) + 1
    step_tally: dict[str, int] = {}
    for entry in steps_out:
        step_tally[entry["status"]] = step_tally.get(entry["status"], 0) + 1
    checklist = {
        "schema_version": CHECKLIST_SCHEMA_VERSION,
        "kind": "bootstrap-tui/checklist",
        "tool": tool_info(),
        "generated_at": generated_at,
        "management_account_id": state_data.get("management_account_id"),
        "profile": profile_name or state_data.get("profile"),
        "endpoint": safe_endpoint(state_data.get("endpoint")),
        "sandbox": bool(
            sandbox
            if sandbox is not None
            else getattr(verify_run, "sandbox", None) or state_data.get("sandbox")
        ),
        "frameworks": frameworks,
        "warnings": list(warnings),
        "last_verify": (
            {"at": last["at_text"], "by": last["by"], "summary": last["summary"]} if last else None
        ),
        "verify_runs": len(history),
        "period": {
            "first_verified_at": history[0]["at_text"] if history else None,
            "last_verified_at": last["at_text"] if last else None,
            "verify_runs": len(history),
        },
        "summary": {
            "steps": step_tally,
            "checks": check_tally,
            "coverage": _coverage(checks_out, last),
            "manual": {
                "total": len(manual_out),
                "attested": sum(1 for m in manual_out if m["status"] == ATTESTED),
            },
            "organizational": {
                "total": len(org_out),
                "attested": sum(1 for m in org_out if m["status"] == ATTESTED),
            },
        },
        "steps": steps_out,
        "checks": checks_out,
        "manual_items": manual_out,
        "org_items": org_out,
    }
    checklist = jsonable(checklist)
    for _, evidence_item in evidence_items(checklist):
        seal_item(evidence_item)
    return checklist


def _check_entry(
    *,
    check_id: str,
    step_id: str,
    title: str,
    severity: str,
    scope: str | None,
    remediation: str,
    controls: dict[str, list[str]],
    prowler: str | None,
    results: list[dict[str, Any]],
    history: Sequence[Mapping[str, Any]],
    not_applicable: str | None = None,
) -> dict[str, Any]:
    timeline = check_timeline(check_id, history)
    if not_applicable:
        status, source, message = NOT_APPLICABLE, "profile", f"step skipped: {not_applicable}"
        results = []
    elif results:
        status = max((Status(r["status"]) for r in results), key=lambda s: WORST_RANK[s]).value
        source = "verify run"
        if status == Status.NOT_APPLICABLE.value:  # proves nothing there: covers no control
            status = NOT_APPLICABLE
        tally: dict[str, int] = {}
        for r in results:
            tally[r["status"]] = tally.get(r["status"], 0) + 1
        message = (
            one_line(results[0]["message"])
            if len(results) == 1
            else f"{len(results)} scopes: "
            + ", ".join(f"{tally[s.value]} {s.value}" for s in DISPLAY_ORDER if s.value in tally)
        )
    elif timeline["last_status"]:
        status, source, message = timeline["last_status"], "evidence history", ""
        if status == Status.NOT_APPLICABLE.value:
            status = NOT_APPLICABLE
    else:
        status, source, message = NOT_VERIFIED, None, "never verified"
    if status != Status.PASS.value:  # a streak is only ever shown for a check passing now
        timeline["passing_since"] = None
    return {
        "id": check_id,
        "step": step_id,
        "title": title,
        "severity": severity,
        "scope": scope,
        "status": status,
        "status_source": source,
        "message": message,
        **{
            k: timeline[k]
            for k in (
                "first_passed_at",
                "passing_since",
                "last_passed_at",
                "last_verified_at",
                "runs_recorded",
                "runs_passed",
            )
        },
        "remediation": remediation,
        "controls": controls,
        "prowler": prowler,
        "results": [{k: v for k, v in r.items() if k != "_result"} for r in results],
    }


def _coverage(
    checks: Sequence[Mapping[str, Any]], last: Mapping[str, Any] | None
) -> dict[str, int | None]:
    """Checks the profile expects and how many have a verified status; scopes expected and
    reported by the last verify run (None when that run did not record them)."""
    expected = [c for c in checks if c["status_source"] != "profile"]
    run = (last or {}).get("coverage") or {}
    return {
        "checks_expected": len(expected),
        "checks_reported": sum(1 for c in expected if c["status"] != NOT_VERIFIED),
        "scopes_expected": run.get("scopes_expected"),
        "scopes_reported": run.get("scopes_reported"),
    }
