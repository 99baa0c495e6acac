"""Verdicts other than PASS that a converged sandbox run honestly reports, named once for the
tests that verify a whole baseline."""

from __future__ import annotations

# AWS Backup's per-account checks do not judge an account outside the workload OUs, and there is
# no backup job to judge before the backup policy's first window (a fresh organization has none):
# NOT_APPLICABLE, with the reason in its evidence. Any other check saying so is not a pass.
BACKUP_NOT_APPLICABLE = frozenset(
    {
        "security-services.backup-vault",
        "security-services.backup-vault-lock",
        "security-services.backup-jobs",
    }
)


def expected_not_pass(check_id: str | None, status: str | None) -> bool:
    """True for the verdicts above and root.hardware-mfa's MANUAL (the API cannot tell a hardware
    key from a synced passkey)."""
    if status == "NOT_APPLICABLE":
        return check_id in BACKUP_NOT_APPLICABLE
    return (check_id, status) == ("root.hardware-mfa", "MANUAL")
