"""Secrets never reach disk: a full CLI run on bootstrap keys from the keychain leaves no
access key id, secret key, session token or password in the state file, the evidence
file, the log, any verify report or any export; state and log are 0600.

The keychain is a real keyring backend kept in memory (tests/keyrings.py, also usable in a
subprocess through PYTHON_KEYRING_BACKEND=tests.keyrings.MemoryKeyring).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from bootstrap_tui.aws.keychain import store_bootstrap_keys
from bootstrap_tui.cli import main
from bootstrap_tui.sandbox.testing import client, running_sandbox
from bootstrap_tui.state import find_secrets, read_state_file
from tests.keyrings import MemoryKeyring

pytestmark = pytest.mark.slow

PASSWORD = "Bootstrap-Pa55word!-do-not-leak"
KEY_PATTERN = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}")
VERIFY_FORMATS = ("text", "json", "junit", "sarif", "md")
EXPORT_FORMATS = ("md", "csv", "json", "html", "answers")
QUICK_STEPS = ["--step", "management-account", "--step", "root-mfa", "--step", "bootstrap-cleanup"]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def issued_sts_credentials() -> list[str]:
    """Every access key id, secret and session token the sandbox's STS handed out."""
    from moto.sts.models import sts_backends

    found = []
    for account in list(sts_backends):
        for role in sts_backends[account]["aws"].assumed_roles:
            found += [role.access_key_id, role.secret_access_key, role.session_token]
    return found


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """The whole wizard applied, verified and exported on keychain keys; every output kept."""
    root = tmp_path_factory.mktemp("secrets")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    with pytest.MonkeyPatch.context() as mp, running_sandbox(op_delay_s=0.1) as sandbox:
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
        ):
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(root))
        mp.setenv("AWS_CONFIG_FILE", str(root / "no-config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(root / "no-credentials"))
        mp.setenv("BOOTSTRAP_TUI_LOG", str(root / "logs" / "bootstrap-tui.log"))
        iam = client(sandbox, "iam")
        iam.create_user(UserName="bootstrap")
        iam.attach_user_policy(
            UserName="bootstrap", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
        iam.create_login_profile(UserName="bootstrap", Password=PASSWORD)
        key = iam.create_access_key(UserName="bootstrap")["AccessKey"]
        store_bootstrap_keys(key["AccessKeyId"], key["SecretAccessKey"])
        base = [
            "--endpoint-url",
            sandbox.endpoint,
            "--use-keychain",
            "--state-file",
            str(root / "state" / "state.yaml"),
        ]
        (root / "reports").mkdir()
        outputs: dict[str, tuple[int, str, str]] = {}
        outputs["apply"] = run(
            [*base, "apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails"]
        )
        outputs["verify-stdout"] = run([*base, "verify", "--format", "json"])
        for fmt in VERIFY_FORMATS:  # every format, on the steps that handle the credentials
            outputs[f"verify-{fmt}"] = run(
                [
                    *base,
                    "verify",
                    *QUICK_STEPS,
                    "--format",
                    fmt,
                    "-o",
                    str(root / "reports" / f"verify.{fmt}"),
                ]
            )
        for fmt in EXPORT_FORMATS:
            outputs[f"export-{fmt}"] = run(
                [*base, "export", "--format", fmt, "-o", str(root / "reports" / f"export.{fmt}")]
            )
        outputs["plan"] = run([*base, "plan"])
        outputs["status"] = run([*base, "status"])
        secrets = {
            "bootstrap access key id": key["AccessKeyId"],
            "bootstrap secret key": key["SecretAccessKey"],
            "password": PASSWORD,
        }
        for index, value in enumerate(issued_sts_credentials()):
            secrets[f"sts credential {index}"] = value
        yield {"root": root, "outputs": outputs, "secrets": secrets, "key_id": key["AccessKeyId"]}
    keyring.set_keyring(previous)


def test_the_run_used_the_keychain_keys_and_assumed_roles(full_run):
    outputs = full_run["outputs"]
    assert outputs["apply"][0] == 0, outputs["apply"][2][-2000:]
    assert "bootstrap-cleanup" in outputs["apply"][2]
    assert "user/bootstrap" in outputs["status"][1]  # the actor is the keychain user
    assert sum(name.startswith("sts credential") for name in full_run["secrets"]) >= 3 * 4
    # the only failures left are the two that say the bootstrap user still exists
    code, stdout, _ = outputs["verify-stdout"]
    assert code == 1
    failing = set(
        re.findall(
            r'"check_id": "([^"]+)",\s*"step": "[^"]+",\s*"title": "[^"]+",\s*'
            r'"status": "FAIL"',
            stdout,
        )
    )
    assert failing == {"bootstrap-cleanup.keychain-empty", "bootstrap-cleanup.no-iam-users"}
    assert all(outputs[f"verify-{fmt}"][0] == 1 for fmt in VERIFY_FORMATS)
    assert all(outputs[f"export-{fmt}"][0] == 0 for fmt in EXPORT_FORMATS)


def test_no_secret_in_any_file_or_output(full_run):
    root: Path = full_run["root"]
    files = [p for p in root.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"state.yaml", "state.evidence.json", "bootstrap-tui.log"} <= names
    assert {f"verify.{f}" for f in VERIFY_FORMATS} | {
        f"export.{f}" for f in EXPORT_FORMATS
    } <= names
    texts = {
        str(p.relative_to(root)): p.read_text(encoding="utf-8", errors="replace") for p in files
    }
    for command, (_, stdout, stderr) in full_run["outputs"].items():
        texts[f"{command} stdout"] = stdout
        texts[f"{command} stderr"] = stderr
    leaks = [
        (where, what)
        for where, text in texts.items()
        for what, secret in full_run["secrets"].items()
        if secret and secret in text
    ]
    assert leaks == []
    shaped = [
        (where, m.group()) for where, text in texts.items() for m in KEY_PATTERN.finditer(text)
    ]
    assert shaped == []
    assert find_secrets(read_state_file(root / "state" / "state.yaml")) == []


def test_state_evidence_and_log_files_are_0600(full_run):
    root: Path = full_run["root"]
    for path in (
        root / "state" / "state.yaml",
        root / "state" / "state.evidence.json",
        root / "logs" / "bootstrap-tui.log",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "INFO bootstrap_tui: guardrails:" in (root / "logs" / "bootstrap-tui.log").read_text()


# ------------------------------------------------------------------ keychain failures, in a real process


def run_cli(args: list[str], tmp_path: Path, backend: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "PYTHON_KEYRING_BACKEND": backend,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "BOOTSTRAP_TUI_LOG": str(tmp_path / "log.txt"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bootstrap_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "backend, code, needle",
    [
        ("tests.keyrings.MemoryKeyring", 3, "no bootstrap keys are stored in the OS keychain"),
        (
            "tests.keyrings.LockedKeyring",
            3,
            "the OS keychain is not available (KeyringError: the keychain is locked)",
        ),
    ],
)
def test_keychain_problems_are_one_clear_message(tmp_path, backend, code, needle):
    result = run_cli(
        [
            "--use-keychain",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--state-file",
            str(tmp_path / "s.yaml"),
            "status",
        ],
        tmp_path,
        backend,
    )
    assert result.returncode == code, result.stderr
    assert result.stderr.startswith(f"bootstrap-tui: {needle}")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "s.yaml").exists()
