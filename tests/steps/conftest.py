"""Fixtures of the step tests: AWS environment, sandboxes, engines, and a whole applied run.

Plain helpers (engine builders, sandbox clients) live in tests/steps/engines.py and
tests/steps/sandboxes.py; every test talks real HTTP to a sandbox started in-process.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bootstrap_tui.sandbox.testing import running_sandbox
from tests.steps.engines import CT_PROFILE, Engines, World, apply_all, make_engine
from tests.steps.sandboxes import sandbox_endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials only: no profile, endpoint or config file of the machine leaks in."""
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
def sandbox(aws_env: None) -> Iterator[Any]:
    """A new sandbox for this test alone."""
    with running_sandbox(op_delay_s=0.1) as box:
        yield box


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Any]:
    """One sandbox for the module, from the fresh seed (reused if another suite left one running)."""
    with sandbox_endpoint() as box:
        yield box


@pytest.fixture
def ct_profile(tmp_path: Path) -> str:
    """A profile file: startup-minimal with Control Tower on."""
    path = tmp_path / "ct-test.yaml"
    path.write_text(CT_PROFILE)
    return str(path)


@pytest.fixture
def engines(sandbox: Any, tmp_path: Path) -> Iterator[Engines]:
    made = Engines(sandbox, tmp_path)
    try:
        yield made
    finally:
        made.close()


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
