"""The persistent sandbox of `bootstrap-tui --sandbox`: its fake AWS and its state file live
in the user's data directory, so every run (wizard, --plain, each subcommand) resumes.

One process at a time holds it (an exclusive lock on ``sandbox.lock``). Its snapshot is
written before every save of the state file, so after a crash the fake AWS is never
behind the progress the state file records (as with real AWS, it may be ahead), and
again when the process stops.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

from bootstrap_tui.errors import ConfigError, StateError

from .persist import SnapshotError, sandbox_home
from .server import Sandbox

SNAPSHOT = "aws.pickle"
STATE = "state.yaml"
LOCK = "sandbox.lock"


def state_path() -> Path:
    return sandbox_home() / STATE


def _hold_lock(home: Path) -> int:
    """Take the sandbox's exclusive lock (ConfigError, exit 2, while another run holds it)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(
            "the sandbox is in use by another bootstrap-tui --sandbox run",
            "close that one first; one run at a time keeps the sandbox",
        ) from None
    return fd


class PersistentSandbox(Sandbox):
    """The sandbox kept under ``sandbox_home()``; ``start()`` restores or seeds it."""

    def __init__(self, **kwargs: Any) -> None:
        self.home = sandbox_home()
        super().__init__(seed="fresh", snapshot=self.home / SNAPSHOT, **kwargs)
        self._lock_fd: int | None = None

    def start(self) -> str:
        from bootstrap_tui import state

        if self._lock_fd is None:
            self._lock_fd = _hold_lock(self.home)
        try:
            endpoint = super().start()
        except SnapshotError as exc:
            self._release()
            raise ConfigError(
                f"cannot resume the sandbox: {exc}",
                "start over with: bootstrap-tui sandbox --reset",
            ) from None
        except BaseException:
            self._release()
            raise
        state.BEFORE_SAVE.append(self._save_before_state)
        return endpoint

    def stop(self) -> None:
        from bootstrap_tui import state

        if self._save_before_state in state.BEFORE_SAVE:
            state.BEFORE_SAVE.remove(self._save_before_state)
        try:
            super().stop()
        finally:
            self._release()

    def _save_before_state(self) -> None:
        try:
            self.save()
        except OSError as exc:
            raise StateError(
                f"cannot save the sandbox in {self.home}: {exc.strerror or exc}",
                "free some space, then run again",
            ) from None

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def reset() -> str:
    """Forget the persistent sandbox (its fake AWS and its state file); what to tell the user."""
    home = sandbox_home()
    if not home.exists():
        return f"nothing to reset: no sandbox in {home}"
    fd = _hold_lock(home)
    try:
        for path in home.iterdir():
            if path.name != LOCK and path.is_file():
                path.unlink()
    finally:
        os.close(fd)
    return f"sandbox reset: the next --sandbox run starts from a new, empty management account ({home})"
