"""ClientFactory: cached, thread-safe boto3 clients per (account, region, service).

Clients for another account use credentials from sts:AssumeRole into
`arn:aws:iam::{account}:role/{role_name}`; botocore refreshes them before they
expire. Every client carries the factory's hooks: the read-only guard, the
`on_call` recorder / `calls` counter, error annotation (see errors.py), the check that
refuses truncated bodies so they are retried (see bodycheck.py), a larger retry quota
(see retryquota.py) and, for
custom endpoints, the s3control host fix.
"""

from __future__ import annotations

import contextlib
import contextvars
import platform
import re
import threading
import urllib.request
from typing import Any, TypedDict
from collections.abc import Callable, Iterator

import boto3
import botocore
from botocore.config import Config
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)

from bootstrap_tui import __version__
from bootstrap_tui.aws import activity, bodycheck, retryquota
from bootstrap_tui.aws.errors import annotate_after_call, call_error_annotator, where_annotator
from bootstrap_tui.aws.once import BuiltOnce
from bootstrap_tui.aws.regions import partition_of
from bootstrap_tui.aws.speedups import install as install_speedups
from bootstrap_tui.aws.speedups import new_botocore_session, plain_models
from bootstrap_tui.errors import ReadOnlyViolation

READ_ONLY_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Search",
    "Lookup",
    "Head",
    "BatchGet",
    "GenerateCredentialReport",
    "Select",
)
SESSION_NAME = "bootstrap-tui"
OnCall = Callable[[str, str, "str | None", str], None]

_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")
# Every call says it comes from this tool (CloudTrail records it as userAgent, so an auditor can
# filter what bootstrap-tui did); built once, where botocore would rebuild its own twice per request.
USER_AGENT = (
    f"bootstrap-tui/{__version__} botocore/{botocore.__version__} "
    f"Python/{platform.python_version()} {platform.system()}/{platform.release()}"
)


def is_read_only_operation(operation: str) -> bool:
    """True when an API operation name (e.g. "ListAccounts") cannot change anything."""
    return operation.startswith(READ_ONLY_PREFIXES)


def strip_account_host_prefix(request: Any = None, **_: Any) -> None:
    """'before-sign.s3-control' handler: drop the "{account_id}." host prefix botocore adds,
    which does not resolve on a custom endpoint (moto / the sandbox)."""
    if request is not None:
        request.url = _ACCOUNT_HOST.sub(r"\1", request.url, count=1)


# the factories (their _Shared state) whose read-only guard the current context is inside
_GUARDED: contextvars.ContextVar[tuple[_Shared, ...]] = contextvars.ContextVar(
    "read_only_guarded", default=()
)


class _Shared:
    """State shared by a factory and its `with_role` siblings."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.count_lock = threading.Lock()
        self.calls = 0
        self.read_only = False
        self.identity: dict[str, Any] | None = None
        self.clients: dict[tuple[Any, ...], Any] = {}
        self.sessions: dict[tuple[Any, ...], boto3.Session] = {}
        self.built = BuiltOnce()


class _FixedProvider(CredentialProvider):
    METHOD = CANONICAL_NAME = "assume-role"

    def __init__(self, credentials: Any):
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


class _Settings(TypedDict):
    """The connection settings a sibling factory (with_role) inherits."""

    max_attempts: int
    retry_mode: str
    connect_timeout: float
    read_timeout: float
    max_pool: int


class ClientFactory:
    """Hands out boto3 clients; `client(service, account=..., region=...)` is the entry point.

    `max_attempts` counts every HTTP attempt including the first (like AWS_MAX_ATTEMPTS),
    so max_attempts=1 means no retry. `on_call(service, operation, account, region)` runs
    in the calling thread for every HTTP request sent (retries included); `account` is None
    for the caller's own account. `calls` counts the same requests. `on_retry` hears of each
    retry of a call that got no answer at all (see retryquota.install).
    """

    def __init__(
        self,
        session: boto3.Session,
        *,
        region: str,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        retry_mode: str = "adaptive",
        connect_timeout: float = 5,
        read_timeout: float = 60,
        role_name: str = "OrganizationAccountAccessRole",
        max_pool: int = 32,
        on_call: OnCall | None = None,
        on_retry: retryquota.OnRetry | None = None,
        session_duration: int = 3600,
        _shared: _Shared | None = None,
    ):
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url
        self.role_name = role_name
        self.on_call = on_call
        self.on_retry = on_retry
        self.session_duration = session_duration
        self._settings = _Settings(
            max_attempts=max_attempts,
            retry_mode=retry_mode,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool=max_pool,
        )
        # No proxy in the environment: say so once, instead of every client scanning os.environ.
        proxies: dict[str, str] | None = {} if not urllib.request.getproxies() else None
        self.config = Config(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool,
            user_agent=USER_AGENT,
            proxies=proxies,
        )
        self._shared = _shared or _Shared()
        install_speedups()
        plain_models(session._session)

    # ------------------------------------------------------------ siblings
    def with_role(self, role_name: str) -> ClientFactory:
        """A factory assuming `role_name` in member accounts; shares cache, guard and counters."""
        return ClientFactory(
            self.session,
            region=self.region,
            endpoint_url=self.endpoint_url,
            role_name=role_name,
            on_call=self.on_call,
            on_retry=self.on_retry,
            session_duration=self.session_duration,
            _shared=self._shared,
            **self._settings,
        )

    # ------------------------------------------------------------ counters and guard
    @property
    def calls(self) -> int:
        """Number of HTTP requests sent by this factory's clients (retries included)."""
        return self._shared.calls

    @property
    def read_only(self) -> bool:
        return self._shared.read_only or any(s is self._shared for s in _GUARDED.get())

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self._shared.read_only = bool(value)

    @contextlib.contextmanager
    def read_only_guard(self) -> Iterator[ClientFactory]:
        """While active, mutating calls raise ReadOnlyViolation before anything is sent: the
        calls of this thread and of the fan-out workers it starts (they copy its context),
        not those of another thread (the wizard applies one step while it verifies another)."""
        token = _GUARDED.set((*_GUARDED.get(), self._shared))
        try:
            yield self
        finally:
            _GUARDED.reset(token)

    # ------------------------------------------------------------ identity
    def caller_identity(self) -> dict[str, Any]:
        """sts:GetCallerIdentity of the base session (called once, then cached)."""
        if self._shared.identity is not None:
            return self._shared.identity
        with self._shared.lock:
            if self._shared.identity is None:
                response = self.client("sts").get_caller_identity()
                self._shared.identity = {k: response[k] for k in ("Account", "Arn", "UserId")}
            return self._shared.identity

    @property
    def caller_account(self) -> str:
        return self.caller_identity()["Account"]

    # ------------------------------------------------------------ clients
    def client(self, service: str, *, account: str | None = None, region: str | None = None) -> Any:
        """A cached client; `account` None (or the caller's own) uses the base session."""
        region = region or self.region
        if account is not None and account == self.caller_account:
            account = None
        role = self.role_name if account else None

        def build() -> Any:
            session = self._assumed_session(account) if account else self.session
            return self._make_client(session, service, region, account, guarded=True)

        return self._shared.built.get(self._shared.clients, (role, account, region, service), build)

    def release(self, account: str) -> None:
        """Forget ``account``'s clients and assumed-role sessions (every role's) and close their
        connections: a verify of hundreds of accounts keeps only those it is working on. A
        later call for the account builds them again (assuming the role again)."""
        shared = self._shared
        clients = [k for k in list(shared.clients) if k[1] == account and k[0] != "assume-role"]
        sessions = [k for k in list(shared.sessions) if k[2] == account]
        for client in shared.built.forget(shared.clients, clients):
            client.close()
        shared.built.forget(shared.sessions, sessions)

    def role_arn(self, account: str) -> str:
        return f"arn:{partition_of(self.region)}:iam::{account}:role/{self.role_name}"

    def assume_role_now(self, account: str) -> dict[str, Any]:
        """sts:AssumeRole into ``account`` now, bypassing the cached session: can the role be assumed today?
        Returns the AssumedRoleUser (Arn, AssumedRoleId)."""
        return self._role_sts_client().assume_role(
            RoleArn=self.role_arn(account), RoleSessionName=SESSION_NAME, DurationSeconds=900
        )["AssumedRoleUser"]

    def _assumed_session(self, account: str) -> boto3.Session:
        return self._shared.built.get(
            self._shared.sessions,
            ("session", self.role_name, account),
            lambda: self._new_assumed_session(account),
        )

    def _new_assumed_session(self, account: str) -> boto3.Session:
        credentials = DeferredRefreshableCredentials(
            refresh_using=self._assume_role_fetcher(account), method="assume-role"
        )
        core = new_botocore_session()
        core.register_component(
            "credential_provider", CredentialResolver([_FixedProvider(credentials)])
        )
        # one loader for every session: service models are parsed once, not once per account
        core.register_component("data_loader", self.session._session.get_component("data_loader"))
        return boto3.Session(botocore_session=core, region_name=self.region)

    def _assume_role_fetcher(self, account: str) -> Callable[[], dict[str, Any]]:
        sts = self._role_sts_client()
        arn = self.role_arn(account)
        duration = self.session_duration

        def fetch() -> dict[str, Any]:
            creds = sts.assume_role(
                RoleArn=arn, RoleSessionName=SESSION_NAME, DurationSeconds=duration
            )["Credentials"]
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        return fetch

    def _role_sts_client(self) -> Any:
        """The base session's STS client that assumes roles (never read-only guarded)."""
        return self._shared.built.get(
            self._shared.clients,
            ("assume-role", None, self.region, "sts"),
            lambda: self._make_client(self.session, "sts", self.region, None, guarded=False),
        )

    def _make_client(
        self,
        session: boto3.Session,
        service: str,
        region: str,
        account: str | None,
        *,
        guarded: bool,
    ) -> Any:
        client = session.client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=self.config
        )
        bodycheck.install(client)
        retryquota.install(client, self._settings["max_attempts"], on_retry=self.on_retry)
        events = client.meta.events
        custom = bool(self.endpoint_url)
        if guarded:
            events.register("provide-client-params", self._guard_handler(service, account, region))
        events.register("before-send", self._send_handler(service, account, region))
        events.register("after-call", annotate_after_call)
        events.register(
            "after-call",
            where_annotator(
                lambda: account or (self._shared.identity or {}).get("Account"), region, custom
            ),
        )
        events.register("after-call-error", call_error_annotator(client.meta.service_model, custom))
        if self.endpoint_url:
            events.register("before-sign.s3-control", strip_account_host_prefix)
        return client

    def _guard_handler(self, service: str, account: str | None, region: str) -> Callable[..., None]:
        def guard(model: Any = None, **_: Any) -> None:
            if self.read_only and not is_read_only_operation(model.name):
                where = f" in account {account}" if account else ""
                raise ReadOnlyViolation(
                    f"read-only mode blocked {service}:{model.name}{where} ({region}): "
                    "it would change AWS, and this command only reads",
                    "this is a bug in the check that tried it; nothing was sent to AWS",
                )

        return guard

    def _send_handler(self, service: str, account: str | None, region: str) -> Callable[..., None]:
        def sent(event_name: str = "", **_: Any) -> None:
            with self._shared.count_lock:
                self._shared.calls += 1
            activity.note(service, event_name.rsplit(".", 1)[-1], account is not None)
            if self.on_call is not None:
                self.on_call(service, event_name.rsplit(".", 1)[-1], account, region)

        return sent
