"""export: the setup checklist an auditor asks for, with evidence and mappings.

    render_export(checklist, fmt, framework=None) -> str   md | csv | json | html
    export_text(engine, fmt, frameworks=None) -> str       what the CLI and TUI call

The checklist lists every step (status, last update), every check (latest
status, first time it passed, start of its current passing streak, last time it
was verified, remediation, the controls it maps to, per-scope evidence when a
verify run is given), every manual item and every organizational item (who
attested when, with what note, or "not attested"). With a framework, it is
also grouped by that framework's controls, and the controls the baseline does
not map to are listed as not covered, with the coverage figure.

The parts, by what a reader looks for:
    report.checklist        build_checklist: the checklist as data (evidence, history)
    report.framework_views  grouping by a framework's controls, coverage, summary bars
    report.integrity        hashing: each item's digest and the document's seal
    report.checklist_text   how entries read as text (shared by md, csv, html)
    report.export_md / export_csv / export_html   the per-format writers

Everything passes through bootstrap_tui.state.redact: no secrets in exports.
"""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Mapping, Sequence

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.report.common import jsonable
from bootstrap_tui.report.checklist import (
    ATTESTED,
    CHECKLIST_SCHEMA_VERSION,
    NOT_APPLICABLE,
    NOT_ATTESTED,
    NOT_VERIFIED,
    build_checklist,
    check_timeline,
)
from bootstrap_tui.report.export_csv import render_csv
from bootstrap_tui.report.export_md import render_md
from bootstrap_tui.report.framework_views import (
    BAR_LABELS,
    BAR_STATES,
    framework_bars,
    framework_view,
    frameworks_arg,
)
from bootstrap_tui.report.integrity import seal_document, seal_text

__all__ = [
    "EXPORT_FORMATS",
    "CHECKLIST_SCHEMA_VERSION",
    "NOT_VERIFIED",
    "NOT_APPLICABLE",
    "ATTESTED",
    "NOT_ATTESTED",
    "BAR_LABELS",
    "BAR_STATES",
    "build_checklist",
    "check_timeline",
    "framework_view",
    "framework_bars",
    "render_export",
    "export_text",
    "checklist_of",
]

EXPORT_FORMATS = ("md", "csv", "json", "html")


def render_export(
    checklist: Mapping[str, Any], fmt: str, framework: str | Sequence[str] | None = None
) -> str:
    """Render a checklist (from build_checklist) as md, csv, json or html, grouped by
    every framework's controls, or only by `framework` (one id or several).
    json carries its integrity record; md and html end with their digest line."""
    frameworks = frameworks_arg(framework)
    views = [framework_view(checklist, fw) for fw in frameworks]
    if fmt == "json":
        doc = dict(checklist)
        doc["framework_views"] = views
        return json.dumps(seal_document(jsonable(doc)), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return seal_text(render_md(checklist, views))
    if fmt == "csv":
        return render_csv(checklist, views)
    if fmt == "html":
        from bootstrap_tui.report.export_html import render_html

        return seal_text(render_html(checklist, views))
    raise ConfigError(
        f"unknown export format {fmt!r}", f"formats are: {', '.join(EXPORT_FORMATS)}, answers"
    )


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
