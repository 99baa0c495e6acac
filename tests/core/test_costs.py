"""The monthly cost estimate: the dated price data, the arithmetic, and the plan output."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bootstrap_tui.costs import (
    PRICES_FILE,
    Counts,
    counts_for,
    estimate_step,
    parse_prices,
    total_lines,
)
from bootstrap_tui.errors import ConfigError
from bootstrap_tui.profile import BUILTIN_ORDER, load_profile

RAW = yaml.safe_load(PRICES_FILE.read_text(encoding="utf-8"))
BILLABLE = {
    "startup-minimal": ("log-archive", "security-services"),
    "soc2": ("control-tower", "log-archive", "security-services"),
    "iso27001": ("control-tower", "log-archive", "security-services"),
    "pci-dss": ("control-tower", "log-archive", "security-services"),
}
FREE_STEPS = (
    "management-account",
    "root-mfa",
    "organization",
    "accounts",
    "identity-center",
    "guardrails",
    "bootstrap-cleanup",
)


def usd(key: str) -> float:
    """A price straight from the data file: USD per one unit."""
    entry = RAW["prices"][key]
    return entry["usd"] / entry["per"]


def value(key: str) -> float:
    return RAW["assumptions"][key]["value"]


# ------------------------------------------------------------------ the data file


def test_every_price_has_a_date_a_unit_and_an_aws_source():
    assert isinstance(RAW["recorded"], dt.date) and RAW["region"] == "us-east-1"
    for key, entry in RAW["prices"].items():
        assert isinstance(entry["recorded"], dt.date), key
        assert entry["recorded"] <= RAW["recorded"], key
        assert entry["unit"], key
        assert entry["source"]["title"], key
        assert entry["source"]["url"].startswith("https://aws.amazon.com/"), key
        assert isinstance(entry["usd"], (int, float)) or entry.get("missing"), key


def test_every_assumption_is_named_and_explained():
    for key, entry in RAW["assumptions"].items():
        assert isinstance(entry["value"], (int, float)) and entry["unit"] and entry["why"], key


def test_a_price_without_a_source_or_a_figure_is_refused():
    broken = json.loads(json.dumps(RAW, default=str))
    del broken["prices"]["kms_key"]["source"]
    with pytest.raises(ConfigError, match="kms_key: needs source"):
        parse_prices(broken)
    broken = json.loads(json.dumps(RAW, default=str))
    broken["prices"]["kms_key"]["usd"] = None
    with pytest.raises(ConfigError, match="kms_key: usd is empty"):
        parse_prices(broken)


# ------------------------------------------------------------------ the arithmetic


def test_security_services_estimate_equals_the_hand_computed_figure():
    profile = load_profile("startup-minimal")
    counts = counts_for(profile, profile.governed_regions)
    assert counts == Counts(accounts=1 + len(profile.accounts), regions=2)
    ar = counts.accounts * counts.regions
    standards = len(profile.security_services.securityhub.standards)
    lines = {
        line.item: line.monthly_usd
        for line in estimate_step("security-services", profile, counts).lines
    }

    guardduty = ar * (
        value("cloudtrail_events_per_account_region") * usd("guardduty_cloudtrail_events")
        + value("flow_dns_gb_per_account_region") * usd("guardduty_flow_dns_gb")
        + value("s3_data_events_per_account_region") * usd("guardduty_s3_data_events")
        + value("lambda_network_gb_per_account_region") * usd("guardduty_lambda_gb")
    )
    hub = (
        ar
        * standards
        * value("securityhub_checks_per_standard_account_region")
        * usd("securityhub_check")
    )
    config = ar * value("config_items_per_account_region") * usd("config_item_continuous")
    logs = profile.log_archive
    config_gb = ar * value("config_log_gb_per_account_region")
    config_s3 = config_gb * logs.retention_days / 30 * usd("s3_standard_gb")

    assert sum(v for k, v in lines.items() if k.startswith("GuardDuty")) == pytest.approx(guardduty)
    assert lines["Security Hub security checks"] == pytest.approx(hub)
    assert lines["AWS Config recording"] == pytest.approx(config)
    assert lines["S3 storage of Config files"] == pytest.approx(config_s3)
    assert profile.security_services.inspector.scan_types == ("EC2", "ECR")
    inspector = ar * (
        value("ec2_instances_per_account_region") * usd("inspector_ec2_instance")
        + value("ecr_images_pushed_per_account_region") * usd("inspector_ecr_image")
        + value("ecr_rescans_per_account_region") * usd("inspector_ecr_rescan")
    )
    assert sum(v for k, v in lines.items() if k.startswith("Inspector")) == pytest.approx(inspector)
    # the backup policy reaches the two accounts of Workloads (prod, staging); vaults are free
    backup = 2 * counts.regions * value("backup_gb_per_workload_account_region")
    assert lines["AWS Backup policy, vaults and Vault Lock"] == 0
    assert lines["AWS Backup warm storage"] == pytest.approx(backup * usd("backup_warm_gb_month"))
    assert sum(lines.values()) == pytest.approx(
        guardduty + hub + config + config_s3 + inspector + backup * usd("backup_warm_gb_month")
    )


def test_flow_logs_are_estimated_on_both_paths():
    for name in ("startup-minimal", "soc2"):
        profile = load_profile(name)
        counts = counts_for(profile, profile.governed_regions)
        ar = counts.accounts * counts.regions
        gb = ar * value("flow_log_gb_per_account_region")
        lines = {
            line.item: line.monthly_usd
            for line in estimate_step("log-archive", profile, counts).lines
        }
        days = profile.log_archive.retention_days
        assert lines["VPC flow logs delivered to S3 (vended logs)"] == pytest.approx(
            gb * usd("vended_logs_s3_gb")
        )
        assert lines["S3 storage of VPC flow logs"] == pytest.approx(
            gb * days / 30 * usd("s3_standard_gb")
        )


def test_control_tower_estimate_counts_enrolled_accounts_and_controls():
    profile = load_profile("soc2")
    counts = Counts(accounts=9, regions=3)  # more accounts than the profile: the org's count wins
    lines = {
        line.item: line.monthly_usd
        for line in estimate_step("control-tower", profile, counts).lines
    }
    controls = len(profile.control_tower.controls)
    assert lines["AWS Config recording in enrolled accounts"] == pytest.approx(
        8 * 3 * value("config_items_per_account_region") * usd("config_item_continuous")
    )
    assert lines["Config rule evaluations of detective controls"] == pytest.approx(
        8
        * 3
        * controls
        * value("config_evaluations_per_control_account_region")
        * usd("config_rule_evaluation")
    )
    assert lines["KMS key for the landing zone logs"] == pytest.approx(usd("kms_key"))
    assert lines["AWS Control Tower"] == 0
    # with Control Tower, security-services records Config only in the management account
    ss = {
        line.item: line.monthly_usd
        for line in estimate_step("security-services", profile, counts).lines
    }
    assert ss["AWS Config recording"] == pytest.approx(
        1 * 3 * value("config_items_per_account_region") * usd("config_item_continuous")
    )
    # with Control Tower, log-archive's only cost is the VPC flow logs (the trail is Control Tower's)
    assert {line.item for line in estimate_step("log-archive", profile, counts).lines} == {
        "VPC flow logs delivered to S3 (vended logs)",
        "S3 storage of VPC flow logs",
    }


def test_counts_take_the_larger_of_the_profile_and_the_organization():
    profile = load_profile("startup-minimal")
    assert counts_for(profile, ["us-east-1"], [str(n) for n in range(12)]) == Counts(12, 1)
    assert counts_for(profile, ["us-east-1", "eu-west-1", "us-west-2"]) == Counts(5, 3)


@pytest.mark.parametrize("step_id", FREE_STEPS)
def test_a_step_that_turns_on_nothing_billable_has_no_cost(step_id):
    profile = load_profile("soc2")
    assert estimate_step(step_id, profile, counts_for(profile, profile.governed_regions)) is None


def test_the_total_names_the_price_date_and_the_assumptions():
    profile = load_profile("startup-minimal")
    counts = counts_for(profile, profile.governed_regions)
    costs = [estimate_step(s, profile, counts) for s in ("log-archive", "security-services")]
    text = "\n".join(total_lines(costs))
    total = sum(c.total for c in costs)
    assert f"~${total:,.2f}" in text and str(RAW["recorded"]) in text
    assert "config_items_per_account_region = 1,000" in text


# ------------------------------------------------------------------ the plan output


@pytest.fixture(scope="module")
def compliant() -> Iterator[Any]:
    from bootstrap_tui.sandbox import server
    from bootstrap_tui.sandbox.testing import running_sandbox

    running = server._running
    if running is not None:
        running.configure(latency_ms=0, faults="", op_delay_s=0.05)
        running.reset(seed="compliant", accounts=0)
        yield running
        return
    with running_sandbox(seed="compliant", op_delay_s=0.05) as box:
        yield box


def plan(box: Any, profile: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    from bootstrap_tui.sandbox.testing import client_environment

    env = {**os.environ, **client_environment(box.endpoint), "BOOTSTRAP_TUI_LOG": str(tmp / "log")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bootstrap_tui",
            "--profile-file",
            profile,
            "--state-file",
            str(tmp / f"{profile}.yaml"),
            "plan",
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def blocks(stdout: str) -> dict[str, str]:
    """Step id -> its lines in the text plan."""
    out: dict[str, str] = {}
    current = None
    for line in stdout.splitlines():
        if line and not line.startswith(" ") and " (" in line.split(":")[0]:
            current = line.split(" ", 1)[0]
            out[current] = ""
        elif current:
            out[current] += line + "\n"
    return out


@pytest.mark.parametrize("profile", BUILTIN_ORDER)
def test_every_profile_plan_shows_the_cost_of_its_billable_steps(compliant, tmp_path, profile):
    done = plan(compliant, profile, tmp_path)
    assert done.returncode == 0, done.stderr
    steps = blocks(done.stdout)
    for step_id in BILLABLE[profile]:
        assert "Expected monthly cost: ~$" in steps[step_id], (step_id, done.stdout)
    for step_id in FREE_STEPS:
        assert "Expected monthly cost" not in steps.get(step_id, ""), step_id
    assert "Estimated monthly total: ~$" in done.stdout
    assert f"recorded {RAW['recorded']}" in done.stdout


def test_json_plan_carries_the_figures_as_additive_fields(compliant, tmp_path):
    done = plan(compliant, "soc2", tmp_path, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["schema_version"] == 1
    costs = {p["step"]: p["cost"] for p in report["plans"]}
    assert costs["organization"] is None and costs["control-tower"]["monthly_usd"] > 0
    assert costs["security-services"]["counts"]["regions"] == 2
    total = sum(c["monthly_usd"] for c in costs.values() if c)
    assert report["cost_estimate"]["monthly_usd"] == pytest.approx(total, abs=0.02)
    assert report["cost_estimate"]["prices_recorded"] == str(RAW["recorded"])
    text = plan(compliant, "soc2", tmp_path)
    assert f"~${report['cost_estimate']['monthly_usd']:,.2f}" in text.stdout


# ------------------------------------------------------------------ the docs agree

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("step_id", ("control-tower", "log-archive", "security-services"))
def test_the_cost_section_of_a_billable_step_points_to_the_estimate(step_id):
    page = (DOCS / "steps" / f"{step_id}.md").read_text(encoding="utf-8")
    section = page.split("\n## Cost", 1)[1].split("\n## ", 1)[0]
    assert "(../costs.md)" in section and "itemises" in section


@pytest.mark.parametrize("profile", BUILTIN_ORDER)
def test_the_example_totals_in_docs_costs_match_the_estimator(profile):
    loaded = load_profile(profile)
    counts = counts_for(loaded, loaded.governed_regions)
    total = sum(
        c.total
        for c in (
            estimate_step(s, loaded, counts)
            for s in ("control-tower", "log-archive", "security-services")
        )
        if c
    )
    assert f"USD {round(total)}" in (DOCS / "costs.md").read_text(encoding="utf-8"), total
