"""The framework bars of the exported checklist's summary, drawn in the terminal:
passing, failing, not yet attested or verified, not covered (see report.export)."""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Mapping, Sequence

from rich.text import Text

from bootstrap_tui.report.export import BAR_LABELS, BAR_STATES
from bootstrap_tui.tui.present import FRAMEWORK_SHORT

# glyph and style per state: told apart without colour too
CELLS = {
    "passing": ("█", "green"),
    "failing": ("█", "red"),
    "incomplete": ("▒", "yellow"),
    "not covered": ("░", "grey50"),
}


def bar_cells(states: Mapping[str, int], width: int) -> list[tuple[str, int]]:
    """(state, cells) per non-empty state, summing to `width`: largest remainders, and
    at least one cell for any state that has a control."""
    total = sum(states.get(s, 0) for s in BAR_STATES)
    present = [s for s in BAR_STATES if states.get(s, 0)]
    if not total or width < len(present):
        return []
    exact = {s: states[s] * width / total for s in present}
    cells = {s: max(1, int(exact[s])) for s in present}
    while sum(cells.values()) > width:
        widest = max(present, key=lambda s: cells[s])
        cells[widest] -= 1
    for s in sorted(present, key=lambda s: exact[s] - cells[s], reverse=True):
        if sum(cells.values()) >= width:
            break
        cells[s] += 1
    return [(s, cells[s]) for s in present]


def bars_text(bars: Sequence[Mapping[str, Any]], width: int = 24) -> Text:
    """One line per framework: short name, the bar, the count of each part by its glyph
    (fits 80 columns); then a legend in words."""
    text = Text()
    for entry in bars:
        name = FRAMEWORK_SHORT.get(entry["framework"], entry["framework"])
        text.append(f"{name:<15} ", style="bold")
        for state, n in bar_cells(entry["states"], width):
            glyph, style = CELLS[state]
            text.append(glyph * n, style=style)
        text.append(" ")
        for state in BAR_STATES:
            glyph, style = CELLS[state]
            text.append(f" {entry['states'].get(state, 0)}")
            text.append(glyph, style=style)
        text.append(f" of {entry['total']} controls\n")
    for state in BAR_STATES:
        glyph, style = CELLS[state]
        text.append(glyph, style=style)
        text.append(f" {BAR_LABELS[state]}  ", style="dim")
    return text


def counts_of(line: str) -> tuple[int, ...]:
    """The counts a bars_text line shows, in BAR_STATES order, and the total."""
    found = re.search(r" (\d+)█ (\d+)█ (\d+)▒ (\d+)░ of (\d+) controls", line)
    return tuple(int(n) for n in found.groups()) if found else ()
