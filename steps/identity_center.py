"""identity-center: groups, the first administrator, permission sets and the
group x account x permission-set assignments in IAM Identity Center, plus an
~/.aws/config block for `aws sso login`."""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
from functools import partial
from pathlib import Path
from typing import Any

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.aws_limits import ACCOUNT_ASSIGNMENT_OUTSTANDING
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import ConfigError, RefusedError
from bootstrap_tui.model import Check, Field, ManualItem, Outcome, Plan, Scope, Severity, Step
from bootstrap_tui.profile.model import to_data

from steps._credentials import iam_users_with_credentials
from steps._fanout import parallel
from steps._operations import run_operations
from steps._org import account_label, all_account_ids, is_future

BEGIN = "# BEGIN bootstrap-tui (IAM Identity Center)"
END = "# END bootstrap-tui"
DEFAULT_PERMISSION_SETS = (
    {
        "name": "AdministratorAccess",
        "managed_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        "session_hours": 1,
    },
)
DEFAULT_GROUPS = ({"name": "Administrators", "description": "Full administrative access"},)
DEFAULT_ASSIGNMENTS = (
    {"group": "Administrators", "permission_set": "AdministratorAccess", "accounts": "all"},
)


# ------------------------------------------------------------------ profile


def session_limit(ctx: StepContext) -> int:
    return ctx.profile.identity_center.session_limit_hours


def groups_wanted(ctx: StepContext) -> list[dict[str, Any]]:
    return list(to_data(ctx.profile.identity_center.groups) or DEFAULT_GROUPS)


def permission_sets_wanted(ctx: StepContext) -> list[dict[str, Any]]:
    sets = list(to_data(ctx.profile.identity_center.permission_sets) or DEFAULT_PERMISSION_SETS)
    limit = session_limit(ctx)
    for item in sets:
        hours = item.get("session_hours", 1)
        if not isinstance(hours, (int, float)) or not 1 <= hours <= 12 or hours > limit:
            raise ConfigError(
                f"identity_center.permission_sets: {item.get('name')} has session_hours {hours}",
                f"use 1..{min(limit, 12)} (identity_center.session_limit_hours is {limit}; AWS allows 1-12)",
            )
    return sets


def assignments_wanted(ctx: StepContext) -> list[dict[str, Any]]:
    return list(to_data(ctx.profile.identity_center.assignments) or DEFAULT_ASSIGNMENTS)


def iso_hours(hours: float) -> str:
    minutes = int(round(hours * 60))
    h, m = divmod(minutes, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "")


def parse_iso(duration: str | None) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", duration or "PT1H")
    if not match:
        return 0.0
    return int(match.group(1) or 0) + int(match.group(2) or 0) / 60


def resolve_accounts(ctx: StepContext, spec: Any) -> list[str]:
    """'all' -> every active account; a list of profile keys or 12-digit ids -> their ids."""
    if spec in (None, "all", ["all"]):
        return all_account_ids(ctx)
    out = []
    for item in spec if isinstance(spec, list) else [spec]:
        item = str(item)
        if re.fullmatch(r"\d{12}", item):
            out.append(item)
        elif item in ("management", "management-account"):
            out.append(ctx.management_account_id)
        else:
            found = ctx.account_id(item)
            if found:
                out.append(found)
            else:
                ctx.progress(f"account {item!r} of an assignment does not exist yet; skipped")
    return list(dict.fromkeys(out))


# ------------------------------------------------------------------ reads


def instance(ctx: StepContext) -> dict[str, Any] | None:
    instances = (
        ctx.client("sso-admin", region=ctx.home_region).list_instances().get("Instances", [])
    )
    return instances[0] if instances else None


def sso(ctx: StepContext) -> Any:
    return ctx.client("sso-admin", region=ctx.home_region)


def store(ctx: StepContext) -> Any:
    return ctx.client("identitystore", region=ctx.home_region)


def list_groups(ctx: StepContext, store_id: str) -> dict[str, str]:
    pages = store(ctx).get_paginator("list_groups").paginate(IdentityStoreId=store_id)
    return {g["DisplayName"]: g["GroupId"] for page in pages for g in page["Groups"]}


def find_user(ctx: StepContext, store_id: str, user_name: str) -> str | None:
    pages = store(ctx).get_paginator("list_users").paginate(IdentityStoreId=store_id)
    for page in pages:
        for user in page["Users"]:
            if user.get("UserName", "").lower() == user_name.lower():
                return user["UserId"]
    return None


def is_member(ctx: StepContext, store_id: str, group_id: str, user_id: str) -> bool:
    pages = (
        store(ctx)
        .get_paginator("list_group_memberships")
        .paginate(IdentityStoreId=store_id, GroupId=group_id)
    )
    return any(
        m.get("MemberId", {}).get("UserId") == user_id
        for page in pages
        for m in page["GroupMemberships"]
    )


def permission_sets(ctx: StepContext, instance_arn: str) -> dict[str, dict[str, Any]]:
    client = sso(ctx)
    arns = [
        a
        for page in client.get_paginator("list_permission_sets").paginate(InstanceArn=instance_arn)
        for a in page["PermissionSets"]
    ]
    out = {}
    for arn in arns:
        described = client.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)[
            "PermissionSet"
        ]
        out[described["Name"]] = described
    return out


def managed_policies(ctx: StepContext, instance_arn: str, ps_arn: str) -> set[str]:
    pages = (
        sso(ctx)
        .get_paginator("list_managed_policies_in_permission_set")
        .paginate(InstanceArn=instance_arn, PermissionSetArn=ps_arn)
    )
    return {p["Arn"] for page in pages for p in page["AttachedManagedPolicies"]}


def assigned(
    ctx: StepContext, instance_arn: str, account: str, ps_arn: str
) -> set[tuple[str, str]]:
    pages = (
        sso(ctx)
        .get_paginator("list_account_assignments")
        .paginate(InstanceArn=instance_arn, AccountId=account, PermissionSetArn=ps_arn)
    )
    return {
        (a["PrincipalType"], a["PrincipalId"]) for page in pages for a in page["AccountAssignments"]
    }


# ------------------------------------------------------------------ ~/.aws/config


def assigned_in(
    ctx: StepContext, instance_arn: str, ps_arn: str, account: str
) -> tuple[str, set[tuple[str, str]]]:
    """(account, its assignments of the permission set); none in an account still to be created."""
    if is_future(ctx, account):
        return account, set()
    return account, assigned(ctx, instance_arn, account, ps_arn)


def default_start_url(inst: dict[str, Any]) -> str:
    """The access portal URL before any custom subdomain (no AWS API returns the real one)."""
    return f"https://{inst['IdentityStoreId']}.awsapps.com/start"


def start_url(ctx: StepContext, inst: dict[str, Any]) -> str:
    """The access portal URL the user confirmed, else the default d-... URL."""
    raw = str(ctx.answers.get("access_portal_url") or "").strip()
    if not raw:
        return default_start_url(inst)
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+\.awsapps\.(com|cn)/\S*", raw):
        raise ConfigError(
            f"access_portal_url: {raw!r} is not an AWS access portal URL",
            "copy it from IAM Identity Center > Dashboard > Settings summary > AWS access portal "
            "URL, e.g. https://my-company.awsapps.com/start",
        )
    return raw


def account_names(ctx: StepContext) -> dict[str, str]:
    """Account id -> the account's name in AWS Organizations."""
    return {a["Id"]: a.get("Name", a["Id"]) for a in ctx.org_accounts()}


def sso_profile_name(account_name: str, account_id: str, permission_set: str) -> str:
    """The AWS CLI profile written for one account and permission set: `<account name>-<permission
    set>`, lower case, runs of other characters as one hyphen (e.g. `master-administratoraccess`)."""
    slug = re.sub(r"[^a-z0-9]+", "-", account_name.lower()).strip("-") or account_id
    return f"{slug}-{permission_set.lower()}"


def config_block(ctx: StepContext, inst: dict[str, Any], combos: list[tuple[str, str]]) -> str:
    session = "bootstrap-tui"
    names = account_names(ctx)
    lines = [
        BEGIN,
        f"[sso-session {session}]",
        f"sso_start_url = {start_url(ctx, inst)}",
        f"sso_region = {ctx.home_region}",
        "sso_registration_scopes = sso:account:access",
        "",
    ]
    for account, ps_name in combos:
        lines += [
            f"[profile {sso_profile_name(names.get(account, account), account, ps_name)}]",
            f"sso_session = {session}",
            f"sso_account_id = {account}",
            f"sso_role_name = {ps_name}",
            f"region = {ctx.home_region}",
            "output = json",
            "",
        ]
    lines.append(END)
    return "\n".join(lines) + "\n"


def config_target(ctx: StepContext) -> tuple[Path | None, bool]:
    raw = ctx.answers.get("aws_config_path")
    if not raw:
        return None, False
    return Path(os.path.expanduser(str(raw))), bool(ctx.answers.get("aws_config_merge"))


def merged(existing: str, block: str) -> str:
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
    if pattern.search(existing):
        return pattern.sub(lambda _: block, existing)
    sep = (
        ""
        if not existing or existing.endswith("\n\n")
        else ("\n" if existing.endswith("\n") else "\n\n")
    )
    return existing + sep + block


def config_write_plan(path: Path, merge: bool, block: str) -> tuple[Path, str] | None:
    """(file to write, new content), or None when already up to date."""
    if not path.exists():
        return (path, block)
    current = path.read_text(encoding="utf-8", errors="replace")
    if merge:
        content = merged(current, block)
        return None if content == current else (path, content)
    if block in current:
        return None
    side = path.with_name(path.name + ".bootstrap-tui")
    if side.exists() and side.read_text(encoding="utf-8", errors="replace") == block:
        return None
    return (side, block)


def write_config(target: Path, content: str, original: Path) -> Path | None:
    """Write atomically (0600); back up the original first when it is edited in place."""
    backup = None
    target.parent.mkdir(parents=True, exist_ok=True)
    if target == original and target.exists():
        stamp = _dt.datetime.now().strftime("%Y%m%d%H%M%S")
        backup = target.with_name(f"{target.name}.bak")
        if backup.exists():
            backup = target.with_name(f"{target.name}.{stamp}.bak")
        shutil.copy2(target, backup)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(tmp, target)
    return backup


# ------------------------------------------------------------------ checks


def check_instance(ctx: StepContext, account: str, region: str | None) -> Outcome:
    inst = instance(ctx)
    if inst:
        return Outcome.ok(
            f"IAM Identity Center instance in {ctx.home_region}",
            InstanceArn=inst["InstanceArn"],
            IdentityStoreId=inst["IdentityStoreId"],
        )
    return Outcome.fail(f"no IAM Identity Center instance in {ctx.home_region}")


def check_admin_everywhere(ctx: StepContext, account: str, region: str | None) -> Outcome:
    inst = instance(ctx)
    if not inst:
        return Outcome.fail("no IAM Identity Center instance")
    admin_row = next(
        (a for a in assignments_wanted(ctx) if a.get("permission_set") == "AdministratorAccess"),
        DEFAULT_ASSIGNMENTS[0],
    )
    group = admin_row["group"]
    group_id = list_groups(ctx, inst["IdentityStoreId"]).get(group)
    sets = permission_sets(ctx, inst["InstanceArn"])
    ps = sets.get(admin_row["permission_set"])
    if not group_id or not ps:
        return Outcome.fail(
            f"group {group} or permission set {admin_row['permission_set']} is missing"
        )
    if ("GROUP", group_id) in assigned(ctx, inst["InstanceArn"], account, ps["PermissionSetArn"]):
        return Outcome.ok(
            f"{group} has {admin_row['permission_set']}",
            group=group,
            permission_set=admin_row["permission_set"],
        )
    return Outcome.fail(
        f"{group} has no {admin_row['permission_set']} assignment here", group=group
    )


def check_session_durations(ctx: StepContext, account: str, region: str | None) -> Outcome:
    inst = instance(ctx)
    if not inst:
        return Outcome.fail("no IAM Identity Center instance")
    limit = session_limit(ctx)
    sets = permission_sets(ctx, inst["InstanceArn"])
    durations = {name: ps.get("SessionDuration", "PT1H") for name, ps in sets.items()}
    long = [n for n, d in durations.items() if parse_iso(d) > limit]
    if long:
        return Outcome.fail(
            f"session longer than {limit} h: {', '.join(long)}",
            limit_hours=limit,
            durations=durations,
        )
    return Outcome.ok(
        f"every permission set's session is at most {limit} h",
        limit_hours=limit,
        durations=durations,
    )


def check_member_iam_users(ctx: StepContext, account: str, region: str | None) -> Outcome:
    return iam_users_with_credentials(ctx, account)


CHECKS = (
    Check(
        "identity-center.instance",
        "IAM Identity Center is enabled",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_instance,
        "Enable IAM Identity Center in the home region (Control Tower's access management does it, or "
        "console > IAM Identity Center > Enable, organization instance).",
        no_prowler="Prowler has no IAM Identity Center instance check for the AWS provider.",
    ),
    Check(
        "identity-center.admin-group-everywhere",
        "The administrators group has AdministratorAccess",
        Severity.MEDIUM,
        Scope.ACCOUNT,
        check_admin_everywhere,
        "Assign the administrators group the AdministratorAccess permission set on this account "
        "(sso-admin CreateAccountAssignment) — run `bootstrap-tui apply --step identity-center`.",
        no_prowler="Prowler has no IAM Identity Center assignment check.",
    ),
    Check(
        "identity-center.session-durations",
        "Permission-set sessions stay within the profile's limit",
        Severity.MEDIUM,
        Scope.MANAGEMENT,
        check_session_durations,
        "Shorten the permission set's session duration (sso-admin UpdatePermissionSet SessionDuration) and "
        "re-provision it.",
        no_prowler="Prowler has no IAM Identity Center permission-set session check.",
    ),
    Check(
        "identity-center.no-member-iam-users",
        "Member accounts have no IAM users with long-lived credentials",
        Severity.HIGH,
        Scope.ACCOUNT,
        check_member_iam_users,
        "Delete the IAM users' console passwords and access keys (or the users) and sign in through IAM "
        "Identity Center; workloads use IAM roles.",
        accounts="members",
        no_prowler="Prowler's iam_user_* checks judge each IAM user's credentials; none asserts that an account has no IAM users.",
    ),
)


def _demo_email(profile: Any, answers: dict[str, dict[str, Any]]) -> str:
    domain = (answers.get("management-account") or {}).get("email_domain") or "example.com"
    return f"admin@{domain}"


# ------------------------------------------------------------------ the step


class IdentityCenterStep(Step):
    id = "identity-center"
    title = "IAM Identity Center"
    summary = (
        "Groups, the first administrator, permission sets with short sessions, and group access to "
        "every account: people sign in with single sign-on instead of IAM users."
    )
    requires = ("organization", "accounts", "control-tower")

    def needs(self, profile: Any) -> tuple[str, ...]:
        """The landing zone only when Control Tower sets up Identity Center (access management):
        then the instance, its groups and permission sets are Control Tower's to create first."""
        if profile.control_tower_enabled and profile.control_tower.access_management:
            return self.requires
        return tuple(r for r in self.requires if r != "control-tower")

    inputs = (
        Field(
            "admin_user_name",
            "First administrator's user name",
            kind="name",
            demo="admin",
            help="The Identity Center user name you will sign in with.",
        ),
        Field("admin_given_name", "Given name", kind="name", demo="Ada"),
        Field("admin_family_name", "Family name", kind="name", demo="Admin"),
        Field(
            "admin_email",
            "Email (for the password set-up; AWS sends nothing by itself)",
            kind="email",
            demo=_demo_email,
            help="A user created through the API gets no email: afterwards send the password set-up "
            "from the console (manual item 'Send the first administrator a password set-up').",
        ),
        Field(
            "access_portal_url",
            "AWS access portal URL (optional)",
            kind="text",
            required=False,
            help="Only if you customised it: IAM Identity Center > Dashboard > Settings summary > AWS access "
            "portal URL. Empty: https://<identity store id>.awsapps.com/start, shown in the plan.",
        ),
        Field(
            "aws_config_path",
            "Write the AWS CLI config block to (optional)",
            kind="text",
            required=False,
            help="e.g. ~/.aws/config. An existing file is never edited unless you allow it below; "
            "otherwise the block goes to <file>.bootstrap-tui.",
        ),
        Field(
            "aws_config_merge",
            "Edit that existing file in place (a .bak copy is kept)",
            kind="bool",
            required=False,
            default=False,
        ),
    )
    manual = (
        ManualItem(
            "identity-center.admin-password",
            "Send the first administrator a password set-up",
            "AWS sends no email to a user created through the Identity Store API, so the first "
            "administrator cannot sign in yet. In the management account, home region: IAM Identity "
            "Center console > Users > choose the administrator's user name > Reset password, then "
            "either 'Send an email to the user with instructions to reset the password' or 'Generate "
            "a one-time password' (hand it over in person), and choose Reset password. The user then "
            "signs in at the AWS access portal URL and sets a password and an MFA device.",
            "identity-center.instance",
        ),
        ManualItem(
            "identity-center.mfa",
            "Require MFA for every Identity Center sign-in",
            "IAM Identity Center > Settings > Authentication > Multi-factor authentication > Configure: "
            "'Every time they sign in (always-on)', allow authenticator apps and security keys "
            "(FIDO2/passkeys), and 'Require them to register an MFA device at sign in'.",
            "identity-center.instance",
        ),
        ManualItem(
            "identity-center.external-idp",
            "Optional: connect your identity provider",
            "If you use Google Workspace, Okta or Microsoft Entra ID: Settings > Identity source > "
            "Change to External identity provider, exchange SAML metadata, and turn on SCIM automatic "
            "provisioning. Keep the Identity Center directory if you have no IdP.",
        ),
    )
    checks = CHECKS

    # ---------------------------------------------------------- plan
    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        inst = instance(ctx)
        if inst is None:
            ct = ctx.profile.control_tower_enabled
            plan.notes.append(
                f"IAM Identity Center is not enabled in {ctx.home_region}. "
                + (
                    "Control Tower enables it when the landing zone's access management (AWS Identity Center) "
                    "option is on: repair or update the landing zone. "
                    if ct
                    else ""
                )
                + "Or enable it yourself: console > IAM Identity Center (in the home region, signed in to the "
                "management account) > Enable > 'Enable with AWS Organizations'. Then run this step again."
            )
            plan.manual = [
                ManualItem(
                    "identity-center.enable",
                    "Enable IAM Identity Center",
                    plan.notes[-1],
                    "identity-center.instance",
                ),
                *self.manual,
            ]
            plan.add(
                "enable",
                "IAM Identity Center",
                ctx.home_region,
                detail="manual: enable it in the console (organization instance)",
                data={"kind": "instance"},
            )
            return plan
        store_id, instance_arn = inst["IdentityStoreId"], inst["InstanceArn"]
        plan.keep(
            "reusing",
            "IAM Identity Center instance",
            instance_arn,
            region=ctx.home_region,
            detail=f"identity store {store_id}",
        )
        answers = ctx.answers
        groups = list_groups(ctx, store_id)
        for group in groups_wanted(ctx):
            if group["name"] in groups:
                plan.keep("reusing", "Identity Center group", group["name"])
            if group["name"] not in groups:
                plan.add(
                    "create",
                    "Identity Center group",
                    group["name"],
                    data={"kind": "group", "group": group},
                )
        user_id = find_user(ctx, store_id, answers["admin_user_name"])
        if user_id is not None:
            plan.keep("reusing", "Identity Center user", answers["admin_user_name"])
        if user_id is None:
            plan.add(
                "create",
                "Identity Center user",
                answers["admin_user_name"],
                detail=f"{answers['admin_given_name']} {answers['admin_family_name']} <{answers['admin_email']}>; "
                "AWS sends no email: then do manual item identity-center.admin-password",
                data={"kind": "user"},
            )
        admin_group = self._admin_group(ctx)
        if (
            user_id is None
            or admin_group not in groups
            or not is_member(ctx, store_id, groups[admin_group], user_id)
        ):
            plan.add(
                "add",
                "group membership",
                f"{answers['admin_user_name']} -> {admin_group}",
                data={"kind": "membership", "group": admin_group},
            )
        existing = permission_sets(ctx, instance_arn)
        for ps in permission_sets_wanted(ctx):
            current = existing.get(ps["name"])
            duration = iso_hours(ps.get("session_hours", 1))
            wanted_policies = set(ps.get("managed_policies") or [])
            if current is None:
                plan.add(
                    "create",
                    "permission set",
                    ps["name"],
                    detail=f"{duration}; {', '.join(p.split('/')[-1] for p in sorted(wanted_policies))}",
                    data={"kind": "permission-set", "ps": ps},
                )
                continue
            have = managed_policies(ctx, instance_arn, current["PermissionSetArn"])
            drift = []
            if current.get("SessionDuration", "PT1H") != duration:
                drift.append(f"session {current.get('SessionDuration', 'PT1H')} -> {duration}")
            if have != wanted_policies:
                drift.append("managed policies differ")
            if drift:
                plan.add(
                    "update",
                    "permission set",
                    ps["name"],
                    detail="; ".join(drift) + "; then re-provision",
                    data={"kind": "permission-set", "ps": ps},
                )
        combos = []
        for row in assignments_wanted(ctx):
            current = existing.get(row["permission_set"])
            group_id = groups.get(row["group"])
            accounts = resolve_accounts(ctx, row.get("accounts", "all"))
            have_by_account = {}
            if current and group_id:
                have_by_account = dict(
                    parallel(
                        accounts,
                        partial(assigned_in, ctx, instance_arn, current["PermissionSetArn"]),
                    )
                )
            for account in accounts:
                combos.append((account, row["permission_set"]))
                if ("GROUP", group_id) in have_by_account.get(account, set()):
                    continue
                plan.add(
                    "assign",
                    "account assignment",
                    f"{row['group']} / {row['permission_set']}",
                    account=account,
                    detail=account_label(ctx, account),
                    data={
                        "kind": "assignment",
                        "group": row["group"],
                        "permission_set": row["permission_set"],
                        "account": account,
                    },
                )
        path, merge = config_target(ctx)
        if path is not None:
            block = config_block(ctx, inst, list(dict.fromkeys(combos)))
            todo = config_write_plan(path, merge, block)
            if todo:
                target, _ = todo
                detail = (
                    "new file"
                    if not path.exists()
                    else f"edit in place, backup {path.name}.bak"
                    if target == path
                    else f"{path} exists and was not to be edited: written beside it"
                )
                url = start_url(ctx, inst)
                assumed = (
                    ""
                    if answers.get("access_portal_url")
                    else " (assumed: set access_portal_url if customised)"
                )
                plan.add(
                    "write",
                    "AWS CLI config",
                    str(target),
                    detail=f"{detail}; sso_start_url {url}{assumed}",
                    data={"kind": "config-file"},
                )
        if ctx.simulate_console:
            for item in self.manual:
                if not ctx.attested(item.id):
                    plan.add(
                        "attest",
                        "manual item",
                        item.id,
                        detail="sandbox: simulated console action (--simulate-console)",
                        data={"kind": "attest"},
                    )
        return plan

    def _admin_group(self, ctx: StepContext) -> str:
        for row in assignments_wanted(ctx):
            if row.get("permission_set") == "AdministratorAccess":
                return row["group"]
        return groups_wanted(ctx)[0]["name"]

    # ---------------------------------------------------------- apply
    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        inst = instance(ctx)
        if inst is None:
            raise RefusedError(
                f"IAM Identity Center is not enabled in {ctx.home_region}",
                "enable it (console > IAM Identity Center > Enable, in the management account and home region, "
                "or through Control Tower's access management), then run apply again",
            )
        store_id, instance_arn = inst["IdentityStoreId"], inst["InstanceArn"]
        answers = ctx.answers
        ids = store(ctx)
        groups = list_groups(ctx, store_id)
        for group in groups_wanted(ctx):
            if group["name"] not in groups:
                params = {"IdentityStoreId": store_id, "DisplayName": group["name"]}
                if group.get("description"):
                    params["Description"] = group["description"]
                groups[group["name"]] = ids.create_group(**params)["GroupId"]
        user_id = find_user(ctx, store_id, answers["admin_user_name"])
        if user_id is None:
            given, family = answers["admin_given_name"], answers["admin_family_name"]
            user_id = ids.create_user(
                IdentityStoreId=store_id,
                UserName=answers["admin_user_name"],
                DisplayName=f"{given} {family}",
                Name={"GivenName": given, "FamilyName": family},
                Emails=[{"Value": answers["admin_email"], "Type": "work", "Primary": True}],
            )["UserId"]
        admin_group = self._admin_group(ctx)
        if admin_group in groups and not is_member(ctx, store_id, groups[admin_group], user_id):
            ids.create_group_membership(
                IdentityStoreId=store_id, GroupId=groups[admin_group], MemberId={"UserId": user_id}
            )
        sets = self._ensure_permission_sets(ctx, instance_arn)
        self._ensure_assignments(ctx, instance_arn, groups, sets)
        self._write_config(ctx, inst)
        for change in plan.changes:
            if change.data.get("kind") == "attest" and ctx.simulate_console:
                ctx.attest(change.name, "simulated on the sandbox (--simulate-console)")

    def _ensure_permission_sets(
        self, ctx: StepContext, instance_arn: str
    ) -> dict[str, dict[str, Any]]:
        client = sso(ctx)
        existing = permission_sets(ctx, instance_arn)
        for ps in permission_sets_wanted(ctx):
            duration = iso_hours(ps.get("session_hours", 1))
            wanted = set(ps.get("managed_policies") or [])
            current = existing.get(ps["name"])
            changed = created = False
            if current is None:
                created = True
                current = client.create_permission_set(
                    Name=ps["name"],
                    InstanceArn=instance_arn,
                    SessionDuration=duration,
                    Description=(ps.get("description") or f"{ps['name']} (bootstrap-tui)")[:700],
                )["PermissionSet"]
                existing[ps["name"]] = current
            elif current.get("SessionDuration", "PT1H") != duration:
                client.update_permission_set(
                    InstanceArn=instance_arn,
                    PermissionSetArn=current["PermissionSetArn"],
                    SessionDuration=duration,
                )
                changed = True
            arn = current["PermissionSetArn"]
            have = managed_policies(ctx, instance_arn, arn)
            for policy in sorted(wanted - have):
                client.attach_managed_policy_to_permission_set(
                    InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy
                )
                changed = True
            for policy in sorted(have - wanted):
                client.detach_managed_policy_from_permission_set(
                    InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy
                )
                changed = True
            if changed and not created:  # a new set reaches accounts with its first assignment
                self._provision(ctx, instance_arn, arn, ps["name"])
        return existing

    def _provision(self, ctx: StepContext, instance_arn: str, ps_arn: str, name: str) -> None:
        client = sso(ctx)
        key = f"provision:{name}"
        op = ctx.operation(key)
        if op is None:
            status = client.provision_permission_set(
                InstanceArn=instance_arn,
                PermissionSetArn=ps_arn,
                TargetType="ALL_PROVISIONED_ACCOUNTS",
            )
            request_id = status["PermissionSetProvisioningStatus"]["RequestId"]
            ctx.record_operation(key, request_id)
        else:
            request_id = _op_id(op)

        def describe() -> tuple[bool, str]:
            state = client.describe_permission_set_provisioning_status(
                InstanceArn=instance_arn, ProvisionPermissionSetRequestId=request_id
            )["PermissionSetProvisioningStatus"]
            if state["Status"] == "FAILED":
                ctx.clear_operation(key)
                raise RefusedError(
                    f"provisioning permission set {name} failed: {state.get('FailureReason')}",
                    "fix the cause, then apply again",
                )
            return state["Status"] == "SUCCEEDED", state["Status"]

        ctx.poll(
            describe,
            interval=5,
            timeout=900,
            what=f"provision {name}",
            kind="provision-permission-set",
        )
        ctx.clear_operation(key)

    def _ensure_assignments(
        self,
        ctx: StepContext,
        instance_arn: str,
        groups: dict[str, str],
        sets: dict[str, dict[str, Any]],
    ) -> None:
        """Every group x account x permission set, up to AWS's limit of outstanding requests at
        once (aws_limits.ACCOUNT_ASSIGNMENT_OUTSTANDING); each request is recorded before the
        wait, so a stopped run resumes polling it instead of asking again."""
        client = sso(ctx)
        tasks = []
        for row in assignments_wanted(ctx):
            ps = sets.get(row["permission_set"])
            group_id = groups.get(row["group"])
            if not ps or not group_id:
                raise ConfigError(
                    f"identity_center.assignments: group {row['group']!r} or permission set "
                    f"{row['permission_set']!r} is not defined in the profile"
                )
            for account in resolve_accounts(ctx, row.get("accounts", "all")):
                key = f"assign:{account}:{row['permission_set']}:{row['group']}"
                label = f"{row['group']} / {row['permission_set']} on {account_label(ctx, account)}"
                ps_arn = ps["PermissionSetArn"]
                task = {"account": account, "ps_arn": ps_arn, "group_id": group_id, "label": label}
                tasks.append((key, task))

        def submit(task: dict[str, Any]) -> str | None:
            if ("GROUP", task["group_id"]) in assigned(
                ctx, instance_arn, task["account"], task["ps_arn"]
            ):
                return None
            status = client.create_account_assignment(
                InstanceArn=instance_arn,
                TargetId=task["account"],
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=task["ps_arn"],
                PrincipalType="GROUP",
                PrincipalId=task["group_id"],
            )["AccountAssignmentCreationStatus"]
            return str(status["RequestId"])

        def status(request_id: str) -> tuple[str, str | None]:
            state = client.describe_account_assignment_creation_status(
                InstanceArn=instance_arn, AccountAssignmentCreationRequestId=request_id
            )["AccountAssignmentCreationStatus"]
            return state["Status"], state.get("FailureReason")

        results = run_operations(
            ctx,
            tasks,
            submit=submit,
            status=status,
            what="assigning access",
            interval=5,
            timeout=900,
            max_in_flight=ACCOUNT_ASSIGNMENT_OUTSTANDING,
            kind="account-assignment",
            label=lambda task: task["label"],
        )
        labels = {key: task["label"] for key, task in tasks}
        failed = [f"{labels[k]}: {m}" for k, (s, m) in results.items() if s == "FAILED"]
        if failed:
            raise RefusedError(
                f"{len(failed)} assignment(s) failed: {'; '.join(failed)}",
                "fix the cause, then apply again; the assignments made are kept",
            )

    def _write_config(self, ctx: StepContext, inst: dict[str, Any]) -> None:
        path, merge = config_target(ctx)
        if path is None:
            return
        combos = []
        for row in assignments_wanted(ctx):
            for account in resolve_accounts(ctx, row.get("accounts", "all")):
                combos.append((account, row["permission_set"]))
        block = config_block(ctx, inst, list(dict.fromkeys(combos)))
        todo = config_write_plan(path, merge, block)
        if not todo:
            return
        target, content = todo
        backup = write_config(target, content, path)
        if target != path:
            ctx.progress(
                f"{path} exists and was left unchanged; the profiles were written to {target} "
                "(copy them into your config, or answer yes to editing it in place)"
            )
        else:
            ctx.progress(
                f"wrote the AWS CLI profiles to {target}"
                + (f" (backup: {backup})" if backup else "")
            )
        ctx.remember("aws_config_written", str(target))


def _op_id(op: Any) -> str | None:
    if op is None:
        return None
    if isinstance(op, str):
        return op
    if isinstance(op, dict):
        for key in ("id", "op_id", "operation_id"):
            if op.get(key):
                return str(op[key])
    return None


STEP = IdentityCenterStep()
