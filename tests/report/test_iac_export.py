"""`bootstrap-tui export --format terraform|cloudformation -o DIR` on the compliant seed (the real
engine's full run of startup-minimal): every resource the sandbox holds maps to exactly one
Terraform block and import, the CloudFormation templates pass cfn-lint, the output is
deterministic and holds no secrets, and bad directories are refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from bootstrap_tui.cli import main
from bootstrap_tui.sandbox.plain import client, info
from bootstrap_tui.state import find_secrets

from .conftest import aim_at_sandbox

pytestmark = pytest.mark.slow
AUDIT_ROLE = "bootstrap-tui-audit"
BUCKET_KINDS = (
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_object_lock_configuration",
    "aws_s3_bucket_logging",
)
INSPECTOR_KINDS = (
    "aws_inspector2_delegated_admin_account",
    "aws_inspector2_organization_configuration",
    "aws_inspector2_member_association",
    "aws_inspector2_enabler",
    "aws_guardduty_organization_configuration",
)
BACKUP_KINDS = (
    "aws_backup_vault",
    "aws_backup_vault_lock_configuration",
    "aws_iam_role_policy_attachment",
)
NEW_KINDS = (*BUCKET_KINDS, "aws_flow_log", *INSPECTOR_KINDS, *BACKUP_KINDS)
BACKUP_ROLE = "bootstrap-backup"
REGIONS = ("us-east-1", "us-west-2")


@pytest.fixture(scope="module")
def built(sandbox, tmp_path_factory):
    """The report package's sandbox (moto's state is process-wide: one sandbox at a time) at the
    compliant seed (every step of startup-minimal applied), its seed run's account lock in a
    private state directory; put back to the package's drifted seed afterwards."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("iac-xdg")))
    try:
        sandbox.reset(seed="compliant", accounts=0)
        yield sandbox
    finally:
        sandbox.reset(seed="drifted", accounts=0)
        mp.undo()


@pytest.fixture(scope="module")
def exported(built, tmp_path_factory):
    """Both formats written twice (to show they are deterministic): format -> [dir, dir]."""
    home = tmp_path_factory.mktemp("iac-home")
    mp = pytest.MonkeyPatch()
    aim_at_sandbox(mp, built, home)
    out: dict[str, list[Path]] = {}
    try:
        for fmt in ("terraform", "cloudformation"):
            for n in (1, 2):
                target = home / f"{fmt}-{n}"
                code = main(
                    [
                        "--state-file",
                        str(home / "state.yaml"),
                        "export",
                        "--format",
                        fmt,
                        "-o",
                        str(target),
                    ]
                )
                assert code == 0
                out.setdefault(fmt, []).append(target)
    finally:
        mp.undo()
    return out


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _accounts(endpoint: str) -> tuple[str, list[str]]:
    found = info(endpoint)
    mgmt = found["management_account_id"]
    return mgmt, sorted(a["id"] for a in found["accounts"] if a["status"] == "ACTIVE")


def _pages(c: Any, op: str, key: str, **kwargs: Any) -> list[Any]:
    return [x for page in c.get_paginator(op).paginate(**kwargs) for x in page.get(key, [])]


def _organization(endpoint: str, mgmt: str) -> list[tuple[str, str]]:
    org = client(endpoint, "organizations")
    out = [("aws_organizations_organization", org.describe_organization()["Organization"]["Id"])]
    pending = [r["Id"] for r in org.list_roots()["Roots"]]
    while pending:
        for ou in _pages(
            org,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=pending.pop(),
        ):
            pending.append(ou["Id"])
            out.append(("aws_organizations_organizational_unit", ou["Id"]))
    out += [
        ("aws_organizations_account", a["Id"])
        for a in _pages(org, "list_accounts", "Accounts")
        if a["Id"] != mgmt
    ]
    policies = [
        p
        for kind in ("SERVICE_CONTROL_POLICY", "BACKUP_POLICY")
        for p in _pages(org, "list_policies", "Policies", Filter=kind)
    ]
    assert any(p["Type"] == "BACKUP_POLICY" for p in policies)
    for policy in policies:
        if policy["AwsManaged"]:
            continue
        out.append(("aws_organizations_policy", policy["Id"]))
        out += [
            ("aws_organizations_policy_attachment", f"{t['TargetId']}:{policy['Id']}")
            for t in _pages(org, "list_targets_for_policy", "Targets", PolicyId=policy["Id"])
        ]
    return out


def _identity_center(endpoint: str, accounts: list[str]) -> list[tuple[str, str]]:
    sso, store = client(endpoint, "sso-admin"), client(endpoint, "identitystore")
    instance = sso.list_instances()["Instances"][0]
    arn, sid = instance["InstanceArn"], instance["IdentityStoreId"]
    out = []
    for group in _pages(store, "list_groups", "Groups", IdentityStoreId=sid):
        out.append(("aws_identitystore_group", f"{sid}/{group['GroupId']}"))
        out += [
            ("aws_identitystore_group_membership", f"{sid}/{m['MembershipId']}")
            for m in _pages(
                store,
                "list_group_memberships",
                "GroupMemberships",
                IdentityStoreId=sid,
                GroupId=group["GroupId"],
            )
        ]
    out += [
        ("aws_identitystore_user", f"{sid}/{u['UserId']}")
        for u in _pages(store, "list_users", "Users", IdentityStoreId=sid)
    ]
    for ps in _pages(sso, "list_permission_sets", "PermissionSets", InstanceArn=arn):
        out.append(("aws_ssoadmin_permission_set", f"{ps},{arn}"))
        for account in accounts:
            out += [
                (
                    "aws_ssoadmin_account_assignment",
                    f"{a['PrincipalId']},{a['PrincipalType']},{account},AWS_ACCOUNT,{ps},{arn}",
                )
                for a in _pages(
                    sso,
                    "list_account_assignments",
                    "AccountAssignments",
                    InstanceArn=arn,
                    AccountId=account,
                    PermissionSetArn=ps,
                )
            ]
    return out


def _per_account(endpoint: str, mgmt: str, account: str) -> list[tuple[str, str]]:
    out = []
    s3 = client(endpoint, "s3", account)
    for bucket in s3.list_buckets()["Buckets"]:
        out += [("aws_s3_bucket", bucket["Name"]), ("aws_s3_bucket_policy", bucket["Name"])]
        try:
            s3.get_bucket_lifecycle_configuration(Bucket=bucket["Name"])
            out.append(("aws_s3_bucket_lifecycle_configuration", bucket["Name"]))
        except s3.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
        try:
            s3.get_object_lock_configuration(Bucket=bucket["Name"])
            out.append(("aws_s3_bucket_object_lock_configuration", bucket["Name"]))
        except s3.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] == "ObjectLockConfigurationNotFoundError"
        if s3.get_bucket_logging(Bucket=bucket["Name"]).get("LoggingEnabled"):
            out.append(("aws_s3_bucket_logging", bucket["Name"]))
    if account != mgmt:
        out.append(("aws_iam_role", AUDIT_ROLE))
        iam = client(endpoint, "iam", account)
        if BACKUP_ROLE in {r["RoleName"] for r in iam.list_roles()["Roles"]}:
            out.append(("aws_iam_role", BACKUP_ROLE))
            out += [
                ("aws_iam_role_policy_attachment", f"{BACKUP_ROLE}/{p['PolicyArn']}")
                for p in iam.list_attached_role_policies(RoleName=BACKUP_ROLE)["AttachedPolicies"]
            ]
    out = [(*r, REGIONS[0]) for r in out]  # global: through the account's home-region provider
    for region in REGIONS:
        found: list[tuple[str, str]] = []
        kms = client(endpoint, "kms", account, region)
        for key in _pages(kms, "list_keys", "Keys"):
            meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            if meta["KeyManager"] == "CUSTOMER":
                found.append(("aws_kms_key", meta["KeyId"]))
        found += [
            ("aws_kms_alias", a["AliasName"])
            for a in _pages(kms, "list_aliases", "Aliases")
            if not a["AliasName"].startswith("alias/aws/")
        ]
        trails = client(endpoint, "cloudtrail", account, region).describe_trails(
            includeShadowTrails=False
        )
        found += [("aws_cloudtrail", t["TrailARN"]) for t in trails["trailList"]]
        gd = client(endpoint, "guardduty", account, region)
        for detector in gd.list_detectors()["DetectorIds"]:
            found.append(("aws_guardduty_detector", detector))
            try:  # only the delegated administrator has an organization configuration
                gd.describe_organization_configuration(DetectorId=detector)
                found.append(("aws_guardduty_organization_configuration", detector))
            except gd.exceptions.BadRequestException:
                pass
        client(endpoint, "securityhub", account, region).describe_hub()
        found.append(("aws_securityhub_account", account))
        config = client(endpoint, "config", account, region)
        found += [
            ("aws_config_configuration_recorder", r["name"])
            for r in config.describe_configuration_recorders()["ConfigurationRecorders"]
        ]
        found += [
            ("aws_config_delivery_channel", c["name"])
            for c in config.describe_delivery_channels()["DeliveryChannels"]
        ]
        analyzers = client(endpoint, "accessanalyzer", account, region).list_analyzers()
        found += [("aws_accessanalyzer_analyzer", a["name"]) for a in analyzers["analyzers"]]
        flow_logs = client(endpoint, "ec2", account, region).describe_flow_logs()["FlowLogs"]
        found += [("aws_flow_log", f["FlowLogId"]) for f in flow_logs]
        for vault in client(endpoint, "backup", account, region).list_backup_vaults()[
            "BackupVaultList"
        ]:
            found.append(("aws_backup_vault", vault["BackupVaultName"]))
            if vault["Locked"]:
                found.append(("aws_backup_vault_lock_configuration", vault["BackupVaultName"]))
        out += [(*r, region) for r in found]
    return out


SCANS = {"ec2": "EC2", "ecr": "ECR", "lambda": "LAMBDA", "lambdaCode": "LAMBDA_CODE"}


def _inspector(endpoint: str, mgmt: str, accounts: list[str], region: str) -> list[tuple]:
    """Inspector's resources in one region: (type, id, account of its provider, region)."""
    listed = client(endpoint, "inspector2", mgmt, region).list_delegated_admin_accounts()
    admins = [a["accountId"] for a in listed["delegatedAdminAccounts"]]
    out = [("aws_inspector2_delegated_admin_account", a, mgmt, region) for a in admins]
    audit = client(endpoint, "inspector2", admins[0], region)
    audit.describe_organization_configuration()
    out.append(("aws_inspector2_organization_configuration", admins[0], admins[0], region))
    members = audit.list_members(onlyAssociated=True)["members"]
    out += [
        ("aws_inspector2_member_association", m["accountId"], admins[0], region)
        for m in members
        if m["accountId"] != admins[0]
    ]
    for state in audit.batch_get_account_status(accountIds=accounts)["accounts"]:
        kinds = sorted(
            kind
            for key, kind in SCANS.items()
            if state["resourceState"][key]["status"] == "ENABLED"
        )
        enabler = f"{state['accountId']}-{':'.join(kinds)}"
        out.append(("aws_inspector2_enabler", enabler, admins[0], region))
    return out


def sandbox_resources(endpoint: str) -> list[tuple[str, str, str]]:
    """(terraform type, import id, account, region) of what the sandbox holds, read with plain boto3."""
    mgmt, accounts = _accounts(endpoint)
    home = REGIONS[0]
    found = _organization(endpoint, mgmt) + _identity_center(endpoint, accounts)
    out = [(*r, mgmt, home) for r in found]
    budgets = client(endpoint, "budgets").describe_budgets(AccountId=mgmt)["Budgets"]
    out += [("aws_budgets_budget", f"{mgmt}:{b['BudgetName']}", mgmt, home) for b in budgets]
    for account in accounts:
        out += [
            (kind, rid, account, region)
            for kind, rid, region in _per_account(endpoint, mgmt, account)
        ]
    for region in REGIONS:
        out += _inspector(endpoint, mgmt, accounts, region)
    return out


def _imports(directory: Path) -> list[dict[str, Any]]:
    return hcl2.load((directory / "imports.tf").open())["import"]


def _resource_addresses(directory: Path) -> list[str]:
    parsed = hcl2.load((directory / "resources.tf").open())
    return [
        f"{kind.strip(chr(34))}.{name.strip(chr(34))}"
        for block in parsed["resource"]
        for kind, named in block.items()
        for name in named
    ]


def _where(block: dict[str, Any], providers: dict[str, tuple[str, str]], home: tuple[str, str]):
    """(account, region) of the provider an import block names (the default one: home)."""
    alias = str(block.get("provider", "")).removeprefix("${").removesuffix("}")
    return providers.get(alias.removeprefix("aws."), home)


def _providers(directory: Path, mgmt: str) -> dict[str, tuple[str, str]]:
    """Provider alias -> (account, region), from providers.tf."""
    providers = {}
    for block in hcl2.load((directory / "providers.tf").open())["provider"]:
        aws = block['"aws"']
        if "alias" not in aws:
            continue
        roles = aws.get("assume_role") or []
        account = re.search(r"::(\d{12}):", roles[0]["role_arn"]).group(1) if roles else mgmt
        providers[aws["alias"].strip('"')] = (account, aws["region"].strip('"'))
    return providers


def _unimported_blocks(directory: Path, providers, home) -> list[tuple[str, str, str, str]]:
    """(type, provider account, account, region) of the resource blocks with no import: the
    provider's own id of these (the organization configuration) is its account id."""
    from bootstrap_tui.report.iac_terraform import NOT_IMPORTABLE

    out = []
    for block in hcl2.load((directory / "resources.tf").open())["resource"]:
        for kind, named in block.items():
            kind = kind.strip('"')
            if kind in NOT_IMPORTABLE:
                for body in named.values():
                    account, region = _where(body, providers, home)
                    out.append((kind, account, account, region))
    return out


def test_every_sandbox_resource_maps_to_exactly_one_terraform_block(built, exported):
    directory = exported["terraform"][0]
    imports = _imports(directory)
    addresses = _resource_addresses(directory)
    to = [str(b["to"]).removeprefix("${").removesuffix("}") for b in imports]
    assert len(addresses) == len(set(addresses)) and len(to) == len(set(to))
    unimported = sorted(set(addresses) - set(to))
    assert set(to) <= set(addresses)  # every import names a resource block
    assert {a.split(".")[0] for a in unimported} == {"aws_inspector2_organization_configuration"}

    mgmt = built.management_account_id
    home = (mgmt, REGIONS[0])
    providers = _providers(directory, mgmt)
    found = Counter(
        (t.split(".")[0], b["id"].strip('"'), *_where(b, providers, home))
        for t, b in zip(to, imports, strict=True)
    )
    found.update(_unimported_blocks(directory, providers, home))
    held = sandbox_resources(built.endpoint)
    assert len(held) > 80
    for kind in NEW_KINDS:
        assert any(r[0] == kind for r in held), kind
    missing = [r for r in held if found[r] != 1]
    assert missing == [], missing


def test_terraform_providers_assume_the_member_role_and_the_readme_explains_the_plan(
    built, exported
):
    directory = exported["terraform"][0]
    text = (directory / "providers.tf").read_text()
    assert 'role_arn = "arn:aws:iam::' in text and "${var.member_role_name}" in text
    variable = hcl2.load((directory / "providers.tf").open())["variable"][0]['"member_role_name"']
    assert variable["default"].strip('"') == "OrganizationAccountAccessRole"
    readme = (directory / "README.md").read_text()
    assert "terraform plan" in readme and 'What "no changes" proves' in readme


def test_exports_are_byte_identical_for_the_same_state_and_hold_no_secrets(exported):
    for fmt, (first, second) in exported.items():
        assert _files(first) == _files(second), fmt
        for name, content in _files(first).items():
            assert find_secrets(content.decode()) == [], (fmt, name)
            assert (first / name).stat().st_mode & 0o777 == 0o600


def test_cloudformation_templates_pass_cfn_lint(exported):
    from cfnlint.api import ManualArgs, lint

    directory = exported["cloudformation"][0]
    templates = sorted(directory.rglob("*.template.json"))
    assert (directory / "management.template.json") in templates and len(templates) > 1
    for template in templates:
        region = "us-west-2" if template.name.endswith("us-west-2.template.json") else "us-east-1"
        config = ManualArgs(regions=[region])
        errors = [m for m in lint(template.read_text(), config=config) if m.rule.id.startswith("E")]
        assert errors == [], (template.name, [str(m) for m in errors])


def test_cloudformation_import_files_name_every_template_resource(exported):
    directory = exported["cloudformation"][0]
    for template in sorted(directory.rglob("*.template.json")):
        resources = json.loads(template.read_text())["Resources"]
        imports = json.loads(
            template.with_name(template.name.replace(".template.", ".import.")).read_text()
        )
        assert sorted(i["LogicalResourceId"] for i in imports) == sorted(resources)
        for item in imports:
            resource = resources[item["LogicalResourceId"]]
            assert item["ResourceType"] == resource["Type"]
            assert resource["DeletionPolicy"] == "Retain"
            assert all(isinstance(v, str) and v for v in item["ResourceIdentifier"].values())


def test_cloudformation_readme_lists_what_it_cannot_import(built, exported):
    readme = (exported["cloudformation"][0] / "README.md").read_text()
    mgmt = built.management_account_id
    budgets = client(built.endpoint, "budgets").describe_budgets(AccountId=mgmt)["Budgets"]
    assert budgets
    for budget in budgets:
        assert f"`aws_budgets_budget` | {mgmt} | - | `{mgmt}:{budget['BudgetName']}`" in readme
    assert "`aws_identitystore_user`" in readme


def test_sandbox_identity_center_ids_have_aws_shapes(built):
    """Plain boto3: the ids match the patterns of the SSO Admin API Reference."""
    sso = client(built.endpoint, "sso-admin")
    instance = sso.list_instances()["Instances"][0]
    assert re.fullmatch(r"d-[0-9a-f]{10}", instance["IdentityStoreId"])
    sets = sso.list_permission_sets(InstanceArn=instance["InstanceArn"])["PermissionSets"]
    pattern = r"arn:aws:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}"
    assert sets and all(re.fullmatch(pattern, arn) for arn in sets)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "-o DIR is required"),
        (["-o", "{home}/missing/out"], "does not exist"),
        (["-o", "{home}/full"], "the directory is not empty"),
        (["-o", "{home}/full/keep.txt"], "not a directory"),
    ],
)
def test_bad_directories_are_refused_before_aws_is_read(
    built, tmp_path, monkeypatch, capsys, args, message
):
    aim_at_sandbox(monkeypatch, built, tmp_path)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    argv = [a.format(home=tmp_path) for a in args]
    code = main(
        ["--state-file", str(tmp_path / "s.yaml"), "export", "--format", "terraform", *argv]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]


def test_force_writes_into_a_directory_that_is_not_empty(built, tmp_path, monkeypatch):
    aim_at_sandbox(monkeypatch, built, tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    argv = ["--state-file", str(tmp_path / "s.yaml"), "export", "--format", "cloudformation"]
    assert main([*argv, "-o", str(tmp_path / "out"), "--force"]) == 0
    assert (tmp_path / "out" / "management.template.json").is_file()
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_policy_variables_stay_literal_in_terraform():
    """An IAM policy variable such as ${aws:username} must not become a Terraform interpolation."""
    from bootstrap_tui.report.iac_inventory import Inventory, Resource
    from bootstrap_tui.report.iac_terraform import render_terraform

    policy = '{"Resource":"arn:aws:s3:::b/${aws:username}/*","Note":"%{x} \\"q\\""}'
    role = Resource("aws_iam_role_policy", "p", "r:p", "111111111111", attrs={"policy": policy})
    inventory = Inventory("111111111111", "us-east-1", ["us-east-1"], {}, "Admin", [role], {})
    text = render_terraform(inventory)["resources.tf"]
    value = hcl2.loads(text)["resource"][0]['"aws_iam_role_policy"']['"p"']["policy"]
    assert "$${aws:username}" in value and "%%{x}" in value
    assert "${aws:username}" not in value.replace("$${", "")


# Import id of each type, as the Terraform AWS provider's documentation gives it (its "Import"
# section; the enabler's from the provider's enablerID: account ids, then resource types).
ARN = r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d{12}:"
SSO = r"arn:aws:sso:::"
IMPORT_IDS = {
    "aws_organizations_organization": r"o-[a-z0-9]{10,32}",
    "aws_organizations_organizational_unit": r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}",
    "aws_organizations_account": r"\d{12}",
    "aws_organizations_policy": r"p-[0-9a-zA-Z_]{8,128}",
    "aws_organizations_policy_attachment": r"(r-[0-9a-z]{4,32}|ou-[0-9a-z-]+|\d{12}):p-\w{8,128}",
    "aws_organizations_delegated_administrator": r"\d{12}/[a-z0-9.-]+\.amazonaws\.com",
    "aws_identitystore_group": r"d-[0-9a-f]{10}/[0-9a-f-]+",
    "aws_identitystore_group_membership": r"d-[0-9a-f]{10}/[0-9a-f-]+",
    "aws_identitystore_user": r"d-[0-9a-f]{10}/[0-9a-f-]+",
    "aws_ssoadmin_permission_set": rf"{SSO}permissionSet/\S+,{SSO}instance/ssoins-\S+",
    "aws_ssoadmin_permission_set_inline_policy": rf"{SSO}permissionSet/\S+,{SSO}instance/\S+",
    "aws_ssoadmin_managed_policy_attachment": (
        rf"arn:aws:iam::(aws|\d{{12}}):policy/\S+,{SSO}permissionSet/\S+,{SSO}instance/\S+"
    ),
    "aws_ssoadmin_account_assignment": (
        rf"[0-9a-f-]+,(GROUP|USER),\d{{12}},AWS_ACCOUNT,{SSO}permissionSet/\S+,{SSO}instance/\S+"
    ),
    "aws_cloudtrail": rf"{ARN}trail/[\w.-]+",
    "aws_s3_bucket": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_policy": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_versioning": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_server_side_encryption_configuration": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_public_access_block": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_lifecycle_configuration": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_object_lock_configuration": r"[a-z0-9.-]{3,63}",
    "aws_s3_bucket_logging": r"[a-z0-9.-]{3,63}",
    "aws_kms_key": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "aws_kms_alias": r"alias/[\w/-]+",
    "aws_iam_role": r"[\w+=,.@-]{1,64}",
    "aws_iam_role_policy": r"[\w+=,.@-]{1,64}:[\w+=,.@-]{1,128}",
    "aws_guardduty_detector": r"[0-9a-f]{32}",
    "aws_guardduty_organization_configuration": r"[0-9a-f]{32}",  # the detector id
    "aws_securityhub_account": r"\d{12}",
    "aws_securityhub_finding_aggregator": rf"{ARN}finding-aggregator/[0-9a-f-]+",
    "aws_config_configuration_recorder": r"[\w-]+",
    "aws_config_configuration_recorder_status": r"[\w-]+",
    "aws_config_delivery_channel": r"[\w-]+",
    "aws_config_configuration_aggregator": r"[\w-]+",
    "aws_accessanalyzer_analyzer": r"[\w.-]+",
    "aws_budgets_budget": r"\d{12}:[^:\\]+",
    "aws_flow_log": r"fl-[0-9a-f]{8,17}",
    "aws_inspector2_delegated_admin_account": r"\d{12}",
    "aws_inspector2_member_association": r"\d{12}",
    "aws_inspector2_enabler": r"\d{12}(:\d{12})*-(CODE_REPOSITORY|EC2|ECR|LAMBDA|LAMBDA_CODE)(:[A-Z_]+)*",
    "aws_backup_vault": r"[a-zA-Z0-9_-]{2,50}",
    "aws_backup_vault_lock_configuration": r"[a-zA-Z0-9_-]{2,50}",
    "aws_iam_role_policy_attachment": r"[\w+=,.@-]{1,64}/arn:aws:iam::(aws|\d{12}):policy/\S+",
}


def test_every_import_id_has_the_providers_documented_format(exported):
    imports = _imports(exported["terraform"][0])
    kinds = Counter()
    for block in imports:
        kind = str(block["to"]).removeprefix("${").split(".")[0]
        rid = block["id"].strip('"')
        kinds[kind] += 1
        assert kind in IMPORT_IDS, kind
        assert re.fullmatch(IMPORT_IDS[kind], rid), (kind, rid)
        if kind == "aws_inspector2_enabler":
            accounts, types = (part.split(":") for part in rid.split("-"))
            assert accounts == sorted(accounts) and types == sorted(types), rid
    assert all(kinds[k] for k in NEW_KINDS if k != "aws_inspector2_organization_configuration")


def _blocks(directory: Path, kind: str) -> list[dict[str, Any]]:
    parsed = hcl2.load((directory / "resources.tf").open())["resource"]
    return [
        body
        for block in parsed
        for k, named in block.items()
        if k.strip('"') == kind
        for body in named.values()
    ]


def _of_bucket(directory: Path, kind: str, bucket: str) -> list[dict[str, Any]]:
    """The `kind` blocks of one bucket: each refers to the bucket's own block."""
    parsed = hcl2.load((directory / "resources.tf").open())["resource"]
    named = [
        "${aws_s3_bucket." + name.strip('"') + ".id}"
        for block in parsed
        for k, by_name in block.items()
        if k.strip('"') == "aws_s3_bucket"
        for name, body in by_name.items()
        if body["bucket"] == f'"{bucket}"'
    ]
    assert len(named) == 1, bucket
    return [b for b in _blocks(directory, kind) if b["bucket"] in (named[0], f'"{named[0]}"')]


def test_flow_logs_and_inspector_blocks_hold_what_aws_holds(built, exported):
    """startup-minimal: REJECT traffic to the archive's flow-log bucket; EC2 and ECR scans."""
    directory = exported["terraform"][0]
    mgmt = built.management_account_id
    accounts = {
        a["Name"]: a["Id"]
        for a in client(built.endpoint, "organizations").list_accounts()["Accounts"]
    }
    bucket = f"arn:aws:s3:::bootstrap-flow-logs-{accounts['Log Archive']}-us-east-1"
    flow_logs = _blocks(directory, "aws_flow_log")
    assert flow_logs and all(
        (b["traffic_type"], b["log_destination_type"], b["log_destination"])
        == ('"REJECT"', '"s3"', f'"{bucket}"')
        for b in flow_logs
    ), flow_logs
    enablers = _blocks(directory, "aws_inspector2_enabler")
    assert len(enablers) == len(accounts) * len(REGIONS)
    assert all(b["resource_types"] == ['"EC2"', '"ECR"'] for b in enablers), enablers
    config = _blocks(directory, "aws_inspector2_organization_configuration")
    assert [
        {k: v for k, v in c["auto_enable"][0].items() if k != "__is_block__"} for c in config
    ] == [{"ec2": True, "ecr": True, "lambda": False, "lambda_code": False}] * len(REGIONS)
    # Inspector registered the Audit account with Organizations itself: its own type manages it
    audit = accounts["Audit"]
    org = client(built.endpoint, "organizations")
    services = org.list_delegated_services_for_account(AccountId=audit)["DelegatedServices"]
    assert "inspector2.amazonaws.com" in {s["ServicePrincipal"] for s in services}
    delegated = _blocks(directory, "aws_organizations_delegated_administrator")
    assert '"inspector2.amazonaws.com"' not in {b["service_principal"] for b in delegated}
    assert [
        b["account_id"] for b in _blocks(directory, "aws_inspector2_delegated_admin_account")
    ] == [f'"{audit}"'] * len(REGIONS)
    members = _blocks(directory, "aws_inspector2_member_association")
    assert sorted(b["account_id"].strip('"') for b in members) == sorted(
        [a for a in accounts.values() if a != audit] * len(REGIONS)
    )
    assert mgmt in accounts.values()


def test_cloudformation_imports_flow_logs_and_lists_inspector(exported):
    directory = exported["cloudformation"][0]
    imported = [
        item
        for path in sorted(directory.rglob("*.import.json"))
        for item in json.loads(path.read_text())
        if item["ResourceType"] == "AWS::EC2::FlowLog"
    ]
    assert imported and all(
        re.fullmatch(r"fl-[0-9a-f]+", i["ResourceIdentifier"]["Id"]) for i in imported
    )
    readme = (directory / "README.md").read_text()
    for kind in INSPECTOR_KINDS:
        assert f"| `{kind}` |" in readme, kind
    for kind in BACKUP_KINDS:  # CloudFormation imports these (vault, folded lock and policies)
        assert f"| `{kind}` |" not in readme, kind


def test_the_backup_policy_vaults_and_locks_are_exported_in_both_formats(built, exported):
    """startup-minimal: a daily-only policy on Workloads, a GOVERNANCE lock of 35 days on the
    vault of each workload account and region, the role with its two managed policies."""
    org = client(built.endpoint, "organizations")
    workloads = sorted(
        a["Id"] for a in org.list_accounts()["Accounts"] if a["Name"] in ("Production", "Staging")
    )
    directory = exported["terraform"][0]
    policies = [
        b for b in _blocks(directory, "aws_organizations_policy") if b["type"] == '"BACKUP_POLICY"'
    ]
    assert [b["name"] for b in policies] == ['"bootstrap-backup"']
    vaults = _blocks(directory, "aws_backup_vault")
    assert len(vaults) == len(workloads) * len(REGIONS)
    assert all(
        v["name"] == '"bootstrap-backup"' and "arn:aws:kms:" in v["kms_key_arn"] for v in vaults
    )
    locks = _blocks(directory, "aws_backup_vault_lock_configuration")
    assert [(b["min_retention_days"], b["max_retention_days"]) for b in locks] == [(35, 35)] * len(
        vaults
    )
    attached = _blocks(directory, "aws_iam_role_policy_attachment")
    assert len(attached) == 2 * len(workloads)

    cfn = exported["cloudformation"][0]
    management = json.loads((cfn / "management.template.json").read_text())["Resources"]
    backup_policy = [
        r["Properties"]
        for r in management.values()
        if r["Type"] == "AWS::Organizations::Policy" and r["Properties"]["Type"] == "BACKUP_POLICY"
    ]
    assert len(backup_policy) == 1 and len(backup_policy[0]["TargetIds"]) == 1
    assert "bootstrap-backup" in backup_policy[0]["Content"]["plans"]
    templates = {
        p.name: json.loads(p.read_text()) for p in (cfn / "stacksets").glob("*.template.json")
    }
    vault_props = [
        (name, r["Properties"])
        for name, t in templates.items()
        for r in t["Resources"].values()
        if r["Type"] == "AWS::Backup::BackupVault"
    ]
    assert len(vault_props) == len(workloads) * len(REGIONS)
    assert all(
        p["LockConfiguration"] == {"MinRetentionDays": 35, "MaxRetentionDays": 35}
        for _, p in vault_props
    )
    roles = [
        r["Properties"]
        for t in templates.values()
        for r in t["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"]["RoleName"] == "bootstrap-backup"
    ]
    assert len(roles) == len(workloads)
    assert all(len(r["ManagedPolicyArns"]) == 2 for r in roles), roles


def test_the_flow_log_bucket_lifecycle_is_exported_in_both_formats(built, exported):
    """startup-minimal keeps logs 365 days (log_archive.retention_days)."""
    org = client(built.endpoint, "organizations")
    log_archive = next(
        a["Id"] for a in org.list_accounts()["Accounts"] if a["Name"] == "Log Archive"
    )
    bucket = f"bootstrap-flow-logs-{log_archive}-us-east-1"
    blocks = _of_bucket(exported["terraform"][0], "aws_s3_bucket_lifecycle_configuration", bucket)
    assert len(blocks) == 1
    rule = blocks[0]["rule"][0]
    assert rule["expiration"][0]["days"] == 365
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    template = exported["cloudformation"][0] / f"stacksets/{log_archive}-us-east-1.template.json"
    buckets = [
        r["Properties"]
        for r in json.loads(template.read_text())["Resources"].values()
        if r["Type"] == "AWS::S3::Bucket" and r["Properties"]["BucketName"] == bucket
    ]
    rules = buckets[0]["LifecycleConfiguration"]["Rules"]
    assert [(r["Status"], r["ExpirationInDays"]) for r in rules] == [("Enabled", 365)]


def test_the_trail_bucket_object_lock_and_access_logging_are_exported(built, exported):
    """startup-minimal: GOVERNANCE Object Lock for 365 days; access logs to the access bucket."""
    org = client(built.endpoint, "organizations")
    la = next(a["Id"] for a in org.list_accounts()["Accounts"] if a["Name"] == "Log Archive")
    trail, access = (f"bootstrap-{kind}-{la}-us-east-1" for kind in ("org-trail", "access-logs"))
    directory = exported["terraform"][0]
    locks = _of_bucket(directory, "aws_s3_bucket_object_lock_configuration", trail)
    retention = locks[0]["rule"][0]["default_retention"][0]
    assert (retention["mode"], retention["days"]) == ('"GOVERNANCE"', 365)
    logging = _of_bucket(directory, "aws_s3_bucket_logging", trail)
    assert logging[0]["target_bucket"] == f'"{access}"'
    template = exported["cloudformation"][0] / f"stacksets/{la}-us-east-1.template.json"
    bucket = next(
        r["Properties"]
        for r in json.loads(template.read_text())["Resources"].values()
        if r["Type"] == "AWS::S3::Bucket" and r["Properties"]["BucketName"] == trail
    )
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
        "Days": 365,
        "Mode": "GOVERNANCE",
    }
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == access


CHECKOV_CLAIMS = Path(__file__).with_name("checkov_claims.yaml")


def _checkov() -> str:
    """The checkov command: $BOOTSTRAP_TUI_CHECKOV, else .venv-checkov (made by .ci/run)."""
    found = os.environ.get("BOOTSTRAP_TUI_CHECKOV") or str(
        Path(__file__).parents[2] / ".venv-checkov" / "bin" / "checkov"
    )
    if not Path(found).is_file():
        message = (
            f"checkov not found at {found}: .ci/run installs it in a venv of its own "
            "(python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov==3.3.30)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _checkov_failures(directory: Path, framework: str) -> list[tuple[str, str]]:
    done = subprocess.run(
        [_checkov(), "-d", str(directory), "--framework", framework, "-o", "json", "--quiet"]
        + ["--skip-download"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert reports and all(r["summary"]["parsing_errors"] == 0 for r in reports)
    assert sum(r["summary"]["passed"] for r in reports) > 50  # it really scanned the export
    return [(c["check_id"], c["resource"]) for r in reports for c in r["results"]["failed_checks"]]


def _audit_account(built) -> str:
    org = client(built.endpoint, "organizations")
    admins = org.list_delegated_administrators(ServicePrincipal="guardduty.amazonaws.com")
    return admins["DelegatedAdministrators"][0]["Id"]


def _judge(
    failures: list[tuple[str, str]], claims: dict[str, Any], audit: str
) -> tuple[list, list]:
    """(claimed checks that fail for a resource they name, failing checks the file lists nowhere)."""
    claimed, not_claimed = claims["claimed"], claims["not_claimed"]
    broken, unlisted = [], []
    for check_id, resource in failures:
        claim = claimed.get(check_id)
        if claim is None:
            if check_id not in not_claimed:
                unlisted.append((check_id, resource))
            continue
        match = re.search(claim.get("resources", ""), resource)
        if claim.get("audit_only") and match:
            match = match if match.group("audit") == audit else None
        if match or not claim.get("others"):
            broken.append((check_id, claim["by"], resource))
    return broken, unlisted


@pytest.mark.parametrize("fmt", ["terraform", "cloudformation"])
def test_checkov_fails_no_check_the_baseline_claims(built, exported, fmt):
    claims = yaml.safe_load(CHECKOV_CLAIMS.read_text(encoding="utf-8"))
    assert not set(claims["claimed"]) & set(claims["not_claimed"])
    failures = _checkov_failures(exported[fmt][0], fmt)
    broken, unlisted = _judge(failures, claims, _audit_account(built))
    assert broken == [], f"checkov fails checks our baseline claims: {broken}"
    assert unlisted == [], f"checkov fails checks checkov_claims.yaml does not list: {unlisted}"


def test_checkov_claims_are_judged_by_the_resources_they_name():
    """Without checkov: a claimed check failing on the trail bucket breaks the claim, the same
    check on another bucket is explained by `others`, and an unknown failing check is named."""
    claims = yaml.safe_load(CHECKOV_CLAIMS.read_text(encoding="utf-8"))
    trail = "aws_s3_bucket.bootstrap_org_trail_111122223333_us_east_1"
    config = "aws_s3_bucket.bootstrap_config_111122223333_us_east_1"
    audit, member = "444455556666", "777788889999"
    failures = [
        ("CKV_AWS_145", trail),
        ("CKV_AWS_145", config),
        ("CKV2_AWS_6", config),
        ("CKV2_AWS_3", f"aws_guardduty_detector.guardduty_{audit}_us_east_1"),
        ("CKV2_AWS_3", f"aws_guardduty_detector.guardduty_{member}_us_east_1"),
        ("CKV_AWS_144", trail),
        ("CKV_AWS_999", trail),
    ]
    broken, unlisted = _judge(failures, claims, audit)
    assert broken == [
        ("CKV_AWS_145", "log-archive.trail-kms", trail),
        ("CKV2_AWS_6", "log-archive.bucket-tls-not-public", config),
        ("CKV2_AWS_3", "security-services.guardduty-enabled", failures[3][1]),
    ]
    assert unlisted == [("CKV_AWS_999", trail)]


def test_checkov_claims_name_real_checks():
    from bootstrap_tui.registry import discover_steps

    ours = {check.id for step in discover_steps() for check in step.checks}
    claims = yaml.safe_load(CHECKOV_CLAIMS.read_text(encoding="utf-8"))
    assert {c["by"] for c in claims["claimed"].values()} <= ours
    assert all(isinstance(why, str) and len(why) > 30 for why in claims["not_claimed"].values())
