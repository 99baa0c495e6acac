"""Step discovery and ordering by `requires`."""

from __future__ import annotations

import pytest

from bootstrap_tui.registry import WIZARD_ORDER, discover_steps, order_steps
from bootstrap_tui.errors import StepGraphError
from bootstrap_tui.model import Step


def make(step_id, *requires):
    step = Step()
    step.id = step_id
    step.requires = tuple(requires)
    return step


def test_requires_come_first_and_ties_follow_wizard_order():
    ordered = order_steps(
        [
            make("guardrails", "organization"),
            make("organization"),
            make("root-mfa"),
            make("management-account"),
        ]
    )
    assert [s.id for s in ordered] == [
        "management-account",
        "root-mfa",
        "organization",
        "guardrails",
    ]


def test_unknown_requirement_is_a_clear_error():
    with pytest.raises(StepGraphError, match="'guardrails' requires unknown step 'nope'"):
        order_steps([make("guardrails", "nope")])


def test_cycle_is_reported_with_its_path():
    with pytest.raises(StepGraphError, match="cycle: a -> b -> a"):
        order_steps([make("a", "b"), make("b", "a")])


def test_duplicate_ids_are_refused():
    with pytest.raises(StepGraphError, match="two steps share the id 'a'"):
        order_steps([make("a"), make("a")])


def test_the_shipped_steps_are_the_ten_wizard_steps_in_order():
    assert [s.id for s in discover_steps()] == list(WIZARD_ORDER)
