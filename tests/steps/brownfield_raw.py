"""The raw state of a brownfield sandbox, read with plain boto3 (``bootstrap_tui.sandbox.plain``),
and the README's unattended flow (``plan``, then ``apply --yes``, then ``verify``) run on it.

``resources(state)`` flattens what matters into ``{key: value}``; a key is a tuple whose first
item names the kind (``ou``, ``account``, ``scp``, ``trail``, ``recorder``, ``channel``,
``detector``, ``vpc``, ``password-policy``, ``iam-user``, ``alias``, ``contact``), then the account and
region where the kind has them, then the resource's own name or id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bootstrap_tui.sandbox.plain import client, info
from bootstrap_tui.sandbox.testing import client_environment

HOME = "us-east-1"
REGIONS = ("us-east-1", "us-west-2")  # startup-minimal's governed regions


@dataclass
class Run:
    """One seed taken through plan, apply and verify."""

    seed: str
    management: str
    names: dict[str, str]  # account id -> name
    before: dict[Any, Any]
    after: dict[Any, Any]
    raw_after: dict[str, Any]
    plan: dict[str, Any]
    applied: subprocess.CompletedProcess
    verified: list[dict[str, Any]]

    def plan_lines(self) -> list[str]:
        """Every change, kept line and note of the up-front plan, one line each, with account and region."""
        lines = []
        for plan in self.plan["plans"]:
            for c in plan["changes"]:
                lines.append(
                    " ".join(
                        str(p)
                        for p in (
                            plan["step"],
                            c["action"],
                            c["resource"],
                            c["name"],
                            f"[{c['account']}]",
                            f"[{c['region']}]",
                            c["detail"],
                        )
                    )
                )
            for k in plan.get("kept", []):  # what the plan reuses, keeps or leaves alone (= lines)
                lines.append(
                    " ".join(
                        str(p)
                        for p in (
                            plan["step"],
                            k["verb"],
                            k["resource"],
                            k["name"],
                            f"[{k['account']}]",
                            f"[{k['region']}]",
                            k["detail"],
                        )
                    )
                )
            lines += [f"{plan['step']} {note}" for note in plan["notes"]]
        return lines

    def verdicts(
        self, check_id: str, account: str | None = None, region: str | None = None
    ) -> list[str]:
        return [
            r["status"]
            for r in self.verified
            if r["check_id"] == check_id
            and (account is None or r["account"] == account)
            and (region is None or r["region"] == region)
        ]


def run_flow(box: Any, seed: str, flow: str) -> Run:
    """Reset the sandbox to ``seed`` and take it through ``flow``: ``plan-first`` (the README's
    unattended flow with the console script) or ``step-by-step`` (the wizard: each step planned,
    then applied with that plan)."""
    box.reset(seed=seed, accounts=0)
    if flow == "step-by-step":
        return _step_by_step(box.endpoint, seed)
    endpoint = box.endpoint
    before = read_state(endpoint)
    tmp = Path(tempfile.mkdtemp(prefix=f"bt-{seed}-"))
    env = {**os.environ, **client_environment(endpoint), "BOOTSTRAP_TUI_LOG": str(tmp / "run.log")}
    base = [
        sys.executable,
        "-m",
        "bootstrap_tui",
        "--profile-file",
        "startup-minimal",
        "--state-file",
        str(tmp / "state.yaml"),
    ]

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], env=env, capture_output=True, text=True, timeout=900)

    planned = cli("plan", "--format", "json")
    assert planned.returncode == 0, planned.stderr[-3000:]
    applied = cli("apply", "--yes", "--simulate-console", "--confirm-destructive", "guardrails")
    verified = cli("verify", "--format", "json")
    assert verified.returncode in (0, 1), verified.stderr[-3000:]
    after = read_state(endpoint)
    names = {a["id"]: a.get("name") or a["id"] for a in info(endpoint)["accounts"]}
    return Run(
        seed,
        info(endpoint)["management_account_id"],
        names,
        resources(before),
        resources(after),
        after,
        json.loads(planned.stdout),
        applied,
        json.loads(verified.stdout)["results"],
    )


def _step_by_step(endpoint: str, seed: str) -> Run:
    from tests.steps.engines import make_engine

    before = read_state(endpoint)
    engine = make_engine(endpoint, Path(tempfile.mkdtemp(prefix=f"bt-{seed}-")) / "state.yaml")
    plans = []
    try:
        for step in engine.steps:
            plan = engine.plan(step.id)
            plans.append(plan.to_dict())
            engine.apply(step.id, plan, confirm_destructive=lambda plan: True)
        verified = [r.to_dict() for r in engine.verify(record=False).results]
    finally:
        engine.close()
    after = read_state(endpoint)
    about = info(endpoint)
    names = {a["id"]: a.get("name") or a["id"] for a in about["accounts"]}
    done = subprocess.CompletedProcess(["step-by-step"], 0, "", "")
    return Run(
        seed,
        about["management_account_id"],
        names,
        resources(before),
        resources(after),
        after,
        {"plans": plans},
        done,
        verified,
    )


# ------------------------------------------------------------------ reading the raw state


class Clients:
    """plain.client per (service, account, region), made once."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.made: dict[tuple[str, str, str], Any] = {}

    def __call__(self, service: str, account: str, region: str = HOME) -> Any:
        key = (service, account, region)
        if key not in self.made:
            self.made[key] = client(self.endpoint, service, account=account, region=region)
        return self.made[key]


def read_state(endpoint: str) -> dict[str, Any]:
    """Everything the brownfield tests compare, read with plain boto3 calls."""
    about = info(endpoint)
    mgmt = about["management_account_id"]
    clients = Clients(endpoint)
    state: dict[str, Any] = {"org": read_org(clients("organizations", mgmt)), "accounts": {}}
    state["trails"] = read_trails(clients("cloudtrail", mgmt))
    state["contacts"] = read_contacts(clients("account", mgmt))
    members = [a["id"] for a in about["accounts"] if a["management"] or a.get("status") == "ACTIVE"]
    for account in members:
        state["accounts"][account] = {
            "iam": read_iam(clients("iam", account)),
            "key_purposes": read_key_purposes(clients("kms", account)),
            "regions": {region: read_region(clients, account, region) for region in REGIONS},
        }
    return state


def read_org(org: Any) -> dict[str, Any]:
    root = org.list_roots()["Roots"][0]["Id"]
    ous: list[str] = []
    attached: dict[str, list[str]] = {}
    parents: dict[str, str] = {}

    def walk(parent: str, path: str) -> None:
        attached[path or "Root"] = sorted(
            p["Name"]
            for p in org.list_policies_for_target(TargetId=parent, Filter="SERVICE_CONTROL_POLICY")[
                "Policies"
            ]
        )
        for account in org.list_accounts_for_parent(ParentId=parent)["Accounts"]:
            parents[account["Name"]] = path or "Root"
        for ou in org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]:
            ous.append(f"{path}/{ou['Name']}".lstrip("/"))
            walk(ou["Id"], ous[-1])

    walk(root, "")
    return {
        "ous": ous,
        "attached": attached,
        "parents": parents,
        "accounts": [a["Name"] for a in org.list_accounts()["Accounts"]],
        "ids": {a["Name"]: a["Id"] for a in org.list_accounts()["Accounts"]},
        "scps": [p["Name"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]],
    }


def read_trails(cloudtrail: Any) -> dict[str, dict[str, Any]]:
    trails = {}
    for trail in cloudtrail.describe_trails(includeShadowTrails=False)["trailList"]:
        status = cloudtrail.get_trail_status(Name=trail["TrailARN"])
        trails[trail["Name"]] = {
            "bucket": trail["S3BucketName"],
            "multi_region": trail["IsMultiRegionTrail"],
            "organization": trail.get("IsOrganizationTrail", False),
            "validation": trail.get("LogFileValidationEnabled", False),
            "logging": status["IsLogging"],
        }
    return trails


def read_contacts(account: Any) -> dict[str, str | None]:
    contacts: dict[str, str | None] = {}
    for kind in ("BILLING", "OPERATIONS", "SECURITY"):
        try:
            contacts[kind] = account.get_alternate_contact(AlternateContactType=kind)[
                "AlternateContact"
            ]["EmailAddress"]
        except ClientError:
            contacts[kind] = None
    return contacts


def read_iam(iam: Any) -> dict[str, Any]:
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError:
        policy = None
    users = {}
    for user in iam.list_users()["Users"]:
        name = user["UserName"]
        keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        try:
            iam.get_login_profile(UserName=name)
            console = True
        except ClientError:
            console = False
        users[name] = {
            "active_keys": sum(k["Status"] == "Active" for k in keys),
            "console": console,
        }
    return {
        "password_policy": policy,
        "users": users,
        "aliases": iam.list_account_aliases()["AccountAliases"],
    }


def read_key_purposes(kms: Any) -> list[str]:
    """The ``bootstrap-tui:purpose`` tag of each enabled KMS key (the tool tags every key it makes)."""
    purposes = []
    for key in kms.list_keys()["Keys"]:
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "Enabled":
            continue
        purposes += [
            t["TagValue"]
            for t in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            if t["TagKey"] == "bootstrap-tui:purpose"
        ]
    return purposes


def read_region(clients: Clients, account: str, region: str) -> dict[str, Any]:
    config = clients("config", account, region)
    status = {
        s["name"]: s.get("recording", False)
        for s in config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    }
    recorders = {
        r["name"]: {
            "group": r.get("recordingGroup", {}),
            "role": r.get("roleARN"),
            "recording": status.get(r["name"], False),
        }
        for r in config.describe_configuration_recorders()["ConfigurationRecorders"]
    }
    channels = {
        c["name"]: c.get("s3BucketName")
        for c in config.describe_delivery_channels()["DeliveryChannels"]
    }
    gd = clients("guardduty", account, region)
    detectors = {
        d: gd.get_detector(DetectorId=d)["Status"] for d in gd.list_detectors()["DetectorIds"]
    }
    ec2 = clients("ec2", account, region)
    vpcs = {}
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        where = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        vpcs[vpc["VpcId"]] = {
            "subnets": len(ec2.describe_subnets(Filters=where)["Subnets"]),
            "gateways": len(
                ec2.describe_internet_gateways(
                    Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}]
                )["InternetGateways"]
            ),
            "groups": sorted(
                g["GroupName"]
                for g in ec2.describe_security_groups(Filters=where)["SecurityGroups"]
                if g["GroupName"] != "default"
            ),
        }
    return {
        "recorders": recorders,
        "channels": channels,
        "detectors": detectors,
        "default_vpcs": vpcs,
    }


# ------------------------------------------------------------------ flattening


def resources(state: dict[str, Any]) -> dict[tuple, Any]:
    """``{key: value}`` of every resource in ``state`` (see the module docstring)."""
    flat: dict[tuple, Any] = {}
    org = state["org"]
    flat.update({("ou", path): org["attached"][path] for path in org["ous"]})
    flat[("ou", "Root")] = org["attached"]["Root"]
    flat.update({("account", name): parent for name, parent in org["parents"].items()})
    flat.update({("scp", name): True for name in org["scps"]})
    flat.update({("trail", name): trail for name, trail in state["trails"].items()})
    flat.update({("contact", kind): email for kind, email in state["contacts"].items() if email})
    for account, found in state["accounts"].items():
        if found["iam"]["password_policy"] is not None:
            flat[("password-policy", account)] = found["iam"]["password_policy"]
        flat.update(
            {("iam-user", account, name): user for name, user in found["iam"]["users"].items()}
        )
        if found["iam"]["aliases"]:
            flat[("alias", account)] = found["iam"]["aliases"][-1]
        for region, regional in found["regions"].items():
            flat.update(
                {
                    ("recorder", account, region, name): r
                    for name, r in regional["recorders"].items()
                }
            )
            flat.update(
                {("channel", account, region, name): b for name, b in regional["channels"].items()}
            )
            flat.update(
                {("detector", account, region, d): s for d, s in regional["detectors"].items()}
            )
            flat.update(
                {("vpc", account, region, v): vpc for v, vpc in regional["default_vpcs"].items()}
            )
    return flat
