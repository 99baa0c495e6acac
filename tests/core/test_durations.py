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
