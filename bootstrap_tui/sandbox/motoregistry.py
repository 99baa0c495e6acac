"""moto's process-wide registry of service backends, read in one place.

moto keeps every BackendDict it creates in ``BackendDict._instances``, a class attribute that
it annotates as an instance variable of a generic class (mypy: "access to generic instance
variables via class is ambiguous"; moto silences the same error where it reads it). The
sandbox resets, counts and snapshots backends through this list.
"""

from __future__ import annotations

from typing import Any


def backend_dicts() -> list[Any]:
    """moto's own list of live BackendDicts (changing it changes moto's registry)."""
    from moto.core.base_backend import BackendDict

    return BackendDict._instances
