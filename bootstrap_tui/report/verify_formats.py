"""render_verify: one VerifyRun in one of the verify output formats."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.model import Step
from bootstrap_tui.report.common import RunLike
from bootstrap_tui.report.verify_json import render_json
from bootstrap_tui.report.verify_junit import render_junit
from bootstrap_tui.report.verify_md import render_md
from bootstrap_tui.report.verify_sarif import render_sarif
from bootstrap_tui.report.verify_text import render_text

VERIFY_FORMATS = ("text", "json", "junit", "sarif", "md")

_RENDERERS: dict[str, Callable[..., str]] = {
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "md": render_md,
}


def render_verify(
    run: RunLike, fmt: str, *, steps: Sequence[Step] | None = None, color: bool = False
) -> str:
    """Render a verify run. `steps` gives titles, wizard order and rule metadata;
    `color` adds ANSI colours to the text format only (pass True only for a TTY)."""
    if fmt == "text":
        return render_text(run, steps=steps, color=color)
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise ConfigError(
            f"unknown verify format {fmt!r}", f"formats are: {', '.join(VERIFY_FORMATS)}"
        )
    return renderer(run, steps=steps)
