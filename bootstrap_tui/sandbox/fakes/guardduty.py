"""Amazon GuardDuty: one detector per account and region, organization admin, members."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .. import motoaccess
from ..state import utcnow
from ..wire import AwsError, Call
from .base import Fake

PRINCIPAL = "guardduty.amazonaws.com"


def _now() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z")


class GuardDutyFake(Fake):
    """Takes over the whole GuardDuty API surface the project uses."""

    service = "guardduty"
    name = "guardduty"

    @property
    def data(self) -> dict[str, Any]:
        return self.state.service_state(self.name, lambda: {"detectors": {}, "admins": {}})

    def _detector(self, account: str, region: str) -> dict[str, Any] | None:
        """The account's detector, once visible (a designated admin's appears after the op delay)."""
        detector = self.data["detectors"].get((account, region))
        if detector is not None and time.monotonic() < detector.get("visible_at", 0):
            return None
        return detector

    def _own_detector(self, call: Call) -> dict[str, Any]:
        detector = self._detector(call.account, call.region)
        detector_id = call.params.get("detectorId") or call.params.get("DetectorId")
        if detector is None or detector["id"] != detector_id:
            raise AwsError(
                "BadRequestException",
                "The request is rejected because the input detectorId is not owned by the current account.",
            )
        return detector

    def _create(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        detector = {
            "id": uuid.uuid4().hex,
            "account": account,
            "region": region,
            "status": "ENABLED" if params.get("enable", True) else "DISABLED",
            "findingPublishingFrequency": params.get("findingPublishingFrequency", "SIX_HOURS"),
            "features": params.get("features") or [],
            "dataSources": params.get("dataSources") or {},
            "tags": params.get("tags") or {},
            "createdAt": now,
            "updatedAt": now,
            "members": {},
            "orgConfig": None,
            "administrator": None,
        }
        self.data["detectors"][(account, region)] = detector
        return detector

    def op_create_detector(self, call: Call) -> dict[str, Any]:
        if (call.account, call.region) in self.data["detectors"]:
            raise AwsError(
                "BadRequestException",
                "The request is rejected because a detector already exists for the current account.",
            )
        return {"detectorId": self._create(call.account, call.region, call.params)["id"]}

    def op_list_detectors(self, call: Call) -> dict[str, Any]:
        detector = self._detector(call.account, call.region)
        return {"detectorIds": [detector["id"]] if detector else []}

    def op_get_detector(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        data_sources = {
            "cloudTrail": {"status": "ENABLED"},
            "dnsLogs": {"status": "ENABLED"},
            "flowLogs": {"status": "ENABLED"},
            "s3Logs": {
                "status": "ENABLED"
                if (detector["dataSources"].get("s3Logs") or {}).get("enable", True)
                else "DISABLED"
            },
        }
        return {
            "createdAt": detector["createdAt"],
            "updatedAt": detector["updatedAt"],
            "findingPublishingFrequency": detector["findingPublishingFrequency"],
            "serviceRole": f"arn:aws:iam::{call.account}:role/aws-service-role/guardduty.amazonaws.com/"
            "AWSServiceRoleForAmazonGuardDuty",
            "status": detector["status"],
            "dataSources": data_sources,
            "features": [
                {
                    "name": f.get("name"),
                    "status": f.get("status", "ENABLED"),
                    "updatedAt": detector["updatedAt"],
                }
                for f in detector["features"]
            ],
            "tags": detector["tags"],
        }

    def op_update_detector(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        if "enable" in call.params:
            detector["status"] = "ENABLED" if call.params["enable"] else "DISABLED"
        for key in ("findingPublishingFrequency", "features", "dataSources"):
            if key in call.params:
                detector[key] = call.params[key]
        detector["updatedAt"] = _now()
        return {}

    def op_delete_detector(self, call: Call) -> dict[str, Any]:
        self._own_detector(call)
        del self.data["detectors"][(call.account, call.region)]
        return {}

    def op_enable_organization_admin_account(self, call: Call) -> dict[str, Any]:
        management = motoaccess.org_management_account(call.account)
        if management != call.account:
            raise AwsError(
                "BadRequestException",
                "The request is rejected because the current account is not the organization management account.",
            )
        admin = call.params.get("adminAccountId", "")
        if admin not in {a.id for a in motoaccess.org_accounts(management)}:
            raise AwsError(
                "BadRequestException", f"The account {admin} is not a member of the organization."
            )
        motoaccess.enable_service_access(management, PRINCIPAL)  # the service enables its own
        if admin != management:
            motoaccess.register_delegated_admin(management, admin, PRINCIPAL)
        self.data["admins"][(management, call.region)] = admin
        if (admin, call.region) not in self.data["detectors"]:
            # "also enables GuardDuty for the delegated administrator account": the detector is
            # created asynchronously, so ListDetectors shows it only after the op delay while
            # CreateDetector already fails with "a detector already exists".
            detector = self._create(admin, call.region, {})
            detector["visible_at"] = time.monotonic() + self.state.delay("guardduty:AdminDetector")
        return {}

    def op_list_organization_admin_accounts(self, call: Call) -> dict[str, Any]:
        management = motoaccess.org_management_account(call.account)
        admin = self.data["admins"].get((management, call.region)) if management else None
        return {
            "adminAccounts": [{"adminAccountId": admin, "adminStatus": "ENABLED"}] if admin else []
        }

    def op_disable_organization_admin_account(self, call: Call) -> dict[str, Any]:
        management = motoaccess.org_management_account(call.account)
        self.data["admins"].pop((management, call.region), None)
        return {}

    def _require_admin(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        management = motoaccess.org_management_account(call.account)
        if not management or self.data["admins"].get((management, call.region)) != call.account:
            raise AwsError(
                "BadRequestException",
                "The request is rejected because the current account is not the delegated administrator.",
            )
        return detector

    def op_update_organization_configuration(self, call: Call) -> dict[str, Any]:
        detector = self._require_admin(call)
        config = detector["orgConfig"] or {}
        for key in ("autoEnable", "autoEnableOrganizationMembers", "dataSources", "features"):
            if key in call.params:
                config[key] = call.params[key]
        if "autoEnableOrganizationMembers" in call.params:
            config["autoEnable"] = call.params["autoEnableOrganizationMembers"] != "NONE"
        elif "autoEnable" in call.params:
            config["autoEnableOrganizationMembers"] = "NEW" if call.params["autoEnable"] else "NONE"
        detector["orgConfig"] = config
        return {}

    def op_describe_organization_configuration(self, call: Call) -> dict[str, Any]:
        detector = self._require_admin(call)
        config = detector["orgConfig"] or {}
        s3 = ((config.get("dataSources") or {}).get("s3Logs") or {}).get("autoEnable", False)
        return {
            "autoEnable": config.get("autoEnable", False),
            "autoEnableOrganizationMembers": config.get("autoEnableOrganizationMembers", "NONE"),
            "memberAccountLimitReached": False,
            "dataSources": {"s3Logs": {"autoEnable": s3}},
            "features": config.get("features", []),
        }

    def op_create_members(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        management = motoaccess.org_management_account(call.account)
        org_members = {a.id for a in motoaccess.org_accounts(management)} if management else set()
        unprocessed = []
        for entry in call.params.get("accountDetails") or []:
            account = entry.get("accountId", "")
            if account == call.account:
                unprocessed.append(
                    {
                        "accountId": account,
                        "result": "The request is rejected because the "
                        "current account cannot be added as a member.",
                    }
                )
                continue
            in_org = account in org_members
            member_detector = self.data["detectors"].get((account, call.region))
            if in_org and member_detector is None:
                member_detector = self._create(account, call.region, {})
            if member_detector is not None:
                member_detector["administrator"] = call.account
            now = _now()
            detector["members"][account] = {
                "accountId": account,
                "detectorId": member_detector["id"] if member_detector else None,
                "masterId": call.account,
                "administratorId": call.account,
                "email": entry.get("email", ""),
                "relationshipStatus": "Enabled" if in_org else "Created",
                "invitedAt": now,
                "updatedAt": now,
            }
        return {"unprocessedAccounts": unprocessed}

    def op_list_members(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        members = [
            {k: v for k, v in m.items() if v is not None} for m in detector["members"].values()
        ]
        return {"members": members}

    def op_get_members(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        wanted = call.params.get("accountIds") or []
        members = [m for a, m in detector["members"].items() if a in wanted]
        missing = [
            {
                "accountId": a,
                "result": "The request is rejected because the account is not a member.",
            }
            for a in wanted
            if a not in detector["members"]
        ]
        return {"members": members, "unprocessedAccounts": missing}

    def op_delete_members(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        for account in call.params.get("accountIds") or []:
            detector["members"].pop(account, None)
        return {"unprocessedAccounts": []}

    def _monitor_members(self, call: Call, status: str) -> dict[str, Any]:
        """Suspend (DISABLED) or resume (ENABLED) GuardDuty in the admin's member accounts."""
        detector = self._own_detector(call)
        if (
            status == "DISABLED"
            and (detector["orgConfig"] or {}).get("autoEnableOrganizationMembers") == "ALL"
        ):
            raise AwsError(
                "BadRequestException",
                "The request is rejected because autoEnableOrganizationMembers is set to ALL for "
                "the organization.",
            )
        unprocessed = []
        for account in call.params.get("accountIds") or []:
            member = self.data["detectors"].get((account, call.region))
            if account not in detector["members"] or member is None:
                unprocessed.append(
                    {
                        "accountId": account,
                        "result": "The request is rejected because the account is not a member.",
                    }
                )
                continue
            member["status"] = status
            member["updatedAt"] = _now()
        return {"unprocessedAccounts": unprocessed}

    def op_stop_monitoring_members(self, call: Call) -> dict[str, Any]:
        return self._monitor_members(call, "DISABLED")

    def op_start_monitoring_members(self, call: Call) -> dict[str, Any]:
        return self._monitor_members(call, "ENABLED")

    def op_get_administrator_account(self, call: Call) -> dict[str, Any]:
        detector = self._own_detector(call)
        if not detector["administrator"]:
            return {}
        return {
            "administrator": {
                "accountId": detector["administrator"],
                "relationshipStatus": "Enabled",
                "invitationId": uuid.uuid4().hex,
                "invitedAt": detector["createdAt"],
            }
        }
