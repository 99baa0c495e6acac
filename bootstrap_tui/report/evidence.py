"""The latest per-scope evidence of every check, kept beside the state file.

The state file's evidence history holds one compact record per verify run
(time, who, counts, worst status per check). The API facts themselves, per
account and region, would make every state save slow on a large organization,
so they live in `<state>.evidence.json`: for each check, the scopes and
evidence of the last run that included it (a `--step` run updates only its own
checks). Export reads it to show what AWS said, per account, and when.

Everything is redacted before it is written; the file is 0600 like the state.
A file that exists but cannot be used (cut short, edited, not ours) is never
silently taken as "no evidence": `evidence_problems` says so for export (which
then exits EXIT_EVIDENCE), and the next save moves it aside as
`<name>.corrupt-<UTC time>` for inspection before starting a new one. A save
that fails is recorded in the run's evidence-history record (`evidence_error`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.report.common import jsonable
from bootstrap_tui.report.output import write_atomic

SCHEMA_VERSION = 1
KIND = "bootstrap-tui/latest-evidence"
MAX_EVIDENCE_CHARS = 4000
MAX_FILE_BYTES = 64 * 1024 * 1024
CORRUPT_SUFFIX = ".corrupt-"


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
    empty when the file is missing or unusable (never raises; see read_latest)."""
    return read_latest(state_path)[0]


def read_latest(state_path: str | Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """(load_latest's mapping, why the file that exists could not be used, or None)."""
    path = evidence_path(state_path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {}, f"it is larger than {MAX_FILE_BYTES} bytes"
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, f"it cannot be read: {exc.strerror or exc}"
    except ValueError as exc:
        return {}, f"it is not valid JSON (cut short or edited?): {str(exc)[:120]}"
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        return {}, "it is not a bootstrap-tui evidence file"
    if doc.get("schema_version") != SCHEMA_VERSION:
        return {}, (
            f"its schema_version is {doc.get('schema_version')!r}; this version "
            f"reads {SCHEMA_VERSION}"
        )
    if not isinstance(doc.get("checks"), dict):
        return {}, "its 'checks' entry is missing or not a mapping"
    return _checks_of(doc), None


def _checks_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for check_id, entry in doc["checks"].items():
        if isinstance(entry, dict) and isinstance(entry.get("results"), list):
            out[str(check_id)] = {
                "at": entry.get("at"),
                "by": entry.get("by"),
                "results": [r for r in entry["results"] if isinstance(r, dict)],
            }
    return out


def evidence_problems(state_path: str | Path | None, state_data: Mapping[str, Any]) -> list[str]:
    """What an export must say about evidence it cannot show: an evidence file that exists
    but is unusable, or a last verify whose evidence could not be saved."""
    problems = []
    if state_path is not None:
        problem = read_latest(state_path)[1]
        if problem:
            path = evidence_path(state_path)
            problems.append(
                f"the evidence file {path} is unusable ({problem}): this export shows no "
                f"per-scope evidence (API facts); the file is kept for inspection (the next "
                f"verify moves it aside as {path.name}{CORRUPT_SUFFIX}<time>) — run verify again"
            )
    history = state_data.get("evidence_history") or []
    last = history[-1] if history and isinstance(history[-1], Mapping) else {}
    if last.get("evidence_error"):
        problems.append(
            f"the evidence of the last verify ({last.get('at')}) could not be saved "
            f"({last['evidence_error']}): the per-scope evidence shown is from "
            "earlier runs — fix the cause and run verify again"
        )
    return problems


def move_aside(state_path: str | Path) -> Path:
    """Rename the evidence file to `<name>.corrupt-<UTC time>`, mode 0600 like the state
    (it names accounts), kept for inspection."""
    path = evidence_path(state_path)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{stamp}")
    os.replace(path, aside)
    try:
        os.chmod(aside, 0o600)
    except OSError:
        pass
    return aside


def save_latest(state_path: str | Path, run: Any, *, account: str | None = None) -> Path | None:
    """Merge one verify run into the latest-evidence file (checks not in the run are kept).
    An unusable file is moved aside first; returns where it went (None when it was fine)."""
    checks, problem = read_latest(state_path)
    aside = None
    if problem:
        try:
            aside = move_aside(state_path)
        except OSError as exc:
            raise ConfigError(
                f"cannot move the unusable evidence file {evidence_path(state_path)} "
                f"aside: {exc.strerror or exc}"
            ) from None
    at = run.finished_at or run.started_at
    fresh: dict[str, list[dict[str, Any]]] = {}
    for r in run.results:
        fresh.setdefault(r.check_id, []).append(
            {
                "account": r.account,
                "region": r.region,
                "status": r.status.value,
                "message": r.message,
                "evidence": _compact(r.evidence),
            }
        )
    for check_id, results in fresh.items():
        checks[check_id] = {"at": at, "by": run.actor, "results": results}
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "management_account_id": account or getattr(run, "account", None),
        "checks": dict(sorted(checks.items())),
    }
    text = json.dumps(jsonable(doc), indent=1, ensure_ascii=False) + "\n"
    write_atomic(evidence_path(state_path), text)
    return aside


def scopes_of(latest: Mapping[str, Mapping[str, Any]], check_id: str) -> list[dict[str, Any]]:
    """The latest per-scope results of one check, each with `verified_at` / `verified_by`."""
    entry = latest.get(check_id)
    if not entry:
        return []
    return [
        {**r, "verified_at": entry.get("at"), "verified_by": entry.get("by")}
        for r in entry.get("results", [])
    ]
