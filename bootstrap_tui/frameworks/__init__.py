"""The compliance frameworks: one data file per framework, as Prowler keeps them.

bootstrap_tui/frameworks/<framework-id>.yaml holds the framework's catalog
(controls, titles, provenance) and its check mappings, each (check, control)
pair with a one-line rationale, plus the pairs reviewed and rejected.
FRAMEWORKS below is the one list of frameworks: the profile schema, the
reports and the TUI all read it. frameworks.catalog loads a file;
frameworks.mappings answers which controls a check maps to.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FRAMEWORKS", "FRAMEWORK_DIR"]

FRAMEWORK_DIR = Path(__file__).resolve().parent

FRAMEWORKS = {
    "cis-aws-3.0": "CIS AWS Foundations Benchmark 3.0",
    "soc2": "SOC 2 Trust Services Criteria (2017, rev. 2022)",
    "iso27001-2022": "ISO/IEC 27001:2022 Annex A",
    "pci-dss-4.0": "PCI DSS 4.0",
    "aws-ssb": "AWS Startup Security Baseline",
}
