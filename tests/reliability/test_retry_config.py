"""The retry configuration chosen for combined faults (issue 16, item 7) is what every client
uses: 15 attempts in standard mode and a retry quota of 2000 tokens per client (botocore's own
is 500). The figures behind the choice are measured by benchmarks/fault_bench.py
(docs/reliability.md, "Combined faults"); this test only checks the configuration."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from bootstrap_tui.aws.clients import ClientFactory

from conftest import make_engine, reset_sandbox

ATTEMPTS = 15
QUOTA = 2000
SERVER_ERROR_RETRY_COST = 14  # botocore's RetryQuotaChecker: a retry after a 5xx costs 14


def test_every_client_of_the_engine_uses_the_chosen_retries(sandbox, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    reset_sandbox(sandbox, seed="compliant", accounts=1)
    engine = make_engine(sandbox.endpoint, tmp_path / "state.yaml")
    try:
        member = next(
            a["Id"] for a in engine.org_accounts() if a["Id"] != engine.management_account_id
        )
        clients = [
            engine.client("organizations"),
            engine.client("sts"),
            engine.client("guardduty", region="eu-west-1"),
            engine.client("ec2", account=member),
        ]
        for client in clients:
            assert client.meta.config.retries == {
                "mode": "standard",
                "total_max_attempts": ATTEMPTS,
            }
            assert client.meta.retry_quota.available_capacity == QUOTA
    finally:
        engine.close()


def test_the_larger_quota_is_the_one_the_retries_spend(sandbox):
    """Every request answers 503: 3 attempts, so 2 retries are paid from the client's quota."""
    reset_sandbox(sandbox)
    sandbox.configure(faults="error5xx=1")
    try:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        factory = ClientFactory(
            session,
            region="us-east-1",
            endpoint_url=sandbox.endpoint,
            max_attempts=3,
            retry_mode="standard",
        )
        client = factory.client("organizations")
        with pytest.raises(ClientError):
            client.list_roots()
        assert factory.calls == 3
        assert client.meta.retry_quota.available_capacity == QUOTA - 2 * SERVER_ERROR_RETRY_COST
    finally:
        sandbox.configure(faults="")


def test_a_call_that_gets_no_answer_stops_after_10_attempts(tmp_path):
    """Nothing listens on port 9: every attempt is refused, and 10 of the 15 are sent, so an
    endpoint that is gone is reported as soon as before the limit was raised."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    factory = ClientFactory(
        session,
        region="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        max_attempts=ATTEMPTS,
        retry_mode="standard",
    )
    with pytest.raises(EndpointConnectionError):
        factory.client("sts").get_caller_identity()
    assert factory.calls == 10
