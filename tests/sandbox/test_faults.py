"""Fault injection and latency."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.sandbox import FaultSpecError, Sandbox, parse_fault_spec


def test_parse_fault_spec() -> None:
    spec = parse_fault_spec(
        "throttle=0.3, error5xx=0.1,deny=organizations:CreateAccount,deny=sts:AssumeRole@111111111111"
    )
    assert spec.throttle == 0.3 and spec.error5xx == 0.1
    assert [(r.service, r.operation, r.account) for r in spec.deny] == [
        ("organizations", "CreateAccount", None),
        ("sts", "AssumeRole", "111111111111"),
    ]
    for bad in ("throttle", "throttle=x", "error5xx=1.5", "deny=foo", "boom=1", "seed=x"):
        with pytest.raises(FaultSpecError, match=bad.split("=")[0]):
            parse_fault_spec(bad)


def _code(call) -> tuple[str, dict]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response


def test_throttle_every_protocol(sandbox: Sandbox, aws) -> None:
    sandbox.configure(faults="throttle=1.0")
    assert _code(lambda: aws("organizations").list_roots())[0] == "ThrottlingException"
    assert _code(lambda: aws("iam").list_users())[0] == "Throttling"
    assert _code(lambda: aws("sts").get_caller_identity())[0] == "Throttling"
    assert _code(lambda: aws("ec2").describe_vpcs())[0] == "RequestLimitExceeded"
    assert _code(lambda: aws("guardduty").list_detectors())[0] == "ThrottlingException"
    assert _code(lambda: aws("s3").list_buckets())[0] == "SlowDown"


def test_throttle_is_retried_by_botocore(sandbox: Sandbox, aws) -> None:
    sandbox.configure(faults="throttle=1.0")
    with pytest.raises(ClientError) as info:
        aws("sts", max_attempts=3).get_caller_identity()
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 2


def test_error5xx(sandbox: Sandbox, aws) -> None:
    sandbox.configure(faults="error5xx=1.0")
    code, response = _code(lambda: aws("organizations").list_roots())
    assert code in ("InternalFailure", "ServiceUnavailable")
    assert response["ResponseMetadata"]["HTTPStatusCode"] in (500, 503)


def test_deny(sandbox: Sandbox, aws) -> None:
    sandbox.configure(
        faults="deny=organizations:CreateOrganization,deny=iam:ListUsers@999999999999"
    )
    code, response = _code(lambda: aws("organizations").create_organization(FeatureSet="ALL"))
    assert code == "AccessDeniedException"
    assert (
        "is not authorized to perform: organizations:CreateOrganization"
        in response["Error"]["Message"]
    )
    assert aws("iam").list_users()["Users"] == []
    sandbox.configure(faults="deny=iam:*")
    code, response = _code(lambda: aws("iam").list_users())
    assert code == "AccessDenied" and response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_faults_are_reproducible(sandbox: Sandbox, aws) -> None:
    outcomes = []
    for _ in range(2):
        sandbox.configure(faults="throttle=0.5,seed=7")
        sts, run = aws("sts"), []
        for _ in range(12):
            try:
                sts.get_caller_identity()
                run.append("ok")
            except ClientError:
                run.append("throttled")
        outcomes.append(run)
    assert outcomes[0] == outcomes[1] and set(outcomes[0]) == {"ok", "throttled"}


def test_control_endpoint_is_never_faulted(sandbox: Sandbox) -> None:
    from .helpers import control

    sandbox.configure(faults="throttle=1.0,error5xx=0.0", latency_ms=0)
    status, info = control(sandbox.endpoint, "/_sandbox/info")
    assert status == 200 and info["faults"]["throttle"] == 1.0


def test_latency(sandbox: Sandbox, aws) -> None:
    sts = aws("sts")
    sts.get_caller_identity()
    sandbox.configure(latency_ms=100)
    started = time.perf_counter()
    for _ in range(5):
        sts.get_caller_identity()
    per_call = (time.perf_counter() - started) / 5
    print(f"per call with 100 ms latency: {per_call * 1000:.1f} ms")
    assert per_call >= 0.1 * 0.8
