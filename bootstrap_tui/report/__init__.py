"""Verify and export renderers: text, json, junit, sarif, md (verify) and
md, csv, json, html (export). Pure functions: no AWS calls, no UI imports.

    render_verify(run, fmt, *, steps=None, color=False) -> str
    write_atomic(path, text) -> Path
    report.export: build_checklist(...), render_export(checklist, fmt, framework=None),
                   export_text(engine, fmt, frameworks=None)
    report.org_items: ORG_ITEMS
"""

from __future__ import annotations

from bootstrap_tui.report.output import write_atomic
from bootstrap_tui.report.verify_formats import VERIFY_FORMATS, render_verify

__all__ = ["render_verify", "write_atomic", "VERIFY_FORMATS"]
