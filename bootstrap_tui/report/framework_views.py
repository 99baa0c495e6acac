"""A checklist grouped by one framework's controls: control states, coverage, summary bars."""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping, Sequence

from bootstrap_tui.errors import ConfigError
from bootstrap_tui.model import FRAMEWORKS, Status
from bootstrap_tui.frameworks.catalog import get_catalog
from bootstrap_tui.report.checklist import ATTESTED, NOT_APPLICABLE

__all__ = [
    "PASSING",
    "FAILING",
    "INCOMPLETE",
    "NOT_COVERED",
    "BAR_STATES",
    "BAR_LABELS",
    "framework_view",
    "framework_bars",
    "coverage_line",
    "frameworks_arg",
]

# Control states in a framework view.
PASSING, FAILING, INCOMPLETE, NOT_COVERED = "passing", "failing", "incomplete", "not covered"
# The summary bar of a framework, in this order, with what each part means to a reader.
BAR_STATES = (PASSING, FAILING, INCOMPLETE, NOT_COVERED)
BAR_LABELS = {
    PASSING: "passing",
    FAILING: "failing",
    INCOMPLETE: "not yet attested or verified",
    NOT_COVERED: "not covered",
}


def framework_view(checklist: Mapping[str, Any], framework: str) -> dict[str, Any]:
    """The checklist grouped by one framework's controls, with honest coverage."""
    catalog = get_catalog(framework)
    mapped: dict[str, list[dict[str, Any]]] = {}
    for kind, entries in (
        ("check", checklist.get("checks", [])),
        ("manual", checklist.get("manual_items", [])),
        ("organizational", checklist.get("org_items", [])),
    ):
        for entry in entries:
            if entry["status"] == NOT_APPLICABLE:
                continue  # a check of a step the profile skips covers nothing
            for control_id in (entry.get("controls") or {}).get(framework, []):
                mapped.setdefault(control_id, []).append(
                    {
                        "kind": kind,
                        "id": entry["id"],
                        "title": entry["title"],
                        "status": entry["status"],
                    }
                )
    controls = []
    for control_id, title in catalog.controls.items():
        items = mapped.get(control_id, [])
        heading = control_id in catalog.headings
        controls.append(
            {
                "id": control_id,
                "title": title,
                "heading": heading,
                "depth": len(catalog.parents(control_id)),
                "items": items,
                "state": _control_state(items) if (items or not heading) else None,
            }
        )
    leaves = [c for c in controls if not c["heading"]]
    covered = [c for c in leaves if c["items"]]
    passing = [c for c in covered if c["state"] == PASSING]
    total = len(leaves)
    return {
        "framework": framework,
        "title": catalog.title,
        "note": catalog.note,
        "coverage": {
            "covered": len(covered),
            "total": total,
            "percent": round(100.0 * len(covered) / total, 1) if total else 0.0,
            "passing": len(passing),
        },
        "states": {state: sum(1 for c in leaves if c["state"] == state) for state in BAR_STATES},
        "controls": controls,
        "not_covered": [c["id"] for c in leaves if not c["items"]],
        "mapped_at_heading_level": [c["id"] for c in controls if c["heading"] and c["items"]],
        "unknown_ids": sorted(cid for cid in mapped if cid not in catalog.controls),
    }


def _control_state(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return NOT_COVERED
    statuses = {item["status"] for item in items}
    if statuses & {Status.FAIL.value, Status.ERROR.value}:
        return FAILING
    if statuses <= {Status.PASS.value, ATTESTED}:
        return PASSING
    return INCOMPLETE


def framework_bars(
    checklist: Mapping[str, Any], framework: str | Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Per framework (all, or the given ones): {framework, title, total, states: {state: n}}
    over its leaf controls, states in BAR_STATES order — the summary bars."""
    out = []
    for fw in frameworks_arg(framework):
        view = framework_view(checklist, fw)
        out.append(
            {
                "framework": fw,
                "title": FRAMEWORKS[fw],
                "total": view["coverage"]["total"],
                "states": view["states"],
            }
        )
    return out


def coverage_line(view: Mapping[str, Any]) -> str:
    cov = view["coverage"]
    return (
        f"covered {cov['covered']} of {cov['total']} controls ({cov['percent']}%); "
        f"{cov['passing']} of those currently passing or attested"
    )


def frameworks_arg(framework: str | Sequence[str] | None) -> list[str]:
    """The frameworks to group by: the given ones, or every framework the catalog knows."""
    if not framework:
        return list(FRAMEWORKS)
    items = [framework] if isinstance(framework, str) else list(framework)
    out = []
    for item in items:
        if item not in FRAMEWORKS:
            raise ConfigError(
                f"unknown framework {item!r}", f"frameworks are: {', '.join(FRAMEWORKS)}"
            )
        if item not in out:
            out.append(item)
    return out
