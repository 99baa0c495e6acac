"""sso-admin, EC2, Config and S3 corrections."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .helpers import control, create_account, member_credentials


def test_sso_instance_only_in_home_region(aws) -> None:
    east, west = aws("sso-admin"), aws("sso-admin", region="eu-west-1")
    assert east.list_instances()["Instances"] == []
    aws("organizations", region="us-east-1").create_organization(FeatureSet="ALL")
    instances = east.list_instances()["Instances"]
    assert len(instances) == 1 and instances[0]["OwnerAccountId"] == "123456789012"
    assert west.list_instances()["Instances"] == []
    instance = instances[0]["InstanceArn"]
    permission_set = east.create_permission_set(Name="Admin", InstanceArn=instance)["PermissionSet"]
    east.attach_managed_policy_to_permission_set(
        InstanceArn=instance,
        PermissionSetArn=permission_set["PermissionSetArn"],
        ManagedPolicyArn="arn:aws:iam::aws:policy/AdministratorAccess",
    )
    request = east.provision_permission_set(
        InstanceArn=instance,
        PermissionSetArn=permission_set["PermissionSetArn"],
        TargetType="ALL_PROVISIONED_ACCOUNTS",
    )
    request_id = request["PermissionSetProvisioningStatus"]["RequestId"]
    status = east.describe_permission_set_provisioning_status(
        InstanceArn=instance, ProvisionPermissionSetRequestId=request_id
    )
    assert status["PermissionSetProvisioningStatus"]["Status"] == "SUCCEEDED"


def test_sso_member_and_account_instance(aws) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "m@example.com")
    member_sso = aws("sso-admin", **member_credentials(aws("sts"), member))
    assert member_sso.list_instances()["Instances"] == []
    with pytest.raises(ClientError):
        aws("sso-admin").create_instance(Name="x")
    arn = member_sso.create_instance(Name="account-instance")["InstanceArn"]
    assert [i["InstanceArn"] for i in member_sso.list_instances()["Instances"]] == [arn]


def test_only_the_owner_deletes_the_organization_instance_and_everything_goes_with_it(
    aws, sandbox
) -> None:
    """sso-admin DeleteInstance: "Only the account that owns the instance can call this API"; enabling
    the organization instance again is a console action (the control endpoint)."""
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    member = create_account(org, "Member", "m@example.com")
    sso = aws("sso-admin")
    instance = sso.list_instances()["Instances"][0]
    sso.create_permission_set(Name="Admin", InstanceArn=instance["InstanceArn"])
    store = aws("identitystore")
    store.create_group(IdentityStoreId=instance["IdentityStoreId"], DisplayName="Administrators")
    member_sso = aws("sso-admin", **member_credentials(aws("sts"), member))
    with pytest.raises(ClientError) as info:
        member_sso.delete_instance(InstanceArn=instance["InstanceArn"])
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"

    sso.delete_instance(InstanceArn=instance["InstanceArn"])
    assert sso.list_instances()["Instances"] == []
    with pytest.raises(ClientError):
        sso.create_instance(Name="x")  # no account instance in the management account either
    assert control(sandbox.endpoint, "/_sandbox/identity-center", {"enabled": True})[0] == 200
    assert control(sandbox.endpoint, "/_sandbox/identity-center", {"enabled": True})[0] == 409
    again = sso.list_instances()["Instances"]
    assert [i["InstanceArn"] for i in again] != [instance["InstanceArn"]] and len(again) == 1
    assert sso.list_permission_sets(InstanceArn=again[0]["InstanceArn"])["PermissionSets"] == []
    assert store.list_groups(IdentityStoreId=again[0]["IdentityStoreId"])["Groups"] == []


def test_describe_regions(aws) -> None:
    ec2 = aws("ec2")
    default = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions()["Regions"]}
    assert "us-east-1" in default and set(default.values()) == {"opt-in-not-required"}
    assert not any(r.startswith(("cn-", "us-gov-")) for r in default)
    every = {
        r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]
    }
    assert every["af-south-1"] == "not-opted-in" and len(every) > len(default)
    only = ec2.describe_regions(RegionNames=["eu-west-1"])["Regions"]
    assert [r["RegionName"] for r in only] == ["eu-west-1"]
    assert ec2.get_ebs_default_kms_key_id()["KmsKeyId"] == "alias/aws/ebs"
    ec2.modify_ebs_default_kms_key_id(KmsKeyId="alias/mine")
    assert ec2.get_ebs_default_kms_key_id()["KmsKeyId"] == "alias/mine"


def test_config_delivery_status_and_org_rules(aws) -> None:
    s3, config = aws("s3"), aws("config")
    s3.create_bucket(Bucket="config-bucket")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    statuses = config.describe_delivery_channel_status()["DeliveryChannelsStatus"]
    assert statuses[0]["name"] == "default"
    assert statuses[0]["configSnapshotDeliveryInfo"]["lastStatus"] == "Success"
    aws("organizations").create_organization(FeatureSet="ALL")
    arn = config.put_organization_config_rule(
        OrganizationConfigRuleName="root-mfa",
        OrganizationManagedRuleMetadata={"RuleIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"},
    )["OrganizationConfigRuleArn"]
    rules = config.describe_organization_config_rules()["OrganizationConfigRules"]
    assert [r["OrganizationConfigRuleArn"] for r in rules] == [arn]


def test_tls_only_bucket_policy_does_not_block_owner(aws) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="trail-bucket")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::trail-bucket/AWSLogs/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::trail-bucket", "arn:aws:s3:::trail-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    s3.put_bucket_policy(Bucket="trail-bucket", Policy=json.dumps(policy))
    s3.put_object(Bucket="trail-bucket", Key="AWSLogs/x.json", Body=b"{}")
    assert s3.get_object(Bucket="trail-bucket", Key="AWSLogs/x.json")["Body"].read() == b"{}"
    deny_all = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::trail-bucket/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket="trail-bucket", Policy=json.dumps(deny_all))
    with pytest.raises(ClientError):
        s3.put_object(Bucket="trail-bucket", Key="y", Body=b"{}")


@pytest.mark.parametrize(
    "dependency",
    ["security-group", "vpc-endpoint", "route-table", "network-acl", "egress-only-igw", "peering"],
)
def test_delete_vpc_refused_while_dependencies_remain(aws, dependency) -> None:
    ec2 = aws("ec2", region="eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    if dependency == "security-group":
        ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)
    elif dependency == "vpc-endpoint":
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName="com.amazonaws.eu-west-1.s3", VpcEndpointType="Gateway"
        )
    elif dependency == "route-table":
        ec2.create_route_table(VpcId=vpc)
    elif dependency == "network-acl":
        ec2.create_network_acl(VpcId=vpc)
    elif dependency == "egress-only-igw":
        ec2.create_egress_only_internet_gateway(VpcId=vpc)
    else:
        other = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=other)
    with pytest.raises(ClientError) as err:
        ec2.delete_vpc(VpcId=vpc)
    assert err.value.response["Error"]["Code"] == "DependencyViolation"
    assert (
        err.value.response["Error"]["Message"]
        == f"The vpc '{vpc}' has dependencies and cannot be deleted."
    )
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]


def test_delete_empty_vpc_still_works(aws) -> None:
    ec2 = aws("ec2", region="eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.delete_vpc(VpcId=vpc)
    assert vpc not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
