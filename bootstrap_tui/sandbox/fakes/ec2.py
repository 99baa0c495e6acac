"""EC2: aws-partition regions with opt-in status, the EBS default KMS key, DeleteVpc's
dependency rule, and the bucket-policy rule of flow logs delivered to another account's bucket."""

from __future__ import annotations

import fnmatch
import json
from typing import Any
from xml.sax.saxutils import escape

from ..wire import AwsError, Call, Response, ec2_response
from .base import Fake

STANDARD_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
)
OPT_IN_REGIONS = (
    "af-south-1",
    "ap-east-1",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
)


def _list_param(params: dict[str, str], prefix: str) -> list[str]:
    return [v for k, v in params.items() if k.startswith(prefix + ".")]


def vpc_dependencies(backend: Any, vpc_id: str) -> list[str]:
    """What AWS's DeleteVpc refuses to delete a VPC over (the default SG, NACL, main route table excepted)."""
    found = []
    for zone in backend.subnets.values():
        found += [s.id for s in zone.values() if s.vpc_id == vpc_id]
    found += [
        g.id for g in backend.internet_gateways.values() if g.vpc is not None and g.vpc.id == vpc_id
    ]
    found += [g.id for g in backend.groups.get(vpc_id, {}).values() if g.name != "default"]
    found += [
        e.id for e in backend.vpc_end_points.values() if e.vpc_id == vpc_id and e.state != "deleted"
    ]
    found += [
        p.id
        for p in backend.vpc_pcxs.values()
        if vpc_id in (p.vpc.id, p.peer_vpc.id)
        and p._status.code not in ("deleted", "rejected", "expired", "failed")
    ]
    found += [
        n.id for n in backend.nat_gateways.values() if n.vpc_id == vpc_id and n.state != "deleted"
    ]
    found += [
        r.id
        for r in backend.route_tables.values()
        if r.vpc_id == vpc_id and r.main_association_id is None
    ]
    found += [a.id for a in backend.network_acls.values() if a.vpc_id == vpc_id and not a.default]
    found += [
        g.id
        for g in backend.vpn_gateways.values()
        if getattr(g.attachments.get(vpc_id), "state", None) == "attached"
    ]
    found += [g.id for g in backend.egress_only_internet_gateways.values() if g.vpc_id == vpc_id]
    found += [
        n.id for n in backend.enis.values() if n.subnet is not None and n.subnet.vpc_id == vpc_id
    ]
    return found


LOG_DELIVERY = "delivery.logs.amazonaws.com"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _conditions_hold(condition: dict[str, Any], account: str, org_id: str | None) -> bool:
    """The aws:SourceAccount / aws:SourceOrgID / aws:SourceArn conditions a log delivery meets."""
    for operator, pairs in condition.items():
        for key, wanted in pairs.items():
            values, key = _as_list(wanted), key.lower()
            if key == "aws:sourceaccount" and account not in values:
                return False
            if key == "aws:sourceorgid" and org_id not in values:
                return False
            if key == "aws:sourcearn" and not any(
                fnmatch.fnmatchcase(f"arn:aws:logs:*:{account}:*", v)
                or fnmatch.fnmatchcase(v, f"arn:aws:logs:*:{account}:*")
                for v in values
            ):
                return False
            if operator.lower().startswith("stringequals") and key == "s3:x-amz-acl":
                if "bucket-owner-full-control" not in values:
                    return False
    return True


def delivery_allowed(policy: str | None, bucket: str, account: str, org_id: str | None) -> bool:
    """Whether the bucket policy lets the log delivery service write the account's flow logs
    (s3:PutObject on arn:aws:s3:::<bucket>/AWSLogs/<account>/...)."""
    try:
        document = json.loads(policy or "{}")
    except ValueError:
        return False
    key = f"arn:aws:s3:::{bucket}/AWSLogs/{account}/vpcflowlogs/x.log.gz"
    for statement in _as_list(document.get("Statement") or []):
        principal = (statement.get("Principal") or {}) if isinstance(statement, dict) else {}
        if statement.get("Effect") != "Allow" or not isinstance(principal, dict):
            continue
        if LOG_DELIVERY not in _as_list(principal.get("Service") or []):
            continue
        actions = [a.lower() for a in _as_list(statement.get("Action") or [])]
        if not any(fnmatch.fnmatchcase("s3:putobject", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(key, r) for r in _as_list(statement.get("Resource") or [])):
            continue
        if _conditions_hold(statement.get("Condition") or {}, account, org_id):
            return True
    return False


def _s3_bucket(name: str) -> tuple[str | None, Any]:
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None, None
    partition, account = owner
    return account, s3_backends[account][partition].buckets.get(name)


class Ec2Fake(Fake):
    service = "ec2"
    name = "ec2"

    def op_describe_regions(self, call: Call) -> Response:
        params = call.params
        all_regions = params.get("AllRegions", "false").lower() == "true"
        regions = [(r, "opt-in-not-required") for r in STANDARD_REGIONS]
        regions += [(r, "not-opted-in") for r in OPT_IN_REGIONS if all_regions]
        names = _list_param(params, "RegionName")
        if names:
            regions = [(r, s) for r, s in regions if r in names]
        index = 1
        while f"Filter.{index}.Name" in params:
            name = params[f"Filter.{index}.Name"]
            values = _list_param(params, f"Filter.{index}.Value")
            if name == "region-name":
                regions = [(r, s) for r, s in regions if r in values]
            elif name == "opt-in-status":
                regions = [(r, s) for r, s in regions if s in values]
            elif name == "endpoint":
                regions = [(r, s) for r, s in regions if f"ec2.{r}.amazonaws.com" in values]
            index += 1
        items = "".join(
            f"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint>"
            f"<optInStatus>{s}</optInStatus></item>"
            for r, s in regions
        )
        return ec2_response("DescribeRegions", f"<regionInfo>{items}</regionInfo>")

    def _keys(self) -> dict[tuple[str, str], str]:
        return self.state.service_state(self.name + ":ebs-kms", dict)

    def op_get_ebs_default_kms_key_id(self, call: Call) -> Response:
        key = self._keys().get((call.account, call.region), "alias/aws/ebs")
        return ec2_response("GetEbsDefaultKmsKeyId", f"<kmsKeyId>{escape(key)}</kmsKeyId>")

    def op_modify_ebs_default_kms_key_id(self, call: Call) -> Response:
        key = call.params.get("KmsKeyId", "alias/aws/ebs")
        self._keys()[(call.account, call.region)] = key
        return ec2_response("ModifyEbsDefaultKmsKeyId", f"<kmsKeyId>{escape(key)}</kmsKeyId>")

    def op_reset_ebs_default_kms_key_id(self, call: Call) -> Response:
        self._keys().pop((call.account, call.region), None)
        return ec2_response("ResetEbsDefaultKmsKeyId", "<kmsKeyId>alias/aws/ebs</kmsKeyId>")

    def op_delete_vpc(self, call: Call) -> Response | None:
        """AWS refuses DeleteVpc while anything but the default SG, NACL and main route table remains."""
        from moto.ec2.models import ec2_backends

        vpc_id = call.params.get("VpcId", "")
        backend = ec2_backends[call.account][call.region]
        if vpc_id in backend.vpcs and vpc_dependencies(backend, vpc_id):
            raise AwsError(
                "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
            )
        return None

    def op_create_flow_logs(self, call: Call) -> Response | None:
        """A flow log to another account's bucket needs that bucket's policy to let
        delivery.logs.amazonaws.com write the caller's logs; else AWS reports each resource
        unsuccessful with "Access Denied for LogDestination"."""
        from .. import motoaccess

        params = call.params
        if params.get("LogDestinationType") != "s3":
            return None
        bucket = params.get("LogDestination", "").split(":::", 1)[-1].split("/", 1)[0]
        owner, found = _s3_bucket(bucket)
        if found is None or owner == call.account:
            return None
        org = getattr(motoaccess.organization(call.account), "id", None)
        policy = found.policy.decode() if isinstance(found.policy, bytes) else found.policy
        if delivery_allowed(policy, bucket, call.account, org):
            return None
        message = escape(
            f"Access Denied for LogDestination: {bucket}. Please check LogDestination permission"
        )
        items = "".join(
            f"<item><error><code>400</code><message>{message}</message></error>"
            f"<resourceId>{escape(r)}</resourceId></item>"
            for r in _list_param(params, "ResourceId")
        )
        return ec2_response(
            "CreateFlowLogs", f"<flowLogIdSet/><unsuccessful>{items}</unsuccessful>"
        )
