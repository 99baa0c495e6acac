"""An endpoint that does not answer is not silence: each retry says "attempt n of N", on the
command line and on the Welcome screen, before the connection error (issue 15, item 7)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from bootstrap_tui.engine import Options
from bootstrap_tui.tui.app import BootstrapApp
from bootstrap_tui.tui.messages import Connecting
from tests.tui.conftest import quiet, wait_for


def _closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_line_prints_each_attempt_then_the_connection_error(tmp_path):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_MAX_ATTEMPTS": "3",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bootstrap_tui",
            "status",
            "--endpoint-url",
            endpoint,
            "--state-file",
            str(tmp_path / "state.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    attempts = [line for line in lines if "retrying, attempt" in line]
    assert [a.rsplit("attempt ", 1)[1] for a in attempts] == ["2 of 3", "3 of 3"], result.stderr
    assert f"no answer from {endpoint} to GetCallerIdentity" in attempts[0]
    assert f"could not connect to {endpoint}" in result.stderr
    assert "Traceback" not in result.stderr


class _Recording(BootstrapApp):
    """The app, keeping what its Connecting messages said."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connecting: list[str] = []

    def on_connecting(self, message: Connecting) -> None:
        self.connecting.append(message.what)
        super().on_connecting(message)


async def test_the_welcome_screen_shows_each_attempt_before_the_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    options = Options(endpoint_url=endpoint, state_file=tmp_path / "state.yaml", max_attempts=3)
    app = quiet(_Recording(options, list_aws_profiles=False))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.errors, timeout=60, what="the connection error")
        retries = [text for text in app.connecting if "retrying" in text]
        assert [r.rsplit("attempt ", 1)[1] for r in retries] == ["2 of 3", "3 of 3"]
        assert app.connecting[0] == "Checking who you are…"
        shown = str(app.screen.query_one("#identity").render())
        assert f"could not connect to {endpoint}" in shown
        await pilot.press("ctrl+q")
    assert not (tmp_path / "state.yaml").exists()
