"""Engines for the step tests: built on a sandbox, driven step by step, stopped mid-run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.model import Status

PART1 = ("management-account", "root-mfa", "organization", "accounts", "control-tower")
PART2 = ("identity-center", "log-archive", "guardrails", "security-services", "bootstrap-cleanup")

CT_PROFILE = """\
name: ct-test
description: startup-minimal with Control Tower on, for the setup-step tests
extends: startup-minimal
control_tower:
  enabled: true
  controls: [AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS]
"""


def make_engine(
    endpoint: str,
    state_file: Path,
    profile: str = "startup-minimal",
    simulate_console: bool = True,
    **kwargs: Any,
) -> Engine:
    """A connected engine on the sandbox at `endpoint` (two attempts per call)."""
    engine = Engine(
        Options(
            endpoint_url=endpoint,
            state_file=state_file,
            simulate_console=simulate_console,
            max_attempts=2,
            profile=profile,
            **kwargs,
        )
    )
    engine.connect()
    return engine


class Engines:
    """Builds connected engines on one sandbox and closes them all at teardown."""

    def __init__(self, sandbox: Any, tmp_path: Path):
        self.sandbox = sandbox
        self.state_file = tmp_path / "state.yaml"
        self.made: list[Engine] = []

    def new(
        self,
        *,
        profile: str = "startup-minimal",
        simulate: bool = True,
        state_file: Path | None = None,
    ) -> Engine:
        engine = make_engine(
            self.sandbox.endpoint,
            state_file or self.state_file,
            profile,
            simulate_console=simulate,
        )
        self.made.append(engine)
        return engine

    def close(self) -> None:
        for engine in self.made:
            engine.close()


@dataclass
class World:
    """The whole wizard applied once on a sandbox (the `world` fixture)."""

    sandbox: Any
    engine: Any
    state_file: Path
    applied: dict[str, Any]

    def client(self, service: str, account: str | None = None, region: str | None = None) -> Any:
        return self.engine.client(service, account=account, region=region)


def apply_all(engine: Any, upto: str | None = None) -> dict[str, Any]:
    """Apply every step in order (destructive changes confirmed), up to and including `upto`."""
    applied = {}
    for step in engine.steps:
        applied[step.id] = engine.apply(step.id, confirm_destructive=lambda plan: True)
        if step.id == upto:
            break
    return applied


def converge(engine: Engine, step_ids: Iterable[str]) -> None:
    """plan + apply each step, in order."""
    for sid in step_ids:
        engine.apply(sid, engine.plan(sid))


def assert_converged_and_verified(engine: Engine, step_id: str) -> None:
    assert engine.plan(step_id).changes == []
    run = engine.verify([step_id])
    bad = [
        (r.check_id, r.status.value, r.message)
        for r in run.results
        if r.status not in (Status.PASS,)
        and not (  # the API cannot prove a hardware key: attested MANUAL
            r.check_id == "root.hardware-mfa"
            and r.status == Status.MANUAL
            and r.evidence.get("attestation")
        )
    ]
    assert run.results and not bad, bad


def stop_when(engine: Engine, text: str) -> None:
    """Simulate quitting: cancel the engine once a progress message contains `text`
    (the next wait in a poll loop raises KeyboardInterrupt)."""

    def listener(step: str, message: str, done: Any, total: Any) -> None:
        if text in message:
            engine.cancelled.set()

    engine.progress_listeners.append(listener)
