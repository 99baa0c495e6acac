"""The Textual wizard (harlequin style).

The app never holds step logic. Every blocking call (connect, plan, apply, verify,
export, the sandbox's console stand-ins) runs in a thread worker that calls the
engine and posts a message (messages.py); handlers here update the screens on the
UI thread, and every failure arrives as `Failed` and is shown in one place
(`show_error`) as a readable message with its hint, never a traceback.

An apply never blocks the wizard: `running` holds each step being applied (tui/background.py)
while the founder fills in, plans or attests other steps; applying a step that needs one of
them waits, saying for what; each apply's worker ends with one `OperationFinished`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from functools import partial
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

from textual import on, work
from textual.app import App
from textual.binding import Binding

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.errors import BootstrapError, ConfigError
from bootstrap_tui.tui.background import (
    Running,
    running_dependants,
    start_running,
    time_left,
    waiting_for,
)
from bootstrap_tui.tui.background import time_left_line as left_line
from bootstrap_tui.tui.commands import WizardCommands
from bootstrap_tui.tui.messages import (
    ApplyDone,
    ApplyProgress,
    ApplyStarted,
    Connected,
    Connecting,
    ConsoleSimulated,
    ExportDone,
    Failed,
    OperationFinished,
    PlanReady,
    ProfileSwitched,
    ProfilesListed,
    VerifyDone,
    VerifyResult,
    VerifyStarted,
)
from bootstrap_tui.tui.present import error_text
from bootstrap_tui.tui.widgets.operation import OperationPanel

log = logging.getLogger("bootstrap_tui")


def _default_engine(options: Options) -> Engine:
    from bootstrap_tui.engine import connect_engine

    return connect_engine(options)


def _default_sandbox() -> tuple[Any, str]:
    """The persistent sandbox (kept in the user's data directory between runs)."""
    from bootstrap_tui.sandbox.home import PersistentSandbox

    sandbox = PersistentSandbox()
    return sandbox, sandbox.start()


class BootstrapApp(App[int]):
    """bootstrap-tui's wizard. `engine_factory(options)` builds a connected engine (tests
    inject their own step set); `sandbox_factory()` starts a sandbox when the user picks one."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "bootstrap-tui"
    COMMANDS = App.COMMANDS | {WizardCommands}
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def __init__(
        self,
        options: Options,
        *,
        sandbox: bool = False,
        engine_factory: Callable[[Options], Engine] | None = None,
        sandbox_factory: Callable[[], tuple[Any, str]] | None = None,
        list_aws_profiles: bool = True,
    ) -> None:
        super().__init__()
        self.options = options
        self.sandbox = sandbox
        self.engine: Engine | None = None
        self.engine_factory = engine_factory or _default_engine
        self.sandbox_factory = sandbox_factory or _default_sandbox
        self.own_sandbox: Any = None
        self.list_aws_profiles = list_aws_profiles
        self.step_screen: Any = None
        self.dashboard: Any = None
        self.export_screen: Any = None
        self.welcome: Any = None
        self.last_full_run: Any = None
        self.running: dict[str, Running] = {}  # step id -> its apply, in the order they started
        self.verifying = False
        self.errors: list[tuple[str, str]] = []  # (kind, message) shown to the user
        self.applied: list[tuple[str, str]] = []  # (step id, status) of finished applies
        self._active = 0
        self._idle = threading.Condition()
        self.sub_title = self._where()

    # ------------------------------------------------------------------ start
    def on_mount(self) -> None:
        from bootstrap_tui.tui.screens.welcome import WelcomeScreen

        opts = self.options
        if self.sandbox:
            mode = "sandbox"
        elif opts.use_keychain:
            mode = "keys"
        else:
            mode = "profile"
        auto = bool(self.sandbox or opts.endpoint_url or opts.aws_profile or opts.use_keychain)
        self.welcome = WelcomeScreen(
            mode=mode,
            aws_profile=opts.aws_profile,
            baseline=opts.profile,
            auto_connect=auto,
            endpoint=None if self.sandbox else opts.endpoint_url,
        )
        self.push_screen(self.welcome)
        if self.list_aws_profiles:
            # botocore is heavy: list ~/.aws/config profiles after the first paint
            self.set_timer(0.5, self.aws_profiles_worker)

    @property
    def applying(self) -> str | None:
        """The step whose apply started last among those still running, None when none runs."""
        return next(reversed(self.running), None)

    def time_left_line(self) -> str:
        """The wizard's time remaining: AWS's typical waits along the unfinished steps."""
        engine = self.engine
        if engine is None:
            return ""
        plans = self.step_screen.plans if self.step_screen is not None else {}
        try:
            return left_line(time_left(engine, plans, self.running))
        except Exception:  # an estimate must never take the wizard down (it ticks each second)
            log.debug("no time-left estimate", exc_info=True)
            return ""

    def _live(self, screen: Any) -> bool:
        """True while `screen` is on the screen stack (not replaced or popped)."""
        return screen is not None and screen in self.screen_stack

    def _where(self) -> str:
        engine = self.engine
        if engine is None:
            return "not connected"
        account = f"account {engine.management_account_id}"
        baseline = f" · baseline {engine.profile.name}"
        if engine.sandbox_info is not None:
            return f"{account} · SANDBOX{baseline}"
        if engine.endpoint_url:
            return f"{account} · {engine.endpoint_url}{baseline}"
        profile = engine.options.aws_profile
        return f"{account} · AWS" + (f" ({profile})" if profile else "") + baseline

    # ------------------------------------------------------------------ worker bookkeeping
    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 15.0) -> bool:
        """Block until no worker is inside the engine (used on exit)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def _say_retrying(self, text: str) -> None:
        """AWS did not answer and the call is sent again (from a worker thread)."""
        self.post_message(Connecting(text))

    def _progress(self, step_id: str, message: str, done: int | None, total: int | None) -> None:
        # Called by the engine from worker threads; post_message is thread-safe.
        self.post_message(ApplyProgress(step_id, message, done, total))

    # ------------------------------------------------------------------ workers
    @property
    def connected(self) -> Engine:
        """The engine the workers use: there once Connected, else a clear error."""
        if self.engine is None:
            raise ConfigError("not connected to AWS yet", "connect on the Welcome screen first")
        return self.engine

    @work(thread=True, group="aws-profiles", exit_on_error=False)
    def aws_profiles_worker(self) -> None:
        try:
            import botocore.session

            names = sorted(botocore.session.Session().available_profiles)
        except Exception:
            names = []
        self.post_message(ProfilesListed(names))

    @work(thread=True, group="connect", exit_on_error=False)
    def connect_worker(self, choices: dict[str, Any], old: Any, select: str | None) -> None:
        with self._tracked():
            try:
                if old is not None:
                    old.close()
                options = self.options
                if choices.get("mode") == "sandbox" and not options.endpoint_url:
                    self.post_message(Connecting("Starting the built-in sandbox…"))
                    self.own_sandbox, endpoint = self.sandbox_factory()
                    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
                    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
                    options.endpoint_url = endpoint
                    self.sandbox = True
                    if options.state_file is None:
                        from bootstrap_tui.sandbox.home import state_path

                        options.state_file = state_path()
                if choices.get("mode") == "keys":
                    key_id, secret = choices.get("key_id"), choices.get("secret")
                    if key_id or secret:
                        if not (key_id and secret):
                            raise ConfigError("enter both the access key id and the secret key")
                        from bootstrap_tui.aws.keychain import store_bootstrap_keys

                        store_bootstrap_keys(key_id, secret)
                    options.use_keychain = True
                    options.aws_profile = None
                elif choices.get("mode") == "profile":
                    options.aws_profile = choices.get("aws_profile")
                    options.use_keychain = False
                self.post_message(Connecting("Checking who you are…"))
                options.on_retry = self._say_retrying
                engine = self.engine_factory(options)
                engine.progress_listeners.append(self._progress)
                propose = self._take_choice(engine, choices.get("baseline"))
                self.post_message(Connected(engine, resumed=old is not None, propose=propose))
            except BaseException as exc:
                self.post_message(Failed(exc, kind="connect"))
            finally:
                self.post_message(OperationFinished("connect"))

    @staticmethod
    def _take_choice(engine: Engine, name: str | None) -> str | None:
        """The Welcome screen's baseline choice: taken at once when it changes no step (a new
        account), else returned so the user confirms the switch."""
        if not name or name == engine.profile.name:
            return None
        from bootstrap_tui.profile import load_profile
        from bootstrap_tui.profile_change import status_changes, switch_profile

        new = load_profile(name)
        if status_changes(engine, engine.profile, new):
            return name
        switch_profile(engine, new)
        engine.profile_change = None  # nothing was set up yet: nothing to announce
        return None

    @work(thread=True, group="profile", exit_on_error=False)
    def profile_worker(self, name: str) -> None:
        engine = self.connected
        with self._tracked():
            try:
                from bootstrap_tui.profile import load_profile
                from bootstrap_tui.profile_change import switch_profile

                self.post_message(ProfileSwitched(switch_profile(engine, load_profile(name))))
            except BaseException as exc:
                self.post_message(Failed(exc, kind="profile"))

    @work(thread=True, group="plan", exit_on_error=False)
    def plan_worker(self, step_id: str, then_apply: bool) -> None:
        with self._tracked():
            try:
                plan = self.connected.plan(step_id)
                self.post_message(PlanReady(step_id, plan, then_apply=then_apply))
            except BaseException as exc:
                self.post_message(Failed(exc, kind="plan", step_id=step_id))
            finally:
                self.post_message(OperationFinished("plan", step_id))

    @work(thread=True, group="apply", exit_on_error=False)
    def apply_worker(
        self, step_ids: list[str], plan: Any, confirmed: bool, resumed: bool = False
    ) -> None:
        from bootstrap_tui.aws import refuse_root

        engine = self.connected
        with self._tracked():
            for index, step_id in enumerate(step_ids):
                if engine.cancelled.is_set():
                    for left in step_ids[index:]:
                        self.post_message(OperationFinished("apply", left))
                    return
                self.post_message(ApplyStarted(step_id, resumed=resumed))
                try:
                    refuse_root(engine.identity)
                    done = engine.apply(step_id, plan, confirm_destructive=lambda p: confirmed)
                    self.post_message(ApplyDone(step_id, done, engine.state.status(step_id)))
                except BaseException as exc:
                    if not engine.cancelled.is_set():
                        self.post_message(Failed(exc, kind="apply", step_id=step_id))
                    for left in step_ids[index:]:
                        self.post_message(OperationFinished("apply", left))
                    return
                self._verify([step_id])
                self.post_message(OperationFinished("apply", step_id))

    @work(thread=True, group="verify", exit_on_error=False)
    def verify_worker(self, step_ids: list[str] | None) -> None:
        with self._tracked():
            self._verify(step_ids)
            self.post_message(OperationFinished("verify"))

    def _verify(self, step_ids: list[str] | None) -> None:
        engine = self.connected
        self.post_message(VerifyStarted(step_ids))
        try:
            run = engine.verify(
                step_ids, on_result=lambda result: self.post_message(VerifyResult(result))
            )
            self.post_message(VerifyDone(step_ids, run))
        except BaseException as exc:
            if not engine.cancelled.is_set():
                self.post_message(
                    Failed(exc, kind="verify", step_id=step_ids[0] if step_ids else None)
                )

    @work(thread=True, group="simulate", exit_on_error=False)
    def simulate_worker(self, step_id: str) -> None:
        engine = self.connected
        with self._tracked():
            try:
                if engine.sandbox_info is None:
                    raise ConfigError("console actions can only be simulated on the sandbox")
                ctx = engine.context(step_id)
                facts = ctx.sandbox_root(engine.management_account_id, mfa=True, access_keys=False)
                for item in engine.by_id[step_id].manual:
                    if not engine.state.attestation(item.id):
                        engine.attest(
                            item.id, "simulated console action on the sandbox", simulated=True
                        )
                self.post_message(ConsoleSimulated(step_id, facts))
                self._verify([step_id])
            except BaseException as exc:
                self.post_message(Failed(exc, kind="simulate", step_id=step_id))
            finally:
                self.post_message(OperationFinished("simulate", step_id))

    @work(thread=True, group="export", exit_on_error=False)
    def export_worker(self, fmt: str, frameworks: list[str] | None, path: str) -> None:
        with self._tracked():
            try:
                try:
                    from bootstrap_tui.report import write_atomic
                    from bootstrap_tui.report.export import export_text
                except ImportError:
                    raise ConfigError(
                        "export is not available in this build yet",
                        "use `bootstrap-tui export` once the report module is installed",
                    ) from None
                engine = self.connected
                text = export_text(engine, fmt, frameworks=frameworks)
                target = Path(path).expanduser().resolve()
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, text)
                from bootstrap_tui.report.evidence import evidence_problems

                warnings = (
                    []
                    if fmt == "answers"
                    else evidence_problems(engine.state.path, engine.state.data)
                )
                self.post_message(ExportDone(str(target), fmt, warnings))
            except BaseException as exc:
                self.post_message(Failed(exc, kind="export"))
            finally:
                self.post_message(OperationFinished("export"))

    # ------------------------------------------------------------------ requests from screens
    def start_connect(self, choices: dict[str, Any], *, select: str | None = None) -> None:
        if self.running:
            self.notify("Wait for the running apply to finish first.", severity="warning")
            return
        old, self.engine = self.engine, None
        self.connect_worker(choices, old, select)

    def switch_profile(self, name: str) -> None:
        """Ask, listing the steps the switch affects, then switch (an explicit act)."""
        engine = self.engine
        if engine is None or name == engine.profile.name:
            return
        if self.running or self.verifying:
            self.notify(
                "Wait for the running apply or verify to finish before switching profiles.",
                severity="warning",
            )
            return
        from bootstrap_tui.profile import load_profile
        from bootstrap_tui.profile_change import status_changes
        from bootstrap_tui.tui.screens.profile import ConfirmProfile

        if any(isinstance(screen, ConfirmProfile) for screen in self.screen_stack):
            return  # one question at a time: a second Select.Changed must not ask again
        try:
            changes = status_changes(engine, engine.profile, load_profile(name))
        except BootstrapError as exc:
            self.show_error(exc, kind="profile")
            return
        old = engine.profile.name

        def decided(ok: bool | None) -> None:
            if ok:
                self.profile_worker(name)
            else:
                self.notify(f"Still on the {old} profile.", title="Profile", timeout=3)
                if self._live(self.welcome):
                    self.welcome.show_baseline(engine)

        self.push_screen(ConfirmProfile(old, name, changes), decided)

    def start_plan(self, step_id: str, *, then_apply: bool = False) -> None:
        if self.engine is not None:
            self.notify(f"Planning {step_id}…", timeout=2)
            self.plan_worker(step_id, then_apply)

    def request_apply(self, step_id: str, plan: Any = None) -> None:
        if self.engine is None:
            return
        title = self.engine.by_id[step_id].title
        if step_id in self.running:
            self.notify(
                f"{title} is already being applied; its progress is in the sidebar.",
                title="Running in background",
                timeout=4,
            )
            return
        waits = waiting_for(self.engine, step_id, self.running)
        if waits:
            names = ", ".join(
                f"{self.running[sid].title} ({self.running[sid].line()})" for sid in waits
            )
            self.notify(
                f"{title} waits for {names}, still running in the background. Apply it once "
                "that has finished; meanwhile you can fill in, plan or attest other steps.",
                title=f"Waiting: {step_id}",
                severity="warning",
                timeout=8,
            )
            return
        users = running_dependants(self.engine, step_id, self.running)
        if users:
            names = ", ".join(self.running[sid].title for sid in users)
            self.notify(
                f"{names}, still running in the background, builds on {title}: apply it "
                "again once that has finished.",
                title=f"Waiting: {step_id}",
                severity="warning",
                timeout=8,
            )
            return
        if plan is None:
            self.start_plan(step_id, then_apply=True)
            return
        if plan.skipped or plan.converged:
            self.start_apply(step_id, plan, confirmed=False)
            return
        from bootstrap_tui.tui.screens.confirm import ConfirmApply

        def decided(ok: bool | None) -> None:
            if ok:
                self.start_apply(step_id, plan, confirmed=True)
            else:
                self.notify("Apply cancelled; nothing was changed.", timeout=3)

        self.push_screen(ConfirmApply(step_id, self.connected.by_id[step_id].title, plan), decided)

    def start_apply(
        self, step_id: str, plan: Any, *, confirmed: bool, resumed: bool = False
    ) -> None:
        self.running[step_id] = start_running(self.connected, step_id, plan)
        self.apply_worker([step_id], plan, confirmed, resumed)

    def start_verify(self, step_ids: list[str] | None) -> None:
        if self.engine is None:
            return
        if self.verifying:
            self.notify("A verification is already running.", timeout=3)
            return
        self.verifying = True
        self.verify_worker(step_ids)

    def start_simulate(self, step_id: str) -> None:
        self.simulate_worker(step_id)

    def start_export(self, fmt: str, frameworks: list[str] | None, path: str) -> None:
        self.export_worker(fmt, frameworks, path)

    # ------------------------------------------------------------------ navigation
    def open_steps(self, step_id: str | None = None) -> None:
        from bootstrap_tui.tui.screens.steps import StepScreen

        if self.engine is None:
            return
        if self.step_screen is None or self.step_screen.engine is not self.engine:
            self.step_screen = StepScreen(self.engine, select=step_id or self._where_to_start())
            self.switch_to_base(self.step_screen)
            return
        while len(self.screen_stack) > 1 and self.screen is not self.step_screen:
            self.pop_screen()
        if step_id:
            self.step_screen.select_step(step_id)

    def switch_to_base(self, screen: Any) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    def _where_to_start(self) -> str:
        rows = self.connected.status()
        for row in rows:
            if row["status"] == "in-progress":
                return row["id"]
        for row in rows:
            if row["status"] not in ("verified", "skipped"):
                return row["id"]
        return rows[0]["id"]

    def open_dashboard(self) -> None:
        from bootstrap_tui.tui.screens.dashboard import DashboardScreen

        if self.engine is None:
            return
        if self.screen is self.dashboard:
            return
        self.dashboard = DashboardScreen(self.engine)
        self.push_screen(self.dashboard)

    def verify_all_command(self) -> None:
        if self.screen is not self.dashboard:
            self.open_dashboard()  # it verifies when it has no results
            if self.last_full_run is None:
                return
        self.start_verify(None)

    def open_export(self) -> None:
        from bootstrap_tui.tui.screens.export import ExportScreen

        if self.engine is None:
            return
        self.export_screen = ExportScreen(self.engine)
        self.push_screen(self.export_screen)

    def action_help(self) -> None:
        from bootstrap_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self, waited: float = 0.0) -> None:
        screen = self.step_screen
        if screen is not None and not screen.ready and screen.is_attached and waited < 2:
            # its first show is still to come: leaving now would tear its tabs and form down
            # under their own mount handlers (MountError, "No Tab"); quit right after it
            self.set_timer(0.05, partial(self.action_quit, waited + 0.05))
            return
        if screen is not None and getattr(screen, "ready", False) and self.engine is not None:
            with contextlib.suppress(Exception):  # quitting must never fail
                screen.keep_answers()
        if self.engine is not None:
            self.engine.cancelled.set()
        self.exit(0)

    def on_unmount(self) -> None:
        self.shutdown_engine()

    def shutdown_engine(self) -> None:
        """Stop polling, wait for workers to leave the engine, release the state file."""
        engine = self.engine
        if engine is not None:
            engine.cancelled.set()
        self.wait_idle()
        if engine is not None:
            engine.close()
        if self.own_sandbox is not None:
            with contextlib.suppress(Exception):
                self.own_sandbox.stop()
            self.own_sandbox = None

    # ------------------------------------------------------------------ message handlers
    def on_profiles_listed(self, message: ProfilesListed) -> None:
        if self._live(self.welcome):
            self.welcome.set_aws_profiles(message.aws_profiles)

    def on_connecting(self, message: Connecting) -> None:
        if self._live(self.welcome):
            self.welcome.show_connecting(message.what)
        else:  # AWS stopped answering mid-run: the latest attempt replaces the one before
            self.clear_notifications()
            self.notify(message.what, severity="warning", timeout=5)

    def on_connected(self, message: Connected) -> None:
        self.engine = message.engine
        self.sub_title = self._where()
        self.last_full_run = None
        rows = self.engine.status()
        progress = any(r["status"] != "pending" for r in rows)
        change = getattr(self.engine, "profile_change", None)
        if change:
            from bootstrap_tui.profile_change import describe_change

            self.notify(
                describe_change(change, "--profile-file"),
                title="Baseline profile",
                severity="warning",
                timeout=12,
            )
        if message.resumed:
            select = getattr(self, "_select_after_connect", None)
            self.step_screen = None
            self.open_steps(select)
            self.notify(f"Baseline profile: {self.engine.profile.name}", title="Profile")
        elif self._live(self.welcome):
            self.welcome.show_identity(self.engine)
            if self.engine.state.exists and progress and not message.propose:
                self.notify("Welcome back: continuing where you left off.", title="Resumed")
                self.open_steps()
        if message.propose:
            self.switch_profile(message.propose)
        self._resume_inflight(rows)

    def on_profile_switched(self, message: ProfileSwitched) -> None:
        from bootstrap_tui.profile_change import describe_change

        self.sub_title = self._where()
        change = message.change
        self.notify(describe_change(change, "your choice"), title="Baseline profile", timeout=8)
        if self._live(self.welcome):
            self.welcome.show_baseline(self.engine)
        if self.step_screen is not None and self.screen_stack:  # not while the app closes
            select = getattr(self.step_screen, "step_id", None)
            self.step_screen = None
            self.open_steps(select)

    def _resume_inflight(self, rows: list[dict[str, Any]]) -> None:
        pending = [r["id"] for r in rows if r["status"] == "in-progress" and r["operations"]]
        if not pending or self.applying:
            return
        from bootstrap_tui.tui.present import is_root

        if is_root(self.connected.identity):
            return
        if self.step_screen is None:
            self.open_steps(pending[0])
        self.notify(
            f"Resuming {', '.join(pending)}: polling the operations AWS is running.",
            title="Resuming",
        )
        for step_id in pending:
            self.running[step_id] = start_running(self.connected, step_id, None)
        self.apply_worker(pending, None, False, True)

    def on_plan_ready(self, message: PlanReady) -> None:
        if self._live(self.step_screen):
            self.step_screen.show_plan(message.step_id, message.plan)
        if message.then_apply:
            self.request_apply(message.step_id, message.plan)

    def on_apply_started(self, message: ApplyStarted) -> None:
        entry = self.running.get(message.step_id)
        if entry is not None:
            entry.started = time.monotonic()  # a resumed list runs its steps one by one
        if self._live(self.step_screen):
            self.step_screen.operation_started(message.step_id, resumed=message.resumed)

    def on_apply_progress(self, message: ApplyProgress) -> None:
        if self._live(self.step_screen):
            self.step_screen.operation_progress(
                message.step_id, message.text, message.done, message.total
            )

    def on_apply_done(self, message: ApplyDone) -> None:
        self.applied.append((message.step_id, message.status))
        entry = self.running.get(message.step_id)
        if entry is not None:
            entry.verifying = True
        if self._live(self.step_screen):
            self.step_screen.plans.pop(message.step_id, None)
            self.step_screen.operation_finished(
                message.step_id, f"✔ {message.step_id}: {message.status}"
            )
            if message.step_id == self.step_screen.step_id:
                self.step_screen._show_plan(None)
        self.notify(
            f"{message.step_id}: {message.status.replace('-', ' ')}; verifying…",
            title="Applied",
            timeout=3,
        )

    def on_verify_started(self, message: VerifyStarted) -> None:
        if message.step_ids is None and self._live(self.dashboard):
            self.dashboard.verifying()

    def on_verify_result(self, message: VerifyResult) -> None:
        if self._live(self.dashboard):
            self.dashboard.add_live(message.result)

    def on_verify_done(self, message: VerifyDone) -> None:
        results = message.run.results
        if message.step_ids is None:
            self.last_full_run = message.run
            if self._live(self.dashboard):
                self.dashboard.show_run(results)
        if self._live(self.step_screen):
            self.step_screen.show_results(message.step_ids, results)
        if message.step_ids is not None:
            counts = message.run.counts()
            bad = counts.get("FAIL", 0) + counts.get("ERROR", 0)
            self.notify(
                f"{len(results)} result(s), {bad} failing",
                title="Verified",
                severity="warning" if bad else "information",
                timeout=3,
            )
        for note in message.run.evidence_notes:
            self.notify(note, title="Evidence", severity="warning", timeout=15)
        if message.run.evidence_error:
            self.notify(
                f"The evidence of this verify was not saved: {message.run.evidence_error}",
                title="Evidence not saved",
                severity="error",
                timeout=30,
            )

    def on_console_simulated(self, message: ConsoleSimulated) -> None:
        self.notify(
            "Sandbox: root MFA turned on, root access keys removed; attestations recorded.",
            title="Simulated console action",
        )
        if self._live(self.step_screen):
            self.step_screen.refresh_status()

    def on_export_done(self, message: ExportDone) -> None:
        if self._live(self.export_screen):
            self.export_screen.show_done(message.path, message.warnings)
        self.notify(f"Wrote {message.path}", title="Export")
        for warning in message.warnings:
            self.notify(warning, title="Export without evidence", severity="error", timeout=30)

    def on_operation_finished(self, message: OperationFinished) -> None:
        if message.kind == "apply":
            if message.step_id is not None:
                self.running.pop(message.step_id, None)
            screen = self.step_screen
            # a step screen that is not shown yet (or no longer) has no panel to stop
            panels = screen.query(OperationPanel) if screen is not None and screen.ready else None
            panel = panels.first() if panels else None
            if screen is not None and panel is not None and panel.running:
                if panel.step_id == message.step_id:
                    screen.operation_finished(message.step_id, "stopped")
        elif message.kind == "verify":
            self.verifying = False
        if self._live(self.step_screen):
            self.step_screen.refresh_status()

    @on(Failed)
    def on_failed(self, message: Failed) -> None:
        self.show_error(message.error, kind=message.kind, step_id=message.step_id)

    def show_error(self, error: BaseException, *, kind: str, step_id: str | None = None) -> None:
        """The one place errors reach the user: a notification with message and fix, plus
        the panel of the screen that asked (never a traceback)."""
        text, hint = error_text(error)
        if not isinstance(error, (BootstrapError, KeyboardInterrupt)):
            log.error("unexpected error in %s", kind, exc_info=error)
        full = f"{text}\n→ {hint}" if hint else text
        self.errors.append((kind, full))
        title = {
            "connect": "Could not connect",
            "plan": "Plan failed",
            "apply": "Apply failed",
            "verify": "Verify failed",
            "export": "Export failed",
            "simulate": "Simulation failed",
            "profile": "Profile not switched",
        }.get(kind, "Error")
        if step_id:
            title = f"{title}: {step_id}"
        self.notify(full, title=title, severity="error", timeout=12)
        if kind == "connect" and self._live(self.welcome):
            self.welcome.show_failure(full)
        if kind == "export" and self._live(self.export_screen):
            self.export_screen.show_failure(full)
        if kind == "apply" and self._live(self.step_screen):
            self.step_screen.operation_finished(step_id, f"✘ {text}")


def run_wizard(options: Options, *, sandbox: bool) -> int:
    """Run the wizard until the user quits; returns the exit code."""
    app = BootstrapApp(options, sandbox=sandbox)
    try:
        code = app.run()
    finally:
        app.shutdown_engine()
    return int(code or 0)
