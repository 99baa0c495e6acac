"""Amazon Inspector (inspector2): the organization's delegated administrator, its organization
configuration, members, and scan status per account, region and resource type."""

from __future__ import annotations

from typing import Any

from .. import motoaccess
from ..state import utcnow
from ..wire import AwsError, Call
from .base import Fake

PRINCIPAL = "inspector2.amazonaws.com"
SCAN_TYPES = {"EC2": "ec2", "ECR": "ecr", "LAMBDA": "lambda", "LAMBDA_CODE": "lambdaCode"}


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _denied(message: str) -> AwsError:
    return AwsError("AccessDeniedException", message, 403)


class Inspector2Fake(Fake):
    """Takes over the whole Inspector API surface (moto's keeps no per-account scan state)."""

    service = "inspector2"
    name = "inspector2"
    owns_service = True

    @property
    def data(self) -> dict[str, Any]:
        return self.state.service_state(
            self.name, lambda: {"admins": {}, "scans": {}, "members": {}, "org_config": {}}
        )

    # ---------------------------------------------------------- organization
    def _management(self, call: Call) -> str | None:
        return motoaccess.org_management_account(call.account)

    def _admin(self, call: Call) -> str | None:
        management = self._management(call)
        return self.data["admins"].get((management, call.region)) if management else None

    def _require_admin(self, call: Call, what: str) -> str:
        management = self._management(call)
        if not management or self._admin(call) != call.account:
            raise _denied(f"Invoking account does not have access to {what}.")
        return management

    def op_enable_delegated_admin_account(self, call: Call) -> dict[str, Any]:
        management = self._management(call)
        if management != call.account:
            raise _denied(
                "Only the organization's management account can designate the Amazon Inspector "
                "delegated administrator."
            )
        admin = call.params.get("delegatedAdminAccountId", "")
        if admin not in {a.id for a in motoaccess.org_accounts(management)}:
            raise _validation(f"Account {admin} is not a member of the organization.")
        current = {a for (m, _), a in self.data["admins"].items() if m == management}
        if current - {admin}:
            raise AwsError(
                "ConflictException",
                "An organization can have only one Amazon Inspector delegated administrator; "
                f"{sorted(current)[0]} is designated already.",
                409,
            )
        motoaccess.enable_service_access(management, PRINCIPAL)  # the service enables its own
        if admin != management and not motoaccess.is_delegated_admin(admin, PRINCIPAL):
            motoaccess.register_delegated_admin(management, admin, PRINCIPAL)
        self.data["admins"][(management, call.region)] = admin
        return {"delegatedAdminAccountId": admin}

    def op_disable_delegated_admin_account(self, call: Call) -> dict[str, Any]:
        management = self._management(call)
        if management != call.account:
            raise _denied(
                "Only the organization's management account can remove the delegated administrator."
            )
        admin = call.params.get("delegatedAdminAccountId", "")
        if self.data["admins"].get((management, call.region)) != admin:
            raise AwsError(
                "ResourceNotFoundException",
                f"Account {admin} is not the delegated administrator.",
                404,
            )
        del self.data["admins"][(management, call.region)]
        return {"delegatedAdminAccountId": admin}

    def op_list_delegated_admin_accounts(self, call: Call) -> dict[str, Any]:
        if self._management(call) != call.account:
            raise _denied(
                "Invoking account does not have access to list the delegated administrator."
            )
        admin = self._admin(call)
        return {
            "delegatedAdminAccounts": [{"accountId": admin, "status": "ENABLED"}] if admin else []
        }

    def op_get_delegated_admin_account(self, call: Call) -> dict[str, Any]:
        admin = self._admin(call)
        if admin is None:
            raise AwsError(
                "ResourceNotFoundException", "No delegated administrator is designated.", 404
            )
        return {"delegatedAdmin": {"accountId": admin, "relationshipStatus": "ENABLED"}}

    def op_update_organization_configuration(self, call: Call) -> dict[str, Any]:
        management = self._require_admin(call, "update the organization configuration")
        auto = call.params.get("autoEnable") or {}
        if "ec2" not in auto or "ecr" not in auto:
            raise _validation("autoEnable must set ec2 and ecr.")
        want = {k: bool(auto.get(k, False)) for k in SCAN_TYPES.values()}
        self.data["org_config"][(management, call.region)] = want
        return {"autoEnable": want}

    def op_describe_organization_configuration(self, call: Call) -> dict[str, Any]:
        management = self._require_admin(call, "describe the organization configuration")
        auto = self.data["org_config"].get((management, call.region)) or {
            k: False for k in SCAN_TYPES.values()
        }
        return {"autoEnable": auto, "maxAccountLimitReached": False}

    def _members(self, call: Call) -> dict[str, dict[str, Any]]:
        return self.data["members"].setdefault((call.account, call.region), {})

    def op_associate_member(self, call: Call) -> dict[str, Any]:
        management = self._require_admin(call, "associate members")
        account = call.params.get("accountId", "")
        if account not in {a.id for a in motoaccess.org_accounts(management)}:
            raise _validation(f"Account {account} is not a member of the organization.")
        if account != call.account:
            self._members(call)[account] = {
                "accountId": account,
                "relationshipStatus": "ENABLED",
                "delegatedAdminAccountId": call.account,
                "updatedAt": utcnow().timestamp(),
            }
        return {"accountId": account}

    def op_disassociate_member(self, call: Call) -> dict[str, Any]:
        self._require_admin(call, "disassociate members")
        account = call.params.get("accountId", "")
        self._members(call).pop(account, None)
        return {"accountId": account}

    def op_list_members(self, call: Call) -> dict[str, Any]:
        if self._admin(call) != call.account:
            return {"members": []}
        return {"members": list(self._members(call).values())}

    def op_get_member(self, call: Call) -> dict[str, Any]:
        member = self._members(call).get(call.params.get("accountId", ""))
        if member is None or self._admin(call) != call.account:
            raise AwsError("ResourceNotFoundException", "The member account was not found.", 404)
        return {"member": member}

    # ---------------------------------------------------------- scans
    def _scans(self, account: str, region: str) -> dict[str, str]:
        return self.data["scans"].setdefault(
            (account, region), {k: "DISABLED" for k in SCAN_TYPES.values()}
        )

    def _may_manage(self, call: Call, account: str) -> bool:
        """The caller itself, or the delegated admin for an associated member."""
        return account == call.account or (
            self._admin(call) == call.account and account in self._members(call)
        )

    def _account_status(self, scans: dict[str, str]) -> str:
        return "ENABLED" if any(s == "ENABLED" for s in scans.values()) else "DISABLED"

    def _set_scans(self, call: Call, status: str) -> dict[str, Any]:
        kinds = call.params.get("resourceTypes") or []
        if status == "ENABLED" and not kinds:
            raise _validation("resourceTypes must list at least one resource type.")
        unknown = [k for k in kinds if k not in SCAN_TYPES]
        if unknown:
            raise _validation(f"Unsupported resource type(s): {', '.join(unknown)}.")
        done, failed = [], []
        for account in call.params.get("accountIds") or [call.account]:
            if not self._may_manage(call, account):
                failed.append(
                    {
                        "accountId": account,
                        "errorCode": "ACCESS_DENIED",
                        "errorMessage": "The caller is not the delegated administrator of this "
                        "account, or the account is not an associated member.",
                    }
                )
                continue
            scans = self._scans(account, call.region)
            for kind in kinds or SCAN_TYPES:
                scans[SCAN_TYPES[kind]] = status
            done.append(
                {
                    "accountId": account,
                    "status": self._account_status(scans),
                    "resourceStatus": dict(scans),
                }
            )
        return {"accounts": done, "failedAccounts": failed}

    def op_enable(self, call: Call) -> dict[str, Any]:
        return self._set_scans(call, "ENABLED")

    def op_disable(self, call: Call) -> dict[str, Any]:
        return self._set_scans(call, "DISABLED")

    def op_batch_get_account_status(self, call: Call) -> dict[str, Any]:
        accounts, failed = [], []
        for account in call.params.get("accountIds") or [call.account]:
            if not self._may_manage(call, account):
                failed.append(
                    {
                        "accountId": account,
                        "errorCode": "ACCESS_DENIED",
                        "errorMessage": "The caller cannot read this account's status.",
                    }
                )
                continue
            scans = self._scans(account, call.region)
            accounts.append(
                {
                    "accountId": account,
                    "state": {"status": self._account_status(scans)},
                    "resourceState": {k: {"status": v} for k, v in scans.items()},
                }
            )
        return {"accounts": accounts, "failedAccounts": failed}
