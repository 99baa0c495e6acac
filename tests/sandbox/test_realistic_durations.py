"""``--durations realistic`` (issue 19): long-running operations take AWS's durations, scaled, and
AWS's concurrency limits on Control Tower operations apply, with AWS's errors (plain boto3)."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.aws_limits import ACCOUNT_ASSIGNMENT_OUTSTANDING, CREATE_ACCOUNT_IN_PROGRESS
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
    assert (
        timing.seconds("sso:CreatePermissionSet") is None
    )  # no recorded duration: the fixed delay
    first, second = RealisticDurations(time_scale=60), RealisticDurations(time_scale=60)
    assert [first.seconds("control:") for _ in range(3)] == [
        second.seconds("control:") for _ in range(3)
    ]  # reproducible runs
    # each kind draws from its own stream: other kinds in between change nothing, and a restart
    # (the sandbox's reset) draws the same durations again
    alone = [second.seconds("organizations:CreateAccount") for _ in range(3)]
    first.seconds("baseline:")
    mixed = []
    for _ in range(3):
        mixed.append(first.seconds("organizations:CreateAccount"))
        first.seconds("landingzone:CREATE")
    assert mixed == alone
    first.restart()
    fresh = RealisticDurations(time_scale=60)
    assert [first.seconds("control:") for _ in range(3)] == [
        fresh.seconds("control:") for _ in range(3)
    ]


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


def _identity_center(box: Sandbox) -> tuple[object, str, str, str, list[str]]:
    """sso-admin client, instance, permission set, group, and eleven member accounts."""
    org, sso = client(box, "organizations"), client(box, "sso-admin")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for n in range(11):
        request = org.create_account(AccountName=f"M{n}", Email=f"m{n}@example.com")
        _finish_all(box)  # the accounts are not what these tests time
        ids.append(
            org.describe_create_account_status(
                CreateAccountRequestId=request["CreateAccountStatus"]["Id"]
            )["CreateAccountStatus"]["AccountId"]
        )
    instance = sso.list_instances()["Instances"][0]
    ps = sso.create_permission_set(Name="Admin", InstanceArn=instance["InstanceArn"])
    group = client(box, "identitystore").create_group(
        IdentityStoreId=instance["IdentityStoreId"], DisplayName="Admins"
    )["GroupId"]
    return sso, instance["InstanceArn"], ps["PermissionSet"]["PermissionSetArn"], group, ids


def _assign(sso, instance: str, ps: str, group: str, account: str) -> dict:
    return sso.create_account_assignment(
        InstanceArn=instance,
        TargetId=account,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=ps,
        PrincipalType="GROUP",
        PrincipalId=group,
    )["AccountAssignmentCreationStatus"]


def test_identity_center_assignments_and_provisioning_take_aws_time_scaled(exclusive) -> None:
    """Asynchronous as on AWS: IN_PROGRESS, not listed until done, then SUCCEEDED after about
    range/scale; a deletion likewise; ProvisionPermissionSet too."""
    scale = 100
    with Sandbox(durations="realistic", time_scale=scale, op_delay_s=30) as box:
        sso, instance, ps, group, accounts = _identity_center(box)
        low, high = durations()["account-assignment"]["range_s"]
        started = time.monotonic()
        request = _assign(sso, instance, ps, group, accounts[0])
        assert request["Status"] == "IN_PROGRESS"
        listed = sso.list_account_assignments(
            InstanceArn=instance, AccountId=accounts[0], PermissionSetArn=ps
        )["AccountAssignments"]
        assert listed == []  # not listed while in progress

        def creation() -> str:
            return sso.describe_account_assignment_creation_status(
                InstanceArn=instance, AccountAssignmentCreationRequestId=request["RequestId"]
            )["AccountAssignmentCreationStatus"]["Status"]

        assert wait_for(creation, timeout=high / scale + 2) == "SUCCEEDED"
        took = time.monotonic() - started
        assert low / scale - 0.05 <= took <= high / scale + 1
        listed = sso.list_account_assignments(
            InstanceArn=instance, AccountId=accounts[0], PermissionSetArn=ps
        )["AccountAssignments"]
        assert [a["PrincipalId"] for a in listed] == [group]

        deletion = sso.delete_account_assignment(
            InstanceArn=instance,
            TargetId=accounts[0],
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=ps,
            PrincipalType="GROUP",
            PrincipalId=group,
        )["AccountAssignmentDeletionStatus"]
        assert deletion["Status"] == "IN_PROGRESS"
        assert (
            wait_for(
                lambda: sso.describe_account_assignment_deletion_status(
                    InstanceArn=instance, AccountAssignmentDeletionRequestId=deletion["RequestId"]
                )["AccountAssignmentDeletionStatus"]["Status"],
                timeout=high / scale + 2,
            )
            == "SUCCEEDED"
        )
        assert (
            sso.list_account_assignments(
                InstanceArn=instance, AccountId=accounts[0], PermissionSetArn=ps
            )["AccountAssignments"]
            == []
        )

        provision = sso.provision_permission_set(
            InstanceArn=instance, PermissionSetArn=ps, TargetType="ALL_PROVISIONED_ACCOUNTS"
        )["PermissionSetProvisioningStatus"]
        assert provision["Status"] == "IN_PROGRESS"
        high = durations()["provision-permission-set"]["range_s"][1]
        assert (
            wait_for(
                lambda: sso.describe_permission_set_provisioning_status(
                    InstanceArn=instance, ProvisionPermissionSetRequestId=provision["RequestId"]
                )["PermissionSetProvisioningStatus"]["Status"],
                timeout=high / scale + 2,
            )
            == "SUCCEEDED"
        )


def test_at_most_ten_outstanding_account_assignment_creations(exclusive) -> None:
    with Sandbox(durations="realistic", time_scale=1, op_delay_s=30) as box:
        sso, instance, ps, group, accounts = _identity_center(box)
        for account in accounts[:ACCOUNT_ASSIGNMENT_OUTSTANDING]:
            assert _assign(sso, instance, ps, group, account)["Status"] == "IN_PROGRESS"
        with pytest.raises(ClientError) as info:
            _assign(sso, instance, ps, group, accounts[ACCOUNT_ASSIGNMENT_OUTSTANDING])
        assert info.value.response["Error"]["Code"] == "ThrottlingException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "10 outstanding" in info.value.response["Error"]["Message"]
        _finish_all(box)
        sso.list_instances()  # a request completes the finished operations
        request = _assign(sso, instance, ps, group, accounts[ACCOUNT_ASSIGNMENT_OUTSTANDING])
        assert request["Status"] == "IN_PROGRESS"
