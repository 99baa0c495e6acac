"""bootstrap-cleanup: once you work through IAM Identity Center, delete the
temporary bootstrap IAM user and remove its keys from the OS keychain."""

from __future__ import annotations

from functools import partial
from types import ModuleType

from typing import Any

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import BootstrapError, RefusedError
from bootstrap_tui.model import Check, Field, ManualItem, Outcome, Plan, Scope, Severity, Step

from steps._credentials import iam_users_with_credentials
from steps._errors import call_or, error_code
from steps.identity_center import account_names, sso_profile_name


def _keychain() -> ModuleType:
    from bootstrap_tui.aws import keychain

    return keychain


def keychain_has_keys() -> bool:
    try:
        return bool(_keychain().has_bootstrap_keys())
    except Exception:
        return False


def keychain_user(ctx: StepContext) -> str | None:
    """The IAM user owning the access key stored in the keychain (the key id itself is never shown)."""
    try:
        keys = _keychain().load_bootstrap_keys()
    except Exception:
        return None
    if not keys:
        return None
    try:
        return ctx.client("iam").get_access_key_last_used(AccessKeyId=keys[0]).get("UserName")
    except Exception:
        return None


def user_inventory(ctx: StepContext, name: str) -> dict[str, Any] | None:
    iam = ctx.client("iam")
    user = call_or(None, lambda: iam.get_user(UserName=name)["User"], "NoSuchEntity")
    if user is None:
        return None
    keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    mfa = iam.list_mfa_devices(UserName=name)["MFADevices"]
    login = call_or(None, lambda: iam.get_login_profile(UserName=name), "NoSuchEntity") is not None
    inline = iam.list_user_policies(UserName=name)["PolicyNames"]
    attached = [
        p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    ]
    groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]]
    certs = [
        c["CertificateId"] for c in iam.list_signing_certificates(UserName=name)["Certificates"]
    ]
    ssh = [k["SSHPublicKeyId"] for k in iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]]
    # (the sandbox lacks ListServiceSpecificCredentials; real AWS always answers it)
    creds = [
        c["ServiceSpecificCredentialId"]
        for c in call_or(
            {}, lambda: iam.list_service_specific_credentials(UserName=name), "NotImplemented"
        ).get("ServiceSpecificCredentials", [])
    ]
    return {
        "arn": user["Arn"],
        "access_keys": len(keys),
        "mfa_devices": [d["SerialNumber"] for d in mfa],
        "login_profile": login,
        "inline_policies": inline,
        "attached_policies": attached,
        "groups": groups,
        "signing_certificates": certs,
        "ssh_keys": ssh,
        "service_credentials": creds,
    }


KEPT_USERS = ManualItem(
    "bootstrap-cleanup.kept-iam-users",
    "IAM users whose long-lived credentials you keep on purpose",
    "Retire each IAM user with an access key or console password once IAM Identity Center works:\n"
    "  aws iam list-access-keys --user-name USER\n"
    "  aws iam get-access-key-last-used --access-key-id KEY_ID   (find what still uses it)\n"
    "  aws iam update-access-key --user-name USER --access-key-id KEY_ID --status Inactive\n"
    "  (wait until nothing breaks, then) aws iam delete-access-key --user-name USER --access-key-id KEY_ID\n"
    "  aws iam delete-login-profile --user-name USER   (console password)\n"
    "or in the console: IAM > Users > USER > Security credentials (Make inactive, then Delete).\n"
    "If you keep a user's credentials deliberately, attest this item with a note that names each "
    "kept user and why; verify then reports WARN with your reason instead of FAIL. A user the note "
    "does not name still fails.",
    check_id="bootstrap-cleanup.no-iam-users",
)


def attested_users(ctx: StepContext) -> tuple[set[str], str]:
    """The user names the kept-users attestation names, and its note."""
    record = ctx.attested(KEPT_USERS.id) or {}
    note = str(record.get("note") or "")
    words = {w.strip(".,;:()'\"") for w in note.split()}
    return {w for w in words if w}, note


def check_no_mgmt_users(ctx: StepContext, account: str, region: str | None) -> Outcome:
    outcome = iam_users_with_credentials(ctx, account)
    evidence = outcome.evidence
    who = set(evidence.get("users_with_console_password", [])) | set(
        evidence.get("users_with_active_access_keys", [])
    )
    named, note = attested_users(ctx)
    if who and who <= named:
        return Outcome.warn(
            f"{len(who)} IAM user(s) keep long-lived credentials by attestation "
            f"({', '.join(sorted(who))}): {note}",
            attested=sorted(who),
            **evidence,
        )
    return outcome


def other_users_with_credentials(
    ctx: StepContext, bootstrap_user: str | None
) -> list[dict[str, Any]]:
    """IAM users of the management account, other than the bootstrap user, with long-lived credentials."""
    iam = ctx.client("iam")
    found = []
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            name = user["UserName"]
            if name == bootstrap_user:
                continue
            keys = [
                k
                for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
                if k.get("Status") == "Active"
            ]
            login = (
                call_or(
                    None,
                    partial(iam.get_login_profile, UserName=name),
                    "NoSuchEntity",
                )
                is not None
            )
            if keys or login:
                found.append({"user": name, "active_keys": len(keys), "console_password": login})
    return found


def keep_other_users(ctx: StepContext, plan: Plan, users: list[dict[str, Any]]) -> None:
    """Other IAM users with long-lived credentials are left alone, each on a plan line of its own
    with the commands that retire them."""
    named, _ = attested_users(ctx)
    for item in users:
        kept = " (kept by attestation)" if item["user"] in named else ""
        plan.keep(
            "leaving",
            "IAM user",
            item["user"],
            detail=(
                f"{item['active_keys']} active access key(s), console password: "
                f"{'yes' if item['console_password'] else 'no'}{kept}. This tool does not delete it: retire its "
                f"credentials after Identity Center works (aws iam list-access-keys --user-name {item['user']}; "
                "update-access-key --status Inactive; delete-access-key; delete-login-profile), or attest the "
                "manual item naming it and why it stays"
            ),
        )


def check_keychain(ctx: StepContext, account: str, region: str | None) -> Outcome:
    if keychain_has_keys():
        return Outcome.fail(
            "bootstrap access keys are still stored in the OS keychain", keychain_entry=True
        )
    return Outcome.ok("no bootstrap keys in the OS keychain", keychain_entry=False)


CHECKS = (
    Check(
        "bootstrap-cleanup.no-iam-users",
        "The management account has no IAM users with long-lived credentials",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_no_mgmt_users,
        "Sign in through IAM Identity Center, then delete the bootstrap user's access keys and console "
        "password (run `bootstrap-tui apply --step bootstrap-cleanup` from an SSO session). For other "
        "users: aws iam update-access-key --status Inactive, then delete-access-key and "
        "delete-login-profile (the bootstrap-cleanup plan lists them), or attest "
        "bootstrap-cleanup.kept-iam-users naming the users you keep and why.",
        no_prowler="Prowler's iam_user_* checks judge each IAM user's credentials; none asserts that the management account has no IAM users left.",
    ),
    Check(
        "bootstrap-cleanup.keychain-empty",
        "No bootstrap keys remain in the OS keychain",
        Severity.MEDIUM,
        Scope.MANAGEMENT,
        check_keychain,
        "Run bootstrap-cleanup, or delete the 'bootstrap-tui' entry from your keychain.",
        no_prowler="Local state of the operator's machine (OS keychain); not an AWS resource Prowler can read.",
    ),
)


def admin_profile(ctx: StepContext) -> str:
    """The AWS CLI profile the identity-center step writes for the management account's admins."""
    account = ctx.management_account_id
    try:
        name = account_names(ctx).get(account, account)
    except BootstrapError:
        name = account
    return sso_profile_name(name, account, "AdministratorAccess")


class BootstrapCleanupStep(Step):
    id = "bootstrap-cleanup"
    title = "Remove the bootstrap IAM user"
    summary = (
        "Once you sign in through IAM Identity Center, delete the temporary bootstrap IAM user and "
        "its keys, so no long-lived credentials remain in the management account."
    )
    requires = ("identity-center",)
    inputs = (
        Field(
            "bootstrap_user_name",
            "Bootstrap IAM user to delete",
            kind="name",
            required=False,
            help="Leave empty to use the user whose keys are in the OS keychain.",
        ),
    )
    checks = CHECKS

    def _user(self, ctx: StepContext) -> str | None:
        return ctx.answers.get("bootstrap_user_name") or keychain_user(ctx)

    def _left_to_delete(self, ctx: StepContext) -> list[str]:
        """What this step would delete, named for the user (read-only)."""
        left = []
        name = self._user(ctx)
        if name and user_inventory(ctx, name) is not None:
            left.append(f"IAM user {name}")
        if keychain_has_keys():
            left.append("the bootstrap keys in the OS keychain")
        return left

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        others = other_users_with_credentials(ctx, self._user(ctx))
        keep_other_users(ctx, plan, others)
        if others:
            plan.manual = [KEPT_USERS]
        identity = ctx.identity
        if not getattr(identity, "is_sso_role", False):
            who = getattr(identity, "arn", "unknown")
            plan.notes.append(
                f"You are signed in as {who}, not through IAM Identity Center. Deleting the bootstrap user now "
                f"could lock you out. Sign in with `aws sso login --profile {admin_profile(ctx)}` "
                "(see the identity-center step), run bootstrap-tui with that profile, and run this step again."
            )
            left = self._left_to_delete(ctx)
            if left:  # not done: it must not read as up to date
                plan.blocked = f"{' and '.join(left)} still to delete, which needs an IAM Identity Center session"
            return plan
        name = self._user(ctx)
        if name:
            current_user = (
                getattr(identity, "arn", "").split(":user/")[-1]
                if ":user/" in getattr(identity, "arn", "")
                else None
            )
            if current_user and current_user.split("/")[-1] == name:
                raise RefusedError(
                    f"{name} is the identity this session uses", "sign in through SSO first"
                )
            inv = user_inventory(ctx, name)
            if inv is None:
                plan.notes.append(f"IAM user {name} does not exist (already deleted).")
            else:
                detail = (
                    f"{inv['access_keys']} access key(s), {len(inv['mfa_devices'])} MFA device(s), "
                    f"console password: {'yes' if inv['login_profile'] else 'no'}, "
                    f"{len(inv['inline_policies']) + len(inv['attached_policies'])} policy(ies), "
                    f"{len(inv['groups'])} group(s)"
                )
                plan.add(
                    "delete",
                    "IAM user",
                    name,
                    detail=detail,
                    destructive=True,
                    data={"kind": "user", "user": name},
                )
        else:
            plan.notes.append(
                "No bootstrap user was named and the keychain holds no keys: nothing to delete."
            )
        if keychain_has_keys():
            plan.add(
                "remove",
                "keychain entry",
                "bootstrap-tui",
                detail="the bootstrap access key stored by this tool",
                data={"kind": "keychain"},
            )
        return plan

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        if not getattr(ctx.identity, "is_sso_role", False):
            raise RefusedError(
                "bootstrap-cleanup runs only from an IAM Identity Center session",
                "sign in with aws sso login and run bootstrap-tui with that profile",
            )
        for change in plan.changes:
            if change.data.get("kind") == "user":
                self._delete_user(ctx, change.data["user"])
        if any(c.data.get("kind") == "keychain" for c in plan.changes):
            _keychain().delete_bootstrap_keys()
            ctx.progress("removed the bootstrap keys from the OS keychain")

    def _delete_user(self, ctx: StepContext, name: str) -> None:
        iam = ctx.client("iam")
        inv = user_inventory(ctx, name)
        if inv is None:
            return
        ctx.progress(f"deleting IAM user {name}")
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        for serial in inv["mfa_devices"]:
            call_or(
                None,
                partial(iam.deactivate_mfa_device, UserName=name, SerialNumber=serial),
                "NoSuchEntity",
            )
            if ":mfa/" in serial:  # virtual device: delete it too
                call_or(
                    None,
                    partial(iam.delete_virtual_mfa_device, SerialNumber=serial),
                    "NoSuchEntity",
                )
        if inv["login_profile"]:
            call_or(None, lambda: iam.delete_login_profile(UserName=name), "NoSuchEntity")
        for cert in inv["signing_certificates"]:
            iam.delete_signing_certificate(UserName=name, CertificateId=cert)
        for ssh in inv["ssh_keys"]:
            iam.delete_ssh_public_key(UserName=name, SSHPublicKeyId=ssh)
        for cred in inv["service_credentials"]:
            iam.delete_service_specific_credential(UserName=name, ServiceSpecificCredentialId=cred)
        for policy in inv["inline_policies"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy)
        for arn in inv["attached_policies"]:
            iam.detach_user_policy(UserName=name, PolicyArn=arn)
        for group in inv["groups"]:
            iam.remove_user_from_group(UserName=name, GroupName=group)
        try:
            iam.delete_user(UserName=name)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise


STEP = BootstrapCleanupStep()
