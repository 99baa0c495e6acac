"""verify --format json: the versioned, stable contract (docs/verify-json.schema.json)."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Sequence

from bootstrap_tui.model import Status, Step
from bootstrap_tui.report.common import (
    DISPLAY_ORDER,
    RunLike,
    counts,
    coverage,
    from_sandbox,
    one_line,
    result_dict,
    safe_endpoint,
    tool_info,
)

SCHEMA_VERSION = 1


def verify_document(run: RunLike, *, steps: Sequence[Step] | None = None) -> dict[str, Any]:
    tally = counts(run.results)
    bad = tally[Status.FAIL.value] + tally[Status.ERROR.value]
    summary: dict[str, Any] = {"total": len(run.results)}
    summary.update({s.value: tally[s.value] for s in DISPLAY_ORDER})
    summary["checks"] = len({r.check_id for r in run.results})
    summary.update(coverage(run))
    summary["failed"] = bad > 0
    summary["failed_strict"] = bad + tally[Status.MANUAL.value] > 0
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "started_at": run.started_at or None,
        "finished_at": run.finished_at or None,
        "actor": one_line(run.actor) or None,
        "management_account_id": run.account or None,
        "endpoint": safe_endpoint(getattr(run, "endpoint", None)),
        "sandbox": from_sandbox(run),
        "api_calls": int(getattr(run, "calls", 0) or 0),
        "member_role": _member_role(run),
        "member_roles": dict(sorted((getattr(run, "member_roles", None) or {}).items())),
        "summary": summary,
        "results": [result_dict(r) for r in run.results],
    }


def _member_role(run: RunLike) -> str | None:
    """The role verify assumed in member accounts: one name, "mixed", or None (no member account)."""
    roles = set((getattr(run, "member_roles", None) or {}).values())
    return None if not roles else roles.pop() if len(roles) == 1 else "mixed"


def render_json(run: RunLike, *, steps: Sequence[Step] | None = None) -> str:
    return json.dumps(verify_document(run, steps=steps), indent=2, ensure_ascii=False) + "\n"
