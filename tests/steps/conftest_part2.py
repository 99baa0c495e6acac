"""Shared fixtures of the part-2 step tests (identity-center, log-archive, guardrails,
security-services, bootstrap-cleanup): one sandbox and one engine run per module.

Import what you need from here (`from conftest_part2 import world`); pytest only
auto-loads files named conftest.py.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

PART2 = ("identity-center", "log-archive", "guardrails", "security-services", "bootstrap-cleanup")


def patch_moto_ssoadmin_paths() -> None:
    """moto 5.2.5 sso-admin rejects AWS managed policies that have a path
    (arn:aws:iam::aws:policy/job-function/Billing): it reads "path" where its data says
    "Path". Wraps the lookup so those ARNs resolve; a no-op once the sandbox fixes it."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.ssoadmin import models

    original = models.SSOAdminBackend._find_managed_policy
    if getattr(original, "_part2_patched", False):
        return

    def find(self: Any, arn: str) -> Any:
        try:
            return original(self, arn)
        except Exception:
            data = json.loads(aws_managed_policies_data)
            name = arn.split("/")[-1]
            policy = data.get(name)
            if (
                policy
                and arn == f"arn:{self.partition}:iam::aws:policy{policy.get('Path', '/')}{name}"
            ):
                return models.ManagedPolicy(arn, name)
            raise

    find._part2_patched = True  # type: ignore[attr-defined]
    models.SSOAdminBackend._find_managed_policy = find


@contextmanager
def sandbox_endpoint() -> Iterator[Any]:
    """A fresh sandbox; reuses (and resets) one another suite left running in this process."""
    from bootstrap_tui.sandbox import server
    from bootstrap_tui.sandbox.testing import running_sandbox

    patch_moto_ssoadmin_paths()
    running = server._running
    if running is not None:
        running.configure(latency_ms=0, faults="", op_delay_s=0.05)
        running.reset(seed="fresh", accounts=0)
        yield running
        return
    with running_sandbox(op_delay_s=0.05) as box:
        yield box


@dataclass
class World:
    sandbox: Any
    engine: Any
    state_file: Path
    applied: dict[str, Any]

    def client(self, service: str, account: str | None = None, region: str | None = None) -> Any:
        return self.engine.client(service, account=account, region=region)


def make_engine(
    endpoint: str, state_file: Path, profile: str = "startup-minimal", **kwargs: Any
) -> Any:
    from bootstrap_tui.engine import Engine, Options

    engine = Engine(
        Options(
            endpoint_url=endpoint,
            state_file=state_file,
            simulate_console=True,
            max_attempts=2,
            profile=profile,
            **kwargs,
        )
    )
    engine.connect()
    return engine


def apply_all(engine: Any, upto: str | None = None) -> dict[str, Any]:
    applied = {}
    for step in engine.steps:
        applied[step.id] = engine.apply(step.id, confirm_destructive=lambda plan: True)
        if step.id == upto:
            break
    return applied


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The whole wizard applied on a fresh sandbox with the startup-minimal profile."""
    with sandbox_endpoint() as box:
        state = Path(tempfile.mkdtemp(prefix="bt-part2-")) / "state.yaml"
        engine = make_engine(box.endpoint, state)
        try:
            yield World(box, engine, state, apply_all(engine))
        finally:
            engine.close()
