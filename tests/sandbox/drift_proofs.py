"""The proof that each drift in ``bootstrap_tui.sandbox.drifts`` works, on its base seed.

For one drift: the check passes everywhere; after ``make`` it reports the drift's
expected status in exactly the drift's scope (every other scope still passes); after
``undo`` it passes everywhere again. Used by test_drift_proofs.py (``compliant``) and
test_drift_proofs_ct.py (``compliant-ct``), each with a sandbox of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import keyring

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.model import CheckResult, Status
from bootstrap_tui.sandbox import Sandbox, seeds
from bootstrap_tui.sandbox.drifts import DRIFTS, Drift, resolve
from bootstrap_tui.sandbox.environ import environment
from bootstrap_tui.sandbox.testing import client_environment
from tests.keyrings import MemoryKeyring

# The best a check can report when its control is in place, where that is not PASS (with why).
BEST_STATUS = {
    # the IAM API cannot tell a hardware FIDO key from a synced passkey: an attestation, never PASS
    "root.hardware-mfa": Status.MANUAL,
}


def drifts_on(base: str) -> list[Drift]:
    return [d for d in DRIFTS if d.base == base]


def drift_id(drift: Drift) -> str:
    where = drift.account if drift.region is None else f"{drift.account}@{drift.region}"
    return f"{drift.check_id}[{where}]"


@contextlib.contextmanager
def seeded_engine(base: str, directory: Path) -> Iterator[tuple[Sandbox, Engine]]:
    """A sandbox of its own in ``base`` and a connected engine (new state file, the seed's profile)."""
    with (
        Sandbox(seed=base, op_delay_s=0.3) as sandbox,
        environment(client_environment(sandbox.endpoint)),
        memory_keychain(),
    ):
        profile = seeds.write_seed_profile(directory, control_tower=base == "compliant-ct")
        engine = Engine(
            Options(
                endpoint_url=sandbox.endpoint, state_file=directory / "state.yaml", profile=profile
            )
        )
        engine.connect()
        try:
            yield sandbox, engine
        finally:
            engine.close()


@contextlib.contextmanager
def memory_keychain() -> Iterator[None]:
    """The process's keyring is in memory while drifts are proven (a drift may write to it)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@contextlib.contextmanager
def engine_as(engine: Engine, credentials: dict[str, str]) -> Iterator[Engine]:
    """An engine like ``engine`` (own state file) whose AWS calls are signed with ``credentials``."""
    options = dataclasses.replace(
        engine.options, state_file=Path(engine.options.state_file).with_name("as.yaml")
    )
    with environment(
        {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials.get("SessionToken"),
        }
    ):
        other = Engine(options)
        other.connect()
        try:
            yield other
        finally:
            other.close()


def _results(engine: Engine, check_id: str) -> list[CheckResult]:
    step = check_id.split(".")[0]
    step_id = (
        next(s.id for s in engine.steps if any(c.id == check_id for c in s.checks))
        if step
        else step
    )
    results = [
        r
        for r in engine.verify([step_id], check_ids=[check_id], record=False).results
        if r.check_id == check_id
    ]
    assert results, f"{check_id} reported nothing"
    return results


def _not_best(results: list[CheckResult]) -> dict[tuple[str | None, str | None], Status]:
    """Scopes below the check's best status; NOT_APPLICABLE (a scope the check does not cover,
    such as a backup check outside the workload OUs) is neither a pass nor a drift."""
    best = BEST_STATUS.get(results[0].check_id, Status.PASS)
    return {
        (r.account, r.region): r.status
        for r in results
        if r.status not in (best, Status.NOT_APPLICABLE)
    }


def prove(drift: Drift, sandbox: Sandbox, engine: Engine) -> None:
    """Passes, fails in exactly the drift's scope after ``make``, passes again after ``undo``."""
    before = _results(engine, drift.check_id)
    assert _not_best(before) == {}, [
        r.message for r in before if (r.account, r.region) in _not_best(before)
    ]
    scope = resolve(drift, sandbox.endpoint)
    memento = drift.make(sandbox.endpoint, *scope)
    try:
        if drift.caller is None:
            after = _results(engine, drift.check_id)
        else:
            with engine_as(engine, drift.caller(memento)) as other:
                after = _results(other, drift.check_id)
    finally:
        drift.undo(sandbox.endpoint, *scope, memento)
    assert _not_best(after) == {scope: Status(drift.expect)}, [
        (r.account, r.region, r.status.value, r.message) for r in after
    ]
    restored = _results(engine, drift.check_id)
    assert _not_best(restored) == {}, [r.message for r in restored]
