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


def prerequisites(steps: Iterable[Step], step_id: str) -> frozenset[str]:
    """Every step `step_id` needs done first: its `requires`, and theirs, transitively."""
    by_id = {step.id: step for step in steps}
    if step_id not in by_id:
        raise StepGraphError(
            f"unknown step {step_id!r}", f"known steps: {', '.join(sorted(by_id))}"
        )
    found: set[str] = set()
    pending = list(by_id[step_id].requires)
    while pending:
        sid = pending.pop()
        if sid in found:
            continue
        found.add(sid)
        pending.extend(by_id[sid].requires if sid in by_id else ())
    return frozenset(found)


def needed_by(steps: Iterable[Step], step_id: str) -> frozenset[str]:
    """Every step that needs `step_id` done first (its dependants, transitively)."""
    listed = list(steps)
    return frozenset(s.id for s in listed if step_id in prerequisites(listed, s.id))


def independent(steps: Iterable[Step], first: str, second: str) -> bool:
    """True when neither step needs the other: they may run at the same time."""
    listed = list(steps)
    return (
        first != second
        and first not in prerequisites(listed, second)
        and second not in prerequisites(listed, first)
    )


def waits_on(steps: Iterable[Step], step_id: str, unfinished: Iterable[str]) -> list[str]:
    """The unfinished steps `step_id` still needs, in wizard order: what applying it waits for."""
    listed = order_steps(steps)
    needed = prerequisites(listed, step_id)
    pending = set(unfinished)
    return [s.id for s in listed if s.id in needed and s.id in pending]
