"""STS: the root user's access keys sign as the root user; AssumeRole needs the role to exist."""

from __future__ import annotations

from .. import motoaccess
from ..patches import ROOT_KEYS
from ..wire import AwsError, Call, Response, query_response
from .base import Fake


def caller_arn(call: Call) -> str:
    """The caller's ARN: the root user for a root access key, else moto's answer."""
    if call.access_key in ROOT_KEYS:
        return f"arn:aws:iam::{call.account}:root"
    return motoaccess.caller_arn(call.access_key, call.account)


class StsFake(Fake):
    service = "sts"
    name = "sts"

    def op_get_caller_identity(self, call: Call) -> Response | None:
        if call.access_key not in ROOT_KEYS:
            return None
        return query_response("sts", "GetCallerIdentity", {
            "UserId": call.account, "Account": call.account, "Arn": caller_arn(call)})

    def op_assume_role(self, call: Call) -> None:
        """AWS answers AccessDenied when the role does not exist (as when its trust policy denies)."""
        arn = str(call.params.get("RoleArn", ""))
        parts = arn.split(":", 5)
        account, name = (parts[4], parts[5].rsplit("/", 1)[-1]) if len(parts) == 6 else ("", "")
        if account and name and not any(role.name == name for role in motoaccess.iam(account).roles.values()):
            raise AwsError("AccessDenied", f"User: {caller_arn(call)} is not authorized to perform: "
                           f"sts:AssumeRole on resource: {arn}", 403)
        return None
