"""StepContext: everything a step's plan, apply and checks may touch.

Steps never build boto3 clients, read the state file or talk to the user
directly; they go through this object, which the engine builds. The context
depends only on `EngineServices`, the narrow interface the engine satisfies:
this module never imports the engine.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import TYPE_CHECKING, Any, Protocol
from collections.abc import Callable

from bootstrap_tui.errors import ConfigError, RefusedError

if TYPE_CHECKING:
    from bootstrap_tui.aws import ClientFactory, Identity
    from bootstrap_tui.future import Projection
    from bootstrap_tui.model import Step
    from bootstrap_tui.profile import Profile
    from bootstrap_tui.state import StateStore

ProgressFn = Callable[[str, str, "int | None", "int | None"], None]


class RunOptions(Protocol):
    """The one run option a step context reads."""

    @property
    def simulate_console(self) -> bool: ...


class EngineServices(Protocol):
    """What a StepContext needs from the engine (bootstrap_tui.engine.Engine satisfies it)."""

    @property
    def profile(self) -> Profile: ...
    @property
    def options(self) -> RunOptions: ...
    @property
    def factory(self) -> ClientFactory: ...
    @property
    def identity(self) -> Identity: ...
    @property
    def management_account_id(self) -> str: ...
    @property
    def home_region(self) -> str: ...
    @property
    def governed_regions(self) -> list[str]: ...
    @property
    def projection(self) -> Projection | None: ...
    @property
    def sandbox_info(self) -> dict[str, Any] | None: ...
    @property
    def endpoint_url(self) -> str | None: ...
    @property
    def state(self) -> StateStore: ...
    @property
    def state_lock(self) -> threading.RLock: ...
    @property
    def cancelled(self) -> threading.Event: ...
    @property
    def actor(self) -> str: ...

    def answers(self, step_id: str) -> dict[str, Any]: ...
    def client(
        self, service: str, *, account: str | None = None, region: str | None = None
    ) -> Any: ...
    def org_accounts(self, refresh: bool = False) -> list[dict[str, Any]]: ...
    def account_id(self, key: str) -> str | None: ...
    def verify_role(self, account: str | None) -> str | None: ...
    def emit_progress(
        self, step_id: str, message: str, done: int | None = None, total: int | None = None
    ) -> None: ...
    def attester(self) -> str | None: ...


class StepContext:
    """The engine's services as seen by one step (`step_id`)."""

    def __init__(self, engine: EngineServices, step: Step, *, read_only: bool = False):
        self.engine = engine
        self.step = step
        self.step_id = step.id
        self.read_only = read_only

    # -------------------------------------------------------------- inputs
    @property
    def profile(self) -> Profile:
        return self.engine.profile

    @property
    def answers(self) -> dict[str, Any]:
        """This step's validated answers (answers file > state > profile default > demo)."""
        return self.engine.answers(self.step_id)

    def answer(self, step_id: str, name: str, default: Any = None) -> Any:
        value = self.engine.answers(step_id).get(name)
        return default if value is None else value

    # -------------------------------------------------------------- AWS
    def client(self, service: str, account: str | None = None, region: str | None = None) -> Any:
        """A cached boto3 client; `account` other than the management account is
        reached by assuming the profile's automation role."""
        return self.engine.client(service, account=account, region=region)

    def assume_role_now(self, account: str) -> dict[str, Any]:
        """Assume the automation role in ``account`` afresh (not from the client cache)."""
        return self.engine.factory.assume_role_now(account)

    @property
    def identity(self) -> Identity:
        return self.engine.identity

    def verify_role(self, account: str | None) -> str | None:
        """The role the running verify assumes in ``account`` (None outside verify)."""
        return self.engine.verify_role(account)

    @property
    def management_account_id(self) -> str:
        return self.engine.management_account_id

    @property
    def home_region(self) -> str:
        return self.engine.home_region

    @property
    def governed_regions(self) -> list[str]:
        return self.engine.governed_regions

    def org_accounts(self, refresh: bool = False) -> list[dict[str, Any]]:
        """ACTIVE accounts of the organization (live), [] when there is none."""
        return self.engine.org_accounts(refresh=refresh)

    def account_id(self, key: str) -> str | None:
        """The id of the profile's account `key` (e.g. "log-archive"), found live; while planning
        ahead, a placeholder such as "<Log Archive, to be created>" for an account still to be created."""
        return self.engine.account_id(key)

    # -------------------------------------------------------------- planning ahead
    def is_future(self, account: str | None) -> bool:
        """The account does not exist yet (planning ahead): treat it as brand new and empty."""
        from bootstrap_tui.future import is_placeholder

        return is_placeholder(account)

    @property
    def future_org(self) -> bool:
        """Planning ahead, and the organization itself is still to be created."""
        projection = self.engine.projection
        return bool(projection and projection.organization)

    def future_ou(self, path: str) -> dict[str, str] | None:
        """Planning ahead: an OU the organization step will create, with a placeholder id."""
        projection = self.engine.projection
        return projection.ou(path) if projection else None

    def future_ous(self) -> list[str]:
        projection = self.engine.projection
        return list(projection.ous) if projection else []

    # -------------------------------------------------------------- progress & state
    def progress(self, message: str, done: int | None = None, total: int | None = None) -> None:
        self.engine.emit_progress(self.step_id, message, done, total)

    def record_operation(self, key: str, op_id: str, **meta: Any) -> None:
        """Save an in-flight operation id before waiting on it (resume after restart)."""
        if self.read_only:
            return
        with self.engine.state_lock:
            self.engine.state.record_operation(self.step_id, key, op_id, **meta)

    # Reads take the state lock too: they may add an empty entry to the state's data, which a
    # step running beside this one (overlapped apply) could be saving at that moment.
    def operation(self, key: str) -> dict[str, Any] | None:
        with self.engine.state_lock:
            return self.engine.state.operations(self.step_id).get(key)

    def operations(self) -> dict[str, Any]:
        with self.engine.state_lock:
            return dict(self.engine.state.operations(self.step_id))

    def clear_operation(self, key: str) -> None:
        if self.read_only:
            return
        with self.engine.state_lock:
            self.engine.state.clear_operation(self.step_id, key)

    def remember(self, key: str, value: Any) -> None:
        """Store a non-secret fact this step learned (resource ids, ...)."""
        if self.read_only:
            return
        with self.engine.state_lock:
            self.engine.state.facts(self.step_id)[key] = value
            self.engine.state.save()

    def recall(self, key: str, default: Any = None, step_id: str | None = None) -> Any:
        with self.engine.state_lock:
            return self.engine.state.facts(step_id or self.step_id).get(key, default)

    def attested(self, item_id: str) -> dict[str, Any] | None:
        return self.engine.state.attestation(item_id)

    def poll_interval(self, real_seconds: float) -> float:
        """How long to wait between polls: shortened against a sandbox."""
        return min(real_seconds, 0.2) if self.is_sandbox else real_seconds

    def wait(self, seconds: float) -> None:
        """Sleep between polls; raises KeyboardInterrupt if the run was cancelled."""
        if self.engine.cancelled.wait(seconds):
            raise KeyboardInterrupt("cancelled")

    def poll(
        self,
        describe: Callable[[], tuple[bool, str]],
        *,
        interval: float,
        timeout: float,
        what: str,
        kind: str | None = None,
    ) -> None:
        """Call describe() until it reports done. Progress says each new status, and once a
        minute while it stays the same, with the elapsed time and, for a ``kind`` in
        durations.yaml, the time left if AWS takes its typical time."""
        from bootstrap_tui.durations import estimate_line

        started = time.monotonic()
        said: tuple[str, float] | None = None
        while True:
            done, status = describe()
            now = time.monotonic()
            if said is None or said[0] != status or done or now - said[1] >= 60:
                tail = estimate_line(
                    None if done else kind, 1, 0, 1, now - started, now - started, self.time_scale
                )
                self.progress(f"{what}: {status} ({tail.removeprefix(' · ')})")
                said = (status, now)
            if done:
                return
            if time.monotonic() - started > timeout:
                raise RefusedError(
                    f"{what} still {status} after {int(timeout)}s",
                    "it keeps running in AWS; run apply again later and polling resumes",
                )
            self.wait(self.poll_interval(interval))

    # -------------------------------------------------------------- sandbox
    @property
    def is_sandbox(self) -> bool:
        return self.engine.sandbox_info is not None

    @property
    def time_scale(self) -> float:
        """How much faster than AWS long operations run: the sandbox's ``--time-scale`` when
        it plays AWS's durations, else 1 (a fixed-delay sandbox's estimates stay AWS's)."""
        from bootstrap_tui.durations import time_scale_of

        return time_scale_of(self.engine.sandbox_info) or 1.0

    @property
    def simulate_console(self) -> bool:
        return self.engine.options.simulate_console and self.is_sandbox

    def sandbox_root(
        self, account: str, *, mfa: bool | None = None, access_keys: bool | None = None
    ) -> dict[str, Any]:
        """Perform the sandbox's stand-in for a console-only root-user action."""
        endpoint = self.engine.endpoint_url
        if not self.is_sandbox or endpoint is None:
            raise RefusedError(
                "console actions can only be simulated on a sandbox endpoint",
                "on real AWS, do it in the console as the wizard explains, then attest it",
            )
        body: dict[str, Any] = {"account": account}
        if mfa is not None:
            body["mfa"] = mfa
        if access_keys is not None:
            body["access_keys"] = access_keys
        request = urllib.request.Request(
            endpoint.rstrip("/") + "/_sandbox/root",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def attest(self, item_id: str, note: str = "") -> None:
        if self.read_only:
            raise ConfigError("cannot attest during verify")
        with self.engine.state_lock:
            self.engine.state.attest(
                item_id,
                self.engine.actor,
                note,
                simulated=self.simulate_console,
                person=self.engine.attester(),
            )


class Cancelled(threading.Event):
    """Set to stop polling loops promptly (quit, Ctrl-C)."""
