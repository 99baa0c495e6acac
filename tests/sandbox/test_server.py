"""Sandbox lifecycle, control endpoint, environment-only clients and the CLI entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.cli import main
from bootstrap_tui.sandbox.testing import client_environment, running_sandbox

from .helpers import control

ROOT = Path(__file__).resolve().parents[2]


def test_start_time_and_info(exclusive: None) -> None:
    started = time.perf_counter()
    with Sandbox(op_delay_s=0.3) as sandbox:
        elapsed = time.perf_counter() - started
        print(f"sandbox start: {elapsed:.3f}s")
        assert elapsed < 5.0
        assert sandbox.endpoint.startswith("http://127.0.0.1:")
        status, info = control(sandbox.endpoint, "/_sandbox/info")
        assert status == 200
        assert info["sandbox"] is True and info["version"] == 1
        assert info["management_account_id"] == sandbox.management_account_id == "123456789012"
        assert info["seed"] == "fresh"
        assert [a["id"] for a in info["accounts"]] == ["123456789012"]


def test_second_sandbox_in_process_is_refused(exclusive: None) -> None:
    with running_sandbox():
        with pytest.raises(RuntimeError, match="already running"):
            Sandbox().start()


def test_env_var_only_client(exclusive: None) -> None:
    with running_sandbox(set_env=True) as sandbox:
        assert os.environ["AWS_ENDPOINT_URL"] == sandbox.endpoint
        identity = boto3.client("sts").get_caller_identity()
        assert identity["Account"] == "123456789012"
        assert boto3.client("iam").get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
    assert os.environ.get("AWS_ENDPOINT_URL") != sandbox.endpoint


def test_control_root_validation(sandbox: Sandbox) -> None:
    status, body = control(sandbox.endpoint, "/_sandbox/root", {"account": "123", "mfa": True})
    assert status == 400 and "12-digit" in body["error"]
    status, body = control(sandbox.endpoint, "/_sandbox/root", {"mfa": "yes"})
    assert status == 400 and "mfa" in body["error"]
    status, body = control(sandbox.endpoint, "/_sandbox/root", {"mfa": True})
    assert status == 200 and body["mfa"] is True and body["account"] == "123456789012"
    status, _ = control(sandbox.endpoint, "/_sandbox/nope")
    assert status == 404


def test_reset_forgets_state(sandbox: Sandbox, aws) -> None:
    aws("organizations").create_organization(FeatureSet="ALL")
    control(sandbox.endpoint, "/_sandbox/root", {"mfa": True})
    status, info = control(sandbox.endpoint, "/_sandbox/reset", {})
    assert status == 200 and info["organization"] is None
    assert info["accounts"][0]["root"]["mfa"] is False


def test_reset_frees_bucket_names(sandbox: Sandbox, aws) -> None:
    aws("s3").create_bucket(Bucket="founder-cloudtrail-123456789012")
    control(sandbox.endpoint, "/_sandbox/reset", {})
    aws("s3").create_bucket(
        Bucket="founder-cloudtrail-123456789012"
    )  # old code: InternalFailure (RecursionError)
    assert [b["Name"] for b in aws("s3").list_buckets()["Buckets"]] == [
        "founder-cloudtrail-123456789012"
    ]


def test_any_client_region_works(aws) -> None:
    assert aws("sts", region="ap-southeast-7").get_caller_identity()["Account"] == "123456789012"
    assert aws("iam", region="eu-central-2").list_roles()["Roles"] == []


def test_unsupported_operation_fails_fast(aws) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        aws("controltower").list_control_operations()
    assert info.value.response["Error"]["Code"] == "NotImplemented"


def test_cli_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--faults", "throttle=2"]) == 2
    assert "throttle=2" in capsys.readouterr().err
    assert main(["--faults", "deny=CreateAccount"]) == 2
    assert "deny=CreateAccount" in capsys.readouterr().err
    assert main(["--seed", "weird"]) == 2
    err = capsys.readouterr().err
    assert "weird" in err and err.count("\n") == 1
    assert main(["--port", "-1"]) == 2


def test_cli_subprocess_serves_and_exits_cleanly() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bootstrap_tui.sandbox", "--port", "0", "--seed", "fresh"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("endpoint: http://127.0.0.1:"), line
        endpoint = line.split(" ", 1)[1].strip()
        status, info = control(endpoint, "/_sandbox/info")
        assert status == 200 and info["sandbox"] is True
        sts = boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name="us-east-1",
            **{
                k.lower(): v
                for k, v in client_environment(endpoint).items()
                if k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
            },
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
