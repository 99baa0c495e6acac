"""Answers files: YAML keyed by step id, then field, for unattended runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bootstrap_tui.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine


def load_answers(path: Path, engine: Engine) -> dict[str, dict[str, Any]]:
    """Load and validate an answers file against the engine's steps and profile."""
    from bootstrap_tui.yamlio import load_with_lines, read_file

    path = Path(path).expanduser()
    text = read_file(path, "answers file")  # bounded: never reads more than the size limit
    data, lines = load_with_lines(text, str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: expected a mapping of step id to answers, found {type(data).__name__}"
        )
    out: dict[str, dict[str, Any]] = {}
    for step_id, values in data.items():
        line = lines.get(str(step_id), 1)
        step = engine.by_id.get(step_id)
        if step is None:
            raise ConfigError(
                f"{path}:{line}: unknown step {step_id!r}",
                f"steps are: {', '.join(s.id for s in engine.steps)}",
            )
        if values is None:
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{path}:{line}: {step_id}: expected a mapping of field to value")
        fields = {f.name: f for f in step.fields(engine.profile)}
        for name, value in values.items():
            where = f"{step_id}.{name}"
            fline = lines.get(where, line)
            if name not in fields:
                raise ConfigError(
                    f"{path}:{fline}: {where}: unknown field",
                    f"{step_id} takes: {', '.join(fields) or 'no inputs'}",
                )
            try:
                fields[name].parse(value)
            except ValidationError as exc:
                raise ConfigError(f"{path}:{fline}: {where}: {exc.problem}") from None
        out[step_id] = dict(values)
    return out


def export_answers(engine: Engine) -> dict[str, dict[str, Any]]:
    """The collected answers as a replayable answers file (no secrets are ever answers)."""
    out: dict[str, dict[str, Any]] = {}
    for step in engine.steps:
        values = {k: v for k, v in engine.answers(step.id).items() if v is not None}
        if values:
            out[step.id] = values
    return out
