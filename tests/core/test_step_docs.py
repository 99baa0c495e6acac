"""Every step has its docs/steps page, the page covers what the wizard promises, and the CIS
AWS Foundations 3.0 numbers it cites are the ones its checks map to."""

from __future__ import annotations

import re

import pytest

from bootstrap_tui.engine import discover_steps
from bootstrap_tui.resources import data_dir

STEPS = discover_steps()
CIS_ID = re.compile(r"\b[1-5]\.\d{1,2}(?:\.\d)?\b")


def page(step) -> str:
    return (data_dir("docs") / step.doc_name).read_text(encoding="utf-8")


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_page_says_why_what_cost_time_and_undo(step):
    headings = " | ".join(h.lower() for h in re.findall(r"^##+ (.+)$", page(step), re.M))
    for topic in ("why", "cost", "time", "undo"):
        assert topic in headings, f"docs/{step.doc_name} has no heading about {topic!r}: {headings}"


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_page_cites_the_cis_numbers_of_its_checks(step):
    text = page(step)
    cited = set(CIS_ID.findall(" ".join(line for line in text.splitlines() if "CIS" in line)))
    cited.discard("3.0")  # the benchmark's version, not a recommendation
    mapped = {cis for check in step.checks for cis in check.mappings().get("cis-aws-3.0", [])}
    assert mapped <= cited, f"docs/{step.doc_name} does not cite CIS {sorted(mapped - cited)}"
    assert cited <= mapped, (
        f"docs/{step.doc_name} cites CIS {sorted(cited - mapped)}, which no check maps"
    )
