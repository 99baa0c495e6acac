"""Plain boto3 against a running sandbox, as a user (or an auditor) would call it.

Seeds and drifts use these so that what they build is only what the public API allows.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

SEED_CREDENTIAL = "testing"


def control(endpoint: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to the sandbox's control endpoint ``path`` (e.g. ``/_sandbox/root``)."""
    request = urllib.request.Request(
        endpoint + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def info(endpoint: str) -> dict[str, Any]:
    """The sandbox's ``/_sandbox/info``: management account, accounts, seed."""
    with urllib.request.urlopen(endpoint + "/_sandbox/info", timeout=30) as response:
        return json.loads(response.read())


def client(
    endpoint: str,
    service: str,
    account: str | None = None,
    region: str | None = "us-east-1",
    role: str = "OrganizationAccountAccessRole",
) -> Any:
    """A boto3 client in the management account, or in ``account`` through ``role`` (by default the
    automation role; AWSControlTowerExecution for what Control Tower's SCPs deny everyone else)."""
    import boto3
    from botocore.config import Config

    from bootstrap_tui.aws.clients import strip_account_host_prefix

    creds: dict[str, str] = {
        "aws_access_key_id": SEED_CREDENTIAL,
        "aws_secret_access_key": SEED_CREDENTIAL,
    }
    if account is not None and account != info(endpoint)["management_account_id"]:
        found = client(endpoint, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="seed-drift"
        )["Credentials"]
        creds = {
            "aws_access_key_id": found["AccessKeyId"],
            "aws_secret_access_key": found["SecretAccessKey"],
            "aws_session_token": found["SessionToken"],
        }
    made = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        config=Config(retries={"total_max_attempts": 1}),
        **creds,
    )
    made.meta.events.register("before-sign.s3-control", strip_account_host_prefix)
    return made


def root_client(endpoint: str, service: str, key: dict[str, str], region: str = "us-east-1") -> Any:
    """A boto3 client signed with a root user's access key (as ``POST /_sandbox/root`` returns it)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        config=Config(retries={"total_max_attempts": 1}),
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
