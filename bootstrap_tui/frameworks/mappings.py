"""Which framework controls each check maps to, read from the framework files.

A check's mappings are the `mappings` entries under its id in every
bootstrap_tui/frameworks/<framework>.yaml; nothing is declared on the check.
mapping_problems() is what the tests hold the data to.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from bootstrap_tui.frameworks import FRAMEWORKS
from bootstrap_tui.frameworks.catalog import Catalog, get_catalog

__all__ = ["mappings_of", "mapping_problems"]


@functools.cache
def _index() -> dict[str, dict[str, tuple[str, ...]]]:
    """check id -> framework id -> control ids, frameworks in FRAMEWORKS order."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for fw in FRAMEWORKS:
        for check_id, pairs in get_catalog(fw).rationale.items():
            out.setdefault(check_id, {})[fw] = tuple(pairs)
    return out


def mappings_of(check_id: str) -> dict[str, list[str]]:
    """Framework id -> control ids that check_id proves ({} when it maps to none)."""
    return {fw: list(ids) for fw, ids in _index().get(check_id, {}).items()}


def mapping_problems(check_ids: Iterable[str], catalogs: Iterable[Catalog]) -> list[str]:
    """What is wrong between the checks that exist and the catalogs' mappings, one line each:
    a check mapped to no control, a pair naming an unknown control or an unknown check,
    and a pair both mapped and rejected."""
    known, catalogs = set(check_ids), list(catalogs)
    problems = []
    for cat in catalogs:
        for section, pairs_by_check in (("mappings", cat.rationale), ("rejected", cat.rejected)):
            for check_id, pairs in pairs_by_check.items():
                if check_id not in known:
                    problems.append(f"{cat.framework} {section}: unknown check {check_id!r}")
                problems += [
                    f"{cat.framework} {section}: {check_id} -> {cid!r} is not a control "
                    "of the catalog"
                    for cid in pairs
                    if cid not in cat
                ]
        problems += [
            f"{cat.framework}: {check_id} -> {cid} is both mapped and rejected"
            for check_id, pairs in cat.rationale.items()
            for cid in pairs
            if cid in cat.rejected.get(check_id, {})
        ]
    mapped = {check_id for cat in catalogs for check_id, pairs in cat.rationale.items() if pairs}
    problems += [
        f"{check_id}: mapped to no control of any framework" for check_id in sorted(known - mapped)
    ]
    return problems
