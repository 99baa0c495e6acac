"""How checklist entries read as text, shared by the md, csv and html exports."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Mapping, Sequence

from bootstrap_tui.model import FRAMEWORKS
from bootstrap_tui.report.checklist import ATTESTED
from bootstrap_tui.report.evidence_text import evidence_lines

__all__ = [
    "shown_frameworks",
    "controls_text",
    "evidence_text",
    "verified_text",
    "scopes_text",
    "when_text",
    "attester_text",
    "attestation_text",
    "header_facts",
    "period_text",
    "runs_text",
    "summary_lines",
]


def shown_frameworks(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> list[str]:
    if views:
        return [v["framework"] for v in views]
    return list(checklist.get("frameworks") or []) or list(FRAMEWORKS)


def controls_text(controls: Mapping[str, Sequence[str]], frameworks: Sequence[str]) -> str:
    parts = [f"{fw} {', '.join(controls[fw])}" for fw in frameworks if controls.get(fw)]
    return "; ".join(parts)


def evidence_text(evidence: Any) -> str:
    """Evidence as `key: value` pairs on one line, separated by '; ' (empty when none)."""
    if evidence in (None, {}, []):
        return ""
    return "; ".join(evidence_lines(evidence))


def verified_text(results: Sequence[Mapping[str, Any]]) -> str:
    """ "verified AT by WHO" of per-scope results (the latest time when they differ)."""
    times = sorted({str(r.get("verified_at")) for r in results if r.get("verified_at")})
    who = next((r.get("verified_by") for r in results if r.get("verified_by")), None)
    if not times:
        return "time unknown"
    return f"verified {times[-1]}" + (f" by {who}" if who else "")


def scopes_text(n: int) -> str:
    return f"{n} scope" if n == 1 else f"{n} scopes"


def when_text(value: Any) -> str:
    return str(value) if value else "—"


def attester_text(entry: Mapping[str, Any]) -> str:
    """ "Jane Doe (AWS identity ARN)" of an attested item; the identity alone says no
    person was named."""
    person, principal = entry.get("attested_person"), entry.get("attested_by")
    if person:
        return f"{person} (AWS identity {principal})" if principal else str(person)
    return f"no person named; AWS identity {principal or '?'}"


def attestation_text(
    entry: Mapping[str, Any],
    *,
    escape: Callable[[str], str] = str,
    at: Callable[[Any], str] = lambda value: f" at {value or '?'}",
    code: Callable[[str], str] = str,
) -> str:
    """Who attested an item and when, whether it was simulated, and its API check's status:
    plain text by default; html passes its escaping, date and <code> markup."""
    if entry["status"] != ATTESTED:
        who = "not attested"
    else:
        who = f"{escape(attester_text(entry))}{at(entry.get('attested_at'))}"
        if entry.get("simulated"):
            who += " (SIMULATED with --simulate-console on a sandbox)"
    if entry.get("check_id") and entry.get("check_status"):
        who += f"; API check {code(escape(entry['check_id']))}: {escape(entry['check_status'])}"
    return who


def header_facts(checklist: Mapping[str, Any]) -> list[tuple[str, str]]:
    last = checklist.get("last_verify")
    facts = [
        ("Management account", checklist.get("management_account_id") or "?"),
        ("Profile", checklist.get("profile") or "?"),
        ("Generated", checklist.get("generated_at") or "?"),
        ("Last verified", f"{last['at']} by {last.get('by') or '?'}" if last else "never"),
        ("Verify runs recorded", str(checklist.get("verify_runs", 0))),
        ("Period of operation", period_text(checklist.get("period") or {})),
        ("Tool", f"{checklist['tool']['name']} {checklist['tool']['version']}"),
    ]
    if checklist.get("endpoint"):
        facts.append(("Endpoint", checklist["endpoint"]))
    if checklist.get("sandbox"):
        facts.append(("Sandbox", "yes: simulated AWS, not evidence about a real account"))
    return facts


def period_text(period: Mapping[str, Any]) -> str:
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


def summary_lines(checklist: Mapping[str, Any]) -> list[str]:
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
