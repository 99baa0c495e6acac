"""The sandbox's own surface (issue 16, item 12): `bootstrap-tui sandbox` takes every
option docs/sandbox.md documents, `{"faults": null}` clears the faults, and `deny` fires
for S3 like for every other service."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.sandbox.testing import client
from tests.certs import authority

from conftest import ROOT, reset_sandbox

pytestmark = pytest.mark.slow


def serve(*args: str) -> tuple[subprocess.Popen, str]:
    """`bootstrap-tui sandbox ARGS` started; returns the process and its endpoint."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bootstrap_tui", "sandbox", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("endpoint: "):
        process.kill()
        raise AssertionError(f"no endpoint: {line!r} {process.communicate()[1]}")
    return process, line.split(" ", 1)[1].strip()


def stop(process: subprocess.Popen) -> int:
    os.kill(process.pid, signal.SIGTERM)
    return process.wait(30)


def info(endpoint: str, context: ssl.SSLContext | None = None) -> dict:
    with urllib.request.urlopen(endpoint + "/_sandbox/info", timeout=10, context=context) as answer:
        return json.loads(answer.read())


def test_op_delay_is_accepted_by_the_main_command():
    process, endpoint = serve("--op-delay", "0.7")
    try:
        assert info(endpoint)["op_delay_s"] == 0.7
    finally:
        assert stop(process) == 0


def test_realistic_durations_are_accepted_by_the_main_command():
    process, endpoint = serve("--durations", "realistic", "--time-scale", "60")
    try:
        found = info(endpoint)
        assert (found["durations"], found["time_scale"]) == ("realistic", 60.0)
    finally:
        assert stop(process) == 0


def test_tls_options_are_accepted_by_the_main_command(tmp_path: Path):
    ca = authority(tmp_path, "test CA")
    cert, key = ca.issue(tmp_path, "sandbox", hosts=["127.0.0.1"])
    process, endpoint = serve("--tls-cert", cert, "--tls-key", key)
    try:
        assert endpoint.startswith("https://")
        assert info(endpoint, ssl.create_default_context(cafile=str(ca.pem)))["sandbox"] is True
    finally:
        assert stop(process) == 0


def test_sandbox_usage_errors_come_from_the_sandbox_parser():
    result = subprocess.run(
        [sys.executable, "-m", "bootstrap_tui", "sandbox", "--tls-cert", "x.pem"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "bootstrap-tui sandbox: error: --tls-cert and --tls-key go together\n"


def post_config(endpoint: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        endpoint + "/_sandbox/config",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_null_faults_clear_the_faults(sandbox):
    reset_sandbox(sandbox)
    status, _ = post_config(sandbox.endpoint, {"faults": "deny=sts:GetCallerIdentity"})
    assert status == 200
    sts = client(sandbox, "sts")
    with pytest.raises(ClientError):
        sts.get_caller_identity()
    status, body = post_config(sandbox.endpoint, {"faults": None})
    assert status == 200 and body["faults"] == {"deny": [], "error5xx": 0.0, "throttle": 0.0}
    assert sts.get_caller_identity()["Account"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"fault": "throttle=1"}, "unknown field(s): fault"),
        ({"latency_ms": None}, "latency_ms must be a number of ms"),
        ({"faults": 3}, "faults must be a SPEC string"),
    ],
)
def test_bad_config_is_refused(sandbox, body, message):
    status, answer = post_config(sandbox.endpoint, body)
    assert status == 400 and message in answer["error"]


def test_deny_fires_for_s3(sandbox):
    reset_sandbox(sandbox)
    s3 = client(sandbox, "s3")
    s3.create_bucket(Bucket="deny-test-bucket")
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::deny-test-bucket/*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )
    sandbox.configure(faults="deny=s3:PutBucketPolicy")
    try:
        with pytest.raises(ClientError) as caught:
            s3.put_bucket_policy(Bucket="deny-test-bucket", Policy=policy)
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        s3.put_object(Bucket="deny-test-bucket", Key="k", Body=b"x")  # other S3 calls still pass
        assert s3.get_bucket_versioning(Bucket="deny-test-bucket")["ResponseMetadata"]
    finally:
        sandbox.configure(faults="")
