"""Brownfield seeds: what a founder built by hand before finding this tool.

Each is made with plain boto3 (``plain.client``), the way a person clicks it together in the
console, except ``half-finished``, where the real engine applied the first steps of
startup-minimal (throw-away state file) and then a person changed things by hand.

- ``brownfield-org``: an organization with the founder's own OUs Prod and Dev (one account
  each), their own SCP on Dev, a password policy stricter in some fields and weaker in others,
  alternate contacts on the management account, a disabled GuardDuty detector.
- ``brownfield-services``: ``brownfield-org`` plus, in the management account and home region,
  the founder's own single-region trail to their own bucket and a stopped Config recorder that
  records only EC2 instances, with its own bucket and delivery channel.
- ``brownfield-iam``: an organization with the founder's OU Dev and account ``Dev App``; in the
  management account an administrator IAM user ``founder`` with a console password and an
  access key, another mixed password policy and the account alias ``founder-co``; in Dev App a
  custom security group in the default VPC.
- ``half-finished``: the engine applied startup-minimal up to and including guardrails; then a
  person detached one guardrail SCP from the Workloads OU and created an OU ``Experiments``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .plain import client as _client
from .plain import info as _info

HOME_REGION = "us-east-1"
BROWNFIELD_CONTACT = {
    "Name": "Jane Founder",
    "Title": "CEO",
    "EmailAddress": "jane@founder.example",
    "PhoneNumber": "+1 206 555 0142",
}
BROWNFIELD_SCP = "dev-deny-expensive-instances"
BROWNFIELD_PASSWORD_POLICY = {
    "MinimumPasswordLength": 8,
    "MaxPasswordAge": 30,
    "HardExpiry": True,
    "RequireUppercaseCharacters": True,
    "AllowUsersToChangePassword": True,
}
FOUNDER_TRAIL = "management-events"
FOUNDER_RECORDER = "default"
FOUNDER_RECORDED_TYPES = ["AWS::EC2::Instance"]
FOUNDER_USER = "founder"
FOUNDER_SECURITY_GROUP = "founder-ssh"
FOUNDER_ALIAS = "founder-co"
IAM_PASSWORD_POLICY = {
    "MinimumPasswordLength": 20,
    "MaxPasswordAge": 30,
    "PasswordReusePrevention": 5,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
    "AllowUsersToChangePassword": True,
}
HALF_FINISHED_STEPS = 8  # management-account … guardrails of startup-minimal
HALF_FINISHED_OU = "Experiments"
HALF_FINISHED_DETACHED_FROM = "Workloads"


def founder_trail_bucket(account: str) -> str:
    return f"founder-cloudtrail-{account}"


def founder_config_bucket(account: str) -> str:
    return f"config-bucket-{account}"


def build(endpoint: str, seed: str) -> None:
    """Apply the brownfield ``seed`` to a freshly reset sandbox."""
    builders = {
        "brownfield-org": build_org,
        "brownfield-services": build_services,
        "brownfield-iam": build_iam,
        "half-finished": build_half_finished,
    }
    builders[seed](endpoint)


# ------------------------------------------------------------------ brownfield-org


def build_org(endpoint: str) -> None:
    """The organization, SCP, password policy, contacts and disabled detector of ``brownfield-org``."""
    org = _organization(endpoint)
    root = org.list_roots()["Roots"][0]["Id"]
    _ou_with_account(org, root, "Prod")
    dev = _ou_with_account(org, root, "Dev")
    policy = org.create_policy(
        Name=BROWNFIELD_SCP,
        Type="SERVICE_CONTROL_POLICY",
        Description="the founder's own SCP",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "NoLargeInstances",
                        "Effect": "Deny",
                        "Action": "ec2:RunInstances",
                        "Resource": "arn:aws:ec2:*:*:instance/*",
                        "Condition": {
                            "StringLike": {"ec2:InstanceType": ["*.8xlarge", "*.16xlarge"]}
                        },
                    }
                ],
            }
        ),
    )
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=dev)
    _client(endpoint, "iam").update_account_password_policy(**BROWNFIELD_PASSWORD_POLICY)
    account = _client(endpoint, "account")
    for kind in ("BILLING", "OPERATIONS", "SECURITY"):
        account.put_alternate_contact(AlternateContactType=kind, **BROWNFIELD_CONTACT)
    _client(endpoint, "guardduty", region=HOME_REGION).create_detector(Enable=False)


def _organization(endpoint: str) -> Any:
    org = _client(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    return org


def _ou_with_account(org: Any, root: str, name: str) -> str:
    """A top-level OU ``name`` holding a new account ``<name> App``; returns the OU id."""
    ou = org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
    account = created_account(org, f"{name} App", f"aws+{name.lower()}-app@founder.example")
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
    return ou


def created_account(org: Any, name: str, email: str) -> str:
    """CreateAccount, polled until it ends; returns the new account id."""
    status = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    for _ in range(600):
        if status["State"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
        status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"
        ]
    if status["State"] != "SUCCEEDED":
        raise RuntimeError(f"brownfield seed: account {name}: {status.get('FailureReason')}")
    return status["AccountId"]


# ------------------------------------------------------------------ brownfield-services


def build_services(endpoint: str) -> None:
    """``brownfield-org`` plus the founder's own trail and a stopped, EC2-only Config recorder."""
    build_org(endpoint)
    account = _info(endpoint)["management_account_id"]
    _founder_trail(endpoint, account)
    _founder_config(endpoint, account)


def _founder_trail(endpoint: str, account: str) -> None:
    """A single-region trail to the founder's bucket, with the bucket policy of the CloudTrail
    guide ("Amazon S3 bucket policy for CloudTrail")."""
    bucket = founder_trail_bucket(account)
    trail_arn = f"arn:aws:cloudtrail:{HOME_REGION}:{account}:trail/{FOUNDER_TRAIL}"
    s3 = _client(endpoint, "s3", region=HOME_REGION)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AWSCloudTrailAclCheck",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:GetBucketAcl",
                        "Resource": f"arn:aws:s3:::{bucket}",
                        "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
                    },
                    {
                        "Sid": "AWSCloudTrailWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
                        "Condition": {
                            "StringEquals": {
                                "s3:x-amz-acl": "bucket-owner-full-control",
                                "aws:SourceArn": trail_arn,
                            }
                        },
                    },
                ],
            }
        ),
    )
    trail = _client(endpoint, "cloudtrail", region=HOME_REGION)
    trail.create_trail(
        Name=FOUNDER_TRAIL,
        S3BucketName=bucket,
        IsMultiRegionTrail=False,
        IncludeGlobalServiceEvents=True,
    )
    trail.start_logging(Name=FOUNDER_TRAIL)


def _founder_config(endpoint: str, account: str) -> None:
    """A Config recorder for EC2 instances only, with its own bucket (bucket policy of the Config
    guide, "Permissions for the Amazon S3 Bucket for the AWS Config delivery channel") and
    delivery channel; started once, then stopped."""
    bucket = founder_config_bucket(account)
    source = {"StringEquals": {"AWS:SourceAccount": account}}
    s3 = _client(endpoint, "s3", region=HOME_REGION)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AWSConfigBucketPermissionsCheck",
                        "Effect": "Allow",
                        "Principal": {"Service": "config.amazonaws.com"},
                        "Action": "s3:GetBucketAcl",
                        "Resource": f"arn:aws:s3:::{bucket}",
                        "Condition": source,
                    },
                    {
                        "Sid": "AWSConfigBucketExistenceCheck",
                        "Effect": "Allow",
                        "Principal": {"Service": "config.amazonaws.com"},
                        "Action": "s3:ListBucket",
                        "Resource": f"arn:aws:s3:::{bucket}",
                        "Condition": source,
                    },
                    {
                        "Sid": "AWSConfigBucketDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": "config.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/Config/*",
                        "Condition": {
                            "StringEquals": {
                                "s3:x-amz-acl": "bucket-owner-full-control",
                                "AWS:SourceAccount": account,
                            }
                        },
                    },
                ],
            }
        ),
    )
    role = _client(endpoint, "iam").create_service_linked_role(
        AWSServiceName="config.amazonaws.com"
    )["Role"]["Arn"]
    config = _client(endpoint, "config", region=HOME_REGION)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": FOUNDER_RECORDER,
            "roleARN": role,
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": FOUNDER_RECORDED_TYPES,
                "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
            },
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    config.start_configuration_recorder(ConfigurationRecorderName=FOUNDER_RECORDER)
    config.stop_configuration_recorder(ConfigurationRecorderName=FOUNDER_RECORDER)


# ------------------------------------------------------------------ brownfield-iam


def build_iam(endpoint: str) -> None:
    """An admin user with a password and a key, a mixed password policy, an account alias, and a
    custom security group in the default VPC of a member account."""
    org = _organization(endpoint)
    root = org.list_roots()["Roots"][0]["Id"]
    _ou_with_account(org, root, "Dev")
    iam = _client(endpoint, "iam")
    iam.create_user(UserName=FOUNDER_USER)
    iam.attach_user_policy(
        UserName=FOUNDER_USER, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    iam.create_login_profile(
        UserName=FOUNDER_USER, Password="Founder-Console-Pa55!", PasswordResetRequired=False
    )
    iam.create_access_key(UserName=FOUNDER_USER)
    iam.update_account_password_policy(**IAM_PASSWORD_POLICY)
    iam.create_account_alias(AccountAlias=FOUNDER_ALIAS)
    dev_app = next(a["id"] for a in _info(endpoint)["accounts"] if a.get("name") == "Dev App")
    _custom_security_group(endpoint, dev_app)


def _custom_security_group(endpoint: str, account: str) -> None:
    ec2 = _client(endpoint, "ec2", account=account, region=HOME_REGION)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    group = ec2.create_security_group(
        GroupName=FOUNDER_SECURITY_GROUP, VpcId=vpc, Description="SSH from the office"
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "office"}],
            }
        ],
    )


# ------------------------------------------------------------------ half-finished


def build_half_finished(endpoint: str) -> None:
    """The engine's first steps (through guardrails), then two changes by hand."""
    from .seeds import run_engine_steps

    run_engine_steps(endpoint, "half-finished", HALF_FINISHED_STEPS)
    org = _client(endpoint, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    tops = {
        ou["Name"]: ou["Id"]
        for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    }
    target = tops[HALF_FINISHED_DETACHED_FROM]
    guardrail = sorted(
        p["Id"]
        for p in org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")[
            "Policies"
        ]
        if p["Name"].startswith("bootstrap-guardrails-")
    )[0]
    org.detach_policy(PolicyId=guardrail, TargetId=target)
    org.create_organizational_unit(ParentId=root, Name=HALF_FINISHED_OU)
