"""A 200 whose body is cut short is retried like a dropped connection, never taken as `{}`."""

from __future__ import annotations

import json

import boto3
import pytest

from bootstrap_tui.aws import ClientFactory, map_error

from .faultserver import JSON11, XML

ORGANIZATION = {
    "Organization": {
        "Id": "o-abcdefghij",
        "MasterAccountId": "111111111111",
        "FeatureSet": "ALL",
        "Arn": "arn:aws:organizations::1:o",
    }
}
SUMMARY = (
    b"<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap>"
    b"<entry><key>AccountMFAEnabled</key><value>1</value></entry>"
    b"</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>"
)


def factory_for(url: str, attempts: int, mode: str = "standard") -> ClientFactory:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return ClientFactory(
        session,
        region="us-east-1",
        endpoint_url=url,
        max_attempts=attempts,
        retry_mode=mode,
        connect_timeout=1,
        read_timeout=5,
    )


@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy"])
def test_short_json_body_is_retried_until_whole(fault, mode):
    fault.response = (200, JSON11, json.dumps(ORGANIZATION).encode())
    fault.short_bodies = 2
    org = factory_for(fault.url, attempts=3, mode=mode).client("organizations")
    assert org.describe_organization()["Organization"]["Id"] == "o-abcdefghij"
    assert fault.count == 3


def test_short_xml_body_is_retried_until_whole(fault):
    fault.response = (200, XML, SUMMARY)
    fault.short_bodies = 1
    iam = factory_for(fault.url, attempts=2).client("iam")
    assert iam.get_account_summary()["SummaryMap"] == {"AccountMFAEnabled": 1}
    assert fault.count == 2


def test_short_body_every_time_is_a_connection_error_not_an_empty_answer(fault):
    fault.response = (200, JSON11, json.dumps(ORGANIZATION).encode())
    fault.short_bodies = 5
    org = factory_for(fault.url, attempts=2).client("organizations")
    with pytest.raises(Exception) as caught:
        org.describe_organization()
    err = map_error(caught.value)
    assert err.kind == "connection" and fault.count == 2
    assert "Organizations.DescribeOrganization" in err.message


def test_missing_response_key_is_not_reported_as_unexpected(fault):
    fault.response = (200, JSON11, b"{}")
    org = factory_for(fault.url, attempts=1).client("organizations")
    with pytest.raises(KeyError) as caught:
        org.describe_organization()["Organization"]
    err = map_error(caught.value, operation="organizations:DescribeOrganization")
    assert "unexpected" not in err.message and "bug" not in (err.hint or "")
    assert err.message.endswith(
        "DescribeOrganization lacked 'Organization' (an incomplete response)"
    )


def test_garbled_answer_from_aws_is_not_blamed_on_an_emulator(fault):
    """Without a custom endpoint the client talks to AWS: a parse failure is a bad answer."""
    fault.response = (200, XML, b"<<this is not xml")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    iam = ClientFactory(session, region="us-east-1", max_attempts=1).client("iam")
    iam.meta.events.register(
        "before-sign", lambda request=None, **_: setattr(request, "url", fault.url + "/")
    )
    with pytest.raises(Exception) as caught:
        iam.get_account_summary()
    err = map_error(caught.value)
    assert err.kind == "response" and "not supported" not in err.message
    assert "emulator" not in (err.hint or "")
