"""AWS Backup: vaults (encrypted, with Vault Lock) and backup jobs, per account and region.

moto's backup keeps no jobs and answers DescribeBackupVault without its encryption key or
lock, so this fake takes over the service. Its rules follow the AWS Backup API reference
(CreateBackupVault, PutBackupVaultLockConfiguration, StartBackupJob) and the developer guide's
"AWS Backup Vault Lock" page; docs/sandbox.md lists them.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from typing import Any

from .. import motoaccess
from ..wire import AwsError, Call
from .base import Fake, require

VAULT_NAME = re.compile(r"[a-zA-Z0-9\-_]{2,50}")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)")
DAY = 86400
MAX_DAYS = 36500
MIN_GRACE_DAYS = 3


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message)


def _not_found(name: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"Backup vault {name} does not exist.", 404)


def _epoch(value: Any) -> float | None:
    """A timestamp of a query string or body (ISO 8601 or epoch seconds)."""
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


class BackupFake(Fake):
    service = "backup"
    name = "backup"
    owns_service = True

    @property
    def data(self) -> dict[str, Any]:
        return self.state.service_state(self.name, lambda: {"vaults": {}, "jobs": {}})

    def _vaults(self, call: Call) -> dict[str, dict[str, Any]]:
        return self.data["vaults"].setdefault((call.account, call.region), {})

    def _vault(self, call: Call) -> dict[str, Any]:
        name = call.params.get("backupVaultName", "")
        found = self._vaults(call).get(name)
        if found is None:
            raise _not_found(name)
        return found

    # ---------------------------------------------------------- vaults
    def op_create_backup_vault(self, call: Call) -> dict[str, Any]:
        name = call.params.get("backupVaultName", "")
        if not VAULT_NAME.fullmatch(name):
            raise _invalid(
                f"Invalid backup vault name {name!r}: 2-50 of letters, digits, hyphens and underscores."
            )
        vaults = self._vaults(call)
        if name in vaults:
            raise AwsError(
                "AlreadyExistsException", f"Backup vault with the same name {name} already exists"
            )
        arn = f"arn:aws:backup:{call.region}:{call.account}:backup-vault:{name}"
        key = call.params.get("EncryptionKeyArn") or (
            # without a key, AWS encrypts the vault with the account's AWS managed key aws/backup
            f"arn:aws:kms:{call.region}:{call.account}:key/"
            + str(uuid.uuid5(uuid.NAMESPACE_URL, f"aws/backup/{call.account}/{call.region}"))
        )
        vaults[name] = {
            "BackupVaultName": name,
            "BackupVaultArn": arn,
            "VaultType": "BACKUP_VAULT",
            "VaultState": "AVAILABLE",
            "EncryptionKeyArn": key,
            "CreationDate": time.time(),
            "CreatorRequestId": call.params.get("CreatorRequestId", ""),
            "NumberOfRecoveryPoints": 0,
            "Locked": False,
            "Tags": dict(call.params.get("BackupVaultTags") or {}),
        }
        return {"BackupVaultName": name, "BackupVaultArn": arn, "CreationDate": time.time()}

    @staticmethod
    def _public(vault: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in vault.items() if k != "Tags" and v is not None}

    def op_describe_backup_vault(self, call: Call) -> dict[str, Any]:
        return self._public(self._vault(call))

    def op_list_backup_vaults(self, call: Call) -> dict[str, Any]:
        return {"BackupVaultList": [self._public(v) for v in self._vaults(call).values()]}

    def op_list_tags(self, call: Call) -> dict[str, Any]:
        arn = call.params.get("resourceArn", "")
        for vault in self._vaults(call).values():
            if vault["BackupVaultArn"] == arn:
                return {"Tags": vault["Tags"]}
        raise AwsError("ResourceNotFoundException", f"Resource {arn} not found.", 404)

    def op_delete_backup_vault(self, call: Call) -> dict[str, Any]:
        vault = self._vault(call)
        if self._lock_set(vault):
            raise AwsError(
                "InvalidRequestException",
                "Backup vault is locked in compliance mode and cannot be deleted.",
            )
        if vault["NumberOfRecoveryPoints"]:
            raise AwsError(
                "InvalidRequestException",
                "Backup vault cannot be deleted because it contains recovery points.",
            )
        del self._vaults(call)[vault["BackupVaultName"]]
        return {}

    # ---------------------------------------------------------- Vault Lock
    @staticmethod
    def _lock_set(vault: dict[str, Any]) -> bool:
        """A COMPLIANCE lock past its grace time is immutable."""
        date = vault.get("LockDate")
        return date is not None and time.time() >= date

    def op_put_backup_vault_lock_configuration(self, call: Call) -> dict[str, Any]:
        vault = self._vault(call)
        if self._lock_set(vault):
            raise AwsError(
                "InvalidRequestException",
                "Vault Lock configuration is immutable after its grace time and cannot be changed.",
            )
        low = call.params.get("MinRetentionDays")
        high = call.params.get("MaxRetentionDays")
        grace = call.params.get("ChangeableForDays")
        if low is not None and not 1 <= int(low) <= MAX_DAYS:
            raise _invalid("MinRetentionDays must be from 1 to 36500 days.")
        if high is not None and not 1 <= int(high) <= MAX_DAYS:
            raise _invalid("MaxRetentionDays must be from 1 to 36500 days.")
        if low is not None and high is not None and int(low) > int(high):
            raise _invalid("MinRetentionDays cannot be greater than MaxRetentionDays.")
        if grace is not None and not MIN_GRACE_DAYS <= int(grace) <= MAX_DAYS:
            raise _invalid("ChangeableForDays must be at least 3 days.")
        vault.update(
            Locked=True,
            MinRetentionDays=None if low is None else int(low),
            MaxRetentionDays=None if high is None else int(high),
            LockDate=None if grace is None else time.time() + int(grace) * DAY,
        )
        return {}

    def op_delete_backup_vault_lock_configuration(self, call: Call) -> dict[str, Any]:
        vault = self._vault(call)
        if self._lock_set(vault):
            raise AwsError(
                "InvalidRequestException",
                "Vault Lock configuration is immutable after its grace time and cannot be deleted.",
            )
        vault.update(Locked=False, MinRetentionDays=None, MaxRetentionDays=None, LockDate=None)
        return {}

    # ---------------------------------------------------------- jobs
    def _jobs(self, call: Call) -> list[dict[str, Any]]:
        return self.data["jobs"].setdefault((call.account, call.region), [])

    def op_start_backup_job(self, call: Call) -> dict[str, Any]:
        """An on-demand backup, finished at once: COMPLETED when AWS Backup can assume the role
        (it exists in the account and trusts backup.amazonaws.com), else FAILED as AWS reports it."""
        require(call.params, "BackupVaultName", "ResourceArn", "IamRoleArn")
        name = call.params["BackupVaultName"]
        vault = self._vaults(call).get(name)
        if vault is None:
            raise _not_found(name)
        role = call.params["IamRoleArn"]
        matched = ROLE_ARN.fullmatch(role)
        if not matched:
            raise _invalid(f"Invalid IAM role ARN {role!r}.")
        usable = matched.group(1) == call.account and self._role_trusts_backup(
            call.account, matched.group(2)
        )
        now = time.time()
        job_id = str(uuid.uuid4()).upper()
        job = {
            "AccountId": call.account,
            "BackupJobId": job_id,
            "BackupVaultName": name,
            "BackupVaultArn": vault["BackupVaultArn"],
            "ResourceArn": call.params["ResourceArn"],
            "IamRoleArn": role,
            "CreationDate": now,
            "CompletionDate": now,
            "State": "COMPLETED" if usable else "FAILED",
            "StatusMessage": "" if usable else f"Unable to assume role {role}",
            "PercentDone": "100.0" if usable else "0.0",
            "BackupType": "",
        }
        self._jobs(call).append(job)
        if usable:
            vault["NumberOfRecoveryPoints"] += 1
        return {"BackupJobId": job_id, "CreationDate": now, "IsParent": False}

    @staticmethod
    def _role_trusts_backup(account: str, name: str) -> bool:
        role = motoaccess.role(account, name)
        if role is None:
            return False
        return "backup.amazonaws.com" in str(role.assume_role_policy_document)

    def op_list_backup_jobs(self, call: Call) -> dict[str, Any]:
        after = _epoch(call.params.get("createdAfter"))
        before = _epoch(call.params.get("createdBefore"))
        state = call.params.get("state")
        vault = call.params.get("backupVaultName")
        jobs = [
            {k: v for k, v in j.items() if v != ""}
            for j in self._jobs(call)
            if (after is None or j["CreationDate"] >= after)
            and (before is None or j["CreationDate"] <= before)
            and (state is None or j["State"] == state)
            and (vault is None or j["BackupVaultName"] == vault)
        ]
        return {"BackupJobs": jobs}
