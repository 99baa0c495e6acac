"""Organizational items an auditor asks for that no AWS API can check.

They are attested like a step's manual items (engine.attest / state.attest
records {by, at, note}); the export lists them with their attestation or as
"not attested". The framework controls each one supports, with the reason, are
mapped in bootstrap_tui/frameworks/<framework>.yaml like the checks'.
"""

from __future__ import annotations

from dataclasses import dataclass

from bootstrap_tui.frameworks.mappings import mappings_of
from bootstrap_tui.model import ManualItem

__all__ = ["OrgItem", "ORG_ITEMS", "org_item"]


@dataclass(frozen=True)
class OrgItem(ManualItem):
    """A ManualItem that belongs to the organization rather than to a step."""

    evidence_hint: str = ""  # what an auditor typically asks to see

    def mappings(self) -> dict[str, list[str]]:
        """Framework id -> control ids this item supports, from the framework files."""
        return mappings_of(self.id)


ORG_ITEMS: tuple[OrgItem, ...] = (
    OrgItem(
        "org.information-security-policy",
        "Information security policy approved and published",
        "Write a short information security policy (scope, roles, the rules people follow), "
        "have management approve it, publish it to all staff and review it every year.",
        evidence_hint="the approved policy with its version, approval date and approver",
    ),
    OrgItem(
        "org.incident-response-plan",
        "Incident response plan written and tested",
        "Document who is on call, how a security incident is triaged, contained, "
        "communicated (customers, authorities) and recovered from, and where GuardDuty and "
        "Security Hub alerts go. Run a tabletop exercise at least once a year.",
        evidence_hint="the plan, the on-call roster and the notes of the last exercise",
    ),
    OrgItem(
        "org.acceptable-use-policy",
        "Acceptable use policy acknowledged by staff",
        "Define acceptable use of company devices, accounts and data (including AWS access "
        "and personal devices) and have every employee and contractor acknowledge it.",
        evidence_hint="the policy and the signed acknowledgements",
    ),
    OrgItem(
        "org.access-reviews",
        "Periodic access reviews performed",
        "At least quarterly (every six months at most for PCI DSS) review who has which "
        "IAM Identity Center permission sets and group memberships in every account, remove "
        "what is no longer needed, and keep a record of the review and its outcome.",
        evidence_hint="the dated review record with reviewer, scope and changes made",
    ),
    OrgItem(
        "org.backup-restore-test",
        "Backups restored in a test",
        "Restore a recovery point of the vault bootstrap-backup (the organization backup "
        "policy's, in a workload account; AWS Backup StartRestoreJob or a restore testing "
        "plan) into a non-production account at least once a year; record the restore job "
        "id, the time it took and what was verified, and attest it with that note.",
        evidence_hint="the backup policy, the restore job id and the report of the last restore test",
    ),
    OrgItem(
        "org.security-awareness",
        "Security awareness training completed",
        "Train everyone on hire and at least yearly: phishing and social engineering, "
        "password managers and MFA, reporting incidents, handling customer data.",
        evidence_hint="training material and completion records per person",
    ),
    OrgItem(
        "org.vendor-management",
        "Vendors and sub-processors assessed",
        "Keep a list of vendors that hold or can reach company data (AWS included), with "
        "their security reports (SOC 2, ISO certificates), contracts and a yearly review.",
        evidence_hint="the vendor inventory and the last review of each critical vendor",
    ),
    OrgItem(
        "org.risk-assessment",
        "Risk assessment performed and risks treated",
        "At least yearly, list the risks to the business and its customers' data, rate "
        "likelihood and impact, decide a treatment and owner for each, and record it in a "
        "risk register. (For ISO/IEC 27001 this is clause 6.1.2 and 8.2, which are "
        "management-system clauses rather than Annex A controls.)",
        evidence_hint="the risk register with its last review date",
    ),
    OrgItem(
        "org.change-management",
        "Change management process followed",
        "Changes to infrastructure and code are reviewed and approved before release "
        "(pull requests with required review, infrastructure as code, deployments from CI), "
        "and emergency changes are reviewed after the fact.",
        evidence_hint="the change procedure and a sample of approved changes",
    ),
)


def org_item(item_id: str) -> OrgItem | None:
    return next((item for item in ORG_ITEMS if item.id == item_id), None)
