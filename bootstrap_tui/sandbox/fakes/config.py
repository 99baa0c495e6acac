"""AWS Config: delivery channel status, organization config rules and conformance packs."""

from __future__ import annotations

from typing import Any

from .. import motoaccess
from ..state import utcnow
from ..wire import AwsError, Call
from .base import Fake, require


def _delivery_info(bucket_name: str) -> dict[str, Any]:
    """A running recorder delivers to its channel's bucket; delivery fails once the bucket is gone."""
    from moto.s3.models import s3_backends

    now = utcnow().timestamp()
    if bucket_name not in s3_backends.bucket_accounts:
        return {
            "lastStatus": "Failure",
            "lastErrorCode": "NoSuchBucket",
            "lastErrorMessage": "The specified bucket does not exist",
            "lastAttemptTime": now,
        }
    return {"lastStatus": "Success", "lastAttemptTime": now, "lastSuccessfulTime": now}


class ConfigFake(Fake):
    service = "config"
    name = "config"

    @property
    def data(self) -> dict[str, Any]:
        return self.state.service_state(self.name, lambda: {"rules": {}, "packs": {}})

    def op_describe_delivery_channel_status(self, call: Call) -> dict[str, Any]:
        from moto.config.models import config_backends

        backend = config_backends[call.account][call.region]
        wanted = call.params.get("DeliveryChannelNames") or []
        recording = any(r.status.recording for r in backend.recorders.values())
        statuses = []
        for name, channel in backend.delivery_channels.items():
            if wanted and name not in wanted:
                continue
            info = _delivery_info(channel.s3_bucket_name) if recording else {}
            statuses.append(
                {
                    "name": name,
                    "configSnapshotDeliveryInfo": info,
                    "configHistoryDeliveryInfo": info,
                    "configStreamDeliveryInfo": {"lastStatus": "Not_Applicable"},
                }
            )
        missing = [n for n in wanted if n not in backend.delivery_channels]
        if missing:
            raise AwsError(
                "NoSuchDeliveryChannelException",
                f"Cannot find delivery channel with specified name '{missing[0]}'.",
            )
        return {"DeliveryChannelsStatus": statuses}

    def op_put_delivery_channel(self, call: Call) -> None:
        """AWS Config cannot deliver to a bucket with Object Lock (AWS::Config::DeliveryChannel note)."""
        from moto.s3.models import s3_backends

        bucket_name = (call.params.get("DeliveryChannel") or {}).get("s3BucketName") or ""
        owner = s3_backends.bucket_accounts.get(bucket_name)
        bucket = s3_backends[owner[1]][owner[0]].buckets.get(bucket_name) if owner else None
        if bucket is not None and bucket.object_lock_enabled:
            prefix = (call.params.get("DeliveryChannel") or {}).get("s3KeyPrefix")
            raise AwsError(
                "InsufficientDeliveryPolicyException",
                f"Insufficient delivery policy to s3 bucket: {bucket_name}, unable to write to bucket, "
                f"provided s3 key prefix is '{prefix or 'null'}'. AWS Config does not support delivery "
                "to an Amazon S3 bucket with Object Lock enabled.",
            )
        return None

    def _org_admin(self, call: Call) -> str:
        management = motoaccess.org_management_account(call.account)
        if management is None:
            raise AwsError(
                "NoAvailableOrganizationException",
                "Organization is not available. Ensure your account is part of an organization.",
            )
        if management != call.account and not motoaccess.is_delegated_admin(call.account):
            raise AwsError(
                "OrganizationAccessDeniedException",
                "This action can only be performed by the management account or a delegated "
                "administrator.",
            )
        return management

    def _store(self, call: Call, kind: str) -> dict[str, dict[str, Any]]:
        return self.data[kind].setdefault((call.account, call.region), {})

    def op_put_organization_config_rule(self, call: Call) -> dict[str, Any]:
        self._org_admin(call)
        require(call.params, "OrganizationConfigRuleName")
        name = call.params["OrganizationConfigRuleName"]
        arn = f"arn:aws:config:{call.region}:{call.account}:organization-config-rule/{name}-{abs(hash(name)) % 10**8:08d}"
        rule = {k: v for k, v in call.params.items() if k != "ExcludedAccounts"}
        rule.update(
            OrganizationConfigRuleArn=arn,
            ExcludedAccounts=call.params.get("ExcludedAccounts", []),
            LastUpdateTime=utcnow().timestamp(),
        )
        self._store(call, "rules")[name] = rule
        return {"OrganizationConfigRuleArn": arn}

    def op_describe_organization_config_rules(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("OrganizationConfigRuleNames") or []
        rules = self._store(call, "rules")
        missing = [n for n in wanted if n not in rules]
        if missing:
            raise AwsError(
                "NoSuchOrganizationConfigRuleException",
                f"The organization config rule {missing[0]} does not exist.",
            )
        return {
            "OrganizationConfigRules": [r for n, r in rules.items() if not wanted or n in wanted]
        }

    def op_describe_organization_config_rule_statuses(self, call: Call) -> dict[str, Any]:
        return {
            "OrganizationConfigRuleStatuses": [
                {
                    "OrganizationConfigRuleName": n,
                    "OrganizationRuleStatus": "CREATE_SUCCESSFUL",
                    "LastUpdateTime": r["LastUpdateTime"],
                }
                for n, r in self._store(call, "rules").items()
            ]
        }

    def op_delete_organization_config_rule(self, call: Call) -> dict[str, Any]:
        name = call.params.get("OrganizationConfigRuleName", "")
        if self._store(call, "rules").pop(name, None) is None:
            raise AwsError(
                "NoSuchOrganizationConfigRuleException",
                f"The organization config rule {name} does not exist.",
            )
        return {}

    def op_put_organization_conformance_pack(self, call: Call) -> dict[str, Any]:
        self._org_admin(call)
        require(call.params, "OrganizationConformancePackName")
        name = call.params["OrganizationConformancePackName"]
        arn = f"arn:aws:config:{call.region}:{call.account}:organization-conformance-pack/{name}"
        pack = {
            "OrganizationConformancePackName": name,
            "OrganizationConformancePackArn": arn,
            "DeliveryS3Bucket": call.params.get("DeliveryS3Bucket"),
            "ConformancePackInputParameters": call.params.get("ConformancePackInputParameters", []),
            "ExcludedAccounts": call.params.get("ExcludedAccounts", []),
            "LastUpdateTime": utcnow().timestamp(),
        }
        self._store(call, "packs")[name] = {k: v for k, v in pack.items() if v is not None}
        return {"OrganizationConformancePackArn": arn}

    def op_describe_organization_conformance_packs(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("OrganizationConformancePackNames") or []
        packs = self._store(call, "packs")
        return {
            "OrganizationConformancePacks": [
                p for n, p in packs.items() if not wanted or n in wanted
            ]
        }

    def op_describe_organization_conformance_pack_statuses(self, call: Call) -> dict[str, Any]:
        return {
            "OrganizationConformancePackStatuses": [
                {
                    "OrganizationConformancePackName": n,
                    "Status": "CREATE_SUCCESSFUL",
                    "LastUpdateTime": p["LastUpdateTime"],
                }
                for n, p in self._store(call, "packs").items()
            ]
        }

    def op_delete_organization_conformance_pack(self, call: Call) -> dict[str, Any]:
        name = call.params.get("OrganizationConformancePackName", "")
        if self._store(call, "packs").pop(name, None) is None:
            raise AwsError(
                "NoSuchOrganizationConformancePackException",
                f"Could not find an OrganizationConformancePack for given request with resourceName {name}",
            )
        return {}
