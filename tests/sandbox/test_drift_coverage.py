"""Every check is proven able to fail: it has a realistic drift in ``bootstrap_tui.sandbox.drifts``
for each kind of scope it supports (the management account, a member account).

The proof itself is in test_drift_proofs.py / test_drift_proofs_ct.py: on its base seed
each drift makes its check fail in exactly its scope, and its undo makes it pass again.
The drifted seed (compliant plus the drifts marked ``in_drifted_seed``) must fail exactly
their scopes (tests/sandbox/test_seeds.py).

``NO_DRIFT_YET`` is a known debt, not an exemption: it may only shrink.
"""

from __future__ import annotations

import pytest

from bootstrap_tui.engine import discover_steps
from bootstrap_tui.model import Check, Scope, Status
from bootstrap_tui.sandbox.drifts import BASES, DRIFTS

CHECKS = [check for step in discover_steps() for check in step.checks]


def scope_kinds(check: Check) -> set[str]:
    """The kinds of scope a check reports on: ``management`` and/or ``member``."""
    if check.scope in (Scope.MANAGEMENT, Scope.REGION) or check.accounts == "management":
        return {"management"}
    return {"management", "member"} if check.accounts == "all" else {"member"}


def drift_kind(account: str) -> str:
    return "management" if account == "management" else "member"


REQUIRED = sorted((check.id, kind) for check in CHECKS for kind in scope_kinds(check))
COVERED = {(drift.check_id, drift_kind(drift.account)) for drift in DRIFTS}

# (check, scope kind) pairs without a drift yet; may only shrink, and must end empty.
NO_DRIFT_YET: frozenset[tuple[str, str]] = frozenset({})


@pytest.mark.parametrize("required", REQUIRED, ids=lambda pair: f"{pair[0]}@{pair[1]}")
def test_every_check_has_a_drift_in_each_kind_of_scope(required: tuple[str, str]) -> None:
    assert required in COVERED or required in NO_DRIFT_YET, (
        f"{required[0]}: add a Drift in the {required[1]} account to bootstrap_tui/sandbox/drifts/"
    )


def test_allow_list_only_shrinks() -> None:
    assert NO_DRIFT_YET <= set(REQUIRED), f"not required: {sorted(NO_DRIFT_YET - set(REQUIRED))}"
    assert NO_DRIFT_YET & COVERED == set(), (
        f"these now have a drift; remove them from NO_DRIFT_YET: {sorted(NO_DRIFT_YET & COVERED)}"
    )


def test_each_drift_names_a_real_check_and_says_what_it_does() -> None:
    ids = {check.id for check in CHECKS}
    kinds = {check.id: scope_kinds(check) for check in CHECKS}
    for drift in DRIFTS:
        assert drift.check_id in ids, drift.check_id
        assert drift_kind(drift.account) in kinds[drift.check_id], (
            f"{drift.check_id}: wrong kind of account"
        )
        assert len(drift.what) >= 15 and callable(drift.make) and callable(drift.undo), (
            drift.check_id
        )
        assert drift.base in BASES and Status(drift.expect) in (Status.FAIL, Status.WARN), (
            drift.check_id
        )


def test_a_drift_expects_warn_only_where_the_check_never_fails() -> None:
    """A drift proves FAIL; WARN only for checks whose definition caps at WARN (listed with why)."""
    warn_only: dict[str, str] = {
        "ct.version-current": "a newer landing zone version is an update to schedule, not a failed control; "
        "the check FAILs only when there is no landing zone, which ct.landing-zone "
        "and the control-tower step tests cover",
    }
    for drift in DRIFTS:
        if drift.expect == "WARN":
            assert drift.check_id in warn_only, f"{drift.check_id}: find a drift that makes it FAIL"
