"""Error mapping over real HTTP: the fault server returns the exact AWS error shapes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    NoCredentialsError,
    ProfileNotFound,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from bootstrap_tui.aws import (
    ClientFactory,
    Connection,
    call,
    exit_kind,
    is_not_found,
    make_session,
    map_error,
)
from bootstrap_tui.errors import EXIT_AWS, AwsError

from .faultserver import HTML, HTML_500, XML, json_error, query_error

ROOT = Path(__file__).resolve().parents[2]


def factory_for(url, attempts=1, session=None, mode="standard"):
    session = session or boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return ClientFactory(
        session,
        region="us-east-1",
        endpoint_url=url,
        max_attempts=attempts,
        retry_mode=mode,
        connect_timeout=1,
        read_timeout=5,
    )


def mapped(fn, **kwargs) -> AwsError:
    with pytest.raises(Exception) as caught:
        fn(**kwargs)
    return map_error(caught.value)


def test_access_denied_names_the_iam_action(fault):
    fault.response = json_error("AccessDeniedException", "You don't have permissions")
    org = factory_for(fault.url).client("organizations")
    err = mapped(org.create_account, Email="a@example.com", AccountName="a")
    assert err.kind == "access" and err.code == "AccessDeniedException"
    assert "organizations:CreateAccount" in err.message
    assert "organizations:CreateAccount" in err.hint
    assert err.operation == "Organizations.CreateAccount"
    assert exit_kind(err) is None


def test_access_denied_for_query_protocol(fault):
    fault.response = query_error("AccessDenied", "User is not authorized", status=403)
    err = mapped(factory_for(fault.url).client("iam").get_account_summary)
    assert err.kind == "access" and "iam:GetAccountSummary" in err.message


def test_operation_argument_overrides(fault):
    fault.response = json_error("AccessDeniedException", "no")
    with pytest.raises(ClientError) as caught:
        boto3.Session(aws_access_key_id="x", aws_secret_access_key="y").client(
            "organizations", region_name="us-east-1", endpoint_url=fault.url
        ).describe_organization()
    err = map_error(caught.value, operation="organizations:DescribeOrganization")
    assert "organizations:DescribeOrganization" in err.message


def test_throttling_after_retries(fault):
    fault.response = json_error("TooManyRequestsException", "Rate exceeded")
    org = factory_for(fault.url, attempts=2, mode="adaptive").client("organizations")
    err = mapped(org.list_accounts)
    assert err.kind == "throttled" and "Organizations.ListAccounts" in err.message
    assert fault.count == 2


def test_server_error_is_reported_with_code(fault):
    fault.response = json_error("ServiceUnavailableException", "try later", status=503)
    err = mapped(factory_for(fault.url, attempts=2).client("organizations").list_roots)
    assert fault.count == 2
    assert err.kind == "aws"
    assert err.message == (
        "AWS said ServiceUnavailableException: try later during Organizations.ListRoots"
    )


def test_html_500_is_unsupported(fault):
    fault.response = (500, HTML, HTML_500)
    err = mapped(factory_for(fault.url).client("controltower").list_landing_zones)
    assert err.kind == "unsupported"
    assert err.message == "ControlTower.ListLandingZones is not supported by this endpoint"


def test_html_404_is_unsupported(fault):
    fault.response = (404, HTML, b"<!doctype html><title>404 Not Found</title>")
    err = mapped(factory_for(fault.url).client("accessanalyzer").list_analyzers)
    assert err.kind == "unsupported" and "not supported by this endpoint" in err.message


def test_unparseable_xml_is_unsupported(fault):
    fault.response = (200, XML, b"<<this is not xml")
    err = mapped(factory_for(fault.url).client("iam").get_account_summary)
    assert err.kind == "unsupported" and err.message.startswith("IAM.GetAccountSummary")


def test_not_implemented_in_process_is_unsupported():
    err = map_error(
        NotImplementedError("The x action has not been implemented"),
        operation="ec2:GetEbsDefaultKmsKeyId",
    )
    assert err.kind == "unsupported" and "not supported by this endpoint" in err.message


def test_moto_unsupported_call_over_http(moto):
    err = mapped(factory_for(moto).client("controltower").list_landing_zones)
    assert err.kind == "unsupported"


def test_endpoint_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    err = mapped(factory_for(url, attempts=1).client("sts").get_caller_identity)
    assert err.kind == "connection" and url in err.message
    assert exit_kind(err) == EXIT_AWS


def test_no_credentials(fault):
    session = boto3.Session()
    assert session.get_credentials() is None
    err = mapped(factory_for(fault.url, session=session).client("sts").get_caller_identity)
    assert err.kind == "credentials" and "no AWS credentials" in err.message
    assert fault.count == 0
    assert exit_kind(map_error(NoCredentialsError())) == EXIT_AWS


def test_profile_not_found():
    with pytest.raises(AwsError) as caught:
        make_session(Connection(aws_profile="nope"))
    assert caught.value.kind == "config" and "'nope'" in caught.value.message
    assert exit_kind(map_error(ProfileNotFound(profile="x"))) == EXIT_AWS


def _write_sso_profile(tmp_path, *, legacy: bool):
    start_url = "https://example.awsapps.com/start"
    expired = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if legacy:
        profile = (
            f"[profile dev]\nsso_start_url = {start_url}\nsso_region = us-east-1\n"
            "sso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n"
        )
        cache_key = start_url
    else:
        profile = (
            "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
            "sso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\n"
            f"sso_start_url = {start_url}\nsso_region = us-east-1\n"
        )
        cache_key = "corp"
    (tmp_path / "aws-config").write_text(profile)
    cache = tmp_path / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    token = {
        "startUrl": start_url,
        "region": "us-east-1",
        "accessToken": "expired",
        "expiresAt": expired,
    }
    (cache / (hashlib.sha1(cache_key.encode()).hexdigest() + ".json")).write_text(json.dumps(token))


SSO_CHILD = """
import json, sys
from botocore.exceptions import TokenRetrievalError, UnauthorizedSSOTokenError
from bootstrap_tui.aws import ClientFactory, Connection, exit_kind, make_session, whoami
from bootstrap_tui.errors import AwsError
session = make_session(Connection(aws_profile="dev"))
factory = ClientFactory(session, region="us-east-1", endpoint_url=sys.argv[1], max_attempts=1)
try:
    whoami(factory)
except AwsError as err:
    expired = isinstance(err.__context__, (TokenRetrievalError, UnauthorizedSSOTokenError))
    print(json.dumps({"kind": err.kind, "hint": err.hint, "exit": exit_kind(err),
                      "expired": expired, "region": session.region_name}))
"""


@pytest.mark.parametrize("legacy", [False, True], ids=["sso-session", "legacy-sso"])
def test_expired_sso_token_hint(tmp_path, fault, legacy):
    """botocore fixes the SSO cache directory from HOME at import time, so a child process
    with its own HOME reads the expired token."""
    _write_sso_profile(tmp_path, legacy=legacy)
    env = {**os.environ, "HOME": str(tmp_path)}
    child = subprocess.run(
        [sys.executable, "-c", SSO_CHILD, fault.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result == {
        "kind": "credentials",
        "hint": "aws sso login --profile dev",
        "exit": EXIT_AWS,
        "expired": True,
        "region": "us-east-1",
    }
    assert fault.count == 0


def test_sso_error_classes_map_to_login_hint():
    for exc in (
        TokenRetrievalError(provider="sso", error_msg="Token has expired"),
        UnauthorizedSSOTokenError(),
        SSOTokenLoadError(error_msg="missing"),
    ):
        err = map_error(exc, profile="dev")
        assert err.kind == "credentials" and err.hint == "aws sso login --profile dev"


def test_expired_token_code_uses_profile(fault):
    fault.response = query_error(
        "ExpiredToken", "The security token included in the request is expired"
    )
    with pytest.raises(ClientError) as caught:
        factory_for(fault.url).client("sts").get_caller_identity()
    err = map_error(caught.value, profile="dev")
    assert err.kind == "credentials" and err.hint == "aws sso login --profile dev"


def test_call_maps_and_is_not_found(fault):
    fault.response = json_error("AccountNotFoundException", "no such account")
    org = factory_for(fault.url).client("organizations")
    with pytest.raises(AwsError) as caught:
        call(org.describe_account, AccountId="111111111111")
    assert caught.value.code == "AccountNotFoundException"
    assert is_not_found(caught.value) and is_not_found(caught.value.__cause__)
    fault.response = json_error("ResourceNotFoundException", "gone")
    with pytest.raises(ClientError) as gone:
        factory_for(fault.url).client("sso-admin").list_instances()
    assert is_not_found(gone.value)
    assert call(lambda x: x + 1, 1) == 2


def test_s3_head_404_is_not_found_not_unsupported(moto):
    s3 = factory_for(moto).client("s3")
    with pytest.raises(ClientError) as caught:
        s3.head_bucket(Bucket="missing-bucket-xyz")
    assert is_not_found(caught.value)
    assert map_error(caught.value).kind == "aws"


def test_map_error_is_idempotent():
    err = AwsError("x", kind="connection")
    assert map_error(err) is err
