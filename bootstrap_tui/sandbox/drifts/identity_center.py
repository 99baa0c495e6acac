"""Drifts of the identity-center step's checks."""

from __future__ import annotations

from . import Drift

DRIFTS: tuple[Drift, ...] = ()
