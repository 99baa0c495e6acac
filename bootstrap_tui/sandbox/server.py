"""``Sandbox``: the embedded fake AWS on 127.0.0.1 (moto's server plus the project's fakes)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from .faults import FaultInjector, FaultSpec, parse_fault_spec
from .motoregistry import backend_dicts
from .state import SandboxState

SEEDS = (
    "fresh",
    "compliant",
    "compliant-ct",
    "drifted",
    "brownfield-org",
    "brownfield-services",
    "brownfield-iam",
    "half-finished",
    "new-org",
)
DEFAULT_OP_DELAY_S = 2.0
DEFAULT_MANAGEMENT_ACCOUNT = "123456789012"
_running: Sandbox | None = None
_running_lock = threading.Lock()
OP_DELAY_ENV = "BOOTSTRAP_TUI_SANDBOX_OP_DELAY"
MOTO_ENV_DEFAULTS = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_ALLOW_NONEXISTENT_REGION": "true",
    # moto's sample AMIs cost ~0.15 s of server CPU per account x region; nothing here launches instances
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}


def default_op_delay() -> float:
    """``BOOTSTRAP_TUI_SANDBOX_OP_DELAY`` seconds, else 2.0."""
    raw = os.environ.get(OP_DELAY_ENV)
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            raise ValueError(f"{OP_DELAY_ENV} must be a number of seconds, got {raw!r}") from None
    return DEFAULT_OP_DELAY_S


class Sandbox:
    """A local fake AWS endpoint.

    ``Sandbox(port=0, seed="fresh", accounts=0, latency_ms=0, faults=None,
    op_delay_s=None, faults_seed=0, tls=None, snapshot=None, durations="fixed", time_scale=1.0)``;
    ``start()`` returns the endpoint URL. ``durations="realistic"`` gives each long-running
    operation AWS's duration (``timing``), divided by ``time_scale``. ``regions`` replaces the
    governed regions the compliant and drifted seeds are built for. With ``snapshot`` (a file), the fake AWS is kept between runs: ``start()``
    restores it when the file exists (else applies the seed), ``save()`` writes it, and so
    does ``stop()``.
    ``faults`` is a SPEC string (``throttle=0.3,deny=organizations:CreateAccount``)
    or a parsed ``FaultSpec``. ``tls=(certificate file, key file)`` serves HTTPS
    (clients then need that certificate's CA, e.g. via AWS_CA_BUNDLE). Usable as a
    context manager.
    """

    def __init__(
        self,
        port: int = 0,
        seed: str = "fresh",
        accounts: int = 0,
        latency_ms: float = 0,
        faults: str | FaultSpec | None = None,
        op_delay_s: float | None = None,
        faults_seed: int = 0,
        host: str = "127.0.0.1",
        tls: tuple[str, str] | None = None,
        snapshot: Path | None = None,
        durations: str = "fixed",
        time_scale: float = 1.0,
        regions: list[str] | None = None,
    ):
        if seed not in SEEDS:
            raise ValueError(f"unknown seed {seed!r} (use {', '.join(SEEDS)})")
        if accounts < 0:
            raise ValueError("accounts must be >= 0")
        if latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        self.port = port
        self.host = host
        self.tls = tls
        self.seed = seed
        self.accounts = accounts
        self.regions = list(regions) if regions else None
        self.latency_ms = float(latency_ms)
        self.fault_spec = faults if isinstance(faults, FaultSpec) else parse_fault_spec(faults)
        self.faults_seed = faults_seed
        op_delay = default_op_delay() if op_delay_s is None else float(op_delay_s)
        self.management_account_id = DEFAULT_MANAGEMENT_ACCOUNT
        self.state = SandboxState(self.management_account_id, op_delay)
        self.state.durations = _durations(durations, time_scale)
        self.durations = durations
        self.snapshot = snapshot
        self.restored = False
        self.seed_cached = False  # the seed was loaded from the seed cache, not built
        self._ready = False  # seeded or restored: only then is there anything to save
        self._saved_mark: tuple[int, int] | None = None
        self.endpoint: str | None = None
        self.app: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def op_delay_s(self) -> float:
        return self.state.op_delay_s

    def start(self) -> str:
        """Start serving in a daemon thread, apply the seed, return the endpoint URL."""
        global _running
        if self._server is not None:
            assert self.endpoint is not None  # set with the server
            return self.endpoint
        with _running_lock:
            if _running is not None and _running is not self:
                raise RuntimeError(
                    f"another sandbox is already running in this process at {_running.endpoint}; "
                    "moto's state is process-wide, so stop it first"
                )
            _running = self
        for key, value in MOTO_ENV_DEFAULTS.items():
            os.environ.setdefault(key, value)
        from werkzeug.serving import make_server
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        from .app import SandboxApp
        from .patches import apply_patches

        apply_patches()
        self._reset_moto()
        try:
            self.app = SandboxApp(self)
            self._server = make_server(
                self.host,
                self.port,
                self.app,
                threaded=True,
                request_handler=_QuietHandler.of(MotoRequestHandler),
                ssl_context=self.tls,
            )
            self.port = self._server.server_address[1]
            self.endpoint = f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="bootstrap-tui-sandbox",
                daemon=True,
            )
            self._thread.start()
            self._restore_or_seed()
        except BaseException:
            self.stop()
            with _running_lock:
                if _running is self:
                    _running = None
            raise
        return self.endpoint

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        global _running
        if self._server is None:
            return
        if self.snapshot is not None and self._ready:
            self.save()
        self._ready = False
        with _running_lock:
            if _running is self:
                _running = None
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def _restore_or_seed(self) -> None:
        from .persist import load

        if self.snapshot is not None and self.snapshot.exists():
            with self.app.busy:
                load(self, self.snapshot)
                self.state.cap_waits(self.state.op_delay_s)
                self._saved_mark = (self.state.changes, _backend_count())
            self.restored = self._ready = True
            return
        self._apply_seed()
        self._ready = True
        if self.snapshot is not None:
            self.save()

    def save(self) -> int:
        """Write the snapshot (between requests, never during one); its size in bytes."""
        from .persist import save

        if self.snapshot is None or not self._ready:
            return 0
        with self.app.busy:
            mark = (self.state.changes, _backend_count())
            if mark == self._saved_mark:
                return 0  # nothing changed since the last snapshot
            size = save(self, self.snapshot)
            self._saved_mark = mark
            return size

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def configure(
        self,
        latency_ms: float | None = None,
        faults: str | None = None,
        op_delay_s: float | None = None,
    ) -> None:
        """Change latency, faults or operation delay of a running sandbox."""
        if latency_ms is not None:
            if float(latency_ms) < 0:
                raise ValueError("latency_ms must be >= 0")
            self.latency_ms = float(latency_ms)
        if faults is not None:
            self.fault_spec = parse_fault_spec(faults)
        if op_delay_s is not None:
            if float(op_delay_s) < 0:
                raise ValueError("op_delay_s must be >= 0")
            self.state.op_delay_s = float(op_delay_s)
        self._apply_runtime_config()

    def _apply_runtime_config(self) -> None:
        if self.app is None:
            return
        injector = (
            FaultInjector(self.fault_spec, self.faults_seed) if self.fault_spec.active else None
        )
        self.app.configure(self.latency_ms, injector)

    def reset(self, seed: str | None = None, accounts: int | None = None) -> None:
        """Forget everything and apply the seed again."""
        from .patches import ROOT_KEYS

        self.seed = seed or self.seed
        self.accounts = self.accounts if accounts is None else accounts
        with self.state.lock:
            self._reset_moto()
            self.state.roots.clear()
            ROOT_KEYS.clear()
            self.state.operations.clear()
            self.state.services.clear()
            if self.state.durations is not None:
                self.state.durations.restart()
            if self.app is not None:
                self.app.reset_fakes()
        self._apply_seed()

    @staticmethod
    def _reset_moto() -> None:
        """Drop every moto backend; they are rebuilt lazily (much faster than re-initialising each)."""
        from moto.core.base_backend import backend_lock
        from moto.core.model_instances import reset_model_data
        from moto.organizations.models import organizations_backends
        from moto.s3.models import s3_backends

        with backend_lock:
            for backend in backend_dicts():
                backend.clear()
            backend_dicts().clear()
        organizations_backends.master_accounts.clear()
        s3_backends.bucket_accounts.clear()  # bucket names are global: free them with their buckets
        reset_model_data()

    def _apply_seed(self) -> None:
        """Apply the seed with latency, faults and operation delays switched off: loaded from the
        seed cache when this version of the code built it before, else built and kept there."""
        from . import seedcache
        from .seeds import apply_seed

        delay, timing = self.state.op_delay_s, self.state.durations
        self.state.op_delay_s, self.state.durations = 0.0, None
        self.app.configure(0, None)
        try:
            with self.app.busy, self.state.lock:
                self.seed_cached = seedcache.load_cached(
                    self, self.seed, self.accounts, self.regions
                )
            if not self.seed_cached:
                assert self.endpoint is not None  # the seed is applied to a running server
                apply_seed(self.endpoint, self.seed, self.accounts, self.regions)
                seedcache.store(self, self.seed, self.accounts, self.regions)
        finally:
            self.state.op_delay_s, self.state.durations = delay, timing
            self._apply_runtime_config()

    def set_root(self, account: str, **changes: Any) -> dict[str, str] | None:
        """Set root-user facts (``mfa``, ``access_keys``, ``password_last_used``) of ``account``.

        Creating the root access key returns it (id and secret, shown once, as in the console);
        requests signed with it act as the root user. Deleting it forgets it.
        """
        from .patches import ROOT_KEYS
        from .state import utcnow

        root = self.state.root(account)
        created = None
        with self.state.lock:
            if changes.get("access_keys") and not root.access_keys:
                root.keys_created = utcnow()
                created = _new_access_key()
                root.access_key_id = created["AccessKeyId"]
                ROOT_KEYS[root.access_key_id] = account
            if changes.get("access_keys") is False and root.access_key_id:
                ROOT_KEYS.pop(root.access_key_id, None)
                root.access_key_id, root.key_last_used = None, None
            for key, value in changes.items():
                setattr(root, key, value)
        return created

    def reopen_account(self, account: str) -> None:
        """Make a closed (SUSPENDED or PENDING_CLOSURE) member account ACTIVE again, as AWS Support does."""
        from . import motoaccess

        with self.state.lock:
            found = next(
                (a for a in motoaccess.org_accounts(self.management_account_id) if a.id == account),
                None,
            )
            if found is None or found.status not in ("SUSPENDED", "PENDING_CLOSURE"):
                raise ValueError(
                    f"account {account!r} is not a closed member account of the organization"
                )
            found.status = found.state = "ACTIVE"

    def root_facts(self, account: str) -> dict[str, Any]:
        root = self.state.root(account)
        return {
            "account": account,
            "mfa": root.mfa,
            "access_keys": root.access_keys,
            "password_last_used": root.password_last_used.isoformat()
            if root.password_last_used
            else None,
        }

    def account_ids(self) -> list[str]:
        from . import motoaccess

        return motoaccess.known_accounts(self.management_account_id)

    def info(self) -> dict[str, Any]:
        from . import motoaccess

        org = motoaccess.organizations(self.management_account_id)
        accounts = []
        for account_id in self.account_ids():
            entry: dict[str, Any] = {
                "id": account_id,
                "management": account_id == self.management_account_id,
            }
            for account in org.accounts:
                if account.id == account_id:
                    entry.update(name=account.name, email=account.email, status=account.status)
            entry["root"] = self.root_facts(account_id)
            accounts.append(entry)
        return {
            "sandbox": True,
            "version": 1,
            "management_account_id": self.management_account_id,
            "seed": self.seed,
            "organization": org.org.id if org.org else None,
            "home_region": org.org.region if org.org else None,
            "accounts": accounts,
            "latency_ms": self.latency_ms,
            "op_delay_s": self.state.op_delay_s,
            "durations": self.durations,
            "time_scale": self.state.durations.time_scale if self.state.durations else None,
            "faults": {
                "throttle": self.fault_spec.throttle,
                "error5xx": self.fault_spec.error5xx,
                "deny": [
                    f"{r.service}:{r.operation}" + (f"@{r.account}" if r.account else "")
                    for r in self.fault_spec.deny
                ],
            },
        }


def _durations(mode: str, time_scale: float) -> Any:
    """The sandbox's RealisticDurations for ``mode`` "realistic"; None for "fixed"."""
    from .timing import MODES, RealisticDurations

    if mode not in MODES:
        raise ValueError(f"unknown durations {mode!r} (use {', '.join(MODES)})")
    timing = RealisticDurations(time_scale)
    return timing if mode == "realistic" else None


def _backend_count() -> int:
    """moto's backends (service x account x region): reads create them lazily, with ids."""
    return sum(
        len(regions) for backends in list(backend_dicts()) for regions in list(backends.values())
    )


class _QuietHandler:
    """Request handler factory that silences werkzeug's per-request log lines."""

    @staticmethod
    def of(base: type) -> type:
        class Handler(base):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return None

            def log(self, *args: Any, **kwargs: Any) -> None:
                return None

        return Handler


def _new_access_key() -> dict[str, str]:
    """A fresh access key in AWS's format (AKIA + 16 characters, a 40-character secret)."""
    import secrets
    import string

    key_id = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
    return {"AccessKeyId": key_id, "SecretAccessKey": secrets.token_urlsafe(30)[:40]}
