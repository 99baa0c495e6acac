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


def _needs(profile) -> dict[str, tuple[str, ...]]:
    return {step.id: step.needs(profile) for step in discover_steps()}


def test_identity_center_waits_for_the_landing_zone_only_when_control_tower_sets_it_up():
    import dataclasses

    from bootstrap_tui.profile import load_profile

    soc2 = load_profile("soc2")
    assert soc2.control_tower.access_management
    assert "control-tower" in _needs(soc2)["identity-center"]
    own = dataclasses.replace(
        soc2, control_tower=dataclasses.replace(soc2.control_tower, access_management=False)
    )
    assert _needs(own)["identity-center"] == ("organization", "accounts")
    # what Control Tower owns or shares still waits for the landing zone
    for step_id in ("guardrails", "log-archive"):
        assert "control-tower" in _needs(own)[step_id]


def test_every_need_is_a_declared_requirement():
    from bootstrap_tui.profile import load_profile

    steps = {step.id: step for step in discover_steps()}
    for name in ("startup-minimal", "soc2"):
        for step_id, wanted in _needs(load_profile(name)).items():
            assert set(wanted) <= set(steps[step_id].requires), step_id


def test_log_archive_guardrails_and_identity_center_never_need_each_other():
    steps = discover_steps()
    trio = ("log-archive", "guardrails", "identity-center")
    for first in trio:
        for second in trio:
            if first != second:
                assert independent(steps, first, second)
    assert independent(steps, "root-mfa", "accounts")
    assert not independent(steps, "guardrails", "control-tower")
