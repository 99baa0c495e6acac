"""A preventive Control Tower control (AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS) is an SCP on the OU:
the guardrails step keeps a slot for it, and the sandbox refuses it on a full OU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bootstrap_tui.errors import RefusedError
from bootstrap_tui.sandbox.testing import client
from steps import scp_policies as scp
from steps.control_tower import is_preventive

REGIONS = ["us-east-1", "us-west-2"]
VALUES = scp.FillValues(
    allowed_regions=list(REGIONS),
    automation_role="OrganizationAccountAccessRole",
    log_archive_bucket="bootstrap-org-trail-111122223333-us-east-1",
    extra_buckets=[],
)


def test_restrict_root_user_access_keys_is_preventive():
    assert is_preventive("AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS")
    assert is_preventive(
        "arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS"
    )
    assert not is_preventive("AWS-GR_ROOT_ACCOUNT_MFA_ENABLED")
    assert not is_preventive("AWS-GR_RESTRICTED_SSH")


def _three_policies(tmp_path: Path) -> list[str]:
    """Three SCPs too large to share one document: three bundles on every OU."""
    ids = []
    for n in range(3):
        actions = [f"ec2:Action{n}{i:03d}" for i in range(200)]
        doc = {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "S1", "Effect": "Deny", "Action": actions, "Resource": "*"}],
        }
        (tmp_path / f"p{n}.json").write_text(json.dumps(doc))
        ids.append(f"p{n}")
    return ids


def test_preventive_controls_take_an_scp_slot(tmp_path):
    ids = _three_policies(tmp_path)
    assert len(scp.reserved_scps(True, preventive=True)) == 3
    _, bundles = scp.build(ids, VALUES, REGIONS, directory=tmp_path, control_tower=True)
    assert len(bundles) == 3  # FullAWSAccess + Control Tower + 3 = 5
    with pytest.raises(RefusedError, match="preventive controls"):
        scp.build(ids, VALUES, REGIONS, directory=tmp_path, control_tower=True, preventive=True)


def test_shipped_profiles_fit_with_their_preventive_controls():
    from bootstrap_tui.profile import load_profile

    for name in ("soc2", "iso27001", "pci-dss"):
        profile = load_profile(name)
        values = scp.FillValues(
            allowed_regions=list(profile.guardrails.allowed_regions),
            automation_role=profile.automation_role,
            log_archive_bucket="aws-controltower-logs-111122223333-us-east-1",
            extra_buckets=[],
        )
        assert any(is_preventive(c) for c in profile.control_tower.controls)
        scp.build(
            list(profile.guardrails.scps),
            values,
            profile.governed_regions,
            targets=profile.scp_targets(),
            control_tower=True,
            preventive=True,
        )


def test_sandbox_preventive_control_needs_a_free_scp_slot(sandbox):
    from tests.sandbox.helpers import create_ct_roles, manifest, shared_accounts, wait_for

    sandbox.configure(op_delay_s=0)
    org = client(sandbox, "organizations")
    org.create_organization(FeatureSet="ALL")
    create_ct_roles(client(sandbox, "iam"))
    log_archive, audit = shared_accounts(org)
    tower = client(sandbox, "controltower")
    tower.create_landing_zone(version="4.0", manifest=manifest(log_archive, audit))
    root = org.list_roots()["Roots"][0]["Id"]
    room = org.create_organizational_unit(ParentId=root, Name="Room")["OrganizationalUnit"]
    full = org.create_organizational_unit(ParentId=root, Name="Full")["OrganizationalUnit"]
    for ou, count in ((room, 3), (full, 4)):
        for n in range(count):
            policy = org.create_policy(
                Name=f"{ou['Name']}{n}",
                Description="x",
                Type="SERVICE_CONTROL_POLICY",
                Content='{"Version":"2012-10-17","Statement":[]}',
            )["Policy"]
            org.attach_policy(PolicyId=policy["PolicySummary"]["Id"], TargetId=ou["Id"])
    control = "arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS"

    def status(op):
        return tower.get_control_operation(operationIdentifier=op)["controlOperation"]

    refused = tower.enable_control(controlIdentifier=control, targetIdentifier=full["Arn"])
    assert wait_for(lambda: status(refused["operationIdentifier"])["status"]) == "FAILED"
    assert (
        "maximum of 5 service control policies"
        in status(refused["operationIdentifier"])["statusMessage"]
    )
    done = tower.enable_control(controlIdentifier=control, targetIdentifier=room["Arn"])
    assert wait_for(lambda: status(done["operationIdentifier"])["status"]) == "SUCCEEDED"
    names = [
        p["Name"]
        for p in org.list_policies_for_target(TargetId=room["Id"], Filter="SERVICE_CONTROL_POLICY")[
            "Policies"
        ]
    ]
    assert len(names) == 5 and any(n.startswith("aws-guardrails-") for n in names)
