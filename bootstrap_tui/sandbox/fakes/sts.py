"""STS: the root user's access keys sign as the root user; AssumeRole only into a role that
exists and whose trust policy lets the caller in.

AWS (STS API Reference, "AssumeRole"; IAM User Guide, "Granting a user permissions to switch
roles"): the role's trust policy must name the caller (its account, its ARN or the role it
assumed) as principal for ``sts:AssumeRole``, with any ``sts:ExternalId`` it requires;
otherwise, and for a role that does not exist, AssumeRole fails with ``AccessDenied``.
Conditions other than ``sts:ExternalId`` are not evaluated: such an Allow does not apply
(fails safe), such a Deny does.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from .. import motoaccess
from ..patches import ROOT_KEYS
from ..wire import AwsError, Call, Response, query_response
from .base import Fake

ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")


def caller_arn(call: Call) -> str:
    """The caller's ARN: the root user for a root access key, else moto's answer."""
    if call.access_key in ROOT_KEYS:
        return f"arn:aws:iam::{call.account}:root"
    return motoaccess.caller_arn(call.access_key, call.account)


def principal_arns(caller: str, account: str) -> set[str]:
    """What a trust policy may name for this caller: its account, root, ARN, or the role it assumed."""
    names = {account, f"arn:aws:iam::{account}:root", caller, "*"}
    assumed = re.match(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/", caller)
    if assumed:
        names.add(f"arn:aws:iam::{assumed.group(1)}:role/{assumed.group(2)}")
    return names


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _statement_matches(statement: dict[str, Any], names: set[str], external_id: str | None) -> bool:
    actions = _listed(statement.get("Action"))
    if not any(fnmatch.fnmatchcase("sts:AssumeRole", a) or a == "*" for a in actions):
        return False
    principal = statement.get("Principal")
    listed = ["*"] if principal == "*" else _listed((principal or {}).get("AWS"))
    if not names & set(listed):
        return False
    conditions = statement.get("Condition") or {}
    for operator, values in conditions.items():
        for key, wanted in values.items():
            if operator == "StringEquals" and key.lower() == "sts:externalid":
                if external_id not in _listed(wanted):
                    return False
            else:
                return statement.get("Effect") == "Deny"
    return True


def trust_allows(document: str | dict[str, Any], names: set[str], external_id: str | None) -> bool:
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    if any(
        s.get("Effect") == "Deny" and _statement_matches(s, names, external_id) for s in statements
    ):
        return False
    return any(
        s.get("Effect") == "Allow" and _statement_matches(s, names, external_id) for s in statements
    )


class StsFake(Fake):
    service = "sts"
    name = "sts"

    def op_get_caller_identity(self, call: Call) -> Response | None:
        if call.access_key not in ROOT_KEYS:
            return None
        return query_response(
            "sts",
            "GetCallerIdentity",
            {"UserId": call.account, "Account": call.account, "Arn": caller_arn(call)},
        )

    def op_assume_role(self, call: Call) -> None:
        arn = call.params.get("RoleArn", "")
        caller = caller_arn(call)
        denied = AwsError(
            "AccessDenied",
            f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {arn}",
            403,
        )
        found = ROLE_ARN.match(arn)
        if not found:
            return None  # moto validates the ARN's shape
        role = motoaccess.role(found.group(1), found.group(2))
        if role is None:
            raise denied
        if not trust_allows(
            role.assume_role_policy_document,
            principal_arns(caller, call.account),
            call.params.get("ExternalId"),
        ):
            raise denied
        return None
