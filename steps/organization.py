"""organization: AWS Organizations with all features, the OU tree from the
profile, SCPs enabled on the root, trusted access for the services later steps use."""

from __future__ import annotations

from typing import Any

from bootstrap_tui.aws import enabled_region_names, governed_regions, partition_of, refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Check, Field, Outcome, Plan, Scope, Severity, Step

from steps._errors import error_code
from steps._org import describe_org, ou_tree, refuse_foreign_org, root_id
from steps._paging import paginate

SCP = "SERVICE_CONTROL_POLICY"


def profile_ous(ctx: StepContext) -> list[str]:
    """OU paths of the profile, parents first ("Workloads", "Workloads/Prod")."""
    return list(ctx.profile.ous())


# Services that enable their own trusted access when you turn them on (console or their own admin
# API); AWS recommends against enabling these through Organizations (EnableAWSServiceAccess).
SELF_ENABLING = {
    "controltower.amazonaws.com": "Control Tower's landing zone set-up",
    "sso.amazonaws.com": "IAM Identity Center's Enable",
    "guardduty.amazonaws.com": "GuardDuty's EnableOrganizationAdminAccount",
    "securityhub.amazonaws.com": "Security Hub's EnableOrganizationAdminAccount",
    "member.org.stacksets.cloudformation.amazonaws.com": "Control Tower / CloudFormation StackSets",
}


def listed_trusted_access(ctx: StepContext) -> list[str]:
    return list(dict.fromkeys(ctx.profile.organization.trusted_access))


def trusted_access(ctx: StepContext) -> list[str]:
    """The principals this tool enables itself: the profile's list without self-enabling services."""
    return [p for p in listed_trusted_access(ctx) if p not in SELF_ENABLING]


def enabled_services(ctx: StepContext) -> set[str]:
    return {
        s["ServicePrincipal"]
        for s in paginate(
            ctx.client("organizations"),
            "list_aws_service_access_for_organization",
            "EnabledServicePrincipals",
        )
    }


def check_governed_regions(ctx: StepContext) -> list[str]:
    """The answered governed regions, each enabled in this account and in the home region's
    partition (ec2 DescribeRegions AllRegions=True: opt-in regions must be opted in)."""
    enabled = enabled_region_names(ctx.client("ec2"), partition_of(ctx.home_region))
    return governed_regions(ctx.answers["governed_regions"] or [], enabled)


def keep_existing(
    ctx: StepContext, plan: Plan, org: dict[str, Any], tree: dict[str, dict[str, Any]]
) -> None:
    """Plan lines for what exists already: the organization and the profile's OUs are reused; OUs
    outside the profile's tree, and the accounts in them, are left as they are."""
    features = "all features" if org.get("FeatureSet") == "ALL" else "consolidated billing only"
    plan.keep(
        "reusing",
        "organization",
        org["Id"],
        detail=f"{features}; management account {org.get('MasterAccountId')}",
    )
    wanted = set(profile_ous(ctx))
    for path, ou in tree.items():
        if path in wanted:
            plan.keep("reusing", "OU", path, detail=ou["Id"])
    client = ctx.client("organizations")
    for path, ou in tree.items():
        if (
            path in wanted
            or path.rpartition("/")[0] in tree
            and path.rpartition("/")[0] not in wanted
        ):
            continue
        accounts = [
            f"{a.get('Name')} ({a['Id']})"
            for a in paginate(client, "list_accounts_for_parent", "Accounts", ParentId=ou["Id"])
        ]
        held = f"; its account(s) {', '.join(accounts)} too" if accounts else ""
        plan.keep(
            "leaving",
            "OU",
            path,
            detail=f"{ou['Id']}: outside the profile's tree{held}; the guardrails "
            "step says which SCPs it gets",
        )


def root_policy_types(ctx: StepContext) -> dict[str, str]:
    root = ctx.client("organizations").list_roots()["Roots"][0]
    return {p["Type"]: p["Status"] for p in root.get("PolicyTypes", [])}


# ------------------------------------------------------------------ checks


def _org_or_fail(ctx: StepContext) -> dict[str, Any] | Outcome:
    """The organization, or the check's FAIL when there is none."""
    org = describe_org(ctx)
    return Outcome.fail("this account is not in an organization") if org is None else org


def check_all_features(ctx: StepContext, account: str, region: str | None) -> Outcome:
    org = _org_or_fail(ctx)
    if isinstance(org, Outcome):
        return org
    evidence = {"organization_id": org["Id"], "feature_set": org.get("FeatureSet")}
    if org.get("FeatureSet") != "ALL":
        return Outcome.fail(
            f"organization {org['Id']} has only {org.get('FeatureSet')} "
            "(consolidated billing): SCPs and trusted access need ALL",
            **evidence,
        )
    return Outcome.ok(f"organization {org['Id']} has all features enabled", **evidence)


def check_caller_is_management(ctx: StepContext, account: str, region: str | None) -> Outcome:
    org = _org_or_fail(ctx)
    if isinstance(org, Outcome):
        return org
    evidence = {
        "management_account": org["MasterAccountId"],
        "caller_account": ctx.identity.account_id,
    }
    if org["MasterAccountId"] != ctx.identity.account_id:
        return Outcome.fail(
            "the credentials are not in the organization's management account", **evidence
        )
    return Outcome.ok("the credentials are in the organization's management account", **evidence)


def check_ou_tree(ctx: StepContext, account: str, region: str | None) -> Outcome:
    org = _org_or_fail(ctx)
    if isinstance(org, Outcome):
        return org
    existing = ou_tree(ctx)
    wanted = profile_ous(ctx)
    missing = [p for p in wanted if p not in existing]
    evidence = {"expected": wanted, "missing": missing, "present": sorted(existing)}
    if missing:
        return Outcome.fail(
            f"{len(missing)} OU(s) of the profile are missing: {', '.join(missing)}", **evidence
        )
    return Outcome.ok(f"all {len(wanted)} OUs of the profile exist", **evidence)


def check_scps_enabled(ctx: StepContext, account: str, region: str | None) -> Outcome:
    org = _org_or_fail(ctx)
    if isinstance(org, Outcome):
        return org
    types = root_policy_types(ctx)
    status = types.get(SCP)
    if status != "ENABLED":
        return Outcome.fail(
            f"service control policies are {status or 'not enabled'} on the root",
            policy_types=types,
        )
    return Outcome.ok("service control policies are enabled on the root", policy_types=types)


def check_trusted_access(ctx: StepContext, account: str, region: str | None) -> Outcome:
    org = _org_or_fail(ctx)
    if isinstance(org, Outcome):
        return org
    enabled = enabled_services(ctx)
    wanted = trusted_access(ctx)
    missing = [p for p in wanted if p not in enabled]
    evidence = {"expected": wanted, "missing": missing, "enabled": sorted(enabled)}
    if missing:
        return Outcome.fail(f"trusted access is off for {', '.join(missing)}", **evidence)
    return Outcome.ok(f"trusted access is on for all {len(wanted)} services", **evidence)


FIX = "run: bootstrap-tui apply --step organization"
CHECK_ALL_FEATURES = Check(
    id="org.all-features",
    title="The organization exists with all features enabled",
    severity=Severity.HIGH,
    scope=Scope.MANAGEMENT,
    run=check_all_features,
    remediation=(
        "Create the organization with all features (aws organizations "
        "create-organization --feature-set ALL), or on a consolidated-billing "
        "organization call enable-all-features and accept the handshake in every member "
        f"account; or {FIX}"
    ),
    prowler="organizations_account_part_of_organizations",
)
CHECK_CALLER_MANAGEMENT = Check(
    id="org.caller-is-management",
    title="The tool runs from the organization's management account",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_caller_is_management,
    remediation=(
        "Use credentials (an SSO profile) of the management account; member accounts "
        "cannot see or change the organization."
    ),
    no_prowler="Prowler has no check that the audited account is the organization's management account.",
)
CHECK_OU_TREE = Check(
    id="org.ou-tree",
    title="The OU tree matches the profile",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_ou_tree,
    remediation=(
        "Create the missing OUs (Organizations → AWS accounts → Actions → Create new, "
        f"under the right parent), or {FIX}"
    ),
    no_prowler="Prowler has no check for an organizational unit layout.",
)
CHECK_SCPS = Check(
    id="org.scps-enabled",
    title="Service control policies are enabled",
    severity=Severity.HIGH,
    scope=Scope.MANAGEMENT,
    run=check_scps_enabled,
    remediation=(
        "Organizations → Policies → Service control policies → Enable (aws "
        "organizations enable-policy-type --root-id r-xxxx --policy-type "
        f"SERVICE_CONTROL_POLICY), or {FIX}"
    ),
    no_prowler="Prowler has no check that the SCP policy type is enabled; organizations_scp_check_deny_regions inspects one SCP's content.",
)
CHECK_TRUSTED = Check(
    id="org.trusted-access",
    title="Trusted access is enabled for the baseline's services",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_trusted_access,
    remediation=(
        "Organizations → Services → enable trusted access for each listed service (aws "
        "organizations enable-aws-service-access --service-principal "
        f"SERVICE.amazonaws.com), or {FIX}"
    ),
    no_prowler="Prowler has no check for AWS Organizations trusted access of a service.",
)


class OrganizationStep(Step):
    id = "organization"
    title = "AWS Organizations and OUs"
    summary = (
        "Create the organization with all features, the OU tree, service control "
        "policies and trusted access for the security services."
    )
    requires = ("management-account",)
    inputs = (
        Field(
            "governed_regions",
            "Governed regions",
            kind="regions",
            default=lambda profile, answers: list(profile.governed_regions),
            help="Regions the baseline governs and verifies (others are denied by guardrails)",
        ),
    )
    checks = (CHECK_ALL_FEATURES, CHECK_CALLER_MANAGEMENT, CHECK_OU_TREE, CHECK_SCPS, CHECK_TRUSTED)

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        org = describe_org(ctx)
        refuse_foreign_org(ctx, org)
        check_governed_regions(ctx)
        if org is None:
            plan.add(
                "create",
                "organization",
                "all features",
                detail=f"management account {ctx.identity.account_id}",
            )
            existing: dict[str, Any] = {}
            types: dict[str, str] = {}
            enabled: set[str] = set()
        else:
            if org.get("FeatureSet") != "ALL":
                plan.add(
                    "enable",
                    "all features",
                    org["Id"],
                    detail="every member account must accept the handshake",
                )
            existing = ou_tree(ctx)
            types = root_policy_types(ctx)
            enabled = enabled_services(ctx)
            keep_existing(ctx, plan, org, existing)
        for path in profile_ous(ctx):
            if path not in existing:
                parent, _, name = path.rpartition("/")
                plan.add(
                    "create",
                    "organizational unit",
                    path,
                    detail=f"under {parent or 'Root'}",
                    data={"parent": parent, "ou": name},
                )
        if types.get(SCP) != "ENABLED":
            plan.add("enable", "policy type", SCP, detail="on the organization root")
        for principal in trusted_access(ctx):
            if principal not in enabled:
                plan.add("enable", "trusted access", principal)
        for principal in listed_trusted_access(ctx):
            if principal in SELF_ENABLING:
                plan.notes.append(
                    f"organization.trusted_access lists {principal}: not enabled here; "
                    f"{SELF_ENABLING[principal]} enables it, as AWS recommends. Remove it "
                    "from the profile."
                )
        return plan

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        client = ctx.client("organizations")
        org = describe_org(ctx)
        refuse_foreign_org(ctx, org)
        if org is None:
            ctx.progress("creating the organization (all features)")
            try:
                org = client.create_organization(FeatureSet="ALL")["Organization"]
            except Exception as exc:
                if error_code(exc) != "AlreadyInOrganizationException":
                    raise
                org = describe_org(ctx)
                refuse_foreign_org(ctx, org)
                assert org is not None, "AlreadyInOrganizationException: the caller is in one"
        elif org.get("FeatureSet") != "ALL":
            ctx.progress("enabling all features (handshake to every member account)")
            try:
                client.enable_all_features()
            except Exception as exc:
                if error_code(exc) != "HandshakeConstraintViolationException":
                    raise
            raise RefusedError(
                f"organization {org['Id']} uses consolidated billing only; enabling all features "
                "needs every member account to accept the handshake",
                "accept it in each member account (Organizations console → Invitations), then "
                "run apply again",
            )
        ctx.remember("organization_id", org["Id"])
        root = root_id(ctx)
        ctx.remember("root_id", root)
        self._ensure_ous(ctx, root)
        self._ensure_scps(ctx, root)
        enabled = enabled_services(ctx)
        for principal in trusted_access(ctx):
            if principal not in enabled:
                ctx.progress(f"trusted access for {principal}")
                client.enable_aws_service_access(ServicePrincipal=principal)

    def _ensure_ous(self, ctx: StepContext, root: str) -> None:
        client = ctx.client("organizations")
        tree = ou_tree(ctx, root)
        ids = {path: info["Id"] for path, info in tree.items()}
        wanted = profile_ous(ctx)
        for done, path in enumerate(wanted, 1):
            if path in ids:
                continue
            parent_path, _, name = path.rpartition("/")
            parent = ids[parent_path] if parent_path else root
            ctx.progress(f"creating OU {path}", done, len(wanted))
            try:
                ou = client.create_organizational_unit(ParentId=parent, Name=name)
                ids[path] = ou["OrganizationalUnit"]["Id"]
            except Exception as exc:
                if error_code(exc) != "DuplicateOrganizationalUnitException":
                    raise
                ids[path] = ou_tree(ctx, root)[path]["Id"]
        ctx.remember("ou_ids", {path: ids[path] for path in wanted})

    def _ensure_scps(self, ctx: StepContext, root: str) -> None:
        if root_policy_types(ctx).get(SCP) == "ENABLED":
            return
        ctx.progress("enabling service control policies on the root")
        try:
            ctx.client("organizations").enable_policy_type(RootId=root, PolicyType=SCP)
        except Exception as exc:
            if error_code(exc) != "PolicyTypeAlreadyEnabledException":
                raise

        def enabled() -> tuple[bool, str]:
            status = root_policy_types(ctx).get(SCP, "PENDING_ENABLE")
            return status == "ENABLED", status

        ctx.poll(enabled, interval=5, timeout=300, what="enabling SCPs")


STEP = OrganizationStep()
