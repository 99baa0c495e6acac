"""The latest per-scope evidence of every check, kept beside the state file.

The state file's evidence history holds one compact record per verify run
(time, who, counts, worst status per check). The API facts themselves, per
account and region, would make every state save slow on a large organization,
so they live in `<state>.evidence.json`: for each check, the scopes and
evidence of the last run that included it (a `--step` run updates only its own
checks). Export reads it to show what AWS said, per account, and when.

Everything is redacted before it is written; the file is 0600 like the state.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from bootstrap_tui.report.common import jsonable
from bootstrap_tui.report.output import write_atomic

SCHEMA_VERSION = 1
KIND = "bootstrap-tui/latest-evidence"
MAX_EVIDENCE_CHARS = 4000
MAX_FILE_BYTES = 64 * 1024 * 1024


def evidence_path(state_path: str | Path) -> Path:
    """`state.yaml` -> `state.evidence.json` (same directory)."""
    path = Path(state_path)
    return path.with_name(f"{path.stem}.evidence.json")


def _compact(evidence: Any) -> Any:
    value = jsonable(evidence if evidence is not None else {})
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) <= MAX_EVIDENCE_CHARS:
        return value
    return {"truncated": text[:MAX_EVIDENCE_CHARS] + "…", "original_chars": len(text)}


def load_latest(state_path: str | Path) -> dict[str, dict[str, Any]]:
    """{check id: {at, by, results: [{account, region, status, message, evidence}]}};
    empty when the file is missing, unreadable or not ours (never raises)."""
    path = evidence_path(state_path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {}
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("kind") != KIND or \
            doc.get("schema_version") != SCHEMA_VERSION or not isinstance(doc.get("checks"), dict):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for check_id, entry in doc["checks"].items():
        if isinstance(entry, dict) and isinstance(entry.get("results"), list):
            out[str(check_id)] = {
                "at": entry.get("at"), "by": entry.get("by"),
                "results": [r for r in entry["results"] if isinstance(r, dict)]}
    return out


def save_latest(state_path: str | Path, run: Any, *, account: str | None = None) -> Path:
    """Merge one verify run into the latest-evidence file (checks not in the run are kept)."""
    checks = load_latest(state_path)
    at = run.finished_at or run.started_at
    fresh: dict[str, list[dict[str, Any]]] = {}
    for r in run.results:
        fresh.setdefault(r.check_id, []).append({
            "account": r.account, "region": r.region, "status": r.status.value,
            "message": r.message, "evidence": _compact(r.evidence)})
    for check_id, results in fresh.items():
        checks[check_id] = {"at": at, "by": run.actor, "results": results}
    doc = {"schema_version": SCHEMA_VERSION, "kind": KIND,
           "management_account_id": account or getattr(run, "account", None),
           "checks": dict(sorted(checks.items()))}
    text = json.dumps(jsonable(doc), indent=1, ensure_ascii=False) + "\n"
    return write_atomic(evidence_path(state_path), text)


def scopes_of(latest: Mapping[str, Mapping[str, Any]], check_id: str) -> list[dict[str, Any]]:
    """The latest per-scope results of one check, each with `verified_at` / `verified_by`."""
    entry = latest.get(check_id)
    if not entry:
        return []
    return [{**r, "verified_at": entry.get("at"), "verified_by": entry.get("by")}
            for r in entry.get("results", [])]
