"""Locks between runs (issue 16, item 6; issue 15, item 6).

- Two applies on one account through two state files: the second is refused, naming the
  first (its process and state file); the first finishes and nothing exists twice.
- Readers beside a writer: status, plan, verify and export run while an apply holds the
  state file, never see a half-written state, and write nothing into it.
- The account lock keeps the deleted-lock-file protection of the state lock.
Real processes against an in-process sandbox whose long operations take 0.3 s, so a full
apply lasts long enough for the other process to meet it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from collections.abc import Iterator

import boto3
import pytest

from bootstrap_tui.errors import EXIT_USAGE, StateError
from bootstrap_tui.sandbox.testing import client_environment, running_sandbox
from bootstrap_tui.state import AccountLock, StateStore, read_state_file

APPLY = ("apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails")
CLI = str(Path(sys.executable).with_name("bootstrap-tui"))


@pytest.fixture(scope="module")
def box() -> Iterator[object]:
    with running_sandbox(op_delay_s=0.3) as sandbox:
        yield sandbox


@pytest.fixture
def cli_env(box, tmp_path) -> dict[str, str]:
    """One user (one HOME and user state directory) for every process of a test."""
    box.reset(seed="fresh")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOOTSTRAP_TUI_"))}
    env.update(client_environment(box.endpoint))
    env.update(
        HOME=str(tmp_path),
        XDG_STATE_HOME=str(tmp_path / "xdg-state"),
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def start(env: dict[str, str], state: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CLI, "--state-file", str(state), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock(state: Path, pid: int, timeout: float = 120) -> None:
    lock = state.with_name(state.name + ".lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never took the lock {lock}")


def ou_paths(endpoint: str) -> list[str]:
    """Every OU of the sandbox's organization as a path of names (duplicates kept)."""
    org = boto3.client(
        "organizations",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    paths: list[str] = []
    todo = [(org.list_roots()["Roots"][0]["Id"], "")]
    while todo:
        parent, prefix = todo.pop()
        for page in org.get_paginator("list_organizational_units_for_parent").paginate(
            ParentId=parent
        ):
            for ou in page["OrganizationalUnits"]:
                paths.append(f"{prefix}/{ou['Name']}")
                todo.append((ou["Id"], f"{prefix}/{ou['Name']}"))
    return paths


@pytest.mark.slow
def test_a_second_apply_on_the_same_account_with_another_state_file_is_refused(
    box, cli_env, tmp_path
):
    first_state, second_state = tmp_path / "a" / "state.yaml", tmp_path / "b" / "state.yaml"
    first = start(cli_env, first_state, *APPLY)
    try:
        wait_for_lock(first_state, first.pid)
        second = start(cli_env, second_state, *APPLY)
        out, err = second.communicate(timeout=120)
        assert first.poll() is None, "the first apply ended before the second one was refused"
    finally:
        _, first_err = first.communicate(timeout=900)
    account = read_state_file(first_state)["management_account_id"]
    assert second.returncode == EXIT_USAGE, err
    assert err.startswith(
        f"bootstrap-tui: another bootstrap-tui run (process {first.pid}, state "
        f"file {first_state}) is changing account {account} at {box.endpoint}\n"
    ), err
    assert "Traceback" not in err and "==>" not in err and out == ""
    assert not second_state.exists()
    assert first.returncode == 0, first_err[-2000:]
    paths = ou_paths(box.endpoint)
    assert paths and len(paths) == len(set(paths)), paths


@pytest.mark.slow
def test_readers_run_beside_an_apply_and_never_see_half_a_state(box, cli_env, tmp_path):
    state = tmp_path / "state.yaml"
    writer = start(cli_env, state, *APPLY)
    try:
        wait_for_lock(state, writer.pid)
        while not state.exists():
            time.sleep(0.05)
        reads = 0
        results = {}
        for args in (
            ("status",),
            ("plan", "--format", "json"),
            ("verify", "--format", "json"),
            ("export", "--format", "json"),
        ):
            out, err = tmp_path / f"{args[0]}.out", tmp_path / f"{args[0]}.err"
            with out.open("w") as out_file, err.open("w") as err_file:
                reader = subprocess.Popen(
                    [CLI, "--state-file", str(state), *args],
                    env=cli_env,
                    stdout=out_file,
                    stderr=err_file,
                    text=True,
                )
                while reader.poll() is None:  # meanwhile, read the file as often as possible
                    read_state_file(state)  # StateError on a half-written file
                    reads += 1
            results[args[0]] = (reader.returncode, out.read_text(), err.read_text())
        assert writer.poll() is None, "the apply ended before the readers did: nothing was tested"
    finally:
        _, writer_err = writer.communicate(timeout=900)
    assert writer.returncode == 0, writer_err[-2000:]
    assert reads > 20
    for command, (code, _out, err) in results.items():
        assert "holds the state file" not in err.split("note:")[0], (command, err)
        assert "Traceback" not in err, (command, err)
        assert code in ((0, 1) if command == "verify" else (0,)), (command, code, err)
    assert results["status"][1].startswith(f"state file: {state}\n")
    assert json.loads(results["plan"][1])["plans"]
    assert json.loads(results["verify"][1])["results"]
    assert json.loads(results["export"][1])["kind"] == "bootstrap-tui/checklist"
    verify_err = results["verify"][2]
    assert (
        f"bootstrap-tui: note: the evidence of this run was not recorded: another "
        f"bootstrap-tui run (process {writer.pid}) holds the state file {state}; run verify "
        "again once that run has finished" in verify_err
    )
    # the apply's own saves were not overwritten by a reader's stale copy
    assert read_state_file(state)["steps"]["security-services"]["status"] == "applied"


def test_a_reading_store_saves_only_when_it_can_claim_the_unchanged_file(tmp_path):
    path = tmp_path / "state.yaml"
    with StateStore(path) as writer:
        writer.data["profile"] = "soc2"
        writer.save()
        reader = StateStore(path, shared=True).open()  # beside the writer: no refusal
        assert reader.data["profile"] == "soc2"
        reader.data["profile"] = "stale"
        reader.save()
        assert reader.unsaved.startswith("another bootstrap-tui run (process ")
        writer.data["profile"] = "pci-dss"
        writer.save()
    assert read_state_file(path)["profile"] == "pci-dss"
    reader.save()  # the writer is gone, but the file changed since the reader read it
    assert reader.unsaved == f"the state file {path} changed since this run read it"
    reader.close()
    assert read_state_file(path)["profile"] == "pci-dss"
    with StateStore(path, shared=True) as fresh:
        fresh.data["profile"] = "iso27001"
        fresh.save()
        assert fresh.unsaved is None
        with pytest.raises(StateError, match="another bootstrap-tui run .* holds the state file"):
            StateStore(path).open()  # a claiming reader holds the lock until it closes
    assert read_state_file(path)["profile"] == "iso27001"


def test_deleting_the_account_lock_does_not_let_a_second_run_in(tmp_path):
    first = AccountLock("123456789012", tmp_path / "a.yaml")
    first.acquire()
    try:
        with pytest.raises(
            StateError,
            match=rf"process {os.getpid()}, state file "
            rf"{tmp_path / 'a.yaml'}\) is changing account",
        ):
            AccountLock("123456789012", tmp_path / "b.yaml").acquire()
        os.unlink(first.path)
        with pytest.raises(
            StateError,
            match="account lock .* is missing and another "
            "bootstrap-tui run is using account 123456789012",
        ):
            AccountLock("123456789012", tmp_path / "b.yaml").acquire()
        other = AccountLock("210987654321", tmp_path / "c.yaml")
        other.acquire()  # another account is free
        other.release()
    finally:
        first.release()
    again = AccountLock("123456789012", tmp_path / "b.yaml")
    again.acquire()  # alone, the missing lock file is re-created
    again.release()


def test_the_account_lock_is_per_endpoint_behind_a_custom_endpoint(tmp_path):
    """Two sandboxes share the account id 123456789012 but not the account: runs against
    different endpoints never wait for each other; two runs against one endpoint do."""
    first = AccountLock("123456789012", tmp_path / "a.yaml", "http://127.0.0.1:5001")
    first.acquire()
    try:
        with pytest.raises(
            StateError, match=r"is changing account 123456789012 at http://127\.0\.0\.1:5001"
        ):
            AccountLock("123456789012", tmp_path / "b.yaml", "http://127.0.0.1:5001/").acquire()
        other = AccountLock("123456789012", tmp_path / "c.yaml", "http://127.0.0.1:5002")
        other.acquire()
        other.release()
        real = AccountLock("123456789012", tmp_path / "d.yaml")  # real AWS: the account itself
        real.acquire()
        real.release()
    finally:
        first.release()
