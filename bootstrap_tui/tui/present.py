"""How engine facts are shown: status icons AND words (never colour alone),
error texts, per-framework coverage. Pure functions, no widgets."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine

STEP_STATUS = {
    # status: (icon, word, css class)
    "pending": ("○", "to do", "pending"),
    "planned": ("◔", "planned", "pending"),
    "in-progress": ("◐", "running", "running"),
    "applied": ("●", "applied", "applied"),
    "verified": ("✔", "verified", "ok"),
    "failed": ("✘", "failed", "bad"),
    "skipped": ("–", "skipped", "skipped"),
    "manual-pending": ("☐", "manual", "warn"),
    "stale": ("↻", "stale", "warn"),
}

CHECK_STATUS = {
    "PASS": ("✔", "PASS", "ok"),
    "FAIL": ("✘", "FAIL", "bad"),
    "WARN": ("!", "WARN", "warn"),
    "MANUAL": ("☐", "MANUAL", "warn"),
    "ERROR": ("⚠", "ERROR", "bad"),
    # neutral, never green: the check proves nothing here (the message says why)
    "NOT_APPLICABLE": ("–", "NOT APPLICABLE", "neutral"),
}

FRAMEWORK_SHORT = {
    "cis-aws-3.0": "CIS AWS 3.0",
    "soc2": "SOC 2",
    "iso27001-2022": "ISO 27001:2022",
    "pci-dss-4.0": "PCI DSS 4.0",
    "aws-ssb": "AWS SSB",
}

DONE = {"verified", "skipped"}


def step_badge(status: str) -> str:
    icon, word, _ = STEP_STATUS.get(status, ("?", status, "pending"))
    return f"{icon} {word}"


def check_badge(status: Any) -> str:
    value = getattr(status, "value", status)
    icon, word, _ = CHECK_STATUS.get(value, ("?", str(value), "warn"))
    return f"{icon} {word}"


def check_class(status: Any) -> str:
    return CHECK_STATUS.get(getattr(status, "value", status), ("", "", "warn"))[2]


def progress_line(rows: Iterable[dict[str, Any]]) -> str:
    rows = list(rows)
    verified = sum(1 for r in rows if r["status"] == "verified")
    skipped = sum(1 for r in rows if r["status"] == "skipped")
    text = f"{verified}/{len(rows)} verified"
    return f"{text}, {skipped} skipped" if skipped else text


def error_text(error: BaseException) -> tuple[str, str | None]:
    """(message, hint) for any error; never a traceback."""
    from bootstrap_tui.errors import BootstrapError

    if isinstance(error, BootstrapError):
        return error.message, error.hint
    if isinstance(error, KeyboardInterrupt):
        return "stopped; progress is saved", "start the operation again to resume"
    return (
        f"unexpected error ({type(error).__name__}: {error}); this is a bug",
        "progress is saved; details are in the log file",
    )


def evidence_text(evidence: dict[str, Any] | None, limit: int = 200) -> str:
    if not evidence:
        return ""
    text = ", ".join(f"{k}={v}" for k, v in evidence.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def framework_coverage(results: Iterable[Any]) -> list[tuple[str, str, int, int]]:
    """Per framework: (id, short name, covered controls, total controls).

    A control is covered when every result mapped to it is PASS or WARN
    (MANUAL, NOT_APPLICABLE, FAIL and ERROR leave it uncovered)."""
    controls: dict[str, dict[str, bool]] = defaultdict(dict)
    for result in results:
        ok = getattr(result.status, "value", result.status) in ("PASS", "WARN")
        for framework, ids in (result.frameworks or {}).items():
            for control in ids:
                controls[framework][control] = controls[framework].get(control, True) and ok
    out = []
    for framework in list(FRAMEWORK_SHORT) + sorted(set(controls) - set(FRAMEWORK_SHORT)):
        if framework in controls:
            values = controls[framework].values()
            out.append(
                (
                    framework,
                    FRAMEWORK_SHORT.get(framework, framework),
                    sum(values),
                    len(controls[framework]),
                )
            )
    return out


def coverage_line(results: Iterable[Any]) -> str:
    parts = [
        f"{name}: {ok}/{total} controls covered"
        for _, name, ok, total in framework_coverage(results)
    ]
    return " · ".join(parts) if parts else "no framework mappings in these results"


def is_root(identity: Any) -> bool:
    if identity is None:
        return False
    flag = getattr(identity, "is_root", None)
    if flag is not None:
        return bool(flag)
    return str(getattr(identity, "arn", "")).endswith(":root")


def refuse_root(engine: Engine) -> None:
    """Refuse automated changes as the root user (the aws layer's rule when present)."""
    try:
        from bootstrap_tui.aws import refuse_root as aws_refuse_root
    except ImportError:
        aws_refuse_root = None
    if aws_refuse_root is not None:
        aws_refuse_root(engine.identity)
        return
    if is_root(engine.identity):
        from bootstrap_tui.errors import RefusedError

        raise RefusedError(
            "bootstrap-tui does not automate as the root user",
            "connect with an IAM user or Identity Center admin",
        )


def doc_markdown(step: Any) -> str:
    """The step's docs page for the About tab: the summary first, then the page without
    its leading `# Title` (the step view's head already shows the title)."""
    text = _doc_page(step)
    lines = text.lstrip().splitlines()
    if lines and lines[0].startswith("# "):
        text = "\n".join(lines[1:]).lstrip("\n")
    summary = (getattr(step, "summary", "") or "").strip()
    return f"*{summary}*\n\n{text}" if summary else text


def _doc_page(step: Any) -> str:
    """The step's docs page, or a short stand-in built from its title."""
    try:
        from bootstrap_tui.resources import doc_page

        text = doc_page(f"steps/{step.id}.md")
        if text:
            return text
    except Exception:
        pass
    from pathlib import Path

    for base in (
        Path(__file__).resolve().parents[2] / "docs",
        Path(__file__).resolve().parents[1] / "_data" / "docs",
    ):
        page = base / "steps" / f"{step.id}.md"
        if page.is_file():
            return page.read_text(encoding="utf-8")
    return f"# {step.title}\n"


def where_label(
    account: str | None, region: str | None, names: dict[str, str] | None = None
) -> str:
    """Where a result was seen, short enough for 80 columns: "Production …0042 us-east-1"."""
    parts = []
    if account:
        name = (names or {}).get(account)
        parts.append(f"{name} …{account[-4:]}" if name else account)
    if region:
        parts.append(region)
    return " ".join(parts) or "–"
