"""Shared helpers of the verify and export renderers (pure functions)."""

from __future__ import annotations

import re
from typing import Any, Protocol
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from bootstrap_tui import __version__
from bootstrap_tui.model import CheckResult, Status, Step
from bootstrap_tui.state import redact

TOOL_NAME = "bootstrap-tui"

# How results are listed: failures first.
DISPLAY_ORDER = (
    Status.FAIL,
    Status.ERROR,
    Status.WARN,
    Status.MANUAL,
    Status.NOT_APPLICABLE,
    Status.PASS,
)
DISPLAY_RANK = {status: i for i, status in enumerate(DISPLAY_ORDER)}
# How several results of one check combine into one status (worst wins); the
# same ranking the engine uses for the evidence history.
# NOT_APPLICABLE ranks above PASS: a check with a not-applicable scope never reads as passing.
WORST_RANK = {
    Status.PASS: 0,
    Status.NOT_APPLICABLE: 1,
    Status.MANUAL: 2,
    Status.WARN: 3,
    Status.ERROR: 4,
    Status.FAIL: 5,
}
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")


class RunLike(Protocol):
    """What the renderers need of engine.VerifyRun."""

    results: list[CheckResult]
    started_at: str
    finished_at: str
    actor: str
    account: str
    endpoint: str | None
    # optional: sandbox (bool), coverage() -> dict (see engine.VerifyRun)


def tool_info() -> dict[str, str]:
    return {"name": TOOL_NAME, "version": __version__}


def one_line(text: Any) -> str:
    """Text safe for a terminal or table cell: no escape sequences, no control chars."""
    value = "" if text is None else str(text)
    value = _ANSI.sub("", value)
    value = value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL_CHARS.sub("", value).strip()


def clean_block(text: Any) -> str:
    """Multi-line text without escape sequences or control characters (newlines kept)."""
    value = "" if text is None else str(text)
    value = _ANSI.sub("", value).replace("\r\n", "\n").replace("\t", "    ")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", value).strip()


def safe_endpoint(url: str | None) -> str | None:
    """The endpoint URL without any user:password part."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return redact(url)


def scope_label(account: str | None, region: str | None) -> str:
    return "/".join(p for p in (account, region) if p) or "-"


def result_dict(result: CheckResult) -> dict[str, Any]:
    """CheckResult.to_dict() with anything secret-looking redacted and JSON-safe values."""
    return _jsonable(redact(result.to_dict()))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def jsonable(value: Any) -> Any:
    """A redacted copy of value made of JSON types only (datetimes -> ISO text)."""
    return _jsonable(redact(value))


def counts(results: Iterable[CheckResult]) -> dict[str, int]:
    out = {s.value: 0 for s in DISPLAY_ORDER}
    for result in results:
        out[result.status.value] += 1
    return out


def summary_line(results: Sequence[CheckResult]) -> str:
    tally = counts(results)
    parts = (
        ", ".join(f"{tally[s.value]} {s.value}" for s in DISPLAY_ORDER if tally[s.value])
        or "nothing ran"
    )
    return f"{len(results)} checks: {parts}"


def coverage(run: Any) -> dict[str, int]:
    """Checks and scopes the run expected and how many reported a result of their own
    (engine.VerifyRun.coverage); a run without that record counts what it holds."""
    method = getattr(run, "coverage", None)
    if callable(method):
        return dict(method())
    checks = len({r.check_id for r in run.results})
    return {
        "checks_expected": checks,
        "checks_reported": checks,
        "scopes_expected": len(run.results),
        "scopes_reported": len(run.results),
    }


def coverage_text(run: Any) -> str:
    cov = coverage(run)
    return (
        f"{cov['checks_reported']} of {cov['checks_expected']} checks reported, "
        f"{cov['scopes_reported']} of {cov['scopes_expected']} scopes"
    )


SANDBOX_NOTE = (
    "SANDBOX: made against a bootstrap-tui sandbox endpoint (simulated AWS), "
    "not real AWS; it is no evidence about a real account"
)


def from_sandbox(run: Any) -> bool:
    return bool(getattr(run, "sandbox", False))


def step_order(steps: Sequence[Step] | None) -> dict[str, int]:
    return {step.id: i for i, step in enumerate(steps or ())}


def step_titles(steps: Sequence[Step] | None) -> dict[str, str]:
    return {step.id: step.title for step in steps or ()}


def failures_first(
    results: Iterable[CheckResult], steps: Sequence[Step] | None
) -> list[CheckResult]:
    order = step_order(steps)
    return sorted(
        results,
        key=lambda r: (
            DISPLAY_RANK[r.status],
            order.get(r.step_id, len(order)),
            r.step_id,
            r.check_id,
            r.account or "",
            r.region or "",
        ),
    )


def worst(statuses: Iterable[Status]) -> Status | None:
    found = list(statuses)
    return max(found, key=lambda s: WORST_RANK[s]) if found else None


def group_by_step(
    results: Iterable[CheckResult], steps: Sequence[Step] | None
) -> list[tuple[str, str, list[CheckResult]]]:
    """(step id, title, results) in wizard order; unknown step ids go last."""
    order = step_order(steps)
    titles = step_titles(steps)
    groups: dict[str, list[CheckResult]] = {}
    for result in results:
        groups.setdefault(result.step_id, []).append(result)
    ids = sorted(groups, key=lambda sid: (order.get(sid, len(order)), sid))
    return [(sid, titles.get(sid, sid), groups[sid]) for sid in ids]


def check_metadata(
    results: Iterable[CheckResult], steps: Sequence[Step] | None
) -> dict[str, dict[str, Any]]:
    """Per check id: step, title, severity, remediation, frameworks, prowler — from the steps'
    Check declarations (stable order), completed by any result of a check not declared there."""
    meta: dict[str, dict[str, Any]] = {}
    for step in steps or ():
        for check in step.checks:
            meta.setdefault(
                check.id,
                {
                    "step": step.id,
                    "title": check.title,
                    "severity": check.severity.value,
                    "remediation": check.remediation,
                    "frameworks": check.mappings(),
                    "prowler": check.prowler,
                },
            )
    for result in results:
        meta.setdefault(
            result.check_id,
            {
                "step": result.step_id,
                "title": result.title,
                "severity": result.severity.value,
                "remediation": result.remediation,
                "frameworks": dict(result.frameworks),
                "prowler": result.prowler,
            },
        )
    return meta


def control_tags(frameworks: Mapping[str, Sequence[str]]) -> list[str]:
    return [f"{fw}:{cid}" for fw, ids in sorted(frameworks.items()) for cid in ids]
