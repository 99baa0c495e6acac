"""Command-line misuse gets a one-line error and exit code 2; --help is useful."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bootstrap_tui.cli import main

CLI = [sys.executable, "-m", "bootstrap_tui"]


def run(*args, **kwargs):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, **kwargs)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["verify", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["verify", "--max-workers", "many"], "expected a whole number"),
        (["sandbox", "--port"], "expected one argument"),
        (["--region", "moon-1"], "is not an AWS region code"),
        (["--endpoint-url", "ftp://x"], "expected an http(s):// URL"),
        (["export", "--framework", "hipaa"], "invalid choice: 'hipaa'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_misuse_is_one_line_and_exit_2(args, needle):
    result = run(*args)
    assert result.returncode == 2
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith("usage:")
    ]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_help_lists_every_command_and_the_exit_codes():
    result = run("--help")
    assert result.returncode == 0
    for command in ("status", "plan", "apply", "verify", "export", "sandbox"):
        assert command in result.stdout
    assert "4 steps not set up yet" in result.stdout


def test_each_subcommand_has_help():
    for command in ("status", "plan", "apply", "verify", "export", "sandbox"):
        result = run(command, "--help")
        assert result.returncode == 0, command
        assert "usage: bootstrap-tui " + command in result.stdout


def test_sandbox_and_endpoint_conflict(capsys):
    code = main(["--sandbox", "--endpoint-url", "http://127.0.0.1:1", "status"])
    assert code == 2
    assert "--sandbox and --endpoint-url cannot be used together" in capsys.readouterr().err


def test_unreachable_endpoint_is_exit_3_with_the_endpoint_named(tmp_path):
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    result = run(
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--state-file",
        str(tmp_path / "s.yaml"),
        "status",
        env=env,
    )
    assert result.returncode == 3, result.stderr
    assert "127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr
