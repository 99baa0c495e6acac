"""The overlapped scheduler: order of starts, failures, sequential mode (no AWS; events, no clocks).

Steps that must overlap wait on each other's events: run one after the other they would wait
for ever, so each wait has a generous bound and the test fails, never hangs.
"""

from __future__ import annotations

import threading

import pytest

from bootstrap_tui.schedule import run_steps

GRAPH = {"a": (), "b": ("a",), "c": ("a",), "d": ("b",), "e": ("c",)}
IDS = list(GRAPH)
BOUND = 30  # seconds: only ever reached when the scheduler is wrong


def needs(step_id: str) -> tuple[str, ...]:
    return GRAPH[step_id]


def test_independent_steps_start_before_either_finishes():
    c_started = threading.Event()

    def run(step_id: str) -> str:
        if step_id == "c":
            c_started.set()
        if step_id == "b":
            assert c_started.wait(BOUND), "c did not start while b was running"
        return step_id.upper()

    schedule = run_steps(IDS, needs, run)
    events = schedule.events
    assert events.index(("started", "c")) < events.index(("finished", "b"))
    assert events.index(("finished", "a")) < events.index(("started", "b"))
    assert events.index(("finished", "b")) < events.index(("started", "d"))
    assert events.index(("finished", "c")) < events.index(("started", "e"))
    assert {sid: o.result for sid, o in schedule.outcomes.items()} == {s: s.upper() for s in IDS}
    assert schedule.failed == [] and schedule.not_started == []


def test_a_step_starts_as_soon_as_its_own_needs_are_done():
    """e (needs c) starts while b, which e does not need, is still running."""
    e_started = threading.Event()

    def run(step_id: str) -> None:
        if step_id == "e":
            e_started.set()
        if step_id == "b":
            assert e_started.wait(BOUND), "e waited for b, which it does not need"

    events = run_steps(IDS, needs, run).events
    assert events.index(("started", "e")) < events.index(("finished", "b"))


def test_first_failure_stops_new_starts_and_running_steps_finish():
    b_failed = threading.Event()

    def run(step_id: str) -> None:
        if step_id == "b":
            b_failed.set()
            raise RuntimeError("b broke")
        if step_id == "c":
            assert b_failed.wait(BOUND)  # c is still running when b fails

    schedule = run_steps(IDS, needs, run)
    assert [o.step_id for o in schedule.failed] == ["b"]
    assert str(schedule.failed[0].error) == "b broke"
    assert schedule.outcomes["c"].ok  # the running step finished
    assert schedule.not_started == ["d", "e"]  # e's need (c) succeeded, yet nothing new starts


def test_every_failure_of_steps_running_at_once_is_reported():
    both = threading.Barrier(2, timeout=BOUND)

    def run(step_id: str) -> None:
        if step_id in ("b", "c"):
            both.wait()
            raise ValueError(f"{step_id} broke")

    schedule = run_steps(IDS, needs, run)
    assert sorted(o.step_id for o in schedule.failed) == ["b", "c"]
    assert schedule.not_started == ["d", "e"]


def test_needs_outside_the_run_do_not_hold_a_step_back():
    ran: list[str] = []
    schedule = run_steps(["d", "e"], needs, ran.append)
    assert sorted(ran) == ["d", "e"] and schedule.failed == []


def test_sequential_runs_in_the_given_order_in_the_callers_thread():
    caller = threading.current_thread()
    seen: list[tuple[str, bool]] = []

    def run(step_id: str) -> None:
        seen.append((step_id, threading.current_thread() is caller))
        if step_id == "c":
            raise RuntimeError("c broke")

    schedule = run_steps(IDS, needs, run, sequential=True)
    assert seen == [("a", True), ("b", True), ("c", True)]
    assert schedule.not_started == ["d", "e"]
    assert [o.step_id for o in schedule.failed] == ["c"]


def test_interrupt_in_a_step_is_recorded_not_lost():
    def run(step_id: str) -> None:
        if step_id == "a":
            raise KeyboardInterrupt("cancelled")

    schedule = run_steps(IDS, needs, run)
    assert isinstance(schedule.failed[0].error, KeyboardInterrupt)
    assert schedule.not_started == ["b", "c", "d", "e"]


@pytest.mark.parametrize("sequential", [False, True])
def test_started_and_finished_times_bracket_each_step(sequential):
    schedule = run_steps(IDS, needs, lambda sid: None, sequential=sequential)
    for outcome in schedule.outcomes.values():
        assert outcome.start_s is not None and outcome.end_s is not None
        assert outcome.start_s <= outcome.end_s
