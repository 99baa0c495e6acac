"""Drifts: realistic changes that each make one check FAIL in one scope, with their undo.

Every check of every step has at least one drift here (tests/sandbox/test_drift_coverage.py),
and tests/sandbox/test_drift_proofs*.py prove each one on its base seed: the check passes,
``make`` makes it fail in exactly the drift's scope, ``undo`` makes it pass again. Drifts
marked ``in_drifted_seed`` together form the ``drifted`` seed, whose verify must find
exactly their scopes. Each drift is made with plain boto3 (or the sandbox's control
endpoint for what only a person can change, such as the root user), as a user would.

Drifts live in one module per step, named after the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BASES = ("compliant", "compliant-ct", "new-org")


@dataclass(frozen=True)
class Drift:
    """One deliberate drift, the single check scope it must fail, and how to undo it.

    ``account`` is a profile account key (``management`` for the management account);
    ``region`` is an index into the governed regions, or None for a check without region.
    ``make(endpoint, account_id, region)`` returns whatever ``undo(endpoint, account_id,
    region, memento)`` needs to restore the compliant state. ``base`` is the seed it
    applies to; ``expect`` the status the check must then report (FAIL unless the
    check's own definition caps it at WARN). ``caller``, for a drift in who runs verify
    (root's access key, a member account's user), maps ``make``'s memento to the
    credentials verify then uses (``AccessKeyId``, ``SecretAccessKey``, optional ``SessionToken``).
    """

    check_id: str
    account: str
    region: int | None
    what: str
    make: Callable[[str, str, str | None], Any]
    undo: Callable[[str, str, str | None, Any], None]
    base: str = "compliant"
    in_drifted_seed: bool = False
    expect: str = "FAIL"
    caller: Callable[[Any], dict[str, str]] | None = None


def _collect() -> tuple[Drift, ...]:
    from . import (
        accounts,
        audit_role,
        bootstrap_cleanup,
        control_tower,
        guardrails,
        identity_center,
        log_archive,
        management_account,
        organization,
        root_mfa,
        security_services,
    )

    modules = (
        management_account,
        root_mfa,
        organization,
        accounts,
        audit_role,
        control_tower,
        identity_center,
        log_archive,
        guardrails,
        security_services,
        bootstrap_cleanup,
    )
    return tuple(drift for module in modules for drift in module.DRIFTS)


DRIFTS: tuple[Drift, ...] = _collect()
SEEDED: tuple[Drift, ...] = tuple(d for d in DRIFTS if d.in_drifted_seed)


def resolve(
    drift: Drift, endpoint: str, regions: list[str] | None = None
) -> tuple[str, str | None]:
    """(account id, region) of ``drift`` in the sandbox at ``endpoint``."""
    from ..seeds import _base_profile, account_ids_by_key

    governed = list(regions or _base_profile().governed_regions)
    return account_ids_by_key(endpoint)[drift.account], None if drift.region is None else governed[
        drift.region
    ]


def drift_scopes(
    endpoint: str, regions: list[str] | None = None
) -> list[tuple[str, str, str | None]]:
    """(check id, account id, region) of every drift of the ``drifted`` seed, resolved for this sandbox."""
    return [(d.check_id, *resolve(d, endpoint, regions)) for d in SEEDED]


def introduce_drift(
    endpoint: str, regions: list[str] | None = None
) -> list[tuple[str, str, str | None]]:
    """Apply every drift of the ``drifted`` seed to a compliant sandbox; returns their scopes."""
    scopes = drift_scopes(endpoint, regions)
    for drift, (_, account, region) in zip(SEEDED, scopes, strict=True):
        drift.make(endpoint, account, region)
    return scopes
