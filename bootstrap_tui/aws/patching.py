"""Setting botocore attributes from a table, for good or for a while (speedups.py, tls.py)."""

from __future__ import annotations

import contextlib
from typing import Any
from collections.abc import Iterator, Mapping

Table = Mapping[tuple[Any, str], Any]  # (class, attribute name) -> value


def apply(table: Table) -> None:
    """Set every attribute of the table."""
    for (owner, name), value in table.items():
        setattr(owner, name, value)


@contextlib.contextmanager
def applied(table: Table) -> Iterator[None]:
    """Set the table's attributes, and put back what they were afterwards."""
    saved = {key: getattr(*key) for key in table}
    apply(table)
    try:
        yield
    finally:
        apply(saved)
