"""AWS's documented concurrency limits on long-running operations, named once: the sandbox
enforces them with AWS's errors and the steps keep under them (docs/sandbox.md cites each)."""

from __future__ import annotations

# Organizations CreateAccount: ConstraintViolationException, Reason
# ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED ("the number of accounts that can be in progress at a
# time"); Organizations User Guide quotas: "Up to five can be in progress at one time".
CREATE_ACCOUNT_IN_PROGRESS = 5
# Control Tower EnableControl / EnableBaseline (and their updates, resets, disables):
# ServiceQuotaExceededException, "The limit is 10 concurrent operations".
CONTROL_TOWER_CONCURRENT_OPERATIONS = 10
# IAM Identity Center quotas, throttle limits: "CreateAccountAssignment has a maximum rate of
# 10 outstanding async calls".
ACCOUNT_ASSIGNMENT_OUTSTANDING = 10
