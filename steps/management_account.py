"""management-account: who the company is, the account alias and the three
alternate contacts (billing, operations, security) of the management account."""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Callable, Mapping

from bootstrap_tui.aws import refuse_root
from bootstrap_tui.context import StepContext
from bootstrap_tui.model import (
    FREE_MAIL_DOMAINS,
    Check,
    Field,
    ManualItem,
    Outcome,
    Plan,
    Scope,
    Severity,
    Step,
)

from steps._errors import error_code, is_not_found
from steps._org import describe_org

CONTACT_TYPES = (
    ("billing", "BILLING", "Billing"),
    ("operations", "OPERATIONS", "Operations"),
    ("security", "SECURITY", "Security"),
)

# Local parts that name a role, not a person.
_ROLE_WORDS = {
    "aws",
    "admin",
    "admins",
    "root",
    "cloud",
    "ops",
    "devops",
    "it",
    "infra",
    "platform",
    "billing",
    "security",
    "sec",
    "finance",
    "accounts",
    "engineering",
    "tech",
    "team",
    "hello",
    "info",
    "support",
    "operations",
    "awsroot",
    "aws-root",
    "cloudops",
    "sre",
    "systems",
    "sysadmin",
    "accounting",
    "legal",
    "compliance",
}
# A short list of common first names: enough to catch "jane@", "john@", "maria@".
_FIRST_NAMES = {
    "adam",
    "alex",
    "alice",
    "amy",
    "andrew",
    "anna",
    "ben",
    "bob",
    "chris",
    "daniel",
    "david",
    "emily",
    "emma",
    "eric",
    "james",
    "jane",
    "jason",
    "jen",
    "jennifer",
    "jessica",
    "joe",
    "john",
    "jon",
    "josh",
    "julia",
    "kevin",
    "laura",
    "lisa",
    "maria",
    "mark",
    "matt",
    "michael",
    "mike",
    "nick",
    "olivia",
    "paul",
    "peter",
    "rachel",
    "robert",
    "ryan",
    "sam",
    "sara",
    "sarah",
    "scott",
    "sophie",
    "steve",
    "tom",
    "thomas",
    "tim",
    "william",
    "max",
    "lucas",
    "luca",
    "marco",
    "pierre",
    "hans",
    "anne",
    "marie",
    "jan",
    "ali",
    "mohammed",
    "wei",
    "li",
    "raj",
    "priya",
    "carlos",
    "ana",
    "juan",
    "pedro",
    "fatima",
    "yuki",
    "kim",
}


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)[:63].strip("-")
    return slug if len(slug) >= 3 else (slug + "-aws")[:63]


def derived_alias(company: str | None) -> str | None:
    return _slug(company) if company else None


def looks_personal(email: str) -> bool:
    local = email.split("@", 1)[0].lower().split("+", 1)[0]
    if local in _ROLE_WORDS:
        return False
    if local in _FIRST_NAMES:
        return True
    parts = [p for p in re.split(r"[._]", local) if p]
    if len(parts) >= 2 and all(p.isalpha() for p in parts[:2]) and not (set(parts) & _ROLE_WORDS):
        return True  # first.last, j.doe
    return False


def email_advice(value: str, answers: Mapping[str, Any]) -> str | None:
    """Field.warn for addresses that will own or reach an AWS account."""
    domain = value.rsplit("@", 1)[-1].lower()
    corporate = (answers or {}).get("email_domain")
    if domain in FREE_MAIL_DOMAINS:
        return (
            f"{domain} is a free-mail domain: if that mailbox is lost or hijacked, so is the "
            "AWS account. Use an address on your company domain, e.g. aws@"
            f"{corporate or 'yourcompany.com'}"
        )
    if looks_personal(value):
        return (
            "this looks like a personal address: when that person leaves, nobody receives "
            "AWS security notices or password resets. Use a shared alias (distribution list) "
            f"such as aws@{corporate or domain} that several people receive"
        )
    if corporate and domain != corporate:
        return f"the address is not on the corporate domain {corporate}"
    return None


def contact_change(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """ "security contact: jane@… → security@…", naming each field that differs."""
    fields = [
        k for k in ("EmailAddress", "Name", "PhoneNumber", "Title") if old.get(k) != new.get(k)
    ]
    return f"{kind.lower()} contact: " + "; ".join(f"{old.get(k)} → {new.get(k)}" for k in fields)


def demo_email(local: str) -> Callable[[Any, dict[str, dict[str, Any]]], str]:
    """A sandbox demo address on the email domain entered in this step (else example.com)."""

    def on_domain(profile: Any, answers: dict[str, dict[str, Any]]) -> str:
        return f"{local}@{(answers.get('management-account') or {}).get('email_domain') or 'example.com'}"

    return on_domain


def _contact_fields() -> tuple[Field, ...]:
    out: list[Field] = []
    for key, _, label in CONTACT_TYPES:
        out += [
            Field(
                f"{key}_contact_name",
                f"{label} contact: name",
                kind="name",
                help=f"Person or team AWS contacts about {key} matters",
                demo=f"Example Corp {label}",
            ),
            Field(
                f"{key}_contact_email",
                f"{label} contact: email",
                kind="email",
                help="A distribution list several people receive, not one person's mailbox",
                demo=demo_email(f"aws-{key}"),
                warn=email_advice,
            ),
            Field(
                f"{key}_contact_phone",
                f"{label} contact: phone",
                kind="phone",
                help="Digits, spaces and + - ( ), e.g. +1 206 555 0100",
                demo="+1 206 555 0100",
            ),
            Field(
                f"{key}_contact_title",
                f"{label} contact: title",
                kind="name",
                required=False,
                help=f'Optional; defaults to "{label}"',
            ),
        ]
    return tuple(out)


def wanted_contacts(answers: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """AlternateContactType -> the contact AWS should have."""
    out = {}
    for key, kind, label in CONTACT_TYPES:
        out[kind] = {
            "Name": answers[f"{key}_contact_name"],
            "Title": answers.get(f"{key}_contact_title") or label,
            "EmailAddress": answers[f"{key}_contact_email"],
            "PhoneNumber": answers[f"{key}_contact_phone"],
        }
    return out


def current_contact(
    ctx: StepContext, kind: str, account: str | None = None
) -> dict[str, str] | None:
    client = ctx.client("account", account=account)
    try:
        found = client.get_alternate_contact(AlternateContactType=kind)["AlternateContact"]
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    return {k: found.get(k) for k in ("Name", "Title", "EmailAddress", "PhoneNumber")}


def current_alias(ctx: StepContext) -> str | None:
    aliases = ctx.client("iam").list_account_aliases()["AccountAliases"]
    return aliases[0] if aliases else None


# ------------------------------------------------------------------ checks


def check_caller(ctx: StepContext, account: str, region: str | None) -> Outcome:
    identity = ctx.identity
    evidence = {"caller_arn": identity.arn, "caller_account": identity.account_id}
    if identity.is_root:
        return Outcome.fail(
            "the credentials are the root user; automation must not run as root", **evidence
        )
    org = describe_org(ctx)
    if org is None:
        return Outcome.ok(
            "caller is a non-root identity of a standalone account (no "
            "organization yet; it will become the management account)",
            **evidence,
        )
    evidence["management_account"] = org["MasterAccountId"]
    if org["MasterAccountId"] != identity.account_id:
        return Outcome.fail(
            f"caller account {identity.account_id} is not the management account "
            f"{org['MasterAccountId']} of organization {org['Id']}",
            **evidence,
        )
    return Outcome.ok("caller is a non-root identity in the management account", **evidence)


def _contact_outcome(ctx: StepContext, kinds: tuple[str, ...]) -> Outcome:
    found = {kind: current_contact(ctx, kind) for kind in kinds}
    missing = [k for k, v in found.items() if not v]
    evidence = {
        k: ({"name": v["Name"], "email": v["EmailAddress"]} if v else None)
        for k, v in found.items()
    }
    if missing:
        return Outcome.fail(f"alternate contact(s) not set: {', '.join(missing)}", **evidence)
    return Outcome.ok(f"alternate contact(s) set: {', '.join(kinds)}", **evidence)


def check_security_contact(ctx: StepContext, account: str, region: str | None) -> Outcome:
    return _contact_outcome(ctx, ("SECURITY",))


def check_other_contacts(ctx: StepContext, account: str, region: str | None) -> Outcome:
    return _contact_outcome(ctx, ("BILLING", "OPERATIONS"))


def check_alias(ctx: StepContext, account: str, region: str | None) -> Outcome:
    alias = current_alias(ctx)
    if alias:
        return Outcome.ok(f"account alias is {alias!r}", alias=alias)
    return Outcome.fail("the management account has no alias", alias=None)


def check_no_workloads(ctx: StepContext, account: str, region: str) -> Outcome:
    ec2 = ctx.client("ec2", region=region)
    instances = [
        i["InstanceId"]
        for r in ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}]
        ).get("Reservations", [])
        for i in r.get("Instances", [])
    ]
    databases = [
        d["DBInstanceIdentifier"]
        for d in ctx.client("rds", region=region).describe_db_instances().get("DBInstances", [])
    ]
    evidence = {
        "running_instances": len(instances),
        "db_instances": len(databases),
        "instance_ids": instances[:20],
        "db_instance_ids": databases[:20],
    }
    if instances or databases:
        return Outcome.fail(
            f"{len(instances)} running EC2 instance(s) and {len(databases)} RDS "
            "instance(s) in the management account: it should run nothing but the "
            "organization (every workload there is outside every SCP)",
            **evidence,
        )
    return Outcome.ok("no running EC2 or RDS instances in the management account", **evidence)


CHECK_CALLER = Check(
    id="mgmt.caller-not-root",
    title="Automation runs as a non-root identity of the management account",
    severity=Severity.HIGH,
    scope=Scope.MANAGEMENT,
    run=check_caller,
    remediation=(
        "Use an IAM Identity Center permission set (or, before SSO exists, a temporary "
        "bootstrap IAM user) in the management account, never the root user; delete any "
        "root access keys."
    ),
    prowler="iam_avoid_root_usage",
)
CHECK_SECURITY_CONTACT = Check(
    id="mgmt.security-contact",
    title="Security alternate contact is registered",
    severity=Severity.MEDIUM,
    scope=Scope.MANAGEMENT,
    run=check_security_contact,
    remediation=(
        "Account → Alternate contacts → Security: set a monitored distribution list and "
        "phone (aws account put-alternate-contact --alternate-contact-type SECURITY ...), "
        "or run: bootstrap-tui apply --step management-account"
    ),
    prowler="account_security_contact_information_is_registered",
)
CHECK_OTHER_CONTACTS = Check(
    id="mgmt.alternate-contacts",
    title="Billing and operations alternate contacts are registered",
    severity=Severity.LOW,
    scope=Scope.MANAGEMENT,
    run=check_other_contacts,
    remediation=(
        "Account → Alternate contacts: set Billing and Operations contacts to monitored "
        "distribution lists, or run: bootstrap-tui apply --step management-account"
    ),
    prowler="account_maintain_current_contact_details",
)
CHECK_ALIAS = Check(
    id="mgmt.account-alias",
    title="The management account has an alias",
    severity=Severity.INFO,
    scope=Scope.MANAGEMENT,
    run=check_alias,
    remediation=(
        "IAM → Dashboard → AWS Account → Account alias: create one "
        "(aws iam create-account-alias --account-alias NAME), or run: "
        "bootstrap-tui apply --step management-account"
    ),
    no_prowler="Prowler has no check for an IAM account alias.",
)
CHECK_NO_WORKLOADS = Check(
    id="mgmt.no-workloads",
    title="No workloads run in the management account",
    severity=Severity.MEDIUM,
    scope=Scope.REGION,
    run=check_no_workloads,
    remediation=(
        "Move instances and databases into workload accounts (Workloads OU): SCPs do not "
        "apply to the management account, so anything running there cannot be "
        "restricted by the organization's guardrails."
    ),
    no_prowler="Prowler audits workload resources one by one; none asserts the management account runs no workloads.",
)


class ManagementAccountStep(Step):
    id = "management-account"
    title = "Management account"
    summary = (
        "Company details, the account alias and the billing, operations and security "
        "contacts of the management account."
    )
    requires = ()
    inputs = (
        Field(
            "company_name",
            "Company name",
            kind="name",
            demo="Example Corp",
            help="Used for names and the default account alias",
        ),
        Field(
            "email_domain",
            "Corporate email domain",
            kind="domain",
            demo="example.com",
            help="The domain your company's mail is on, e.g. example.com",
        ),
        Field(
            "root_email",
            "Root user email of the management account",
            kind="email",
            demo=demo_email("aws"),
            warn=email_advice,
            help=(
                "An alias/distribution list on the company domain (aws@company), not a "
                "person; account emails default to plus-addresses of it"
            ),
        ),
        Field(
            "account_alias",
            "Account alias (sign-in URL)",
            kind="alias",
            required=False,
            help="3-63 lowercase letters, digits, hyphens; empty = derived from company name",
        ),
        *_contact_fields(),
        Field(
            "replace_contacts",
            "Replace alternate contacts that are already set",
            kind="bool",
            required=False,
            default=False,
            help=(
                "No (default): a contact you already have is kept and the plan shows it next to "
                "the answered one; yes: it is replaced (here and in every member account)"
            ),
        ),
    )
    manual = (
        ManualItem(
            "mgmt.billing-setup",
            "Set up billing and IAM access to billing",
            "Sign in as root once: Billing and Cost Management → Payment preferences (add "
            "a company card or invoicing), Tax settings; then Account → 'IAM user and role "
            "access to Billing information' → Edit → Activate, so administrators can see "
            "billing without the root user.",
        ),
        ManualItem(
            "mgmt.root-password",
            "Root password in a password manager",
            "Set a long random root password and store it (with the account id and root "
            "email) in the company password manager / shared vault that at least two "
            "people can reach; never in a personal browser.",
        ),
    )
    checks = (
        CHECK_CALLER,
        CHECK_SECURITY_CONTACT,
        CHECK_OTHER_CONTACTS,
        CHECK_ALIAS,
        CHECK_NO_WORKLOADS,
    )

    def wanted_alias(self, ctx: StepContext) -> str:
        answers = ctx.answers
        alias = answers.get("account_alias") or derived_alias(answers["company_name"])
        assert alias, "company_name is a required answer"
        return alias

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        answers = ctx.answers
        if ctx.identity.is_root:
            plan.notes.append(
                "the credentials are the root user: apply will refuse; use a "
                "bootstrap IAM user or SSO instead"
            )
        alias = self.wanted_alias(ctx)
        existing = current_alias(ctx)
        if existing and existing == alias:
            plan.keep("reusing", "account alias", alias)
        if existing != alias:
            plan.add(
                "replace" if existing else "create",
                "account alias",
                alias,
                detail=(
                    f"was {existing!r}; the old sign-in URL stops working"
                    if existing
                    else f"sign-in URL https://{alias}.signin.aws.amazon.com/console"
                ),
                data={"old": existing},
            )
        for kind, contact in wanted_contacts(answers).items():
            current = current_contact(ctx, kind)
            if current == contact:
                continue
            if current and not answers.get("replace_contacts"):
                plan.keep(
                    "keeping",
                    "alternate contact",
                    kind,
                    detail=f"{current.get('Name')} <{current.get('EmailAddress')}>, set by you; the profile "
                    f"would change {contact_change(kind, current, contact)} (answer "
                    "replace_contacts: yes to replace it)",
                )
                continue
            plan.add(
                "update" if current else "set",
                "alternate contact",
                kind,
                detail=(
                    contact_change(kind, current, contact)
                    if current
                    else f"{contact['Name']} <{contact['EmailAddress']}> {contact['PhoneNumber']}"
                ),
                data={"contact": contact},
            )
        if ctx.simulate_console:
            for item in self.manual:
                if not ctx.attested(item.id):
                    plan.add(
                        "attest",
                        "manual item",
                        item.id,
                        detail="sandbox: simulated console action (--simulate-console)",
                    )
        return plan

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        refuse_root(ctx.identity)
        for change in plan.changes:
            if change.resource == "account alias":
                self._set_alias(ctx, change.name)
            elif change.resource == "alternate contact":
                contact = change.data["contact"]
                ctx.progress(f"alternate contact {change.name}")
                ctx.client("account").put_alternate_contact(
                    AlternateContactType=change.name, **contact
                )
            elif change.resource == "manual item" and ctx.simulate_console:
                ctx.attest(change.name, "simulated on the sandbox (--simulate-console)")
        ctx.remember("alias", self.wanted_alias(ctx))

    def _set_alias(self, ctx: StepContext, alias: str) -> None:
        iam = ctx.client("iam")
        existing = current_alias(ctx)  # re-read: describe before create
        if existing == alias:
            return
        ctx.progress(f"account alias {alias}")
        if existing:
            iam.delete_account_alias(AccountAlias=existing)
        try:
            iam.create_account_alias(AccountAlias=alias)
        except Exception as exc:
            if existing:
                iam.create_account_alias(AccountAlias=existing)  # put the old one back
            if error_code(exc) == "EntityAlreadyExists":
                from bootstrap_tui.errors import RefusedError

                raise RefusedError(
                    f"the account alias {alias!r} is already taken by another AWS account "
                    "(aliases are globally unique)",
                    "choose another management-account.account_alias and apply again",
                ) from None
            raise


STEP = ManagementAccountStep()
