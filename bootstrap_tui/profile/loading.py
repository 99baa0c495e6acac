"""Reading profiles: built-in names, files, `extends` merging, and the typed Profile built
from validated YAML data."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.profile.model import Profile, model_class
from bootstrap_tui.profile.rules import Either, List, Rule, Section, Table, rule_fields
from bootstrap_tui.profile.validation import Checker, found, validate_profile
from bootstrap_tui.resources import data_dir
from bootstrap_tui.yamlio import Lines, load_with_lines, read_file

BUILTIN_ORDER = ("startup-minimal", "soc2", "iso27001", "pci-dss")
MAX_ERRORS_SHOWN = 25


# ------------------------------------------------------------------ built-ins


def builtin_dir() -> Path:
    return data_dir("profiles")


def builtin_names() -> list[str]:
    directory = builtin_dir()
    found_names = sorted(p.stem for p in directory.glob("*.yaml")) if directory.is_dir() else []
    ordered = [n for n in BUILTIN_ORDER if n in found_names]
    return ordered + [n for n in found_names if n not in ordered]


def list_profiles() -> list[tuple[str, str]]:
    """(name, description) of every built-in profile, startup-minimal first."""
    out = []
    for name in builtin_names():
        path = builtin_dir() / f"{name}.yaml"
        try:
            data, _ = load_with_lines(read_file(path, "profile"), str(path))
        except ConfigError:
            continue
        if isinstance(data, dict):
            description = data.get("description")
            out.append((name, description if isinstance(description, str) else ""))
    return out


# ------------------------------------------------------------------ extends


def _merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in `override` replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(override)


def _raise(errors: list[str], filename: str) -> None:
    if len(errors) == 1:
        message = errors[0]
    else:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        message = (
            f"{filename}: {len(errors)} problems in the profile:\n"
            + "\n".join(f"  {e}" for e in shown)
            + (f"\n  ... and {more} more" if more else "")
        )
    error = ConfigError(message, "docs/profiles.md describes every field")
    error.errors = errors
    raise error


def _check_extends(
    data: dict[str, Any], lines: Lines, filename: str, chain: tuple[str, ...]
) -> None:
    """The `extends` target is a built-in outside `chain`, and the file names itself."""
    parent = data.get("extends")
    check = Checker(lines, filename)
    names = builtin_names()
    if not isinstance(parent, str) or parent not in names:
        close = difflib.get_close_matches(str(parent), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        check.error("extends", f"{found(parent)}{hint}", "a built-in profile: " + ", ".join(names))
    elif parent in chain:
        check.error(
            "extends",
            f"{parent!r} extends itself through " + " -> ".join(chain + (parent,)),
            "a chain without cycles",
        )
    if "name" not in data:
        check.error("name", "missing", "a name of its own for a profile that extends another")
    if check.errors:
        _raise([m for _, m in check.errors], filename)


def _resolve(
    raw: bytes | str, filename: str, chain: tuple[str, ...]
) -> tuple[dict[str, Any], Lines]:
    """Parse a profile and merge it over the profile it extends (not validated)."""
    data, lines = load_with_lines(raw, filename)
    if not isinstance(data, dict):
        _raise(
            [
                f"{filename}:1: {found(data)} — expected a mapping of profile fields "
                "(name, description, frameworks, ...)"
            ],
            filename,
        )
    parent = data.get("extends")
    if parent is None:
        return data, lines
    _check_extends(data, lines, filename, chain)
    base_path = builtin_dir() / f"{parent}.yaml"
    base, _ = _resolve(read_file(base_path, "profile"), str(base_path), chain + (parent,))
    return _merge(base, data), lines


# ------------------------------------------------------------------ the typed Profile


def _value(spec: Rule, value: Any) -> Any:
    """A validated YAML value as the model holds it (mappings as classes, lists as tuples)."""
    if isinstance(spec, Section):
        return build(model_class(spec.of), value)
    if isinstance(spec, List):
        return tuple(_value(spec.items, item) for item in value)
    if isinstance(spec, Table):
        return {key: _value(spec.values, item) for key, item in value.items()}
    if isinstance(spec, Either):
        return tuple(value) if isinstance(value, list) else value
    return value


def build(cls: type, data: dict[str, Any], **extra: Any) -> Any:
    """An instance of model class `cls` from validated data; absent fields take defaults."""
    values = {
        field.name: _value(field.metadata["rule"], data[field.name])
        for field in rule_fields(cls)
        if field.name in data
    }
    return cls(**values, **extra)


def profile_from_text(
    raw: bytes | str,
    filename: str = "<profile>",
    path: Path | None = None,
    *,
    builtin: str | None = None,
) -> Profile:
    """Parse, merge (`extends`), validate and return a Profile; ConfigError otherwise.
    `builtin` is the name when the text is a built-in profile (for cycle detection)."""
    data, lines = _resolve(raw, filename, (builtin,) if builtin else ())
    errors = validate_profile(data, lines, filename)
    if errors:
        _raise(errors, filename)
    return build(Profile, data, path=path)


def _is_path(name_or_path: str | Path) -> bool:
    text = str(name_or_path)
    return (
        isinstance(name_or_path, Path)
        or "/" in text
        or "\\" in text
        or text.endswith((".yaml", ".yml"))
    )


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a profile file by path."""
    if _is_path(name_or_path):
        path = Path(name_or_path).expanduser()
        return profile_from_text(read_file(path, "profile"), str(path), path)
    name = str(name_or_path)
    names = builtin_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"unknown baseline profile {name!r}{hint}",
            f"built-in profiles: {', '.join(names) or 'none found'}; "
            "or pass the path of a profile YAML file",
        )
    path = builtin_dir() / f"{name}.yaml"
    return profile_from_text(read_file(path, "profile"), str(path), path, builtin=name)
