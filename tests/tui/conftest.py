"""Fixtures for the wizard tests: apps on the throwaway step set (tests/tui/fakes.py)."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any
from collections.abc import Callable

import pytest

from bootstrap_tui.engine import Options
from bootstrap_tui.tui.app import BootstrapApp
from tests.tui.fakes import Cloud, FakeEngine


TEST_TIMEOUT = 240.0


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests in a fresh event loop (no pytest-asyncio needed); a test that
    hangs fails after TEST_TIMEOUT seconds with the await it was stuck in."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(asyncio.wait_for(pyfuncitem.obj(**args), TEST_TIMEOUT))
        return True
    return None


@pytest.fixture
def cloud() -> Cloud:
    return Cloud()


@pytest.fixture
def state_file(tmp_path):
    return tmp_path / "state.yaml"


@pytest.fixture
def make_app(cloud, state_file) -> Callable[..., BootstrapApp]:
    def make(**kw: Any) -> BootstrapApp:
        options = Options(state_file=state_file, endpoint_url="http://127.0.0.1:1")
        sandbox = kw.pop("sandbox", True)
        use_cloud = kw.pop("cloud", cloud)
        return quiet(
            BootstrapApp(
                options,
                sandbox=sandbox,
                list_aws_profiles=kw.pop("list_aws_profiles", False),
                engine_factory=lambda o: FakeEngine.connected(o, use_cloud, sandbox=sandbox),
                **kw,
            )
        )

    return make


def quiet(app: BootstrapApp) -> BootstrapApp:
    """No animations: Pilot waits for them to finish after every key, and a scroll
    animation of a widget that was replaced meanwhile can keep it waiting forever."""
    app.animation_level = "none"
    return app


async def wait_for(
    pilot, predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition"
) -> float:
    """Pump the app until predicate() holds; returns the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; {_app_state(pilot.app)}"
            )
        await pilot.pause(0.02)
    return time.monotonic() - started


def _app_state(app) -> str:
    """What the app was doing, for a timeout's message (which screen, what it told the user)."""
    notes = [n.message for n in getattr(app, "_notifications", [])]
    return (
        f"screen {type(app.screen).__name__}, focused {type(app.focused).__name__}, "
        f"applying {getattr(app, 'applying', None)!r}, errors {getattr(app, 'errors', [])[-3:]}, "
        f"notifications {notes[-5:]}"
    )


async def click(pilot, selector: str) -> None:
    """Scroll the widget into view (small terminals), then click it like a user.

    A screen may still be scrolling itself (Welcome scrolls to its identity panel after
    connecting), so a click that lands outside the screen is scrolled and tried again."""
    from textual.pilot import OutOfBounds

    widget = pilot.app.screen.query_one(selector)
    for _ in range(50):
        widget.scroll_visible(animate=False)
        await pilot.pause()
        try:
            await pilot.click(selector)
            return
        except OutOfBounds:
            await pilot.pause(0.05)
    raise AssertionError(f"{selector} was never inside the screen to be clicked")


class Recorder:
    """Collects the wizard's messages (run_test(message_hook=...))."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def __call__(self, message: Any) -> None:
        if type(message).__module__ == "bootstrap_tui.tui.messages":
            self.messages.append(message)

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    def names(self) -> list[str]:
        return [type(m).__name__ for m in self.messages]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test reads the developer's ~/.aws or writes outside tmp."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BOOTSTRAP_TUI_LOG", str(tmp_path / "log.txt"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


class KeyLatency:
    """Times key -> sidebar highlight from the app's own message stream
    (run_test(message_hook=...)), excluding Pilot's wait-for-idle after a key."""

    def __init__(self) -> None:
        self.highlights: list[float] = []

    def __call__(self, message: Any) -> None:
        from textual.widgets import ListView

        if isinstance(message, ListView.Highlighted):
            self.highlights.append(time.monotonic())

    async def press(self, pilot, key: str) -> float:
        count = len(self.highlights)
        started = time.monotonic()
        await pilot.press(key)
        await wait_for(
            pilot, lambda: len(self.highlights) > count, timeout=5, what=f"highlight after {key}"
        )
        return self.highlights[count] - started
