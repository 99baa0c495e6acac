"""The engine: answers, plan/apply/verify orchestration over the steps of registry.py.

One engine, three faces: the Textual wizard, plain prompts and the CLI all
call these methods. Nothing here imports a UI toolkit.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterable, Iterator

from bootstrap_tui.aws.activity import doing
from bootstrap_tui.context import Cancelled, StepContext
from bootstrap_tui.errors import (
    AwsError,
    BootstrapError,
    ConfigError,
    MissingInputs,
    RefusedError,
    ValidationError,
)
from bootstrap_tui.registry import discover_steps
from bootstrap_tui.model import (
    Check,
    CheckResult,
    Field,
    Outcome,
    Plan,
    Scope,
    Severity,
    Status,
    Step,
    StepStatus,
)

if TYPE_CHECKING:
    import boto3

    from bootstrap_tui.aws import ClientFactory, Identity
    from bootstrap_tui.future import Projection
    from bootstrap_tui.state import AccountLock, StateStore

log = logging.getLogger("bootstrap_tui")

ProgressCallback = Callable[[str, str, "int | None", "int | None"], None]
ResultCallback = Callable[[CheckResult], object]  # its return value is ignored
CheckTask = tuple[Step, Check, str, "str | None"]  # one check in one account (and region)


# ------------------------------------------------------------------ options

# member account -> role verify assumes there, while a verify runs (fan-out threads copy it)
_VERIFY_ROLES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "bootstrap_tui_verify_roles", default=None
)
# a verify of more member accounts than this lets go of each one's clients when it is done
# (~28 clients of ~35 KB and a connection each per account x 4 regions: 200 accounts kept
# them all at over 250 MB)
KEEP_CLIENTS_ACCOUNTS = 60
# (engine, step id -> its answers) while a verify runs, for that verify and its fan-out threads
# only: the wizard may save answers and plan in other threads meanwhile
_ANSWERS_MEMO: contextvars.ContextVar[tuple[Any, dict[str, dict[str, Any]]] | None] = (
    contextvars.ContextVar("bootstrap_tui_answers_memo", default=None)
)


@dataclass
class Options:
    aws_profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    state_file: Path | None = None
    profile: str | None = None  # None: the state's profile, else startup-minimal
    answers_file: Path | None = None
    simulate_console: bool = False
    use_keychain: bool = False
    max_workers: int = 16
    max_attempts: int | None = None  # None: AWS_MAX_ATTEMPTS, else DEFAULT_MAX_ATTEMPTS
    retry_mode: str | None = None  # None: AWS_RETRY_MODE, else standard
    role_name: str | None = None
    lock: bool = True
    member_role: str | None = (
        None  # verify: the role to assume in member accounts (None: the audit role if it works)
    )
    attested_by: str | None = None  # the person attesting (None: the one the state records)
    reader: bool = False  # status, plan, verify, export: runs beside a changing run (state.py)
    on_retry: Callable[[str], None] | None = None  # hears "no answer ...; attempt n of N"


@dataclass
class VerifyRun:
    """The outcome of one verify: every result, plus when and who."""

    results: list[CheckResult] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""
    actor: str = ""
    account: str = ""
    endpoint: str | None = None
    calls: int = 0
    sandbox: bool = False  # the endpoint is a bootstrap-tui sandbox, not AWS
    member_roles: dict[str, str] = field(
        default_factory=dict
    )  # member account -> role verify assumed
    expected: dict[str, int] = field(default_factory=dict)  # check id -> scopes it claims
    unreported: set[str] = field(default_factory=set)  # checks that could not run at all
    evidence_error: str | None = None  # why its per-scope evidence could not be saved
    evidence_notes: list[str] = field(default_factory=list)  # what happened to the evidence

    def coverage(self) -> dict[str, int]:
        """Checks and scopes expected, and how many of them reported a result of their own."""
        own = [r for r in self.results if r.check_id not in self.unreported]
        expected = dict(self.expected)
        if not expected:  # a run built by hand: it expected what it holds
            for result in self.results:
                expected[result.check_id] = expected.get(result.check_id, 0) + 1
        return {
            "checks_expected": len(expected),
            "checks_reported": len({r.check_id for r in own}),
            "scopes_expected": sum(expected.values()),
            "scopes_reported": len(own),
        }

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    def failed(self, strict: bool = False) -> bool:
        bad = {Status.FAIL, Status.ERROR} | ({Status.MANUAL} if strict else set())
        return any(r.status in bad for r in self.results)


# ------------------------------------------------------------------ engine


def connect_engine(
    options: Options,
    *,
    steps: list[Step] | None = None,
    before_connect: Callable[[Engine], None] | None = None,
) -> Engine:
    """An engine that is fully set up: profile, steps and answers loaded, AWS reached, state open.

    Every front end gets its engine here. ``before_connect`` checks the offline engine first
    (e.g. the requested step ids); a connection that fails half-way is closed again."""
    engine = Engine(options, steps=steps)
    if before_connect is not None:
        before_connect(engine)
    try:
        engine.connect()
    except BaseException:
        engine.close()
        raise
    return engine


class Engine:
    """Holds one run's profile, connection, state and steps.

    ``Engine(options)`` alone is the offline part (profile, steps, answers files); the
    connection fields below exist once ``connect()`` has run, so build an engine that
    talks to AWS with ``connect_engine``."""

    profile_origin = "option"  # where the profile came from: state, option or default
    profile_change: dict[str, Any] | None = (
        None  # an explicit switch on connect (profile_change.py)
    )
    account_lock: AccountLock | None = None  # held while a changing run is connected
    # set by connect(), never None after it
    session: boto3.Session
    factory: ClientFactory
    identity: Identity
    state: StateStore

    def __init__(self, options: Options, *, steps: list[Step] | None = None):
        from bootstrap_tui.answers import load_answers
        from bootstrap_tui.profile import load_profile
        from bootstrap_tui.profile_change import DEFAULT_PROFILE

        self.options = options
        self.profile = load_profile(options.profile or DEFAULT_PROFILE)
        self.steps = steps if steps is not None else discover_steps()
        self.by_id = {s.id: s for s in self.steps}
        self.file_answers = load_answers(options.answers_file, self) if options.answers_file else {}
        self.cancelled = Cancelled()
        self.state_lock = threading.RLock()
        self.progress_listeners: list[ProgressCallback] = []
        self.sandbox_info: dict[str, Any] | None = None
        self.endpoint_url: str | None = None
        self.management_account_id = ""
        self._org_accounts: list[dict[str, Any]] | None = None
        self._org_lock = threading.Lock()
        # while plan_ahead runs: what the earlier steps will create
        self.projection: Projection | None = None
        # the last plan_ahead's projection (its placeholders and account keys)
        self.projected: Projection | None = None

    # ---------------------------------------------------------- connection
    def connect(self) -> None:
        """Build the AWS session, learn who we are, open (and lock) the state file."""
        from bootstrap_tui.aws import ClientFactory, Connection, make_session, probe_sandbox, whoami
        from bootstrap_tui.profile_change import settle_profile
        from bootstrap_tui.state import StateStore, default_state_path

        opts = self.options
        conn = Connection(
            aws_profile=opts.aws_profile,
            region=opts.region or self.profile.home_region,
            endpoint_url=opts.endpoint_url,
            use_keychain=opts.use_keychain,
        )
        self.session = make_session(conn)
        self.endpoint_url = conn.endpoint_url or _env_endpoint()
        self.sandbox_info = probe_sandbox(self.endpoint_url) if self.endpoint_url else None
        max_attempts, retry_mode = retry_settings(opts.max_attempts, opts.retry_mode)
        self.factory = ClientFactory(
            self.session,
            region=self.home_region,
            endpoint_url=self.endpoint_url,
            max_attempts=max_attempts,
            retry_mode=retry_mode,
            role_name=opts.role_name or self.profile.automation_role,
            on_retry=self._retrying,
        )
        self.identity = whoami(self.factory)
        # after whoami: an endpoint that is down is a connection error (exit 3), not this
        if opts.simulate_console and self.sandbox_info is None:
            raise ConfigError(
                "--simulate-console works only against a bootstrap-tui sandbox endpoint"
                + (
                    f" ({self.endpoint_url} is not one)"
                    if self.endpoint_url
                    else " (these credentials reach real AWS)"
                ),
                "on real AWS, do the console-only actions by hand (the wizard explains each) "
                "and attest them; drop --simulate-console",
            )
        self.management_account_id = self._find_management_account()
        path = opts.state_file or default_state_path(self.management_account_id)
        self.state = StateStore(Path(path), lock=opts.lock, shared=opts.reader).open()
        data = self.state.data
        if data.get("management_account_id") in (None, self.management_account_id):
            data["management_account_id"] = self.management_account_id
            self._lock_account()
        else:
            self.state.close()
            raise ConfigError(
                f"state file {path} belongs to account {data['management_account_id']}, "
                f"but the credentials are for {self.management_account_id}",
                "use the matching --aws-profile, or another --state-file",
            )
        settle_profile(self)
        if self.endpoint_url:
            data["endpoint"] = self.endpoint_url

    def _lock_account(self) -> None:
        """A changing run also holds its management account's lock (state.AccountLock)."""
        from bootstrap_tui.state import AccountLock

        if not self.options.lock or self.options.reader:
            return
        self.account_lock = AccountLock(
            self.management_account_id, self.state.path, self.endpoint_url
        )
        try:
            self.account_lock.acquire()
        except BaseException:
            self.account_lock = None
            self.state.close()
            raise

    def _open_state(self) -> StateStore | None:
        """The state store once connect() opened it; None before (an offline engine)."""
        return self.__dict__.get("state")

    def close(self) -> None:
        self.cancelled.set()
        state = self._open_state()
        if state is not None:
            state.close()
        if self.account_lock is not None:
            self.account_lock.release()
            self.account_lock = None

    def _find_management_account(self) -> str:
        client = self.factory.client("organizations")
        try:
            org = client.describe_organization()["Organization"]
            return org.get("MasterAccountId") or self.identity.account_id
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("AWSOrganizationsNotInUseException", "AccessDeniedException"):
                return self.identity.account_id
            raise self.map_error(exc, "organizations:DescribeOrganization") from None

    @property
    def home_region(self) -> str:
        return self.profile.home_region

    @property
    def governed_regions(self) -> list[str]:
        answer = (
            self.answers("organization").get("governed_regions")
            if "organization" in self.by_id
            else None
        )
        return list(answer or self.profile.governed_regions)

    @property
    def actor(self) -> str:
        identity = self.__dict__.get("identity")
        return identity.arn if identity else "unknown"

    def client(self, service: str, *, account: str | None = None, region: str | None = None) -> Any:
        from bootstrap_tui.future import is_placeholder

        if account == self.management_account_id:
            account = None
        if is_placeholder(account):
            raise RefusedError(
                f"cannot call {service} in {account}: the account does not exist yet",
                "this is a bug in the step's plan (it must treat a future account as empty); "
                "apply the accounts step, then plan again",
            )
        factory = self.factory
        roles = _VERIFY_ROLES.get()
        if (
            account is not None
            and roles
            and roles.get(account, factory.role_name) != factory.role_name
        ):
            factory = self._role_factory(roles[account])
        client = factory.client(service, account=account, region=region or self.home_region)
        client.meta.events.register(
            "before-call", self._stop_if_cancelled, unique_id="bootstrap-tui-cancelled"
        )
        return client

    def known_account_names(self) -> dict[str, str]:
        """Account id -> name from what the engine already read (never calls AWS)."""
        names = {
            a["Id"]: a.get("Name", "")
            for a in (getattr(self, "_org_accounts", None) or [])
            if a.get("Name")
        }
        if self.management_account_id and self.management_account_id not in names:
            names[self.management_account_id] = "management"
        return names

    def _role_factory(self, role: str) -> Any:
        with self.state_lock:
            factories = self.__dict__.setdefault("_role_factories", {})
            if role not in factories:
                factories[role] = self.factory.with_role(role)
            return factories[role]

    def verify_role(self, account: str | None) -> str | None:
        """The role the running verify assumes in ``account`` (None outside verify or for the management account)."""
        roles = _VERIFY_ROLES.get()
        return (
            None
            if not roles or account in (None, self.management_account_id)
            else roles.get(account)
        )

    def _choose_verify_roles(self, accounts: list[str]) -> dict[str, str]:
        """Per member account: ``--member-role`` if given; else the profile's audit role where it can
        be assumed, the automation role where it cannot (the audit-role check then says so)."""
        from bootstrap_tui.aws import fan_out

        members = [a for a in accounts if a != self.management_account_id]
        if self.options.member_role:
            return dict.fromkeys(members, self.options.member_role)
        audit = self.profile.audit_role.name
        automation = self.factory.role_name
        factory = self._role_factory(audit)

        def probe(account: str) -> str:
            try:
                factory.client("sts", account=account).get_caller_identity()
                return audit
            except Exception as exc:
                code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
                if code in ("AccessDenied", "AccessDeniedException"):
                    return automation
                raise

        roles = {}
        for account, role in fan_out(members, probe, max_workers=self.options.max_workers):
            if isinstance(role, BaseException):
                raise role
            roles[account] = role
        return roles

    def _stop_if_cancelled(self, **_: Any) -> None:
        """After quit or Ctrl-C, stop before the next AWS call (state is saved; apply resumes)."""
        if self.cancelled.is_set():
            raise KeyboardInterrupt("cancelled")

    def map_error(self, exc: BaseException, operation: str | None = None) -> BootstrapError:
        if isinstance(exc, BootstrapError):
            return exc
        from bootstrap_tui.aws import map_error

        return map_error(exc, operation=operation, profile=self.options.aws_profile)

    def org_accounts(self, refresh: bool = False) -> list[dict[str, Any]]:
        with self._org_lock:
            if self._org_accounts is None or refresh:
                client = self.client("organizations")
                try:
                    pages = client.get_paginator("list_accounts").paginate()
                    self._org_accounts = [
                        a
                        for page in pages
                        for a in page["Accounts"]
                        if a.get("Status", "ACTIVE") == "ACTIVE"
                    ]
                except Exception as exc:
                    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
                    # a member account's credentials cannot list accounts: org.caller-is-management says so
                    member = (
                        code == "AccessDeniedException"
                        and self.identity is not None
                        and self.identity.account_id != self.management_account_id
                    )
                    if code != "AWSOrganizationsNotInUseException" and not member:
                        raise self.map_error(exc, "organizations:ListAccounts") from None
                    self._org_accounts = []
            return list(self._org_accounts) + self._projected_accounts(self._org_accounts)

    def _projected_accounts(self, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """While planning ahead: the accounts the accounts step will create (and the management
        account, when the organization itself is still to be created)."""
        future = self.projection
        if future is None:
            return []
        out = []
        if not existing and future.organization:
            out.append({"Id": self.management_account_id, "Status": "ACTIVE"})
        return out + [dict(a) for a in future.accounts]

    def account_id(self, key: str) -> str | None:
        """Find a profile account by the email answered for it, then by name."""
        spec = self.profile.account(key)
        emails = self.answers("accounts") if "accounts" in self.by_id else {}
        email = (emails.get(f"{key}_email") or "").lower()
        for account in self.org_accounts():
            if email and account.get("Email", "").lower() == email:
                return account["Id"]
        for account in self.org_accounts():
            if spec and account.get("Name") == spec.name:
                return account["Id"]
        return None

    # ---------------------------------------------------------- progress
    def _retrying(self, operation: str, attempt: int, limit: int, reason: str) -> None:
        """A call got no answer and is sent again: say so, so a dead endpoint is not silence."""
        where = self.endpoint_url or "AWS"
        text = f"no answer from {where} to {operation} ({reason}); retrying, attempt {attempt} of {limit}"
        log.warning("%s", text)
        if self.options.on_retry is not None:
            self.options.on_retry(text)

    def emit_progress(
        self, step_id: str, message: str, done: int | None = None, total: int | None = None
    ) -> None:
        log.info("%s: %s", step_id, message)
        for listener in list(self.progress_listeners):
            listener(step_id, message, done, total)

    # ---------------------------------------------------------- answers
    def fields(self, step: Step) -> tuple[Field, ...]:
        return step.fields(self.profile)

    def raw_answer(self, step: Step, name: str) -> tuple[Any, str]:
        """The unvalidated answer for a field and where it came from."""
        return self._raw_answer_of(step, next(f for f in self.fields(step) if f.name == name))

    def _raw_answer_of(self, step: Step, field_: Field) -> tuple[Any, str]:
        name = field_.name
        from_file = self.file_answers.get(step.id, {})
        if name in from_file:
            return from_file[name], "answers file"
        state = self._open_state()
        stored = state.answers(step.id) if state else {}
        if stored.get(name) is not None:
            return stored[name], "state"
        default = field_.default
        if callable(default):
            default = default(self.profile, self._answers_so_far(step))
        if default is not None:
            return default, "profile"
        if self.sandbox_info is not None and field_.demo is not None:
            demo = field_.demo
            if callable(demo):  # it may follow an answer of its own step (e.g. the email domain)
                demo = demo(
                    self.profile, {**self._answers_so_far(step), step.id: {**stored, **from_file}}
                )
            return demo, "sandbox demo"
        return None, "missing"

    def _answers_so_far(self, step: Step) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for other in self.steps:
            if other.id == step.id:
                break
            out[other.id] = self.answers(other.id)
        return out

    def answers(self, step_id: str) -> dict[str, Any]:
        """Validated answers of a step; missing optional ones are None."""
        held = _ANSWERS_MEMO.get()
        memo = held[1] if held is not None and held[0] is self else None
        if memo is not None and step_id in memo:
            return dict(memo[step_id])
        step = self.by_id[step_id]
        values: dict[str, Any] = {}
        for field_ in self.fields(step):  # built once: a step may have hundreds (accounts)
            raw, source = self._raw_answer_of(step, field_)
            if raw is None:
                values[field_.name] = None
                continue
            try:
                values[field_.name] = field_.parse(raw)
            except ValidationError as exc:
                raise exc.located(f"{step.id} ({source})") from None
        if memo is not None:
            memo[step_id] = dict(values)
        return values

    def missing_inputs(self, step_ids: Iterable[str]) -> list[tuple[str, str]]:
        missing = []
        for sid in step_ids:
            step = self.by_id[sid]
            for field_ in self.fields(step):
                if field_.required and self.raw_answer(step, field_.name)[0] is None:
                    missing.append((sid, field_.name))
        return missing

    def require_inputs(self, step_ids: Iterable[str]) -> None:
        ids = list(step_ids)
        missing = self.missing_inputs(ids)
        if missing:
            raise MissingInputs(missing)
        for sid in ids:
            self.answers(sid)

    def set_answers(self, step_id: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Validate and store a step's answers; dependants of a changed step go stale."""
        step = self.by_id[step_id]
        parsed: dict[str, Any] = {}
        for field_ in self.fields(step):
            if field_.name in raw:
                try:
                    parsed[field_.name] = field_.parse(raw[field_.name])
                except ValidationError as exc:
                    raise exc.located(step_id) from None
        with self.state_lock:
            before = self.state.answers(step_id)
            merged = {**before, **parsed}
            if merged != before:
                self.state.set_answers(step_id, merged)
                for dependant in self.dependants(step_id):
                    if self.state.status(dependant) in (
                        StepStatus.APPLIED.value,
                        StepStatus.VERIFIED.value,
                    ):
                        self.state.set_status(dependant, StepStatus.STALE.value, save=False)
                self.state.save()
        return self.answers(step_id)

    def dependants(self, step_id: str) -> list[str]:
        out: list[str] = []
        frontier = [step_id]
        while frontier:
            current = frontier.pop()
            for step in self.steps:
                if current in step.requires and step.id not in out:
                    out.append(step.id)
                    frontier.append(step.id)
        return out

    def warnings(self, step_id: str) -> list[str]:
        step = self.by_id[step_id]
        values = self.answers(step_id)
        return [w for f in self.fields(step) if (w := f.warning(values.get(f.name), values))]

    # ---------------------------------------------------------- plan / apply
    def context(self, step_id: str, *, read_only: bool = False) -> StepContext:
        return StepContext(self, self.by_id[step_id], read_only=read_only)

    def step_ids(self, requested: Iterable[str] | None = None) -> list[str]:
        if not requested:
            return [s.id for s in self.steps]
        wanted = list(dict.fromkeys(requested))
        unknown = [sid for sid in wanted if sid not in self.by_id]
        if unknown:
            raise ConfigError(
                f"unknown step {unknown[0]!r}", f"steps are: {', '.join(s.id for s in self.steps)}"
            )
        return [s.id for s in self.steps if s.id in wanted]

    def plan(self, step_id: str) -> Plan:
        step = self.by_id[step_id]
        ctx = self.context(step_id)
        reason = step.skip_reason(ctx)
        if reason:
            return Plan(step_id, skipped=reason)
        self.require_inputs([step_id])
        try:
            with doing(f"plan:{step_id}"):
                plan = step.plan(ctx)
        except BootstrapError:
            raise
        except Exception as exc:
            raise self.map_error(exc) from None
        plan.manual = list(plan.manual or step.manual)
        if self.state.status(step_id) == StepStatus.PENDING.value:
            with self.state_lock:
                self.state.set_status(step_id, StepStatus.PLANNED.value)
        return plan

    def plan_ahead(self, step_ids: list[str]) -> list[Plan]:
        """Plan steps in order, each against what the earlier ones will create.

        The organization and accounts steps' plans are taken in first (planned even when not
        requested): later steps see the organization, OUs and accounts still to be created, with
        placeholder ids (bootstrap_tui.future). A step that still refuses while an earlier step of
        the list has changes gets a plan that waits, naming that step (never an error).
        """
        from bootstrap_tui.future import Projection

        projection = Projection()
        self.projection = projection
        try:
            plans: list[Plan] = []
            for step_id in self.step_ids():
                requested = step_id in step_ids
                if not requested and step_id not in ("organization", "accounts"):
                    continue
                plan = (
                    self._plan_ahead_one(step_id, plans) if requested else self._quiet_plan(step_id)
                )
                if plan is None:
                    continue
                if requested:
                    plans.append(plan)
                if step_id in ("organization", "accounts"):
                    answers = self.answers(step_id) if step_id == "accounts" else {}
                    projection.learn(plan, answers, self.profile)
            return plans
        finally:
            self.projection = None
            self.projected = projection

    def _plan_ahead_one(self, step_id: str, plans: list[Plan]) -> Plan:
        pending = [p.step_id for p in plans if p.changes or p.waiting]
        try:
            return self.plan(step_id)
        except MissingInputs:
            raise
        except BootstrapError as exc:
            if not pending:
                raise
            return Plan(step_id, waiting=self._waiting_reason(exc, pending, plans))

    @staticmethod
    def _waiting_reason(exc: BootstrapError, pending: list[str], plans: list[Plan]) -> str:
        """Why a step that refuses now is planned in full later, and the new accounts it uses."""
        created = [
            f"<{c.name}, to be created>"
            for p in plans
            if p.step_id == "accounts"
            for c in p.changes
            if c.resource in ("account", "account creation")
        ]
        reason = (
            f"planned in full once {', '.join(pending)} is applied ({str(exc).splitlines()[0]})"
        )
        if created:
            reason += f"; it will act on the accounts {', '.join(created)}"
        return reason

    def _quiet_plan(self, step_id: str) -> Plan | None:
        """An earlier step's plan for the projection only; None when it cannot be planned now."""
        step = self.by_id.get(step_id)
        if step is None:
            return None
        try:
            ctx = self.context(step_id)
            if step.skip_reason(ctx) or self.missing_inputs([step_id]):
                return None
            with doing(f"plan:{step_id}"):
                return step.plan(ctx)
        except BootstrapError:
            return None
        except Exception as exc:
            log.info("could not plan %s ahead: %s", step_id, self.map_error(exc))
            return None

    def needs(self, step_id: str) -> tuple[str, ...]:
        """The steps `step_id` must wait for under this profile (Step.needs: its real `requires`)."""
        return self.by_id[step_id].needs(self.profile)

    def _requirement_met(self, step_id: str) -> bool:
        """A required step is done when applied (or later), or when the profile skips it."""
        if self.state.status(step_id) in (
            "applied",
            "verified",
            "skipped",
            "manual-pending",
            "stale",
        ):
            return True
        return step_id in self.by_id and bool(
            self.by_id[step_id].skip_reason(self.context(step_id))
        )

    def apply(
        self,
        step_id: str,
        plan: Plan | None = None,
        *,
        confirm_destructive: Callable[[Plan], bool] | None = None,
    ) -> Plan:
        """Converge one step. Destructive changes need confirm_destructive(plan) -> True."""
        from bootstrap_tui.aws import refuse_root

        refuse_root(self.identity)
        step = self.by_id[step_id]
        if plan is None:
            try:
                plan = self.plan(step_id)
            except AwsError as exc:  # AWS failed while planning: the state says so too
                with self.state_lock:
                    self.state.set_status(step_id, StepStatus.FAILED.value, error=str(exc))
                raise
        if plan.skipped:
            with self.state_lock:
                self.state.set_status(step_id, StepStatus.SKIPPED.value)
            self.emit_progress(step_id, f"skipped: {plan.skipped}")
            return plan
        if plan.blocked:  # nothing was done: the step's status stays what it was
            self.emit_progress(step_id, f"blocked: {plan.blocked}")
            return plan
        blocked = [r for r in self.needs(step_id) if not self._requirement_met(r)]
        if blocked:
            raise RefusedError(
                f"step {step_id} needs {', '.join(blocked)} first",
                f"run: bootstrap-tui apply --step {blocked[0]} --yes",
            )
        if plan.destructive and not (confirm_destructive and confirm_destructive(plan)):
            names = "; ".join(c.describe() for c in plan.destructive[:3])
            if len(plan.destructive) > 3:
                names += f"; and {len(plan.destructive) - 3} more"
            raise RefusedError(
                f"{step_id} would make {plan.confirm_kind} changes ({names}) "
                "and they were not confirmed",
                f"review them (bootstrap-tui plan --step {step_id}) and confirm: "
                f"in the wizard, or with apply --confirm-destructive {step_id}; "
                "or change the step's answers",
            )
        with self.state_lock:
            self.state.set_status(step_id, StepStatus.IN_PROGRESS.value)
        ctx = self.context(step_id)
        try:
            if plan.changes:
                with doing(f"apply:{step_id}"):
                    step.apply(ctx, plan)
        except KeyboardInterrupt:
            with self.state_lock:
                self.state.set_status(
                    step_id,
                    StepStatus.IN_PROGRESS.value,
                    error="interrupted; run apply again to resume",
                )
            raise
        except BaseException as exc:
            error = self.map_error(exc) if isinstance(exc, Exception) else exc
            with self.state_lock:
                self.state.set_status(step_id, StepStatus.FAILED.value, error=str(error))
            if error is exc:
                raise
            raise error from None
        pending = [m.id for m in plan.manual if not self.state.attestation(m.id)]
        status = StepStatus.MANUAL_PENDING if pending else StepStatus.APPLIED
        with self.state_lock:
            self.state.set_status(step_id, status.value)
        return plan

    def attester(self) -> str | None:
        """The person attesting: --attested-by, else the name the wizard recorded."""
        from bootstrap_tui.state import person_name

        given = self.options.attested_by
        return person_name(given) if given is not None else self.state.attester

    def attest(self, item_id: str, note: str = "", *, simulated: bool = False) -> None:
        """Record a person's attestation; `simulated` marks a sandbox stand-in for one."""
        with self.state_lock:
            self.state.attest(
                item_id, self.actor, note, simulated=simulated, person=self.attester()
            )
            for step in self.steps:
                if any(m.id == item_id for m in step.manual):
                    if self.state.status(step.id) == StepStatus.MANUAL_PENDING.value and all(
                        self.state.attestation(m.id) for m in step.manual
                    ):
                        self.state.set_status(step.id, StepStatus.APPLIED.value)

    # ---------------------------------------------------------- verify
    def verify(
        self,
        step_ids: Iterable[str] | None = None,
        *,
        on_result: ResultCallback | None = None,
        record: bool = True,
        check_ids: Iterable[str] | None = None,
    ) -> VerifyRun:
        """Run every check (or only ``check_ids``) read-only across accounts and governed regions,
        concurrently."""
        from bootstrap_tui.state import now

        run = VerifyRun(
            started_at=now(),
            actor=self.actor,
            account=self.management_account_id,
            endpoint=self.endpoint_url,
            sandbox=self.sandbox_info is not None,
        )
        calls_before = getattr(self.factory, "calls", 0)
        ids = self.step_ids(step_ids)
        only = None if check_ids is None else set(check_ids)
        with self.factory.read_only_guard(), self._answers_memoized(), doing("verify"):
            accounts = [a["Id"] for a in self.org_accounts(refresh=True)] or [
                self.management_account_id
            ]
            run.member_roles = self._choose_verify_roles(accounts)
            token = _VERIFY_ROLES.set(run.member_roles)
            try:
                self._run_checks(run, ids, accounts, only, on_result)
            finally:
                _VERIFY_ROLES.reset(token)
        order = {s.id: i for i, s in enumerate(self.steps)}
        run.results.sort(
            key=lambda r: (order.get(r.step_id, 99), r.check_id, r.account or "", r.region or "")
        )
        run.finished_at = now()
        run.calls = getattr(self.factory, "calls", 0) - calls_before
        if record:
            self._record_verify(run, ids)
        return run

    def _run_checks(
        self,
        run: VerifyRun,
        ids: list[str],
        accounts: list[str],
        only: set[str] | None,
        on_result: ResultCallback | None,
    ) -> None:
        """Fan every check scope out, then report each check that yielded nothing."""
        from bootstrap_tui.aws import fan_out
        from bootstrap_tui.aws.fanout import in_waves

        tasks: list[CheckTask] = []
        declared: list[tuple[Step, Check]] = []
        for sid in ids:
            step = self.by_id[sid]
            ctx = self.context(sid, read_only=True)
            if step.skip_reason(ctx):
                continue
            for check in step.checks:
                if only is not None and check.id not in only:
                    continue
                scopes = self._scopes(check, accounts)
                run.expected[check.id] = max(len(scopes), 1)
                declared.append((step, check))
                tasks += [(step, check, account, region) for account, region in scopes]

        release = self._release_finished_accounts(tasks)
        if release:
            tasks = in_waves(tasks, lambda task: task[2], self.options.max_workers)

        def run_one(task: CheckTask) -> CheckResult:
            step, check, account, region = task
            return self._run_check(step, check, account, region)

        def record(result: CheckResult) -> None:
            run.results.append(result)
            if on_result:
                on_result(result)

        def collect(task: CheckTask, result: CheckResult | BaseException) -> None:
            if isinstance(result, BaseException):
                step, check, account, region = task
                result = self._error_result(step, check, account, region, result)
            record(result)
            if release:
                release(task[2])

        fan_out(tasks, run_one, max_workers=self.options.max_workers, on_result=collect)
        for result in self._silent_checks(declared, run.results, accounts):
            run.unreported.add(result.check_id)
            record(result)

    def _release_finished_accounts(self, tasks: list[CheckTask]) -> Callable[[str], None] | None:
        """For a verify of more than KEEP_CLIENTS_ACCOUNTS member accounts: a function to call as
        each task finishes, which lets go of a member account's clients and sessions once its
        last task is done (the tasks then run account by account, in waves). Below that, None:
        every client stays cached for the next verify, as the wizard's re-verify expects."""
        left = collections.Counter(account for _, _, account, _ in tasks)
        members = [a for a in left if a != self.management_account_id]
        if len(members) <= KEEP_CLIENTS_ACCOUNTS:
            return None
        factory = self.factory

        def finished(account: str) -> None:
            left[account] -= 1
            if not left[account] and account != self.management_account_id:
                factory.release(account)

        return finished

    @contextlib.contextmanager
    def _answers_memoized(self) -> Iterator[None]:
        """Answers cannot change during a read-only run: work each out once, not once per check."""
        token = _ANSWERS_MEMO.set((self, {}))
        try:
            yield
        finally:
            _ANSWERS_MEMO.reset(token)

    def _scopes(self, check: Check, accounts: list[str]) -> list[tuple[str, str | None]]:
        mgmt = self.management_account_id
        if check.scope == Scope.MANAGEMENT:
            return [(mgmt, None)]
        if check.scope == Scope.REGION:
            return [(mgmt, r) for r in self.governed_regions]
        selected = self._select_accounts(check.accounts, accounts)
        if check.scope == Scope.ACCOUNT:
            return [(a, None) for a in selected]
        return [(a, r) for a in selected for r in self.governed_regions]

    def _silent_checks(
        self, declared: list[tuple[Step, Check]], results: list[CheckResult], accounts: list[str]
    ) -> list[CheckResult]:
        """One result for each check that yielded nothing: a missing target account is a FAIL
        that names it; any other silence is an ERROR. Verify never passes over a check."""
        reported = {r.check_id for r in results}
        out = []
        for step, check in declared:
            if check.id in reported:
                continue
            if self._scopes(check, accounts):
                status, message = Status.ERROR, "the check yielded no result"
            else:
                status, message = Status.FAIL, self._no_target_reason(check.accounts)
            out.append(
                CheckResult(
                    check_id=check.id,
                    step_id=step.id,
                    title=check.title,
                    status=status,
                    severity=check.severity,
                    message=message,
                    remediation=check.remediation,
                    evidence={"target_accounts": check.accounts, "targets_found": 0},
                    frameworks=check.mappings(),
                    prowler=check.prowler,
                )
            )
        return out

    def _no_target_reason(self, selector: str) -> str:
        """Why a check's target accounts do not exist, in words the user can act on."""
        if selector.startswith("role:"):
            key = selector[5:]
            spec = self.profile.account(key)
            name = spec.name if spec else key
            return (
                f"could not run: the {name} account (profile account {key!r}) is not in the "
                "organization; run the accounts step"
            )
        if selector == "members":
            return (
                "could not run: the organization has no member accounts; run the "
                "organization and accounts steps"
            )
        return f"could not run: no account matches {selector!r}"

    def _select_accounts(self, selector: str, accounts: list[str]) -> list[str]:
        mgmt = self.management_account_id
        if selector == "members":
            return [a for a in accounts if a != mgmt]
        if selector == "management":
            return [mgmt]
        if selector.startswith("role:"):
            found = self.account_id(selector[5:])
            return [found] if found else []
        return accounts

    def _run_check(self, step: Step, check: Check, account: str, region: str | None) -> CheckResult:
        ctx = self.context(step.id, read_only=True)
        try:
            with doing(f"check:{check.id}"):
                outcome = check.run(ctx, account, region)
        except Exception as exc:
            return self._error_result(step, check, account, region, exc)
        if not isinstance(outcome, Outcome):
            outcome = Outcome(Status.ERROR, f"check returned {type(outcome).__name__}")
        return CheckResult(
            check_id=check.id,
            step_id=step.id,
            title=check.title,
            status=outcome.status,
            severity=check.severity,
            message=outcome.message,
            remediation=check.remediation,
            account=account,
            region=region,
            evidence=outcome.evidence,
            frameworks=check.mappings(),
            prowler=check.prowler,
        )

    def _error_result(
        self, step: Step, check: Check, account: str | None, region: str | None, exc: BaseException
    ) -> CheckResult:
        from bootstrap_tui.aws.errors import INVALID_CREDENTIALS_CODES

        error = self.map_error(exc) if isinstance(exc, Exception) else exc
        message = str(error)
        code = getattr(error, "code", None)
        if region and code in INVALID_CREDENTIALS_CODES:
            # credentials that work elsewhere but not here: an opt-in region not enabled
            message = (
                f"could not run in {region} for account {account}: AWS rejected the "
                f"credentials there ({code}), so the region is probably not enabled "
                "in this account\n  → enable it under Account > AWS Regions, or remove it "
                "from the governed regions"
            )
        return CheckResult(
            check_id=check.id,
            step_id=step.id,
            title=check.title,
            status=Status.ERROR,
            severity=check.severity,
            message=message,
            remediation=check.remediation,
            account=account,
            region=region,
            evidence={"error": getattr(error, "code", None) or type(exc).__name__},
            frameworks=check.mappings(),
            prowler=check.prowler,
        )

    def _record_verify(self, run: VerifyRun, ids: list[str]) -> None:
        from bootstrap_tui.report.common import WORST_RANK as rank

        per_check: dict[str, str] = {}
        for result in run.results:
            current = per_check.get(result.check_id)
            if current is None or rank[result.status] > rank[Status(current)]:
                per_check[result.check_id] = result.status.value
        with self.state_lock:
            refused = self.state.claim()
            if refused:  # a reading run beside a changing one: record nothing, say why
                run.evidence_notes.append(
                    f"the evidence of this run was not recorded: {refused}; "
                    "run verify again once that run has finished"
                )
                return
            record = {
                "at": run.finished_at,
                "by": run.actor,
                "summary": run.counts(),
                "checks": per_check,
                "coverage": run.coverage(),
                "sandbox": run.sandbox,
            }
            self._save_latest_evidence(run)
            if run.evidence_error:
                record["evidence_error"] = run.evidence_error
            self.state.add_evidence(record)
            for sid in ids:
                statuses = [r.status for r in run.results if r.step_id == sid]
                current = self.state.status(sid)
                if set(statuses) - {Status.NOT_APPLICABLE} and all(
                    s in (Status.PASS, Status.MANUAL, Status.WARN, Status.NOT_APPLICABLE)
                    for s in statuses
                ):
                    if current in (
                        "applied",
                        "stale",
                        "pending",
                        "planned",
                        "failed",
                        "in-progress",
                        "verified",
                    ):
                        pending = [
                            m.id for m in self.by_id[sid].manual if not self.state.attestation(m.id)
                        ]
                        self.state.set_status(
                            sid, "manual-pending" if pending else "verified", save=False
                        )
                failing = sorted(
                    {
                        r.check_id
                        for r in run.results
                        if r.step_id == sid and r.status is Status.FAIL
                    }
                )
                # a manual-pending step fails its checks until the human does the manual
                # items: that is not drift, so it stays manual-pending until all are attested
                waiting = current == "manual-pending" and any(
                    not self.state.attestation(m.id) for m in self.by_id[sid].manual
                )
                if failing and current in ("applied", "verified", "manual-pending") and not waiting:
                    self.state.set_status(
                        sid,
                        "failed",
                        save=False,
                        error=(
                            f"verify on {run.finished_at} found failing checks: {', '.join(failing)}; "
                            "apply the step again to converge"
                        ),
                    )
            self.state.save()

    def _save_latest_evidence(self, run: VerifyRun) -> None:
        """Write the run's per-scope evidence; a failure is kept on the run (and then in its
        history record) for the front ends and export to say, not only logged."""
        from bootstrap_tui.report.evidence import save_latest

        try:
            aside = save_latest(self.state.path, run)
        except BootstrapError as exc:
            log.warning("latest evidence not saved: %s", exc)
            run.evidence_error = exc.message
            return
        if aside:
            run.evidence_notes.append(
                f"the evidence file was unusable; it was moved aside to "
                f"{aside} for inspection, and a new one holds this run's "
                "evidence"
            )

    # ---------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        rows = []
        for step in self.steps:
            state = self._open_state()
            entry = state.data["steps"].get(step.id, {}) if state else {}
            rows.append(
                {
                    "id": step.id,
                    "title": step.title,
                    "status": entry.get("status", "pending"),
                    "updated_at": entry.get("updated_at"),
                    "error": entry.get("error"),
                    "operations": sorted((entry.get("operations") or {}).keys()),
                }
            )
        return rows


def _env_endpoint() -> str | None:
    import os

    return os.environ.get("AWS_ENDPOINT_URL") or None


RETRY_MODES = ("adaptive", "standard", "legacy")
# 30 % throttling plus 10 % 5xx beat 10 attempts in 12 % of whole runs; 15 attempts (and
# the larger retry quota of aws/retryquota.py) complete 99.8 % (docs/reliability.md)
DEFAULT_MAX_ATTEMPTS = 15


def retry_settings(max_attempts: int | None, retry_mode: str | None) -> tuple[int, str]:
    """(total attempts, retry mode): explicit values, else AWS_MAX_ATTEMPTS / AWS_RETRY_MODE,
    else DEFAULT_MAX_ATTEMPTS in standard mode. Adaptive mode rate-limits a whole client (every
    API of one service in one account and region) after any throttle; docs/reliability.md ("Faults")
    has the measurements behind these defaults."""
    import os

    if max_attempts is None:
        raw = os.environ.get("AWS_MAX_ATTEMPTS", "").strip()
        try:
            max_attempts = int(raw) if raw else DEFAULT_MAX_ATTEMPTS
        except ValueError:
            raise ConfigError(
                f"AWS_MAX_ATTEMPTS={raw!r} is not a whole number",
                f"set it to the total number of attempts per call, e.g. {DEFAULT_MAX_ATTEMPTS}",
            ) from None
    if max_attempts < 1:
        raise ConfigError(
            f"max attempts must be at least 1, got {max_attempts}",
            f"1 means no retry; the default is {DEFAULT_MAX_ATTEMPTS}",
        )
    mode = (retry_mode or os.environ.get("AWS_RETRY_MODE", "").strip() or "standard").lower()
    if mode not in RETRY_MODES:
        raise ConfigError(
            f"retry mode {mode!r} is not one of {', '.join(RETRY_MODES)}",
            "check AWS_RETRY_MODE; standard is the default",
        )
    return max_attempts, mode


def severity_rank(severity: Severity) -> int:
    return ["critical", "high", "medium", "low", "info"].index(severity.value)
