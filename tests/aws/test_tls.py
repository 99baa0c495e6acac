"""Shared TLS trust (aws/tls.py) against the sandbox served over HTTPS with a throwaway CA.

The CA bundle must be parsed once, not once per connection, and certificates must still be
verified exactly as before: an unknown CA or a certificate for another host is refused.
"""

from __future__ import annotations

import ssl

import boto3
import pytest
from botocore.exceptions import SSLError
from botocore.httpsession import URLLib3Session

from bootstrap_tui.aws import ClientFactory, tls
from bootstrap_tui.sandbox.testing import running_sandbox
from tests.certs import authority

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


@pytest.fixture
def bundle_loads(monkeypatch):
    """Every CA file loaded into any SSLContext during the test, in order."""
    loaded: list[str] = []
    stock = ssl.SSLContext.load_verify_locations

    def counting(self, cafile=None, capath=None, cadata=None):
        loaded.append(str(cafile))
        return stock(self, cafile, capath, cadata)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    return loaded


def factory_for(endpoint: str, **settings) -> ClientFactory:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return ClientFactory(
        session,
        region="us-east-1",
        endpoint_url=endpoint,
        max_attempts=1,
        retry_mode="standard",
        **settings,
    )


def test_many_clients_parse_the_ca_bundle_once(tmp_path, monkeypatch, bundle_loads):
    ca = authority(tmp_path, "test-ca")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca.pem))
    with running_sandbox(
        tls=ca.issue(tmp_path, "sandbox", hosts=["127.0.0.1"]), op_delay_s=0
    ) as sandbox:
        assert sandbox.endpoint.startswith("https://")
        factory = factory_for(sandbox.endpoint)
        accounts = set()
        for region in REGIONS:
            for _ in range(2):  # the sandbox closes every connection: each call is a new handshake
                accounts.add(factory.client("sts", region=region).get_caller_identity()["Account"])
            factory.client("ec2", region=region).describe_vpcs()
    assert accounts == {sandbox.management_account_id}
    assert bundle_loads == [str(ca.pem)], (
        "9 TLS connections over 6 clients should load the bundle once"
    )
    assert str(ca.pem) in tls.shared_bundles()


def test_a_certificate_from_an_unknown_ca_is_refused(tmp_path, monkeypatch):
    trusted, other = authority(tmp_path, "trusted-ca"), authority(tmp_path, "other-ca")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(trusted.pem))
    with running_sandbox(
        tls=other.issue(tmp_path, "sandbox", hosts=["127.0.0.1"]), op_delay_s=0
    ) as sandbox:
        factory = factory_for(sandbox.endpoint)
        with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            factory.client("sts").get_caller_identity()
        with pytest.raises(
            SSLError, match="CERTIFICATE_VERIFY_FAILED"
        ):  # and again, on a warm context
            factory.client("sts", region="eu-west-1").get_caller_identity()


def test_a_certificate_for_another_host_is_refused(tmp_path, monkeypatch):
    ca = authority(tmp_path, "test-ca")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca.pem))
    with running_sandbox(
        tls=ca.issue(tmp_path, "elsewhere", hosts=["sts.elsewhere.example"]), op_delay_s=0
    ) as sandbox:
        with pytest.raises(SSLError, match="match|mismatch"):
            factory_for(sandbox.endpoint).client("sts").get_caller_identity()


def test_a_missing_bundle_fails_as_botocore_would(tmp_path, monkeypatch):
    ca = authority(tmp_path, "test-ca")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    with running_sandbox(
        tls=ca.issue(tmp_path, "sandbox", hosts=["127.0.0.1"]), op_delay_s=0
    ) as sandbox:
        with pytest.raises(SSLError, match="no-such-bundle.pem|No such file"):
            factory_for(sandbox.endpoint).client("sts").get_caller_identity()
    assert str(tmp_path / "no-such-bundle.pem") not in tls.shared_bundles()


def test_sessions_that_must_keep_their_own_context_do(tmp_path):
    ca = authority(tmp_path, "test-ca")
    assert tls.install()
    plain = URLLib3Session(verify=str(ca.pem), proxies={})
    shared = plain._get_ssl_context()
    assert URLLib3Session(verify=str(ca.pem), proxies={})._get_ssl_context() is shared
    for session in (
        URLLib3Session(verify=False, proxies={}),
        URLLib3Session(verify=str(ca.pem), proxies={"https": "http://proxy.example:3128"}),
        URLLib3Session(verify=str(ca.pem), proxies={}, client_cert=str(tmp_path / "client.pem")),
    ):
        assert session._get_ssl_context() is not shared
