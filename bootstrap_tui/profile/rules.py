"""What each profile field accepts: the rule a model field carries in its metadata.

A rule says what a YAML value must look like (text pattern, number range, list
size, ...) and documents the field. The model attaches one to every field with
`rule(...)`; validation and the docs' field reference both read it from there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

_NO_DEFAULT: Any = dataclasses.MISSING


@dataclass(frozen=True)
class Text:
    """A text field; `pattern` must match the whole value."""

    doc: str
    pattern: str | None = None
    expected: str = "text"
    max_len: int = 200
    suggest: tuple[str, ...] = ()

    def but(self, doc: str) -> Text:
        """The same rule with another description."""
        return dataclasses.replace(self, doc=doc)


@dataclass(frozen=True)
class Int:
    """A whole number from `lo` to `hi`."""

    doc: str
    lo: int
    hi: int


@dataclass(frozen=True)
class Bool:
    doc: str


@dataclass(frozen=True)
class Enum:
    """One of a fixed set of words."""

    doc: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A mapping read into the model class `of` (a class, or its name in the model)."""

    doc: str
    of: type | str


@dataclass(frozen=True)
class List:
    doc: str
    items: Rule
    min_items: int = 0
    max_items: int = 500
    unique: bool = True


@dataclass(frozen=True)
class Table:
    """A mapping whose keys are data (e.g. SCP id -> OU paths)."""

    doc: str
    key: Text
    values: Rule


@dataclass(frozen=True)
class Either:
    """The first option whose YAML type matches the value."""

    doc: str
    options: tuple[Rule, ...]


Rule = Text | Int | Bool | Enum | Section | List | Table | Either


def rule(spec: Rule, default: Any = _NO_DEFAULT) -> Any:
    """A model field checked by `spec`; without `default` the field is required.

    A Section's default builds its class from the class's own defaults; list
    defaults become tuples and dict defaults fresh dicts.
    """
    meta = {"rule": spec, "default": default}
    if default is _NO_DEFAULT:
        return dataclasses.field(metadata=meta)
    if isinstance(spec, Section) and isinstance(spec.of, type):
        return dataclasses.field(default_factory=spec.of, metadata=meta)
    if isinstance(default, dict):
        return dataclasses.field(default_factory=dict, metadata=meta)
    if isinstance(default, list):
        return dataclasses.field(default=tuple(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def is_required(field: dataclasses.Field[Any]) -> bool:
    return field.metadata["default"] is _NO_DEFAULT


def rule_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields of a model class that come from the YAML, in file-documentation order."""
    return [f for f in dataclasses.fields(cls) if "rule" in f.metadata]
