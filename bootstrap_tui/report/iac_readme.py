"""The README written beside an infrastructure-as-code export: how to use it, what it proves."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bootstrap_tui.report.iac_inventory import Inventory

NEVER_EXPORTED = (
    "the management account itself (it is the organization's own account, not a resource of it)",
    "AWS-managed policies and their attachments (FullAWSAccess), service-linked roles, and the "
    "resources AWS creates for a service",
    "Control Tower's landing zone, its controls and baselines; the resources Control Tower "
    "created (its trail, buckets, `aws-guardrails-` SCPs, Config recorders) are exported like "
    "the rest but stay Control Tower's: drop them from the code rather than manage them twice",
    "root-user settings only the console can change (root MFA, root access keys)",
    "secrets: none are read; the files hold ids, names, e-mail addresses and policies only",
)


def _counts(inventory: Inventory) -> list[str]:
    counts = Counter(r.kind for r in inventory.resources)
    return [f"| `{kind}` | {n} |" for kind, n in sorted(counts.items())]


def _accounts(inventory: Inventory) -> list[str]:
    rows = []
    accounts = sorted({r.account for r in inventory.resources} | {inventory.management_account})
    for account in accounts:
        name = inventory.account_names.get(account, "")
        how = (
            "your credentials"
            if account == inventory.management_account
            else f"role `{inventory.member_roles.get(account, inventory.automation_role)}`"
        )
        rows.append(f"| {account} | {name} | {how} |")
    return rows


def _created(unimported: list[tuple[Any, str]]) -> list[str]:
    if not unimported:
        return ["None: every resource has an `import` block."]
    return [
        "These have a `resource` block but no `import` block; `terraform apply` creates them:",
        "",
        "| Terraform type | Account | Region | Why, and what applying does |",
        "|---|---|---|---|",
        *[f"| `{r.kind}` | {r.account} | {r.region or '-'} | {why} |" for r, why in unimported],
    ]


def terraform_readme(inventory: Inventory, unimported: list[tuple[Any, str]]) -> str:
    """``unimported``: (resource, why) of the resources the provider cannot import."""
    lines = [
        "# Terraform hand-off",
        "",
        "Written by `bootstrap-tui export --format terraform`: every resource the wizard created",
        "or adopted, read live (read-only) from AWS, with an `import` block holding its real id.",
        "",
        "## Use it",
        "",
        "Needs Terraform 1.5 or later (import blocks) and the management account's credentials.",
        "",
        "```sh",
        "terraform init",
        "terraform plan                                        # imports, changes nothing",
        "terraform plan -var member_role_name=ROLE   # through another role in member accounts",
        "terraform apply                                       # records the imports in state",
        "```",
        "",
        "Member accounts are reached through `assume_role` into "
        f"`{inventory.automation_role}` (the variable `member_role_name`). A plan only reads,",
        "but it reads more than verify: the read-only audit role is not enough; a role with",
        "the AWS managed `ReadOnlyAccess` policy is.",
        "",
        '## What "no changes" proves',
        "",
        f"A plan that reads `N to import, {len(unimported)} to add, 0 to change, 0 to destroy` "
        "proves that every",
        "resource below exists under the id shown and that its live settings equal the",
        'configuration written here (the resources to add are those under "Not importable",',
        "whose creation rewrites the same settings): Terraform now describes the baseline exactly, "
        "and from then",
        "on any drift shows up in `terraform plan`. A planned change means AWS differs from",
        "this export (something changed since it was written, or an argument the provider",
        "reads differently): read the diff before applying anything. The organization,",
        "accounts, buckets, keys and trails carry `prevent_destroy`, so a wrong plan stops",
        "rather than deletes them.",
        "",
        "## Accounts",
        "",
        "| Account | Name | Reached through |",
        "|---|---|---|",
        *_accounts(inventory),
        "",
        "## Resources",
        "",
        "| Terraform type | Count |",
        "|---|---|",
        *_counts(inventory),
        "",
        "## Not importable",
        "",
        *_created(unimported),
        "",
        "## Not exported",
        "",
        *[f"- {item}" for item in NEVER_EXPORTED],
        "",
    ]
    return "\n".join(lines)


def cloudformation_readme(
    inventory: Inventory, stacks: list[str], skipped: list[tuple[Any, str]]
) -> str:
    lines = [
        "# CloudFormation hand-off",
        "",
        "Written by `bootstrap-tui export --format cloudformation`: every resource the wizard",
        "created or adopted, read live (read-only) from AWS, as stack templates to import.",
        "",
        "- `management.template.json`: the management account's stack (home region "
        f"`{inventory.home_region}`).",
        "- `stacksets/<account>-<region>.template.json`: the stack of one member account (or",
        "  another region): one stack instance each for a self-managed StackSet.",
        "- `*.import.json`: the `ResourcesToImport` of each template.",
        "",
        "Every resource has `DeletionPolicy: Retain`, as an import requires.",
        "",
        "## Import",
        "",
        "```sh",
        "aws cloudformation create-change-set --stack-name bootstrap-tui-management \\",
        "  --change-set-name import --change-set-type IMPORT \\",
        "  --template-body file://management.template.json \\",
        "  --resources-to-import file://management.import.json",
        "aws cloudformation describe-change-set --stack-name bootstrap-tui-management "
        "--change-set-name import",
        "aws cloudformation execute-change-set --stack-name bootstrap-tui-management "
        "--change-set-name import",
        "```",
        "",
        "Do the same in each member account and region for `stacksets/`, with that account's",
        "credentials, then bring the stacks under a self-managed StackSet with",
        "`aws cloudformation import-stacks-to-stack-set` (the stacks of a StackSet must share",
        "one template: group the accounts whose templates are equal, or keep them as stacks).",
        "A change set whose only changes are `Import` proves the templates match what exists.",
        "",
        "## Stacks",
        "",
        *[f"- `{name}`" for name in stacks],
        "",
        "## Not imported (CloudFormation cannot take these over)",
        "",
        "| Terraform type | Account | Region | Id | Why |",
        "|---|---|---|---|---|",
        *[
            f"| `{res.kind}` | {res.account} | {res.region or '-'} | `{res.import_id}` | {why} |"
            for res, why in skipped
        ],
        "",
        "Keep managing these with the wizard, by hand, or with the Terraform export.",
        "",
        "## Not exported",
        "",
        *[f"- {item}" for item in NEVER_EXPORTED],
        "",
    ]
    return "\n".join(lines)
