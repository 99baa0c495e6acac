"""AWS Control Tower: landing zone, controls and baselines with asynchronous operations."""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

from bootstrap_tui.aws_limits import CONTROL_TOWER_CONCURRENT_OPERATIONS

from .. import motoaccess
from ..inprocess import moto_client
from ..state import AsyncOperation
from ..wire import AwsError, Call
from .base import Fake, require
from .landingzone import (
    CHANNEL,
    MAX_SCPS_PER_TARGET,
    RECORDER,
    SCP_PREFIX,
    LandingZoneBuilder,
    attach_preventive_scp,
    config_conflicts,
    is_preventive,
    kms_problem,
    preventive_scp_problems,
    remove_guardrails_scp,
    scp_count,
)

LATEST_VERSION = "4.0"
# Versions CreateLandingZone accepts: the walkthrough ("Examples: Set up an AWS Control Tower
# landing zone with APIs only", Step 4) says "You must set up the landing zone with the manifest
# file and the latest version".
NEW_LANDING_ZONE_VERSIONS = ("4.0",)
# Versions an existing landing zone may run (UpdateLandingZone keeps or raises it).
KNOWN_VERSIONS = ("3.2", "3.3", "4.0")
# AWSControlTowerBaseline versions EnableBaseline accepts per landing zone version ("Compatibility
# of OU baselines and landing zone versions": the latest compatible one on an unmanaged OU).
BASELINE_FOR_VERSION = {"3.2": "4.0", "3.3": "4.0", "4.0": "5.0"}
# Control and baseline operations in flight at once (botocore's controltower model, the
# ServiceQuotaExceededException of EnableControl and EnableBaseline: "The limit is 10 concurrent
# operations")
MAX_CONCURRENT_OPERATIONS = CONTROL_TOWER_CONCURRENT_OPERATIONS
MANIFEST_DOC = "https://docs.aws.amazon.com/controltower/latest/userguide/lz-api-launch.html"
CLOUDTRAIL_POLICY = "AWSControlTowerCloudTrailRolePolicy"
# (name, id, description); ids as ListBaselines returns them.
BASELINES = (
    (
        "AWSControlTowerBaseline",
        "17BSJV3IGJ2QSGA2",
        "4.0",
        "Sets up resources and mandatory controls for member accounts within the target OU, required for "
        "AWS Control Tower governance.",
    ),
    (
        "IdentityCenterBaseline",
        "LN25R72TTG6IGPTQ",
        "1.0",
        "Sets up shared resources for AWS Identity Center, which prepares the AWSControlTowerBaseline.",
    ),
    (
        "AuditBaseline",
        "4T4HA1KMO10S6311",
        "1.0",
        "Sets up resources to monitor security and compliance of accounts in your organization.",
    ),
    (
        "LogArchiveBaseline",
        "J8HX46AHS5MIKQPD",
        "1.0",
        "Sets up a central repository for logs of API activities and resource configurations.",
    ),
    (
        "CentralConfigBaseline",
        "YX7VMZML5IG8EJUD",
        "1.0",
        "Sets up central resources for compliance monitoring and auditing within your organization "
        "using AWS Config.",
    ),
    (
        "CentralSecurityRolesBaseline",
        "A6EEAE10F08193F2",
        "1.0",
        "Sets up central resources for security monitoring within your organization.",
    ),
    (
        "ConfigBaseline",
        "1QBGH2G48YVGDQ3Y",
        "1.0",
        "Sets up AWS Config resources for member accounts within the target OU, required for Detective "
        "Controls enablement.",
    ),
    (
        "BackupBaseline",
        "APO9ATVPBKFRRGLK",
        "1.0",
        "Sets up a local AWS Backup vault and attaches multiple AWS Backup plans.",
    ),
    ("BackupAdminBaseline", "H6C5JFCJJ3CPU3J5", "1.0", "Sets up AWS Backup Audit Manager."),
    (
        "BackupCentralVaultBaseline",
        "3WPD0NA6TJ9AOMU2",
        "1.0",
        "Sets up a central AWS Backup vault in your organization.",
    ),
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
    homes: dict[str, str] = field(default_factory=dict)  # shared account -> its OU when last built
    drifted: bool = False  # organizational drift seen; cleared by a successful reset or update


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
    latest_version: str = (
        LATEST_VERSION  # what AWS offers; /_sandbox/control-tower publishes a newer one
    )


def is_v4(version: str) -> bool:
    return str(version).split(".")[0] >= "4"


# Top-level manifest fields per schema (lz-manifest-file for 3.x, lz-api-launch for 4.0).
FIELDS_3X = {
    "governedRegions",
    "organizationStructure",
    "centralizedLogging",
    "securityRoles",
    "accessManagement",
    "backup",
}
FIELDS_4 = {
    "governedRegions",
    "centralizedLogging",
    "config",
    "securityRoles",
    "accessManagement",
    "backup",
}
INTEGRATIONS_4 = ("accessManagement", "backup", "centralizedLogging", "config", "securityRoles")


def schema_problems(manifest: Any, version: str) -> tuple[list[str], list[str], list[str]]:
    """(unrecognized, missing, invalid) fields of a manifest in the schema of `version`."""
    if not isinstance(manifest, dict):
        return [], [], ["the manifest must be a JSON object"]
    allowed = FIELDS_4 if is_v4(version) else FIELDS_3X
    unknown = sorted(set(manifest) - allowed)
    missing: list[str] = []
    invalid: list[str] = []
    regions = manifest.get("governedRegions")
    if regions is not None and (not isinstance(regions, list) or not regions):
        invalid.append("governedRegions must list at least one region")
    if is_v4(version):
        _schema_4(manifest, missing, invalid)
    else:
        _schema_3(manifest, missing)
    return unknown, missing, invalid


def _schema_3(manifest: dict[str, Any], missing: list[str]) -> None:
    structure = manifest.get("organizationStructure")
    if not isinstance(structure, dict) or not (structure.get("security") or {}).get("name"):
        missing.append("organizationStructure.security.name")
    if not (manifest.get("centralizedLogging") or {}).get("accountId"):
        missing.append("centralizedLogging.accountId")
    if not (manifest.get("securityRoles") or {}).get("accountId"):
        missing.append("securityRoles.accountId")


def _schema_4(manifest: dict[str, Any], missing: list[str], invalid: list[str]) -> None:
    """4.0: every integration's `enabled` flag is required; enabled ones need their account;
    config off requires securityRoles, accessManagement and backup off."""
    enabled = {}
    for key in INTEGRATIONS_4:
        block = manifest.get(key)
        flag = block.get("enabled") if isinstance(block, dict) else None
        if not isinstance(flag, bool):
            missing.append(f"{key}.enabled")
        enabled[key] = flag is True
    for key in ("centralizedLogging", "config", "securityRoles"):
        if enabled[key] and not (manifest.get(key) or {}).get("accountId"):
            missing.append(f"{key}.accountId")
    backup = (manifest.get("backup") or {}).get("configurations") or {}
    if enabled["backup"]:
        for key in ("backupAdmin", "centralBackup"):
            if not (backup.get(key) or {}).get("accountId"):
                missing.append(f"backup.configurations.{key}.accountId")
    for key in ("centralizedLogging", "config"):
        configurations = (manifest.get(key) or {}).get("configurations") or {}
        for bucket in ("loggingBucket", "accessLoggingBucket"):
            days = (configurations.get(bucket) or {}).get("retentionDays")
            if days is not None and (not isinstance(days, int) or days < 1):
                invalid.append(f"{key}.configurations.{bucket}.retentionDays must be at least 1")
    if not enabled["config"]:
        dependent = [k for k in ("securityRoles", "accessManagement", "backup") if enabled[k]]
        if dependent:
            invalid.append(
                "AWS Config integration is disabled, so these must be disabled too: "
                + ", ".join(dependent)
            )


def validate_request(manifest: Any, version: str, *, new: bool, current: str | None = None) -> None:
    """Raise the ValidationException AWS returns for a bad version or manifest."""
    if version not in KNOWN_VERSIONS:
        raise AwsError(
            "ValidationException",
            f"The landing zone version {version} is not valid. The latest "
            f"available version is {LATEST_VERSION}.",
            400,
        )
    if new and version not in NEW_LANDING_ZONE_VERSIONS:
        raise AwsError(
            "ValidationException",
            f"AWS Control Tower cannot set up a new landing zone with "
            f"version {version}. Use the latest available version, {LATEST_VERSION}.",
            400,
        )
    if current and float(version) < float(current):
        raise AwsError(
            "ValidationException",
            f"The landing zone cannot be downgraded from version {current} to {version}.",
            400,
        )
    unknown, missing, invalid = schema_problems(manifest, version)
    if unknown:
        raise AwsError(
            "ValidationException",
            "The LandingZoneManifest that you provided contains fields that "
            f"are not recognized ({', '.join(unknown)}). For information about formatting, see "
            f"{MANIFEST_DOC}.",
            400,
        )
    if missing:
        raise AwsError(
            "ValidationException",
            "The LandingZoneManifest that you provided is missing some "
            f"required fields ({', '.join(missing)}). For information about formatting, see "
            f"{MANIFEST_DOC}.",
            400,
        )
    if invalid:
        raise AwsError(
            "ValidationException",
            "The LandingZoneManifest that you provided is not valid: "
            f"{'; '.join(invalid)}. For information about formatting, see {MANIFEST_DOC}.",
            400,
        )


def integration_accounts(manifest: dict[str, Any]) -> list[str]:
    """Account ids of the enabled service integrations (4.0) or the two shared accounts (3.x)."""
    ids = []
    for key in ("centralizedLogging", "config", "securityRoles"):
        block = manifest.get(key) or {}
        if block.get("accountId") and block.get("enabled", True):
            ids.append(str(block["accountId"]))
    backup = manifest.get("backup") or {}
    if backup.get("enabled"):
        for key in ("backupAdmin", "centralBackup"):
            ids.append(str(((backup.get("configurations") or {}).get(key) or {}).get("accountId")))
    return list(dict.fromkeys(ids))


def manifest_problems(manifest: dict[str, Any], management: str) -> list[str]:
    """What makes the landing zone operation FAIL: accounts outside the organization."""
    problems = []
    accounts = {a.id for a in motoaccess.org_accounts(management)}
    log_account = str((manifest.get("centralizedLogging") or {}).get("accountId") or "")
    audit_account = str((manifest.get("securityRoles") or {}).get("accountId") or "")
    for account in integration_accounts(manifest):
        if account not in accounts:
            problems.append(
                f"account {account} of the manifest is not an account of the organization"
            )
    if log_account and log_account == audit_account:
        problems.append("the log archive and audit accounts must be different")
    return problems


def integration_ou_problems(manifest: dict[str, Any], management: str) -> list[str]:
    """4.0: "Service integration accounts must be in the same OU directly under root" (lz-api-launch);
    Control Tower 4.0 no longer creates the Security OU (key-changes-lz-v4)."""
    backend = motoaccess.organizations(management)
    root = backend.org.root_id
    parents = {a.id: a.parent_id for a in backend.accounts}
    wanted = [a for a in integration_accounts(manifest) if a in parents]
    if not wanted:
        return []
    found = {parents[a] for a in wanted}
    ou = next((o for o in backend.ou if o.id in found), None)
    if len(found) != 1 or ou is None or ou.parent_id != root:
        return [
            "the service integration accounts (" + ", ".join(wanted) + ") must all be in the same "
            "organizational unit directly under the root; AWS Control Tower 4.0 does not create or "
            "move them into one"
        ]
    return []


def cloudtrail_role_problems(management: str) -> list[str]:
    """4.0: AWSControlTowerCloudTrailRole must use the managed policy, not the inline one
    (key-changes-lz-v4, "Pre-requisite for Landing Zone 4.0")."""
    backend = motoaccess.iam(management)
    role = next(
        (r for r in backend.roles.values() if r.name == "AWSControlTowerCloudTrailRole"), None
    )
    if role is None:
        return []
    attached = {p.arn.rsplit("/", 1)[-1] for p in role.managed_policies.values()}
    problems = []
    if CLOUDTRAIL_POLICY not in attached:
        problems.append(
            f"the AWSControlTowerCloudTrailRole must have the managed policy {CLOUDTRAIL_POLICY} "
            "attached for landing zone 4.0"
        )
    if role.policies:
        problems.append(
            "the AWSControlTowerCloudTrailRole must not keep an inline policy for landing zone 4.0 "
            "(detach it; the managed policy replaces it)"
        )
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
            raise AwsError(
                "ValidationException", "AWS Organizations is not enabled for this account.", 400
            )
        if management != call.account:
            raise AwsError(
                "AccessDeniedException",
                "AWS Control Tower APIs can only be called from the management account.",
                403,
            )
        return management

    def _landing_zone(self, call: Call, arn: str | None = None) -> LandingZone:
        zone = self.data.landing_zones.get(call.account)
        if zone is None or (arn is not None and zone.arn != arn):
            raise AwsError("ResourceNotFoundException", "The landing zone was not found.", 404)
        return zone

    def _active_zone(self, call: Call) -> LandingZone:
        zone = self.data.landing_zones.get(call.account)
        if zone is None or zone.status != "ACTIVE":
            raise AwsError(
                "ValidationException",
                "AWS Control Tower cannot perform this operation: no active landing zone.",
                400,
            )
        return zone

    def _problems(self, call: Call, manifest: Any, version: str) -> list[str]:
        """Why the landing zone operation would end FAILED (the request itself was valid)."""
        problems = manifest_problems(manifest, call.account)
        missing = motoaccess.missing_roles(call.account)
        if missing:
            problems.append(
                "required IAM roles are missing in the management account: " + ", ".join(missing)
            )
        elif is_v4(version):
            problems += cloudtrail_role_problems(call.account)
        if is_v4(version) and not problems:
            problems += integration_ou_problems(manifest, call.account)
        org = motoaccess.organization(call.account)
        if org is not None and org.feature_set != "ALL":
            problems.append("the organization must have all features enabled")
        if not problems:
            kms = kms_problem(manifest, call.account, call.region)
            if kms:
                problems.append(kms)
        return problems

    def _start_lz_operation(
        self, call: Call, zone: LandingZone, kind: str, problems: list[str]
    ) -> str:
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
        self.state.start_operation(
            op_id,
            f"landingzone:{kind}",
            outcome,
            message,
            finish,
            account=call.account,
            operationType=kind,
        )
        self.data.lz_operations.setdefault(call.account, []).append(op_id)
        return op_id

    def _build(self, management: str, zone: LandingZone) -> None:
        """Leave what the landing zone sets up; the shared-account baselines the first time."""
        builder = LandingZoneBuilder(management, zone.manifest, zone.region, zone.version)
        builder.build()
        registry = self.data.baselines.setdefault(management, {})
        org = motoaccess.organizations(management).org
        ids = {name: ident for name, ident, _, _ in BASELINES}
        shared = [("LogArchiveBaseline", builder.log_archive)] + (
            [
                ("CentralConfigBaseline", builder.audit),
                ("CentralSecurityRolesBaseline", builder.audit),
            ]
            if is_v4(zone.version)
            else [("AuditBaseline", builder.audit)]
        )
        if (zone.manifest.get("accessManagement") or {}).get("enabled"):
            shared.append(("IdentityCenterBaseline", management))
        for name, account in shared:
            identifier = f"arn:aws:controltower:{zone.region}::baseline/{ids[name]}"
            target = f"arn:aws:organizations::{management}:account/{org.id}/{account}"
            if any(b.identifier == identifier for b in registry.values()):
                continue
            arn = f"arn:aws:controltower:{zone.region}:{management}:enabledbaseline/{_short_id(14)}"
            registry[arn] = Enabled(
                arn, identifier, target, str(uuid.uuid4()), "1.0", status="SUCCEEDED"
            )
        zone.built = True
        parents = {a.id: a.parent_id for a in motoaccess.organizations(management).accounts}
        zone.homes = {
            account: parents[account]
            for account in integration_accounts(zone.manifest)
            if account in parents
        }
        zone.drifted = False

    def op_create_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        require(call.params, "version", "manifest")
        existing = self.data.landing_zones.get(call.account)
        if existing is not None and existing.status != "FAILED":
            raise AwsError(
                "ConflictException",
                "AWS Control Tower cannot begin landing zone setup: a landing zone already exists.",
                409,
            )
        version = str(call.params["version"])
        validate_request(call.params["manifest"], version, new=True)
        arn = f"arn:aws:controltower:{call.region}:{call.account}:landingzone/{_short_id()}"
        zone = LandingZone(
            arn,
            version,
            call.params["manifest"],
            list(call.params.get("remediationTypes") or []),
            region=call.region,
        )
        self.data.landing_zones[call.account] = zone
        problems = self._problems(call, zone.manifest, version)
        if not problems:
            problems += config_conflicts(zone.manifest, integration_accounts(zone.manifest))
        op_id = self._start_lz_operation(call, zone, "CREATE", problems)
        return {"arn": arn, "operationIdentifier": op_id}

    def op_update_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        self._check_no_landing_zone_operation(call)
        require(call.params, "version", "landingZoneIdentifier")
        zone = self._landing_zone(call, call.params["landingZoneIdentifier"])
        version = str(call.params["version"])
        manifest = call.params.get("manifest") or zone.manifest
        validate_request(manifest, version, new=False, current=zone.version)
        problems = self._problems(call, manifest, version)
        if not problems:
            zone.version = version
            zone.manifest = manifest
            zone.remediation_types = list(
                call.params.get("remediationTypes") or zone.remediation_types
            )
        zone.status = "PROCESSING"
        return {"operationIdentifier": self._start_lz_operation(call, zone, "UPDATE", problems)}

    def op_reset_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        self._check_no_landing_zone_operation(call)
        zone = self._landing_zone(call, call.params.get("landingZoneIdentifier"))
        zone.status = "PROCESSING"
        problems = (
            integration_ou_problems(zone.manifest, call.account) if is_v4(zone.version) else []
        )
        return {"operationIdentifier": self._start_lz_operation(call, zone, "RESET", problems)}

    def op_delete_landing_zone(self, call: Call) -> dict[str, Any]:
        self._management(call)
        self._check_no_landing_zone_operation(call)
        self._landing_zone(call, call.params.get("landingZoneIdentifier"))
        del self.data.landing_zones[call.account]
        op_id = str(uuid.uuid4())
        self.state.start_operation(
            op_id, "landingzone:DELETE", account=call.account, operationType="DELETE"
        )
        self.data.lz_operations.setdefault(call.account, []).append(op_id)
        return {"operationIdentifier": op_id}

    def op_get_landing_zone(self, call: Call) -> dict[str, Any]:
        require(call.params, "landingZoneIdentifier")
        zone = self._landing_zone(call, call.params["landingZoneIdentifier"])
        return {
            "landingZone": {
                "version": zone.version,
                "remediationTypes": zone.remediation_types,
                "arn": zone.arn,
                "status": zone.status,
                "latestAvailableVersion": self.data.latest_version,
                "driftStatus": {"status": self._drift_status(call.account, zone)},
                "manifest": zone.manifest,
            }
        }

    @staticmethod
    def _drift_status(management: str, zone: LandingZone) -> str:
        """Landing zone drift (user guide, "Types of governance drift"): role drift while a required
        role is missing; a shared account moved out of its OU (or out of the organization) stays
        DRIFTED until a reset or update of the landing zone succeeds."""
        if zone.status == "ACTIVE" and zone.homes:
            parents = {a.id: a.parent_id for a in motoaccess.organizations(management).accounts}
            if any(parents.get(account) != ou for account, ou in zone.homes.items()):
                zone.drifted = True
        return (
            "DRIFTED"
            if zone.drifted or (zone.built and motoaccess.missing_roles(management))
            else "IN_SYNC"
        )

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
        details = {
            "operationType": operation.details["operationType"],
            "operationIdentifier": operation.id,
            "status": operation.status,
            **self._times(operation),
        }
        if operation.completed and operation.message:
            details["statusMessage"] = operation.message
        return {"operationDetails": details}

    def op_list_landing_zone_operations(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("filter") or {}
        result = []
        for op_id in self.data.lz_operations.get(call.account, []):
            operation = self.state.operations[op_id]
            entry = {
                "operationType": operation.details["operationType"],
                "operationIdentifier": op_id,
                "status": operation.status,
            }
            if wanted.get("types") and entry["operationType"] not in wanted["types"]:
                continue
            if wanted.get("statuses") and entry["status"] not in wanted["statuses"]:
                continue
            result.append(entry)
        return {"landingZoneOperations": result}

    def _ou_arn_exists(self, management: str, target: str) -> bool:
        backend = motoaccess.organizations(management)
        return any(ou.arn == target for ou in backend.ou)

    def _enable(
        self,
        call: Call,
        kind: str,
        identifier: str,
        target: str,
        version: str | None,
        problems: list[str] | None = None,
    ) -> dict[str, Any]:
        management = self._management(call)
        zone = self._active_zone(call)
        if kind == "baseline" and identifier.endswith("/" + BASELINES[0][1]):
            self._check_baseline_version(zone, version)
            self._check_not_security_ou(zone, management, target)
        if not self._ou_arn_exists(management, target):
            raise AwsError("ResourceNotFoundException", f"The target {target} was not found.", 404)
        registry = (self.data.controls if kind == "control" else self.data.baselines).setdefault(
            call.account, {}
        )
        for item in registry.values():
            if item.identifier == identifier and item.target == target:
                raise AwsError(
                    "ValidationException",
                    f"The {kind} {identifier} is already enabled on {target}.",
                    400,
                )
        self._check_concurrent_operations(call)
        registers = kind == "baseline" and identifier.endswith("/" + BASELINES[0][1])
        problems = (self._registration_problems(management, target) if registers else []) + (
            problems or []
        )
        preventive = kind == "control" and is_preventive(identifier)
        if preventive:
            problems += preventive_scp_problems(management, target)
        op_id = str(uuid.uuid4())
        name = "enabledcontrol" if kind == "control" else "enabledbaseline"
        arn = f"arn:aws:controltower:{call.region}:{call.account}:{name}/{_short_id(14)}"
        item = Enabled(
            arn, identifier, target, op_id, version, list(call.params.get("parameters") or [])
        )
        registry[arn] = item

        def finish(operation: AsyncOperation) -> None:
            if operation.outcome == "SUCCEEDED" and registers:
                zone = self.data.landing_zones[management]
                LandingZoneBuilder(management, zone.manifest, zone.region, zone.version).govern_ou(
                    target.rsplit("/", 1)[-1]
                )
            if operation.outcome == "SUCCEEDED" and preventive:
                attach_preventive_scp(management, target.rsplit("/", 1)[-1])
            item.status = "SUCCEEDED" if operation.outcome == "SUCCEEDED" else "FAILED"

        operation_type = "ENABLE_CONTROL" if kind == "control" else "ENABLE_BASELINE"
        self.state.start_operation(
            op_id,
            f"{kind}:",
            "FAILED" if problems else "SUCCEEDED",
            "; ".join(problems) or None,
            on_complete=finish,
            operationType=operation_type,
            identifier=identifier,
            target=target,
            enabled=arn,
            account=call.account,
        )
        return {"operationIdentifier": op_id, "arn": arn}

    def _check_concurrent_operations(self, call: Call) -> None:
        """At most MAX_CONCURRENT_OPERATIONS control and baseline operations in flight."""
        in_flight = sum(
            1
            for operation in list(self.state.operations.values())
            if operation.kind in ("control:", "baseline:")
            and operation.details.get("account") == call.account
            and not operation.completed
            and not operation.due
        )
        if in_flight >= MAX_CONCURRENT_OPERATIONS:
            raise AwsError(
                "ServiceQuotaExceededException",
                "The request would cause a service quota to be exceeded. The limit is "
                f"{MAX_CONCURRENT_OPERATIONS} concurrent operations.",
                402,
            )

    def _check_no_landing_zone_operation(self, call: Call) -> None:
        """One landing zone operation at a time."""
        for op_id in self.data.lz_operations.get(call.account, []):
            operation = self.state.operations.get(op_id)
            if operation is not None and not operation.completed and not operation.due:
                raise AwsError(
                    "ConflictException",
                    f"AWS Control Tower cannot begin this operation: landing zone operation "
                    f"{op_id} ({operation.details['operationType']}) is still in progress.",
                    409,
                )

    @staticmethod
    def _check_baseline_version(zone: LandingZone, version: str | None) -> None:
        """AWSControlTowerBaseline must be the latest version compatible with the landing zone."""
        wanted = BASELINE_FOR_VERSION.get(zone.version)
        if wanted and version != wanted:
            raise AwsError(
                "ValidationException",
                f"Baseline version {version} of AWSControlTowerBaseline is "
                f"not compatible with landing zone version {zone.version}. Use baseline version "
                f"{wanted}.",
                400,
            )

    @staticmethod
    def _check_not_security_ou(zone: LandingZone, management: str, target: str) -> None:
        """4.0: the Control Tower baseline cannot be applied to the Security OU, the OU of the
        service integration accounts (key-changes-lz-v4, "Baseline status for the Security OU")."""
        if not is_v4(zone.version):
            return
        backend = motoaccess.organizations(management)
        parents = {
            a.parent_id for a in backend.accounts if a.id in integration_accounts(zone.manifest)
        }
        if target.rsplit("/", 1)[-1] in parents:
            raise AwsError(
                "ValidationException",
                "AWSControlTowerBaseline cannot be enabled on the OU that "
                "contains the service integration accounts (the Security OU); change service "
                "integrations by updating the landing zone settings.",
                400,
            )

    @staticmethod
    def _registration_problems(management: str, target: str) -> list[str]:
        """Why Control Tower could not attach its SCP to the OU being registered."""
        ou_id = target.rsplit("/", 1)[-1]
        backend = motoaccess.organizations(management)
        ou = next((o for o in backend.ou if o.id == ou_id), None)
        if ou is None or any(p.name.startswith(SCP_PREFIX) for p in ou.attached_policies):
            return []
        if scp_count(management, ou_id) >= MAX_SCPS_PER_TARGET:
            return [
                f"AWS Control Tower cannot register the OU {ou.name}: it already has the maximum of "
                f"{MAX_SCPS_PER_TARGET} service control policies attached, and Control Tower needs to "
                "attach one. Detach a policy from the OU, then try again."
            ]
        return []

    def op_enable_control(self, call: Call) -> dict[str, Any]:
        require(call.params, "controlIdentifier", "targetIdentifier")
        return self._enable(
            call, "control", call.params["controlIdentifier"], call.params["targetIdentifier"], None
        )

    def _find_enabled(
        self,
        call: Call,
        kind: str,
        arn: str | None,
        identifier: str | None = None,
        target: str | None = None,
    ) -> Enabled:
        registry = (self.data.controls if kind == "control" else self.data.baselines).get(
            call.account, {}
        )
        for item in registry.values():
            if item.arn == arn or (
                identifier and item.identifier == identifier and item.target == target
            ):
                return item
        raise AwsError("ResourceNotFoundException", f"The enabled {kind} was not found.", 404)

    def op_disable_control(self, call: Call) -> dict[str, Any]:
        self._management(call)
        item = self._find_enabled(
            call,
            "control",
            call.params.get("enabledControlIdentifier"),
            call.params.get("controlIdentifier"),
            call.params.get("targetIdentifier"),
        )
        registry = self.data.controls[call.account]
        op_id = str(uuid.uuid4())
        item.status = "UNDER_CHANGE"
        self.state.start_operation(
            op_id,
            "control:",
            on_complete=lambda _: registry.pop(item.arn, None),
            operationType="DISABLE_CONTROL",
            identifier=item.identifier,
            target=item.target,
            enabled=item.arn,
            account=call.account,
        )
        return {"operationIdentifier": op_id}

    def op_get_control_operation(self, call: Call) -> dict[str, Any]:
        operation = self._operation(call.params.get("operationIdentifier"), "control:")
        result = {
            "operationType": operation.details["operationType"],
            "status": operation.status,
            "operationIdentifier": operation.id,
            "controlIdentifier": operation.details["identifier"],
            "targetIdentifier": operation.details["target"],
            "enabledControlIdentifier": operation.details["enabled"],
            **self._times(operation),
        }
        if operation.completed and operation.message:
            result["statusMessage"] = operation.message
        return {"controlOperation": result}

    @staticmethod
    def _enabled_control_summary(item: Enabled) -> dict[str, Any]:
        return {
            "arn": item.arn,
            "controlIdentifier": item.identifier,
            "targetIdentifier": item.target,
            "statusSummary": {"status": item.status, "lastOperationIdentifier": item.operation},
            "driftStatusSummary": {"driftStatus": "IN_SYNC"},
        }

    def op_list_enabled_controls(self, call: Call) -> dict[str, Any]:
        target = call.params.get("targetIdentifier")
        wanted = call.params.get("filter") or {}
        result = []
        for item in self.data.controls.get(call.account, {}).values():
            if target and item.target != target:
                continue
            if (
                wanted.get("controlIdentifiers")
                and item.identifier not in wanted["controlIdentifiers"]
            ):
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
        return list(zone.manifest.get("governedRegions") or []) if zone else []

    def _baseline_catalog(self, region: str) -> list[dict[str, str]]:
        return [
            {
                "arn": f"arn:aws:controltower:{region}::baseline/{ident}",
                "name": name,
                "description": desc,
            }
            for name, ident, _, desc in BASELINES
        ]

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
        if management is None or not call.params["baselineIdentifier"].endswith(
            "/" + BASELINES[0][1]
        ):
            return []
        ou_id = target.rsplit("/", 1)[-1]
        accounts = [
            a.id
            for a in motoaccess.organizations(management).accounts
            if a.parent_id == ou_id and a.id != management
        ]
        problems = []
        for account in accounts:
            for region in self._governed_regions(call):
                config = moto_client("config", account, region)
                foreign = [
                    r["name"]
                    for r in config.describe_configuration_recorders()["ConfigurationRecorders"]
                    if r["name"] != RECORDER
                ]
                foreign += [
                    c["name"]
                    for c in config.describe_delivery_channels()["DeliveryChannels"]
                    if c["name"] != CHANNEL
                ]
                if foreign:
                    problems.append(
                        f"AWS Control Tower cannot enroll account {account}: it has an existing AWS Config "
                        f"configuration recorder or delivery channel in {region} ({', '.join(foreign)}). Delete "
                        "them, then try again."
                    )
        return problems

    def op_enable_baseline(self, call: Call) -> dict[str, Any]:
        require(call.params, "baselineIdentifier", "baselineVersion", "targetIdentifier")
        identifier = call.params["baselineIdentifier"]
        known = {b["arn"] for b in self._baseline_catalog(call.region)}
        if identifier not in known:
            raise AwsError(
                "ResourceNotFoundException", f"The baseline {identifier} was not found.", 404
            )
        target = call.params["targetIdentifier"]
        return self._enable(
            call,
            "baseline",
            identifier,
            target,
            call.params["baselineVersion"],
            problems=self._enrollment_config_problems(call, target),
        )

    def op_disable_baseline(self, call: Call) -> dict[str, Any]:
        """Deregister an OU (or remove another baseline); user guide "Remove an OU": the OU must be
        empty of accounts and all optional controls must be removed from it first."""
        management = self._management(call)
        require(call.params, "enabledBaselineIdentifier")
        item = self._find_enabled(call, "baseline", call.params["enabledBaselineIdentifier"])
        registers = item.identifier.endswith("/" + BASELINES[0][1])
        ou_id = item.target.rsplit("/", 1)[-1]
        if registers:
            if any(a.parent_id == ou_id for a in motoaccess.organizations(management).accounts):
                raise AwsError(
                    "ValidationException",
                    f"AWS Control Tower cannot deregister the OU {ou_id}: it "
                    "contains accounts. Move or unenroll them first.",
                    400,
                )
            if any(
                c.target == item.target for c in self.data.controls.get(call.account, {}).values()
            ):
                raise AwsError(
                    "ValidationException",
                    f"AWS Control Tower cannot deregister the OU {ou_id}: "
                    "optional controls are enabled on it. Disable them first.",
                    400,
                )
        registry = self.data.baselines[call.account]
        op_id = str(uuid.uuid4())
        item.status, item.operation = "UNDER_CHANGE", op_id

        def finish(_: AsyncOperation) -> None:
            registry.pop(item.arn, None)
            if registers:
                remove_guardrails_scp(management, ou_id)

        self.state.start_operation(
            op_id,
            "baseline:",
            on_complete=finish,
            operationType="DISABLE_BASELINE",
            identifier=item.identifier,
            target=item.target,
            enabled=item.arn,
            account=call.account,
        )
        return {"operationIdentifier": op_id}

    def op_get_baseline_operation(self, call: Call) -> dict[str, Any]:
        operation = self._operation(call.params.get("operationIdentifier"), "baseline:")
        result = {
            "operationIdentifier": operation.id,
            "operationType": operation.details["operationType"],
            "status": operation.status,
            **self._times(operation),
        }
        if operation.completed and operation.message:
            result["statusMessage"] = operation.message
        return {"baselineOperation": result}

    @staticmethod
    def _enabled_baseline_summary(item: Enabled) -> dict[str, Any]:
        return {
            "arn": item.arn,
            "baselineIdentifier": item.identifier,
            "baselineVersion": item.version,
            "targetIdentifier": item.target,
            "statusSummary": {"status": item.status, "lastOperationIdentifier": item.operation},
            "driftStatusSummary": {"types": {"inheritance": {"status": "IN_SYNC"}}},
        }

    def op_list_enabled_baselines(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("filter") or {}
        result = []
        for item in self.data.baselines.get(call.account, {}).values():
            if wanted.get("targetIdentifiers") and item.target not in wanted["targetIdentifiers"]:
                continue
            if (
                wanted.get("baselineIdentifiers")
                and item.identifier not in wanted["baselineIdentifiers"]
            ):
                continue
            result.append(self._enabled_baseline_summary(item))
        return {"enabledBaselines": result}

    def op_get_enabled_baseline(self, call: Call) -> dict[str, Any]:
        item = self._find_enabled(call, "baseline", call.params.get("enabledBaselineIdentifier"))
        details = self._enabled_baseline_summary(item)
        details["parameters"] = item.parameters
        return {"enabledBaselineDetails": details}
