"""Verification results as a table: check, account, region, status, message/evidence, remediation."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from rich.text import Text
from textual.widgets import DataTable

from bootstrap_tui.tui.present import CHECK_STATUS, check_badge, evidence_text, where_label

STYLE = {"ok": "green", "bad": "bold red", "warn": "yellow", "neutral": "dim"}


def status_cell(status: Any) -> Text:
    value = getattr(status, "value", status)
    style = STYLE.get(CHECK_STATUS.get(value, ("", "", "warn"))[2], "")
    return Text(check_badge(status), style=style)


class ResultsTable(DataTable[str | Text]):
    """One row per CheckResult (check x account x region)."""

    # where and what was seen come right after the check, so they stay in view at 80 columns
    COLUMNS = ("Status", "Check", "Where", "Message / evidence", "Remediation")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.add_columns(*self.COLUMNS)
        self.results: list[Any] = []
        self.names: dict[str, str] = {}

    def show(self, results: Iterable[Any], names: dict[str, str] | None = None) -> None:
        """``names``: account id -> account name, shown with the id's last digits."""
        self.clear()
        self.results = list(results)
        self.names = dict(names or {})
        for index, r in enumerate(self.results):
            message = r.message
            evidence = evidence_text(r.evidence, 80)
            if evidence:
                message = f"{message} ({evidence})"
            self.add_row(
                status_cell(r.status),
                _short_check(r.check_id),
                where_label(r.account, r.region, names),
                _cut(message, 60),
                _cut(r.remediation or "", 60),
                key=str(index),
            )

    def result_at(self, row: int) -> Any | None:
        results = getattr(self, "results", [])
        return results[row] if 0 <= row < len(results) else None


def _short_check(check_id: str) -> str:
    """The check id without its step prefix when long (the step is the screen's subject)."""
    step, _, name = check_id.partition(".")
    return name if len(check_id) > 28 and name else check_id


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail_text(result: Any, names: dict[str, str] | None = None) -> str:
    """The full story of one result, for the detail line under a table."""
    name = (names or {}).get(result.account or "")
    account = f"{name} ({result.account})" if name else (result.account or "–")
    lines = [
        f"{check_badge(result.status)}  {result.title} ({result.check_id})",
        f"where: account {account}, region {result.region or '–'}",
        f"seen: {result.message}",
    ]
    evidence = evidence_text(result.evidence, 400)
    if evidence:
        lines.append(f"evidence: {evidence}")
    if result.remediation and getattr(result.status, "value", result.status) != "PASS":
        lines.append(f"fix: {result.remediation}")
    maps = "; ".join(f"{k}: {', '.join(v)}" for k, v in (result.frameworks or {}).items())
    if maps:
        lines.append(f"maps to: {maps}")
    return "\n".join(lines)
