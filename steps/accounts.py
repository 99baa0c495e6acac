"""accounts: the Log Archive, Audit and workload accounts of the profile, created
asynchronously through Organizations and moved into their OUs."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.aws_limits import CREATE_ACCOUNT_IN_PROGRESS
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import BootstrapError, RefusedError, ValidationError
from bootstrap_tui.model import Check, Field, Outcome, Plan, Scope, Severity, Step

from steps._errors import error_code
from steps._operations import run_operations
from steps._org import account_parent, describe_org, ou_tree, root_id
from steps import audit_role
from steps.management_account import email_advice

POLL_SECONDS = 15
TIMEOUT_SECONDS = 1800

FAILURE_HELP = {
    "EMAIL_ALREADY_EXISTS": (
        "another AWS account already uses this email address (every AWS "
        "account needs a unique one)",
        "choose another address for it in the accounts step (plus-addressing "
        "such as aws+name@company.com works), or invite the existing account "
        "into the organization instead",
    ),
    "ACCOUNT_LIMIT_EXCEEDED": (
        "the organization reached its account quota",
        "request an increase of 'Default maximum number of accounts' in "
        "Service Quotas (AWS Organizations, us-east-1), or close unused "
        "accounts",
    ),
    "CONCURRENT_ACCOUNT_MODIFICATION": (
        "another change to the organization's accounts was running at the same time",
        "wait a minute and run apply again",
    ),
    "INVALID_EMAIL": (
        "AWS rejected the email address",
        "check the address for typos and that the domain receives mail",
    ),
    "INVALID_ADDRESS": (
        "the management account's contact address is invalid",
        "fix it under Account → Contact information and run apply again",
    ),
    "INVALID_IDENTITY_FOR_BUSINESS_VALIDATION": (
        "AWS could not validate the business identity of the organization",
        "contact AWS Support, then run apply again",
    ),
    "INVALID_PAYMENT_INSTRUMENT": (
        "the management account has no valid payment method",
        "add one under Billing → Payment preferences, then run apply again",
    ),
    "PENDING_BUSINESS_VALIDATION": (
        "AWS is still validating the management account",
        "wait for the validation email, then run apply again",
    ),
    "MISSING_BUSINESS_VALIDATION": (
        "the management account has not been validated yet",
        "complete the verification AWS asked for by email",
    ),
    "MISSING_PAYMENT_INSTRUMENT": (
        "the management account has no payment method",
        "add one under Billing → Payment preferences",
    ),
    "GOVCLOUD_ACCOUNT_ALREADY_EXISTS": (
        "a GovCloud account already exists for this account",
        "use the existing one",
    ),
    "UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED": (
        "an existing resource policy does not allow tagging the new account",
        "create the account without tags or update the organization's resource policy",
    ),
    "INTERNAL_FAILURE": (
        "AWS had an internal failure",
        "run apply again; if it keeps failing, contact AWS Support",
    ),
}


def plus_address(root_email: str | None, email_local: str, domain: str | None) -> str | None:
    """aws@example.com + "log-archive" -> aws+log-archive@example.com."""
    if not root_email or "@" not in root_email:
        return None
    local, _, root_domain = root_email.partition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{email_local}@{domain or root_domain}"


def _email_default(spec: Any) -> Callable[[Any, dict[str, Any]], str | None]:
    def default(profile: Any, answers: dict[str, Any]) -> str | None:
        mgmt = (answers or {}).get("management-account") or {}
        return plus_address(
            mgmt.get("root_email"), spec.email_local or spec.key, mgmt.get("email_domain")
        )

    return default


def specs(ctx_or_profile: Any) -> list[Any]:
    profile = getattr(ctx_or_profile, "profile", ctx_or_profile)
    return list(profile.accounts)


def wanted_accounts(ctx: StepContext) -> list[dict[str, Any]]:
    """Each profile account with the answered email and name; validates uniqueness."""
    answers = ctx.answers
    out = []
    seen: dict[str, str] = {}
    root_email = (ctx.answer("management-account", "root_email") or "").lower()
    for spec in specs(ctx):
        email = answers.get(f"{spec.key}_email")
        if not email:
            raise ValidationError(f"{spec.key}_email", "a value is required", "accounts")
        lowered = email.lower()
        if lowered in seen:
            raise ValidationError(
                f"{spec.key}_email",
                f"{email} is also the email of account {seen[lowered]!r}; every "
                "AWS account needs its own address",
                "accounts",
            )
        if lowered == root_email:
            raise ValidationError(
                f"{spec.key}_email",
                f"{email} is the management account's root email; every AWS "
                "account needs its own address",
                "accounts",
            )
        seen[lowered] = spec.key
        out.append(
            {
                "key": spec.key,
                "name": answers.get(f"{spec.key}_name") or spec.name,
                "email": email,
                "ou": spec.ou,
            }
        )
    return out


def find_existing(
    ctx: StepContext, want: dict[str, Any], accounts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The account with the wanted email; by name only when the user confirmed its id
    (answer `<key>_adopt: <account id>`)."""
    for account in accounts:
        if account.get("Email", "").lower() == want["email"].lower():
            return account
    confirmed = str(ctx.answers.get(f"{want['key']}_adopt") or "").strip()
    for account in accounts:
        if account.get("Name") == want["name"] and confirmed and account.get("Id") == confirmed:
            return account
    return None


def name_clash(
    ctx: StepContext, want: dict[str, Any], accounts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """An account with the wanted name but another email, not confirmed for adoption."""
    if find_existing(ctx, want, accounts) is not None:
        return None
    return next((a for a in accounts if a.get("Name") == want["name"]), None)


def clash_advice(want: dict[str, Any], clash: dict[str, Any]) -> str:
    return (
        f"account {clash['Id']} is named {want['name']!r} but its email is {clash.get('Email')}, "
        f"not {want['email']}: it is not adopted. If it is the account you mean, answer "
        f"{want['key']}_adopt: {clash['Id']}; otherwise choose another name ({want['key']}_name)"
    )


def all_accounts(ctx: StepContext) -> list[dict[str, Any]]:
    """Every account of the organization, any status (live)."""
    if describe_org(ctx) is None:
        return []
    client = ctx.client("organizations")
    return [
        a for page in client.get_paginator("list_accounts").paginate() for a in page["Accounts"]
    ]


def unnamed_account_note(
    ctx: StepContext, account: dict[str, Any], tree: dict[str, dict[str, Any]]
) -> str:
    """Where an account the profile does not name stands, and whether the guardrails reach it."""
    from steps.guardrails import parse_exclusions, profile_tops

    label = f"{account.get('Status')}, not in the profile"
    parent = account_parent(ctx, account["Id"])
    path = next((p for p, i in tree.items() if i["Id"] == parent), None)
    if path is None:
        return f"{label}: it sits directly under the root, where no OU SCP reaches it; move it into an OU."
    top = path.split("/")[0]
    try:
        excluded = parse_exclusions(ctx.answer("guardrails", "exclude_ous"), profile_tops(ctx))
    except ValidationError:
        excluded = {}
    if top in excluded:
        return f"{label}: it is in OU {path}, EXCLUDED from the guardrails ({excluded[top]})."
    if top in profile_tops(ctx):
        return f"{label}: it is in OU {path}, which gets the guardrails; it is left as it is."
    return (
        f"{label}: it is in OU {path}, outside the profile's tree; the guardrails step attaches the "
        f"workload OUs' SCPs to {top} unless you exclude it there."
    )


def in_progress_requests(ctx: StepContext) -> dict[str, str]:
    """AccountName -> id of CreateAccount requests still IN_PROGRESS: a run that stopped
    between CreateAccount and saving its request id left them; they are adopted, not resent."""
    if describe_org(ctx) is None:
        return {}
    client = ctx.client("organizations")
    out: dict[str, str] = {}
    for page in client.get_paginator("list_create_account_status").paginate(States=["IN_PROGRESS"]):
        for status in page["CreateAccountStatuses"]:
            out.setdefault(status.get("AccountName", ""), status["Id"])
    return out


def failure_error(name: str, email: str, reason: str) -> BootstrapError:
    what, todo = FAILURE_HELP.get(
        reason,
        (
            f"AWS reported {reason}",
            "check the account request in the Organizations console and run apply again",
        ),
    )
    return RefusedError(f"creating account {name!r} <{email}> FAILED ({reason}): {what}", todo)


# ------------------------------------------------------------------ checks


def _located(
    ctx: StepContext,
) -> tuple[list[tuple[dict[str, Any], dict[str, Any] | None]], dict[str, dict[str, Any]]]:
    accounts = all_accounts(ctx)
    pairs = [(want, find_existing(ctx, want, accounts)) for want in _wanted_for_check(ctx)]
    return pairs, (ou_tree(ctx) if accounts else {})


def _wanted_for_check(ctx: StepContext) -> list[dict[str, Any]]:
    try:
        return wanted_accounts(ctx)
    except ValidationError:
        answers = ctx.answers
        return [
            {
                "key": s.key,
                "name": answers.get(f"{s.key}_name") or s.name,
                "email": answers.get(f"{s.key}_email") or "",
                "ou": s.ou,
            }
            for s in specs(ctx)
        ]


def check_exist(ctx: StepContext, account: str, region: str | None) -> Outcome:
    pairs, _ = _located(ctx)
    missing = [w["key"] for w, a in pairs if a is None]
    inactive = {w["key"]: a.get("Status") for w, a in pairs if a and a.get("Status") != "ACTIVE"}
    evidence = {
        "accounts": {w["key"]: (a["Id"] if a else None) for w, a in pairs},
        "missing": missing,
        "not_active": inactive,
    }
    if missing or inactive:
        problems = [f"missing: {', '.join(missing)}"] if missing else []
        problems += [f"{k} is {v}" for k, v in inactive.items()]
        return Outcome.fail("; ".join(problems), **evidence)
    return Outcome.ok(f"all {len(pairs)} accounts of the profile exist and are ACTIVE", **evidence)


def check_in_ou(ctx: StepContext, account: str, region: str | None) -> Outcome:
    pairs, tree = _located(ctx)
    by_id = {info["Id"]: path for path, info in tree.items()}
    wrong = {}
    placed = {}
    for want, found in pairs:
        if not found:
            wrong[want["key"]] = "account missing"
            continue
        parent = account_parent(ctx, found["Id"])
        placed[want["key"]] = by_id.get(parent, "Root" if parent.startswith("r-") else parent)
        if placed[want["key"]] != want["ou"]:
            wrong[want["key"]] = f"in {placed[want['key']]}, expected {want['ou']}"
    evidence = {"placement": placed, "wrong": wrong}
    if wrong:
        return Outcome.fail("; ".join(f"{k}: {v}" for k, v in wrong.items()), **evidence)
    return Outcome.ok("every account is in its OU", **evidence)


def check_automation_role(ctx: StepContext, account: str, region: str | None) -> Outcome:
    role = ctx.profile.automation_role
    try:
        ctx.assume_role_now(account)  # a cached session outlives a deleted or untrusting role
        seen = ctx.client("sts", account=account).get_caller_identity()
    except Exception as exc:
        return Outcome.fail(
            f"cannot assume {role} in {account}: {error_code(exc) or exc}",
            role=role,
            error=error_code(exc) or type(exc).__name__,
        )
    if seen.get("Account") != account:
        return Outcome.fail(
            f"assuming {role} landed in {seen.get('Account')}, not {account}", role=role
        )
    return Outcome.ok(f"{role} can be assumed", role=role, arn=seen.get("Arn"))


FIX = "run: bootstrap-tui apply --step accounts"
CHECK_EXIST = Check(
    id="accounts.exist",
    title="The profile's accounts exist and are ACTIVE",
    severity=Severity.HIGH,
    scope=Scope.MANAGEMENT,
    run=check_exist,
    remediation=(
        "Create the missing accounts (Organizations → Add an AWS account) with the "
        f"emails from the accounts step, or {FIX}"
    ),
    prowler="organizations_account_part_of_organizations",
)
CHECK_IN_OU = Check(
    id="accounts.in-ou",
    title="Each account is in its OU",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_in_ou,
    remediation=(
        "Move the account (Organizations → AWS accounts → select → Actions → Move), "
        f"or {FIX}; OU placement decides which SCPs and controls apply"
    ),
    no_prowler="Prowler has no check that an account sits in a given organizational unit.",
)
CHECK_ROLE = Check(
    id="accounts.automation-role",
    title="The automation role can be assumed in every member account",
    severity=Severity.MEDIUM,
    scope=Scope.ACCOUNT,
    accounts="members",
    run=check_automation_role,
    remediation=(
        "Accounts created by Organizations get the role named at creation "
        "(OrganizationAccountAccessRole by default). For an invited account, create a "
        "role with that name trusting the management account "
        "(arn:aws:iam::MANAGEMENT:root) and AdministratorAccess; SCPs must not deny it."
    ),
    no_prowler="Prowler has no check for a cross-account automation role.",
)


class AccountsStep(Step):
    id = "accounts"
    title = "Accounts"
    summary = (
        "Create the Log Archive, Audit and workload accounts of the profile and move "
        "each into its OU."
    )
    requires = ("organization",)
    long_running = True
    checks = (CHECK_EXIST, CHECK_IN_OU, CHECK_ROLE, audit_role.CHECK_AUDIT_ROLE)

    def fields(self, profile: Any) -> tuple[Field, ...]:
        out: list[Field] = []
        for spec in specs(profile):
            out.append(
                Field(
                    f"{spec.key}_email",
                    f"{spec.name}: root email",
                    kind="email",
                    default=_email_default(spec),
                    warn=email_advice,
                    help="Unique per AWS account; plus-addressing of the corporate "
                    "alias by default",
                )
            )
            out.append(
                Field(
                    f"{spec.key}_name",
                    f"{spec.name}: account name",
                    kind="name",
                    required=False,
                    default=spec.name,
                )
            )
            out.append(
                Field(
                    f"{spec.key}_adopt",
                    f"{spec.name}: adopt the existing account with this "
                    "id (only if its email differs)",
                    kind="text",
                    required=False,
                    help="Leave empty. An account with this name but another email is never "
                    "adopted unless you enter its 12-digit id here; the plan names it.",
                )
            )
        return tuple(out)

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        wanted = wanted_accounts(ctx)
        accounts = all_accounts(ctx)
        tree = ou_tree(ctx) if accounts else {}
        unrecorded = in_progress_requests(ctx)
        for want in wanted:
            pending = ctx.operation(f"create:{want['key']}")
            found = find_existing(ctx, want, accounts)
            target = want["ou"]
            if found is None:
                if pending:
                    plan.add(
                        "resume",
                        "account creation",
                        want["name"],
                        detail=f"request {pending['id']} ({want['email']})",
                        data={"key": want["key"]},
                    )
                elif want["name"] in unrecorded:
                    plan.add(
                        "resume",
                        "account creation",
                        want["name"],
                        detail=f"request {unrecorded[want['name']]} (in progress in AWS, "
                        "not recorded by an earlier run)",
                        data={"key": want["key"]},
                    )
                elif (clash := name_clash(ctx, want, accounts)) is not None:
                    plan.add(
                        "resolve",
                        "account name clash",
                        want["name"],
                        detail=clash_advice(want, clash),
                        data={"key": want["key"], "clash": clash["Id"]},
                    )
                else:
                    plan.add(
                        "create",
                        "account",
                        want["name"],
                        detail=f"{want['email']}, then move to OU {target}",
                        data={"key": want["key"]},
                    )
                continue
            plan.keep(
                "reusing",
                "account",
                want["name"],
                account=found["Id"],
                detail=f"{found.get('Email')}, {found.get('Status')}",
            )
            if found.get("Email", "").lower() != want["email"].lower():
                plan.notes.append(
                    f"{want['name']}: adopts existing account {found['Id']} by name, as "
                    f"confirmed by {want['key']}_adopt (its email is {found.get('Email')})"
                )
            if found.get("Status") != "ACTIVE":
                plan.notes.append(f"{want['name']} ({found['Id']}) is {found.get('Status')}")
                continue
            parent = account_parent(ctx, found["Id"])
            target_id = (tree.get(target) or {}).get("Id")
            if parent != target_id:
                here = next((p for p, i in tree.items() if i["Id"] == parent), "Root")
                plan.add(
                    "move",
                    "account",
                    want["name"],
                    detail=f"{here} → {target}",
                    account=found["Id"],
                    data={"key": want["key"]},
                )
        named = {found["Id"] for want in wanted if (found := find_existing(ctx, want, accounts))}
        for account in accounts:
            if account["Id"] not in named and account["Id"] != ctx.management_account_id:
                plan.keep(
                    "leaving",
                    "account",
                    account.get("Name") or account["Id"],
                    account=account["Id"],
                    detail=unnamed_account_note(ctx, account, tree),
                )
        self._plan_audit_role(ctx, plan, wanted, accounts)
        return plan

    @staticmethod
    def _plan_audit_role(
        ctx: StepContext, plan: Plan, wanted: list[dict[str, Any]], accounts: list[dict[str, Any]]
    ) -> None:
        """The read-only audit role in every ACTIVE account of the profile, existing or to come."""
        existing, to_create = [], []
        for want in wanted:
            found = find_existing(ctx, want, accounts)
            if found is None:
                to_create.append(want["name"])
            elif found.get("Status") == "ACTIVE":
                existing.append((found["Id"], want["name"]))
        audit_role.plan_changes(ctx, plan, existing, to_create)

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        wanted = wanted_accounts(ctx)
        client = ctx.client("organizations")
        accounts = all_accounts(ctx)
        clashes = [
            clash_advice(w, c)
            for w in wanted
            if not ctx.operation(f"create:{w['key']}") and (c := name_clash(ctx, w, accounts))
        ]
        if clashes:
            raise RefusedError(
                "an account name of the profile is taken: " + "; ".join(clashes),
                "confirm the adoption or rename, then apply again",
            )
        to_create = []
        for want in wanted:
            key = f"create:{want['key']}"
            if find_existing(ctx, want, accounts) is None or ctx.operation(key):
                if ctx.operation(key) and find_existing(ctx, want, accounts) is not None:
                    ctx.clear_operation(key)  # finished while we were away
                    continue
                to_create.append((key, want))
        by_key = {key: want for key, want in to_create}
        unrecorded = in_progress_requests(ctx) if to_create else {}
        for key, want in to_create:
            if not ctx.operation(key) and want["name"] in unrecorded:
                ctx.record_operation(key, unrecorded[want["name"]], adopted=True)
        role = ctx.profile.automation_role

        def submit(want: dict[str, Any]) -> str:
            status = client.create_account(
                Email=want["email"],
                AccountName=want["name"],
                RoleName=role,
                IamUserAccessToBilling="ALLOW",
            )
            return status["CreateAccountStatus"]["Id"]

        def status(request_id: str) -> tuple[str, str | None]:
            try:
                found = client.describe_create_account_status(CreateAccountRequestId=request_id)[
                    "CreateAccountStatus"
                ]
            except Exception as exc:
                if error_code(exc) == "CreateAccountStatusNotFoundException":
                    return "FAILED", "REQUEST_NOT_FOUND"
                raise
            return found["State"], found.get("FailureReason") or found.get("AccountId")

        def run(tasks: list[tuple[str, dict[str, Any]]]) -> dict[str, tuple[str, str | None]]:
            return run_operations(
                ctx,
                tasks,
                submit=submit,
                status=status,
                what="creating accounts",
                interval=POLL_SECONDS,
                timeout=TIMEOUT_SECONDS,
                max_in_flight=CREATE_ACCOUNT_IN_PROGRESS,
                kind="create-account",
                label=lambda want: f"account {want['name']}",
            )

        results = run(to_create)
        stale = [
            key for key, result in results.items() if result == ("FAILED", "REQUEST_NOT_FOUND")
        ]
        if stale:
            # AWS no longer knows the recorded request (older than 90 days, or another
            # endpoint); run_operations dropped it. The account may exist: look it up by
            # email, and create only those that are not there.
            accounts = all_accounts(ctx)
            results.update({key: ("SUCCEEDED", None) for key in stale})
            results.update(
                run(
                    [
                        (key, by_key[key])
                        for key in stale
                        if find_existing(ctx, by_key[key], accounts) is None
                    ]
                )
            )
        failures: list[BootstrapError] = []
        for key, (state, detail) in results.items():
            want = by_key[key]
            if state == "FAILED" and detail == "REQUEST_NOT_FOUND":
                # The recorded request is gone (older than 90 days, or another endpoint):
                # nothing to resume; the next apply looks for the account again.
                failures.append(
                    RefusedError(
                        f"the recorded request for account {want['name']!r} no longer exists",
                        "run apply again: it looks the account up by email before creating it",
                    )
                )
            elif state == "FAILED":
                failures.append(failure_error(want["name"], want["email"], detail or "UNKNOWN"))
        ctx.org_accounts(refresh=True)
        self._move(ctx, wanted)
        accounts = all_accounts(ctx)
        for want in wanted:
            found = find_existing(ctx, want, accounts)
            if found is not None and found.get("Status") == "ACTIVE":
                audit_role.ensure(ctx, found["Id"], want["name"])
        if failures:
            if len(failures) == 1:
                raise failures[0]
            raise RefusedError(
                "; ".join(f.message for f in failures), " / ".join(f.hint or "" for f in failures)
            )

    def _move(self, ctx: StepContext, wanted: list[dict[str, Any]]) -> None:
        client = ctx.client("organizations")
        accounts = all_accounts(ctx)
        root = root_id(ctx)
        tree = ou_tree(ctx, root)
        ids: dict[str, str] = dict(ctx.recall("accounts", {}) or {})
        for want in wanted:
            found = find_existing(ctx, want, accounts)
            if found is None:
                continue
            ids[want["key"]] = found["Id"]
            target = tree.get(want["ou"])
            if target is None:
                raise RefusedError(
                    f"OU {want['ou']!r} for account {want['name']!r} does not exist",
                    "run: bootstrap-tui apply --step organization",
                )
            parent = account_parent(ctx, found["Id"])
            if parent != target["Id"]:
                ctx.progress(f"moving {want['name']} to {want['ou']}")
                try:
                    client.move_account(
                        AccountId=found["Id"],
                        SourceParentId=parent,
                        DestinationParentId=target["Id"],
                    )
                except Exception as exc:
                    if error_code(exc) != "DuplicateAccountException":
                        raise
        ctx.remember("accounts", ids)


STEP = AccountsStep()
