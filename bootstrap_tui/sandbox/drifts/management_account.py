"""Drifts of the management-account step's checks."""

from __future__ import annotations

from typing import Any

from ..plain import client, control
from . import Drift

CONTACT_FIELDS = ("Name", "Title", "EmailAddress", "PhoneNumber")


def _delete_alias(endpoint: str, account: str, region: str | None) -> str:
    iam = client(endpoint, "iam", account)
    alias = iam.list_account_aliases()["AccountAliases"][0]
    iam.delete_account_alias(AccountAlias=alias)
    return alias


def _create_alias(endpoint: str, account: str, region: str | None, alias: str) -> None:
    client(endpoint, "iam", account).create_account_alias(AccountAlias=alias)


def _contact_deleter(kind: str) -> Any:
    def delete(endpoint: str, account: str, region: str | None) -> dict[str, str]:
        accounts = client(endpoint, "account", account)
        contact = accounts.get_alternate_contact(AlternateContactType=kind)["AlternateContact"]
        accounts.delete_alternate_contact(AlternateContactType=kind)
        return {k: contact[k] for k in CONTACT_FIELDS if k in contact}

    return delete


def _contact_restorer(kind: str) -> Any:
    def restore(endpoint: str, account: str, region: str | None, contact: dict[str, str]) -> None:
        client(endpoint, "account", account).put_alternate_contact(
            AlternateContactType=kind, **contact
        )

    return restore


def _root_access_key(endpoint: str, account: str, region: str | None) -> dict[str, str]:
    """Someone creates an access key for the root user (console) to run the tool with it."""
    return control(endpoint, "/_sandbox/root", {"account": account, "access_keys": True})[
        "access_key"
    ]


def _delete_root_access_key(endpoint: str, account: str, region: str | None, key: Any) -> None:
    control(endpoint, "/_sandbox/root", {"account": account, "access_keys": False})


def _the_key(key: dict[str, str]) -> dict[str, str]:
    return key


def _run_instance(endpoint: str, account: str, region: str | None) -> dict[str, str]:
    """A small EC2 instance started in the management account, in a VPC of its own (the default
    VPCs are gone) from an image of its own (the sandbox loads no sample AMIs)."""
    ec2 = client(endpoint, "ec2", account, region or "us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    image = ec2.register_image(
        Name="drift-workload",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, InstanceType="t3.micro", SubnetId=subnet, MinCount=1, MaxCount=1
    )["Instances"][0]["InstanceId"]
    return {"image": image, "instance": instance, "subnet": subnet, "vpc": vpc}


def _terminate_instance(
    endpoint: str, account: str, region: str | None, made: dict[str, str]
) -> None:
    ec2 = client(endpoint, "ec2", account, region or "us-east-1")
    ec2.terminate_instances(InstanceIds=[made["instance"]])
    ec2.deregister_image(ImageId=made["image"])
    for interface in ec2.describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [made["subnet"]]}]
    )["NetworkInterfaces"]:
        ec2.delete_network_interface(NetworkInterfaceId=interface["NetworkInterfaceId"])
    ec2.delete_subnet(SubnetId=made["subnet"])
    ec2.delete_vpc(VpcId=made["vpc"])


DRIFTS: tuple[Drift, ...] = (
    Drift(
        "mgmt.no-workloads",
        "management",
        0,
        "a t3.micro EC2 instance runs in the management account",
        _run_instance,
        _terminate_instance,
    ),
    Drift(
        "mgmt.caller-not-root",
        "management",
        None,
        "verify runs with an access key of the root user",
        _root_access_key,
        _delete_root_access_key,
        caller=_the_key,
    ),
    Drift(
        "mgmt.account-alias",
        "management",
        None,
        "the management account's IAM account alias is deleted",
        _delete_alias,
        _create_alias,
    ),
    Drift(
        "mgmt.security-contact",
        "management",
        None,
        "the SECURITY alternate contact is deleted",
        _contact_deleter("SECURITY"),
        _contact_restorer("SECURITY"),
    ),
    Drift(
        "mgmt.alternate-contacts",
        "management",
        None,
        "the BILLING alternate contact is deleted",
        _contact_deleter("BILLING"),
        _contact_restorer("BILLING"),
    ),
)
