"""AWS Control Tower: landing zone, controls and baselines with asynchronous operations."""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

from .. import motoaccess
from ..inprocess import moto_client
from ..state import AsyncOperation
from ..wire import AwsError, Call
from .base import Fake, require
from .landingzone import (
    CHANNEL, MAX_SCPS_PER_TARGET, RECORDER, SCP_PREFIX, LandingZoneBuilder, config_conflicts, kms_problem,
    scp_count,
)

LANDING_ZONE_VERSION = "3.3"
BASELINES = (
    ("AWSControlTowerBaseline", "17BSJV3IGJ2QSGA2", "4.0",
     "Sets up resources and mandatory controls for member accounts within the target OU."),
    ("IdentityCenterBaseline", "LN25R72TTG6IGPTQ", "1.0",
     "Sets up shared resources for AWS Identity Center, which prepares the AWSControlTowerBaseline."),
    ("AuditBaseline", "J8HX46AHS5MIKQPD", "1.0", "Sets up shared resources for the Audit account."),
    ("LogArchiveBaseline", "4T4HA1KMO10S6311", "1.0", "Sets up shared resources for the Log Archive account."),
    ("BackupBaseline", "3WPD0NA6TJ9AOMU2", "1.0", "Sets up AWS Backup resources in member accounts."),
    ("BackupAdminBaseline", "5OFTP4A7K9YC0YFR", "1.0", "Sets up the AWS Backup administrator account."),
    ("BackupCentralVaultBaseline", "2S6N1JO3ATY8CFPB", "1.0", "Sets up the central backup vault account."),
)


def _short_id(length: int = 16) -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=length))


@dataclass
class LandingZone:
    arn: str
    version: str
    manifest: dict[str, Any]
    remediation_types: list[str]
    status: str = "PROCESSING"
    region: str = "us-east-1"
    built: bool = False


@dataclass
class Enabled:
    """An enabled control or baseline."""

    arn: str
    identifier: str
    target: str
    operation: str
    version: str | None = None
    parameters: list[dict[str, Any]] = field(default_factory=list)
    status: str = "UNDER_CHANGE"


@dataclass
class TowerState:
    landing_zones: dict[str, LandingZone] = field(default_factory=dict)
    lz_operations: dict[str, list[str]] = field(default_factory=dict)
    controls: dict[str, dict[str, Enabled]] = field(default_factory=dict)
    baselines: dict[str, dict[str, Enabled]] = field(default_factory=dict)


def manifest_problems(manifest: Any, management: str) -> list[str]:
    """What AWS would reject about a landing-zone manifest (3.x schema)."""
    if not isinstance(manifest, dict):
        return ["manifest must be a JSON object"]
    problems = []
    regions = manifest.get("governedRegions")
    if not isinstance(regions, list) or not regions:
        problems.append("governedRegions is required and must list at least one region")
    structure = manifest.get("organizationStructure") or {}
    if not isinstance(structure, dict) or not (structure.get("security") or {}).get("name"):
        problems.append("organizationStructure.security.name is required")
    accounts = {a.id for a in motoaccess.org_accounts(management)}
    logging = manifest.get("centralizedLogging") or {}
    log_account = logging.get("accountId") if isinstance(logging, dict) else None
    if not log_account:
        problems.append("centralizedLogging.accountId is required")
    elif log_account not in accounts:
        problems.append(f"centralizedLogging.accountId {log_account} is not an account of the organization")
    roles = manifest.get("securityRoles") or {}
    audit_account = roles.get("accountId") if isinstance(roles, dict) else None
    if not audit_account:
        problems.append("securityRoles.accountId is required")
    elif audit_account not in accounts:
        problems.append(f"securityRoles.accountId {audit_account} is not an account of the organization")
    elif audit_account == log_account:
        problems.append("the log archive and audit accounts must be different")
    return problems


class ControlTowerFake(Fake):
    service = "controltower"
    name = "controltower"
    owns_service = True

    @property
    def data(self) -> TowerState:
        return self.state.service_state(self.name, TowerState)

    def _management(self, call: Call) -> str:
        management = motoaccess.org_management_account(call.account)
        if management is None:
            raise AwsError("ValidationException", "AWS Organizations is not enabled for this account.", 400)
        if management != call.account:
            raise AwsError("AccessDeniedException",
                           "AWS Control Tower APIs can only be called from the management account.", 403)
        return management

    def _landing_zone(self, call: Call, arn: str | None = None) -> LandingZone:
        zone = self.data.landing_zones.get(call.account)
        if zone is None or (arn is not None and zone.arn != arn):
            raise AwsError("ResourceNotFoundException", "The landing zone was not found.", 404)
        return zone

    def _active_zone(self, call: Call) -> LandingZone:
        zone = self.data.landing_zones.get(call.account)
        if zone is None or zone.status != "ACTIVE":
            raise AwsError("ValidationException",
                           "AWS Control Tower cannot perform this operation: no active landing zone.", 400)
        return zone

    def _problems(self, call: Call, manifest: Any) -> list[str]:
        problems = manifest_problems(manifest, call.account)
        missing = motoaccess.missing_roles(call.account)
        if missing:
            problems.append("required IAM roles are missing in the management account: " + ", ".join(missing))
        org = motoaccess.organization(call.account)
        if org is not None and org.feature_set != "ALL":
            problems.append("the organization must have all features enabled")
        if not problems:
            kms = kms_problem(manifest, call.account, call.region)
            if kms:
                problems.append(kms)
        return problems

    def _start_lz_operation(self, call: Call, zone: LandingZone, kind: str, problems: list[str]) -> str:
        op_id = str(uuid.uuid4())

        def finish(operation: AsyncOperation) -> None:
            if operation.outcome == "SUCCEEDED":
                try:
                    self._build(call.account, zone)
                except Exception:
                    zone.status = "FAILED"
                    raise
                zone.status = "ACTIVE"
            elif kind == "CREATE":
                zone.status = "FAILED"
            else:
                zone.status = "ACTIVE" if zone.built else "FAILED"

        outcome = "FAILED" if problems else "SUCCEEDED"
        message = "; ".join(problems) if problems else None
        self.state.start_operation(op_id, f"landingzone:{kind}", outcome, message, finish,
                                   account=call.account, operationType=kind)
        self.data.lz_operations.setdefault(call.account, []).append(op_id)
        return op_id

    def _build(self, management: str, zone: LandingZone) -> None:
        """Leave what the landing zone sets up; the shared-account baselines the first time."""
        builder = LandingZoneBuilder(management, zone.manifest, zone.region)
        builder.build()
        registry = self.data.baselines.setdefault(management, {})
        org = motoaccess.organizations(management).org
        ids = {name: ident for name, ident, _, _ in BASELINES}
        shared = [("AuditBaseline", builder.audit), ("LogArchiveBaseline", builder.log_archive)]
        if (zone.manifest.get("accessManagement") or {}).get("enabled"):
            shared.append(("IdentityCenterBaseline", management))
        for name, account in shared:
            identifier = f"arn:aws:controltower:{zone.region}::baseline/{ids[name]}"
            target = f"arn:aws:organizations::{management}:account/{org.id}/{account}"
            if any(b.identifier == identifier for b in registry.values()):
                continue
            arn = f"arn:aws:controltower:{zone.region}:{management}:enabledbaseline/{_short_id(14)}"
            registry[arn] = Enabled(arn, identifier, target, str(uuid.uuid4()), "1.0", status="SUCCEEDED")
        zone.built = True

    def op_create_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        require(call.params, "version", "manifest")
        existing = self.data.landing_zones.get(call.account)
        if existing is not None and existing.status != "FAILED":
            raise AwsError("ConflictException",
                           "AWS Control Tower cannot begin landing zone setup: a landing zone already exists.", 409)
        arn = f"arn:aws:controltower:{call.region}:{call.account}:landingzone/{_short_id()}"
        zone = LandingZone(arn, call.params["version"], call.params["manifest"],
                           list(call.params.get("remediationTypes") or []), region=call.region)
        self.data.landing_zones[call.account] = zone
        problems = self._problems(call, zone.manifest)
        if not problems:
            shared = [str(zone.manifest["centralizedLogging"]["accountId"]),
                      str(zone.manifest["securityRoles"]["accountId"])]
            problems += config_conflicts(zone.manifest, shared)
        if call.params["version"] != LANDING_ZONE_VERSION:
            problems.append(f"landing zone version {call.params['version']} is not available; "
                            f"use {LANDING_ZONE_VERSION}")
        op_id = self._start_lz_operation(call, zone, "CREATE", problems)
        return {"arn": arn, "operationIdentifier": op_id}

    def op_update_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        require(call.params, "version", "landingZoneIdentifier")
        zone = self._landing_zone(call, call.params["landingZoneIdentifier"])
        manifest = call.params.get("manifest") or zone.manifest
        problems = self._problems(call, manifest)
        if not problems:
            zone.version = call.params["version"]
            zone.manifest = manifest
            zone.remediation_types = list(call.params.get("remediationTypes") or zone.remediation_types)
        zone.status = "PROCESSING"
        return {"operationIdentifier": self._start_lz_operation(call, zone, "UPDATE", problems)}

    def op_reset_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        zone = self._landing_zone(call, call.params.get("landingZoneIdentifier"))
        zone.status = "PROCESSING"
        return {"operationIdentifier": self._start_lz_operation(call, zone, "RESET", [])}

    def op_delete_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        self._landing_zone(call, call.params.get("landingZoneIdentifier"))
        del self.data.landing_zones[call.account]
        op_id = str(uuid.uuid4())
        self.state.start_operation(op_id, "landingzone:DELETE", account=call.account, operationType="DELETE")
        self.data.lz_operations.setdefault(call.account, []).append(op_id)
        return {"operationIdentifier": op_id}

    def op_get_landing_zone(self, call: Call) -> dict[str, Any]:
        require(call.params, "landingZoneIdentifier")
        zone = self._landing_zone(call, call.params["landingZoneIdentifier"])
        return {"landingZone": {
            "version": zone.version,
            "remediationTypes": zone.remediation_types,
            "arn": zone.arn,
            "status": zone.status,
            "latestAvailableVersion": LANDING_ZONE_VERSION,
            "driftStatus": {"status": "IN_SYNC"},
            "manifest": zone.manifest,
        }}

    def op_list_landing_zones(self, call: Call) -> dict[str, Any]:
        zone = self.data.landing_zones.get(call.account)
        return {"landingZones": [{"arn": zone.arn}] if zone else []}

    def _operation(self, op_id: str | None, prefix: str) -> AsyncOperation:
        operation = self.state.operations.get(op_id or "")
        if operation is None or not operation.kind.startswith(prefix):
            raise AwsError("ResourceNotFoundException", f"Operation {op_id} was not found.", 404)
        return operation

    @staticmethod
    def _times(operation: AsyncOperation) -> dict[str, Any]:
        times: dict[str, Any] = {"startTime": operation.start_time.timestamp()}
        if operation.completed and operation.end_time:
            times["endTime"] = operation.end_time.timestamp()
        return times

    def op_get_landing_zone_operation(self, call: Call) -> dict[str, Any]:
        operation = self._operation(call.params.get("operationIdentifier"), "landingzone:")
        details = {"operationType": operation.details["operationType"], "operationIdentifier": operation.id,
                   "status": operation.status, **self._times(operation)}
        if operation.completed and operation.message:
            details["statusMessage"] = operation.message
        return {"operationDetails": details}

    def op_list_landing_zone_operations(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("filter") or {}
        result = []
        for op_id in self.data.lz_operations.get(call.account, []):
            operation = self.state.operations[op_id]
            entry = {"operationType": operation.details["operationType"], "operationIdentifier": op_id,
                     "status": operation.status}
            if wanted.get("types") and entry["operationType"] not in wanted["types"]:
                continue
            if wanted.get("statuses") and entry["status"] not in wanted["statuses"]:
                continue
            result.append(entry)
        return {"landingZoneOperations": result}

    def _ou_arn_exists(self, management: str, target: str) -> bool:
        backend = motoaccess.organizations(management)
        return any(ou.arn == target for ou in backend.ou)

    def _enable(self, call: Call, kind: str, identifier: str, target: str, version: str | None,
                problems: list[str] | None = None) -> dict[str, Any]:
        management = self._management(call)
        self._active_zone(call)
        if not self._ou_arn_exists(management, target):
            raise AwsError("ResourceNotFoundException", f"The target {target} was not found.", 404)
        registry = (self.data.controls if kind == "control" else self.data.baselines).setdefault(call.account, {})
        for item in registry.values():
            if item.identifier == identifier and item.target == target:
                raise AwsError("ValidationException",
                               f"The {kind} {identifier} is already enabled on {target}.", 400)
        registers = kind == "baseline" and identifier.endswith("/" + BASELINES[0][1])
        problems = (self._registration_problems(management, target) if registers else []) + (problems or [])
        op_id = str(uuid.uuid4())
        name = "enabledcontrol" if kind == "control" else "enabledbaseline"
        arn = f"arn:aws:controltower:{call.region}:{call.account}:{name}/{_short_id(14)}"
        item = Enabled(arn, identifier, target, op_id, version, list(call.params.get("parameters") or []))
        registry[arn] = item

        def finish(operation: AsyncOperation) -> None:
            if operation.outcome == "SUCCEEDED" and registers:
                zone = self.data.landing_zones[management]
                LandingZoneBuilder(management, zone.manifest, zone.region).govern_ou(target.rsplit("/", 1)[-1])
            item.status = "SUCCEEDED" if operation.outcome == "SUCCEEDED" else "FAILED"

        operation_type = "ENABLE_CONTROL" if kind == "control" else "ENABLE_BASELINE"
        self.state.start_operation(op_id, f"{kind}:", "FAILED" if problems else "SUCCEEDED",
                                   "; ".join(problems) or None, on_complete=finish,
                                   operationType=operation_type, identifier=identifier, target=target,
                                   enabled=arn)
        return {"operationIdentifier": op_id, "arn": arn}

    @staticmethod
    def _registration_problems(management: str, target: str) -> list[str]:
        """Why Control Tower could not attach its SCP to the OU being registered."""
        ou_id = target.rsplit("/", 1)[-1]
        backend = motoaccess.organizations(management)
        ou = next((o for o in backend.ou if o.id == ou_id), None)
        if ou is None or any(p.name.startswith(SCP_PREFIX) for p in ou.attached_policies):
            return []
        if scp_count(management, ou_id) >= MAX_SCPS_PER_TARGET:
            return [f"AWS Control Tower cannot register the OU {ou.name}: it already has the maximum of "
                    f"{MAX_SCPS_PER_TARGET} service control policies attached, and Control Tower needs to "
                    "attach one. Detach a policy from the OU, then try again."]
        return []

    def op_enable_control(self, call: Call) -> dict[str, Any]:
        require(call.params, "controlIdentifier", "targetIdentifier")
        return self._enable(call, "control", call.params["controlIdentifier"], call.params["targetIdentifier"], None)

    def _find_enabled(self, call: Call, kind: str, arn: str | None, identifier: str | None = None,
                      target: str | None = None) -> Enabled:
        registry = (self.data.controls if kind == "control" else self.data.baselines).get(call.account, {})
        for item in registry.values():
            if item.arn == arn or (identifier and item.identifier == identifier and item.target == target):
                return item
        raise AwsError("ResourceNotFoundException", f"The enabled {kind} was not found.", 404)

    def op_disable_control(self, call: Call) -> dict[str, Any]:
        self._management(call)
        item = self._find_enabled(call, "control", call.params.get("enabledControlIdentifier"),
                                  call.params.get("controlIdentifier"), call.params.get("targetIdentifier"))
        registry = self.data.controls[call.account]
        op_id = str(uuid.uuid4())
        item.status = "UNDER_CHANGE"
        self.state.start_operation(op_id, "control:", on_complete=lambda _: registry.pop(item.arn, None),
                                   operationType="DISABLE_CONTROL", identifier=item.identifier,
                                   target=item.target, enabled=item.arn)
        return {"operationIdentifier": op_id}

    def op_get_control_operation(self, call: Call) -> dict[str, Any]:
        operation = self._operation(call.params.get("operationIdentifier"), "control:")
        result = {"operationType": operation.details["operationType"], "status": operation.status,
                  "operationIdentifier": operation.id, "controlIdentifier": operation.details["identifier"],
                  "targetIdentifier": operation.details["target"],
                  "enabledControlIdentifier": operation.details["enabled"], **self._times(operation)}
        if operation.completed and operation.message:
            result["statusMessage"] = operation.message
        return {"controlOperation": result}

    @staticmethod
    def _enabled_control_summary(item: Enabled) -> dict[str, Any]:
        return {"arn": item.arn, "controlIdentifier": item.identifier, "targetIdentifier": item.target,
                "statusSummary": {"status": item.status, "lastOperationIdentifier": item.operation},
                "driftStatusSummary": {"driftStatus": "IN_SYNC"}}

    def op_list_enabled_controls(self, call: Call) -> dict[str, Any]:
        target = call.params.get("targetIdentifier")
        wanted = call.params.get("filter") or {}
        result = []
        for item in self.data.controls.get(call.account, {}).values():
            if target and item.target != target:
                continue
            if wanted.get("controlIdentifiers") and item.identifier not in wanted["controlIdentifiers"]:
                continue
            if wanted.get("statuses") and item.status not in wanted["statuses"]:
                continue
            result.append(self._enabled_control_summary(item))
        return {"enabledControls": result}

    def op_get_enabled_control(self, call: Call) -> dict[str, Any]:
        item = self._find_enabled(call, "control", call.params.get("enabledControlIdentifier"))
        summary = self._enabled_control_summary(item)
        summary["targetRegions"] = [{"name": r} for r in self._governed_regions(call)]
        summary["parameters"] = item.parameters
        return {"enabledControlDetails": summary}

    def _governed_regions(self, call: Call) -> list[str]:
        zone = self.data.landing_zones.get(call.account)
        return list((zone.manifest.get("governedRegions") or [])) if zone else []

    def _baseline_catalog(self, region: str) -> list[dict[str, str]]:
        return [{"arn": f"arn:aws:controltower:{region}::baseline/{ident}", "name": name, "description": desc}
                for name, ident, _, desc in BASELINES]

    def op_list_baselines(self, call: Call) -> dict[str, Any]:
        return {"baselines": self._baseline_catalog(call.region)}

    def op_get_baseline(self, call: Call) -> dict[str, Any]:
        require(call.params, "baselineIdentifier")
        for baseline in self._baseline_catalog(call.region):
            if baseline["arn"] == call.params["baselineIdentifier"]:
                return baseline
        raise AwsError("ResourceNotFoundException", "The baseline was not found.", 404)

    def _enrollment_config_problems(self, call: Call, target: str) -> list[str]:
        """Accounts of the OU with AWS Config resources Control Tower did not create (it cannot enroll them)."""
        management = motoaccess.org_management_account(call.account)
        if management is None or not call.params["baselineIdentifier"].endswith("/" + BASELINES[0][1]):
            return []
        ou_id = target.rsplit("/", 1)[-1]
        accounts = [a.id for a in motoaccess.organizations(management).accounts
                    if a.parent_id == ou_id and a.id != management]
        problems = []
        for account in accounts:
            for region in self._governed_regions(call):
                config = moto_client("config", account, region)
                foreign = [r["name"] for r in config.describe_configuration_recorders()["ConfigurationRecorders"]
                           if r["name"] != RECORDER]
                foreign += [c["name"] for c in config.describe_delivery_channels()["DeliveryChannels"]
                            if c["name"] != CHANNEL]
                if foreign:
                    problems.append(
                        f"AWS Control Tower cannot enroll account {account}: it has an existing AWS Config "
                        f"configuration recorder or delivery channel in {region} ({', '.join(foreign)}). Delete "
                        "them, then try again.")
        return problems

    def op_enable_baseline(self, call: Call) -> dict[str, Any]:
        require(call.params, "baselineIdentifier", "baselineVersion", "targetIdentifier")
        identifier = call.params["baselineIdentifier"]
        known = {b["arn"] for b in self._baseline_catalog(call.region)}
        if identifier not in known:
            raise AwsError("ResourceNotFoundException", f"The baseline {identifier} was not found.", 404)
        target = call.params["targetIdentifier"]
        return self._enable(call, "baseline", identifier, target, call.params["baselineVersion"],
                            problems=self._enrollment_config_problems(call, target))

    def op_get_baseline_operation(self, call: Call) -> dict[str, Any]:
        operation = self._operation(call.params.get("operationIdentifier"), "baseline:")
        result = {"operationIdentifier": operation.id, "operationType": operation.details["operationType"],
                  "status": operation.status, **self._times(operation)}
        if operation.completed and operation.message:
            result["statusMessage"] = operation.message
        return {"baselineOperation": result}

    @staticmethod
    def _enabled_baseline_summary(item: Enabled) -> dict[str, Any]:
        return {"arn": item.arn, "baselineIdentifier": item.identifier, "baselineVersion": item.version,
                "targetIdentifier": item.target,
                "statusSummary": {"status": item.status, "lastOperationIdentifier": item.operation},
                "driftStatusSummary": {"types": {"inheritance": {"status": "IN_SYNC"}}}}

    def op_list_enabled_baselines(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("filter") or {}
        result = []
        for item in self.data.baselines.get(call.account, {}).values():
            if wanted.get("targetIdentifiers") and item.target not in wanted["targetIdentifiers"]:
                continue
            if wanted.get("baselineIdentifiers") and item.identifier not in wanted["baselineIdentifiers"]:
                continue
            result.append(self._enabled_baseline_summary(item))
        return {"enabledBaselines": result}

    def op_get_enabled_baseline(self, call: Call) -> dict[str, Any]:
        item = self._find_enabled(call, "baseline", call.params.get("enabledBaselineIdentifier"))
        details = self._enabled_baseline_summary(item)
        details["parameters"] = item.parameters
        return {"enabledBaselineDetails": details}
