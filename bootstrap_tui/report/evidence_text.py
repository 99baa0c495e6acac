"""Evidence (the API facts a check saw) as `key: value` lines a person reads."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["evidence_lines"]

MAX_LINES = 60


def evidence_lines(evidence: Any, limit: int = MAX_LINES) -> list[str]:
    """Nested keys joined with '.', lists of plain values joined with ', ', list items of
    mappings numbered `key[1].field`; at most `limit` lines, then how many were left out."""
    lines: list[str] = []
    _walk(evidence, "", lines)
    if len(lines) > limit:
        lines = lines[:limit] + [f"… {len(lines) - limit} more lines"]
    return lines


def _walk(value: Any, key: str, lines: list[str]) -> None:
    if isinstance(value, dict):
        if not value and key:
            lines.append(f"{key}: (none)")
        for name in sorted(value, key=str):
            _walk(value[name], f"{key}.{name}" if key else str(name), lines)
    elif isinstance(value, (list, tuple)):
        if not value:
            lines.append(f"{key or 'value'}: (none)")
        elif all(not isinstance(v, (dict, list, tuple)) for v in value):
            lines.append(f"{key or 'value'}: {', '.join(_scalar(v) for v in value)}")
        else:
            for index, item in enumerate(value, 1):
                _walk(item, f"{key}[{index}]", lines)
    elif value is not None or key:
        lines.append(f"{key or 'value'}: {_scalar(value)}")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)
