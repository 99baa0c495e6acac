"""AWS Backup organization-wide, part of the security-services step: the BACKUP_POLICY type on
the root, one backup policy (the profile's daily and monthly rules, resources selected by one
tag) attached to the workload OUs, and in every account of those OUs the IAM role AWS Backup
assumes and a vault in each governed region, with the profile's Vault Lock. Trusted access for
backup.amazonaws.com turns on cross-account monitoring in the management account, as the AWS
Backup developer guide's "Managing AWS Backup resources across multiple AWS accounts" says."""

from __future__ import annotations

import json
import threading
import time
import weakref
from datetime import datetime, timedelta, UTC
from typing import Any

from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Change, Check, Outcome, Plan, Scope, Severity

from steps._errors import call_or
from steps._fanout import parallel
from steps._naming import PREFIX, PURPOSE_TAG
from steps._org import (
    account_label,
    future_org,
    is_future,
    ou_tree,
    root_id,
    service_access_enabled,
    ensure_service_access,
)
from steps._paging import paginate

POLICY_TYPE = "BACKUP_POLICY"
POLICY_NAME = f"{PREFIX}-backup"
PLAN_NAME = f"{PREFIX}-backup"
VAULT_NAME = f"{PREFIX}-backup"
ROLE_NAME = f"{PREFIX}-backup"
PRINCIPAL = "backup.amazonaws.com"
ROLE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)
DAILY = "cron(0 5 ? * * *)"  # 05:00 UTC every day
MONTHLY = "cron(0 5 1 * ? *)"  # 05:00 UTC on the 1st of each month
GRACE_DAYS = 3  # ChangeableForDays: AWS's minimum grace time before a COMPLIANCE lock sets
BAD_JOB_STATES = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")
MONITORING = (
    "cross-account monitoring: AWS Backup console of the management account > Cross-account "
    "monitoring, or `aws backup list-backup-jobs --by-account-id <id>` from the management account"
)


def settings(ctx: StepContext) -> Any:
    return ctx.profile.security_services.backup


def backup_on(ctx: StepContext) -> bool:
    return bool(settings(ctx).enabled)


def retentions(ctx: StepContext) -> dict[str, int]:
    """Rule name -> days its recovery points are kept (the monthly rule only when it is on)."""
    out = {"daily": settings(ctx).daily_retention_days}
    if settings(ctx).monthly_retention_days:
        out["monthly"] = settings(ctx).monthly_retention_days
    return out


def tag_text(ctx: StepContext) -> str:
    return f"{settings(ctx).tag_key}={settings(ctx).tag_value}"


def wanted_policy(ctx: StepContext) -> dict[str, Any]:
    """The backup policy, in the syntax of the Organizations user guide's "Backup policy syntax
    and examples": every value set with @@assign, $account resolved by AWS in each account."""
    rules = {
        name: {
            "schedule_expression": {"@@assign": DAILY if name == "daily" else MONTHLY},
            "start_backup_window_minutes": {"@@assign": "60"},
            "complete_backup_window_minutes": {"@@assign": "1440"},
            "lifecycle": {"delete_after_days": {"@@assign": str(days)}},
            "target_backup_vault_name": {"@@assign": VAULT_NAME},
        }
        for name, days in retentions(ctx).items()
    }
    selection = {
        "iam_role_arn": {"@@assign": f"arn:aws:iam::$account:role/{ROLE_NAME}"},
        "tag_key": {"@@assign": settings(ctx).tag_key},
        "tag_value": {"@@assign": [settings(ctx).tag_value]},
    }
    return {
        "plans": {
            PLAN_NAME: {
                "regions": {"@@assign": list(ctx.governed_regions)},
                "rules": rules,
                "selections": {"tags": {"tagged": selection}},
            }
        }
    }


def wanted_lock(ctx: StepContext) -> dict[str, Any] | None:
    """PutBackupVaultLockConfiguration's body for the profile's mode (None: no lock). The range
    spans the rules' retentions, so every scheduled recovery point fits in it."""
    mode = settings(ctx).vault_lock
    if mode == "NONE":
        return None
    days = retentions(ctx).values()
    body: dict[str, Any] = {"MinRetentionDays": min(days), "MaxRetentionDays": max(days)}
    if mode == "COMPLIANCE":
        body["ChangeableForDays"] = GRACE_DAYS
    return body


# ------------------------------------------------------------------ reads


def policy_type_enabled(ctx: StepContext) -> bool:
    if future_org(ctx):
        return False
    root = ctx.client("organizations").list_roots()["Roots"][0]
    return any(
        t.get("Type") == POLICY_TYPE and t.get("Status") == "ENABLED"
        for t in root.get("PolicyTypes", [])
    )


def find_policy(ctx: StepContext) -> dict[str, Any] | None:
    """Our backup policy: {Id, content (parsed), targets (ids)}, or None."""
    if future_org(ctx):
        return None
    org = ctx.client("organizations")
    summary = next(
        (
            p
            for p in paginate(org, "list_policies", "Policies", Filter=POLICY_TYPE)
            if p.get("Name") == POLICY_NAME
        ),
        None,
    )
    if summary is None:
        return None
    content = org.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
    targets = [
        t["TargetId"]
        for t in paginate(org, "list_targets_for_policy", "Targets", PolicyId=summary["Id"])
    ]
    return {"Id": summary["Id"], "content": json.loads(content), "targets": targets}


def workload_ous(ctx: StepContext) -> dict[str, str | None]:
    """The profile's target OU paths -> their ids (None: not created yet)."""
    tree = {} if future_org(ctx) else ou_tree(ctx)
    return {path: (tree.get(path) or {}).get("Id") for path in settings(ctx).target_ous}


def workload_accounts(ctx: StepContext) -> list[str]:
    """Accounts in the target OUs and the OUs under them: found live, plus the profile's own
    accounts placed there (placeholders while planning ahead)."""
    targets = tuple(settings(ctx).target_ous)

    def inside(path: str) -> bool:
        return any(path == t or path.startswith(t + "/") for t in targets)

    found: list[str] = []
    if not future_org(ctx):
        org = ctx.client("organizations")
        for path, ou in ou_tree(ctx).items():
            if inside(path):
                found += [
                    a["Id"]
                    for a in paginate(
                        org, "list_accounts_for_parent", "Accounts", ParentId=ou["Id"]
                    )
                    if a.get("Status", "ACTIVE") == "ACTIVE"
                ]
    for spec in ctx.profile.accounts:
        if inside(spec.ou):
            account = ctx.account_id(spec.key)
            if account:
                found.append(account)
    return sorted(dict.fromkeys(found))


_VERIFY_SCOPE: weakref.WeakKeyDictionary[Any, tuple[float, list[str]]] = weakref.WeakKeyDictionary()
_VERIFY_SCOPE_LOCK = threading.Lock()
VERIFY_SCOPE_TTL_S = 30.0


def checked_accounts(ctx: StepContext) -> list[str]:
    """workload_accounts for the checks: one verify run asks it for every account and region, so
    a read-only context reuses the engine's answer for a few seconds instead of walking the OU
    tree again each time (plans and applies always read it afresh)."""
    if not ctx.read_only:
        return workload_accounts(ctx)
    now = time.monotonic()
    try:
        with _VERIFY_SCOPE_LOCK:
            found = _VERIFY_SCOPE.get(ctx.engine)
    except TypeError:  # an engine that cannot be weakly referenced or hashed: no reuse
        return workload_accounts(ctx)
    if found and now - found[0] < VERIFY_SCOPE_TTL_S:
        return found[1]
    accounts = workload_accounts(ctx)
    with _VERIFY_SCOPE_LOCK:
        _VERIFY_SCOPE[ctx.engine] = (now, accounts)
    return accounts


def vault(ctx: StepContext, account: str, region: str) -> dict[str, Any] | None:
    if is_future(ctx, account):
        return None
    client = ctx.client("backup", account=account, region=region)
    return call_or(
        None,
        lambda: client.describe_backup_vault(BackupVaultName=VAULT_NAME),
        "ResourceNotFoundException",
    )


def role_exists(ctx: StepContext, account: str) -> bool:
    if is_future(ctx, account):
        return False
    iam = ctx.client("iam", account=account)
    role = call_or(None, lambda: iam.get_role(RoleName=ROLE_NAME), "NoSuchEntity")
    if role is None:
        return False
    attached = {
        p["PolicyArn"]
        for p in paginate(
            iam, "list_attached_role_policies", "AttachedPolicies", RoleName=ROLE_NAME
        )
    }
    return set(ROLE_POLICIES) <= attached


def lock_of(found: dict[str, Any]) -> dict[str, Any]:
    """A vault's lock as the profile states it: mode and retention range."""
    if not found.get("Locked"):
        return {"mode": "NONE"}
    return {
        "mode": "COMPLIANCE" if found.get("LockDate") else "GOVERNANCE",
        "MinRetentionDays": found.get("MinRetentionDays"),
        "MaxRetentionDays": found.get("MaxRetentionDays"),
    }


def lock_matches(ctx: StepContext, found: dict[str, Any]) -> bool:
    want = wanted_lock(ctx)
    have = lock_of(found)
    if want is None:
        return have["mode"] == "NONE"
    return (
        have["mode"] == settings(ctx).vault_lock
        and have.get("MinRetentionDays") == want["MinRetentionDays"]
        and have.get("MaxRetentionDays") == want["MaxRetentionDays"]
    )


def lock_is_set(found: dict[str, Any]) -> bool:
    """A COMPLIANCE lock past its grace time: AWS refuses any change to it."""
    date = found.get("LockDate")
    return date is not None and date <= datetime.now(UTC)


def recent_jobs(ctx: StepContext, account: str, region: str) -> list[dict[str, Any]]:
    since = datetime.now(UTC) - timedelta(days=settings(ctx).job_lookback_days)
    client = ctx.client("backup", account=account, region=region)
    return paginate(client, "list_backup_jobs", "BackupJobs", ByCreatedAfter=since)


# ------------------------------------------------------------------ checks


def _off() -> Outcome:
    return Outcome.warn(
        "turned off in the profile (security_services.backup.enabled: false)",
        profile_setting="security_services.backup.enabled",
    )


def _not_checked_here(ctx: StepContext, account: str) -> Outcome | None:
    """Why a per-account backup check does not judge ``account`` (backup off in the profile,
    or not a workload account), or None when it does."""
    if not backup_on(ctx):
        return _off()
    if account in checked_accounts(ctx):
        return None
    return Outcome.not_applicable(
        "not a workload account: the backup policy targets " + ", ".join(settings(ctx).target_ous),
        target_ous=list(settings(ctx).target_ous),
    )


def check_policy(ctx: StepContext, account: str, region: Any) -> Outcome:
    if not backup_on(ctx):
        return _off()
    enabled = policy_type_enabled(ctx)
    policy = find_policy(ctx)
    ous = workload_ous(ctx)
    evidence: dict[str, Any] = {
        "policy_type_enabled": enabled,
        "policy": POLICY_NAME,
        "policy_id": (policy or {}).get("Id"),
        "target_ous": ous,
        "attached_to": (policy or {}).get("targets", []),
        "tag": tag_text(ctx),
        "retention_days": retentions(ctx),
    }
    failures = []
    if not enabled:
        failures.append("the BACKUP_POLICY type is not enabled on the root")
    if policy is None:
        failures.append(f"no backup policy named {POLICY_NAME}")
    else:
        if policy["content"] != wanted_policy(ctx):
            failures.append("the backup policy's content differs from the profile")
        missing = [p for p, i in ous.items() if i not in policy["targets"]]
        if missing:
            failures.append(f"not attached to {', '.join(missing)}")
    if failures:
        return Outcome.fail("; ".join(failures), **evidence)
    return Outcome.ok(
        f"backup policy {POLICY_NAME} (resources tagged {tag_text(ctx)}) is attached to "
        + ", ".join(ous),
        **evidence,
    )


def check_vault(ctx: StepContext, account: str, region: str) -> Outcome:
    other = _not_checked_here(ctx, account)
    if other:
        return other
    found = vault(ctx, account, region)
    if found is None:
        return Outcome.fail(f"no backup vault {VAULT_NAME}", vault=VAULT_NAME)
    evidence = {
        "vault": VAULT_NAME,
        "encryption_key": found.get("EncryptionKeyArn"),
        "encryption_key_type": found.get("EncryptionKeyType"),
    }
    if not found.get("EncryptionKeyArn"):
        return Outcome.fail(f"backup vault {VAULT_NAME} has no KMS encryption key", **evidence)
    return Outcome.ok(f"backup vault {VAULT_NAME} exists, encrypted with KMS", **evidence)


def check_vault_lock(ctx: StepContext, account: str, region: str) -> Outcome:
    other = _not_checked_here(ctx, account)
    if other:
        return other
    found = vault(ctx, account, region)
    want = wanted_lock(ctx)
    evidence: dict[str, Any] = {
        "vault": VAULT_NAME,
        "profile_vault_lock": settings(ctx).vault_lock,
        "wanted": want,
    }
    if found is None:
        return Outcome.fail(f"no backup vault {VAULT_NAME}", **evidence)
    evidence["lock"] = lock_of(found)
    if not lock_matches(ctx, found):
        return Outcome.fail(
            f"Vault Lock is {lock_of(found)['mode']}, the profile wants {settings(ctx).vault_lock}"
            + (f" with {want['MinRetentionDays']}-{want['MaxRetentionDays']} days" if want else ""),
            **evidence,
        )
    return Outcome.ok(f"Vault Lock is {settings(ctx).vault_lock} as the profile says", **evidence)


def check_jobs(ctx: StepContext, account: str, region: str) -> Outcome:
    other = _not_checked_here(ctx, account)
    if other:
        return other
    days = settings(ctx).job_lookback_days
    jobs = recent_jobs(ctx, account, region)
    latest: dict[str, dict[str, Any]] = {}
    for job in sorted(jobs, key=lambda j: j.get("CreationDate") or 0):
        latest[job.get("ResourceArn", "?")] = job
    states: dict[str, int] = {}
    for job in latest.values():
        states[job.get("State", "?")] = states.get(job.get("State", "?"), 0) + 1
    bad = [j for j in latest.values() if j.get("State") in BAD_JOB_STATES]
    evidence: dict[str, Any] = {
        "lookback_days": days,
        "jobs": len(jobs),
        "latest_job_by_state": states,
    }
    if bad:
        evidence["failed_jobs"] = [
            {
                "id": j.get("BackupJobId"),
                "state": j.get("State"),
                "resource": j.get("ResourceArn"),
                "message": j.get("StatusMessage", ""),
            }
            for j in bad[:10]
        ]
        return Outcome.fail(
            f"the latest backup job of {len(bad)} resource(s) did not complete (last {days} days)",
            **evidence,
        )
    if not jobs:
        return Outcome.not_applicable(
            f"no backup job in the last {days} days: no resource here is tagged {tag_text(ctx)}, "
            "or the policy's first window has not come yet",
            **evidence,
        )
    return Outcome.ok(
        f"the latest backup job of each of {len(latest)} resource(s) completed (last {days} days)",
        **evidence,
    )


CHECKS = (
    Check(
        "security-services.backup-policy",
        "An organization backup policy is attached to the workload OUs",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_policy,
        "From the management account: aws organizations enable-policy-type --root-id <root> "
        "--policy-type BACKUP_POLICY, create the backup policy (bootstrap-backup) and attach it "
        "to each workload OU (or run `bootstrap-tui apply --step security-services`).",
        prowler="backup_plans_exist",
    ),
    Check(
        "security-services.backup-vault",
        "A KMS-encrypted backup vault exists in every workload account and region",
        Severity.HIGH,
        Scope.ACCOUNT_REGION,
        check_vault,
        "In each workload account and governed region: aws backup create-backup-vault "
        "--backup-vault-name bootstrap-backup (encrypted with the aws/backup KMS key unless "
        "--encryption-key-arn names another), or run `bootstrap-tui apply --step security-services`.",
        prowler="backup_vaults_encrypted",
        prowler_also=("backup_vaults_exist",),
        accounts="members",
    ),
    Check(
        "security-services.backup-vault-lock",
        "Each workload backup vault has the profile's Vault Lock",
        Severity.MEDIUM,
        Scope.ACCOUNT_REGION,
        check_vault_lock,
        "aws backup put-backup-vault-lock-configuration --backup-vault-name bootstrap-backup "
        "--min-retention-days <shortest rule> --max-retention-days <longest rule> "
        "(add --changeable-for-days 3 for COMPLIANCE, which can never be undone after 3 days).",
        no_prowler="Prowler has no check of a backup vault's lock configuration.",
        accounts="members",
    ),
    Check(
        "security-services.backup-jobs",
        "No backup job failed recently in the workload accounts",
        Severity.MEDIUM,
        Scope.ACCOUNT_REGION,
        check_jobs,
        "aws backup list-backup-jobs --by-state FAILED in the account and region (or the "
        "management account's cross-account monitoring); fix the cause (the role "
        "bootstrap-backup's permissions, the resource's state, the vault lock's range), then "
        "start an on-demand backup to prove it.",
        prowler="backup_reportplans_exist",
        accounts="members",
    ),
)


# ------------------------------------------------------------------ plan


def plan_backup(ctx: StepContext, plan: Plan) -> None:
    """Plan lines of AWS Backup: policy type, monitoring, roles, vaults, locks, the policy."""
    plan.notes.append(
        f"AWS Backup: resources tagged {tag_text(ctx)} in the accounts of "
        f"{', '.join(settings(ctx).target_ous)} are backed up "
        + " and ".join(f"{n} (kept {d} days)" for n, d in retentions(ctx).items())
        + f" into the vault {VAULT_NAME}; {MONITORING}."
    )
    if not policy_type_enabled(ctx):
        plan.add(
            "enable",
            "policy type",
            POLICY_TYPE,
            detail="on the organization root",
            data={"kind": "backup-policy-type"},
        )
    if not service_access_enabled(ctx, PRINCIPAL):
        plan.add(
            "enable",
            "trusted access",
            PRINCIPAL,
            detail="AWS Backup cross-account monitoring in the management account",
            data={"kind": "backup-monitoring"},
        )
    accounts = workload_accounts(ctx)
    for account, has_role in parallel(accounts, lambda a: (a, role_exists(ctx, a))):
        if not has_role:
            plan.add(
                "create",
                "IAM role",
                ROLE_NAME,
                account=account,
                detail=f"{account_label(ctx, account)}: the role AWS Backup assumes, "
                "with AWSBackupServiceRolePolicyForBackup and ...ForRestores",
                data={"kind": "backup-role", "account": account},
            )
    pairs = [(a, r) for a in accounts for r in ctx.governed_regions]
    for (account, region), found in parallel(pairs, lambda ar: (ar, vault(ctx, *ar))):
        _plan_vault(ctx, plan, account, region, found)
    _plan_policy(ctx, plan)


def _plan_vault(
    ctx: StepContext, plan: Plan, account: str, region: str, found: dict[str, Any] | None
) -> None:
    label = account_label(ctx, account)
    data = {"account": account, "region": region}
    if found is None:
        plan.add(
            "create",
            "backup vault",
            VAULT_NAME,
            account=account,
            region=region,
            detail=f"{label}: encrypted with the aws/backup KMS key",
            data={"kind": "backup-vault", **data},
        )
    else:
        plan.keep(
            "keeping",
            "backup vault",
            VAULT_NAME,
            account=account,
            region=region,
            detail=f"{label}: encrypted with {found.get('EncryptionKeyArn')}",
        )
    if found is not None and lock_matches(ctx, found):
        return
    want = wanted_lock(ctx)
    mode = settings(ctx).vault_lock
    if found is not None and lock_is_set(found):
        plan.notes.append(
            f"The vault {VAULT_NAME} in {label} [{region}] has a COMPLIANCE Vault Lock past its "
            "grace time: AWS refuses any change to it, so it stays as it is (the "
            "backup-vault-lock check reports the difference)."
        )
        return
    if want is None:
        if found is not None and found.get("Locked"):
            plan.add(
                "remove",
                "Vault Lock",
                VAULT_NAME,
                account=account,
                region=region,
                detail=f"{label}: the profile says NONE",
                destructive=True,
                data={"kind": "backup-lock", **data},
            )
        return
    plan.add(
        "set",
        "Vault Lock",
        VAULT_NAME,
        account=account,
        region=region,
        detail=f"{label}: {mode}, recovery points kept {want['MinRetentionDays']}-"
        f"{want['MaxRetentionDays']} days"
        + (
            f"; after {GRACE_DAYS} days no one, root included, can change or remove it"
            if mode == "COMPLIANCE"
            else ""
        ),
        irreversible=mode == "COMPLIANCE",
        data={"kind": "backup-lock", **data},
    )


def _plan_policy(ctx: StepContext, plan: Plan) -> None:
    policy = find_policy(ctx)
    want = wanted_policy(ctx)
    if policy is None or policy["content"] != want:
        plan.add(
            "create" if policy is None else "update",
            "backup policy",
            POLICY_NAME,
            detail=f"resources tagged {tag_text(ctx)}: "
            + ", ".join(f"{n} kept {d} days" for n, d in retentions(ctx).items())
            + f", in {', '.join(ctx.governed_regions)}",
            data={"kind": "backup-policy"},
        )
    targets = (policy or {}).get("targets", [])
    for path, ou in workload_ous(ctx).items():
        if ou is None or ou not in targets:
            plan.add(
                "attach",
                "backup policy",
                POLICY_NAME,
                detail=f"to OU {path}",
                data={"kind": "backup-attach", "ou": path},
            )


# ------------------------------------------------------------------ apply


def apply_policy_type(ctx: StepContext, change: Change) -> None:
    if not policy_type_enabled(ctx):
        ctx.client("organizations").enable_policy_type(RootId=root_id(ctx), PolicyType=POLICY_TYPE)


def apply_monitoring(ctx: StepContext, change: Change) -> None:
    ensure_service_access(ctx, PRINCIPAL)


def apply_role(ctx: StepContext, change: Change) -> None:
    account = change.data["account"]
    iam = ctx.client("iam", account=account)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": PRINCIPAL},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    if call_or(None, lambda: iam.get_role(RoleName=ROLE_NAME), "NoSuchEntity") is None:
        iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description="The role AWS Backup assumes for the organization backup policy (bootstrap-tui)",
            Tags=[{"Key": PURPOSE_TAG, "Value": "backup"}],
        )
    for arn in ROLE_POLICIES:
        iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=arn)


def apply_vault(ctx: StepContext, change: Change) -> None:
    account, region = change.data["account"], change.data["region"]
    if vault(ctx, account, region) is None:
        ctx.client("backup", account=account, region=region).create_backup_vault(
            BackupVaultName=VAULT_NAME, BackupVaultTags={PURPOSE_TAG: "backup"}
        )


def apply_lock(ctx: StepContext, change: Change) -> None:
    account, region = change.data["account"], change.data["region"]
    client = ctx.client("backup", account=account, region=region)
    want = wanted_lock(ctx)
    if want is None:
        client.delete_backup_vault_lock_configuration(BackupVaultName=VAULT_NAME)
        return
    client.put_backup_vault_lock_configuration(BackupVaultName=VAULT_NAME, **want)


def apply_policy(ctx: StepContext, change: Change) -> None:
    org = ctx.client("organizations")
    content = json.dumps(wanted_policy(ctx), sort_keys=True)
    policy = find_policy(ctx)
    if policy is None:
        org.create_policy(
            Name=POLICY_NAME,
            Type=POLICY_TYPE,
            Content=content,
            Description="Daily (and monthly) backups of the tagged resources of the workload OUs",
        )
    elif policy["content"] != wanted_policy(ctx):
        org.update_policy(PolicyId=policy["Id"], Content=content)


def apply_attach(ctx: StepContext, change: Change) -> None:
    policy = find_policy(ctx)
    ou = workload_ous(ctx).get(change.data["ou"])
    if policy is None or ou is None:
        raise RefusedError(
            f"cannot attach {POLICY_NAME} to OU {change.data['ou']}: "
            + ("the policy does not exist" if policy is None else "the OU does not exist"),
            "run the organization step, then apply security-services again",
        )
    if ou not in policy["targets"]:
        ctx.client("organizations").attach_policy(PolicyId=policy["Id"], TargetId=ou)
