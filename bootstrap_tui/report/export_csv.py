"""The csv export: one row per check, item and control, for a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from collections.abc import Mapping, Sequence

from bootstrap_tui.report.common import clean_block
from bootstrap_tui.report.checklist_text import controls_text, shown_frameworks

__all__ = ["CSV_COLUMNS", "render_csv"]

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


def render_csv(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> str:
    shown = shown_frameworks(checklist, views)
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
            controls=controls_text(c["controls"], shown),
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
                controls=controls_text(m["controls"], shown),
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
