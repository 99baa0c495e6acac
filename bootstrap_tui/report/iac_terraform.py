"""The inventory as Terraform: resources, `import` blocks with the real ids, one provider per
account and region (member accounts through `assume_role`), and a README.

Import ids follow the Terraform AWS provider's documented formats (see docs/export.md).
Output is deterministic: the same inventory gives byte-identical files.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bootstrap_tui.report.iac_inventory import Inventory, Resource

REQUIRED_VERSION = ">= 1.5.0"  # import blocks
PROVIDER_VERSION = ">= 5.0"
# resources Terraform must never destroy by accident: a wrong plan stops instead
PROTECTED = {
    "aws_organizations_organization",
    "aws_organizations_account",
    "aws_s3_bucket",
    "aws_kms_key",
    "aws_cloudtrail",
}
# resources the provider cannot import, and what `terraform apply` does instead
NOT_IMPORTABLE = {
    "aws_inspector2_organization_configuration": (
        "the provider has no import for it; applying creates it, which calls "
        "UpdateOrganizationConfiguration with these same settings"
    ),
}
# references to another block's id, by the argument that holds it: Terraform orders the blocks by
# them, and scanners such as checkov see which bucket a bucket setting belongs to
REFERENCED = {
    "aws_organizations_organizational_unit",
    "aws_organizations_account",
    "aws_organizations_policy",
    "aws_kms_key",
    "aws_s3_bucket",
    "aws_config_configuration_recorder",
    "aws_guardduty_detector",
}


def hcl_string(text: str) -> str:
    """A quoted HCL string: JSON escapes, and `${` / `%{` kept literal."""
    return json.dumps(text, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return hcl_string(str(value))


def _body(attrs: dict[str, Any], indent: str, refs: dict[str, str]) -> list[str]:
    """Arguments, then nested blocks (a dict is a block, a list of dicts repeated blocks)."""
    lines = []
    for key, value in attrs.items():
        if isinstance(value, dict) or (
            value and isinstance(value, list) and isinstance(value[0], dict)
        ):
            continue
        shown = refs.get(key) or _value(value)
        lines.append(f"{indent}{key} = {shown}")
    for key, value in attrs.items():
        blocks = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
        for block in blocks:
            if isinstance(block, dict):
                lines.append(f"{indent}{key} {{")
                lines += _body(block, indent + "  ", {})
                lines.append(f"{indent}}}")
    return lines


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "r"
    return slug if slug[0].isalpha() else f"r_{slug}"


def addresses(inventory: Inventory) -> dict[int, str]:
    """Resource index -> Terraform address (`type.name`), unique and stable."""
    taken: set[str] = set()
    out = {}
    for i, res in enumerate(inventory.resources):
        base = f"{res.kind}.{_slug(res.name)}"
        address, n = base, 1
        while address in taken:
            n += 1
            address = f"{base}_{n}"
        taken.add(address)
        out[i] = address
    return out


def provider_alias(inventory: Inventory, res: Resource) -> str | None:
    """None for the management account's home region, else the alias of its provider."""
    region = res.region or inventory.home_region
    if res.account == inventory.management_account and region == inventory.home_region:
        return None
    who = "management" if res.account == inventory.management_account else f"a{res.account}"
    return f"{who}_{_slug(region)}"


def _providers(inventory: Inventory) -> str:
    lines = [
        "terraform {",
        f"  required_version = {hcl_string(REQUIRED_VERSION)}",
        "  required_providers {",
        "    aws = {",
        '      source  = "hashicorp/aws"',
        f"      version = {hcl_string(PROVIDER_VERSION)}",
        "    }",
        "  }",
        "}",
        "",
        'variable "member_role_name" {',
        '  description = "The role assumed in member accounts (a read-only role is enough for plan)"',
        "  type        = string",
        f"  default     = {hcl_string(inventory.automation_role)}",
        "}",
        "",
        'provider "aws" {',
        f"  region = {hcl_string(inventory.home_region)}",
        "}",
    ]
    seen = {}
    for res in inventory.resources:
        alias = provider_alias(inventory, res)
        if alias:
            seen[alias] = (res.account, res.region or inventory.home_region)
    for alias, (account, region) in sorted(seen.items()):
        lines += ["", 'provider "aws" {', f"  alias  = {hcl_string(alias)}"]
        lines.append(f"  region = {hcl_string(region)}")
        if account != inventory.management_account:
            role = f"arn:aws:iam::{account}:role/"
            lines += [
                "  assume_role {",
                f'    role_arn = "{role}${{var.member_role_name}}"',
                "  }",
            ]
        lines.append("}")
    return "\n".join(lines) + "\n"


Refs = dict[tuple[str | None, str | None, str], str]


def _references(inventory: Inventory, names: dict[int, str]) -> Refs:
    """(account, region, import id) -> `address.id`, and (None, None, import id) when the id is
    unique (an OU, a policy, a bucket name); a recorder named "default" exists in every account
    and region, so it is found only where the referring block lives."""
    out: Refs = {}
    count: dict[str, int] = {}
    for i, res in enumerate(inventory.resources):
        if res.kind in REFERENCED:
            out[(res.account, res.region, res.import_id)] = f"{names[i]}.id"
            count[res.import_id] = count.get(res.import_id, 0) + 1
            out[(None, None, res.import_id)] = f"{names[i]}.id"
    for import_id, n in count.items():
        if n > 1:
            del out[(None, None, import_id)]
    return out


def _resource_block(res: Resource, address: str, alias: str | None, refs: Refs) -> str:
    kind, name = address.split(".", 1)
    lines = [f'resource "{kind}" "{name}" {{']
    if alias:
        lines.append(f"  provider = aws.{alias}")
    shown = {}
    for arg, target in res.refs.items():
        found = refs.get((res.account, res.region, target)) or refs.get((None, None, target))
        if found:
            shown[arg] = found
    lines += _body(res.attrs, "  ", shown)
    if kind in PROTECTED:
        lines += ["  lifecycle {", "    prevent_destroy = true", "  }"]
    lines.append("}")
    return "\n".join(lines)


def _import_block(res: Resource, address: str, alias: str | None) -> str:
    lines = ["import {"]
    if alias:
        lines.append(f"  provider = aws.{alias}")
    lines += [f"  to = {address}", f"  id = {hcl_string(res.import_id)}", "}"]
    return "\n".join(lines)


def render_terraform(inventory: Inventory) -> dict[str, str]:
    """File name -> content."""
    from bootstrap_tui.report.iac_readme import terraform_readme

    names = addresses(inventory)
    refs = _references(inventory, names)
    blocks, imports = [], []
    for i, res in enumerate(inventory.resources):
        alias = provider_alias(inventory, res)
        blocks.append(_resource_block(res, names[i], alias, refs))
        if res.kind not in NOT_IMPORTABLE:
            imports.append(_import_block(res, names[i], alias))
    header = "# Written by `bootstrap-tui export --format terraform`: what the wizard built.\n\n"
    return {
        "providers.tf": _providers(inventory),
        "resources.tf": header + "\n\n".join(blocks) + "\n",
        "imports.tf": header + "\n\n".join(imports) + "\n",
        "README.md": terraform_readme(
            inventory,
            [(r, NOT_IMPORTABLE[r.kind]) for r in inventory.resources if r.kind in NOT_IMPORTABLE],
        ),
    }
