"""`verify -o` / `export -o` write where they are told without replacing what they must not
(issue 16, item 1): a device or FIFO is written in place, a symlink is written through, the
state file and its companions are refused (exit 2), and a bad -o is refused before any check."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from conftest import APPLY, isolated_env, read_state, reset_sandbox, run_cli

pytestmark = pytest.mark.slow
STEPS = ("--step", "management-account", "--step", "root-mfa")


@pytest.fixture(scope="module")
def applied(sandbox, tmp_path_factory):
    """Two quick steps applied; returns (env, state file)."""
    reset_sandbox(sandbox)
    home = tmp_path_factory.mktemp("output")
    env = isolated_env(home, sandbox.endpoint)
    state = home / "state.yaml"
    result = run_cli("--state-file", str(state), *APPLY, *STEPS, env=env)
    assert result.returncode == 0, result.stderr
    return env, state


def verify(applied, *extra: str):
    env, state = applied
    return run_cli(
        "--state-file",
        str(state),
        "verify",
        "--step",
        "root-mfa",
        "--format",
        "json",
        *extra,
        env=env,
    )


def null_device(tmp_path: Path) -> Path:
    """A character device to write to. As root, a private copy of /dev/null (major 1,
    minor 3) in tmp_path: the old code replaced its -o with a regular file, and running
    this test on it as root must not destroy the real /dev/null. Otherwise /dev/null,
    which a non-root process cannot replace."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    node.chmod(0o666)  # mknod applies the umask
    return node


def test_a_device_stays_a_character_device(applied, tmp_path):
    device = null_device(tmp_path)
    result = verify(applied, "-o", str(device))
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert stat.S_IMODE(os.stat(device).st_mode) == 0o666
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_is_written_not_replaced(applied, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    env, state = applied
    result = run_cli(
        "--state-file", str(state), "export", "--format", "json", "-o", str(fifo), env=env
    )
    reader.join(30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].lstrip().startswith(b"{")


def test_symlink_is_written_through_and_kept(applied, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = verify(applied, "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().lstrip().startswith("{")


@pytest.mark.parametrize(
    "companion, what",
    [
        ("state.yaml", "the state file"),
        ("state.yaml.lock", "the state lock file"),
        ("state.evidence.json", "the evidence file"),
        ("state.yaml.bak", "the state backup"),
    ],
)
@pytest.mark.parametrize("command", ["verify", "export"])
def test_state_file_and_companions_are_refused(applied, companion, what, command, tmp_path):
    env, state = applied
    target = state.with_name(companion)
    before = target.read_bytes() if target.exists() else None
    link = tmp_path / "sneaky"
    link.symlink_to(target)
    for out in (target, link):
        result = run_cli("--state-file", str(state), command, "-o", str(out), env=env)
        assert result.returncode == 2, result.stderr
        assert f"refusing to write the report over {what} {target}" in result.stderr
        assert "Traceback" not in result.stderr
    after = target.read_bytes() if target.exists() else None
    if companion.endswith(".lock"):  # each run writes its pid there, and nothing else
        assert after is None or after.strip().isdigit() or after == b""
    else:
        assert after == before
    read_state(state)


def test_bad_output_is_refused_before_the_checks_run(applied, tmp_path):
    env, state = applied
    history = len(read_state(state)["evidence_history"])
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = verify(applied, "-o", str(not_a_dir / "r.json"))
    assert result.returncode == 2, result.stderr
    assert f"cannot write {not_a_dir}/r.json: Not a directory" in result.stderr
    assert len(read_state(state)["evidence_history"]) == history
