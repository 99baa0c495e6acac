"""verify --format text: a table, failures first, then remediation, then a summary."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bootstrap_tui.model import Status, Step
from bootstrap_tui.report.common import (
    DISPLAY_ORDER,
    SANDBOX_NOTE,
    RunLike,
    clean_block,
    counts,
    coverage_text,
    failures_first,
    from_sandbox,
    one_line,
)

_COLORS = {
    Status.FAIL: "\x1b[1;31m",
    Status.ERROR: "\x1b[1;35m",
    Status.WARN: "\x1b[33m",
    Status.MANUAL: "\x1b[36m",
    Status.PASS: "\x1b[32m",
    Status.NOT_APPLICABLE: "\x1b[2m",
}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
MAX_MESSAGE = 160


def render_text(run: RunLike, *, steps: Sequence[Step] | None = None, color: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    results = failures_first(run.results, steps)
    lines: list[str] = []
    head = f"bootstrap-tui verify — management account {one_line(run.account) or '?'}"
    lines.append(paint(_BOLD, head))
    lines.append(
        paint(
            _DIM,
            f"as {one_line(run.actor) or '?'}, {one_line(run.started_at)} → "
            f"{one_line(run.finished_at)}",
        )
    )
    if from_sandbox(run):
        lines.append(paint(_BOLD, SANDBOX_NOTE))
    lines.append("")
    if not results:
        lines.append("No checks ran.")
    else:
        header = ("STATUS", "CHECK", "ACCOUNT", "REGION", "MESSAGE")
        rows = []
        for r in results:
            message = one_line(r.message)
            if len(message) > MAX_MESSAGE:
                message = message[: MAX_MESSAGE - 1] + "…"
            rows.append(
                (
                    r.status,
                    one_line(r.check_id),
                    one_line(r.account) or "-",
                    one_line(r.region) or "-",
                    message,
                )
            )
        texts = [
            (status.value, check, account, region) for status, check, account, region, _ in rows
        ]
        widths = [max(len(header[i]), *(len(text[i]) for text in texts)) for i in range(4)]
        lines.append(
            paint(
                _BOLD,
                "  ".join(
                    h.ljust(widths[i]) if i < 4 else h for i, h in enumerate(header)
                ).rstrip(),
            )
        )
        for status, check, account, region, message in rows:
            cells = [
                paint(_COLORS[status], status.value.ljust(widths[0])),
                check.ljust(widths[1]),
                account.ljust(widths[2]),
                region.ljust(widths[3]),
                message,
            ]
            lines.append("  ".join(cells).rstrip())

    todo = [r for r in results if r.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    if todo:
        lines.append("")
        lines.append(paint(_BOLD, "Remediation"))
        seen: set[str] = set()
        for r in todo:
            if r.check_id in seen:
                continue
            seen.add(r.check_id)
            scopes = sum(1 for x in todo if x.check_id == r.check_id)
            where = f" ({scopes} scopes)" if scopes > 1 else ""
            lines.append(
                f"  {paint(_COLORS[r.status], r.status.value)} {one_line(r.check_id)} — "
                f"{one_line(r.title)}{where}"
            )
            remediation = clean_block(r.remediation) or "No remediation text."
            for para in remediation.split("\n"):
                wrapped = textwrap.wrap(para, width=88) or [""]
                lines.extend(f"      {w}" for w in wrapped)
    lines.append("")
    tally = counts(run.results)
    parts = [
        paint(_COLORS[s], f"{tally[s.value]} {s.value}") for s in DISPLAY_ORDER if tally[s.value]
    ]
    line = f"{len(run.results)} checks: {', '.join(parts) or 'nothing ran'}"
    lines.append(coverage_text(run))
    lines.append(line)
    return "\n".join(lines) + "\n"
