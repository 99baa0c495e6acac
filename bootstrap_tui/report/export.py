"""export: the setup checklist an auditor asks for, with evidence and mappings.

    build_checklist(steps, state_data, profile_frameworks, verify_run=None,
                    generated_at=None) -> dict        (pure; no AWS, testable)
    render_export(checklist, fmt, framework=None) -> str   md | csv | json | html
    export_text(engine, fmt, frameworks=None) -> str       what the CLI and TUI call

The checklist lists every step (status, last update), every check (latest
status, first time it passed, start of its current passing streak, last time it
was verified, remediation, the controls it maps to, per-scope evidence when a
verify run is given), every manual item and every organizational item (who
attested when, with what note, or "not attested"). With a framework, it is
also grouped by that framework's controls, and the controls the baseline does
not map to are listed as not covered, with the coverage figure.

Everything passes through bootstrap_tui.state.redact: no secrets in exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from collections.abc import Iterable, Mapping, Sequence

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.model import FRAMEWORKS, Status, Step, parse_timestamp
from bootstrap_tui.frameworks.catalog import get_catalog
from bootstrap_tui.report.common import (
    DISPLAY_ORDER,
    SANDBOX_NOTE,
    WORST_RANK,
    clean_block,
    coverage,
    jsonable,
    one_line,
    safe_endpoint,
    tool_info,
)
from bootstrap_tui.report.evidence_text import evidence_lines
from bootstrap_tui.report.integrity import evidence_items, seal_document, seal_item, seal_text
from bootstrap_tui.report.mdutil import md_cell, md_code, md_text
from bootstrap_tui.report.org_items import ORG_ITEMS, OrgItem

__all__ = [
    "EXPORT_FORMATS",
    "CHECKLIST_SCHEMA_VERSION",
    "NOT_VERIFIED",
    "NOT_APPLICABLE",
    "ATTESTED",
    "NOT_ATTESTED",
    "build_checklist",
    "framework_view",
    "framework_bars",
    "render_export",
    "export_text",
    "checklist_of",
]

EXPORT_FORMATS = ("md", "csv", "json", "html")
CHECKLIST_SCHEMA_VERSION = 1
NOT_VERIFIED = "NOT VERIFIED"
NOT_APPLICABLE = "NOT APPLICABLE"
ATTESTED = "ATTESTED"
NOT_ATTESTED = "NOT ATTESTED"
# Control states in a framework view.
PASSING, FAILING, INCOMPLETE, NOT_COVERED = "passing", "failing", "incomplete", "not covered"
# The summary bar of a framework, in this order, with what each part means to a reader.
BAR_STATES = (PASSING, FAILING, INCOMPLETE, NOT_COVERED)
BAR_LABELS = {
    PASSING: "passing",
    FAILING: "failing",
    INCOMPLETE: "not yet attested or verified",
    NOT_COVERED: "not covered",
}


# ====================================================================== building


def _history(state_data: Mapping[str, Any], verify_run: Any) -> list[dict[str, Any]]:
    """Evidence records sorted by time; a verify run not yet recorded is added last."""
    records = []
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
    step_states = state_data.get("steps") or {}
    run_results = _scope_results(verify_run, latest_evidence, history)

    steps_out, checks_out, manual_out = [], [], []
    check_controls: dict[str, dict[str, list[str]]] = {}
    declared: set[str] = set()
    for step in steps:
        entry = step_states.get(step.id) if isinstance(step_states.get(step.id), Mapping) else {}
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
    for item in (*manual_out, *org_out):
        item["check_status"] = status_of.get(item["check_id"] or "")
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
    for _, item in evidence_items(checklist):
        seal_item(item)
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


# ====================================================================== framework view


def framework_view(checklist: Mapping[str, Any], framework: str) -> dict[str, Any]:
    """The checklist grouped by one framework's controls, with honest coverage."""
    catalog = get_catalog(framework)
    mapped: dict[str, list[dict[str, Any]]] = {}
    for kind, entries in (
        ("check", checklist.get("checks", [])),
        ("manual", checklist.get("manual_items", [])),
        ("organizational", checklist.get("org_items", [])),
    ):
        for entry in entries:
            if entry["status"] == NOT_APPLICABLE:
                continue  # a check of a step the profile skips covers nothing
            for control_id in (entry.get("controls") or {}).get(framework, []):
                mapped.setdefault(control_id, []).append(
                    {
                        "kind": kind,
                        "id": entry["id"],
                        "title": entry["title"],
                        "status": entry["status"],
                    }
                )
    controls = []
    for control_id, title in catalog.controls.items():
        items = mapped.get(control_id, [])
        heading = control_id in catalog.headings
        controls.append(
            {
                "id": control_id,
                "title": title,
                "heading": heading,
                "depth": len(catalog.parents(control_id)),
                "items": items,
                "state": _control_state(items) if (items or not heading) else None,
            }
        )
    leaves = [c for c in controls if not c["heading"]]
    covered = [c for c in leaves if c["items"]]
    passing = [c for c in covered if c["state"] == PASSING]
    total = len(leaves)
    return {
        "framework": framework,
        "title": catalog.title,
        "note": catalog.note,
        "coverage": {
            "covered": len(covered),
            "total": total,
            "percent": round(100.0 * len(covered) / total, 1) if total else 0.0,
            "passing": len(passing),
        },
        "states": {state: sum(1 for c in leaves if c["state"] == state) for state in BAR_STATES},
        "controls": controls,
        "not_covered": [c["id"] for c in leaves if not c["items"]],
        "mapped_at_heading_level": [c["id"] for c in controls if c["heading"] and c["items"]],
        "unknown_ids": sorted(cid for cid in mapped if cid not in catalog.controls),
    }


def _control_state(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return NOT_COVERED
    statuses = {item["status"] for item in items}
    if statuses & {Status.FAIL.value, Status.ERROR.value}:
        return FAILING
    if statuses <= {Status.PASS.value, ATTESTED}:
        return PASSING
    return INCOMPLETE


def framework_bars(
    checklist: Mapping[str, Any], framework: str | Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Per framework (all, or the given ones): {framework, title, total, states: {state: n}}
    over its leaf controls, states in BAR_STATES order — the summary bars."""
    out = []
    for fw in _frameworks_arg(framework):
        view = framework_view(checklist, fw)
        out.append(
            {
                "framework": fw,
                "title": FRAMEWORKS[fw],
                "total": view["coverage"]["total"],
                "states": view["states"],
            }
        )
    return out


def coverage_line(view: Mapping[str, Any]) -> str:
    cov = view["coverage"]
    return (
        f"covered {cov['covered']} of {cov['total']} controls ({cov['percent']}%); "
        f"{cov['passing']} of those currently passing or attested"
    )


# ====================================================================== rendering


def _frameworks_arg(framework: str | Sequence[str] | None) -> list[str]:
    """The frameworks to group by: the given ones, or every framework the catalog knows."""
    if not framework:
        return list(FRAMEWORKS)
    items = [framework] if isinstance(framework, str) else list(framework)
    out = []
    for item in items:
        if item not in FRAMEWORKS:
            raise ConfigError(
                f"unknown framework {item!r}", f"frameworks are: {', '.join(FRAMEWORKS)}"
            )
        if item not in out:
            out.append(item)
    return out


def render_export(
    checklist: Mapping[str, Any], fmt: str, framework: str | Sequence[str] | None = None
) -> str:
    """Render a checklist (from build_checklist) as md, csv, json or html, grouped by
    every framework's controls, or only by `framework` (one id or several).
    json carries its integrity record; md and html end with their digest line."""
    frameworks = _frameworks_arg(framework)
    views = [framework_view(checklist, fw) for fw in frameworks]
    if fmt == "json":
        doc = dict(checklist)
        doc["framework_views"] = views
        return json.dumps(seal_document(jsonable(doc)), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return seal_text(_render_md(checklist, views))
    if fmt == "csv":
        return _render_csv(checklist, views)
    if fmt == "html":
        from bootstrap_tui.report.export_html import render_html

        return seal_text(render_html(checklist, views))
    raise ConfigError(
        f"unknown export format {fmt!r}", f"formats are: {', '.join(EXPORT_FORMATS)}, answers"
    )


def _shown_frameworks(
    checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]
) -> list[str]:
    if views:
        return [v["framework"] for v in views]
    return list(checklist.get("frameworks") or []) or list(FRAMEWORKS)


def _controls_text(controls: Mapping[str, Sequence[str]], frameworks: Sequence[str]) -> str:
    parts = [f"{fw} {', '.join(controls[fw])}" for fw in frameworks if controls.get(fw)]
    return "; ".join(parts)


def _evidence_text(evidence: Any) -> str:
    """Evidence as `key: value` pairs on one line, separated by '; ' (empty when none)."""
    if evidence in (None, {}, []):
        return ""
    return "; ".join(evidence_lines(evidence))


def _verified(results: Sequence[Mapping[str, Any]]) -> str:
    """ "verified AT by WHO" of per-scope results (the latest time when they differ)."""
    times = sorted({str(r.get("verified_at")) for r in results if r.get("verified_at")})
    who = next((r.get("verified_by") for r in results if r.get("verified_by")), None)
    if not times:
        return "time unknown"
    return f"verified {times[-1]}" + (f" by {who}" if who else "")


def _scopes(n: int) -> str:
    return f"{n} scope" if n == 1 else f"{n} scopes"


def _when(value: Any) -> str:
    return str(value) if value else "—"


def attester_text(entry: Mapping[str, Any]) -> str:
    """ "Jane Doe (AWS identity ARN)" of an attested item; the identity alone says no
    person was named."""
    person, principal = entry.get("attested_person"), entry.get("attested_by")
    if person:
        return f"{person} (AWS identity {principal})" if principal else str(person)
    return f"no person named; AWS identity {principal or '?'}"


def _who(entry: Mapping[str, Any]) -> str:
    if entry["status"] != ATTESTED:
        who = "not attested"
    else:
        who = f"{attester_text(entry)} at {entry.get('attested_at') or '?'}"
        if entry.get("simulated"):
            who += " (SIMULATED with --simulate-console on a sandbox)"
    if entry.get("check_id") and entry.get("check_status"):
        who += f"; API check {entry['check_id']}: {entry['check_status']}"
    return who


def _header_facts(checklist: Mapping[str, Any]) -> list[tuple[str, str]]:
    last = checklist.get("last_verify")
    facts = [
        ("Management account", checklist.get("management_account_id") or "?"),
        ("Profile", checklist.get("profile") or "?"),
        ("Generated", checklist.get("generated_at") or "?"),
        ("Last verified", f"{last['at']} by {last.get('by') or '?'}" if last else "never"),
        ("Verify runs recorded", str(checklist.get("verify_runs", 0))),
        ("Period of operation", _period_text(checklist.get("period") or {})),
        ("Tool", f"{checklist['tool']['name']} {checklist['tool']['version']}"),
    ]
    if checklist.get("endpoint"):
        facts.append(("Endpoint", checklist["endpoint"]))
    if checklist.get("sandbox"):
        facts.append(("Sandbox", "yes: simulated AWS, not evidence about a real account"))
    return facts


def _period_text(period: Mapping[str, Any]) -> str:
    if not period.get("first_verified_at"):
        return "no verify run recorded"
    return (
        f"{period['first_verified_at']} to {period['last_verified_at']} "
        f"({period['verify_runs']} verify runs)"
    )


def runs_text(check: Mapping[str, Any]) -> str:
    """ "3 of 4 passed": the recorded runs that included a check and those it passed."""
    if not check.get("runs_recorded"):
        return "none"
    return f"{check['runs_passed']} of {check['runs_recorded']} passed"


def _summary_lines(checklist: Mapping[str, Any]) -> list[str]:
    s = checklist["summary"]
    steps_total = sum(s["steps"].values())
    done = sum(n for k, n in s["steps"].items() if k in ("verified", "applied", "skipped"))
    checks = ", ".join(f"{n} {k}" for k, n in s["checks"].items() if n) or "none"
    cov = s.get("coverage") or {}
    scopes = (
        f"; the last verify reported {cov['scopes_reported']} of {cov['scopes_expected']} scopes"
        if cov.get("scopes_expected") is not None
        else ""
    )
    return [
        f"Steps: {done} of {steps_total} applied, verified or skipped",
        f"Checks: {checks}",
        f"Coverage: {cov.get('checks_reported', 0)} of {cov.get('checks_expected', 0)} "
        f"expected checks have a verified status{scopes}",
        f"Manual items attested: {s['manual']['attested']} of {s['manual']['total']}",
        f"Organizational items attested: {s['organizational']['attested']} of "
        f"{s['organizational']['total']}",
    ]


# ---------------------------------------------------------------------- markdown


def _render_md(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> str:
    shown = _shown_frameworks(checklist, views)
    out = ["# Setup checklist", ""]
    out += [f"> **Warning: {md_text(w)}**\n" for w in checklist.get("warnings") or ()]
    if checklist.get("sandbox"):
        out += [f"> **{SANDBOX_NOTE}.**", ""]
    out += [f"- {label}: {md_text(value)}" for label, value in _header_facts(checklist)]
    out += ["", "## Summary", ""] + [f"- {md_text(line)}" for line in _summary_lines(checklist)]
    for view in views:
        out += ["", f"- {md_text(view['title'])}: {md_text(coverage_line(view))}"]

    out += ["", "## Steps", "", "| Step | Status | Updated | Its checks now |", "|---|---|---|---|"]
    for step in checklist["steps"]:
        err = f" — {md_cell(step['error'])}" if step.get("error") else ""
        err += f" — {md_cell(step['skip_reason'])}" if step.get("skip_reason") else ""
        out.append(
            f"| {md_cell(step['title'])} (`{md_code(step['id'])}`) | "
            f"{md_cell(step['status'])}{err} | {md_cell(_when(step['updated_at']))} "
            f"| {md_cell(step.get('checks_status') or '—')} |"
        )

    out += ["", "## Checks"]
    by_step: dict[str, list[Mapping[str, Any]]] = {}
    for check in checklist["checks"]:
        by_step.setdefault(check["step"], []).append(check)
    titles = {s["id"]: s["title"] for s in checklist["steps"]}
    for step_id, checks in by_step.items():
        out += [
            "",
            f"### {md_text(titles.get(step_id, step_id))}",
            "",
            "| Status | Check | Severity | First passed | Passing since | Last checked "
            "| Runs | Controls |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in checks:
            out.append(
                f"| {md_cell(c['status'])} | `{md_code(c['id'])}` {md_cell(c['title'])} "
                f"| {md_cell(c['severity'])} | {md_cell(_when(c['first_passed_at']))} "
                f"| {md_cell(_when(c['passing_since']))} "
                f"| {md_cell(_when(c['last_verified_at']))} | {md_cell(runs_text(c))} "
                f"| {md_cell(_controls_text(c['controls'], shown)) or '—'} |"
            )
        for c in checks:
            if c["status"] == NOT_APPLICABLE:
                out += ["", f"**{md_text(c['id'])}** (NOT APPLICABLE): {md_text(c['message'])}"]
            elif c["status"] != Status.PASS.value:
                said = f": {md_text(c['message'])}" if c.get("message") else ""
                out += [
                    "",
                    f"**{md_text(c['id'])}** ({md_text(c['status'])}{said}) — "
                    f"remediation: {md_text(c['remediation'])}",
                ]
            if c["results"]:
                out += [
                    "",
                    f"<details><summary>Evidence for {md_text(c['id'])} "
                    f"({_scopes(len(c['results']))}, {_verified(c['results'])})</summary>",
                    "",
                    "| Account | Region | Status | Message | Evidence (API facts) |",
                    "|---|---|---|---|---|",
                ]
                out += [
                    f"| {md_cell(r['account']) or '—'} | {md_cell(r['region']) or '—'} "
                    f"| {md_cell(r['status'])} | {md_cell(r['message'])} "
                    f"| {md_cell(_evidence_text(r['evidence']))} |"
                    for r in c["results"]
                ]
                out += ["", "</details>"]

    for heading, key in (("Manual items", "manual_items"), ("Organizational items", "org_items")):
        out += [
            "",
            f"## {heading}",
            "",
            "| Item | Step | Status | Attested by / at; API check | Note | Controls |",
            "|---|---|---|---|---|---|",
        ]
        for m in checklist[key]:
            out.append(
                f"| `{md_code(m['id'])}` {md_cell(m['title'])} | {md_cell(m['step'] or '—')} "
                f"| {md_cell(m['status'])} | {md_cell(_who(m))} "
                f"| {md_cell(m.get('note') or '—')} "
                f"| {md_cell(_controls_text(m['controls'], shown)) or '—'} |"
            )

    for view in views:
        out += ["", f"## {md_text(view['title'])}", "", md_text(coverage_line(view)) + ".", ""]
        if view["note"]:
            out += [f"_{md_text(view['note'])}_", ""]
        out += ["| Control | Title | State | Evidence |", "|---|---|---|---|"]
        for c in view["controls"]:
            if c["heading"] and not c["items"]:
                out.append(f"| **{md_cell(c['id'])}** | **{md_cell(c['title'])}** | | |")
                continue
            items = (
                "; ".join(f"{i['id']} ({i['status']})" for i in c["items"])
                or "not covered by this baseline"
            )
            out.append(
                f"| {md_cell(c['id'])} | {md_cell(c['title'])} | {md_cell(c['state'])} "
                f"| {md_cell(items)} |"
            )
        if view["not_covered"]:
            out += [
                "",
                f"Not covered by this baseline ({len(view['not_covered'])}): "
                + md_text(", ".join(view["not_covered"])),
            ]
        if view["unknown_ids"]:
            out += ["", "Mapped ids not in the catalog: " + md_text(", ".join(view["unknown_ids"]))]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- csv

CSV_COLUMNS = (
    "record",
    "framework",
    "control_id",
    "control_title",
    "id",
    "title",
    "step",
    "status",
    "severity",
    "updated_at",
    "first_passed_at",
    "passing_since",
    "last_verified_at",
    "attested_by",
    "attested_at",
    "note",
    "controls",
    "remediation",
    "evidence",
    "simulated",
    "sandbox",
    "attested_person",
    "runs_recorded",
    "runs_passed",
    "sha256",
)
_CSV_MAX = 32000  # spreadsheet cell limit is 32767


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = clean_block(text)
    if len(text) > _CSV_MAX:
        text = text[:_CSV_MAX] + "…"
    # never let a spreadsheet evaluate a cell (CSV/formula injection)
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return text


def _render_csv(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> str:
    shown = _shown_frameworks(checklist, views)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    sandbox = "true" if checklist.get("sandbox") else "false"

    def row(**values: Any) -> None:
        values["sandbox"] = sandbox
        writer.writerow([_csv_cell(values.get(col)) for col in CSV_COLUMNS])

    for warning in checklist.get("warnings") or ():
        row(record="warning", status="WARNING", note=warning)
    for s in checklist["steps"]:
        row(
            record="step",
            id=s["id"],
            title=s["title"],
            step=s["id"],
            status=s["status"],
            updated_at=s["updated_at"],
            note=s.get("error"),
        )
    for c in checklist["checks"]:
        evidence = (
            json.dumps(c["results"], ensure_ascii=False, sort_keys=True) if c["results"] else ""
        )
        row(
            record="check",
            id=c["id"],
            title=c["title"],
            step=c["step"],
            status=c["status"],
            severity=c["severity"],
            first_passed_at=c["first_passed_at"],
            passing_since=c["passing_since"],
            last_verified_at=c["last_verified_at"],
            controls=_controls_text(c["controls"], shown),
            remediation=c["remediation"],
            evidence=evidence,
            runs_recorded=c["runs_recorded"],
            runs_passed=c["runs_passed"],
            sha256=" ".join(r["sha256"] for r in c["results"]),
        )
    for key, record in (("manual_items", "manual"), ("org_items", "organizational")):
        for m in checklist[key]:
            row(
                record=record,
                id=m["id"],
                title=m["title"],
                step=m["step"],
                status=m["status"],
                attested_by=m["attested_by"],
                attested_at=m["attested_at"],
                note=m["note"],
                attested_person=m.get("attested_person"),
                sha256=m.get("sha256"),
                simulated="true" if m.get("simulated") else "false",
                controls=_controls_text(m["controls"], shown),
                remediation=m["instructions"],
            )
    for view in views:
        for c in view["controls"]:
            if c["heading"] and not c["items"]:
                continue
            items = "; ".join(f"{i['id']} ({i['status']})" for i in c["items"])
            row(
                record="control",
                framework=view["framework"],
                control_id=c["id"],
                control_title=c["title"],
                status=c["state"],
                note="not covered by this baseline"
                if not c["items"]
                else ("mapped at requirement level" if c["heading"] else ""),
                evidence=items,
            )
    return buf.getvalue()


# ====================================================================== engine glue


def _skip_reasons(engine: Any) -> dict[str, str]:
    """{step id: why the profile does not use it} (profile facts only; no AWS call)."""
    out: dict[str, str] = {}
    context = getattr(engine, "context", None)
    for step in engine.steps:
        try:
            reason = step.skip_reason(context(step.id, read_only=True)) if context else None
        except Exception:
            reason = None
        if reason:
            out[step.id] = str(reason)
    return out


def export_text(
    engine: Any,
    fmt: str,
    frameworks: str | Sequence[str] | None = None,
    *,
    verify_run: Any = None,
    generated_at: str | None = None,
) -> str:
    """Build the checklist from a connected engine and render it (`answers` writes the
    collected answers as a replayable answers file instead)."""
    if fmt == "answers":
        import yaml

        from bootstrap_tui.answers import export_answers
        from bootstrap_tui.state import redact

        header = (
            "# bootstrap-tui answers file: replay with `bootstrap-tui apply --answers FILE --yes`\n"
        )
        answers = redact(export_answers(engine))
        body = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True) if answers else "{}\n"
        return header + body
    return render_export(
        checklist_of(engine, verify_run=verify_run, generated_at=generated_at),
        fmt,
        framework=frameworks,
    )


def checklist_of(
    engine: Any, *, verify_run: Any = None, generated_at: str | None = None
) -> dict[str, Any]:
    """The checklist of a connected engine: its state, latest evidence and profile."""
    from bootstrap_tui.report.evidence import evidence_problems, load_latest

    state = getattr(engine, "state", None)
    state_data = state.data if state is not None else {}
    path = getattr(state, "path", None)
    profile = getattr(engine, "profile", None)
    return build_checklist(
        engine.steps,
        state_data,
        list(getattr(profile, "frameworks", None) or []),
        verify_run=verify_run,
        generated_at=generated_at,
        profile_name=getattr(profile, "name", None),
        latest_evidence=load_latest(path) if path is not None and verify_run is None else None,
        skipped=_skip_reasons(engine),
        sandbox=getattr(engine, "sandbox_info", None) is not None or None,
        warnings=evidence_problems(path, state_data) if verify_run is None else (),
    )
