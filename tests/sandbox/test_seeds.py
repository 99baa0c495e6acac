"""Seeds and constructor options.

The compliant seed is a real engine run, so the seeded sandbox must verify
clean, and the drifted seed must fail exactly the scopes listed in
``seeds.DRIFTS``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from bootstrap_tui.engine import Engine, Options, VerifyRun
from bootstrap_tui.model import Status
from bootstrap_tui.profile import profile_from_text
from bootstrap_tui.sandbox import Sandbox, drifts, seeds
from bootstrap_tui.sandbox.testing import client, client_environment

from .conftest import _Shared
from tests.verdicts_expected import BACKUP_NOT_APPLICABLE

ACCOUNTS = 3


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    """A sandbox of its own with the compliant seed and 3 workload accounts, plus a work dir."""
    if _Shared.sandbox is not None:
        _Shared.sandbox.stop()
        _Shared.sandbox = None
    with Sandbox(seed="compliant", accounts=ACCOUNTS, op_delay_s=0.3) as sandbox:
        yield sandbox, tmp_path_factory.mktemp("seeded")


def _verify(
    sandbox: Sandbox, directory: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> VerifyRun:
    """`bootstrap-tui verify` as the CLI runs it, with a new state file and the seed's profile."""
    for key, value in client_environment(sandbox.endpoint).items():
        monkeypatch.setenv(key, value)
    work = directory / name
    work.mkdir()
    profile = seeds.write_seed_profile(work, ACCOUNTS)
    engine = Engine(
        Options(endpoint_url=sandbox.endpoint, state_file=work / "state.yaml", profile=profile)
    )
    engine.connect()
    try:
        return engine.verify()
    finally:
        engine.close()


def _not_passing(run: VerifyRun) -> dict[tuple[str, str | None, str | None], Status]:
    """Scopes neither passing nor attested. Only AWS Backup's checks may say NOT_APPLICABLE (an
    account outside the workload OUs, or no backup job yet); anywhere else it is not a pass."""
    return {
        (r.check_id, r.account, r.region): r.status
        for r in run.results
        if r.status not in (Status.PASS, Status.MANUAL)
        and not (r.status == Status.NOT_APPLICABLE and r.check_id in BACKUP_NOT_APPLICABLE)
    }


# Runs before the module's own sandbox starts (only one sandbox per process).
def test_constructor_latency_and_faults(exclusive: None) -> None:
    with Sandbox(latency_ms=50, faults="deny=sts:GetCallerIdentity", op_delay_s=0.3) as sandbox:
        sts = client(sandbox, "sts")
        started = time.perf_counter()
        with pytest.raises(ClientError) as info:
            sts.get_caller_identity()
        assert time.perf_counter() - started >= 0.04
        assert info.value.response["Error"]["Code"] == "AccessDenied"
        assert "arn:aws:sts::123456789012:user/moto" in info.value.response["Error"]["Message"]


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="seed"):
        Sandbox(seed="nope")
    with pytest.raises(ValueError, match="throttle"):
        Sandbox(faults="throttle=abc")


@pytest.mark.slow
def test_compliant_seed_is_what_the_engine_builds_and_verifies_clean(
    seeded: tuple[Sandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, directory = seeded
    info = sandbox.info()
    names = {a.get("name") for a in info["accounts"] if not a["management"]}
    assert names == {"Log Archive", "Audit", "Production", "Staging", "Workload 3"}
    assert info["organization"] and info["home_region"] == "us-east-1"
    management = next(a for a in info["accounts"] if a["management"])
    assert management["root"]["mfa"] is True and management["root"]["access_keys"] is False

    run = _verify(sandbox, directory, monkeypatch, "compliant")
    assert _not_passing(run) == {}
    accounts = {r.account for r in run.results if r.check_id == "guardrails.ebs-default-encryption"}
    assert len(accounts) == 1 + 2 + ACCOUNTS
    assert {r.region for r in run.results if r.region} == {"us-east-1", "us-west-2"}


@pytest.mark.slow
def test_drifts_are_found_exactly(
    seeded: tuple[Sandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs after the clean verify above; turns the module's sandbox into the drifted seed."""
    sandbox, directory = seeded
    scopes = drifts.introduce_drift(sandbox.endpoint)
    assert len(scopes) >= 6
    assert len({check.split(".")[0] for check, _, _ in scopes}) >= 4
    assert len({account for _, account, _ in scopes}) >= 3

    run = _verify(sandbox, directory, monkeypatch, "drifted")
    found = _not_passing(run)
    assert set(found) == set(scopes)
    assert set(found.values()) <= {Status.FAIL, Status.WARN}


@pytest.mark.slow
def test_drifted_seed_through_reset(seeded: tuple[Sandbox, Path]) -> None:
    sandbox, _ = seeded
    sandbox.reset(seed="drifted", accounts=1)
    info = sandbox.info()
    assert info["seed"] == "drifted"
    assert {a.get("name") for a in info["accounts"] if not a["management"]} == {
        "Log Archive",
        "Audit",
        "Production",
    }
    management = next(a for a in info["accounts"] if a["management"])
    assert management["root"]["access_keys"] is True
    prod = seeds.account_ids_by_key(sandbox.endpoint)["prod"]
    assert (
        client(sandbox, "iam").get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1
    )
    trail = client(sandbox, "cloudtrail").describe_trails()["trailList"][0]
    assert (
        client(sandbox, "cloudtrail").get_trail_status(Name=trail["TrailARN"])["IsLogging"] is False
    )
    creds = client(sandbox, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{prod}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    guardduty = client(
        sandbox,
        "guardduty",
        region="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert guardduty.list_detectors()["DetectorIds"] == []


def test_seed_profile_expresses_workload_accounts() -> None:
    derived = yaml.safe_load(
        seeds.seed_profile_text(5, ["eu-west-1", "us-east-1", "us-west-2", "eu-central-1"])
    )
    profile = profile_from_text(yaml.safe_dump(derived), "seed-profile.yaml")
    workloads = [a for a in profile.accounts if a.ou.startswith("Workloads")]
    assert [a.name for a in workloads] == [
        "Production",
        "Staging",
        "Workload 3",
        "Workload 4",
        "Workload 5",
    ]
    assert [a.ou for a in workloads][2:] == [
        "Workloads/Prod",
        "Workloads/NonProd",
        "Workloads/Prod",
    ]
    assert profile.governed_regions == ("eu-west-1", "us-east-1", "us-west-2", "eu-central-1")
    assert profile.home_region == "eu-west-1"
    assert set(profile.governed_regions) <= set(profile.guardrails.allowed_regions)
    assert seeds.seed_profile_text(0) is None


def test_one_workload_account_drops_assignments_to_the_missing_one() -> None:
    profile = profile_from_text(seeds.seed_profile_text(1), "seed-profile.yaml")
    assert [a.key for a in profile.accounts] == ["log-archive", "audit", "prod"]
    targets = [a.accounts for a in profile.identity_center.assignments]
    assert all(t == "all" or "staging" not in t for t in targets)
    assert ("prod",) in targets


def test_too_many_accounts_is_a_clear_error() -> None:
    limit = seeds.MAX_WORKLOAD_ACCOUNTS  # a profile's 1000 accounts less Log Archive and Audit
    assert limit == 998
    with pytest.raises(ValueError, match=f"accounts must be between 0 and {limit}"):
        seeds.workload_accounts(limit + 1)
    with pytest.raises(ValueError, match="got -1"):
        seeds.workload_accounts(-1)
