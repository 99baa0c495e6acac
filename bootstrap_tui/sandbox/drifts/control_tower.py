"""Drifts of the control-tower step's checks (base ``compliant-ct``).

Control Tower changes are asynchronous operations: each drift waits for its operation to end,
as a person following the user guide would before calling the next API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ..plain import client, control
from . import Drift

BASELINE = "AWSControlTowerBaseline"
DEREGISTERED_OU = (
    "Infrastructure"  # registered, no accounts, no child OUs (user guide "Remove an OU")
)
STACKSET_ROLE = "AWSControlTowerStackSetRole"


def _wait(status: Callable[[], str]) -> None:
    """Poll an operation until it leaves IN_PROGRESS; anything but SUCCEEDED raises."""
    for _ in range(300):
        found = status()
        if found == "SUCCEEDED":
            return
        if found != "IN_PROGRESS":
            raise RuntimeError(f"the Control Tower operation ended {found}")
        time.sleep(0.05)
    raise TimeoutError("the Control Tower operation is still IN_PROGRESS")


def _wait_landing_zone(tower: Any, operation: str) -> None:
    _wait(
        lambda: tower.get_landing_zone_operation(operationIdentifier=operation)["operationDetails"][
            "status"
        ]
    )


def _wait_control(tower: Any, operation: str) -> None:
    _wait(
        lambda: tower.get_control_operation(operationIdentifier=operation)["controlOperation"][
            "status"
        ]
    )


def _wait_baseline(tower: Any, operation: str) -> None:
    _wait(
        lambda: tower.get_baseline_operation(operationIdentifier=operation)["baselineOperation"][
            "status"
        ]
    )


def _zone(tower: Any) -> dict[str, Any]:
    arn = tower.list_landing_zones()["landingZones"][0]["arn"]
    return tower.get_landing_zone(landingZoneIdentifier=arn)["landingZone"]


def _ou(endpoint: str, name: str) -> dict[str, Any]:
    org = client(endpoint, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    return next(
        ou
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
        if ou["Name"] == name
    )


# ---------------------------------------------------------------- ct.landing-zone


def _move_audit_to_root(endpoint: str, account: str, region: str | None) -> tuple[str, str]:
    """Move the Audit account (a shared account) out of the Security OU: landing zone drift."""
    tower = client(endpoint, "controltower")
    audit = _zone(tower)["manifest"]["securityRoles"]["accountId"]
    org = client(endpoint, "organizations")
    parent = org.list_parents(ChildId=audit)["Parents"][0]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.move_account(AccountId=audit, SourceParentId=parent, DestinationParentId=root)
    tower.get_landing_zone(
        landingZoneIdentifier=_zone(tower)["arn"]
    )  # Control Tower notices the move
    return audit, parent


def reset_landing_zone(endpoint: str) -> None:
    """ResetLandingZone and wait (user guide, "Reset the landing zone to resolve drift")."""
    tower = client(endpoint, "controltower")
    _wait_landing_zone(
        tower,
        tower.reset_landing_zone(landingZoneIdentifier=_zone(tower)["arn"])["operationIdentifier"],
    )


def _move_back_and_reset(
    endpoint: str, account: str, region: str | None, memento: tuple[str, str]
) -> None:
    """Move the account back, then reset the landing zone."""
    audit, parent = memento
    org = client(endpoint, "organizations")
    org.move_account(
        AccountId=audit,
        SourceParentId=org.list_parents(ChildId=audit)["Parents"][0]["Id"],
        DestinationParentId=parent,
    )
    reset_landing_zone(endpoint)


# ---------------------------------------------------------------- ct.governed-regions


def _update_manifest(
    endpoint: str, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """UpdateLandingZone (same version) with ``change(manifest)``; returns the manifest before."""
    tower = client(endpoint, "controltower")
    zone = _zone(tower)
    before = zone["manifest"]
    operation = tower.update_landing_zone(
        landingZoneIdentifier=zone["arn"],
        version=zone["version"],
        manifest=change(json.loads(json.dumps(before))),
    )["operationIdentifier"]
    _wait_landing_zone(tower, operation)
    return before


def _drop_last_region(manifest: dict[str, Any]) -> dict[str, Any]:
    manifest["governedRegions"] = manifest["governedRegions"][:-1]
    return manifest


def _ungovern_region(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    return _update_manifest(endpoint, _drop_last_region)


def _restore_manifest(
    endpoint: str, account: str, region: str | None, manifest: dict[str, Any]
) -> None:
    _update_manifest(endpoint, lambda _: manifest)


# ---------------------------------------------------------------- ct.controls-enabled, ct.ous-registered


def _enabled_controls(tower: Any, ou_arn: str) -> list[dict[str, Any]]:
    return tower.list_enabled_controls(targetIdentifier=ou_arn)["enabledControls"]


def _disable_controls(tower: Any, controls: list[dict[str, Any]]) -> list[str]:
    for enabled in controls:
        _wait_control(
            tower,
            tower.disable_control(enabledControlIdentifier=enabled["arn"])["operationIdentifier"],
        )
    return [c["controlIdentifier"] for c in controls]


def _enable_controls(tower: Any, identifiers: list[str], ou_arn: str) -> None:
    for identifier in identifiers:
        _wait_control(
            tower,
            tower.enable_control(controlIdentifier=identifier, targetIdentifier=ou_arn)[
                "operationIdentifier"
            ],
        )


def _disable_one_control(endpoint: str, account: str, region: str | None) -> tuple[str, list[str]]:
    tower = client(endpoint, "controltower")
    ou_arn = _ou(endpoint, DEREGISTERED_OU)["Arn"]
    return ou_arn, _disable_controls(tower, _enabled_controls(tower, ou_arn)[:1])


def _reenable_controls(
    endpoint: str, account: str, region: str | None, memento: tuple[str, list[str]]
) -> None:
    ou_arn, identifiers = memento
    _enable_controls(client(endpoint, "controltower"), identifiers, ou_arn)


def _deregister_ou(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """Deregister an empty OU as the user guide says: its optional controls first, then DisableBaseline."""
    tower = client(endpoint, "controltower")
    ou_arn = _ou(endpoint, DEREGISTERED_OU)["Arn"]
    base = next(b["arn"] for b in tower.list_baselines()["baselines"] if b["name"] == BASELINE)
    enabled = tower.list_enabled_baselines(
        filter={"targetIdentifiers": [ou_arn], "baselineIdentifiers": [base]}
    )
    details = tower.get_enabled_baseline(
        enabledBaselineIdentifier=enabled["enabledBaselines"][0]["arn"]
    )["enabledBaselineDetails"]
    controls = _disable_controls(tower, _enabled_controls(tower, ou_arn))
    _wait_baseline(
        tower,
        tower.disable_baseline(enabledBaselineIdentifier=details["arn"])["operationIdentifier"],
    )
    return {
        "ou": ou_arn,
        "baseline": base,
        "version": details["baselineVersion"],
        "parameters": details.get("parameters") or [],
        "controls": controls,
    }


def _register_ou(endpoint: str, account: str, region: str | None, memento: dict[str, Any]) -> None:
    tower = client(endpoint, "controltower")
    params: dict[str, Any] = {
        "baselineIdentifier": memento["baseline"],
        "baselineVersion": memento["version"],
        "targetIdentifier": memento["ou"],
    }
    if memento["parameters"]:
        params["parameters"] = memento["parameters"]
    _wait_baseline(tower, tower.enable_baseline(**params)["operationIdentifier"])
    _enable_controls(tower, memento["controls"], memento["ou"])


# ---------------------------------------------------------------- ct.service-roles


def _delete_role(endpoint: str, account: str, region: str | None) -> dict[str, Any]:
    """Delete a Control Tower service role the way IAM requires: its inline policies first."""
    iam = client(endpoint, "iam")
    role = iam.get_role(RoleName=STACKSET_ROLE)["Role"]
    inline = {
        name: iam.get_role_policy(RoleName=STACKSET_ROLE, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=STACKSET_ROLE)["PolicyNames"]
    }
    managed = [
        p["PolicyArn"]
        for p in iam.list_attached_role_policies(RoleName=STACKSET_ROLE)["AttachedPolicies"]
    ]
    for name in inline:
        iam.delete_role_policy(RoleName=STACKSET_ROLE, PolicyName=name)
    for arn in managed:
        iam.detach_role_policy(RoleName=STACKSET_ROLE, PolicyArn=arn)
    iam.delete_role(RoleName=STACKSET_ROLE)
    return {
        "path": role["Path"],
        "trust": role["AssumeRolePolicyDocument"],
        "description": role.get("Description"),
        "inline": inline,
        "managed": managed,
    }


def _as_json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _recreate_role(
    endpoint: str, account: str, region: str | None, memento: dict[str, Any]
) -> None:
    iam = client(endpoint, "iam")
    params: dict[str, Any] = {
        "RoleName": STACKSET_ROLE,
        "Path": memento["path"],
        "AssumeRolePolicyDocument": _as_json(memento["trust"]),
    }
    if memento["description"]:
        params["Description"] = memento["description"]
    iam.create_role(**params)
    for name, document in memento["inline"].items():
        iam.put_role_policy(
            RoleName=STACKSET_ROLE, PolicyName=name, PolicyDocument=_as_json(document)
        )
    for arn in memento["managed"]:
        iam.attach_role_policy(RoleName=STACKSET_ROLE, PolicyArn=arn)


def _publish_newer_version(endpoint: str, account: str, region: str | None) -> str:
    """AWS releases a newer landing zone version (an event outside the account: the control endpoint)."""
    zone = client(endpoint, "controltower").list_landing_zones()["landingZones"][0]["arn"]
    current = client(endpoint, "controltower").get_landing_zone(landingZoneIdentifier=zone)[
        "landingZone"
    ]
    major, minor = current["version"].split(".")
    control(endpoint, "/_sandbox/control-tower", {"latest_version": f"{major}.{int(minor) + 1}"})
    return current["latestAvailableVersion"]


def _withdraw_version(endpoint: str, account: str, region: str | None, latest: str) -> None:
    control(endpoint, "/_sandbox/control-tower", {"latest_version": latest})


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "ct.version-current",
        "management",
        None,
        "AWS releases a newer landing zone version than the one deployed",
        _publish_newer_version,
        _withdraw_version,
        base="compliant-ct",
        expect="WARN",
    ),
    Drift(
        "ct.landing-zone",
        "management",
        None,
        "the Audit account is moved out of the Security OU to the root: landing zone drift",
        _move_audit_to_root,
        _move_back_and_reset,
        base="compliant-ct",
    ),
    Drift(
        "ct.governed-regions",
        "management",
        None,
        "the landing zone is updated to stop governing a region (UpdateLandingZone)",
        _ungovern_region,
        _restore_manifest,
        base="compliant-ct",
    ),
    Drift(
        "ct.controls-enabled",
        "management",
        None,
        "an optional control is disabled on a registered OU",
        _disable_one_control,
        _reenable_controls,
        base="compliant-ct",
    ),
    Drift(
        "ct.ous-registered",
        "management",
        None,
        "a registered OU is deregistered (its optional controls disabled, then DisableBaseline)",
        _deregister_ou,
        _register_ou,
        base="compliant-ct",
    ),
    Drift(
        "ct.service-roles",
        "management",
        None,
        "the AWSControlTowerStackSetRole service role is deleted",
        _delete_role,
        _recreate_role,
        base="compliant-ct",
    ),
)
