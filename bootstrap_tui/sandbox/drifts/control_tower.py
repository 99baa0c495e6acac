"""Drifts of the control-tower step's checks."""

from __future__ import annotations

from . import Drift

DRIFTS: tuple[Drift, ...] = ()
