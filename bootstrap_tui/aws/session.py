"""Build the boto3 session: standard credential chain, keychain keys, sandbox detection."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError

from bootstrap_tui.aws.errors import map_error
from bootstrap_tui.aws.keychain import SERVICE, load_bootstrap_keys
from bootstrap_tui.errors import AwsError, ConfigError
from bootstrap_tui.state import strip_userinfo

DEFAULT_REGION = "us-east-1"
SANDBOX_CREDENTIAL = "testing"


@dataclass
class Connection:
    aws_profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    use_keychain: bool = False
    keychain_service: str = SERVICE


def resolve_endpoint(conn: Connection) -> str | None:
    """conn.endpoint_url, else AWS_ENDPOINT_URL, else None (real AWS); never a user:password."""
    endpoint = conn.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    return strip_userinfo(endpoint) if endpoint else None


def clean_endpoint_url(text: str, source: str = "--endpoint-url") -> str:
    """An http(s) endpoint URL without user:password or trailing slash; ConfigError if bad.

    SigV4 signs every call, so a user:password in the URL is never used, only leaked."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text.strip())
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(
            f"{source}: expected an http(s):// URL with a host, got {strip_userinfo(text)!r}",
            "e.g. http://127.0.0.1:4566",
        )
    return strip_userinfo(text.strip()).rstrip("/")


def probe_sandbox(endpoint_url: str | None, timeout: float = 2.0) -> dict[str, Any] | None:
    """The sandbox's `GET /_sandbox/info` JSON when the endpoint is a bootstrap-tui sandbox."""
    if not endpoint_url:
        return None
    url = endpoint_url.rstrip("/") + "/_sandbox/info"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = json.loads(response.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return data if isinstance(data, dict) and data.get("sandbox") is True else None


def make_session(conn: Connection) -> boto3.Session:
    """A boto3 session for `conn`; the region is conn.region, the profile's, or us-east-1.

    With `use_keychain`, the bootstrap user's keys come from the OS keychain and
    live only in memory. On a sandbox endpoint without any credentials, dummy
    "testing" credentials are used.
    """
    profile = conn.aws_profile or None
    keys = None
    if conn.use_keychain:
        keys = load_bootstrap_keys(conn.keychain_service)
        if keys is None:
            raise AwsError(
                "no bootstrap keys are stored in the OS keychain",
                "store the bootstrap IAM user's access key first (the management-account "
                "step offers it), or use --aws-profile",
                kind="credentials",
            )
    try:
        probe = boto3.Session(profile_name=profile)
        region = conn.region or probe.region_name or DEFAULT_REGION
        if keys is not None:
            return boto3.Session(
                aws_access_key_id=keys[0], aws_secret_access_key=keys[1], region_name=region
            )
        session = boto3.Session(profile_name=profile, region_name=region)
        endpoint = resolve_endpoint(conn)
        if endpoint and session.get_credentials() is None and probe_sandbox(endpoint):
            return boto3.Session(
                aws_access_key_id=SANDBOX_CREDENTIAL,
                aws_secret_access_key=SANDBOX_CREDENTIAL,
                region_name=region,
            )
        return session
    except BotoCoreError as exc:
        raise map_error(exc, profile=profile) from None
