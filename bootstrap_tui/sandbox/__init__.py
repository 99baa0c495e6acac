"""The embedded fake AWS: moto's server plus the project's own fakes.

Public API: ``Sandbox`` (server.py), ``running_sandbox`` (testing.py),
``cli.main(argv)`` and ``parse_fault_spec`` (faults.py).
"""

from __future__ import annotations

from .faults import FaultSpec, FaultSpecError, parse_fault_spec
from .server import Sandbox

__all__ = ["FaultSpec", "FaultSpecError", "Sandbox", "parse_fault_spec"]
