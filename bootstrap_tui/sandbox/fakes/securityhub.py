"""AWS Security Hub: hub, standards, organization admin and configuration, finding aggregators."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .. import motoaccess
from ..state import utcnow
from ..wire import AwsError, Call
from .base import Fake, require

PRINCIPAL = "securityhub.amazonaws.com"
FSBP = "aws-foundational-security-best-practices/v/1.0.0"
STANDARDS = (
    (FSBP, "AWS Foundational Security Best Practices v1.0.0", True),
    ("cis-aws-foundations-benchmark/v/1.2.0", "CIS AWS Foundations Benchmark v1.2.0", True),
    ("cis-aws-foundations-benchmark/v/1.4.0", "CIS AWS Foundations Benchmark v1.4.0", False),
    ("cis-aws-foundations-benchmark/v/3.0.0", "CIS AWS Foundations Benchmark v3.0.0", False),
    ("pci-dss/v/3.2.1", "PCI DSS v3.2.1", False),
    ("pci-dss/v/4.0.1", "PCI DSS v4.0.1", False),
    ("nist-800-53/v/5.0.0", "NIST Special Publication 800-53 Revision 5", False),
    ("aws-resource-tagging-standard/v/1.0.0", "AWS Resource Tagging Standard v1.0.0", False),
)


def standard_arn(path: str, region: str) -> str:
    if path == "cis-aws-foundations-benchmark/v/1.2.0":
        return f"arn:aws:securityhub:::ruleset/{path}"
    return f"arn:aws:securityhub:{region}::standards/{path}"


def _has_recorder(account: str, region: str) -> bool:
    """Whether AWS Config has a configuration recorder there (the standards' controls need one)."""
    from moto.config.models import config_backends

    return bool(config_backends[account][region].recorders)


def _path_of(arn: str) -> str:
    return arn.split("ruleset/", 1)[-1] if "ruleset/" in arn else arn.split("standards/", 1)[-1]


class SecurityHubFake(Fake):
    service = "securityhub"
    name = "securityhub"

    @property
    def data(self) -> dict[str, Any]:
        return self.state.service_state(
            self.name, lambda: {"hubs": {}, "admins": {}, "aggregators": {}}
        )

    def _hub(self, call: Call) -> dict[str, Any]:
        hub = self.data["hubs"].get((call.account, call.region))
        if hub is None:
            raise AwsError(
                "InvalidAccessException",
                f"Account {call.account} is not subscribed to AWS Security Hub",
                401,
            )
        return hub

    def _subscribe(
        self, hub: dict[str, Any], call: Call, arn: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        path = _path_of(arn)
        subscription = {
            "StandardsSubscriptionArn": f"arn:aws:securityhub:{call.region}:{call.account}:subscription/{path}",
            "StandardsArn": arn,
            "StandardsInput": inputs or {},
            "ready_at": time.monotonic() + self.state.delay("securityhub:EnableStandards"),
            "incomplete": None
            if _has_recorder(call.account, call.region)
            else "NO_AVAILABLE_CONFIGURATION_RECORDER",
        }
        hub["standards"][subscription["StandardsSubscriptionArn"]] = subscription
        return subscription

    @staticmethod
    def _render(subscription: dict[str, Any]) -> dict[str, Any]:
        ready = time.monotonic() >= subscription["ready_at"]
        reason = subscription.get("incomplete") if ready else None
        rendered = {
            "StandardsSubscriptionArn": subscription["StandardsSubscriptionArn"],
            "StandardsArn": subscription["StandardsArn"],
            "StandardsInput": subscription["StandardsInput"],
            "StandardsStatus": ("INCOMPLETE" if reason else "READY") if ready else "PENDING",
            "StandardsControlsUpdatable": "READY_FOR_UPDATES" if ready else "NOT_READY_FOR_UPDATES",
        }
        if reason:
            rendered["StandardsStatusReason"] = {"StatusReasonCode": reason}
        return rendered

    def op_enable_security_hub(self, call: Call) -> dict[str, Any]:
        key = (call.account, call.region)
        if key in self.data["hubs"]:
            raise AwsError(
                "ResourceConflictException",
                f"Account {call.account} is already subscribed to Security Hub",
                409,
            )
        hub = {
            "arn": f"arn:aws:securityhub:{call.region}:{call.account}:hub/default",
            "subscribed": utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "generator": call.params.get("ControlFindingGenerator", "SECURITY_CONTROL"),
            "standards": {},
            "org_config": None,
        }
        self.data["hubs"][key] = hub
        if call.params.get("EnableDefaultStandards", True):
            for path, _, default in STANDARDS:
                if default:
                    self._subscribe(hub, call, standard_arn(path, call.region), {})
        return {}

    def op_describe_hub(self, call: Call) -> dict[str, Any]:
        hub = self._hub(call)
        return {
            "HubArn": hub["arn"],
            "SubscribedAt": hub["subscribed"],
            "AutoEnableControls": True,
            "ControlFindingGenerator": hub["generator"],
        }

    def op_disable_security_hub(self, call: Call) -> dict[str, Any]:
        self._hub(call)
        del self.data["hubs"][(call.account, call.region)]
        return {}

    def op_describe_standards(self, call: Call) -> dict[str, Any]:
        return {
            "Standards": [
                {
                    "StandardsArn": standard_arn(path, call.region),
                    "Name": name,
                    "Description": name,
                    "EnabledByDefault": default,
                    "StandardsManagedBy": {"Company": "AWS", "Product": "Security Hub"},
                }
                for path, name, default in STANDARDS
            ]
        }

    def op_batch_enable_standards(self, call: Call) -> dict[str, Any]:
        hub = self._hub(call)
        require(call.params, "StandardsSubscriptionRequests")
        known = {standard_arn(path, call.region) for path, _, _ in STANDARDS}
        result = []
        for request in call.params["StandardsSubscriptionRequests"]:
            arn = request.get("StandardsArn", "")
            if arn not in known:
                raise AwsError("InvalidInputException", f"Invalid standards ARN: {arn}")
            result.append(
                self._render(self._subscribe(hub, call, arn, request.get("StandardsInput") or {}))
            )
        return {"StandardsSubscriptions": result}

    def op_batch_disable_standards(self, call: Call) -> dict[str, Any]:
        hub = self._hub(call)
        result = []
        for arn in call.params.get("StandardsSubscriptionArns") or []:
            subscription = hub["standards"].pop(arn, None)
            if subscription is None:
                raise AwsError(
                    "InvalidInputException", f"Invalid standards subscription ARN: {arn}"
                )
            rendered = self._render(subscription)
            rendered["StandardsStatus"] = "DELETING"
            result.append(rendered)
        return {"StandardsSubscriptions": result}

    def op_get_enabled_standards(self, call: Call) -> dict[str, Any]:
        hub = self._hub(call)
        wanted = call.params.get("StandardsSubscriptionArns")
        return {
            "StandardsSubscriptions": [
                self._render(s)
                for arn, s in hub["standards"].items()
                if not wanted or arn in wanted
            ]
        }

    def op_enable_organization_admin_account(self, call: Call) -> dict[str, Any]:
        management = motoaccess.org_management_account(call.account)
        if management != call.account:
            raise AwsError(
                "AccessDeniedException",
                "The request is rejected because the caller is not the organization management account.",
                403,
            )
        admin = call.params.get("AdminAccountId", "")
        if admin not in {a.id for a in motoaccess.org_accounts(management)}:
            raise AwsError(
                "InvalidInputException", f"Account {admin} is not a member of the organization."
            )
        motoaccess.enable_service_access(management, PRINCIPAL)  # the service enables its own
        if admin != management:
            motoaccess.register_delegated_admin(management, admin, PRINCIPAL)
        self.data["admins"][(management, call.region)] = admin
        return {"AdminAccountId": admin, "Feature": call.params.get("Feature", "SecurityHub")}

    def op_list_organization_admin_accounts(self, call: Call) -> dict[str, Any]:
        management = motoaccess.org_management_account(call.account)
        admin = self.data["admins"].get((management, call.region)) if management else None
        return {
            "AdminAccounts": [{"AccountId": admin, "Status": "ENABLED"}] if admin else [],
            "Feature": call.params.get("Feature", "SecurityHub"),
        }

    def op_disable_organization_admin_account(self, call: Call) -> dict[str, Any]:
        management = motoaccess.org_management_account(call.account)
        self.data["admins"].pop((management, call.region), None)
        return {}

    def _require_admin(self, call: Call) -> dict[str, Any]:
        hub = self._hub(call)
        management = motoaccess.org_management_account(call.account)
        if not management or self.data["admins"].get((management, call.region)) != call.account:
            raise AwsError(
                "InvalidAccessException",
                "The request is rejected because the caller is not the Security Hub administrator "
                "account of the organization.",
                401,
            )
        return hub

    def op_update_organization_configuration(self, call: Call) -> dict[str, Any]:
        hub = self._require_admin(call)
        require(call.params, "AutoEnable")
        config = {
            "AutoEnable": bool(call.params["AutoEnable"]),
            "AutoEnableStandards": call.params.get("AutoEnableStandards", "DEFAULT"),
            "OrganizationConfiguration": {
                "ConfigurationType": (call.params.get("OrganizationConfiguration") or {}).get(
                    "ConfigurationType", "LOCAL"
                ),
                "Status": "ENABLED",
            },
        }
        hub["org_config"] = config
        return {}

    def op_describe_organization_configuration(self, call: Call) -> dict[str, Any]:
        hub = self._require_admin(call)
        config = hub["org_config"] or {
            "AutoEnable": False,
            "AutoEnableStandards": "DEFAULT",
            "OrganizationConfiguration": {"ConfigurationType": "LOCAL", "Status": "ENABLED"},
        }
        return {**config, "MemberAccountLimitReached": False}

    def op_create_finding_aggregator(self, call: Call) -> dict[str, Any]:
        self._hub(call)
        require(call.params, "RegionLinkingMode")
        mode = call.params["RegionLinkingMode"]
        if mode not in (
            "ALL_REGIONS",
            "ALL_REGIONS_EXCEPT_SPECIFIED",
            "SPECIFIED_REGIONS",
            "NO_REGIONS",
        ):
            raise AwsError("InvalidInputException", f"Invalid RegionLinkingMode {mode}")
        if any(k[0] == call.account for k in self.data["aggregators"]):
            raise AwsError(
                "InvalidInputException", "A finding aggregator already exists for this account."
            )
        arn = f"arn:aws:securityhub:{call.region}:{call.account}:finding-aggregator/{uuid.uuid4()}"
        aggregator = {
            "FindingAggregatorArn": arn,
            "FindingAggregationRegion": call.region,
            "RegionLinkingMode": mode,
            "Regions": list(call.params.get("Regions") or []),
        }
        self.data["aggregators"][(call.account, arn)] = aggregator
        return aggregator

    def op_list_finding_aggregators(self, call: Call) -> dict[str, Any]:
        return {
            "FindingAggregators": [
                {"FindingAggregatorArn": a["FindingAggregatorArn"]}
                for k, a in self.data["aggregators"].items()
                if k[0] == call.account
            ]
        }

    def _aggregator(self, call: Call) -> dict[str, Any]:
        arn = call.params.get("FindingAggregatorArn", "")
        aggregator = self.data["aggregators"].get((call.account, arn))
        if aggregator is None:
            raise AwsError("ResourceNotFoundException", f"Finding aggregator {arn} not found.", 404)
        return aggregator

    def op_get_finding_aggregator(self, call: Call) -> dict[str, Any]:
        return self._aggregator(call)

    def op_update_finding_aggregator(self, call: Call) -> dict[str, Any]:
        aggregator = self._aggregator(call)
        aggregator["RegionLinkingMode"] = call.params.get(
            "RegionLinkingMode", aggregator["RegionLinkingMode"]
        )
        aggregator["Regions"] = list(call.params.get("Regions") or [])
        return aggregator

    def op_delete_finding_aggregator(self, call: Call) -> dict[str, Any]:
        aggregator = self._aggregator(call)
        del self.data["aggregators"][(call.account, aggregator["FindingAggregatorArn"])]
        return {}
