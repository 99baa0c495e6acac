"""Interruption: quit while AWS works, restart on the same state file, resume
polling the recorded operation — nothing is created twice."""

from __future__ import annotations


import pytest

from tests.steps.engines import assert_converged_and_verified, converge, stop_when
from tests.steps.sandboxes import client

# How long the interrupted operations stay IN_PROGRESS: long enough that a loaded CI machine
# still finds them running when the second engine plans (a 1 s delay was flaky there).
LONG_OP_S = 4.0


def test_account_creation_resumes_after_restart(engines, sandbox):
    first = engines.new()
    converge(first, ["management-account", "root-mfa", "organization"])
    sandbox.configure(op_delay_s=LONG_OP_S)
    stop_when(first, "started account Staging")  # the last of the four requests
    with pytest.raises(KeyboardInterrupt):
        first.apply("accounts")
    recorded = first.state.operations("accounts")
    assert sorted(recorded) == [
        "create:audit",
        "create:log-archive",
        "create:prod",
        "create:staging",
    ]
    assert first.state.status("accounts") == "in-progress"
    first.close()

    second = engines.new()
    plan = second.plan("accounts")
    accounts = [c for c in plan.changes if c.resource != "audit role"]  # the audit roles come after
    assert {c.action for c in accounts} == {"resume"}
    assert {c.detail.split()[1] for c in accounts} == {v["id"] for v in recorded.values()}
    sandbox.configure(op_delay_s=0.1)
    second.apply("accounts", plan)
    assert second.state.operations("accounts") == {}
    assert_converged_and_verified(second, "accounts")

    statuses = client(sandbox, "organizations").list_create_account_status()[
        "CreateAccountStatuses"
    ]
    assert len(statuses) == 4 and {s["State"] for s in statuses} == {"SUCCEEDED"}
    assert len(client(sandbox, "organizations").list_accounts()["Accounts"]) == 5


def test_landing_zone_resumes_after_restart(engines, sandbox, ct_profile):
    first = engines.new(profile=ct_profile)
    converge(first, ["management-account", "root-mfa", "organization", "accounts"])
    sandbox.configure(op_delay_s=LONG_OP_S)
    stop_when(first, "landing zone: IN_PROGRESS")
    with pytest.raises(KeyboardInterrupt):
        first.apply("control-tower")
    op_id = first.state.operations("control-tower")["landing-zone"]["id"]
    first.close()

    second = engines.new(profile=ct_profile)
    plan = second.plan("control-tower")
    assert [c.action for c in plan.changes if c.resource == "landing zone"] == ["resume"]
    sandbox.configure(op_delay_s=0.1)
    second.apply("control-tower", plan)
    assert_converged_and_verified(second, "control-tower")

    tower = client(sandbox, "controltower")
    operations = tower.list_landing_zone_operations()["landingZoneOperations"]
    assert [o["operationIdentifier"] for o in operations] == [op_id]
    assert len(tower.list_landing_zones()["landingZones"]) == 1


def test_request_sent_but_never_recorded_is_adopted_not_sent_again(engines, sandbox):
    engine = engines.new()
    converge(engine, ["management-account", "root-mfa", "organization"])
    sandbox.configure(op_delay_s=LONG_OP_S)
    org = client(sandbox, "organizations")
    # a run that died between CreateAccount and saving the request id in the state file
    lost = org.create_account(Email="aws+audit@example.com", AccountName="Audit")[
        "CreateAccountStatus"
    ]["Id"]
    assert engine.state.operations("accounts") == {}

    plan = engine.plan("accounts")
    resumed = [c for c in plan.changes if c.action == "resume"]
    assert [c.name for c in resumed] == ["Audit"] and lost in resumed[0].detail
    sandbox.configure(op_delay_s=0.1)
    engine.apply("accounts", plan)

    statuses = org.list_create_account_status()["CreateAccountStatuses"]
    assert sorted(s["AccountName"] for s in statuses) == [
        "Audit",
        "Log Archive",
        "Production",
        "Staging",
    ]
    assert [s["Id"] for s in statuses if s["AccountName"] == "Audit"] == [lost]
    assert_converged_and_verified(engine, "accounts")


def test_landing_zone_key_created_but_never_recorded_is_adopted(engines, sandbox, tmp_path):
    """A run killed between kms:CreateKey and saving its id: the tagged key is used, not a second one."""
    profile = tmp_path / "ct-kms.yaml"
    profile.write_text(
        "name: ct-kms\ndescription: Control Tower with its own KMS key\nextends: startup-minimal\n"
        "control_tower:\n  enabled: true\n  kms: true\n"
    )
    engine = engines.new(profile=str(profile))
    converge(engine, ["management-account", "root-mfa", "organization", "accounts"])
    kms = client(sandbox, "kms")
    orphan = kms.create_key(
        Description="AWS Control Tower logs (bootstrap-tui)",
        Tags=[{"TagKey": "bootstrap-tui:purpose", "TagValue": "control-tower"}],
    )
    orphan_id = orphan["KeyMetadata"]["KeyId"]
    assert engine.state.operations("control-tower") == {}

    sandbox.configure(op_delay_s=0.1)
    converge(engine, ["control-tower"])

    tagged = [
        k["KeyId"]
        for k in kms.list_keys()["Keys"]
        if {"TagKey": "bootstrap-tui:purpose", "TagValue": "control-tower"}
        in kms.list_resource_tags(KeyId=k["KeyId"])["Tags"]
    ]
    assert tagged == [orphan_id]
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/bootstrap-control-tower"] == orphan_id
    assert kms.get_key_rotation_status(KeyId=orphan_id)["KeyRotationEnabled"] is True


def test_account_creation_says_each_change_once_with_one_clock_and_the_time_left(engines, sandbox):
    engine = engines.new()
    converge(engine, ["management-account", "root-mfa", "organization"])
    sandbox.configure(op_delay_s=1.0)
    lines: list[str] = []
    engine.progress_listeners.append(lambda step, message, done, total: lines.append(message))
    engine.apply("accounts")
    runs = [line for line in lines if line.startswith("creating accounts: ")]
    names = ("Log Archive", "Audit", "Production", "Staging")
    for name in names:
        assert sum(f"started account {name} " in line for line in runs) == 1, runs
        assert sum(f"account {name} done " in line for line in runs) == 1, runs
    assert len(runs) == len(set(runs)) == 2 * len(names), (
        runs
    )  # one line per real change, no repeats
    assert all(" elapsed" in line for line in runs)
    assert "left (typically 1m 00s–5m 00s each)" in runs[0]
    assert runs[-1].endswith("(4 of 4 done · " + runs[-1].split("(4 of 4 done · ", 1)[1])
