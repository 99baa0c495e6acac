"""Amazon Inspector's organization rules and the flow-log delivery rule, with plain boto3."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .helpers import create_account, member_credentials


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _org(aws) -> tuple[str, str]:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    return create_account(org, "Audit", "audit@example.com"), create_account(
        org, "Workload", "wl@example.com"
    )


def test_inspector_organization_walkthrough(aws) -> None:
    audit, workload = _org(aws)
    admin = aws("inspector2", **member_credentials(aws("sts"), audit))
    code, message = _error(admin.describe_organization_configuration)
    assert code == "AccessDeniedException" and "organization configuration" in message
    assert _error(lambda: admin.enable_delegated_admin_account(delegatedAdminAccountId=audit))[
        0
    ] == ("AccessDeniedException")
    aws("inspector2").enable_delegated_admin_account(delegatedAdminAccountId=audit)
    listed = aws("inspector2").list_delegated_admin_accounts()["delegatedAdminAccounts"]
    assert listed == [{"accountId": audit, "status": "ENABLED"}]
    assert _error(
        lambda: aws("inspector2").enable_delegated_admin_account(delegatedAdminAccountId=workload)
    )[0] == ("ConflictException")
    not_member = admin.enable(accountIds=[workload], resourceTypes=["EC2"])
    assert not_member["accounts"] == []
    assert not_member["failedAccounts"][0]["errorCode"] == "ACCESS_DENIED"
    admin.associate_member(accountId=workload)
    done = admin.enable(accountIds=[workload], resourceTypes=["EC2", "ECR"])
    assert (
        done["failedAccounts"] == [] and done["accounts"][0]["resourceStatus"]["ec2"] == "ENABLED"
    )
    member = aws("inspector2", **member_credentials(aws("sts"), workload))
    state = member.batch_get_account_status()["accounts"][0]
    assert state["state"]["status"] == "ENABLED"
    assert state["resourceState"]["lambda"]["status"] == "DISABLED"
    admin.update_organization_configuration(autoEnable={"ec2": True, "ecr": True})
    auto = admin.describe_organization_configuration()["autoEnable"]
    assert auto["ec2"] and auto["ecr"] and not auto["lambda"]
    west = aws("inspector2", region="us-west-2", **member_credentials(aws("sts"), audit))
    assert _error(west.describe_organization_configuration)[0] == "AccessDeniedException"


def _bucket(aws, account: str, name: str) -> object:
    s3 = aws("s3", **member_credentials(aws("sts"), account))
    s3.create_bucket(Bucket=name)
    return s3


def _flow_log(aws, account: str, bucket: str) -> dict:
    ec2 = aws("ec2", **member_credentials(aws("sts"), account))
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )


def test_flow_logs_to_another_accounts_bucket_need_its_delivery_policy(aws) -> None:
    archive, workload = _org(aws)
    s3 = _bucket(aws, archive, "flow-logs-archive")
    refused = _flow_log(aws, workload, "flow-logs-archive")
    assert refused["FlowLogIds"] == []
    assert refused["Unsuccessful"][0]["Error"]["Message"].startswith(
        "Access Denied for LogDestination: flow-logs-archive"
    )
    other = {"aws:SourceAccount": [archive]}
    for allowed_account, accepted in ((other, False), ({"aws:SourceAccount": [workload]}, True)):
        s3.put_bucket_policy(
            Bucket="flow-logs-archive",
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AWSLogDeliveryWrite",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::flow-logs-archive/AWSLogs/*",
                            "Condition": {
                                "StringEquals": {
                                    **allowed_account,
                                    "s3:x-amz-acl": "bucket-owner-full-control",
                                }
                            },
                        }
                    ],
                }
            ),
        )
        created = _flow_log(aws, workload, "flow-logs-archive")
        assert bool(created["FlowLogIds"]) is accepted, created
