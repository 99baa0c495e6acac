"""``--durations realistic`` (issue 19): long-running operations take AWS's durations, scaled, and
AWS's concurrency limits on Control Tower operations apply, with AWS's errors (plain boto3)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.aws_limits import CREATE_ACCOUNT_IN_PROGRESS
from bootstrap_tui.durations import durations
from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.cli import main
from bootstrap_tui.sandbox.testing import client
from bootstrap_tui.sandbox.timing import KINDS, RealisticDurations

from .helpers import create_ct_roles, manifest, shared_accounts, wait_for


def test_each_kind_is_drawn_within_aws_range_divided_by_the_time_scale() -> None:
    timing = RealisticDurations(time_scale=60)
    for kind, name in KINDS.items():
        low, high = durations()[name]["range_s"]
        drawn = [timing.seconds(kind) for _ in range(50)]
        assert all(low / 60 <= d <= high / 60 for d in drawn), kind
        assert len(set(drawn)) > 1, kind
    assert timing.seconds("sso:Provision") is None  # no recorded duration: the fixed delay
    first, second = RealisticDurations(time_scale=60), RealisticDurations(time_scale=60)
    assert [first.seconds("control:") for _ in range(3)] == [
        second.seconds("control:") for _ in range(3)
    ]  # reproducible runs


def test_a_create_account_takes_aws_minutes_scaled(exclusive: None) -> None:
    with Sandbox(durations="realistic", time_scale=600, op_delay_s=30) as box:
        org = client(box, "organizations")
        org.create_organization(FeatureSet="ALL")
        status = org.create_account(AccountName="Log Archive", Email="log@example.com")
        request = status["CreateAccountStatus"]
        assert request["State"] == "IN_PROGRESS"
        low, high = durations()["create-account"]["range_s"]
        assert low / 600 <= box.state.operations[request["Id"]].delay <= high / 600
        state = wait_for(
            lambda: org.describe_create_account_status(CreateAccountRequestId=request["Id"])[
                "CreateAccountStatus"
            ]["State"],
            timeout=30,
        )
        assert state == "SUCCEEDED"  # within 0.5 s of simulated time, not op_delay's 30 s
        assert box.info()["durations"] == "realistic" and box.info()["time_scale"] == 600


def test_bad_durations_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--durations", "slow"]) == 2
    assert main(["--durations", "realistic", "--time-scale", "0"]) == 2
    assert "--time-scale must be > 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="time_scale"):
        Sandbox(durations="realistic", time_scale=-1)


@pytest.fixture
def landing_zone(aws, sandbox):
    """An organization with an ACTIVE landing zone; operations then take 60 s (the test ends them)."""
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    sandbox.configure(op_delay_s=0)
    create_ct_roles(aws("iam"))
    log_archive, audit = shared_accounts(org)
    created = aws("controltower").create_landing_zone(
        version="4.0", manifest=manifest(log_archive, audit)
    )
    sandbox.configure(op_delay_s=60)
    return org, created


def _finish_all(sandbox: Sandbox) -> None:
    for operation in sandbox.state.operations.values():
        operation.delay = 0


def test_one_landing_zone_operation_at_a_time(aws, sandbox, landing_zone) -> None:
    _, created = landing_zone
    tower = aws("controltower")
    reset = tower.reset_landing_zone(landingZoneIdentifier=created["arn"])
    for call in (
        lambda: tower.reset_landing_zone(landingZoneIdentifier=created["arn"]),
        lambda: tower.update_landing_zone(landingZoneIdentifier=created["arn"], version="4.0"),
        lambda: tower.delete_landing_zone(landingZoneIdentifier=created["arn"]),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "ConflictException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert reset["operationIdentifier"] in info.value.response["Error"]["Message"]
    _finish_all(sandbox)
    assert (
        wait_for(
            lambda: tower.get_landing_zone_operation(
                operationIdentifier=reset["operationIdentifier"]
            )["operationDetails"]["status"]
        )
        == "SUCCEEDED"
    )
    tower.reset_landing_zone(landingZoneIdentifier=created["arn"])  # free again
    _finish_all(sandbox)


def test_at_most_ten_control_operations_in_flight(aws, sandbox, landing_zone) -> None:
    org, _ = landing_zone
    tower = aws("controltower")
    root = org.list_roots()["Roots"][0]["Id"]
    targets = [
        org.create_organizational_unit(ParentId=root, Name=f"OU {n}")["OrganizationalUnit"]["Arn"]
        for n in range(11)
    ]
    control = "arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER"
    for target in targets[:10]:
        tower.enable_control(controlIdentifier=control, targetIdentifier=target)
    with pytest.raises(ClientError) as info:
        tower.enable_control(controlIdentifier=control, targetIdentifier=targets[10])
    assert info.value.response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert "10 concurrent operations" in info.value.response["Error"]["Message"]
    _finish_all(sandbox)
    tower.enable_control(controlIdentifier=control, targetIdentifier=targets[10])
    _finish_all(sandbox)


def test_at_most_five_create_account_requests_in_progress(aws, sandbox) -> None:
    """Enforced in every timing mode: AWS refuses a sixth while five are IN_PROGRESS."""
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    sandbox.configure(op_delay_s=60)
    for n in range(CREATE_ACCOUNT_IN_PROGRESS):
        org.create_account(AccountName=f"Member {n}", Email=f"member{n}@example.com")
    with pytest.raises(ClientError) as info:
        org.create_account(AccountName="Sixth", Email="sixth@example.com")
    assert info.value.response["Error"]["Code"] == "ConstraintViolationException"
    assert info.value.response["Reason"] == "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED"
    assert [s["State"] for s in org.list_create_account_status()["CreateAccountStatuses"]] == [
        "IN_PROGRESS"
    ] * CREATE_ACCOUNT_IN_PROGRESS  # the refused request left no trace
    _finish_all(sandbox)
    org.list_roots()  # a request completes the finished operations
    status = org.create_account(AccountName="Sixth", Email="sixth@example.com")
    assert status["CreateAccountStatus"]["State"] == "IN_PROGRESS"
    _finish_all(sandbox)
