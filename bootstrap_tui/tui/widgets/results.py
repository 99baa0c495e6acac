"""Verification results as a table: check, account, region, status, message/evidence, remediation."""
from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual.widgets import DataTable

from bootstrap_tui.tui.present import CHECK_STATUS, check_badge, evidence_text

STYLE = {"ok": "green", "bad": "bold red", "warn": "yellow", "neutral": "dim"}


def status_cell(status: Any) -> Text:
    value = getattr(status, "value", status)
    style = STYLE.get(CHECK_STATUS.get(value, ("", "", "warn"))[2], "")
    return Text(check_badge(status), style=style)


class ResultsTable(DataTable):
    """One row per CheckResult (check x account x region)."""

    # what was seen comes right after the check, so it stays in view at 80 columns
    COLUMNS = ("Status", "Check", "Message / evidence", "Account", "Region", "Remediation")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.add_columns(*self.COLUMNS)
        self.results: list[Any] = []

    def show(self, results: Iterable[Any]) -> None:
        self.clear()
        self.results = list(results)
        for index, r in enumerate(self.results):
            message = r.message
            evidence = evidence_text(r.evidence, 80)
            if evidence:
                message = f"{message} ({evidence})"
            self.add_row(status_cell(r.status), r.check_id, _cut(message, 60), r.account or "–",
                         r.region or "–", _cut(r.remediation or "", 60), key=str(index))

    def result_at(self, row: int) -> Any | None:
        results = getattr(self, "results", [])
        return results[row] if 0 <= row < len(results) else None


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail_text(result: Any) -> str:
    """The full story of one result, for the detail line under a table."""
    lines = [f"{check_badge(result.status)}  {result.title} ({result.check_id})",
             f"where: account {result.account or '–'}, region {result.region or '–'}",
             f"seen: {result.message}"]
    evidence = evidence_text(result.evidence, 400)
    if evidence:
        lines.append(f"evidence: {evidence}")
    if result.remediation and getattr(result.status, "value", result.status) != "PASS":
        lines.append(f"fix: {result.remediation}")
    maps = "; ".join(f"{k}: {', '.join(v)}" for k, v in (result.frameworks or {}).items())
    if maps:
        lines.append(f"maps to: {maps}")
    return "\n".join(lines)
