"""Organizations rules the sandbox enforces as AWS does (OU names, trusted access), with plain boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def _root(org) -> str:
    org.create_organization(FeatureSet="ALL")
    return org.list_roots()["Roots"][0]["Id"]


def test_duplicate_ou_name_under_one_parent_is_rejected(aws) -> None:
    org = aws("organizations")
    root = _root(org)
    org.create_organizational_unit(ParentId=root, Name="Workloads")
    with pytest.raises(ClientError) as raised:
        org.create_organizational_unit(ParentId=root, Name="Workloads")
    assert raised.value.response["Error"]["Code"] == "DuplicateOrganizationalUnitException"
    names = [
        o["Name"]
        for o in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    ]
    assert names == ["Workloads"]


def test_same_ou_name_under_another_parent_is_allowed(aws) -> None:
    org = aws("organizations")
    root = _root(org)
    parent = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"][
        "Id"
    ]
    child = org.create_organizational_unit(ParentId=parent, Name="Workloads")["OrganizationalUnit"]
    assert child["Name"] == "Workloads"


def test_rename_to_a_sibling_name_is_rejected(aws) -> None:
    org = aws("organizations")
    root = _root(org)
    org.create_organizational_unit(ParentId=root, Name="Prod")
    dev = org.create_organizational_unit(ParentId=root, Name="Dev")["OrganizationalUnit"]["Id"]
    with pytest.raises(ClientError) as raised:
        org.update_organizational_unit(OrganizationalUnitId=dev, Name="Prod")
    assert raised.value.response["Error"]["Code"] == "DuplicateOrganizationalUnitException"
    renamed = org.update_organizational_unit(OrganizationalUnitId=dev, Name="Staging")[
        "OrganizationalUnit"
    ]
    assert renamed["Name"] == "Staging"


def _enabled(org) -> set[str]:
    return {
        s["ServicePrincipal"]
        for s in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    }


@pytest.mark.parametrize(
    "service, principal, key",
    [
        ("guardduty", "guardduty.amazonaws.com", "AdminAccountId"),
        ("securityhub", "securityhub.amazonaws.com", "AdminAccountId"),
    ],
)
def test_security_services_enable_their_own_trusted_access(aws, service, principal, key) -> None:
    """GuardDuty / Security Hub EnableOrganizationAdminAccount turn on trusted access themselves,
    so the tool needs no EnableAWSServiceAccess for them."""
    from .helpers import create_account

    org = aws("organizations")
    _root(org)
    audit = create_account(org, "Audit", "audit@example.com")
    assert principal not in _enabled(org)
    aws(service).enable_organization_admin_account(**{key: audit})
    assert principal in _enabled(org)
    admins = org.list_delegated_administrators(ServicePrincipal=principal)[
        "DelegatedAdministrators"
    ]
    assert [a["Id"] for a in admins] == [audit]


def test_disabling_scps_detaches_every_scp_and_enabling_attaches_only_full_aws_access(aws) -> None:
    import json

    org = aws("organizations")
    root = _root(org)
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="Sandbox")["OrganizationalUnit"]["Id"]
    deny = org.create_policy(
        Name="deny-leave",
        Type="SERVICE_CONTROL_POLICY",
        Description="d",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=deny, TargetId=ou)

    def scps(target: str) -> list[str]:
        return sorted(
            p["Name"]
            for p in org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")[
                "Policies"
            ]
        )

    assert scps(ou) == ["FullAWSAccess", "deny-leave"]
    org.disable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    assert scps(ou) == [] and scps(root) == []
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    assert scps(ou) == ["FullAWSAccess"] and scps(root) == ["FullAWSAccess"]
