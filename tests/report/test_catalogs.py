"""Framework files (catalog and mappings): every pair names a real check and control."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bootstrap_tui.model import FRAMEWORKS
from bootstrap_tui.frameworks import FRAMEWORK_DIR
from bootstrap_tui.frameworks.catalog import Catalog, get_catalog, load_catalog, parent_id
from bootstrap_tui.frameworks.mappings import mapping_problems
from bootstrap_tui.report.org_items import ORG_ITEMS

EXPECTED_LEAVES = {
    "cis-aws-3.0": None,
    "soc2": 38,
    "iso27001-2022": 93,
    "aws-ssb": 27,
    "pci-dss-4.0": None,
}


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_every_framework_has_a_catalog(framework):
    assert (FRAMEWORK_DIR / f"{framework}.yaml").is_file()
    controls = load_catalog(framework)
    assert controls and all(isinstance(k, str) and v for k, v in controls.items())
    expected = EXPECTED_LEAVES[framework]
    if expected is not None:
        assert len(get_catalog(framework).leaves) == expected


def test_catalog_contents_spot_checks():
    cis = load_catalog("cis-aws-3.0")
    assert cis["1.5"] == "Ensure MFA is enabled for the 'root' user account"
    assert cis["1.4"] == "Ensure no 'root' user account access key exists"
    assert cis["1.20"] == "Ensure that IAM Access analyzer is enabled for all regions"
    assert cis["4.16"] == "Ensure AWS Security Hub is enabled"
    assert "5.6" in cis and "1.22" in cis and "1.23" not in cis
    iso = load_catalog("iso27001-2022")
    assert iso["A.5.23"] == "Information security for use of cloud services"
    assert iso["A.8.34"].startswith("Protection of information systems")
    assert len([k for k in iso if k.startswith("A.5.")]) == 37
    assert load_catalog("aws-ssb")["ACCT.10"] == "Configure AWS Budgets to monitor your spending"
    assert "CC9.2" in load_catalog("soc2") and "A1.3" in load_catalog("soc2")
    pci = load_catalog("pci-dss-4.0")
    assert {"8.4.2", "10.5.1", "12.10.1", "7.2.4", "3.6.1", "1.3.1", "11.5.1"} <= set(pci)
    assert [k for k in pci if "." not in k] == [str(i) for i in range(1, 13)]


def test_headings_and_parents():
    pci = get_catalog("pci-dss-4.0")
    assert "10.2" in pci.headings and "10.2.1" in pci.headings and "10.2.1.1" not in pci.headings
    assert pci.parents("10.2.1.1") == ["10", "10.2", "10.2.1"]
    assert parent_id("A.5.1") == "A.5" and parent_id("A.5") is None
    assert parent_id("CC6.1") == "CC6" and parent_id("1") is None


def test_org_items_are_mapped_in_the_framework_files():
    assert len({item.id for item in ORG_ITEMS}) == len(ORG_ITEMS)
    assert all(item.id.startswith("org.") for item in ORG_ITEMS)
    # every organizational item supports at least one control, read from the data files
    assert [item.id for item in ORG_ITEMS if not item.mappings()] == []
    ir = next(item for item in ORG_ITEMS if item.id == "org.incident-response-plan")
    assert "CC7.4" in ir.mappings()["soc2"]
    assert "A.5.24" in get_catalog("iso27001-2022").rationale[ir.id]


def _discovered_steps():
    """The steps in steps/; while the step graph is incomplete (a step requires one not
    written yet), every module's STEP unordered, so mappings are still checked."""
    import importlib
    import pkgutil

    from bootstrap_tui.engine import discover_steps
    from bootstrap_tui.errors import StepGraphError
    from bootstrap_tui.model import Step

    try:
        return discover_steps()
    except ModuleNotFoundError:
        return []
    except StepGraphError:
        package = importlib.import_module("steps")
        found = []
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                step = getattr(importlib.import_module(f"steps.{info.name}"), "STEP", None)
                if isinstance(step, Step):
                    found.append(step)
        return found


def test_every_mapped_control_of_every_step_exists_in_its_catalog():
    steps = _discovered_steps()
    if not any(step.checks for step in steps):
        pytest.skip("no steps with checks are discoverable yet")
    problems = []
    for step in steps:
        for check in step.checks:
            for fw, ids in check.mappings().items():
                if fw not in FRAMEWORKS:
                    problems.append(f"{step.id}/{check.id}: unknown framework {fw!r}")
                    continue
                catalog = get_catalog(fw)
                problems += [
                    f"{step.id}/{check.id}: {fw} {cid!r} is not in the catalog"
                    for cid in ids
                    if cid not in catalog
                ]
    assert problems == [], "\n".join(problems)


def test_cis_numbers_match_the_prowler_check_they_name():
    """A check naming a Prowler CIS check must use the CIS 3.0 number of that check
    (catches numbers taken from another CIS version or a different recommendation)."""
    steps = _discovered_steps()
    if not any(step.checks for step in steps):
        pytest.skip("no steps with checks are discoverable yet")
    hints = get_catalog("cis-aws-3.0").prowler
    problems = []
    for step in steps:
        for check in step.checks:
            cis = check.mappings().get("cis-aws-3.0")
            expected = hints.get(check.prowler or "")
            if cis and expected and expected not in cis:
                problems.append(
                    f"{check.id} (prowler {check.prowler}) maps CIS {cis}, "
                    f"CIS 3.0 numbers it {expected}"
                )
    assert problems == [], "\n".join(problems)


def test_prowler_hints_point_at_catalog_controls():
    cis = get_catalog("cis-aws-3.0")
    assert all(cid in cis and cid not in cis.headings for cid in cis.prowler.values())


PROWLER_DATA = Path(__file__).resolve().parents[1] / "data" / "prowler.json"


def _prowler_cis() -> dict[str, list[str]]:
    return json.loads(PROWLER_DATA.read_text(encoding="utf-8"))["compliance"]["cis-aws-3.0"][
        "checks"
    ]


def _cis_provenance() -> dict[str, str]:
    data = yaml.safe_load((FRAMEWORK_DIR / "cis-aws-3.0.yaml").read_text(encoding="utf-8"))
    return data.get("prowler_provenance") or {}


def test_cis_prowler_map_agrees_with_prowlers_published_file():
    """Each entry either is in Prowler's cis_3.0_aws.json (generated data) or says where it comes from."""
    published, provenance = _prowler_cis(), _cis_provenance()
    wrong = [
        f"{check} -> {cid}: Prowler's cis_3.0_aws.json has {published.get(check)}"
        for check, cid in get_catalog("cis-aws-3.0").prowler.items()
        if cid not in published.get(check, []) and check not in provenance
    ]
    assert wrong == [], "\n".join(wrong)


def test_cis_provenance_notes_are_needed_and_explained():
    published, provenance = _prowler_cis(), _cis_provenance()
    hints = get_catalog("cis-aws-3.0").prowler
    for check, why in provenance.items():
        assert check in hints, f"provenance for {check}, which the prowler map does not list"
        assert hints[check] not in published.get(check, []), (
            f"{check}: Prowler's file does map {hints[check]}; drop the provenance note"
        )
        assert len(" ".join(why.split())) >= 40, f"{check}: provenance too thin"


def test_ebs_default_encryption_provenance_is_not_prowlers_cis_file():
    assert "2.2.1" not in _prowler_cis().get("ec2_ebs_default_encryption", [])
    assert "ec2_ebs_default_encryption" in _cis_provenance()


def _step_pairs() -> set[tuple[str, str, str]]:
    return {
        (fw, check.id, cid)
        for step in _discovered_steps()
        for check in step.checks
        for fw, ids in check.mappings().items()
        for cid in ids
    }


def test_the_framework_files_are_exactly_the_frameworks():
    assert sorted(p.stem for p in FRAMEWORK_DIR.glob("*.yaml")) == sorted(FRAMEWORKS)


def test_steps_declare_no_mappings_inline():
    inline = [c.id for s in _discovered_steps() for c in s.checks if c.frameworks is not None]
    assert inline == [], f"checks with inline framework ids (move them to the data files): {inline}"


def test_every_check_is_mapped_and_every_pair_names_a_real_check_and_control():
    checks = [check.id for step in _discovered_steps() for check in step.checks]
    checks += [item.id for item in ORG_ITEMS]  # organizational items are mapped the same way
    problems = mapping_problems(checks, [get_catalog(fw) for fw in FRAMEWORKS])
    assert problems == [], "\n".join(problems)


def _tiny_catalog(**sections) -> Catalog:
    return Catalog("soc2", "t", {"CC6": "Access", "CC6.1": "Logical access"}, **sections)


def test_mapping_problems_names_an_unmapped_check():
    catalog = _tiny_catalog(rationale={"a.one": {"CC6.1": "why"}})
    assert mapping_problems(["a.one", "a.two"], [catalog]) == [
        "a.two: mapped to no control of any framework"
    ]


def test_mapping_problems_names_an_unknown_control():
    catalog = _tiny_catalog(rationale={"a.one": {"CC6.1": "why", "CC6.9": "why"}})
    assert mapping_problems(["a.one"], [catalog]) == [
        "soc2 mappings: a.one -> 'CC6.9' is not a control of the catalog"
    ]


def test_mapping_problems_names_an_unknown_check():
    catalog = _tiny_catalog(
        rationale={"a.one": {"CC6.1": "why"}, "a.gone": {"CC6.1": "why"}},
        rejected={"a.old": {"CC6": "why not"}},
    )
    assert mapping_problems(["a.one"], [catalog]) == [
        "soc2 mappings: unknown check 'a.gone'",
        "soc2 rejected: unknown check 'a.old'",
    ]


def test_mapping_problems_names_a_pair_both_mapped_and_rejected():
    catalog = _tiny_catalog(
        rationale={"a.one": {"CC6.1": "why"}}, rejected={"a.one": {"CC6.1": "why not"}}
    )
    assert mapping_problems(["a.one"], [catalog]) == [
        "soc2: a.one -> CC6.1 is both mapped and rejected"
    ]


def test_check_mappings_come_from_the_framework_files():
    steps = {check.id: check for step in _discovered_steps() for check in step.checks}
    trail = steps["log-archive.trail-multi-region"].mappings()
    assert list(trail) == [fw for fw in FRAMEWORKS if fw in trail]
    for fw, ids in trail.items():
        assert ids == list(get_catalog(fw).rationale["log-archive.trail-multi-region"])


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_rationales_are_one_line_and_name_real_controls(framework):
    catalog = get_catalog(framework)
    for attr in ("rationale", "rejected"):
        for check, pairs in getattr(catalog, attr).items():
            for cid, why in pairs.items():
                assert cid in catalog, f"{check}: {cid}"
                assert 15 <= len(why) <= 160 and "\n" not in why, (
                    f"{framework} {check} {cid}: {why!r}"
                )


@pytest.mark.parametrize(
    "framework,check,control",
    [
        ("pci-dss-4.0", "guardrails.s3-account-public-access-block", "1.3.1"),
        ("pci-dss-4.0", "guardrails.s3-account-public-access-block", "1.4.1"),
        ("soc2", "log-archive.object-lock", "CC7.2"),
    ],
)
def test_review_drops_pairs_an_auditor_rejects(framework, check, control):
    assert (framework, check, control) not in _step_pairs()
    assert control in get_catalog(framework).rejected[check]


def test_guardduty_maps_soc2_cc6_8():
    assert ("soc2", "security-services.guardduty-enabled", "CC6.8") in _step_pairs()
