"""The step registry: find the steps package's STEP objects and put them in wizard order.

Steps and the report use it without importing the engine (docs/architecture.md, contracts).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from bootstrap_tui.errors import StepGraphError
from bootstrap_tui.model import Step


def discover_steps(package: str = "steps") -> list[Step]:
    """Import every module of `package` and return its Step instances in wizard order."""
    pkg = importlib.import_module(package)
    found: list[Step] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        step = getattr(module, "STEP", None)
        if isinstance(step, Step):
            found.append(step)
    return order_steps(found)


WIZARD_ORDER = (
    "management-account",
    "root-mfa",
    "organization",
    "accounts",
    "control-tower",
    "identity-center",
    "log-archive",
    "guardrails",
    "security-services",
    "bootstrap-cleanup",
)


def order_steps(steps: Iterable[Step]) -> list[Step]:
    """Topological order by `requires`, ties broken by the wizard order."""
    by_id: dict[str, Step] = {}
    for step in steps:
        if step.id in by_id:
            raise StepGraphError(f"two steps share the id {step.id!r}")
        by_id[step.id] = step
    for step in by_id.values():
        for req in step.requires:
            if req not in by_id:
                raise StepGraphError(
                    f"step {step.id!r} requires unknown step {req!r}",
                    f"known steps: {', '.join(sorted(by_id))}",
                )
    rank = {sid: i for i, sid in enumerate(WIZARD_ORDER)}
    ordered: list[Step] = []
    state: dict[str, int] = {}

    def visit(step: Step, trail: list[str]) -> None:
        mark = state.get(step.id)
        if mark == 2:
            return
        if mark == 1:
            cycle = " -> ".join(trail[trail.index(step.id) :] + [step.id])
            raise StepGraphError(f"steps require each other in a cycle: {cycle}")
        state[step.id] = 1
        for req in sorted(step.requires, key=lambda s: (rank.get(s, 99), s)):
            visit(by_id[req], trail + [step.id])
        state[step.id] = 2
        ordered.append(step)

    for step in sorted(by_id.values(), key=lambda s: (rank.get(s.id, 99), s.id)):
        visit(step, [])
    return ordered
