"""The docs' field reference (docs/profiles.md embeds it), generated from the model."""

from __future__ import annotations

from bootstrap_tui.profile.model import OU, model_class
from bootstrap_tui.profile.rules import List, Rule, Section, is_required, rule_fields
from bootstrap_tui.profile.validation import PROFILE_RULE, expected
from bootstrap_tui.yamlio import key_path


def _required_text(required: bool, default: object) -> str:
    if required:
        return "yes"
    return "no" if default in (None, [], {}, "") else f"no (default {default})"


def schema_reference() -> str:
    """Markdown table of every profile field (docs/profiles.md embeds it)."""
    rows = ["| Field | Expected | Required | Description |", "|---|---|---|---|"]

    def walk(spec: Rule, path: str) -> None:
        if isinstance(spec, Section):
            for field in rule_fields(model_class(spec.of)):
                sub: Rule = field.metadata["rule"]
                need = _required_text(is_required(field), field.metadata["default"])
                shown = expected(sub).replace("|", "\\|")
                child = key_path(path, field.name)
                rows.append(f"| `{child}` | {shown} | {need} | {sub.doc} |")
                walk(sub, child)
        elif isinstance(spec, List) and isinstance(spec.items, Section):
            if model_class(spec.items.of) is OU and path.endswith("children"):
                return
            walk(spec.items, f"{path}[]")

    walk(PROFILE_RULE, "")
    return "\n".join(rows) + "\n"
