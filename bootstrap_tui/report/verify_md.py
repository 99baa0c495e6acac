"""verify --format md: a Markdown report, one section per step (for PR comments, wikis)."""

from __future__ import annotations

from collections.abc import Sequence

from bootstrap_tui.model import CheckResult, Status, Step
from bootstrap_tui.report.common import (
    DISPLAY_ORDER,
    SANDBOX_NOTE,
    RunLike,
    clean_block,
    counts,
    coverage_text,
    failures_first,
    from_sandbox,
    group_by_step,
    safe_endpoint,
)
from bootstrap_tui.report.mdutil import md_cell, md_code, md_text

_ICON = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.ERROR: "⛔",
    Status.WARN: "⚠️",
    Status.MANUAL: "✋",
    Status.NOT_APPLICABLE: "➖",
}


def render_md(run: RunLike, *, steps: Sequence[Step] | None = None) -> str:
    tally = counts(run.results)
    out = ["# bootstrap-tui verify report", ""]
    if from_sandbox(run):
        out += [f"> **{SANDBOX_NOTE}.**", ""]
    out.append(f"- Management account: `{md_code(run.account) or '?'}`")
    out.append(f"- Run by: {md_text(run.actor) or '?'}")
    out.append(f"- Started: {md_text(run.started_at)} — finished: {md_text(run.finished_at)}")
    if run.endpoint:
        out.append(f"- Endpoint: `{md_code(safe_endpoint(run.endpoint))}`")
    out += ["", "## Summary", ""]
    parts = ", ".join(f"{tally[s.value]} {s.value}" for s in DISPLAY_ORDER if tally[s.value])
    out.append(f"**{len(run.results)} checks: {parts or 'nothing ran'}**")
    out += ["", f"Coverage: {coverage_text(run)}."]
    out += ["", "| Status | Count |", "|---|---:|"]
    out += [f"| {_ICON[s]} {s.value} | {tally[s.value]} |" for s in DISPLAY_ORDER]
    for step_id, title, results in group_by_step(run.results, steps):
        out += ["", f"## {md_text(title)} (`{md_code(step_id)}`)", ""]
        out += ["| Status | Check | Account | Region | Message |", "|---|---|---|---|---|"]
        for r in failures_first(results, steps):
            out.append(
                f"| {_ICON[r.status]} {r.status.value} | `{md_code(r.check_id)}` "
                f"| {md_cell(r.account) or '-'} | {md_cell(r.region) or '-'} "
                f"| {md_cell(r.message)} |"
            )
        todo: dict[str, CheckResult] = {}
        for r in failures_first(results, steps):
            if r.status not in (Status.PASS, Status.NOT_APPLICABLE):
                todo.setdefault(r.check_id, r)
        if todo:
            out += ["", "### Remediation", ""]
            for check_id, r in todo.items():
                text = md_text(clean_block(r.remediation)).replace("\n", "\n  ")
                out.append(f"- **{md_text(check_id)}** — {md_text(r.title)}: {text}")
    return "\n".join(out) + "\n"
