"""Helpers for test suites that need a running sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .environ import environment
from .server import Sandbox


@contextmanager
def running_sandbox(set_env: bool = False, **kwargs: Any) -> Iterator[Sandbox]:
    """Start a ``Sandbox(**kwargs)`` (default ``op_delay_s=0.3``) and stop it afterwards.

    With ``set_env=True`` the AWS_* variables (endpoint, dummy credentials,
    region) point at the sandbox for the duration and are restored after.
    """
    kwargs.setdefault("op_delay_s", 0.3)
    sandbox = Sandbox(**kwargs)
    try:
        endpoint = sandbox.start()
        with environment(client_environment(endpoint) if set_env else {}):
            yield sandbox
    finally:
        sandbox.stop()


def client_environment(endpoint: str, region: str = "us-east-1") -> dict[str, str]:
    """Environment variables that point boto3 and the AWS CLI at ``endpoint``."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }


def client(
    sandbox: Sandbox, service: str, region: str = "us-east-1", max_attempts: int = 1, **kwargs: Any
) -> Any:
    """A plain boto3 client for ``service`` on ``sandbox`` with dummy credentials.

    ``max_attempts`` counts every attempt, the first included (botocore's
    ``total_max_attempts``), so the default 1 means no retries.
    """
    import boto3
    from botocore.config import Config

    kwargs.setdefault("aws_access_key_id", "testing")
    kwargs.setdefault("aws_secret_access_key", "testing")
    return boto3.client(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=region,
        config=Config(retries={"total_max_attempts": max_attempts, "mode": "standard"}),
        **kwargs,
    )
