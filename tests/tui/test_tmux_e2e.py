"""End to end in a real terminal: the installed `bootstrap-tui --sandbox` under tmux
(`python -m bootstrap_tui`, the same entry point, when the console script is not installed),
at 80x24, the smallest size the wizard supports.

Sends keys, reads the screen with capture-pane, completes the management-account step
(plan + confirm + apply + verify with the sandbox's demo defaults) and quits cleanly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux

ROOT = Path(__file__).resolve().parents[2]


def _command() -> list[str]:
    script = Path(sys.executable).parent / "bootstrap-tui"
    if script.exists():
        return [str(script)]
    found = shutil.which("bootstrap-tui")
    if found:
        return [found]
    # Not installed (a bare checkout): the same entry point, bootstrap_tui.cli:main.
    return [sys.executable, "-m", "bootstrap_tui"]


class Tmux:
    def __init__(self, name: str) -> None:
        self.name = name

    def capture(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        ).stdout

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} did not appear within {timeout}s; screen:\n{screen}")


@pytest.fixture
def tmux(tmp_path):
    if not shutil.which("tmux"):
        pytest.skip("tmux is not installed (.ci/run installs it)")
    name = f"bt-e2e-{uuid.uuid4().hex[:8]}"
    state = tmp_path / "state.yaml"
    command = " ".join(_command() + ["--sandbox", "--state-file", str(state)])
    env = (
        f"BOOTSTRAP_TUI_LOG={tmp_path / 'log.txt'} HOME={tmp_path} "
        f"AWS_CONFIG_FILE={tmp_path / 'aws-config'} TERM=xterm-256color"
    )
    shell = f"cd {ROOT} && env {env} {command}; echo __EXIT_$?__; sleep 60"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", shell], check=True
    )
    session = Tmux(name)
    session.state = state
    try:
        yield session
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_sandbox_wizard_completes_a_step_and_quits_cleanly(tmux):
    tmux.wait(r"Welcome to bootstrap-tui", timeout=20)
    screen = tmux.wait(r"Connected to account \d{12}", timeout=30)
    assert "SANDBOX" in screen
    tmux.send("Enter")  # "Continue" has the focus once connected
    screen = tmux.wait(r"0/\d+ verified", timeout=20)
    assert "to do" in screen  # status words, not colour alone
    tmux.send("a")  # plan, then the confirmation listing the changes
    deadline = time.monotonic() + 60
    confirmed = named = False
    while time.monotonic() < deadline:
        screen = tmux.capture()
        if re.search(r"1/\d+ verified", screen):
            break
        if not confirmed and re.search(r"Apply .+\?", screen):
            tmux.send("Enter")  # the Apply button has the focus
            confirmed = True
        time.sleep(0.1)
        if re.search(r"1\. Management account\s+☐ manual", screen):
            # manual items (done in the console by a human): tick each one, then verify
            tmux.send("m")
            time.sleep(0.3)
            tmux.send("Space")
            if not named:  # the first tick asks who is attesting, once
                tmux.wait(r"Who is attesting\?", timeout=10)
                tmux.send("-l", "Jane Doe, CTO")
                tmux.send("Enter")
                named = True
                time.sleep(0.3)
            if "No manual items left" in tmux.capture():
                tmux.send("v")
                time.sleep(1)
        elif re.search(r"1\. Management account\s+● applied", screen):
            tmux.send("v")  # every manual item ticked: verify the step
            time.sleep(1)
    else:
        raise AssertionError(f"management-account was not verified; screen:\n{screen}")
    assert "✔ verified" in screen
    tmux.send("C-q")
    tmux.wait(r"__EXIT_0__", timeout=20)
    from bootstrap_tui.state import read_state_file

    data = read_state_file(tmux.state)
    assert data["steps"]["management-account"]["status"] == "verified"
    named = [a.get("person") for a in data["attestations"].values() if not a.get("simulated")]
    assert all(person == "Jane Doe, CTO" for person in named), data["attestations"]


def _session(tmp_path: Path, *args: str) -> Tmux:
    """`bootstrap-tui ARGS` in a new 80x24 tmux session with HOME in `tmp_path`."""
    name = f"bt-e2e-{uuid.uuid4().hex[:8]}"
    env = (
        f"BOOTSTRAP_TUI_LOG={tmp_path / 'log.txt'} HOME={tmp_path} TMPDIR={tmp_path / 'tmp'} "
        f"AWS_CONFIG_FILE={tmp_path / 'aws-config'} TERM=xterm-256color"
    )
    shell = (
        f"cd {ROOT} && env {env} {' '.join(_command() + list(args))}; echo __EXIT_$?__; sleep 60"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", shell], check=True
    )
    return Tmux(name)


APPLIED_FIRST = r"1 Management account[^\n]*\n\s+(● applied|☐ manual)"


def _apply_management_account(tmux: Tmux) -> None:
    tmux.send("a")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        screen = tmux.capture()
        if re.search(APPLIED_FIRST, screen):
            return
        if re.search(r"Apply .+\?", screen):
            tmux.send("Enter")
        time.sleep(0.3)
    raise AssertionError(f"management-account was not applied; screen:\n{tmux.capture()}")


def test_the_readme_first_command_resumes_after_quitting(tmp_path):
    """Issue 15, item 2: `bootstrap-tui --sandbox`, one step applied, quit, start again: the
    same progress is there, the fake AWS kept what the step made, and no temp folder is left."""
    if not shutil.which("tmux"):
        pytest.skip("tmux is not installed (.ci/run installs it)")
    (tmp_path / "tmp").mkdir()
    first = _session(tmp_path, "--sandbox")
    try:
        first.wait(r"Connected to account \d{12}", timeout=60)
        first.send("Enter")
        first.wait(r"0/\d+ verified", timeout=30)
        _apply_management_account(first)
        first.send("C-q")
        first.wait(r"__EXIT_0__", timeout=30)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", first.name], capture_output=True)
    second = _session(tmp_path, "--sandbox")
    try:  # a returning user goes straight to the step screens
        second.wait(APPLIED_FIRST, timeout=90)
        second.send("C-q")
        second.wait(r"__EXIT_0__", timeout=30)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", second.name], capture_output=True)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path / "tmp"),
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    verify = subprocess.run(
        _command() + ["--sandbox", "verify", "--step", "management-account"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert re.search(r"PASS\s+mgmt\.account-alias", verify.stdout), verify.stdout + verify.stderr
    assert list((tmp_path / "tmp").iterdir()) == []


def test_plain_sandbox_quit_and_run_again_resumes(tmp_path):
    """Issue 15, item 2: `bootstrap-tui --sandbox --plain`, step 1 set up, quit at step 2,
    run again: step 1 keeps its progress instead of starting over at [1/10]."""
    if not shutil.which("tmux"):
        pytest.skip("tmux is not installed (.ci/run installs it)")
    (tmp_path / "tmp").mkdir()
    first = _session(tmp_path, "--sandbox", "--plain")
    try:
        first.wait(r"\[1/\d+\] Management account \(pending\)", timeout=90)
        deadline, answered = time.monotonic() + 240, ""
        while not re.search(r"\[2/\d+\]", screen := first.capture()):  # defaults everywhere
            assert time.monotonic() < deadline, screen
            # a prompt waits with the cursor after its text; output leaves it in column 0
            waiting = (
                subprocess.run(
                    ["tmux", "display", "-p", "-t", first.name, "#{cursor_x}"],
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                != "0"
            )
            if waiting and screen != answered:  # one Enter per prompt, never queued ahead
                first.send("Enter")
                answered = screen
            time.sleep(0.3)
        first.wait(r"\[2/\d+\][^\n]*\n(.*\n)*\? What now\?", timeout=30)
        first.send("Down", "Down", "Enter")  # Quit (progress is saved)
        first.wait(r"__EXIT_0__", timeout=60)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", first.name], capture_output=True)
    second = _session(tmp_path, "--sandbox", "--plain")
    try:
        screen = second.wait(r"\[1/\d+\] Management account(: verified| \(\S+\))", timeout=90)
        assert "(pending)" not in screen and "recorded in the state file" in screen, screen
        second.wait(r"What now\?", timeout=30)
        second.send("Down", "Down", "Enter")
        second.wait(r"__EXIT_0__", timeout=60)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", second.name], capture_output=True)
