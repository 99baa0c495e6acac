"""guardrails: service control policies, centralized root access, and the
per-account baseline (EBS encryption, S3 account public access block, IAM
password policy, no default VPCs)."""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import RefusedError, ValidationError
from bootstrap_tui.model import (
    Change,
    Check,
    CheckFn,
    Field,
    Kept,
    Outcome,
    Plan,
    Scope,
    Severity,
    Step,
)

from steps import scp_policies as scp
from steps.control_tower import is_preventive
from steps._errors import call_or, error_code
from steps._fanout import parallel
from steps._naming import PREFIX
from steps._org import (
    account_label,
    all_account_ids,
    ensure_service_access,
    future_org,
    is_future,
    log_archive_account,
)
from steps._policy_documents import canonical

ROOT_FEATURES = ("RootCredentialsManagement", "RootSessions")
DEFAULT_PASSWORD_POLICY = {
    "min_length": 14,
    "require_symbols": True,
    "require_numbers": True,
    "require_uppercase": True,
    "require_lowercase": True,
    "reuse_prevention": 24,
    "max_age_days": 90,
    "allow_users_to_change": True,
}


# ------------------------------------------------------------------ profile values


def flag(ctx: StepContext, name: str) -> bool:
    """A guardrails switch of the profile (ebs_encryption, remove_default_vpcs, ...)."""
    return getattr(ctx.profile.guardrails, name)


def password_policy(ctx: StepContext) -> dict[str, Any]:
    return dataclasses.asdict(ctx.profile.guardrails.password_policy)


def scp_ids(ctx: StepContext) -> list[str]:
    return list(ctx.profile.guardrails.scps)


def allowed_regions(ctx: StepContext) -> list[str]:
    regions = list(ctx.profile.guardrails.allowed_regions)
    return regions or list(dict.fromkeys([ctx.home_region, *ctx.governed_regions]))


def log_buckets(ctx: StepContext) -> tuple[str | None, list[str]]:
    """The log archive bucket, then its access-log and AWS Config buckets (Control Tower's or ours)."""
    la = log_archive_account(ctx)
    if not la:
        return None, []
    home = ctx.home_region
    if ctx.profile.control_tower_enabled:
        return f"aws-controltower-logs-{la}-{home}", [
            f"aws-controltower-s3-access-logs-{la}-{home}"
        ]
    from steps.log_archive import config_delivery_bucket

    return f"{PREFIX}-org-trail-{la}-{home}", [
        f"{PREFIX}-access-logs-{la}-{home}",
        config_delivery_bucket(la, home),
    ]


def fill_values(ctx: StepContext) -> scp.FillValues:
    bucket, extra = log_buckets(ctx)
    exempt: list[str] = []
    if ctx.profile.control_tower_enabled:
        exempt = ["AWSControlTowerExecution", "aws-controltower-*", "stacksets-exec-*"]
    return scp.FillValues(
        allowed_regions=allowed_regions(ctx),
        automation_role=ctx.profile.automation_role,
        log_archive_bucket=bucket,
        extra_buckets=extra,
        extra_exempt_roles=exempt,
        home_region=ctx.home_region,
        partition=ctx.identity.arn.split(":")[1],
    )


def desired_bundles(ctx: StepContext) -> list[dict[str, Any]]:
    ids = scp_ids(ctx)
    if not ids:
        return []
    if "protect-log-archive" in ids and not log_buckets(ctx)[0]:
        raise RefusedError(
            "the protect-log-archive SCP needs the Log Archive account",
            "run the accounts step first",
        )
    regions = list(dict.fromkeys([ctx.home_region, *ctx.governed_regions]))
    targets = ctx.profile.scp_targets()
    control_tower = bool(ctx.profile.control_tower_enabled)
    preventive = control_tower and any(is_preventive(c) for c in ctx.profile.control_tower.controls)
    registered = list(ctx.profile.control_tower.register_ous)
    _, bundles = scp.build(
        ids,
        fill_values(ctx),
        regions,
        targets=targets,
        control_tower=control_tower,
        preventive=preventive,
        preventive_ous=registered,
    )
    return bundles


def resolve_targets(
    ctx: StepContext, root_id: str, paths: set[str]
) -> dict[str, dict[str, str] | None]:
    """OU path (or "Root") -> {"Id", "Name"} found live, None when it does not exist."""
    org = ctx.client("organizations")
    out: dict[str, dict[str, str] | None] = {}
    cache: dict[str, list[dict[str, Any]]] = {}

    def children(parent: str) -> list[dict[str, Any]]:
        if is_future(ctx, parent):
            return []
        if parent not in cache:
            cache[parent] = [
                ou
                for page in org.get_paginator("list_organizational_units_for_parent").paginate(
                    ParentId=parent
                )
                for ou in page["OrganizationalUnits"]
            ]
        return cache[parent]

    for path in sorted(paths):
        if path == "Root":
            out[path] = {"Id": root_id, "Name": "Root"}
            continue
        parent, found = root_id, None
        for part in path.split("/"):
            found = next((ou for ou in children(parent) if ou["Name"] == part), None)
            if found is None:
                break
            parent = found["Id"]
        out[path] = {"Id": found["Id"], "Name": path} if found else future_ou(ctx, path)
    return out


def future_ou(ctx: StepContext, path: str) -> dict[str, str] | None:
    """Planning ahead: an OU the organization step will create (placeholder id), else None."""
    find = getattr(ctx, "future_ou", None)
    return find(path) if find else None


def parse_exclusions(raw: Any, profile_tops: list[str]) -> dict[str, str]:
    """The exclude_ous answer ("Dev: reason; Lab: reason") -> {OU name: reason}."""
    out: dict[str, str] = {}
    for item in str(raw or "").split(";"):
        if not item.strip():
            continue
        name, _, reason = item.partition(":")
        name, reason = name.strip(), reason.strip()
        if not name or not reason:
            raise ValidationError(
                "exclude_ous", f"{item.strip()!r} needs the form 'OU name: reason'"
            )
        if name in profile_tops:
            raise ValidationError(
                "exclude_ous",
                f"{name} is one of the profile's OUs; those always get the guardrails",
            )
        out[name] = reason
    return out


def profile_tops(ctx: StepContext) -> list[str]:
    return [path for path in ctx.profile.ous() if "/" not in path]


def excluded_ous(ctx: StepContext) -> dict[str, str]:
    return parse_exclusions(ctx.answer("guardrails", "exclude_ous"), profile_tops(ctx))


def foreign_ous(ctx: StepContext, root_id: str) -> list[dict[str, Any]]:
    """Top-level OUs that exist but are not in the profile's tree."""
    tops = set(profile_tops(ctx))
    return [ou for ou in top_level_ous(ctx, root_id) if ou["Name"] not in tops]


def workload_bundle(bundle: dict[str, Any], tops: list[str]) -> bool:
    """A bundle a workload OU gets: the default (every top-level OU) or one naming Workloads."""
    targets = set(bundle.get("targets") or [])
    return "Root" not in targets and (targets >= set(tops) or "Workloads" in targets)


def target_map(
    ctx: StepContext, bundles: list[dict[str, Any]], root_id: str
) -> dict[str, dict[str, str] | None]:
    paths = {t for b in bundles for t in b.get("targets") or []}
    if not paths:  # no explicit targets: every top-level OU
        for bundle in bundles:
            bundle["targets"] = [ou["Name"] for ou in top_level_ous(ctx, root_id)]
        paths = {t for b in bundles for t in b["targets"]}
    adopt_foreign_ous(ctx, bundles, root_id)
    return resolve_targets(ctx, root_id, {t for b in bundles for t in b["targets"]})


def adopt_foreign_ous(ctx: StepContext, bundles: list[dict[str, Any]], root_id: str) -> None:
    """Top-level OUs outside the profile get the workload OUs' SCPs unless excluded."""
    tops, excluded = profile_tops(ctx), excluded_ous(ctx)
    for ou in foreign_ous(ctx, root_id):
        if ou["Name"] in excluded:
            continue
        for bundle in bundles:
            if workload_bundle(bundle, tops) and ou["Name"] not in bundle["targets"]:
                bundle["targets"] = [*bundle["targets"], ou["Name"]]


def root_accounts(ctx: StepContext, root_id: str) -> list[dict[str, Any]]:
    """Member accounts directly under the root (no OU SCP reaches them)."""
    if is_future(ctx, root_id):
        return []
    org = ctx.client("organizations")
    return [
        a
        for page in org.get_paginator("list_accounts_for_parent").paginate(ParentId=root_id)
        for a in page["Accounts"]
        if a["Id"] != ctx.management_account_id
    ]


# ------------------------------------------------------------------ organizations reads


def org_root(ctx: StepContext) -> dict[str, Any]:
    if future_org(ctx):
        from bootstrap_tui.future import placeholder

        return {"Id": placeholder("Root"), "PolicyTypes": []}
    return ctx.client("organizations").list_roots()["Roots"][0]


def top_level_ous(ctx: StepContext, root_id: str) -> list[dict[str, Any]]:
    """The root's OUs, and while planning ahead those the organization step will create."""
    found = []
    if not is_future(ctx, root_id):
        org = ctx.client("organizations")
        found = [
            ou
            for page in org.get_paginator("list_organizational_units_for_parent").paginate(
                ParentId=root_id
            )
            for ou in page["OrganizationalUnits"]
        ]
    names = {ou["Name"] for ou in found}
    planned: list[str] = getattr(ctx, "future_ous", lambda: [])()
    return found + [
        {**ou, "Name": path}
        for path in planned
        if "/" not in path and path not in names and (ou := future_ou(ctx, path)) is not None
    ]


def existing_scps(ctx: StepContext) -> dict[str, dict[str, Any]]:
    if future_org(ctx):
        return {}
    org = ctx.client("organizations")
    return {
        p["Name"]: p
        for page in org.get_paginator("list_policies").paginate(Filter="SERVICE_CONTROL_POLICY")
        for p in page["Policies"]
    }


def policy_document(ctx: StepContext, policy_id: str) -> dict[str, Any] | None:
    content = ctx.client("organizations").describe_policy(PolicyId=policy_id)["Policy"]["Content"]
    try:
        return json.loads(content)
    except ValueError:
        return None


def attached(ctx: StepContext, target: str) -> list[dict[str, Any]]:
    if is_future(ctx, target):
        return []
    org = ctx.client("organizations")
    return [
        p
        for page in org.get_paginator("list_policies_for_target").paginate(
            TargetId=target, Filter="SERVICE_CONTROL_POLICY"
        )
        for p in page["Policies"]
    ]


def diff(name: str, before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    old = canonical(before).splitlines() if before is not None else []
    new = canonical(after).splitlines()
    return "\n".join(
        difflib.unified_diff(old, new, f"{name} (in AWS)", f"{name} (planned)", lineterm="")
    )


def root_features(ctx: StepContext) -> set[str]:
    if future_org(ctx):
        return set()
    try:
        return set(ctx.client("iam").list_organizations_features().get("EnabledFeatures", []))
    except Exception as exc:
        if error_code(exc) in ("ServiceAccessNotEnabledException", "OrganizationNotFoundException"):
            return set()
        raise


# ------------------------------------------------------------------ per-account reads


def ebs_default(ctx: StepContext, account: str, region: str) -> bool:
    return bool(
        ctx.client("ec2", account=account, region=region)
        .get_ebs_encryption_by_default()
        .get("EbsEncryptionByDefault")
    )


def account_pab(ctx: StepContext, account: str) -> dict[str, bool] | None:
    client = ctx.client("s3control", account=account)
    return call_or(
        None,
        lambda: client.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"],
        "NoSuchPublicAccessBlockConfiguration",
    )


PAB_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def password_policy_gaps(current: dict[str, Any] | None, want: dict[str, Any]) -> list[str]:
    if not current:
        return ["no password policy"]
    gaps = []
    if current.get("MinimumPasswordLength", 0) < want["min_length"]:
        gaps.append(f"minimum length {current.get('MinimumPasswordLength')} < {want['min_length']}")
    if (
        want.get("reuse_prevention")
        and current.get("PasswordReusePrevention", 0) < want["reuse_prevention"]
    ):
        gaps.append(
            f"reuse prevention {current.get('PasswordReusePrevention', 0)} < {want['reuse_prevention']}"
        )
    for key, field in (
        ("require_symbols", "RequireSymbols"),
        ("require_numbers", "RequireNumbers"),
        ("require_uppercase", "RequireUppercaseCharacters"),
        ("require_lowercase", "RequireLowercaseCharacters"),
    ):
        if want.get(key) and not current.get(field):
            gaps.append(f"{field} is off")
    max_age = want.get("max_age_days")
    if max_age and (
        not current.get("ExpirePasswords") or current.get("MaxPasswordAge", 10**6) > max_age
    ):
        gaps.append(f"passwords do not expire within {max_age} days")
    return gaps


REQUIRE_FIELDS = (
    ("require_symbols", "RequireSymbols"),
    ("require_numbers", "RequireNumbers"),
    ("require_uppercase", "RequireUppercaseCharacters"),
    ("require_lowercase", "RequireLowercaseCharacters"),
)


def merged_password_policy(current: dict[str, Any] | None, want: dict[str, Any]) -> dict[str, Any]:
    """UpdateAccountPasswordPolicy parameters: the profile's values, keeping every stricter current one.

    The call resets any parameter it omits to AWS's default, so every setting is sent."""
    cur = current or {}
    params: dict[str, Any] = {
        "MinimumPasswordLength": max(
            int(want["min_length"]), int(cur.get("MinimumPasswordLength") or 0)
        ),
        "AllowUsersToChangePassword": bool(want.get("allow_users_to_change", True)),
        "HardExpiry": bool(cur.get("HardExpiry")),
    }
    for key, field in REQUIRE_FIELDS:
        params[field] = bool(want.get(key)) or bool(cur.get(field))
    reuse = max(
        int(want.get("reuse_prevention") or 0), int(cur.get("PasswordReusePrevention") or 0)
    )
    if reuse:
        params["PasswordReusePrevention"] = reuse
    ages = [
        int(a)
        for a in (
            want.get("max_age_days"),
            cur.get("MaxPasswordAge") if cur.get("ExpirePasswords") else None,
        )
        if a
    ]
    if ages:
        params["MaxPasswordAge"] = min(ages)
    return params


def password_policy_changes(current: dict[str, Any] | None, params: dict[str, Any]) -> list[str]:
    """Each setting the merged policy changes, as "Name old → new"."""
    cur = current or {}
    defaults = {"PasswordReusePrevention": 0, "MaxPasswordAge": 0, "HardExpiry": False}
    out = []
    for name, new in params.items():
        old = cur.get(name, defaults.get(name, False if isinstance(new, bool) else None))
        if old != new:
            out.append(f"{name} {_show(old)} → {_show(new)}")
    return out


def stricter_settings(current: dict[str, Any] | None, want: dict[str, Any]) -> list[str]:
    """The settings of an existing password policy that are stricter than the profile's (kept as they are)."""
    cur = current or {}
    out = []
    if int(cur.get("MinimumPasswordLength") or 0) > int(want["min_length"]):
        out.append(
            f"MinimumPasswordLength {cur['MinimumPasswordLength']} (profile {want['min_length']})"
        )
    if int(cur.get("PasswordReusePrevention") or 0) > int(want.get("reuse_prevention") or 0):
        out.append(
            f"PasswordReusePrevention {cur['PasswordReusePrevention']} (profile {want.get('reuse_prevention')})"
        )
    if (
        cur.get("ExpirePasswords")
        and want.get("max_age_days")
        and int(cur.get("MaxPasswordAge") or 0) < int(want["max_age_days"])
    ):
        out.append(f"MaxPasswordAge {cur['MaxPasswordAge']} (profile {want['max_age_days']})")
    if cur.get("HardExpiry"):
        out.append("HardExpiry true (profile false)")
    for key, name in REQUIRE_FIELDS:
        if cur.get(name) and not want.get(key):
            out.append(f"{name} true (profile false)")
    return out


def _show(value: Any) -> str:
    return (
        "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


def get_password_policy(ctx: StepContext, account: str) -> dict[str, Any] | None:
    iam = ctx.client("iam", account=account)
    return call_or(
        None, lambda: iam.get_account_password_policy()["PasswordPolicy"], "NoSuchEntity"
    )


def default_vpcs(ctx: StepContext, account: str, region: str) -> list[dict[str, Any]]:
    """Each default VPC with its subnets, internet gateways and what blocks DeleteVpc."""
    ec2 = ctx.client("ec2", account=account, region=region)
    out = []
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]:
        vpc_id = vpc["VpcId"]
        vpc_filter = [{"Name": "vpc-id", "Values": [vpc_id]}]
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=vpc_filter)["Subnets"]]
        igws = [
            g["InternetGatewayId"]
            for g in ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
            )["InternetGateways"]
        ]
        enis = [
            n["NetworkInterfaceId"]
            for n in ec2.describe_network_interfaces(Filters=vpc_filter)["NetworkInterfaces"]
        ]
        out.append(
            {
                "vpc_id": vpc_id,
                "cidr": vpc.get("CidrBlock"),
                "subnets": subnets,
                "internet_gateways": igws,
                "network_interfaces": enis,
                "blockers": vpc_blockers(ec2, vpc_id, enis),
            }
        )
    return out


def vpc_blockers(ec2: Any, vpc_id: str, enis: list[str]) -> list[str]:
    """Everything the EC2 DeleteVpc reference says must go before a VPC can be deleted,
    except the subnets and internet gateway this tool deletes itself."""
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    found = [f"network interface {e}" for e in enis]
    found += [
        f"security group {g['GroupId']} ({g['GroupName']})"
        for g in ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"]
        if g["GroupName"] != "default"
    ]
    found += [
        f"VPC endpoint {e['VpcEndpointId']}"
        for e in ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"]
        if e.get("State", "").lower() not in ("deleted", "deleting")
    ]
    for side in ("requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"):
        found += [
            f"peering connection {p['VpcPeeringConnectionId']}"
            for p in ec2.describe_vpc_peering_connections(
                Filters=[{"Name": side, "Values": [vpc_id]}]
            )["VpcPeeringConnections"]
            if p.get("Status", {}).get("Code") not in ("deleted", "rejected", "expired", "failed")
        ]
    found += [
        f"NAT gateway {n['NatGatewayId']}"
        for n in ec2.describe_nat_gateways(Filter=by_vpc)["NatGateways"]
        if n.get("State") not in ("deleted", "deleting")
    ]
    found += [
        f"route table {r['RouteTableId']}"
        for r in ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]
        if not any(a.get("Main") for a in r.get("Associations", []))
    ]
    found += [
        f"network ACL {a['NetworkAclId']}"
        for a in ec2.describe_network_acls(Filters=by_vpc)["NetworkAcls"]
        if not a.get("IsDefault")
    ]
    found += [
        f"VPN gateway {g['VpnGatewayId']}"
        for g in ec2.describe_vpn_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
        )["VpnGateways"]
        if any(
            a.get("VpcId") == vpc_id and a.get("State") == "attached"
            for a in g.get("VpcAttachments", [])
        )
    ]
    found += [
        f"egress-only internet gateway {g['EgressOnlyInternetGatewayId']}"
        for g in ec2.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
        if any(a.get("VpcId") == vpc_id for a in g.get("Attachments", []))
    ]
    return found


def kept_reason(vpc: dict[str, Any]) -> str:
    """Why a default VPC is kept (it still holds resources DeleteVpc refuses over)."""
    shown = ", ".join(vpc["blockers"][:5]) + (
        f" and {len(vpc['blockers']) - 5} more" if len(vpc["blockers"]) > 5 else ""
    )
    return f"it still has {shown}"


# ------------------------------------------------------------------ checks


def gated(setting: str) -> Callable[[CheckFn], CheckFn]:
    """A check that reports WARN (not FAIL) when the profile turns the setting off."""

    def wrap(fn: CheckFn) -> CheckFn:
        def run(ctx: StepContext, account: str, region: str | None) -> Outcome | Iterable[Outcome]:
            if not flag(ctx, setting):
                return Outcome.warn(
                    f"turned off in the profile (guardrails.{setting}: false)",
                    profile_setting=f"guardrails.{setting}",
                )
            return fn(ctx, account, region)

        run.__name__ = fn.__name__
        return run

    return wrap


def check_scps(ctx: StepContext, account: str, region: str | None) -> Outcome:
    root = call_or(None, lambda: org_root(ctx), "AWSOrganizationsNotInUseException")
    if root is None:
        return Outcome.fail(
            "there is no organization yet, so no guardrail SCP is attached; "
            "run the organization step",
            organization=False,
        )
    try:
        bundles = desired_bundles(ctx)
    except RefusedError as exc:
        return Outcome.fail(f"cannot be attached yet: {exc.message}; {exc.hint}")
    if not bundles:
        return Outcome.not_applicable("the profile lists no SCPs", policies=[])
    existing = existing_scps(ctx)
    resolved = target_map(ctx, bundles, root["Id"])
    problems = []
    for bundle in bundles:
        found = existing.get(bundle["name"])
        if not found:
            problems.append(f"{bundle['name']} missing")
            continue
        if policy_document(ctx, found["Id"]) != bundle["document"]:
            problems.append(f"{bundle['name']} differs from the reviewed policy")
    names_at: dict[str, set[str]] = {}
    for path, target in resolved.items():
        if target is None:
            problems.append(f"OU {path} does not exist")
            continue
        names_at[path] = {p["Name"] for p in attached(ctx, target["Id"])}
    for bundle in bundles:
        for path in bundle["targets"]:
            if path in names_at and bundle["name"] not in names_at[path]:
                problems.append(f"{bundle['name']} not attached to {path}")
    if not any("Root" in b["targets"] for b in bundles):
        for member in root_accounts(ctx, root["Id"]):
            problems.append(
                f"account {member['Name']} ({member['Id']}) is directly under the root: "
                "no OU SCP reaches it; move it into an OU"
            )
    excluded = {
        ou["Name"]: excluded_ous(ctx)[ou["Name"]]
        for ou in foreign_ous(ctx, root["Id"])
        if ou["Name"] in excluded_ous(ctx)
    }
    evidence = {
        "policies": {
            b["name"]: {
                "scps": b["ids"],
                "intended_targets": b["targets"],
                "attached_to": sorted(p for p, n in names_at.items() if b["name"] in n),
            }
            for b in bundles
        },
        "excluded_ous": excluded,
    }
    if not resolved:
        problems.append("no OU to attach to")
    if problems:
        return Outcome.fail("; ".join(problems), **evidence)
    if excluded:
        return Outcome.warn(
            "excluded from the guardrails: "
            + "; ".join(f"OU {name} ({reason})" for name, reason in excluded.items()),
            **evidence,
        )
    return Outcome.ok(
        f"{len(bundles)} guardrail SCP(s) current and attached to {len(resolved)} target(s)",
        **evidence,
    )


@gated("root_access_management")
def check_root_access(ctx: StepContext, account: str, region: str | None) -> Outcome:
    features = root_features(ctx)
    missing = [f for f in ROOT_FEATURES if f not in features]
    if missing:
        return Outcome.fail(
            f"centralized root access not enabled: {', '.join(missing)}",
            enabled_features=sorted(features),
        )
    return Outcome.ok(
        "root credentials management and root sessions are enabled",
        enabled_features=sorted(features),
    )


@gated("ebs_encryption")
def check_ebs(ctx: StepContext, account: str, region: str) -> Outcome:
    if ebs_default(ctx, account, region):
        return Outcome.ok("EBS encryption by default is on", EbsEncryptionByDefault=True)
    return Outcome.fail("EBS encryption by default is off", EbsEncryptionByDefault=False)


@gated("s3_public_access_block")
def check_pab(ctx: StepContext, account: str, region: str | None) -> Outcome:
    config = account_pab(ctx, account)
    if config and all(config.get(k) for k in PAB_KEYS):
        return Outcome.ok("all four account-level S3 public access block settings are on", **config)
    off = [k for k in PAB_KEYS if not (config or {}).get(k)]
    return Outcome.fail(
        f"account-level S3 public access block incomplete: {', '.join(off)} off",
        **(config or {"configured": False}),
    )


def check_password_policy(ctx: StepContext, account: str, region: str | None) -> Outcome:
    current = get_password_policy(ctx, account)
    gaps = password_policy_gaps(current, password_policy(ctx))
    evidence = {
        k: v
        for k, v in (current or {}).items()
        if k
        in (
            "MinimumPasswordLength",
            "PasswordReusePrevention",
            "MaxPasswordAge",
            "RequireSymbols",
            "RequireNumbers",
            "RequireUppercaseCharacters",
            "RequireLowercaseCharacters",
            "ExpirePasswords",
        )
    }
    if gaps:
        return Outcome.fail("; ".join(gaps), **evidence)
    return Outcome.ok("the IAM password policy meets the profile", **evidence)


@gated("remove_default_vpcs")
def check_default_vpc(ctx: StepContext, account: str, region: str) -> Outcome:
    vpcs = default_vpcs(ctx, account, region)
    if not vpcs:
        return Outcome.ok("no default VPC", default_vpcs=0)
    kept = {v["vpc_id"]: kept_reason(v) for v in vpcs if v["blockers"]}
    evidence = {"default_vpcs": [v["vpc_id"] for v in vpcs], "kept": kept}
    if kept:
        reasons = "; ".join(f"{vpc_id}: {why}" for vpc_id, why in kept.items())
        return Outcome.fail(
            f"a default VPC exists and is not deleted because {reasons}", **evidence
        )
    return Outcome.fail("a default VPC exists", **evidence)


CHECKS = (
    Check(
        "guardrails.scps-attached",
        "Guardrail SCPs are current and attached to every top-level OU",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_scps,
        "Run `bootstrap-tui apply --step guardrails`; review the diff in the plan. Never edit the "
        "bootstrap-guardrails-* policies by hand: change profiles/scps instead.",
        no_prowler="Prowler has no check that given SCPs are current and attached to OUs; organizations_scp_check_deny_regions only inspects a region-deny SCP's content.",
    ),
    Check(
        "guardrails.root-access-centralized",
        "Centralized root access is enabled for member accounts",
        Severity.HIGH,
        Scope.MANAGEMENT,
        check_root_access,
        "In the management account: enable trusted access for iam.amazonaws.com, then IAM > Root "
        "access management > Enable (root credentials management and privileged root actions); "
        "API: iam EnableOrganizationsRootCredentialsManagement and EnableOrganizationsRootSessions.",
        prowler="iam_root_credentials_management_enabled",
    ),
    Check(
        "guardrails.ebs-default-encryption",
        "EBS encryption by default is enabled",
        Severity.HIGH,
        Scope.ACCOUNT_REGION,
        check_ebs,
        "aws ec2 enable-ebs-encryption-by-default --region <region> in each account; existing "
        "unencrypted volumes must be copied to encrypted ones.",
        prowler="ec2_ebs_default_encryption",
    ),
    Check(
        "guardrails.s3-account-public-access-block",
        "S3 Block Public Access is on at account level",
        Severity.HIGH,
        Scope.ACCOUNT,
        check_pab,
        "aws s3control put-public-access-block --account-id <id> --public-access-block-configuration "
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        prowler="s3_account_level_public_access_blocks",
    ),
    Check(
        "guardrails.password-policy",
        "IAM password policy meets CIS (length 14, reuse 24)",
        Severity.MEDIUM,
        Scope.ACCOUNT,
        check_password_policy,
        "aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 "
        "--require-symbols --require-numbers --require-uppercase-characters --require-lowercase-characters "
        "--max-password-age 90 --allow-users-to-change-password",
        prowler="iam_password_policy_minimum_length_14",
        prowler_also=("iam_password_policy_reuse_24",),
    ),
    Check(
        "guardrails.no-default-vpc",
        "No default VPC in governed regions",
        Severity.LOW,
        Scope.ACCOUNT_REGION,
        check_default_vpc,
        "Delete the default VPC (detach and delete its internet gateway, delete its subnets, then the "
        "VPC) once nothing uses it; create purpose-built VPCs instead.",
        no_prowler="Prowler has no check that the default VPC was deleted.",
    ),
)


# ------------------------------------------------------------------ the step


class GuardrailsStep(Step):
    id = "guardrails"
    title = "Guardrails: SCPs and account baseline"
    summary = (
        "Service control policies on every top-level OU, centralized root access, and in every "
        "account: EBS encryption by default, S3 Block Public Access, a CIS password policy and "
        "no default VPCs."
    )
    # With Control Tower, its landing zone and preventive controls attach SCPs to the OUs this step
    # also targets (at most 5 per target): the room left is counted once they are in place.
    requires = ("organization", "accounts", "control-tower")
    checks = CHECKS
    inputs = (
        Field(
            "exclude_ous",
            "Existing top-level OUs to leave without guardrails",
            required=False,
            help=(
                "'OU name: reason; other OU: reason'. Top-level OUs outside the profile get the "
                "workload OUs' SCPs unless listed here; verify reports an excluded OU as WARN"
            ),
        ),
    )

    # ---------------------------------------------------------- plan
    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        self._plan_scps(ctx, plan)
        if flag(ctx, "root_access_management"):
            features = root_features(ctx)
            for feature in ROOT_FEATURES:
                if feature not in features:
                    plan.add(
                        "enable",
                        "centralized root access",
                        feature,
                        detail="iam Enable"
                        + (
                            "OrganizationsRootCredentialsManagement"
                            if feature == "RootCredentialsManagement"
                            else "OrganizationsRootSessions"
                        ),
                        data={"kind": "root-feature", "feature": feature},
                    )
        accounts = all_account_ids(ctx)
        regions = ctx.governed_regions
        results = parallel(
            [(a, r) for a in accounts for r in regions], lambda ar: self._plan_region(ctx, *ar)
        )
        results += parallel(accounts, lambda a: self._plan_account(ctx, a))
        for changes, kept in results:
            plan.changes.extend(changes)
            plan.kept.extend(kept)
        return plan

    def _plan_scps(self, ctx: StepContext, plan: Plan) -> None:
        bundles = desired_bundles(ctx)
        if not bundles:
            plan.notes.append("The profile lists no SCPs (guardrails.scps).")
            return
        plan.notes.append(
            "SCPs are attached to OUs (by default every top-level OU), never to the management account: "
            "SCPs do not restrict the management account at all, so attaching there would only suggest a "
            "protection that does not exist, and attaching to the Root would hit every member account at "
            "once, including ones not yet placed in an OU. Per-OU attachment keeps that choice explicit."
        )
        root = org_root(ctx)
        if not any(
            t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED"
            for t in root.get("PolicyTypes", [])
        ):
            plan.add(
                "enable",
                "policy type",
                "SERVICE_CONTROL_POLICY",
                detail="on the organization root",
                data={"kind": "policy-type", "root": root["Id"]},
            )
        existing = existing_scps(ctx)
        for bundle in bundles:
            name = bundle["name"]
            found = existing.get(name)
            current = policy_document(ctx, found["Id"]) if found else None
            if current == bundle["document"]:
                continue
            text = diff(name, current, bundle["document"])
            plan.notes.append(f"SCP {name} ({', '.join(bundle['ids'])}):\n{text}")
            plan.add(
                "update" if found else "create",
                "SCP",
                name,
                detail=" + ".join(bundle["ids"]),
                data={
                    "kind": "scp",
                    "bundle": bundle,
                    "policy_id": found["Id"] if found else None,
                    "diff": text,
                },
            )
        wanted = {b["name"] for b in bundles}
        for name, found in existing.items():
            if name.startswith(scp.POLICY_NAME_PREFIX) and name not in wanted:
                plan.add(
                    "delete",
                    "SCP",
                    name,
                    detail="no longer in the profile; detach everywhere and delete",
                    destructive=True,
                    data={"kind": "scp-delete", "policy_id": found["Id"]},
                )
        resolved = target_map(ctx, bundles, root["Id"])
        self._plan_foreign(ctx, plan, bundles, root["Id"])
        if "Root" in resolved:
            plan.notes.append(
                "The profile attaches some SCPs to the Root: they then reach every member "
                "account, including accounts not yet placed in an OU (never the management "
                "account, which SCPs do not restrict)."
            )
        current_at: dict[str, list[dict[str, Any]]] = {}
        for path, target in resolved.items():
            if target is None:
                plan.notes.append(
                    f"OU {path} does not exist yet (the organization step creates it); "
                    "its SCPs are attached once it exists."
                )
                continue
            current_at[path] = attached(ctx, target["Id"])
        for path, on_target in current_at.items():
            target = resolved[path]
            assert target is not None  # current_at holds the OUs that exist
            names = {p["Name"] for p in on_target}
            missing = [
                b["name"] for b in bundles if path in b["targets"] and b["name"] not in names
            ]
            if len(on_target) + len(missing) > scp.MAX_SCPS_PER_TARGET:
                raise RefusedError(
                    f"{path} already has {len(on_target)} SCPs; adding {len(missing)} more exceeds "
                    f"the Organizations limit of {scp.MAX_SCPS_PER_TARGET}",
                    "detach SCPs you no longer need from it, then plan again",
                )
            for name in missing:
                plan.add(
                    "attach",
                    "SCP",
                    name,
                    detail=f"to {path} ({target['Id']})",
                    data={"kind": "scp-attach", "name": name, "target": target["Id"]},
                )

    def _plan_foreign(
        self, ctx: StepContext, plan: Plan, bundles: list[dict[str, Any]], root_id: str
    ) -> None:
        """Say where each OU outside the profile stands, and each account under the root."""
        excluded = excluded_ous(ctx)
        for ou in foreign_ous(ctx, root_id):
            name = ou["Name"]
            if name in excluded:
                plan.keep(
                    "leaving",
                    "OU",
                    name,
                    detail=f"{ou['Id']}: not in the profile and EXCLUDED from the "
                    f"guardrails: {excluded[name]}; verify reports it as WARN",
                )
                continue
            scps = [b["name"] for b in bundles if name in b["targets"]]
            plan.keep(
                "reusing",
                "OU",
                name,
                detail=f"{ou['Id']}: not in the profile; it gets the workload OUs' "
                f"guardrails ({', '.join(scps) or 'none'}); to leave it out, "
                f"answer guardrails exclude_ous with '{name}: <reason>'",
            )
        if not any("Root" in b["targets"] for b in bundles):
            for account in root_accounts(ctx, root_id):
                plan.keep(
                    "leaving",
                    "account",
                    account["Name"],
                    account=account["Id"],
                    detail="directly under the root: no OU SCP reaches it; verify FAILs until it is moved "
                    "into an OU",
                )
        self._keep_own_scps(ctx, plan)

    @staticmethod
    def _keep_own_scps(ctx: StepContext, plan: Plan) -> None:
        """SCPs this tool did not make (yours, or Control Tower's) stay attached as they are."""
        if future_org(ctx):
            return  # no organization yet, so no SCP of yours
        org = ctx.client("organizations")
        for name, found in existing_scps(ctx).items():
            if name.startswith(scp.POLICY_NAME_PREFIX) or found.get("AwsManaged"):
                continue
            targets = [
                t.get("Name") or t["TargetId"]
                for page in org.get_paginator("list_targets_for_policy").paginate(
                    PolicyId=found["Id"]
                )
                for t in page["Targets"]
            ]
            plan.keep(
                "keeping",
                "SCP",
                name,
                detail=f"{found['Id']}, attached to {', '.join(targets) or 'nothing'}; "
                "left as it is",
            )

    def _plan_region(
        self, ctx: StepContext, account: str, region: str
    ) -> tuple[list[Change], list[Kept]]:
        from bootstrap_tui.model import Change, Kept

        changes: list[Change] = []
        kept: list[Kept] = []
        label = account_label(ctx, account)
        if is_future(ctx, account):
            return self._plan_new_account_region(ctx, account, region), kept
        if flag(ctx, "ebs_encryption") and not ebs_default(ctx, account, region):
            changes.append(
                Change(
                    "enable",
                    "EBS encryption by default",
                    label,
                    account=account,
                    region=region,
                    detail="ec2 EnableEbsEncryptionByDefault",
                    data={"kind": "ebs", "account": account, "region": region},
                )
            )
        if flag(ctx, "remove_default_vpcs"):
            for vpc in default_vpcs(ctx, account, region):
                if vpc["blockers"]:
                    kept.append(
                        Kept(
                            "keeping",
                            "default VPC",
                            vpc["vpc_id"],
                            account=account,
                            region=region,
                            detail=f"{label}: {kept_reason(vpc)}. AWS refuses DeleteVpc while these exist; delete or "
                            "move them, then plan again. This tool deletes only an empty default VPC, so it "
                            "never leaves one half-deleted",
                        )
                    )
                    continue
                detail = (
                    f"{vpc['vpc_id']} {vpc['cidr']}: internet gateway(s) "
                    f"{', '.join(vpc['internet_gateways']) or 'none'}; subnets "
                    f"{', '.join(vpc['subnets']) or 'none'}"
                )
                changes.append(
                    Change(
                        "delete",
                        "default VPC",
                        vpc["vpc_id"],
                        account=account,
                        region=region,
                        detail=detail,
                        destructive=True,
                        data={
                            "kind": "default-vpc",
                            "account": account,
                            "region": region,
                            "vpc": vpc,
                        },
                    )
                )
        return changes, kept

    @staticmethod
    def _plan_new_account_region(ctx: StepContext, account: str, region: str) -> list[Change]:
        """A brand-new account: EBS encryption by default is off, and AWS gives it a default VPC in
        every region, with nothing in it yet."""
        from bootstrap_tui.model import Change

        changes = []
        if flag(ctx, "ebs_encryption"):
            changes.append(
                Change(
                    "enable",
                    "EBS encryption by default",
                    account,
                    account=account,
                    region=region,
                    detail="ec2 EnableEbsEncryptionByDefault",
                    data={"kind": "ebs", "account": account, "region": region},
                )
            )
        if flag(ctx, "remove_default_vpcs"):
            changes.append(
                Change(
                    "delete",
                    "default VPC",
                    "the new account's default VPC",
                    account=account,
                    region=region,
                    destructive=True,
                    detail="AWS creates it with the account; deleted while still empty "
                    "(internet gateway, subnets, then the VPC)",
                    data={"kind": "default-vpc", "account": account, "region": region},
                )
            )
        return changes

    def _plan_account(self, ctx: StepContext, account: str) -> tuple[list[Change], list[Kept]]:
        from bootstrap_tui.model import Change, Kept

        changes: list[Change] = []
        kept: list[Kept] = []
        label = account_label(ctx, account)
        new = is_future(ctx, account)
        if flag(ctx, "s3_public_access_block"):
            config = None if new else account_pab(ctx, account)
            if not (config and all(config.get(k) for k in PAB_KEYS)):
                changes.append(
                    Change(
                        "enable",
                        "S3 account public access block",
                        label,
                        account=account,
                        detail="s3control PutPublicAccessBlock (all four settings)",
                        data={"kind": "pab", "account": account},
                    )
                )
        current = None if new else get_password_policy(ctx, account)
        gaps = password_policy_gaps(current, password_policy(ctx))
        if gaps:
            edits = password_policy_changes(
                current, merged_password_policy(current, password_policy(ctx))
            )
            detail = "; ".join(gaps) + (" — " + "; ".join(edits) if current else "")
            changes.append(
                Change(
                    "set" if not current else "update",
                    "IAM password policy",
                    label,
                    account=account,
                    detail=detail,
                    data={"kind": "password", "account": account, "changes": edits},
                )
            )
        stricter = stricter_settings(current, password_policy(ctx))
        if stricter:
            kept.append(
                Kept(
                    "keeping",
                    "IAM password policy settings",
                    label,
                    account=account,
                    detail="stricter than the profile: " + "; ".join(stricter),
                )
            )
        return changes, kept

    # ---------------------------------------------------------- apply
    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        org = ctx.client("organizations")
        kinds = [c.data.get("kind") for c in plan.changes]
        by_name: dict[str, str] = {}
        for change in plan.changes:
            kind = change.data.get("kind")
            if kind == "policy-type":
                try:
                    org.enable_policy_type(
                        RootId=change.data["root"], PolicyType="SERVICE_CONTROL_POLICY"
                    )
                except Exception as exc:
                    if error_code(exc) != "PolicyTypeAlreadyEnabledException":
                        raise
            elif kind == "scp":
                by_name[change.name] = self._put_scp(ctx, change.data)
            elif kind == "scp-delete":
                self._delete_scp(ctx, change.data["policy_id"])
        if "scp-attach" in kinds:
            existing = {n: p["Id"] for n, p in existing_scps(ctx).items()}
            for change in plan.changes:
                if change.data.get("kind") != "scp-attach":
                    continue
                ctx.progress(f"attach {change.name} {change.detail}")
                try:
                    org.attach_policy(
                        PolicyId=by_name.get(change.name) or existing[change.name],
                        TargetId=change.data["target"],
                    )
                except Exception as exc:
                    if error_code(exc) != "DuplicatePolicyAttachmentException":
                        raise
        if "root-feature" in kinds:
            ensure_service_access(ctx, "iam.amazonaws.com")
            iam = ctx.client("iam")
            for change in plan.changes:
                if change.data.get("kind") == "root-feature":
                    if change.data["feature"] == "RootCredentialsManagement":
                        iam.enable_organizations_root_credentials_management()
                    else:
                        iam.enable_organizations_root_sessions()
        work = [
            c
            for c in plan.changes
            if c.data.get("kind") in ("ebs", "pab", "password", "default-vpc")
        ]
        total = len(work)
        done = [0]

        def run(change: Change) -> None:
            self._apply_account_change(ctx, change)
            done[0] += 1
            ctx.progress(f"{change.action} {change.resource} {change.name}", done[0], total)

        parallel(work, run)

    def _put_scp(self, ctx: StepContext, data: dict[str, Any]) -> str:
        org = ctx.client("organizations")
        bundle = data["bundle"]
        content = scp.minify(bundle["document"])
        description = ("bootstrap-tui guardrails: " + ", ".join(bundle["ids"]))[:512]
        policy_id = data.get("policy_id")
        if not policy_id:
            found = existing_scps(ctx).get(bundle["name"])
            policy_id = found["Id"] if found else None
        if policy_id:
            org.update_policy(PolicyId=policy_id, Content=content, Description=description)
            return policy_id
        return org.create_policy(
            Name=bundle["name"],
            Description=description,
            Content=content,
            Type="SERVICE_CONTROL_POLICY",
        )["Policy"]["PolicySummary"]["Id"]

    def _delete_scp(self, ctx: StepContext, policy_id: str) -> None:
        org = ctx.client("organizations")
        targets = [
            t
            for page in org.get_paginator("list_targets_for_policy").paginate(PolicyId=policy_id)
            for t in page["Targets"]
        ]
        for target in targets:
            org.detach_policy(PolicyId=policy_id, TargetId=target["TargetId"])
        org.delete_policy(PolicyId=policy_id)

    def _apply_account_change(self, ctx: StepContext, change: Change) -> None:
        data = change.data
        kind, account = data["kind"], data["account"]
        if kind == "ebs":
            ctx.client(
                "ec2", account=account, region=data["region"]
            ).enable_ebs_encryption_by_default()
        elif kind == "pab":
            ctx.client("s3control", account=account).put_public_access_block(
                AccountId=account, PublicAccessBlockConfiguration={k: True for k in PAB_KEYS}
            )
        elif kind == "password":
            params = merged_password_policy(get_password_policy(ctx, account), password_policy(ctx))
            ctx.client("iam", account=account).update_account_password_policy(**params)
        elif kind == "default-vpc":
            self._delete_default_vpc(ctx, account, data["region"], data["vpc"]["vpc_id"])

    def _delete_default_vpc(self, ctx: StepContext, account: str, region: str, vpc_id: str) -> None:
        """Re-read right before deleting: refuse if anything started using the VPC meanwhile."""
        current = {v["vpc_id"]: v for v in default_vpcs(ctx, account, region)}
        vpc = current.get(vpc_id)
        if vpc is None:
            return  # already gone
        if vpc["blockers"]:
            raise RefusedError(
                f"default VPC {vpc_id} in {account} {region} is no longer empty: {kept_reason(vpc)}",
                "nothing in it was deleted; delete or move those resources, then apply again",
            )
        ec2 = ctx.client("ec2", account=account, region=region)
        for igw in vpc["internet_gateways"]:
            call_or(
                None,
                partial(ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=vpc_id),
                "Gateway.NotAttached",
            )
            call_or(
                None,
                partial(ec2.delete_internet_gateway, InternetGatewayId=igw),
                "InvalidInternetGatewayID.NotFound",
            )
        for subnet in vpc["subnets"]:
            call_or(
                None,
                partial(ec2.delete_subnet, SubnetId=subnet),
                "InvalidSubnetID.NotFound",
            )
        call_or(None, lambda: ec2.delete_vpc(VpcId=vpc_id), "InvalidVpcID.NotFound")


STEP = GuardrailsStep()
