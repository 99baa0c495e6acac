"""Step discovery and ordering by `requires`."""

from __future__ import annotations

import pytest

from bootstrap_tui.registry import (
    WIZARD_ORDER,
    discover_steps,
    independent,
    needed_by,
    order_steps,
    prerequisites,
    waits_on,
)
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


def test_prerequisites_are_transitive_and_dependants_mirror_them():
    graph = [make("a"), make("b", "a"), make("c", "b"), make("d", "a")]
    assert prerequisites(graph, "c") == {"a", "b"}
    assert prerequisites(graph, "a") == frozenset()
    assert needed_by(graph, "a") == {"b", "c", "d"}
    assert needed_by(graph, "c") == frozenset()


def test_independent_steps_are_those_neither_needs():
    graph = [make("a"), make("b", "a"), make("c", "b"), make("d", "a")]
    assert independent(graph, "c", "d")
    assert not independent(graph, "a", "c")
    assert not independent(graph, "c", "a")
    assert not independent(graph, "c", "c")


def test_waits_on_names_unfinished_prerequisites_in_order():
    graph = [make("c", "b"), make("b", "a"), make("a"), make("d")]
    assert waits_on(graph, "c", {"a", "b", "d"}) == ["a", "b"]
    assert waits_on(graph, "c", {"d"}) == []


def test_unknown_step_in_graph_queries_is_a_clear_error():
    with pytest.raises(StepGraphError, match="unknown step 'zz'"):
        prerequisites([make("a")], "zz")


def test_shipped_graph_lets_identity_center_wait_for_control_tower_only_through_requires():
    steps = discover_steps()
    assert "control-tower" in prerequisites(steps, "identity-center")
    assert independent(steps, "root-mfa", "accounts")
    assert waits_on(steps, "security-services", {"control-tower", "root-mfa"}) == ["control-tower"]
