"""The markdown export: the checklist as a document an auditor reads."""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping, Sequence

from bootstrap_tui.model import Status
from bootstrap_tui.report.common import SANDBOX_NOTE
from bootstrap_tui.report.checklist import NOT_APPLICABLE
from bootstrap_tui.report.checklist_text import (
    attestation_text,
    controls_text,
    evidence_text,
    header_facts,
    runs_text,
    scopes_text,
    shown_frameworks,
    summary_lines,
    verified_text,
    when_text,
)
from bootstrap_tui.report.framework_views import coverage_line
from bootstrap_tui.report.mdutil import md_cell, md_code, md_text

__all__ = ["render_md"]


def render_md(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> str:
    shown = shown_frameworks(checklist, views)
    out = ["# Setup checklist", ""]
    out += [f"> **Warning: {md_text(w)}**\n" for w in checklist.get("warnings") or ()]
    if checklist.get("sandbox"):
        out += [f"> **{SANDBOX_NOTE}.**", ""]
    out += [f"- {label}: {md_text(value)}" for label, value in header_facts(checklist)]
    out += ["", "## Summary", ""] + [f"- {md_text(line)}" for line in summary_lines(checklist)]
    for view in views:
        out += ["", f"- {md_text(view['title'])}: {md_text(coverage_line(view))}"]

    out += ["", "## Steps", "", "| Step | Status | Updated | Its checks now |", "|---|---|---|---|"]
    for step in checklist["steps"]:
        err = f" — {md_cell(step['error'])}" if step.get("error") else ""
        err += f" — {md_cell(step['skip_reason'])}" if step.get("skip_reason") else ""
        out.append(
            f"| {md_cell(step['title'])} (`{md_code(step['id'])}`) | "
            f"{md_cell(step['status'])}{err} | {md_cell(when_text(step['updated_at']))} "
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
                f"| {md_cell(c['severity'])} | {md_cell(when_text(c['first_passed_at']))} "
                f"| {md_cell(when_text(c['passing_since']))} "
                f"| {md_cell(when_text(c['last_verified_at']))} | {md_cell(runs_text(c))} "
                f"| {md_cell(controls_text(c['controls'], shown)) or '—'} |"
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
                    f"({scopes_text(len(c['results']))}, {verified_text(c['results'])})</summary>",
                    "",
                    "| Account | Region | Status | Message | Evidence (API facts) |",
                    "|---|---|---|---|---|",
                ]
                out += [
                    f"| {md_cell(r['account']) or '—'} | {md_cell(r['region']) or '—'} "
                    f"| {md_cell(r['status'])} | {md_cell(r['message'])} "
                    f"| {md_cell(evidence_text(r['evidence']))} |"
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
                f"| {md_cell(m['status'])} | {md_cell(attestation_text(m))} "
                f"| {md_cell(m.get('note') or '—')} "
                f"| {md_cell(controls_text(m['controls'], shown)) or '—'} |"
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
