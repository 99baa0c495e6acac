"""AWS Budgets: DescribeSubscribersForNotification (moto keeps the subscribers but cannot list them)."""

from __future__ import annotations

from typing import Any

from ..wire import AwsError, Call
from .base import Fake, require

NOTIFICATION_KEYS = ("NotificationType", "ComparisonOperator", "ThresholdType")


def _same_notification(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Notifications match on type, operator, threshold and threshold type (PERCENTAGE by default)."""
    defaults = {"ThresholdType": "PERCENTAGE"}
    return float(stored.get("Threshold", -1)) == float(wanted.get("Threshold", -2)) and all(
        stored.get(k, defaults.get(k)) == wanted.get(k, defaults.get(k)) for k in NOTIFICATION_KEYS
    )


class BudgetsFake(Fake):
    service = "budgets"
    name = "budgets"

    def op_describe_subscribers_for_notification(self, call: Call) -> dict[str, Any]:
        from moto.budgets.models import budgets_backends

        require(call.params, "AccountId", "BudgetName", "Notification")
        account, name = call.params["AccountId"], call.params["BudgetName"]
        budget = budgets_backends[call.account]["aws"].budgets[account].get(name)
        if budget is None:
            raise AwsError(
                "NotFoundException",
                f"Unable to get subscribers: {name} - the budget doesn't exist.",
            )
        found = next(
            (
                n
                for n in budget.notifications
                if _same_notification(n.details, call.params["Notification"])
            ),
            None,
        )
        if found is None:
            raise AwsError(
                "NotFoundException",
                f"Unable to get subscribers: the notification of budget {name} doesn't exist.",
            )
        return {"Subscribers": list(found.subscribers)}
