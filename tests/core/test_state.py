"""The state file: atomic writes, locking, corrupt/future files, no secrets."""

from __future__ import annotations

import os
import random
import select
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from bootstrap_tui.errors import StateError
from bootstrap_tui.state import SCHEMA_VERSION, StateStore, find_secrets, read_state_file


def test_new_state_is_written_0600_with_schema_version(tmp_path):
    path = tmp_path / "state.yaml"
    with StateStore(path) as store:
        store.set_status("organization", "applied")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = read_state_file(path)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["steps"]["organization"]["status"] == "applied"


def test_second_run_is_refused_while_the_first_holds_the_lock(tmp_path):
    path = tmp_path / "state.yaml"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from bootstrap_tui.state import StateStore
            store = StateStore({str(path)!r}).open()
            print("locked", flush=True)
            time.sleep(30)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StateError) as err:
            StateStore(path).open()
        assert "another bootstrap-tui run" in str(err.value)
        assert str(holder.pid) in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    with StateStore(path) as store:  # the lock dies with its holder
        assert store.data["steps"] == {}


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "is empty"),
        (b"steps: [unclosed\n", "state.yaml:2: invalid YAML"),
        (b"- just\n- a list\n", "expected a mapping"),
        (b"schema_version: 99\nsteps: {}\n", "newer bootstrap-tui"),
        (b"steps: {}\n", "no valid schema_version"),
        (b"schema_version: 1\nsteps: [1, 2]\n", "'steps' should be a dict"),
        (b"\xff\xfe\x00garbage", "state.yaml:1: byte 0xff at column 1 is not valid UTF-8"),
        (
            b"schema_version: 1\nsteps:\n  organization: nope\n",
            "steps.organization should be a mapping",
        ),
        (b"schema_version: 1\nsteps: {}\nsteps: {}\n", "state.yaml:3: steps: duplicate key"),
        (b"schema_version: 1\nx: !!python/object:os.system {}\n", "state.yaml:2: x: tag !!python"),
    ],
)
def test_bad_state_files_are_reported_and_left_untouched(tmp_path, content, expected):
    path = tmp_path / "state.yaml"
    path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StateError) as err:
        StateStore(path).open()
    assert expected in str(err.value)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before
    assert not (tmp_path / "state.yaml.bak").exists()


def test_lock_is_released_after_a_load_error(tmp_path):
    path = tmp_path / "state.yaml"
    path.write_bytes(b"schema_version: 99\n")
    with pytest.raises(StateError):
        StateStore(path).open()
    path.write_bytes(b"schema_version: 1\nsteps: {}\n")
    with StateStore(path) as store:
        assert store.exists


def test_older_schema_keeps_a_backup_before_migration(tmp_path):
    path = tmp_path / "state.yaml"
    path.write_text("schema_version: 0\nsteps: {}\n")
    with StateStore(path) as store:
        store.save()
    assert (tmp_path / "state.yaml.bak").read_text() == "schema_version: 0\nsteps: {}\n"
    assert read_state_file(path)["schema_version"] == SCHEMA_VERSION


def test_credentials_never_reach_the_file(tmp_path):
    path = tmp_path / "state.yaml"
    with StateStore(path) as store:
        store.facts("x")["note"] = "key AKIAIOSFODNN7EXAMPLE leaked"
        store.facts("x")["password"] = "hunter2"
        store.save()
    text = path.read_text()
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "hunter2" not in text
    assert find_secrets(read_state_file(path)) == []


def test_in_flight_operations_are_on_disk_before_returning(tmp_path):
    path = tmp_path / "state.yaml"
    with StateStore(path) as store:
        store.record_operation("accounts", "create:audit", "car-123", email="a@example.com")
        assert (
            read_state_file(path)["steps"]["accounts"]["operations"]["create:audit"]["id"]
            == "car-123"
        )
        store.clear_operation("accounts", "create:audit")
    assert read_state_file(path)["steps"]["accounts"]["operations"] == {}


WRITER = textwrap.dedent("""
    import sys
    from bootstrap_tui.state import StateStore
    store = StateStore(sys.argv[1], lock=False).open()
    i = store.data.get("counter", 0)
    blob = "x" * 200_000
    announced = False
    while True:
        i += 1
        store.data["counter"] = i
        store.data["blob"] = blob + str(i)
        store.save()
        if not announced:
            print("saved", flush=True)
            announced = True
""")


def _wait_for_line(proc: subprocess.Popen, timeout: float) -> str:
    """The writer's first stdout line ("saved" after its first complete save)."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


def test_writer_killed_mid_write_leaves_old_or_new_file_never_partial(tmp_path):
    path = tmp_path / "state.yaml"
    rng = random.Random(7)
    last = 0
    for round_ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        try:
            # Kill only once this writer has saved at least once, however slow the machine:
            # every round then has to move the counter forward.
            assert _wait_for_line(proc, timeout=60) == "saved", (
                f"round {round_}: writer never saved"
            )
            time.sleep(rng.random() * 0.3)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        data = read_state_file(path)
        assert data["blob"] == "x" * 200_000 + str(data["counter"])
        assert data["counter"] > last, (
            f"round {round_}: the counter went from {last} to {data['counter']}"
        )
        last = data["counter"]
    names = sorted(p.name for p in tmp_path.iterdir())
    leftovers = [n for n in names if n.endswith(".tmp")]
    assert [n for n in names if n not in leftovers] == [
        "state.yaml",
        "state.yaml.bak",
        "state.yaml.rwlock",
    ]
    assert len(leftovers) <= 10  # at most one orphan temp file per kill, never the state itself


def test_temp_files_left_by_a_killed_save_are_removed_on_the_next_open(tmp_path):
    path = tmp_path / "state.yaml"
    with StateStore(path) as store:
        store.save()
    leftover = tmp_path / ".state.yaml.abc123.tmp"
    leftover.write_text("schema_version: 1\nhalf a sa")
    unrelated = tmp_path / ".other.yaml.abc123.tmp"
    unrelated.write_text("not ours")
    with StateStore(path) as store:
        assert store.exists
    assert not leftover.exists()
    assert unrelated.exists()
