"""boto3 clients that reach the sandbox's moto backends in-process, as a given account.

A fake that must leave resources behind (Control Tower's trail, buckets,
Config recorders...) builds them with these clients: real API calls with
moto's own validation, dispatched in the calling thread (no HTTP, so no
deadlock on the sandbox lock) and never counted in the request log.
"""

from __future__ import annotations

from typing import Any


def moto_client(service: str, account: str, region: str = "us-east-1") -> Any:
    """A boto3 client for ``service`` acting in ``account`` directly on moto's backends."""
    import boto3
    from botocore.config import Config
    from moto.core.botocore_stubber import BotocoreStubber

    stubber = BotocoreStubber()
    stubber.enabled = True
    client = boto3.client(
        service,
        region_name=region,
        aws_access_key_id="sandbox-internal",
        aws_secret_access_key="sandbox-internal",
        config=Config(ignore_configured_endpoint_urls=True, retries={"total_max_attempts": 1}),
    )

    def as_account(request: Any = None, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign", as_account)
    client.meta.events.register("before-send", stubber)
    return client
