"""ClientFactory against moto's server over HTTP: caching, assume-role, read-only guard, s3control."""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from bootstrap_tui import __version__
from bootstrap_tui.aws import ClientFactory, is_read_only_operation
from bootstrap_tui.errors import ReadOnlyViolation


def make_member(factory) -> str:
    org = factory.client("organizations")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(Email="member@example.com", AccountName="member")
    return status["CreateAccountStatus"]["AccountId"]


def ops(recorded, name):
    return [call for call in recorded if call[1] == name]


def test_clients_are_cached_per_account_region_service(factory):
    iam = factory.client("iam")
    assert factory.client("iam") is iam
    assert factory.client("iam", region="us-east-1") is iam
    assert factory.client("iam", account=factory.caller_account) is iam
    assert factory.client("iam", region="eu-west-1") is not iam
    assert factory.client("sts") is not iam
    assert factory.client("iam", region="eu-west-1").meta.region_name == "eu-west-1"


def test_client_creation_is_thread_safe(factory):
    _ = factory.caller_account
    got = []
    barrier = threading.Barrier(8)

    def grab():
        barrier.wait()
        got.append(factory.client("ec2", region="eu-central-1"))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in got}) == 1


def test_assume_role_sees_member_account_resources(factory, recorded):
    member = make_member(factory)
    assert member != factory.caller_account
    member_iam = factory.client("iam", account=member)
    member_iam.create_user(UserName="only-in-member")

    base_users = {u["UserName"] for u in factory.client("iam").list_users()["Users"]}
    member_users = {u["UserName"] for u in member_iam.list_users()["Users"]}
    assert "only-in-member" in member_users
    assert "only-in-member" not in base_users

    who = factory.client("sts", account=member).get_caller_identity()
    assert who["Account"] == member
    assert ":assumed-role/OrganizationAccountAccessRole/bootstrap-tui" in who["Arn"]
    factory.client("ec2", account=member, region="eu-west-1").describe_vpcs()
    assert len(ops(recorded, "AssumeRole")) == 1, "assumed credentials are shared and cached"
    assert ("iam", "CreateUser", member, "us-east-1") in recorded
    assert factory.client("iam", account=member) is member_iam


def test_clients_share_their_class_but_not_their_account_or_region(factory, recorded):
    member = make_member(factory)
    mine = factory.client("ec2", region="eu-west-1")
    theirs = factory.client("ec2", account=member, region="us-west-2")
    assert type(mine) is type(theirs), "one client class per service, built once"
    assert theirs.meta.region_name == "us-west-2" and mine.meta.region_name == "eu-west-1"
    theirs.create_vpc(CidrBlock="10.9.0.0/16")
    mine_cidrs = {v["CidrBlock"] for v in mine.describe_vpcs()["Vpcs"]}
    their_cidrs = {v["CidrBlock"] for v in theirs.describe_vpcs()["Vpcs"]}
    assert "10.9.0.0/16" in their_cidrs and "10.9.0.0/16" not in mine_cidrs
    assert ("ec2", "CreateVpc", member, "us-west-2") in recorded


def test_with_role_uses_another_role_and_shares_counters(factory, recorded):
    member = make_member(factory)
    ct = factory.with_role("AWSControlTowerExecution")
    assert ct.role_arn(member) == f"arn:aws:iam::{member}:role/AWSControlTowerExecution"
    arn = ct.client("sts", account=member).get_caller_identity()["Arn"]
    assert ":assumed-role/AWSControlTowerExecution/" in arn
    assert ct.client("sts", account=member) is not factory.client("sts", account=member)
    assert ct.calls == factory.calls == len(recorded)
    with factory.read_only_guard():
        assert ct.read_only


def test_release_lets_go_of_one_accounts_clients_and_session(factory, recorded):
    member = make_member(factory)
    ct = factory.with_role("AWSControlTowerExecution")
    iam = factory.client("iam", account=member)
    ec2 = factory.client("ec2", account=member, region="eu-west-1")
    other_role = ct.client("sts", account=member)
    mine = factory.client("iam")
    iam.list_users()
    ec2.describe_vpcs()
    pools = ec2._endpoint.http_session._manager.pools
    assert len(pools) == 1 and len(ops(recorded, "AssumeRole")) == 1

    factory.release(member)
    assert len(pools) == 0, "its connections are closed"
    assert factory.client("iam") is mine, "the caller's own clients stay"
    again = factory.client("iam", account=member)
    assert again is not iam and ct.client("sts", account=member) is not other_role
    assert again.list_users()["Users"] is not None
    assert len(ops(recorded, "AssumeRole")) == 2, "the role is assumed again"
    assert ec2.describe_vpcs()["Vpcs"], "a client still held elsewhere keeps working"


def test_read_only_guard_blocks_mutations_before_sending(factory, recorded):
    iam = factory.client("iam")
    with factory.read_only_guard():
        assert factory.read_only
        iam.list_users()
        iam.get_account_summary()
        before = factory.calls
        with pytest.raises(ReadOnlyViolation) as caught:
            iam.create_user(UserName="nope")
        assert "iam:CreateUser" in str(caught.value)
        assert factory.calls == before
    assert not factory.read_only
    assert not ops(recorded, "CreateUser")
    assert all(u["UserName"] != "nope" for u in iam.list_users()["Users"])
    iam.create_user(UserName="allowed-now")
    assert ops(recorded, "CreateUser")


def test_read_only_guard_covers_assumed_role_clients_but_allows_assume_role(factory, recorded):
    member = make_member(factory)
    with factory.read_only_guard():
        member_iam = factory.client("iam", account=member)
        assert member_iam.list_users()["Users"] == []
        with pytest.raises(ReadOnlyViolation) as caught:
            member_iam.create_user(UserName="nope")
        assert member in str(caught.value)
        with pytest.raises(ReadOnlyViolation):
            factory.client("organizations").create_organizational_unit(ParentId="r-1", Name="x")
    assert ops(recorded, "AssumeRole")
    assert not ops(recorded, "CreateUser") and not ops(recorded, "CreateOrganizationalUnit")


def test_the_guard_holds_the_verify_that_took_it_not_an_apply_running_beside_it(factory, recorded):
    """The wizard verifies one step while another applies (issue 19): the verify's guard
    covers its own thread and the fan-out workers it starts, never the apply's thread."""
    from bootstrap_tui.aws import fan_out

    iam = factory.client("iam")
    guarded, release = threading.Event(), threading.Event()
    refused: list[str] = []

    def verify() -> None:
        with factory.read_only_guard():
            guarded.set()

            def mutate(name: str) -> None:
                try:
                    iam.create_user(UserName=name)
                except ReadOnlyViolation:
                    refused.append(name)

            list(fan_out(["in-pool-1", "in-pool-2"], mutate, max_workers=2))
            mutate("in-verify")
            release.wait(10)

    thread = threading.Thread(target=verify)
    thread.start()
    try:
        assert guarded.wait(10)
        assert not factory.read_only  # this thread is the apply's
        iam.create_user(UserName="applied-beside")
    finally:
        release.set()
        thread.join(10)
    assert sorted(refused) == ["in-pool-1", "in-pool-2", "in-verify"]
    assert len(ops(recorded, "CreateUser")) == 1  # the apply's, nothing from the verify


def test_read_only_attribute(factory):
    factory.read_only = True
    with pytest.raises(ReadOnlyViolation):
        factory.client("s3").create_bucket(Bucket="bucket-ro-test")
    factory.read_only = False
    factory.client("s3").create_bucket(Bucket="bucket-ro-test")


def test_read_only_operation_names():
    for name in (
        "GetAccountSummary",
        "ListAccounts",
        "DescribeOrganization",
        "HeadBucket",
        "BatchGetItem",
        "GenerateCredentialReport",
        "SearchResources",
        "LookupEvents",
    ):
        assert is_read_only_operation(name)
    for name in ("CreateAccount", "PutBucketPolicy", "DeleteUser", "AssumeRole", "EnableControl"):
        assert not is_read_only_operation(name)


def test_s3control_public_access_block_through_custom_endpoint(factory):
    account = factory.caller_account
    s3control = factory.client("s3control")
    config = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    s3control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=config)
    got = s3control.get_public_access_block(AccountId=account)
    assert got["PublicAccessBlockConfiguration"] == config


def test_s3control_without_the_fix_cannot_reach_the_endpoint(moto):
    plain = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "s3control",
        region_name="us-east-1",
        endpoint_url=moto,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    with pytest.raises(EndpointConnectionError):
        plain.get_public_access_block(AccountId="123456789012")


def test_config_and_counter(factory, recorded):
    client = factory.client("sts")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert client.meta.config.max_pool_connections == 32
    default = ClientFactory(factory.session, region="us-east-1")
    assert default.config.retries == {"mode": "adaptive", "total_max_attempts": 5}
    assert default.config.connect_timeout == 5 and default.config.read_timeout == 60
    start = factory.calls
    client.get_caller_identity()
    assert factory.calls == start + 1
    assert recorded[-1] == ("sts", "GetCallerIdentity", None, "us-east-1")


def test_every_request_names_the_tool_in_its_user_agent(factory):
    """CloudTrail records the User-Agent: an auditor can tell this tool's calls apart."""
    seen = []
    sts = factory.client("sts")
    sts.meta.events.register(
        "before-send", lambda request, **_: seen.append(request.headers["User-Agent"])
    )
    sts.get_caller_identity()
    factory.client("iam", region="eu-west-1").meta.events.register(
        "before-send", lambda request, **_: seen.append(request.headers["User-Agent"])
    )
    factory.client("iam", region="eu-west-1").list_users()
    assert len(seen) == 2
    for agent in seen:
        agent = agent.decode() if isinstance(agent, bytes) else agent
        assert agent.startswith(f"bootstrap-tui/{__version__} botocore/"), agent
        assert "Python/" in agent
