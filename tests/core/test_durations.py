"""The time-remaining estimate from AWS's typical durations (bootstrap_tui/durations.yaml)."""

from __future__ import annotations

import pytest

from bootstrap_tui.durations import clock, durations, estimate_line, remaining


def test_every_duration_has_a_typical_value_inside_its_range_and_a_source():
    for kind, entry in durations().items():
        low, high = entry["range_s"]
        assert low <= entry["typical_s"] <= high, kind
        assert len(entry["source"]) > 20, kind


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0s"), (59, "59s"), (61, "1m 01s"), (3720, "1h 02m")]
)
def test_clock(seconds, shown):
    assert clock(seconds) == shown


def test_queued_operations_wait_for_a_slot():
    typical = durations()["create-account"]["typical_s"]
    assert (
        remaining("create-account", running=5, queued=0, max_in_flight=5, elapsed_in_flight=60)
        == typical - 60
    )
    assert (
        remaining("create-account", running=5, queued=6, max_in_flight=5, elapsed_in_flight=0)
        == 3 * typical
    )


def test_the_estimate_says_elapsed_always_and_time_left_only_while_work_remains():
    assert estimate_line("create-account", 0, 0, 5, 75, 75) == " · 1m 15s elapsed"
    assert "about 1m 45s left" in estimate_line("create-account", 1, 0, 5, 75, 75)
    assert "any moment now" in estimate_line("create-account", 1, 0, 5, 900, 900)
    assert estimate_line(None, 1, 0, 5, 5, 5) == " · 5s elapsed"


def test_every_step_operation_names_its_step_how_many_run_at_once_and_the_changes_that_start_it():
    from bootstrap_tui.registry import WIZARD_ORDER

    for kind, entry in durations().items():
        if "step" not in entry:
            continue
        assert entry["step"] in WIZARD_ORDER, kind
        assert int(entry["in_flight"]) >= 1, kind
        assert entry["changes"] and all(" " in c for c in entry["changes"]), kind


def test_a_plan_counts_the_operations_its_changes_start():
    from bootstrap_tui.durations import plan_counts
    from bootstrap_tui.model import Plan

    plan = Plan("accounts")
    for name in ("Audit", "Log Archive", "Prod"):
        plan.add("create", "account", name)
    plan.add("resume", "account creation", "Staging")
    plan.add("move", "account", "Sandbox")  # a move is quick: no operation
    assert plan_counts(plan) == {"create-account": 4}
    assert plan_counts(Plan("accounts")) == {}


def test_a_step_takes_its_operations_in_waves_of_what_may_run_at_once():
    from bootstrap_tui.durations import step_typical

    create = durations()["create-account"]["typical_s"]
    assert step_typical("accounts", {"create-account": 5}) == create
    assert step_typical("accounts", {"create-account": 6}) == 2 * create
    tower = step_typical(
        "control-tower", {"landing-zone": 1, "register-ou": 4, "enable-control": 12}
    )
    d = durations()
    assert (
        tower
        == d["landing-zone"]["typical_s"]
        + d["register-ou"]["typical_s"]
        + 2 * (d["enable-control"]["typical_s"])
    )
    assert step_typical("organization", {"create-account": 3}) == 0  # not that step's kind


def _steps():
    from bootstrap_tui.model import Step

    def step(sid, requires=()):
        return type(sid, (Step,), {"id": sid, "title": sid, "requires": requires})()

    return [
        step("organization"),
        step("accounts", ("organization",)),
        step("root-mfa"),
        step("control-tower", ("accounts",)),
    ]


def test_time_left_is_the_longest_chain_of_unfinished_steps_and_running_ones_count_their_progress():
    from bootstrap_tui.durations import step_typical, wizard_remaining

    counts = {"accounts": {"create-account": 4}, "control-tower": {"landing-zone": 1}}
    accounts = step_typical("accounts", counts["accounts"])
    tower = step_typical("control-tower", counts["control-tower"])
    everything = {"organization", "accounts", "root-mfa", "control-tower"}
    assert wizard_remaining(_steps(), counts, everything, {}) == accounts + tower
    assert wizard_remaining(_steps(), counts, {"control-tower"}, {"accounts": 60}) == (
        accounts - 60 + tower
    )
    assert wizard_remaining(_steps(), counts, {"root-mfa"}, {}) == 0
    # against `sandbox --durations realistic --time-scale 60` an hour is a minute
    assert wizard_remaining(_steps(), counts, everything, {}, time_scale=60) == pytest.approx(
        (accounts + tower) / 60
    )
    assert wizard_remaining(_steps(), counts, everything, {}, time_scale=None) is None


def test_the_time_scale_is_the_sandbox_s_only_when_it_plays_aws_durations():
    from bootstrap_tui.durations import time_scale_of

    assert time_scale_of(None) == 1.0  # AWS
    assert time_scale_of({"sandbox": True, "durations": "realistic", "time_scale": 60}) == 60
    assert time_scale_of({"sandbox": True, "durations": "fixed", "time_scale": None}) is None
    line = estimate_line("create-account", 1, 0, 5, 1, 1, time_scale=60)
    assert "about 2s left (typically 1s–5s each)" in line
    assert estimate_line("create-account", 1, 0, 5, 1, 1, time_scale=None) == " · 1s elapsed"


@pytest.mark.parametrize("name", ["startup-minimal", "soc2"])
def test_a_profile_s_first_day_counts_its_accounts_and_control_tower_work(name):
    from bootstrap_tui.durations import profile_counts
    from bootstrap_tui.profile import load_profile

    profile = load_profile(name)
    counts = profile_counts(profile)
    assert counts["accounts"] == {"create-account": len(profile.accounts)}
    if profile.control_tower.enabled:
        tower = counts["control-tower"]
        assert tower["landing-zone"] == 1
        assert tower["register-ou"] >= len(profile.control_tower.register_ous)
        assert tower["enable-control"] == tower["register-ou"] * len(profile.control_tower.controls)
    else:
        assert "control-tower" not in counts
