"""verify --format sarif: SARIF 2.1.0, one rule per check id, results for non-PASS only.

Locations are logical ("aws://<account>/<region>"), never file paths. ruleIndex
is stable: rules are every check the steps declare, in wizard order, then any
other check id seen in the results.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from collections.abc import Sequence

from bootstrap_tui.model import Severity, Status, Step
from bootstrap_tui.report.common import (
    RunLike,
    check_metadata,
    clean_block,
    control_tags,
    coverage,
    from_sandbox,
    jsonable,
    one_line,
    safe_endpoint,
    tool_info,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/bootstrap-tui/"

# GitHub code scanning reads properties["security-severity"] (CVSS-like 0.0-10.0).
_SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.5",
}


def level(status: Status, severity: Severity | str) -> str:
    """SARIF level for a result: by status first, then severity."""
    sev = severity.value if isinstance(severity, Severity) else str(severity)
    if status == Status.FAIL:
        return {"critical": "error", "high": "error", "medium": "warning"}.get(sev, "note")
    if status == Status.ERROR:
        return "warning"  # the check could not run: never silently fine, never a finding
    if status == Status.WARN:
        return "warning" if sev in ("critical", "high") else "note"
    if status == Status.NOT_APPLICABLE:
        return "none"  # nothing to fix, and nothing proven either
    return "note"  # MANUAL (and PASS, which is not reported)


def location_uri(account: str | None, region: str | None) -> str:
    return "aws://" + "/".join(p for p in (account or "unknown", region) if p)


def fingerprint(check_id: str, account: str | None, region: str | None) -> str:
    key = f"{check_id}\x1f{account or ''}\x1f{region or ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def sarif_document(run: RunLike, *, steps: Sequence[Step] | None = None) -> dict[str, Any]:
    meta = check_metadata(run.results, steps)
    rule_ids = list(meta)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = []
    for rid in rule_ids:
        m = meta[rid]
        remediation = clean_block(m["remediation"]) or "No remediation text."
        frameworks = {k: list(v) for k, v in (m["frameworks"] or {}).items()}
        props: dict[str, Any] = {
            "tags": ["security", "aws", f"step:{m['step']}", *control_tags(frameworks)],
            "severity": m["severity"],
            "frameworks": frameworks,
            "step": m["step"],
        }
        if m["severity"] in _SECURITY_SEVERITY:
            props["security-severity"] = _SECURITY_SEVERITY[m["severity"]]
        if m.get("prowler"):
            props["prowler"] = m["prowler"]
        rules.append(
            {
                "id": rid,
                "name": one_line(m["title"]) or rid,
                "shortDescription": {"text": one_line(m["title"]) or rid},
                "fullDescription": {"text": f"{one_line(m['title'])} (step {m['step']})"},
                "help": {"text": remediation, "markdown": f"**Remediation**\n\n{remediation}"},
                "defaultConfiguration": {"level": level(Status.FAIL, m["severity"])},
                "properties": props,
            }
        )
    results = []
    for r in run.results:
        if r.status == Status.PASS:
            continue
        uri = location_uri(r.account, r.region)
        results.append(
            {
                "ruleId": r.check_id,
                "ruleIndex": index[r.check_id],
                "level": level(r.status, r.severity),
                "message": {
                    "text": f"{r.status.value}: {one_line(r.message) or one_line(r.title)}"
                },
                "locations": [
                    {
                        "logicalLocations": [
                            {
                                "name": r.region or r.account or "unknown",
                                "fullyQualifiedName": uri,
                                "kind": "resource",
                            }
                        ]
                    }
                ],
                "partialFingerprints": {
                    "bootstrapTuiScope/v1": fingerprint(r.check_id, r.account, r.region)
                },
                "properties": jsonable(
                    {
                        "status": r.status.value,
                        "severity": r.severity.value,
                        "step": r.step_id,
                        "account": r.account,
                        "region": r.region,
                        "evidence": r.evidence,
                    }
                ),
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if run.started_at:
        invocation["startTimeUtc"] = run.started_at
    if run.finished_at:
        invocation["endTimeUtc"] = run.finished_at
    info = tool_info()
    sarif_run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": info["name"],
                "version": info["version"],
                "semanticVersion": info["version"],
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"bootstrap-tui/verify/{run.account or 'unknown'}/"},
        "invocations": [invocation],
        "results": results,
        "properties": jsonable(
            {
                "management_account_id": run.account or None,
                "actor": one_line(run.actor) or None,
                "endpoint": safe_endpoint(run.endpoint),
                "sandbox": from_sandbox(run),
                **coverage(run),
            }
        ),
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [sarif_run]}


def render_sarif(run: RunLike, *, steps: Sequence[Step] | None = None) -> str:
    return json.dumps(sarif_document(run, steps=steps), indent=2, ensure_ascii=False) + "\n"
