"""Fixtures for the sandbox suite: one shared sandbox per session, reset before each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.testing import client

OP_DELAY = 0.3


class _Shared:
    sandbox: Sandbox | None = None


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A running sandbox in the ``fresh`` seed, without latency or faults."""
    if _Shared.sandbox is None:
        _Shared.sandbox = Sandbox(op_delay_s=OP_DELAY)
        _Shared.sandbox.start()
    shared = _Shared.sandbox
    shared.configure(latency_ms=0, faults="", op_delay_s=OP_DELAY)
    shared.reset(seed="fresh", accounts=0)
    yield shared


@pytest.fixture
def exclusive() -> Iterator[None]:
    """Stop the shared sandbox so a test can run its own (moto state is process-wide)."""
    if _Shared.sandbox is not None:
        _Shared.sandbox.stop()
        _Shared.sandbox = None
    yield


@pytest.fixture
def aws(sandbox: Sandbox) -> Callable[..., Any]:
    """``aws("iam", region=..., **creds)`` -> a boto3 client with max_attempts=1."""
    return lambda service, region="us-east-1", **kwargs: client(sandbox, service, region, **kwargs)


@pytest.fixture(scope="package", autouse=True)
def _stop_shared_sandbox() -> Iterator[None]:
    """Free the process-wide sandbox slot for other test packages."""
    yield
    if _Shared.sandbox is not None:
        _Shared.sandbox.stop()
        _Shared.sandbox = None
