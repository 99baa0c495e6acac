"""IAM access rules the sandbox enforces: AssumeRole needs an existing role whose trust policy
lets the caller in; accounts Organizations creates get their access role."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .helpers import create_account, member_credentials


def _trust(principal: str, external_id: str | None = None) -> str:
    statement: dict = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def member(aws):
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    return create_account(org, "Member", "member@example.com")


def test_a_created_account_has_the_access_role_with_administrator_access(aws, member):
    creds = member_credentials(aws("sts"), member)
    iam = aws("iam", **creds)
    role = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:root"
    }
    attached = iam.list_attached_role_policies(RoleName="OrganizationAccountAccessRole")[
        "AttachedPolicies"
    ]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]


def test_assume_role_into_a_missing_role_is_access_denied(aws, member):
    with pytest.raises(ClientError) as info:
        aws("sts").assume_role(
            RoleArn=f"arn:aws:iam::{member}:role/bootstrap-tui-audit", RoleSessionName="test"
        )
    error = info.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert (
        f"sts:AssumeRole on resource: arn:aws:iam::{member}:role/bootstrap-tui-audit"
        in error["Message"]
    )


def test_assume_role_follows_the_trust_policy_and_its_external_id(aws, member):
    iam = aws("iam", **member_credentials(aws("sts"), member))
    iam.create_role(
        RoleName="other-trust", AssumeRolePolicyDocument=_trust("arn:aws:iam::999999999999:root")
    )
    iam.create_role(
        RoleName="with-external-id",
        AssumeRolePolicyDocument=_trust("arn:aws:iam::123456789012:root", "ci-4711"),
    )
    sts = aws("sts")
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/other-trust", RoleSessionName="test")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as info:
        sts.assume_role(
            RoleArn=f"arn:aws:iam::{member}:role/with-external-id", RoleSessionName="test"
        )
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/with-external-id",
        RoleSessionName="test",
        ExternalId="ci-4711",
    )["Credentials"]
    assert creds["AccessKeyId"]


READ_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ec2:Describe*", "iam:Get*", "iam:List*"],
                "Resource": "*",
            }
        ],
    }
)


def _session(aws, member: str, role: str) -> dict[str, str]:
    creds = aws("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/{role}", RoleSessionName="test"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def test_a_known_role_may_do_only_what_its_policies_allow(aws, member):
    iam = aws("iam", **member_credentials(aws("sts"), member))
    iam.create_role(
        RoleName="reader", AssumeRolePolicyDocument=_trust("arn:aws:iam::123456789012:root")
    )
    iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=READ_ONLY)
    reader = _session(aws, member, "reader")
    ec2 = aws("ec2", **reader)
    assert ec2.describe_vpcs()["Vpcs"] is not None
    with pytest.raises(ClientError) as info:
        ec2.create_vpc(CidrBlock="10.9.0.0/16")
    assert info.value.response["Error"]["Code"] == "UnauthorizedOperation"
    with pytest.raises(ClientError) as info:
        aws("s3", **reader).list_buckets()
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert aws("ec2").describe_vpcs()["Vpcs"] is not None  # the default test credentials: unchanged


def test_an_scp_deny_stops_a_role_that_is_not_exempt(aws, member):
    org = aws("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    deny = org.create_policy(
        Name="no-vpcs",
        Type="SERVICE_CONTROL_POLICY",
        Description="test",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "ec2:CreateVpc",
                        "Resource": "*",
                        "Condition": {
                            "ArnNotLike": {
                                "aws:PrincipalArn": [
                                    "arn:aws:iam::*:role/OrganizationAccountAccessRole"
                                ]
                            }
                        },
                    }
                ],
            }
        ),
    )
    org.attach_policy(PolicyId=deny["Policy"]["PolicySummary"]["Id"], TargetId=member)
    admin = member_credentials(aws("sts"), member)
    iam = aws("iam", **admin)
    iam.create_role(
        RoleName="builder", AssumeRolePolicyDocument=_trust("arn:aws:iam::123456789012:root")
    )
    iam.attach_role_policy(
        RoleName="builder", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    with pytest.raises(ClientError) as info:
        aws("ec2", **_session(aws, member, "builder")).create_vpc(CidrBlock="10.8.0.0/16")
    assert "service control policy" in info.value.response["Error"]["Message"]
    assert aws("ec2", **admin).create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]  # exempt role


def test_actions_are_named_by_the_signing_name_as_iam_names_them():
    from bootstrap_tui.sandbox.authz import iam_action
    from bootstrap_tui.sandbox.wire import Call

    def call(
        service: str, operation: str | None, method: str = "POST", path: str = "/", query=None
    ) -> Call:
        return Call(
            method=method,
            path=path,
            query=query or {},
            headers={},
            body=b"",
            service=service,
            operation=operation,
        )

    assert iam_action(call("sso", "ListInstances")) == "sso:ListInstances"
    assert iam_action(call("access-analyzer", "ListAnalyzers")) == "access-analyzer:ListAnalyzers"
    assert iam_action(call("sts", "GetCallerIdentity")) is None
    assert (
        iam_action(call("s3", None, "GET", "/v20180820/configuration/publicAccessBlock"))
        == "s3:GetAccountPublicAccessBlock"
    )
    assert (
        iam_action(call("s3", None, "GET", "/bucket", {"lifecycle": [""]}))
        == "s3:GetLifecycleConfiguration"
    )
    assert iam_action(call("s3", None, "GET", "/")) == "s3:ListAllMyBuckets"


def test_an_scp_deny_on_named_resources_stops_only_those(aws, member):
    """Control Tower's guardrail SCPs deny changes to its own roles only, e.g. aws-controltower-*."""
    org = aws("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    deny = org.create_policy(
        Name="protect-roles",
        Type="SERVICE_CONTROL_POLICY",
        Description="test",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": ["iam:CreateRole", "iam:DeleteRole"],
                        "Resource": ["arn:aws:iam::*:role/protected-*"],
                    }
                ],
            }
        ),
    )
    org.attach_policy(PolicyId=deny["Policy"]["PolicySummary"]["Id"], TargetId=member)
    iam = aws("iam", **member_credentials(aws("sts"), member))
    trust = _trust("arn:aws:iam::123456789012:root")
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName="protected-audit", AssumeRolePolicyDocument=trust)
    assert "service control policy" in info.value.response["Error"]["Message"]
    assert iam.create_role(RoleName="bootstrap-tui-audit", AssumeRolePolicyDocument=trust)["Role"][
        "Arn"
    ]
