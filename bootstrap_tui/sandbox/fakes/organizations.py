"""AWS Organizations corrections: asynchronous CreateAccount (at most CREATE_ACCOUNT_IN_PROGRESS at
a time) and member-account access rules."""

from __future__ import annotations

import random
import string
from typing import Any

from bootstrap_tui.aws_limits import CREATE_ACCOUNT_IN_PROGRESS

from .. import motoaccess
from ..state import AsyncOperation
from ..wire import AwsError, Call, Response
from .base import Fake, require

# What a member account (not the management account) may call.
MEMBER_OPERATIONS = {
    "DescribeOrganization",
    "LeaveOrganization",
    "ListHandshakesForAccount",
    "AcceptHandshake",
    "DeclineHandshake",
    "DescribeHandshake",
    "ListDelegatedServicesForAccount",
    "DescribeAccount",
    "DescribeEffectivePolicy",
    "ListAccountsWithInvalidEffectivePolicy",
    "ListEffectivePolicyValidationErrors",
}
DENIED = "You don't have permissions to access this resource."
MAX_POLICIES_PER_TARGET = 5


def _request_id() -> str:
    return "car-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=32))


class OrganizationsFake(Fake):
    service = "organizations"
    name = "organizations"

    @property
    def requests(self) -> dict[str, dict[str, Any]]:
        return self.state.service_state(self.name, dict)

    def handle(self, call: Call, moto: Any) -> Any:
        management = motoaccess.org_management_account(call.account)
        if (
            management is not None
            and management != call.account
            and call.operation
            and call.operation not in MEMBER_OPERATIONS
        ):
            delegated_read = motoaccess.is_delegated_admin(
                call.account
            ) and call.operation.startswith(("List", "Describe"))
            if not delegated_read:
                raise AwsError("AccessDeniedException", DENIED)
        return super().handle(call, moto)

    def op_create_account(self, call: Call) -> dict[str, Any]:
        require(call.params, "Email", "AccountName")
        backend = motoaccess.organizations(call.account)
        if backend.org is None:
            raise AwsError(
                "AWSOrganizationsNotInUseException",
                "Your account is not a member of an organization.",
            )
        email = call.params["Email"].strip().lower()
        taken = {a.email.lower() for a in backend.accounts}
        taken |= {
            r["email"]
            for r in self.requests.values()
            if r["owner"] == call.account and r["operation"].status != "FAILED"
        }
        in_progress = [
            r
            for r in self.requests.values()
            if r["owner"] == call.account and r["operation"].status == "IN_PROGRESS"
        ]
        if len(in_progress) >= CREATE_ACCOUNT_IN_PROGRESS:
            raise AwsError(
                "ConstraintViolationException",
                "You have exceeded the number of accounts that can be created at the same time "
                f"({CREATE_ACCOUNT_IN_PROGRESS} in progress); wait for one to finish.",
                fields={"Reason": "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED"},
            )
        request_id = _request_id()
        params = {
            k: call.params[k]
            for k in ("AccountName", "Email", "RoleName", "Tags")
            if k in call.params
        }
        record: dict[str, Any] = {
            "owner": call.account,
            "email": email,
            "name": call.params["AccountName"],
            "account_id": None,
            "reason": None,
        }

        def finish(operation: AsyncOperation) -> None:
            if operation.outcome == "SUCCEEDED":
                status = backend.create_account(**params)
                record["account_id"] = status["CreateAccountStatus"]["AccountId"]
                motoaccess.create_access_role(
                    record["account_id"],
                    params.get("RoleName") or "OrganizationAccountAccessRole",
                    call.account,
                )

        if email in taken:
            record["reason"] = "EMAIL_ALREADY_EXISTS"
            operation = self.state.start_operation(
                request_id, "organizations:CreateAccount", "FAILED", "EMAIL_ALREADY_EXISTS", finish
            )
        else:
            operation = self.state.start_operation(
                request_id, "organizations:CreateAccount", "SUCCEEDED", None, finish
            )
        record["operation"] = operation
        self.requests[request_id] = record
        return {"CreateAccountStatus": self._status(request_id)}

    def _status(self, request_id: str) -> dict[str, Any]:
        record = self.requests[request_id]
        operation: AsyncOperation = record["operation"]
        status: dict[str, Any] = {
            "Id": request_id,
            "AccountName": record["name"],
            "State": operation.status,
            "RequestedTimestamp": operation.start_time.timestamp(),
        }
        if operation.completed:
            status["CompletedTimestamp"] = (operation.end_time or operation.start_time).timestamp()
            if operation.outcome == "SUCCEEDED":
                status["AccountId"] = record["account_id"]
            else:
                status["FailureReason"] = record["reason"] or "INTERNAL_FAILURE"
        return status

    def op_describe_create_account_status(self, call: Call) -> dict[str, Any] | None:
        request_id = call.params.get("CreateAccountRequestId", "")
        record = self.requests.get(request_id)
        if record is None or record["owner"] != call.account:  # AWS: unknown or not yours
            raise AwsError(
                "CreateAccountStatusNotFoundException",
                "We can't find an create account request with the CreateAccountRequestId that you specified.",
            )
        return {"CreateAccountStatus": self._status(request_id)}

    def op_list_create_account_status(self, call: Call) -> dict[str, Any]:
        states = call.params.get("States") or ["IN_PROGRESS", "SUCCEEDED", "FAILED"]
        statuses = [
            self._status(rid) for rid, r in self.requests.items() if r["owner"] == call.account
        ]
        return {"CreateAccountStatuses": [s for s in statuses if s["State"] in states]}

    def op_attach_policy(self, call: Call) -> None:
        """Organizations' quota: at most 5 policies of one type on a root, OU or account; and a
        management policy type (backup, tag, ...) must be enabled on the root before its
        policies attach (PolicyTypeNotEnabledException)."""
        backend = motoaccess.organizations(call.account)
        policy = next((p for p in backend.policies if p.id == call.params.get("PolicyId")), None)
        if policy is not None and policy.type != "SERVICE_CONTROL_POLICY":
            root = next((o for o in backend.ou if getattr(o, "type", "") == "ROOT"), None)
            enabled = {t["Type"] for t in getattr(root, "policy_types", [])}
            if policy.type not in enabled:
                raise AwsError(
                    "PolicyTypeNotEnabledException",
                    "This operation can be performed only for enabled policy types.",
                )
        target_id = call.params.get("TargetId")
        target = next(
            (t for t in [*backend.ou, *backend.accounts] if t.id == target_id), None
        )  # roots are in .ou
        if policy is None or target is None or policy in target.attached_policies:
            return None
        same_type = [p for p in target.attached_policies if p.type == policy.type]
        if len(same_type) >= MAX_POLICIES_PER_TARGET:
            raise AwsError(
                "ConstraintViolationException",
                "You have attached the maximum number of policies of this type to this target "
                "(MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED).",
            )
        return None

    def op_create_policy(self, call: Call) -> dict[str, Any] | None:
        """Backup policies, which moto lacks: each plan must name its regions, rules and resource
        selection (with the role AWS Backup assumes), else MalformedPolicyDocumentException."""
        if call.params.get("Type") != "BACKUP_POLICY":
            return None
        require(call.params, "Name", "Content")
        _check_backup_policy(call.params["Content"])
        backend = motoaccess.organizations(call.account)
        created = backend.create_policy(**{**call.params, "Type": "TAG_POLICY"})
        policy = next(
            p for p in backend.policies if p.id == created["Policy"]["PolicySummary"]["Id"]
        )
        policy.type = "BACKUP_POLICY"
        policy._arn_format = policy._arn_format.replace("tag_policy", "backup_policy")
        return policy.describe()

    def op_update_policy(self, call: Call) -> None:
        backend = motoaccess.organizations(call.account)
        policy = next((p for p in backend.policies if p.id == call.params.get("PolicyId")), None)
        if policy is not None and policy.type == "BACKUP_POLICY" and "Content" in call.params:
            _check_backup_policy(call.params["Content"])
        return None

    def op_disable_policy_type(self, call: Call) -> Response:
        """Disabling a policy type detaches every policy of that type from every root, OU and account."""
        response = self.moto()
        if response.status == 200:
            backend = motoaccess.organizations(call.account)
            for target in [*backend.ou, *backend.accounts]:
                for policy in [
                    p for p in target.attached_policies if p.type == call.params.get("PolicyType")
                ]:
                    target.attached_policies.remove(policy)
                    policy.attachments.remove(target)
        return response

    def op_enable_policy_type(self, call: Call) -> Response:
        """Enabling SCPs attaches FullAWSAccess to the root, every OU and every account (and nothing else)."""
        from moto.organizations.utils import DEFAULT_SCP_POLICY_ID

        response = self.moto()
        if response.status == 200 and call.params.get("PolicyType") == "SERVICE_CONTROL_POLICY":
            backend = motoaccess.organizations(call.account)
            for target in [*backend.ou, *backend.accounts]:
                backend.attach_policy(PolicyId=DEFAULT_SCP_POLICY_ID, TargetId=target.id)
        return response

    def op_create_organizational_unit(self, call: Call) -> None:
        """Organizations: OU names are unique among the OUs of one parent."""
        backend = motoaccess.organizations(call.account)
        _reject_duplicate_ou(backend, call.params.get("ParentId"), call.params.get("Name"), None)
        return None

    def op_update_organizational_unit(self, call: Call) -> dict[str, Any] | None:
        """A rename to a sibling's name fails; the same name under another parent is allowed."""
        backend = motoaccess.organizations(call.account)
        ou = next((o for o in backend.ou if o.id == call.params.get("OrganizationalUnitId")), None)
        name = call.params.get("Name")
        if ou is None or not name:
            return None
        _reject_duplicate_ou(backend, ou.parent_id, name, ou.id)
        ou.name = name
        return ou.describe()


def _reject_duplicate_ou(
    backend: Any, parent_id: str | None, name: str | None, self_id: str | None
) -> None:
    siblings = [
        o for o in backend.ou if getattr(o, "parent_id", None) == parent_id and o.id != self_id
    ]
    if name and any(o.name == name for o in siblings):
        raise AwsError(
            "DuplicateOrganizationalUnitException", "An OU with the same name already exists."
        )


def _check_backup_policy(content: str) -> None:
    """The required elements of the Organizations user guide's "Backup policy syntax and
    examples": plans, each with regions, rules (a schedule and a target vault each) and
    selections whose tags name an IAM role, a tag key and a tag value."""
    import json

    def malformed(why: str) -> AwsError:
        return AwsError(
            "MalformedPolicyDocumentException", f"The provided policy document is malformed: {why}"
        )

    try:
        document = json.loads(content)
    except ValueError as exc:
        raise malformed("not JSON") from exc
    plans = document.get("plans") if isinstance(document, dict) else None
    if not isinstance(plans, dict) or not plans:
        raise malformed("no plans")
    for name, plan in plans.items():
        if not isinstance(plan, dict):
            raise malformed(f"plan {name} is not an object")
        for element in ("regions", "rules", "selections"):
            if not plan.get(element):
                raise malformed(f"plan {name} has no {element}")
        for rule_name, rule in plan["rules"].items():
            for element in ("schedule_expression", "target_backup_vault_name"):
                if not isinstance(rule, dict) or element not in rule:
                    raise malformed(f"rule {rule_name} has no {element}")
        for selection_name, selection in (plan["selections"].get("tags") or {}).items():
            for element in ("iam_role_arn", "tag_key", "tag_value"):
                if not isinstance(selection, dict) or element not in selection:
                    raise malformed(f"selection {selection_name} has no {element}")
