"""root-mfa: the root user of the management account gets MFA, loses its access
keys, and its recovery details are stored safely. Console-only: the tool guides
and verifies; it only performs the actions on a sandbox with --simulate-console."""

from __future__ import annotations

import datetime as dt

from bootstrap_tui.context import StepContext
from bootstrap_tui.model import (
    Check,
    ManualItem,
    Outcome,
    Plan,
    Scope,
    Severity,
    Step,
    parse_timestamp,
)

from steps._credentials import credential_report_rows
from steps._paging import paginate

RECENT_DAYS = 90

ITEM_MFA = ManualItem(
    "root.mfa-device",
    "Enable MFA on the root user (hardware key preferred)",
    "Sign in as root at https://console.aws.amazon.com/ (Root user) → account menu → Security "
    "credentials → Multi-factor authentication (MFA) → Assign MFA device. Prefer a FIDO2 "
    "security key (register two, keep the spare in a safe); an authenticator app is the "
    "minimum. AWS lets you register up to 8 devices for root.",
    check_id="root.mfa-enabled",
)
ITEM_KEYS = ManualItem(
    "root.no-access-keys",
    "Delete every root access key",
    "As root: Security credentials → Access keys → Actions → Delete for each key. Anything that "
    "still uses them must move to an IAM role or an Identity Center permission set first.",
    check_id="root.no-access-keys",
)
ITEM_HARDWARE_KEY = ManualItem(
    "root.hardware-key",
    "Confirm the root MFA is a hardware key, not a synced passkey",
    "As root: Security credentials → Multi-factor authentication (MFA): every device listed must be a "
    "FIDO2 security key or a hardware TOTP token. A passkey synced through a cloud account (iCloud "
    "Keychain, Google Password Manager, a password manager) is not a hardware key: remove it. The IAM "
    "API shows only whether the root MFA is a virtual (app) device, so this tool needs your word.",
    check_id="root.hardware-mfa",
)
ITEM_RECOVERY = ManualItem(
    "root.recovery-details",
    "Store the root recovery details",
    "Record in the company password manager: the 12-digit account id, the root email (a shared "
    "alias), the root password, which MFA devices are registered and where the spare key is, "
    "and the phone number on the account (needed for MFA recovery). At least two people "
    "should be able to reach it.",
)


def _summary(ctx: StepContext, account: str | None) -> dict[str, int]:
    return ctx.client("iam", account=account).get_account_summary()["SummaryMap"]


def _root_row(ctx: StepContext, account: str | None) -> dict[str, str] | None:
    for row in credential_report_rows(ctx, account):
        if row.get("user") == "<root_account>":
            return row
    return None


# ------------------------------------------------------------------ checks


def check_mfa(ctx: StepContext, account: str, region: str | None) -> Outcome:
    enabled = int(_summary(ctx, account).get("AccountMFAEnabled", 0))
    if enabled:
        return Outcome.ok("the root user has MFA", AccountMFAEnabled=1)
    return Outcome.fail("the root user has no MFA device", AccountMFAEnabled=0)


def check_hardware_mfa(ctx: StepContext, account: str, region: str | None) -> Outcome:
    if not int(_summary(ctx, account).get("AccountMFAEnabled", 0)):
        return Outcome.fail("the root user has no MFA device at all", AccountMFAEnabled=0)
    virtual = [
        d["SerialNumber"]
        for d in paginate(
            ctx.client("iam", account=account),
            "list_virtual_mfa_devices",
            "VirtualMFADevices",
            AssignmentStatus="Assigned",
        )
        if d.get("SerialNumber", "").endswith(":mfa/root-account-mfa-device")
        or str(d.get("User", {}).get("Arn", "")).endswith(":root")
    ]
    if virtual:
        return Outcome.warn(
            "the root user's MFA is a virtual (app) device, not a hardware key",
            AccountMFAEnabled=1,
            virtual_root_device=True,
        )
    return _hardware_attestation(ctx)


def _hardware_attestation(ctx: StepContext) -> Outcome:
    """MANUAL either way: the API cannot tell a FIDO security key from a synced passkey."""
    limit = (
        "the root MFA is not a virtual device, but the IAM API cannot tell a hardware FIDO key from "
        "a synced passkey (the root user's devices cannot be read by another principal)"
    )
    attested = ctx.attested(ITEM_HARDWARE_KEY.id)
    if attested:
        return Outcome.manual(
            f"{limit}; attested as a hardware key",
            AccountMFAEnabled=1,
            virtual_root_device=False,
            attestation=attested,
        )
    return Outcome.manual(
        f"{limit}; attest that it is a hardware key ({ITEM_HARDWARE_KEY.id})",
        AccountMFAEnabled=1,
        virtual_root_device=False,
        attestation=None,
    )


def check_no_keys(ctx: StepContext, account: str, region: str | None) -> Outcome:
    present = int(_summary(ctx, account).get("AccountAccessKeysPresent", 0))
    if present:
        return Outcome.fail("the root user has access keys", AccountAccessKeysPresent=1)
    return Outcome.ok("the root user has no access keys", AccountAccessKeysPresent=0)


def check_not_used(ctx: StepContext, account: str, region: str | None) -> Outcome:
    row = _root_row(ctx, account)
    if row is None:
        return Outcome.warn(
            "the credential report has no root row; cannot tell when root was last used",
            root_row=False,
        )
    now = dt.datetime.now(dt.UTC)
    used = {
        name: parse_timestamp(row.get(name))
        for name in (
            "password_last_used",
            "access_key_1_last_used_date",
            "access_key_2_last_used_date",
        )
    }
    recent = {k: v for k, v in used.items() if v and (now - v).days < RECENT_DAYS}
    evidence: dict[str, str | int | None] = {
        k: (v.isoformat() if v else row.get(k)) for k, v in used.items()
    }
    evidence["window_days"] = RECENT_DAYS
    keys = {k: v for k, v in recent.items() if k != "password_last_used"}
    if (
        keys
    ):  # no root-only task needs an access key: this is programmatic (daily or automated) root use
        return Outcome.fail(
            f"a root access key was used {(now - max(keys.values())).days} day(s) ago "
            f"(within {RECENT_DAYS} days)",
            **evidence,
        )
    if recent:
        last = max(recent.values())
        return Outcome.warn(
            f"the root user was used {(now - last).days} day(s) ago (within {RECENT_DAYS} days)",
            **evidence,
        )
    return Outcome.ok(f"the root user has not been used in the last {RECENT_DAYS} days", **evidence)


CHECK_MFA = Check(
    id="root.mfa-enabled",
    title="Root user has MFA",
    severity=Severity.CRITICAL,
    scope=Scope.MANAGEMENT,
    run=check_mfa,
    remediation=ITEM_MFA.instructions,
    prowler="iam_root_mfa_enabled",
)
CHECK_HARDWARE_MFA = Check(
    id="root.hardware-mfa",
    title="Root user MFA is a hardware key",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_hardware_mfa,
    remediation=(
        "Register a FIDO2 security key (or hardware TOTP token) for the root user and "
        "remove the virtual MFA device: Security credentials → MFA."
    ),
    prowler="iam_root_hardware_mfa_enabled",
)
CHECK_NO_KEYS = Check(
    id="root.no-access-keys",
    title="Root user has no access keys",
    severity=Severity.CRITICAL,
    scope=Scope.MANAGEMENT,
    run=check_no_keys,
    remediation=ITEM_KEYS.instructions,
    prowler="iam_no_root_access_key",
)
CHECK_NOT_USED = Check(
    id="root.not-used-recently",
    title="Root user is not used for daily work",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_not_used,
    remediation=(
        "Sign in with IAM Identity Center (or the bootstrap IAM user until SSO exists); "
        "keep root for the few tasks that need it "
        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html). A "
        "recent sign-in during initial set-up is expected (WARN); this clears after "
        f"{RECENT_DAYS} days without root use. A root access key used in that time FAILs: "
        "delete it and move what used it to an IAM role."
    ),
    prowler="iam_avoid_root_usage",
)


class RootMfaStep(Step):
    id = "root-mfa"
    title = "Secure the root user"
    summary = (
        "MFA on the root user of the management account, no root access keys, and the "
        "recovery details stored where the company can find them."
    )
    requires = ("management-account",)
    inputs = ()
    manual = (ITEM_MFA, ITEM_HARDWARE_KEY, ITEM_KEYS, ITEM_RECOVERY)
    checks = (CHECK_MFA, CHECK_HARDWARE_MFA, CHECK_NO_KEYS, CHECK_NOT_USED)

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        account = ctx.management_account_id
        summary = _summary(ctx, None)
        how = (
            "simulated on the sandbox"
            if ctx.simulate_console
            else "manual: in the console as root (see the instructions)"
        )
        if not int(summary.get("AccountMFAEnabled", 0)):
            plan.add(
                "enable",
                "root MFA",
                f"root user of {account}",
                detail=how,
                data={"manual": True, "item": ITEM_MFA.id},
            )
        if int(summary.get("AccountAccessKeysPresent", 0)):
            plan.add(
                "delete",
                "root access keys",
                f"root user of {account}",
                detail=how,
                data={"manual": True, "item": ITEM_KEYS.id},
            )
        if ctx.simulate_console:
            for item in self.manual:
                if not ctx.attested(item.id):
                    plan.add(
                        "attest",
                        "manual item",
                        item.id,
                        detail="sandbox: simulated",
                        data={"manual": True},
                    )
        elif plan.changes:
            plan.notes.append(
                "These are console-only actions for a human: apply does not perform "
                "them; verify shows when AWS sees them done."
            )
        return plan

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        account = ctx.management_account_id
        if not ctx.simulate_console:
            for change in plan.changes:
                ctx.progress(
                    f"manual action pending: {change.action} {change.resource} "
                    "(do it in the console as root; this tool cannot)"
                )
            return
        wants = {c.resource for c in plan.changes}
        if "root MFA" in wants or "root access keys" in wants:
            ctx.progress("sandbox: simulating root MFA on and root access keys deleted")
            ctx.sandbox_root(account, mfa=True, access_keys=False)
        for change in plan.changes:
            if change.resource == "manual item" and not ctx.attested(change.name):
                ctx.attest(change.name, "simulated on the sandbox (--simulate-console)")


STEP = RootMfaStep()
