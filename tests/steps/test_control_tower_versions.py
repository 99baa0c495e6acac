"""control-tower across landing zone versions: 4.0 by default, an existing 3.3 landing zone
kept (its role shape accepted, a 4.0-shaped role never "repaired" back) or updated when the
profile asks for 4.0 and the user confirms the irreversible update."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.steps.engines import CT_PROFILE, converge
from tests.steps.sandboxes import client
from bootstrap_tui.errors import RefusedError
from bootstrap_tui.model import Status
from bootstrap_tui.sandbox.fakes.controltower import TowerState

ROLE = "AWSControlTowerCloudTrailRole"
MANAGED = "arn:aws:iam::aws:policy/service-role/AWSControlTowerCloudTrailRolePolicy"
INLINE = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
    '["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": '
    '"arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*"}]}'
)


def _profile(tmp_path: Path, version: str) -> str:
    path = tmp_path / f"ct-{version}.yaml"
    path.write_text(CT_PROFILE + f'  version: "{version}"\n')
    return str(path)


def _landing_zone_from_before_4(sandbox, engine) -> None:
    """Turn the sandbox's landing zone into one created on 3.3 (as AWS still runs them): the
    3.x manifest, baseline 4.0, and the CloudTrail role with the 3.x inline policy."""
    management = engine.management_account_id
    with sandbox.state.lock:
        tower = sandbox.state.service_state("controltower", TowerState)
        zone = tower.landing_zones[management]
        manifest = dict(zone.manifest)
        manifest.pop("config"), manifest.pop("backup")
        manifest["securityRoles"] = {"accountId": manifest["securityRoles"]["accountId"]}
        manifest["organizationStructure"] = {
            "security": {"name": "Security"},
            "sandbox": {"name": "Sandbox"},
        }
        zone.version, zone.manifest = "3.3", manifest
        for item in tower.baselines.get(management, {}).values():
            item.version = "4.0" if item.version == "5.0" else item.version
    iam = client(sandbox, "iam")
    iam.detach_role_policy(RoleName=ROLE, PolicyArn=MANAGED)
    iam.put_role_policy(
        RoleName=ROLE, PolicyName="AWSControlTowerCloudTrailRolePolicy", PolicyDocument=INLINE
    )


def _results(engine) -> dict[str, Status]:
    return {r.check_id: r.status for r in engine.verify(["control-tower"]).results}


def _built(engines, sandbox, tmp_path):
    first = engines.new(profile=_profile(tmp_path, "4.0"))
    converge(first, ["management-account", "root-mfa", "organization", "accounts", "control-tower"])
    _landing_zone_from_before_4(sandbox, first)
    first.close()


def test_existing_3_3_landing_zone_is_kept_and_its_roles_accepted(engines, sandbox, tmp_path):
    _built(engines, sandbox, tmp_path)
    engine = engines.new(profile=_profile(tmp_path, "3.3"))
    plan = engine.plan("control-tower")
    assert plan.changes == []
    assert any("landing zone 4.0 is available" in n and "irreversible" in n for n in plan.notes)
    results = _results(engine)
    assert results["ct.service-roles"] == Status.PASS
    assert results["ct.version-current"] == Status.WARN

    # the role prepared for 4.0 is accepted too: never "repaired" back to the inline policy
    iam = client(sandbox, "iam")
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=MANAGED)
    iam.delete_role_policy(RoleName=ROLE, PolicyName="AWSControlTowerCloudTrailRolePolicy")
    assert engine.plan("control-tower").changes == []
    assert _results(engine)["ct.service-roles"] == Status.PASS


def test_profile_4_0_offers_the_irreversible_update_of_a_3_3_landing_zone(
    engines, sandbox, tmp_path
):
    _built(engines, sandbox, tmp_path)
    engine = engines.new(profile=_profile(tmp_path, "4.0"))
    plan = engine.plan("control-tower")
    update = [c for c in plan.changes if c.resource == "landing zone"]
    assert [(c.action, c.name, c.destructive) for c in update] == [
        ("update", "version 3.3 → 4.0", True)
    ]
    assert "config" in update[0].data["manifest"]
    role = [c for c in plan.changes if c.resource == "IAM role"]
    assert [c.name for c in role] == [ROLE] and "must be removed" in role[0].detail
    with pytest.raises(RefusedError):
        engine.apply("control-tower", plan)

    engine.apply("control-tower", engine.plan("control-tower"), confirm_destructive=lambda p: True)
    tower = client(sandbox, "controltower")
    arn = tower.list_landing_zones()["landingZones"][0]["arn"]
    zone = tower.get_landing_zone(landingZoneIdentifier=arn)["landingZone"]
    assert zone["version"] == "4.0" and zone["manifest"]["config"]["enabled"] is True
    iam = client(sandbox, "iam")
    assert iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == []
    results = _results(engine)
    assert results["ct.service-roles"] == Status.PASS
    assert results["ct.version-current"] == Status.PASS


def test_landing_zone_4_is_not_started_unless_the_shared_accounts_share_a_top_level_ou(
    engines, sandbox, tmp_path
):
    engine = engines.new(profile=_profile(tmp_path, "4.0"))
    converge(engine, ["management-account", "root-mfa", "organization", "accounts"])
    org = client(sandbox, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    audit = engine.account_id("audit")
    parent = org.list_parents(ChildId=audit)["Parents"][0]["Id"]
    org.move_account(AccountId=audit, SourceParentId=parent, DestinationParentId=root)
    plan = engine.plan("control-tower")
    assert any("one OU directly under the root" in n for n in plan.notes)
    with pytest.raises(RefusedError) as info:
        engine.apply("control-tower", plan)
    assert "different OUs" in str(info.value)
    assert client(sandbox, "controltower").list_landing_zones()["landingZones"] == []
    converge(engine, ["accounts", "control-tower"])  # the accounts step moves Audit back
    assert len(client(sandbox, "controltower").list_landing_zones()["landingZones"]) == 1


def _expire_after_first_poll(engine) -> list[int]:
    """AWS's answer once an SSO session / chained role runs out mid-poll: ExpiredTokenException."""
    from botocore.awsrequest import AWSResponse

    calls = [0]

    def handler(**kwargs):
        calls[0] += 1
        if calls[0] < 2:
            return None
        body = {
            "Error": {
                "Code": "ExpiredTokenException",
                "Message": "The security token included in the request is expired",
            },
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return AWSResponse("https://controltower", 403, {}, None), body

    engine.session.events.register("before-call.controltower.GetLandingZoneOperation", handler)
    return calls


def test_credentials_expiring_mid_poll_then_a_new_run_resumes(engines, sandbox, tmp_path):
    profile = _profile(tmp_path, "4.0")
    first = engines.new(profile=profile)
    converge(first, ["management-account", "root-mfa", "organization", "accounts"])
    messages: list[str] = []
    first.progress_listeners.append(lambda step, message, done, total: messages.append(message))
    sandbox.configure(op_delay_s=3)
    _expire_after_first_poll(first)
    with pytest.raises(Exception) as info:
        first.apply("control-tower")
    op_id = first.state.operations("control-tower")["landing-zone"]["id"]
    text = str(info.value) + " " + str(getattr(info.value, "hint", ""))
    assert "expired while waiting for the landing zone" in text and op_id in text
    assert "resumes polling" in text
    assert any("at most 1 hour" in m for m in messages)
    first.close()

    sandbox.configure(op_delay_s=0.1)
    second = engines.new(profile=profile)
    plan = second.plan("control-tower")
    assert [c.action for c in plan.changes if c.resource == "landing zone"] == ["resume"]
    second.apply("control-tower", plan)
    tower = client(sandbox, "controltower")
    operations = tower.list_landing_zone_operations()["landingZoneOperations"]
    assert [o["operationIdentifier"] for o in operations] == [op_id]  # no second CreateLandingZone
    assert len(tower.list_landing_zones()["landingZones"]) == 1


def test_the_update_waits_for_a_landing_zone_operation_started_elsewhere(
    engines, sandbox, tmp_path
):
    """AWS runs one landing zone operation at a time (ConflictException otherwise): a reset
    someone started is waited for, then the confirmed update runs."""
    _built(engines, sandbox, tmp_path)
    engine = engines.new(profile=_profile(tmp_path, "4.0"))
    plan = engine.plan("control-tower")
    tower = client(sandbox, "controltower")
    arn = tower.list_landing_zones()["landingZones"][0]["arn"]
    sandbox.configure(op_delay_s=1.0)
    reset = tower.reset_landing_zone(landingZoneIdentifier=arn)["operationIdentifier"]
    lines: list[str] = []
    engine.progress_listeners.append(lambda step, text, *rest: lines.append(text))
    engine.apply("control-tower", plan, confirm_destructive=lambda p: True)
    assert (
        tower.get_landing_zone_operation(operationIdentifier=reset)["operationDetails"]["status"]
        == "SUCCEEDED"
    )
    assert any(f"waiting for landing zone operation {reset}" in line for line in lines)
    assert tower.get_landing_zone(landingZoneIdentifier=arn)["landingZone"]["version"] == "4.0"
