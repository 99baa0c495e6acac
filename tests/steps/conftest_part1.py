"""Fixtures and helpers of the part-1 step tests (management-account, root-mfa,
organization, accounts, control-tower). Imported by tests/steps/test_part1_*.py.

Every test talks real HTTP to a sandbox started in-process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from collections.abc import Iterable

import pytest

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.model import Status
from bootstrap_tui.sandbox.testing import client as sandbox_client
from bootstrap_tui.sandbox.testing import running_sandbox

PART1 = ("management-account", "root-mfa", "organization", "accounts", "control-tower")

CT_PROFILE = """\
name: ct-test
description: startup-minimal with Control Tower on, for the part-1 tests
extends: startup-minimal
control_tower:
  enabled: true
  controls: [AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS]
"""


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")


@pytest.fixture
def sandbox(aws_env: None) -> Iterable[Any]:
    with running_sandbox(op_delay_s=0.1) as box:
        yield box


@pytest.fixture
def ct_profile(tmp_path: Path) -> str:
    path = tmp_path / "ct-test.yaml"
    path.write_text(CT_PROFILE)
    return str(path)


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
        engine = Engine(
            Options(
                endpoint_url=self.sandbox.endpoint,
                state_file=state_file or self.state_file,
                profile=profile,
                simulate_console=simulate,
                max_attempts=2,
            )
        )
        engine.connect()
        self.made.append(engine)
        return engine

    def close(self) -> None:
        for engine in self.made:
            engine.close()


@pytest.fixture
def engines(sandbox: Any, tmp_path: Path) -> Iterable[Engines]:
    made = Engines(sandbox, tmp_path)
    try:
        yield made
    finally:
        made.close()


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


def client(sandbox: Any, service: str, **kwargs: Any) -> Any:
    return sandbox_client(sandbox, service, **kwargs)


def stop_when(engine: Engine, text: str) -> None:
    """Simulate quitting: cancel the engine once a progress message contains `text`
    (the next wait in a poll loop raises KeyboardInterrupt)."""

    def listener(step: str, message: str, done: Any, total: Any) -> None:
        if text in message:
            engine.cancelled.set()

    engine.progress_listeners.append(listener)
