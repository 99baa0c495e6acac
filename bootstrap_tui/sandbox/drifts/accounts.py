"""Drifts of the accounts step's checks."""

from __future__ import annotations

from . import Drift

DRIFTS: tuple[Drift, ...] = ()
