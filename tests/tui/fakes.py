"""A throwaway step set and an in-memory "cloud" for TUI tests that must not depend
on the real steps or AWS: the real Engine (answers, plan, apply, attest, state
file), with connect/verify swapped for in-process fakes. Deterministic."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bootstrap_tui.context import Cancelled
from bootstrap_tui.engine import Engine, Options, VerifyRun
from bootstrap_tui.model import (
    Check,
    Field,
    ManualItem,
    Outcome,
    Plan,
    Scope,
    Severity,
    Step,
)

ACCOUNT = "123456789012"
ARN = f"arn:aws:iam::{ACCOUNT}:user/bootstrap-admin"


class Cloud:
    """What the fake AWS knows; shared by every engine of a test, thread-safe."""

    def __init__(self, latency: float = 0.0, op_polls: int = 3) -> None:
        self.lock = threading.Lock()
        self.latency = latency
        self.op_polls = op_polls
        self.alias: str | None = None
        self.root_mfa = False
        self.org: str | None = None
        self.operations: dict[str, int] = {}  # op id -> polls left
        self.started_ops = 0
        self.describes = 0
        self.default_vpcs = 2

    def call(self) -> None:
        if self.latency:
            time.sleep(self.latency)


def _free_mail(value: Any, answers: Any) -> str | None:
    if value and str(value).lower().endswith("@gmail.com"):
        return "a free-mail address is risky for the root user; prefer your company domain"
    return None


class ManagementStep(Step):
    id = "management-account"
    title = "Management account"
    summary = "Name the management account and set its contact email."
    inputs = (
        Field(
            "alias",
            "Account alias",
            kind="alias",
            help="3-63 lowercase letters and hyphens",
            demo="acme-management",
        ),
        Field(
            "security_email",
            "Security contact email",
            kind="email",
            demo="security@example.com",
            warn=_free_mail,
        ),
    )
    checks = (
        Check(
            "mgmt.alias",
            "Account alias is set",
            Severity.LOW,
            Scope.MANAGEMENT,
            lambda ctx, a, r: ctx.engine.cloud_check_alias(),
            "set an account alias",
            frameworks={"soc2": ["CC1.1"], "aws-ssb": ["ACCT.01"]},
        ),
    )

    def plan(self, ctx) -> Plan:
        cloud = ctx.engine.cloud
        cloud.call()
        plan = Plan(self.id)
        alias = ctx.answers["alias"]
        if cloud.alias != alias:
            plan.add("create", "iam account alias", alias)
        return plan

    def apply(self, ctx, plan) -> None:
        cloud = ctx.engine.cloud
        for change in plan.changes:
            cloud.call()
            ctx.progress(f"creating alias {change.name}")
            cloud.alias = change.name


class RootMfaStep(Step):
    id = "root-mfa"
    title = "MFA on the root user"
    summary = "Protect the root user with an MFA device."
    requires = ("management-account",)
    manual = (
        ManualItem(
            "root.mfa-device",
            "Register an MFA device for root",
            "Sign in as root in the console, add a passkey or TOTP device.",
        ),
    )
    checks = (
        Check(
            "root.mfa-enabled",
            "Root user has MFA",
            Severity.CRITICAL,
            Scope.MANAGEMENT,
            lambda ctx, a, r: (
                Outcome.ok("root MFA is on", AccountMFAEnabled=1)
                if ctx.engine.cloud.root_mfa
                else Outcome.fail("root user has no MFA device", AccountMFAEnabled=0)
            ),
            "add an MFA device to the root user",
            frameworks={"soc2": ["CC6.1"], "cis-aws-3.0": ["1.5"]},
        ),
    )

    def plan(self, ctx) -> Plan:
        return Plan(self.id)

    def apply(self, ctx, plan) -> None:
        pass


class OrganizationStep(Step):
    id = "organization"
    title = "AWS Organizations"
    summary = "Create the organization (a long AWS operation)."
    requires = ("management-account",)
    long_running = True
    checks = (
        Check(
            "org.exists",
            "Organization exists",
            Severity.HIGH,
            Scope.MANAGEMENT,
            lambda ctx, a, r: (
                Outcome.ok("organization exists", Id=ctx.engine.cloud.org)
                if ctx.engine.cloud.org
                else Outcome.fail("no organization")
            ),
            "create the organization",
            frameworks={"soc2": ["CC6.1", "CC1.1"]},
        ),
    )

    def plan(self, ctx) -> Plan:
        ctx.engine.cloud.call()
        plan = Plan(self.id)
        if not ctx.engine.cloud.org:
            plan.add("create", "organization", "all features")
        return plan

    def apply(self, ctx, plan) -> None:
        cloud = ctx.engine.cloud
        op = ctx.operation("create")
        if op is None:
            cloud.call()
            with cloud.lock:
                cloud.started_ops += 1
                op_id = f"op-{cloud.started_ops}"
                cloud.operations[op_id] = cloud.op_polls
            ctx.record_operation("create", op_id)
        else:
            op_id = op["id"]

        def describe() -> tuple[bool, str]:
            cloud.call()
            with cloud.lock:
                cloud.describes += 1
                left = cloud.operations.get(op_id, 0)
                cloud.operations[op_id] = max(0, left - 1)
                done = left <= 1
                if done:
                    cloud.org = "o-fake123"
            return done, "SUCCEEDED" if done else "IN_PROGRESS"

        ctx.poll(describe, interval=0.05, timeout=60, what="creating the organization")
        ctx.clear_operation("create")


class GuardrailsStep(Step):
    id = "guardrails"
    title = "Guardrails"
    summary = "Delete the default VPCs (destructive)."
    requires = ("organization",)
    checks = (
        Check(
            "vpc.no-default",
            "No default VPC",
            Severity.MEDIUM,
            Scope.MANAGEMENT,
            lambda ctx, a, r: (
                Outcome.ok("no default VPC")
                if not ctx.engine.cloud.default_vpcs
                else Outcome.fail("default VPCs exist", count=ctx.engine.cloud.default_vpcs)
            ),
            "delete the default VPCs",
            frameworks={"cis-aws-3.0": ["5.1"]},
        ),
    )

    def plan(self, ctx) -> Plan:
        plan = Plan(self.id)
        for index in range(ctx.engine.cloud.default_vpcs):
            plan.add("delete", "default vpc", f"vpc-{index}", region="us-east-1", destructive=True)
        return plan

    def apply(self, ctx, plan) -> None:
        ctx.engine.cloud.default_vpcs = 0


def fake_steps() -> list[Step]:
    return [ManagementStep(), RootMfaStep(), OrganizationStep(), GuardrailsStep()]


class FakeEngine(Engine):
    """The real Engine with connect/verify served by `Cloud`."""

    def __init__(self, options: Options, cloud: Cloud, *, sandbox: bool = True) -> None:
        import threading as _t

        from bootstrap_tui.registry import order_steps

        self.options = options
        self.cloud = cloud
        self.profile = SimpleNamespace(
            name=options.profile or "startup-minimal",
            home_region="us-east-1",
            governed_regions=["us-east-1"],
            automation_role="x",
            account=lambda key: None,
        )
        self.steps = order_steps(fake_steps())
        self.by_id = {s.id: s for s in self.steps}
        self.file_answers = {}
        self.cancelled = Cancelled()
        self.state_lock = _t.RLock()
        self.progress_listeners = []
        self.session = self.factory = None
        self.identity = None
        self.sandbox_info = {"sandbox": True} if sandbox else None
        self.endpoint_url = "http://127.0.0.1:1" if sandbox else None
        self.state = None
        self.management_account_id = ""
        self._org_accounts = []
        self._org_lock = _t.Lock()
        self._sandbox = sandbox

    @classmethod
    def connected(cls, options: Options, cloud: Cloud, **kwargs: Any) -> FakeEngine:
        """A connected fake, as the wizard's engine factory returns it."""
        engine = cls(options, cloud, **kwargs)
        engine.connect()
        return engine

    def connect(self) -> None:
        from bootstrap_tui.state import StateStore

        self.cloud.call()
        self.identity = SimpleNamespace(account_id=ACCOUNT, arn=ARN, is_root=False)
        self.management_account_id = ACCOUNT
        self.state = StateStore(Path(self.options.state_file), lock=True).open()
        self.state.data["management_account_id"] = ACCOUNT

    def org_accounts(self, refresh: bool = False):
        return [{"Id": ACCOUNT}]

    def cloud_check_alias(self) -> Outcome:
        if self.cloud.alias:
            return Outcome.ok(f"alias is {self.cloud.alias}", alias=self.cloud.alias)
        return Outcome.fail("no account alias")

    def verify(self, step_ids=None, *, on_result=None, record=True) -> VerifyRun:
        run = VerifyRun(started_at="t0", actor=self.actor, account=ACCOUNT)
        ids = self.step_ids(step_ids)
        for sid in ids:
            step = self.by_id[sid]
            for check in step.checks:
                self.cloud.call()
                result = self._run_check(step, check, ACCOUNT, None)
                run.results.append(result)
                if on_result:
                    on_result(result)
        run.finished_at = "t1"
        if record:
            self._record_verify(run, ids)
        return run

    def context(self, step_id, *, read_only=False):
        ctx = super().context(step_id, read_only=read_only)
        cloud = self.cloud

        def sandbox_root(account, *, mfa=None, access_keys=None):
            cloud.call()
            if mfa is not None:
                cloud.root_mfa = mfa
            return {"account": account, "mfa": cloud.root_mfa}

        ctx.sandbox_root = sandbox_root
        return ctx
