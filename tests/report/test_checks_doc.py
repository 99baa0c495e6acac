"""docs/checks.md is generated from the catalogs and steps, and kept current."""

from __future__ import annotations

import pytest

from bootstrap_tui.report import checks_doc


def test_docs_checks_md_is_current():
    assert checks_doc.OUTPUT.read_text(encoding="utf-8") == checks_doc.render(), (
        "docs/checks.md is stale: run python -m bootstrap_tui.report.checks_doc"
    )


@pytest.mark.parametrize(
    "framework,requirement,control",
    [
        ("soc2", "cc_6_8", "CC6.8"),
        ("soc2", "cc_a_1_1", "A1.1"),
        ("soc2", "cc_c_1_2", "C1.2"),
        ("soc2", "pi_1_2", "PI1.2"),
        ("pci-dss-4.0", "11.5.1.2", "11.5.1"),
        ("pci-dss-4.0", "10.2.1.1.31", "10.2.1.1"),
        ("iso27001-2022", "A.8.15", "A.8.15"),
        ("cis-aws-3.0", "2.1.4", "2.1.4"),
    ],
)
def test_prowler_requirement_ids_become_catalog_ids(framework, requirement, control):
    assert checks_doc.prowler_control(framework, requirement) == control


def test_the_doc_lists_each_check_with_rationale_and_differences():
    text = checks_doc.render()
    assert "### `guardrails.scps-attached`" in text
    assert "- Prowler: none — Prowler has no check that given SCPs" in text
    assert "`iam_password_policy_minimum_length_14`, `iam_password_policy_reuse_24`" in text
    assert "SOC 2 Trust Services Criteria (2017, rev. 2022) CC6.8: GuardDuty detects" in text
    assert (
        "| `guardrails.s3-account-public-access-block` | 1.3.1 | Prowler only | "
        "Inbound traffic to the CDE is a network control"
    ) in text
    assert "an SCP is detached from the Sandbox OU" in text
