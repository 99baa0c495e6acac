"""verify's assume-role sessions: one AssumeRole per member account, reused across services
and regions, and refreshed by botocore before the credentials expire (sandbox over HTTP)."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest

from bootstrap_tui.aws import ClientFactory

from .conftest import member_accounts

pytestmark = pytest.mark.slow


def assume_calls(recorded):
    return [c for c in recorded if c[:2] == ("sts", "AssumeRole")]


def test_role_session_is_reused_then_refreshed_before_expiry(sandbox):
    recorded = []
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    factory = ClientFactory(
        session,
        region="us-east-1",
        endpoint_url=sandbox.endpoint,
        max_attempts=2,
        on_call=lambda *call: recorded.append(call),
    )
    member = sorted(member_accounts(sandbox).values())[0]

    factory.client("ec2", account=member).describe_vpcs()
    factory.client("ec2", account=member, region="us-west-2").describe_vpcs()
    factory.client("iam", account=member).get_account_summary()
    assert len(assume_calls(recorded)) == 1, "one role session per account, shared by clients"

    credentials = factory.client("iam", account=member)._request_signer._credentials
    remaining = credentials._expiry_time - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=55) < remaining <= dt.timedelta(hours=1), (
        "AssumeRole asked for the factory's session duration (1 h)"
    )
    first_key = credentials.get_frozen_credentials().access_key

    # 5 minutes left: inside botocore's mandatory refresh window (10 min)
    credentials._expiry_time = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    who = factory.client("sts", account=member).get_caller_identity()
    assert len(assume_calls(recorded)) == 2, "refreshed with a new AssumeRole before expiry"
    assert credentials.get_frozen_credentials().access_key != first_key
    assert who["Account"] == member and ":assumed-role/" in who["Arn"]

    # already expired (e.g. a laptop woke up mid-run): refreshed, never sent stale
    credentials._expiry_time = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    factory.client("ec2", account=member).describe_vpcs()
    assert len(assume_calls(recorded)) == 3
    factory.client("ec2", account=member).describe_vpcs()
    assert len(assume_calls(recorded)) == 3, "fresh credentials are reused again"
