"""Regions by partition, fan_out concurrency/isolation, identity and root refusal."""

from __future__ import annotations

import threading
import time

import pytest

from bootstrap_tui.aws import (
    ClientFactory,
    Identity,
    account_tasks,
    enabled_regions,
    fan_out,
    governed_regions,
    partition_of,
    refuse_root,
    whoami,
)
from bootstrap_tui.errors import ConfigError, RefusedError


def test_partition_of():
    assert partition_of("us-east-1") == "aws"
    assert partition_of("eu-west-3") == "aws"
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"


def test_enabled_regions_filters_partition_and_opt_in(factory):
    regions = enabled_regions(factory)
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert all(partition_of(r) == "aws" for r in regions)
    assert "ap-east-1" not in regions, "moto reports it not-opted-in"
    assert regions == sorted(regions)


def test_enabled_regions_in_china_partition(factory, session):
    china = ClientFactory(
        session, region="cn-north-1", endpoint_url=factory.endpoint_url, max_attempts=1
    )
    regions = enabled_regions(china)
    assert regions and all(r.startswith("cn-") for r in regions)


def test_governed_regions():
    enabled = ["us-east-1", "eu-west-1"]
    assert governed_regions(["eu-west-1", "us-east-1", "eu-west-1"], enabled) == [
        "eu-west-1",
        "us-east-1",
    ]
    with pytest.raises(ConfigError) as caught:
        governed_regions(["us-east-1", "ap-east-1"], enabled)
    assert "'ap-east-1'" in caught.value.message


def test_fan_out_bounded_and_isolated():
    running = 0
    peak = 0
    lock = threading.Lock()
    caller = threading.get_ident()
    seen = []

    def work(n):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        if n % 5 == 0:
            raise ValueError(f"task {n} failed")
        return n * 10

    def on_result(task, result):
        assert threading.get_ident() == caller
        seen.append(task)

    results = fan_out(range(20), work, max_workers=4, on_result=on_result)
    assert peak == 4
    assert [t for t, _ in results] == list(range(20))
    assert sorted(seen) == list(range(20))
    for task, result in results:
        if task % 5 == 0:
            assert isinstance(result, ValueError) and str(result) == f"task {task} failed"
        else:
            assert result == task * 10
    assert fan_out([], work) == []


def test_fan_out_interrupt_cancels_pending_work():
    started = []

    def work(n):
        started.append(n)
        time.sleep(0.05)
        return n

    def on_result(task, result):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fan_out(range(50), work, max_workers=2, on_result=on_result)
    time.sleep(0.2)
    assert len(started) <= 6


def test_fan_out_costs_the_caller_the_same_per_task_however_many_there_are():
    """200 accounts x 4 regions x ~7 checks is thousands of tasks: the caller's thread must not
    spend time in proportion to the tasks still pending for each one that finishes."""

    def work(n: int) -> int:
        time.sleep(0.001)  # tasks finish one by one, as API calls do
        return n

    def caller_cpu(count: int) -> float:
        started = time.thread_time()
        results = fan_out(range(count), work, max_workers=16, on_result=lambda t, r: None)
        assert [r for _, r in results] == list(range(count))
        return time.thread_time() - started

    caller_cpu(500)  # warm-up
    small = min(caller_cpu(1000) for _ in range(3))
    large = min(caller_cpu(8000) for _ in range(3))
    assert large < 8 * small * 2 + 0.05, (small, large)  # linear: 8x the tasks, not 64x


def test_in_waves_orders_tasks_a_few_accounts_at_a_time():
    from bootstrap_tui.aws.fanout import in_waves

    tasks = [(check, account) for check in "xyz" for account in "abcde"]
    waves = in_waves(tasks, lambda task: task[1], 2)
    assert sorted(waves) == sorted(tasks)
    assert [a for _, a in waves] == list("abababcdcdcdeee")
    assert [c for c, a in waves if a in "ab"] == list("xxyyzz")  # a check's calls stay together


def test_account_tasks(factory):
    assert account_tasks(factory, ["1", "2"], ["us-east-1", "eu-west-1"]) == [
        ("1", "us-east-1"),
        ("1", "eu-west-1"),
        ("2", "us-east-1"),
        ("2", "eu-west-1"),
    ]
    assert account_tasks(factory, None, None) == [("123456789012", "us-east-1")]


def test_whoami_and_fan_out_over_accounts(factory, recorded):
    identity = whoami(factory)
    assert identity.account_id == "123456789012" and not identity.is_root
    org = factory.client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = [
        org.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")["CreateAccountStatus"][
            "AccountId"
        ]
        for i in range(2)
    ]
    tasks = account_tasks(factory, [identity.account_id, *members], ["us-east-1", "eu-west-1"])
    results = fan_out(
        tasks,
        lambda t: factory.client("sts", account=t[0], region=t[1]).get_caller_identity()["Account"],
        max_workers=4,
    )
    assert [(t[0], r) for t, r in results] == [(t[0], t[0]) for t in tasks]
    assert len([c for c in recorded if c[1] == "AssumeRole"]) == 2


def test_identity_properties():
    root = Identity("111122223333", "arn:aws:iam::111122223333:root", "111122223333")
    user = Identity("111122223333", "arn:aws:iam::111122223333:user/ops/bootstrap", "AIDA1")
    sso = Identity(
        "111122223333",
        "arn:aws:sts::111122223333:assumed-role/"
        "AWSReservedSSO_AdministratorAccess_abc/jane@example.com",
        "AROA1:jane",
    )
    assert root.is_root and root.principal_name == "root"
    assert not user.is_root and not user.is_sso_role and user.principal_name == "bootstrap"
    assert (
        sso.is_sso_role
        and sso.principal_name == "AWSReservedSSO_AdministratorAccess_abc/jane@example.com"
    )


def test_refuse_root():
    root = Identity("111122223333", "arn:aws:iam::111122223333:root", "111122223333")
    with pytest.raises(RefusedError) as caught:
        refuse_root(root)
    text = str(caught.value)
    assert "root" in text and "bootstrap IAM user" in text and "Identity Center" in text
    refuse_root(Identity("1", "arn:aws:iam::1:user/bootstrap", "AIDA"))
    refuse_root(None)
