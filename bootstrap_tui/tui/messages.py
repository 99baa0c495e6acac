"""Messages that workers post to the app. Tests assert on them (run_test(message_hook=...)).

Workers never touch widgets: they call the engine and post one of these; the app's
handlers update the screens on the UI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from bootstrap_tui.engine import Engine


class WizardMessage(Message):
    """Base class of every worker-to-UI message."""


class ProfilesListed(WizardMessage):
    def __init__(self, aws_profiles: list[str]) -> None:
        super().__init__()
        self.aws_profiles = aws_profiles


class Connecting(WizardMessage):
    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class Connected(WizardMessage):
    """The engine is connected: identity known, state file open."""

    def __init__(
        self, engine: Engine, *, resumed: bool = False, propose: str | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.resumed = resumed
        self.propose = propose  # a baseline profile the user picked that would change steps


class ProfileSwitched(WizardMessage):
    """The engine now uses another baseline profile (profile_change.switch_profile)."""

    def __init__(self, change: dict[str, Any]) -> None:
        super().__init__()
        self.change = change


class PlanReady(WizardMessage):
    def __init__(self, step_id: str, plan: Any, *, then_apply: bool = False) -> None:
        super().__init__()
        self.step_id = step_id
        self.plan = plan
        self.then_apply = then_apply


class ApplyStarted(WizardMessage):
    def __init__(self, step_id: str, *, resumed: bool = False) -> None:
        super().__init__()
        self.step_id = step_id
        self.resumed = resumed


class ApplyProgress(WizardMessage):
    """A progress line from the engine (engine.progress_listeners, worker thread)."""

    def __init__(self, step_id: str, text: str, done: int | None, total: int | None) -> None:
        super().__init__()
        self.step_id = step_id
        self.text = text
        self.done = done
        self.total = total


class ApplyDone(WizardMessage):
    def __init__(self, step_id: str, plan: Any, status: str) -> None:
        super().__init__()
        self.step_id = step_id
        self.plan = plan
        self.status = status


class VerifyStarted(WizardMessage):
    def __init__(self, step_ids: list[str] | None) -> None:
        super().__init__()
        self.step_ids = step_ids


class VerifyResult(WizardMessage):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class VerifyDone(WizardMessage):
    def __init__(self, step_ids: list[str] | None, run: Any) -> None:
        super().__init__()
        self.step_ids = step_ids
        self.run = run


class ConsoleSimulated(WizardMessage):
    def __init__(self, step_id: str, facts: dict[str, Any]) -> None:
        super().__init__()
        self.step_id = step_id
        self.facts = facts


class ExportDone(WizardMessage):
    def __init__(self, path: str, fmt: str, warnings: list[str] | None = None) -> None:
        super().__init__()
        self.path = path
        self.fmt = fmt
        self.warnings = warnings or []  # evidence the export could not show, and why


class OperationFinished(WizardMessage):
    """A worker finished (successfully or not); the busy indicator can go."""

    def __init__(self, kind: str, step_id: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.step_id = step_id


class Failed(WizardMessage):
    """Any worker failure. `error` is a BootstrapError (or, for bugs, another exception)."""

    def __init__(self, error: BaseException, *, kind: str, step_id: str | None = None) -> None:
        super().__init__()
        self.error = error
        self.kind = kind
        self.step_id = step_id
